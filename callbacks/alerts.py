"""Alert history (/alerts): the user's alerts filtered by line, kind and unread; mark read."""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, no_update

from callbacks import Page
from callbacks.bell import clicked_index, item_view, mark_read
from callbacks.common import line_for_user, prefs_of, user_id
from callbacks.shell import line_label
from dashboard.alerts.rules import KINDS
from dashboard.context import store
from dashboard.text.i18n import t
from data import alerts_store
from data.lines import lines_of
from layouts import alerts as alerts_layout
from layouts.bell import alert_list

PAGE = Page("/alerts", "nav.alerts", alerts_layout.page, order=60)
PAGE_SIZE = 200


def register(app: Dash) -> None:
    @app.callback(Output("alerts-filter-line", "options"), Input("url", "pathname"), State("prefs", "data"))
    def line_options(pathname, prefs):
        if pathname != PAGE.path:
            return no_update
        lang, _ = prefs_of(prefs)
        with store().read() as db:
            return [{"label": line_label(line, lang), "value": line.id} for line in lines_of(db, user_id())]

    @app.callback(
        Output("alerts-list", "children"),
        Output("alerts-count", "children"),
        Input("alerts-filter-line", "value"),
        Input("alerts-filter-kind", "value"),
        Input("alerts-filter-unread", "value"),
        Input("alerts-version", "data"),
        State("prefs", "data"),
    )
    def listing(line_id, kind, unread, _version, prefs):
        lang, _ = prefs_of(prefs)
        uid = user_id()
        line = line_for_user(line_id) if line_id is not None else None
        if line_id is not None and line is None:
            return alert_list([], lang, "alert-read", "alerts.none"), ""  # not their line: show nothing
        with store().read() as db:
            rows = alerts_store.list_alerts(db, uid, line_id=line.id if line else None,
                                            kind=kind if kind in KINDS else None,
                                            unread=True if unread else None, limit=PAGE_SIZE)
            names = alerts_store.line_names(db, uid)
            items = [item_view(alert, names, lang) for alert in rows]
        return alert_list(items, lang, "alert-read", "alerts.none"), t("alerts.count", lang, count=len(items))

    @app.callback(
        Output("alerts-version", "data", allow_duplicate=True),
        Input({"type": "alert-read", "index": ALL}, "n_clicks"),
        State("alerts-version", "data"),
        prevent_initial_call=True,
    )
    def read_one(_clicks, version):
        return (version or 0) + 1 if mark_read(clicked_index("alert-read")) else no_update

    @app.callback(
        Output("alerts-version", "data", allow_duplicate=True),
        Input("alerts-read-all", "n_clicks"),
        State("alerts-filter-line", "value"),
        State("alerts-version", "data"),
        prevent_initial_call=True,
    )
    def read_all(clicks, line_id, version):
        if not clicks:
            return no_update
        line = line_for_user(line_id) if line_id is not None else None
        if line_id is not None and line is None:
            return no_update
        with store().write() as db:
            alerts_store.mark_all_read(db, user_id(), line.id if line else None)
        return (version or 0) + 1

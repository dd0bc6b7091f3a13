"""Alert history (/alerts): the user's alerts filtered by line, kind and unread; mark read."""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, no_update

from callbacks import Page
from callbacks.bell import clicked_index, mark_read
from callbacks.common import prefs_of, user_id
from callbacks.disputes import with_windows
from dashboard.context import store
from dashboard.services import alerts as alerts_service
from dashboard.services.errors import NotFound
from dashboard.services.lines import lines_with_roles
from dashboard.text.i18n import t
from layouts import alerts as alerts_layout
from layouts.bell import alert_list
from layouts.shell import line_options as line_option_list

PAGE = Page("/alerts", "nav.alerts", alerts_layout.page, order=60)
PAGE_SIZE = 200


def line_options(pathname, prefs):
    if pathname != PAGE.path:
        return no_update
    lang, _ = prefs_of(prefs)
    return line_option_list(lines_with_roles(store(), user_id()), lang)


def listing(line_id, kind, unread, _version, prefs):
    lang, _ = prefs_of(prefs)
    try:
        items = alerts_service.alert_items(store(), user_id(), lang, line_id=line_id, kind=kind,
                                           unread=True if unread else None, limit=PAGE_SIZE)
    except NotFound:  # not their line: show nothing
        return alert_list([], lang, "alert-read", "alerts.none"), ""
    listed = with_windows(items, lang, full=True)  # charges' cancellation window, fraud steps, dispute pack
    return alert_list(listed, lang, "alert-read", "alerts.none"), t("alerts.count", lang, count=len(items))


def read_one(_clicks, version):
    return (version or 0) + 1 if mark_read(clicked_index("alert-read")) else no_update


def read_all(clicks, line_id, version):
    if not clicks:
        return no_update
    try:
        alerts_service.mark_all_read(store(), user_id(), line_id)
    except NotFound:  # not their line: nothing is marked
        return no_update
    return (version or 0) + 1


def register(app: Dash) -> None:
    app.callback(Output("alerts-filter-line", "options"), Input("url", "pathname"),
                 State("prefs", "data"))(line_options)
    app.callback(Output("alerts-list", "children"), Output("alerts-count", "children"),
                 Input("alerts-filter-line", "value"), Input("alerts-filter-kind", "value"),
                 Input("alerts-filter-unread", "value"), Input("alerts-version", "data"),
                 State("prefs", "data"))(listing)
    app.callback(Output("alerts-version", "data", allow_duplicate=True),
                 Input({"type": "alert-read", "index": ALL}, "n_clicks"), State("alerts-version", "data"),
                 prevent_initial_call=True)(read_one)
    app.callback(Output("alerts-version", "data", allow_duplicate=True), Input("alerts-read-all", "n_clicks"),
                 State("alerts-filter-line", "value"), State("alerts-version", "data"),
                 prevent_initial_call=True)(read_all)

"""The bell (unread count and latest alerts, on every page) and the overview's alerts banner."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update

from callbacks.common import prefs_of, user_id
from dashboard.alerts.rules import kst_text
from dashboard.alerts.text import alert_text, kind_label, line_label
from dashboard.context import store
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data import alerts_store, budgets
from data.models import Alert
from data.vocab import kst_today
from layouts.bell import alert_list

BELL_ITEMS = 10
URGENT_KINDS = ("fraud_burst", "blocked_attempt")


def item_view(alert: Alert, names: dict[int, str], lang: str) -> dict:
    """Display-ready strings for layouts.bell.alert_item."""
    return {"id": alert.id, "kind": alert.kind, "kind_label": kind_label(alert.kind, lang),
            "time": kst_text(alert.created_at), "line": names.get(alert.line_id, ""),
            "text": alert_text(alert, lang), "read": alert.read_at is not None}


def clicked_index(button_type: str) -> int | None:
    """The alert id of the "mark read" button actually pressed (re-rendered buttons fire with n_clicks None)."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, dict) or trigger.get("type") != button_type:
        return None
    if not any(item.get("value") for item in ctx.triggered):
        return None
    return trigger.get("index")


def mark_read(alert_id: int | None) -> bool:
    if alert_id is None:
        return False
    with store().write() as db:
        return alerts_store.mark_read(db, user_id(), alert_id) is not None  # someone else's id: nothing


def register(app: Dash) -> None:
    @app.callback(
        Output("bell-count", "children"),
        Output("bell-count", "className"),
        Output("bell-button", "aria-label"),
        Output("bell-list", "children"),
        Input("bell-interval", "n_intervals"),
        Input("url", "pathname"),
        Input("alerts-version", "data"),
        Input("bell-panel", "is_open"),
        State("prefs", "data"),
    )
    def bell(_tick, _path, _version, is_open, prefs):
        lang, _ = prefs_of(prefs)
        uid = user_id()
        with store().read() as db:
            count = alerts_store.unread_count(db, uid)
            items = None
            if is_open:  # the list only matters while it is shown
                names = alerts_store.line_names(db, uid)
                items = [item_view(a, names, lang) for a in alerts_store.list_alerts(db, uid, limit=BELL_ITEMS)]
        badge = "badge rounded-pill text-bg-danger bell-badge" + ("" if count else " d-none")
        label = t("alerts.bell_unread", lang, count=count) if count else t("alerts.bell", lang)
        listing = no_update if items is None else alert_list(items, lang, "bell-read", "alerts.bell_empty")
        return (str(count) if count < 100 else "99+") if count else "", badge, label, listing

    @app.callback(
        Output("bell-panel", "is_open"),
        Input("bell-button", "n_clicks"),
        Input("bell-see-all", "n_clicks"),
        State("bell-panel", "is_open"),
        prevent_initial_call=True,
    )
    def toggle(_bell, _see_all, is_open):
        return False if ctx.triggered_id == "bell-see-all" else not is_open

    @app.callback(
        Output("alerts-version", "data", allow_duplicate=True),
        Input({"type": "bell-read", "index": ALL}, "n_clicks"),
        State("alerts-version", "data"),
        prevent_initial_call=True,
    )
    def read_one(_clicks, version):
        return (version or 0) + 1 if mark_read(clicked_index("bell-read")) else no_update

    @app.callback(
        Output("alerts-version", "data", allow_duplicate=True),
        Input("bell-read-all", "n_clicks"),
        State("alerts-version", "data"),
        prevent_initial_call=True,
    )
    def read_all(clicks, version):
        if not clicks:
            return no_update
        with store().write() as db:
            alerts_store.mark_all_read(db, user_id())
        return (version or 0) + 1

    @app.callback(
        Output("alerts-banner", "children"),
        Input("url", "pathname"),
        Input("bell-interval", "n_intervals"),
        Input("alerts-version", "data"),
        State("prefs", "data"),
    )
    def banner(pathname, _tick, _version, prefs):
        if (pathname or "/") != "/":
            return None
        lang, _ = prefs_of(prefs)
        return banner_children(lang) or None


def banner_children(lang: str) -> list:
    """A red banner while possible-fraud alerts are unread, an amber one while a line's spending this
    month has reached its budget (any of the user's lines, like the bell)."""
    uid = user_id()
    with store().read() as db:
        urgent = alerts_store.unread_kinds(db, uid, URGENT_KINDS)
        over = budgets.over_budget(db, uid, kst_today().strftime("%Y-%m"))
    out = []
    if urgent:
        out.append(dbc.Alert(
            [html.Span(t("alerts.banner_fraud", lang, count=urgent), className="me-2"),
             dcc.Link(t("alerts.banner_see", lang), href="/alerts", className="alert-link")],
            color="danger", id="alerts-banner-fraud", className="d-flex flex-wrap align-items-center"))
    if over:
        lines = [html.Div(t("alerts.banner_budget", lang, line=line_label(line), used=won(used), budget=won(amount)),
                          **{"data-line-id": str(line.id)}) for line, used, amount in over]
        out.append(dbc.Alert(
            [html.Div(lines, className="me-2"),
             dcc.Link(t("nav.budget", lang), href="/budget", className="alert-link")],
            color="warning", id="alerts-banner-budget", className="d-flex flex-wrap align-items-center"))
    return out

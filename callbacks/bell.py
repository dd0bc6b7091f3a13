"""The bell (unread count and latest alerts, on every page) and the overview's alerts banner."""

from __future__ import annotations

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from callbacks.common import prefs_of, user_id
from callbacks.disputes import with_windows
from dashboard.context import store
from dashboard.services import alerts as alerts_service
from dashboard.services.errors import NotFound
from layouts import bell as bell_layout


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
    try:
        alerts_service.mark_read(store(), user_id(), alert_id)
    except NotFound:  # someone else's id: nothing
        return False
    return True


def bell(_tick, _path, _version, is_open, prefs):
    lang, _ = prefs_of(prefs)
    summary = alerts_service.bell(store(), user_id(), lang, with_items=bool(is_open))
    items = with_windows(summary.items, lang, full=False)  # the charges' cancellation window
    listing = no_update if items is None else bell_layout.alert_list(items, lang, "bell-read", "alerts.bell_empty")
    return *bell_layout.badge(summary.count, lang), listing


def toggle(_bell, _see_all, is_open):
    return False if ctx.triggered_id == "bell-see-all" else not is_open


def read_one(_clicks, version):
    return (version or 0) + 1 if mark_read(clicked_index("bell-read")) else no_update


def read_all(clicks, version):
    if not clicks:
        return no_update
    alerts_service.mark_all_read(store(), user_id())
    return (version or 0) + 1


def banner(pathname, _tick, _version, prefs):
    if (pathname or "/") != "/":
        return None
    lang, _ = prefs_of(prefs)
    found = alerts_service.banners(store(), user_id())
    return bell_layout.banners(found.urgent, found.over, lang) or None


def register(app: Dash) -> None:
    app.callback(Output("bell-count", "children"), Output("bell-count", "className"),
                 Output("bell-button", "aria-label"), Output("bell-list", "children"),
                 Input("bell-interval", "n_intervals"), Input("url", "pathname"), Input("alerts-version", "data"),
                 Input("bell-panel", "is_open"), State("prefs", "data"))(bell)
    app.callback(Output("bell-panel", "is_open"), Input("bell-button", "n_clicks"), Input("bell-see-all", "n_clicks"),
                 State("bell-panel", "is_open"), prevent_initial_call=True)(toggle)
    app.callback(Output("alerts-version", "data", allow_duplicate=True),
                 Input({"type": "bell-read", "index": ALL}, "n_clicks"), State("alerts-version", "data"),
                 prevent_initial_call=True)(read_one)
    app.callback(Output("alerts-version", "data", allow_duplicate=True), Input("bell-read-all", "n_clicks"),
                 State("alerts-version", "data"), prevent_initial_call=True)(read_all)
    app.callback(Output("alerts-banner", "children"), Input("url", "pathname"), Input("bell-interval", "n_intervals"),
                 Input("alerts-version", "data"), State("prefs", "data"))(banner)

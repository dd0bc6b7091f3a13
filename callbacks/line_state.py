"""The line-state banners above every page of the picked line (blocked, overdue/restricted, a budget forecast
to be passed): redrawn when the line, the page, the line's status (block/unblock) or the language change.
Pages about no one line (/account, /family) show none."""

from __future__ import annotations

from dash import Dash, Input

from callbacks.common import prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services.line_state import line_state
from layouts import line_state as layout

NOT_LINE_PAGES = ("/account", "/family")


def show(line_id, pathname, _version, prefs):
    lang, _theme = prefs_of(prefs)
    if pathname in NOT_LINE_PAGES:
        return []
    state = line_state(store(), settings(), user_id(), line_id)
    if state is None or state.calm:
        return []
    return layout.banners(state, settings().arrears_cap, lang, here=pathname)


def register(app: Dash) -> None:
    app.callback(
        layout.OUTPUT,
        Input("line-picker", "value"),
        Input("url", "pathname"),
        Input("line-status-version", "data"),
        Input("prefs", "data"),
    )(show)

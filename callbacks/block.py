"""The top bar's block button: one click blocks the selected line (or all lines) and shows the
carrier's steps. No password — blocking must be easy; unblocking is on the limits page."""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, no_update

from callbacks.common import prefs_of, user_id
from dashboard.context import store
from dashboard.services import lines as lines_service
from dashboard.services.errors import NotFound
from dashboard.web.auth import client_ip
from layouts import block as block_layout
from layouts.shell import line_options


def block_selected(line_id: object, lang: str):
    """Block the user's selected line: the panel, or None when it is not theirs (or none is selected)."""
    try:
        done = lines_service.block_line(store(), user_id(), line_id, ip=client_ip())
    except NotFound:
        return None
    name = block_layout.line_name(done.nickname, done.carrier, done.number_masked)
    return block_layout.blocked_one_panel(lang, name, done.already_blocked, done.carrier)


def block_everything(lang: str):
    """Block all the user's lines: the panel, or None when they have none."""
    done = lines_service.block_all(store(), user_id(), ip=client_ip())
    return block_layout.blocked_all_panel(lang, len(done), [line.carrier for line in done]) if done else None


def picker_options(lang: str) -> list[dict]:
    """The line picker's labels carry the status, so they change with a block."""
    return line_options(lines_service.lines_with_roles(store(), user_id()), lang)


def on_block(_one, _all, _close, line_id, prefs, version):
    lang, _ = prefs_of(prefs)
    if ctx.triggered_id == "block-modal-close":
        return False, no_update, no_update, no_update
    panel = block_everything(lang) if ctx.triggered_id == "block-all-button" else block_selected(line_id, lang)
    if panel is None:
        return True, block_layout.no_line_panel(lang), no_update, no_update
    return True, panel, (version or 0) + 1, picker_options(lang)


def register(app: Dash) -> None:
    app.callback(
        Output("block-modal", "is_open"),
        Output("block-modal-body", "children"),
        Output("line-status-version", "data", allow_duplicate=True),
        Output("line-picker", "options", allow_duplicate=True),
        Input("block-button", "n_clicks"),
        Input("block-all-button", "n_clicks"),
        Input("block-modal-close", "n_clicks"),
        State("line-picker", "value"),
        State("prefs", "data"),
        State("line-status-version", "data"),
        prevent_initial_call=True,
    )(on_block)

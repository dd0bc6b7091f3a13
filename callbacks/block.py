"""The top bar's block button: one click blocks the selected line (or all lines) and shows the
carrier's steps. No password — blocking must be easy; unblocking is on the limits page."""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, no_update

from callbacks.common import line_for_user, prefs_of, user_id
from callbacks.shell import line_label
from dashboard.context import store
from dashboard.text.carriers import instructions
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from data.line_actions import block_all, block_line, lock_line
from data.lines import lines_of
from layouts.block import block_panel


def short_name(line) -> str:
    return f"{line.nickname} ({line.carrier} {line.number_masked})" if line.nickname else \
        f"{line.carrier} {line.number_masked}"


def block_selected(line_id: object, lang: str) -> tuple[list[str], list[dict]] | None:
    """Block the user's selected line; None when it is not theirs (or none is selected)."""
    line = line_for_user(line_id)
    if line is None:
        return None
    uid = user_id()
    with store().write() as db:
        locked = lock_line(db, line.id, uid)
        if locked is None:
            return None
        changed = block_line(db, locked, user_id=uid, ip=client_ip())
        name = short_name(locked)
        carrier = locked.carrier
    notice = t("block.done" if changed else "block.already", lang, line=name)
    return [notice], [instructions(carrier, lang)]


def block_everything(lang: str) -> tuple[list[str], list[dict]] | None:
    uid = user_id()
    with store().write() as db:
        lines = block_all(db, uid, ip=client_ip())
        carriers = list(dict.fromkeys(line.carrier for line in lines))
    if not lines:
        return None
    return [t("block.all_done", lang, count=len(lines))], [instructions(c, lang) for c in carriers]


def picker_options(lang: str) -> list[dict]:
    """The line picker's labels carry the status, so they change with a block."""
    with store().read() as db:
        return [{"label": line_label(line, lang), "value": line.id} for line in lines_of(db, user_id())]


def register(app: Dash) -> None:
    @app.callback(
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
    )
    def on_block(_one, _all, _close, line_id, prefs, version):
        lang, _ = prefs_of(prefs)
        if ctx.triggered_id == "block-modal-close":
            return False, no_update, no_update, no_update
        done = block_everything(lang) if ctx.triggered_id == "block-all-button" else block_selected(line_id, lang)
        if done is None:
            return True, block_panel(lang, [t("block.no_line", lang)], []), no_update, no_update
        notices, steps = done
        return True, block_panel(lang, notices, steps), (version or 0) + 1, picker_options(lang)

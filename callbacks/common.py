"""Helpers every callback module uses: who is asking, and which of their lines is meant."""

from __future__ import annotations

from typing import Any

from dash import ctx
from dash.exceptions import PreventUpdate
from flask_login import current_user

from dashboard.context import store
from dashboard.services.lines import line_of_user
from dashboard.text.i18n import pick_lang


def user_id() -> int:
    # The guard already answered 401 to anonymous callers; this is defence in depth.
    if not current_user.is_authenticated:
        raise PermissionError("not logged in")
    return current_user.user_id


def line_for_user(line_id: object) -> Any | None:
    """The line (a detached row) if the logged-in user has a role on it (own or shared); None for anyone else's id
    (never their data). What they may change on it, the service they call checks."""
    return line_of_user(store(), user_id(), line_id)


def prefs_of(prefs: dict | None) -> tuple[str, str]:
    prefs = prefs or {}
    theme = prefs.get("theme") if prefs.get("theme") in ("light", "dark") else "light"
    return pick_lang(prefs.get("lang")), theme


def clicked_id() -> dict:
    """The pattern-matched id of the button really clicked; PreventUpdate for anything else.

    Buttons rendered anew (n_clicks 0 or None) also trigger a callback: only a real click counts. The clicks are
    looked up by id because ctx.triggered's value lookup misses ids with non-ASCII text (Korean merchant names).
    The id's values come from the browser: callers check them before use."""
    trigger = ctx.triggered_id
    clicks = [item.get("value") for group in ctx.inputs_list for item in group if item["id"] == trigger]
    if not isinstance(trigger, dict) or not any(clicks):
        raise PreventUpdate
    return trigger

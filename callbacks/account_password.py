"""The account page's password card: change the password (needs the current one).

Success ends every other session and every API token (dashboard.services.passwords.change_password) and gives
this browser's session a new id (a privilege change)."""

from __future__ import annotations

from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from callbacks.common import prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services import passwords
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from dashboard.web.password_routes import links
from dashboard.web.session_rotation import rotate_current_session
from layouts import account_password as layout

FIELD_NAMES = [name for name, *_ in layout.FIELDS]
INPUT_IDS = [input_id for _, input_id, *_ in layout.FIELDS]


def session_id() -> str:
    """The login session's id. A bearer-token caller has none, and an API token alone may not change the
    password or delete the account: nothing happens (no update)."""
    user_id()  # logged in at all
    if current_user.is_token:
        raise PreventUpdate
    return current_user.id


def _answer(errors: dict[str, str], result, lang: str, *, done: bool) -> tuple:
    """Per field: invalid flag and message; the result line; the values (the current password always
    cleared; the new ones kept after a refusal so only the wrong field needs retyping)."""
    invalid = [name in errors for name in FIELD_NAMES]
    messages = [t(errors[name], lang) if name in errors else "" for name in FIELD_NAMES]
    values = ["", "", ""] if done else ["", no_update, no_update]
    return (*invalid, *messages, result, *values)


def change(n_clicks, current, new, repeat, prefs):
    if not n_clicks:
        raise PreventUpdate
    lang, _ = prefs_of(prefs)
    try:
        done = passwords.change_password(store(), settings(), user_id(), session_id(), current, new, repeat,
                                         links(), ip=client_ip())
    except passwords.FieldErrors as refused:
        return _answer(refused.fields, layout.refused("pw.not_changed", lang), lang, done=False)
    rotate_current_session()
    return _answer({}, layout.changed(done.sessions_ended, done.tokens_revoked, lang), lang, done=True)


def register(app: Dash) -> None:
    app.callback(
        *[Output(input_id, "invalid") for input_id in INPUT_IDS],
        *[Output(f"{input_id}-error", "children") for input_id in INPUT_IDS],
        Output("pw-change-result", "children"),
        *[Output(input_id, "value") for input_id in INPUT_IDS],
        Input("pw-change-submit", "n_clicks"),
        *[State(input_id, "value") for input_id in INPUT_IDS],
        State("prefs", "data"),
        prevent_initial_call=True,
    )(change)

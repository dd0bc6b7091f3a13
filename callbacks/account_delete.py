"""The account page's danger zone: delete the account (password, second factor, the email typed).

On success the browser is logged out and sent to the login page, which says the account is gone."""

from __future__ import annotations

from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate
from flask import flash
from flask_login import logout_user

from callbacks.account_password import session_id
from callbacks.common import prefs_of, user_id
from dashboard.context import store
from dashboard.services import erasure, factors
from dashboard.services.passwords import FieldErrors
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip, fresh_session
from layouts import account_delete as layout

FIELD_NAMES = [name for name, *_ in layout.FIELDS]
INPUT_IDS = [input_id for _, input_id, *_ in layout.FIELDS]


def show_code(_prefs) -> bool:
    """Hidden unless the user has a second factor."""
    return not factors.has_second_factor(store(), user_id())


def delete(n_clicks, password, code, typed, prefs):
    if not n_clicks:
        raise PreventUpdate
    lang, _ = prefs_of(prefs)
    try:
        erasure.delete_account(store(), user_id(), session_id(), password, code, typed, ip=client_ip())
    except FieldErrors as refused:
        invalid = [name in refused.fields for name in FIELD_NAMES]
        messages = [t(refused.fields[name], lang) if name in refused.fields else "" for name in FIELD_NAMES]
        return (*invalid, *messages, layout.refused(lang), "", "", no_update, no_update)
    logout_user()  # the session row is gone already; this clears the cookie's side
    fresh_session()
    flash("erasure.done")
    return (*[False] * 3, *[""] * 3, no_update, "", "", no_update, "/login")


def register(app: Dash) -> None:
    app.callback(Output("delete-code-group", "hidden"), Input("prefs", "data"))(show_code)
    app.callback(
        *[Output(input_id, "invalid") for input_id in INPUT_IDS],
        *[Output(f"{input_id}-error", "children") for input_id in INPUT_IDS],
        Output("delete-result", "children"),
        *[Output(input_id, "value") for input_id in INPUT_IDS],
        Output("delete-redirect", "href"),
        Input("delete-submit", "n_clicks"),
        *[State(input_id, "value") for input_id in INPUT_IDS],
        State("prefs", "data"),
        prevent_initial_call=True,
    )(delete)

"""The account page's two-step card: set up / turn off the authenticator app, recovery codes, passkeys.

Every action is one service call in dashboard.services.factors, which checks that the passkey is the
logged-in user's and asks for the password and a factor where removing something needs them. Adding a passkey
and the passkey step-up are WebAuthn ceremonies in the browser (assets/passkeys.js → dashboard.web.factor_routes).
"""

from __future__ import annotations

from dataclasses import asdict

from dash import ALL, Dash, Input, Output, State, ctx
from flask_login import current_user

from callbacks.common import clicked_id, prefs_of, user_id
from dashboard.context import store
from dashboard.services import factors as factors_service
from dashboard.services.errors import ServiceError
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from dashboard.web.session_rotation import rotate_current_session
from layouts import account_factors as layout


def _session_id() -> str:
    return str(current_user.id)


def render(lang: str, *, setup: factors_service.TotpSetup | None = None, codes: list[str] | None = None,
           codes_key: str = "factor.totp_enabled"):
    uid = user_id()
    status = factors_service.status(store(), uid)
    pending = setup or (None if status.totp_enabled else factors_service.pending_totp(store(), uid))
    return layout.body(lang, totp_enabled=status.totp_enabled, recovery_left=status.recovery_left,
                       passkeys=[asdict(p) for p in status.passkeys],
                       setup=(pending.secret, pending.uri) if pending else None, codes=codes, codes_key=codes_key)


def show(prefs):
    lang, _ = prefs_of(prefs)
    return render(lang)


def _values(group: int, key: str) -> dict:
    """{name or key: value} of a pattern-matched State group (browser values: callers check them)."""
    return {item["id"][key]: item.get("value") for item in ctx.states_list[group]}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def act(_buttons, _passkey_buttons, _fields, _names, prefs):
    """One button of the card: do it, then draw the card anew (typed passwords and codes are cleared)."""
    lang, _ = prefs_of(prefs)
    trigger = clicked_id()
    fields = {name: _text(value) for name, value in _values(0, "name").items()}
    try:
        said, drawn = _do(trigger, fields, _values(1, "key"), lang)
    except ServiceError as error:
        return render(lang), layout.notice(t(error.key, lang, **error.values), False)
    return drawn or render(lang), layout.notice(t(said, lang), True) if said else None


def _do(trigger: dict, fields: dict, names: dict, lang: str):
    """(message key or None, the card when the action draws it differently) for the clicked button."""
    uid, action, ip = user_id(), trigger.get("action"), client_ip()
    if action == "totp-start":
        return None, render(lang, setup=factors_service.start_totp(store(), uid))
    if action == "totp-confirm":
        codes = factors_service.confirm_totp(store(), uid, _session_id(), fields.get("totp-code"),
                                             fields.get("totp-password"), ip=ip)
        rotate_current_session(second_factor=True)  # a privilege change: a new session id
        return None, render(lang, codes=codes)
    if action == "totp-off":
        factors_service.disable_totp(store(), uid, fields.get("off-password"), fields.get("off-code"), ip=ip)
        return "factor.totp_disabled", None
    if action == "recovery-new":
        codes = factors_service.new_recovery_codes(store(), uid, _session_id(), fields.get("off-password"),
                                                   fields.get("off-code"), ip=ip)
        return None, render(lang, codes=codes, codes_key="factor.recovery_made")
    key = trigger.get("key")
    if action == "rename":
        factors_service.rename_passkey(store(), uid, key, _text(names.get(key)), ip=ip)
        return "factor.passkey_renamed", None
    if action == "remove":
        factors_service.remove_passkey(store(), uid, _session_id(), key, fields.get("pk-password"),
                                       fields.get("pk-code"), ip=ip)
        return "factor.passkey_removed", None
    return None, None


def register(app: Dash) -> None:
    app.callback(
        Output("factors-body", "children"),
        Input("prefs", "data"),
    )(show)
    app.callback(
        Output("factors-body", "children", allow_duplicate=True),
        Output("factors-notice", "children"),
        Input({"type": layout.BUTTON, "action": ALL}, "n_clicks"),
        Input({"type": layout.PASSKEY_BUTTON, "action": ALL, "key": ALL}, "n_clicks"),
        State({"type": layout.FIELD, "name": ALL}, "value"),
        State({"type": layout.PASSKEY_NAME, "key": ALL}, "value"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )(act)

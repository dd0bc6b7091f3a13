"""The login's second step and the WebAuthn (passkey) JSON endpoints.

- GET/POST /login/factor          the TOTP / recovery-code form (or the passkey button), after a right password
- POST /login/passkey/options     {mode: "first" | "second"} → options for navigator.credentials.get
- POST /login/passkey/verify      {credential, mode, remember?, next?} → {next}: the session is opened
- POST /account/passkeys/options  (logged in) {password, code?} → options for navigator.credentials.create
- POST /account/passkeys          {credential, name} → the passkey is added
- POST /account/passkeys/step-up/options, /account/passkeys/step-up   a passkey entry in a logged-in session
  (unblock, raising a limit, removing a factor then count it for second_factor_fresh_minutes)

Each challenge is kept in the signed Flask session, for one ceremony of one purpose, CHALLENGE_TTL long, and
popped before it is checked: it cannot be replayed. The /login/* endpoints are public
(dashboard.web.security.PUBLIC_ENDPOINTS) and throttled per IP; CSRF applies to every POST.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, jsonify, redirect, render_template, request, session
from flask_limiter import Limiter
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from dashboard.context import settings, store
from dashboard.services import accounts, factors
from dashboard.services.errors import ServiceError
from dashboard.text.i18n import t
from dashboard.web import auth
from dashboard.web.factor_marker import pending_login
from dashboard.web.session_rotation import rotate_current_session
from data.models import utcnow

CHALLENGE = "webauthn_challenge"
CHALLENGE_TTL = timedelta(minutes=5)


def relying_party() -> factors.RelyingParty:
    """RP ID and origin: MICROBILL_WEBAUTHN_RP_ID / _ORIGIN, else the host this request came to (behind
    trusted proxies ProxyFix has already put the public host there)."""
    configured = settings()
    origin = configured.webauthn_origin or request.host_url.rstrip("/")
    return factors.RelyingParty(configured.webauthn_rp_id or urlsplit(origin).hostname or "", origin)


def _keep_challenge(challenge: bytes, purpose: str, user_id: int | None) -> None:
    session[CHALLENGE] = {"c": bytes_to_base64url(challenge), "purpose": purpose, "uid": user_id,
                          "at": utcnow().timestamp()}


def _take_challenge(purpose: str, user_id: int | None) -> bytes | None:
    kept = session.pop(CHALLENGE, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose or kept.get("uid") != user_id:
        return None
    if utcnow().timestamp() - float(kept.get("at", 0)) > CHALLENGE_TTL.total_seconds():
        return None
    return base64url_to_bytes(kept["c"])


def _json_error(key: str, status: int, **values):
    return jsonify(error="refused", message=t(key, auth.ui_lang(), **values)), status


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _options(options_json: str):
    response = jsonify(options=options_json)
    response.headers["Cache-Control"] = "no-store"
    return response


def _log_in(user_id: int, remember: bool) -> accounts.LoggedIn:
    login = accounts.open_login(store(), user_id, ip=auth.client_ip(), user_agent=auth.user_agent(),
                                remember=remember, second_factor=True)
    auth.start_session(login)  # a new Flask session: the marker and any challenge go with the old one
    return login


# ---- the login's second step -------------------------------------------------------------------

def login_factor():
    lang = auth.ui_lang()
    marker = pending_login()
    if marker is None:
        return redirect("/login")
    error, code_status = None, 200
    if request.method == "POST":
        code = (request.form.get("code") or "")[:100]
        verdict = factors.factor_check(store(), marker["uid"], "", code)
        if verdict is factors.FactorVerdict.OK:
            _log_in(marker["uid"], bool(marker.get("remember")))
            return redirect(marker.get("next") or "/")
        refused = factors.factor_refusal(verdict)
        error, code_status = t(refused.key, lang), (429 if refused.status == 429 else 401)
    status = factors.status(store(), marker["uid"])
    page = render_template("login_factor.html", t=t, lang=lang, error=error, csrf=generate_csrf(),
                           totp=status.totp_enabled, passkeys=bool(status.passkeys))
    return page, code_status


def login_options():
    mode = _body().get("mode")
    if mode == "second":
        marker = pending_login()
        if marker is None:
            return _json_error("factor.login_expired", 401)
        options, challenge = factors.passkey_authentication(store(), relying_party(), marker["uid"])
        _keep_challenge(challenge, "second", marker["uid"])
    else:
        options, challenge = factors.passkey_authentication(store(), relying_party())
        _keep_challenge(challenge, "first", None)
    return _options(options)


def login_verify():
    body = _body()
    marker = pending_login() if body.get("mode") == "second" else None
    if body.get("mode") == "second" and marker is None:
        return _json_error("factor.login_expired", 401)
    purpose, expected = ("second", marker["uid"]) if marker else ("first", None)
    challenge = _take_challenge(purpose, expected)
    if challenge is None or not isinstance(body.get("credential"), dict):
        return _json_error("factor.passkey_failed", 400)
    user_id = factors.passkey_user(store(), relying_party(), body["credential"], challenge,
                                   first_factor=marker is None, expected_user=expected, ip=auth.client_ip())
    if user_id is None:
        return _json_error("factor.passkey_failed", 401)
    remember = bool(marker.get("remember")) if marker else body.get("remember") is True
    asked = body.get("next") if isinstance(body.get("next"), str) else None
    next_path = marker.get("next") if marker else auth._safe_next(asked)
    _log_in(user_id, remember)
    return jsonify(next=next_path or "/")


# ---- passkeys of a logged-in user --------------------------------------------------------------

def _session_user() -> tuple[int, str] | None:
    """(user id, session id) of a browser session; bearer tokens cannot hold a WebAuthn ceremony."""
    if not current_user.is_authenticated or str(current_user.id).startswith("token:"):
        return None
    return current_user.user_id, current_user.id


def _text(body: dict, key: str) -> str | None:
    value = body.get(key)
    return value[:1000] if isinstance(value, str) else None


def register_options():
    who, body = _session_user(), _body()
    if who is None:
        return _json_error("factor.login_expired", 401)
    try:
        options, challenge = factors.passkey_registration(store(), who[0], who[1], relying_party(),
                                                          _text(body, "password"), _text(body, "code"))
    except ServiceError as error:
        return _json_error(error.key, error.status)
    _keep_challenge(challenge, "register", who[0])
    return _options(options)


def register_passkey():
    who, body = _session_user(), _body()
    if who is None:
        return _json_error("factor.login_expired", 401)
    challenge = _take_challenge("register", who[0])
    if challenge is None or not isinstance(body.get("credential"), dict):
        return _json_error("factor.passkey_failed", 400)
    name = _text(body, "name")
    try:
        added = factors.add_passkey(store(), who[0], who[1], relying_party(), body["credential"], challenge, name,
                                    ip=auth.client_ip())
    except ServiceError as error:
        return _json_error(error.key, error.status)
    rotate_current_session(second_factor=True)  # a new way to sign in: a new session id
    return jsonify(id=added.id, name=added.name)


def step_up_options():
    who = _session_user()
    if who is None:
        return _json_error("factor.login_expired", 401)
    options, challenge = factors.passkey_authentication(store(), relying_party(), who[0])
    _keep_challenge(challenge, "step-up", who[0])
    return _options(options)


def step_up():
    who, body = _session_user(), _body()
    if who is None:
        return _json_error("factor.login_expired", 401)
    challenge = _take_challenge("step-up", who[0])
    if challenge is None or not isinstance(body.get("credential"), dict):
        return _json_error("factor.passkey_failed", 400)
    user_id = factors.passkey_user(store(), relying_party(), body["credential"], challenge, first_factor=False,
                                   expected_user=who[0], ip=auth.client_ip())
    if user_id is None:
        return _json_error("factor.passkey_failed", 401)
    rotate_current_session(second_factor=True)  # a new session id, its second_factor_at stamped now
    return jsonify(ok=True, message=t("factor.passkey_ok", auth.ui_lang()))


def init_factor_routes(server: Flask, limiter: Limiter) -> None:
    per_ip = limiter.limit(lambda: settings().login_rate_per_ip, key_func=auth.client_ip, methods=["POST"])
    bp = Blueprint("factor", __name__)
    bp.add_url_rule("/login/factor", "login_factor", per_ip(login_factor), methods=["GET", "POST"])
    bp.add_url_rule("/login/passkey/options", "login_options", per_ip(login_options), methods=["POST"])
    bp.add_url_rule("/login/passkey/verify", "login_verify", per_ip(login_verify), methods=["POST"])
    bp.add_url_rule("/account/passkeys/options", "register_options", register_options, methods=["POST"])
    bp.add_url_rule("/account/passkeys", "register", register_passkey, methods=["POST"])
    bp.add_url_rule("/account/passkeys/step-up/options", "step_up_options", step_up_options, methods=["POST"])
    bp.add_url_rule("/account/passkeys/step-up", "step_up", step_up, methods=["POST"])
    server.register_blueprint(bp)

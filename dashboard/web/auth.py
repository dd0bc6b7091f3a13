"""Login, registration and logout as real HTML forms; server-side sessions through flask-login.

flask-login keeps only our session id in the signed cookie; the row in `user_sessions` is the
truth, so logout (which deletes it) makes a copied cookie worthless.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email

from dashboard.context import settings, store
from dashboard.services import accounts, factors, passwords
from dashboard.services.errors import Conflict
from dashboard.text.i18n import pick_lang, t
from dashboard.web import login_throttle
from dashboard.web.factor_marker import ask_for_factor

# Token callers never count as freshly authenticated: sensitive actions need the password.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class SessionUser:
    """What `current_user` is: one login session of one user."""

    id: str  # the session id (flask-login's get_id)
    user_id: int
    email: str
    authenticated_at: datetime
    is_authenticated: bool = True
    is_active: bool = True
    is_anonymous: bool = False
    second_factor_at: datetime | None = None  # last second-factor entry on this session (None: never)
    remember: bool = False  # "keep me signed in": a persistent cookie, the longer absolute lifetime

    def get_id(self) -> str:
        return self.id

    @property
    def is_token(self) -> bool:
        return self.id.startswith("token:")

    @classmethod
    def of(cls, login: accounts.LoggedIn) -> SessionUser:
        return cls(login.session_id, login.user_id, login.email, login.authenticated_at,
                   second_factor_at=login.second_factor_at, remember=login.remember)


def ui_lang() -> str:
    return pick_lang(request.cookies.get("lang"))


class LoginForm(FlaskForm):
    email = EmailField(validators=[DataRequired()])
    password = PasswordField(validators=[DataRequired()])


class RegisterForm(FlaskForm):
    email = EmailField(validators=[DataRequired(), Email(check_deliverability=False)])
    password = PasswordField()  # the policy (data.passwords) checks both, with a message per field
    password2 = PasswordField()


# The sign-up form's field for each field of the password policy (dashboard.services.passwords).
REGISTER_FIELDS = {"new": "password", "repeat": "password2", "email": "email"}


def client_ip() -> str:
    return request.remote_addr or "?"


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: never an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return "/"


def fresh_session() -> None:
    """Drop everything of the old session, including Flask-WTF's per-request token cache,
    so the CSRF cookie written after this request matches the new session."""
    session.clear()
    g.pop("csrf_token", None)


def start_session(login: accounts.LoggedIn, carry: dict | None = None, *, trust_device: bool = True) -> None:
    """Put a new session row behind this browser's cookie: a fresh Flask session (no fixation, a new CSRF
    token) holding only `carry`; "keep me signed in" makes it a persistent cookie (PERMANENT_SESSION_LIFETIME
    is the remembered lifetime), otherwise it ends with the browser. `trust_device`: a full login, so the
    browser gets this account's device cookie (dashboard.web.login_throttle); not on a rotation."""
    fresh_session()
    session.update(carry or {})
    session.permanent = login.remember
    login_user(SessionUser.of(login))
    if trust_device:
        login_throttle.trust_this_device(login.user_id)


def user_agent() -> str | None:
    return request.headers.get("User-Agent")


def _account_ip_key() -> str:
    return f"{(request.form.get('email') or '').strip().lower()}|{client_ip()}"


def load_user(session_id: str) -> SessionUser | None:
    """flask-login's user_loader: the session row behind the cookie, if it still exists."""
    login = accounts.session_of(store(), session_id)
    return None if login is None else SessionUser.of(login)


def load_bearer(req) -> SessionUser | None:
    """flask-login's request_loader: API integrations send `Authorization: Bearer …` instead of a cookie."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    user = accounts.token_user(store(), header.removeprefix("Bearer ").strip())
    if user is None:
        return None
    req.bearer_authenticated = True  # no ambient credentials → no CSRF token needed
    return SessionUser(f"token:{user.id}", user.id, user.email, EPOCH)


def login():
    lang = ui_lang()
    form = LoginForm()
    error, status, gate = None, 200, None
    if form.validate_on_submit():
        remember = bool(request.form.get("remember"))
        # Per-account throttling across addresses (OWASP device cookies): dashboard/web/login_throttle.py.
        gate = login_throttle.gate_for(form.email.data)
        code = request.form.get("code")
        account = (None if gate.locked and not code  # locked out: no password check without a second factor
                   else accounts.authenticate(store(), form.email.data, form.password.data))
        factor_now = gate.locked and account is not None and login_throttle.second_factor_given(account.id, code)
        if gate.lets_in(password_ok=account is not None, second_factor_ok=factor_now):
            if passwords.is_unconfirmed(store(), account.id):
                # Only the password's holder learns this; the page offers to send the link again.
                return render_template("login.html", form=form, error=None, unconfirmed=True, t=t, lang=lang), 403
            if not factor_now and factors.has_second_factor(store(), account.id):
                # The password is right but a factor is still to come: no session yet (dashboard.web.factor_routes).
                return ask_for_factor(account.id, remember=remember, next_path=_safe_next(request.args.get("next")))
            login = accounts.open_login(store(), account.id, ip=client_ip(), user_agent=user_agent(),
                                        remember=remember, second_factor=factor_now)
            start_session(login)  # a new session on login (no fixation); this browser becomes a known device
            return redirect(_safe_next(request.args.get("next")))
        login_throttle.record_failure(gate)
        error, status = ((t("sessions.login_locked", lang, minutes=math.ceil(gate.retry_after / 60)), 429)
                         if gate.locked else (t("auth.invalid", lang), 401))
    elif request.method == "POST":
        error, status = t("auth.invalid", lang), 401
    locked = gate is not None and gate.locked
    page = render_template("login.html", form=form, error=error, t=t, lang=lang, locked=locked)
    return page, status, ({"Retry-After": str(gate.retry_after)} if locked else {})


def register():
    """Sign up. With confirmation on (mail configured) a new and a known address get the same page; without
    mail the account is usable at once and a known address is refused (see dashboard.services.passwords)."""
    from dashboard.web.password_routes import links  # it imports this module

    lang = ui_lang()
    form = RegisterForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            done = passwords.register(store(), settings(), form.email.data, form.password.data,
                                      form.password2.data, links(), ip=client_ip())
        except passwords.FieldErrors as refused:
            errors = {REGISTER_FIELDS[name]: key for name, key in refused.fields.items()}
        except Conflict as refused:
            errors = {"email": refused.key}
        else:
            if done.user_id is None:
                return render_template("registered.html", t=t, lang=lang)
            start_session(accounts.open_login(store(), done.user_id, ip=client_ip(), user_agent=user_agent()))
            return redirect("/")
    elif request.method == "POST":
        errors = _register_errors(form)
    status = 400 if errors else 200
    return render_template("register.html", form=form, errors=errors, t=t, lang=lang), status


def logout():
    accounts.log_out(store(), current_user.id)
    logout_user()
    fresh_session()
    return redirect(url_for("auth.login"))


def _per_ip_rate() -> str:
    return settings().login_rate_per_ip


def _per_account_ip_rate() -> str:
    return settings().login_rate_per_account_ip


def init_auth(server: Flask, limiter: Limiter) -> None:
    manager = LoginManager(server)
    manager.login_view = "auth.login"
    manager.session_protection = "basic"
    manager.user_loader(load_user)
    manager.request_loader(load_bearer)

    # Per IP for everything, and per (account, IP) for failures only: a stranger elsewhere
    # cannot lock the owner out, and the owner's successful logins never count.
    def per_ip():
        return limiter.limit(_per_ip_rate, key_func=client_ip, methods=["POST"])

    per_account_ip = limiter.limit(_per_account_ip_rate, key_func=_account_ip_key, methods=["POST"],
                                   deduct_when=lambda response: response.status_code != 302)
    bp = Blueprint("auth", __name__)
    bp.add_url_rule("/login", "login", per_ip()(per_account_ip(login)), methods=["GET", "POST"])
    bp.add_url_rule("/register", "register", per_ip()(register), methods=["GET", "POST"])
    bp.add_url_rule("/logout", "logout", login_required(logout), methods=["POST"])
    server.register_blueprint(bp)


def _register_errors(form: RegisterForm) -> dict[str, str]:
    """Message keys per field when the form itself is refused (bad email, or the CSRF token)."""
    if form.csrf_token.errors:
        return {"form": "error.csrf"}
    return {"email": "auth.email_bad"}

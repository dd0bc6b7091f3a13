"""Login, registration and logout as real HTML forms; server-side sessions through flask-login.

flask-login keeps only our session id in the signed cookie; the row in `user_sessions` is the
truth, so logout (which deletes it) makes a copied cookie worthless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Flask, g, redirect, render_template, request, session, url_for
from flask_limiter import Limiter
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from dashboard.context import settings, store
from dashboard.services import accounts
from dashboard.services.errors import Conflict
from dashboard.text.i18n import pick_lang, t

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

    def get_id(self) -> str:
        return self.id

    @classmethod
    def of(cls, login: accounts.LoggedIn) -> SessionUser:
        return cls(login.session_id, login.user_id, login.email, login.authenticated_at)


def ui_lang() -> str:
    return pick_lang(request.cookies.get("lang"))


class LoginForm(FlaskForm):
    email = EmailField(validators=[DataRequired()])
    password = PasswordField(validators=[DataRequired()])


class RegisterForm(FlaskForm):
    email = EmailField(validators=[DataRequired(), Email(check_deliverability=False)])
    password = PasswordField(validators=[DataRequired(), Length(min=10, max=200)])
    password2 = PasswordField(validators=[DataRequired(), EqualTo("password")])


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
    error = None
    if form.validate_on_submit():
        login = accounts.log_in(store(), form.email.data, form.password.data, ip=client_ip())
        if login is not None:
            fresh_session()  # a new session on login (no fixation)
            login_user(SessionUser.of(login))
            return redirect(_safe_next(request.args.get("next")))
        error = t("auth.invalid", lang)
    elif request.method == "POST":
        error = t("auth.invalid", lang)
    status = 401 if error else 200
    return render_template("login.html", form=form, error=error, t=t, lang=lang), status


def register():
    lang = ui_lang()
    form = RegisterForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            login = accounts.register(store(), form.email.data, form.password.data, ip=client_ip())
        except Conflict as refused:
            errors.append(t(refused.key, lang))
        else:
            fresh_session()
            login_user(SessionUser.of(login))
            return redirect("/")
    elif request.method == "POST":
        errors = _register_errors(form, lang)
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


def _register_errors(form: RegisterForm, lang: str) -> list[str]:
    errors = []
    if form.email.errors:
        errors.append(t("auth.email_bad", lang))
    if form.password.errors:
        errors.append(t("auth.pw_short", lang))
    if form.password2.errors:
        errors.append(t("auth.pw_mismatch", lang))
    if form.csrf_token.errors:
        errors.append(t("error.csrf", lang))
    return errors or [t("error.csrf", lang)]

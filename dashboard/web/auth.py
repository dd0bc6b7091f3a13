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

from dashboard.context import store
from dashboard.text.i18n import pick_lang, t
from data import accounts, tokens

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


def init_auth(server: Flask, limiter: Limiter) -> None:
    manager = LoginManager(server)
    manager.login_view = "auth.login"
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(session_id: str) -> SessionUser | None:
        with store().read() as db:
            row = accounts.load_session(db, session_id)
            if row is None:
                return None
            return SessionUser(row.id, row.user_id, row.user.email, row.authenticated_at)

    @manager.request_loader
    def load_bearer(req) -> SessionUser | None:
        # API integrations send `Authorization: Bearer …` instead of a session cookie.
        header = req.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return None
        with store().read() as db:
            user = tokens.user_for_token(db, header.removeprefix("Bearer ").strip())
            if user is None:
                return None
            who = SessionUser(f"token:{user.id}", user.id, user.email, EPOCH)
        req.bearer_authenticated = True  # no ambient credentials → no CSRF token needed
        return who

    bp = Blueprint("auth", __name__)

    # Per IP for everything, and per (account, IP) for failures only: a stranger elsewhere
    # cannot lock the owner out, and the owner's successful logins never count.
    @bp.route("/login", methods=["GET", "POST"])
    @limiter.limit(lambda: server.config["MICROBILL"].login_rate_per_ip, key_func=client_ip, methods=["POST"])
    @limiter.limit(
        lambda: server.config["MICROBILL"].login_rate_per_account_ip,
        key_func=_account_ip_key,
        methods=["POST"],
        deduct_when=lambda response: response.status_code != 302,
    )
    def login():
        lang = ui_lang()
        form = LoginForm()
        error = None
        if form.validate_on_submit():
            with store().write() as db:
                user = accounts.authenticate(db, form.email.data, form.password.data)
                if user is not None:
                    row = accounts.open_session(db, user, ip=client_ip())
                    who = SessionUser(row.id, user.id, user.email, row.authenticated_at)
            if user is not None:
                fresh_session()  # a new session on login (no fixation)
                login_user(who)
                return redirect(_safe_next(request.args.get("next")))
            error = t("auth.invalid", lang)
        elif request.method == "POST":
            error = t("auth.invalid", lang)
        status = 401 if error else 200
        return render_template("login.html", form=form, error=error, t=t, lang=lang), status

    @bp.route("/register", methods=["GET", "POST"])
    @limiter.limit(lambda: server.config["MICROBILL"].login_rate_per_ip, key_func=client_ip, methods=["POST"])
    def register():
        lang = ui_lang()
        form = RegisterForm()
        errors: list[str] = []
        if form.validate_on_submit():
            try:
                with store().write() as db:
                    user = accounts.create_user(db, form.email.data, form.password.data)
                    row = accounts.open_session(db, user, ip=client_ip())
                    who = SessionUser(row.id, user.id, user.email, row.authenticated_at)
            except accounts.EmailTaken:
                errors.append(t("auth.taken", lang))
            else:
                fresh_session()
                login_user(who)
                return redirect("/")
        elif request.method == "POST":
            errors = _register_errors(form, lang)
        status = 400 if errors else 200
        return render_template("register.html", form=form, errors=errors, t=t, lang=lang), status

    @bp.route("/logout", methods=["POST"])
    @login_required
    def logout():
        with store().write() as db:
            accounts.close_session(db, current_user.id)
        logout_user()
        fresh_session()
        return redirect(url_for("auth.login"))

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

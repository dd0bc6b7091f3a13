"""GET/POST /invite/<token>: the page of a mailed invitation to share a line (dashboard/services/members.py).

GET only shows the invitation (mail scanners prefetch links: a GET never accepts); POST, with the CSRF token
the page put in the form, accepts it for the logged-in account and goes on to /family. Logged out, the page
sends the visitor to log in and come back — or, when no account has the invited address yet, says to register
with that address first. The endpoint is public for that reason (added to PUBLIC_ENDPOINTS here); accepting
still needs the session of the account the invitation was sent to.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from dashboard.context import settings, store
from dashboard.services import members
from dashboard.services.errors import ServiceError
from dashboard.text.i18n import t
from dashboard.web import security
from dashboard.web.auth import client_ip, ui_lang
from data.accounts import normalise_email

ENDPOINT = "invite.page"
REFUSED_STATUS = {"invalid": 404, "expired": 410, "used": 410, "revoked": 410}
FAMILY = "/family"


def _render(state: str, status: int = 200, **values):
    response = current_app.make_response(
        (render_template("invite.html", t=t, lang=ui_lang(), state=state, **values), status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token in the URL must not leak onwards
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _refused(key: str, status: int, **values):
    return _render("refused", status, message=t(key, ui_lang(), **values))


def _login_url() -> str:
    return f"{url_for('auth.login')}?next={quote(request.path)}"


def _is_session_user() -> bool:
    """A browser's login (a bearer token is for the API, not for accepting invitations)."""
    return bool(current_user.is_authenticated and not getattr(current_user, "is_token", False))


def page(token: str):
    if request.method == "POST":
        return _accept(token)
    preview = members.invitation_preview(store(), settings(), token)
    if preview.status != "ok":
        return _refused(f"invite.{preview.status}", REFUSED_STATUS.get(preview.status, 400))
    if not _is_session_user():
        if preview.account_exists:
            return redirect(_login_url())
        return _render("register", preview=preview, register_url=url_for("auth.register"), login_url=_login_url())
    if normalise_email(current_user.email) != preview.email:
        return _render("other", 403, preview=preview, csrf=generate_csrf(), me=current_user.email)
    return _render("confirm", preview=preview, csrf=generate_csrf(), me=current_user.email)


def _accept(token: str):
    if not _is_session_user():
        return redirect(_login_url())
    try:
        members.accept(store(), settings(), current_user.user_id, token, ip=client_ip())
    except ServiceError as refused:
        return _refused(refused.key, refused.status, **refused.values)
    return redirect(FAMILY)


def init_invitations(server: Flask) -> None:
    security.PUBLIC_ENDPOINTS.add(ENDPOINT)
    limiter = server.extensions["microbill_limiter"]
    view = limiter.limit("30 per minute", key_func=client_ip, methods=["POST"])(page)
    bp = Blueprint("invite", __name__)
    bp.add_url_rule("/invite/<token>", endpoint="page", view_func=view, methods=["GET", "POST"])
    server.register_blueprint(bp)

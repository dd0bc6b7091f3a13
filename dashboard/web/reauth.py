"""Password re-entry for sensitive actions (unblock, raising a limit), throttled per user.

The actions themselves live in dashboard/services (lines.unblock_line, limits.set_limit); they call
verify_password before their write transaction (argon2 takes tens of milliseconds; SQLite's write lock must
not wait on it), then `refusal(verdict, …)` when the action needed the password, and mark_reauthenticated
inside the transaction when it was right. Wrong passwords count against the app's Flask-Limiter storage
(memory:// or redis://, so several workers can share it), with the same budget as failed logins per account.
"""

from __future__ import annotations

from enum import StrEnum

from flask import current_app
from flask_login import current_user
from limits import parse
from sqlalchemy import update
from sqlalchemy.orm import Session

from dashboard.context import settings, store
from dashboard.services.errors import Forbidden, ServiceError
from data.accounts import check_password
from data.db import Store
from data.models import User, UserSession, utcnow


class Reauth(StrEnum):
    OK = "ok"
    MISSING = "missing"
    WRONG = "wrong"
    THROTTLED = "throttled"


# Message key and HTTP status for each failure.
FAILURES: dict[Reauth, tuple[str, int]] = {
    Reauth.MISSING: ("actions.password_needed", 403),
    Reauth.WRONG: ("actions.password_wrong", 403),
    Reauth.THROTTLED: ("actions.password_throttled", 429),
}


class Throttled(ServiceError):
    """Too many wrong passwords: try again later."""

    status = 429


def _budget():
    return parse(settings().login_rate_per_account_ip)


def verify_password(user_id: int, password: str | None, db_store: Store | None = None) -> Reauth:
    """Check the password (throttled); `db_store` defaults to the current app's store."""
    if not password:
        return Reauth.MISSING
    limiter = current_app.extensions["microbill_limiter"].limiter
    key = f"user:{user_id}"
    if not limiter.test(_budget(), "reauth", key):
        return Reauth.THROTTLED
    with (db_store or store()).read() as db:
        user = db.get(User, user_id)
    # argon2 takes ~0.2 s: verify after the connection is back in the pool, or concurrent
    # password checks exhaust it.
    ok = check_password(user, password)
    if not ok:
        limiter.hit(_budget(), "reauth", key)
        return Reauth.WRONG
    return Reauth.OK


def refusal(verdict: Reauth, missing_key: str) -> ServiceError:
    """The refusal for a failed re-entry: 403 (missing: `missing_key`; wrong) or 429 (throttled)."""
    key, status = FAILURES[verdict]
    if status == Throttled.status:
        return Throttled(key)
    return Forbidden(missing_key if verdict is Reauth.MISSING else key)


def mark_reauthenticated(db: Session) -> None:
    """Record the password entry on the login session (bearer tokens have none); the session id rotates in
    this request's response (a privilege change: dashboard.web.session_rotation)."""
    session_id = getattr(current_user, "id", "")
    if session_id and not str(session_id).startswith("token:"):
        db.execute(update(UserSession).where(UserSession.id == session_id).values(authenticated_at=utcnow()))
        from dashboard.web.session_rotation import rotate_at_end_of_request  # it imports the services

        rotate_at_end_of_request()

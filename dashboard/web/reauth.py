"""Password re-entry for sensitive actions (unblock, raising a limit), throttled per user, and those actions.

Shared by the REST API and the Dash callbacks. Verification happens outside any write transaction
(argon2 takes tens of milliseconds; SQLite's write lock must not wait on it). Wrong passwords count
against the app's Flask-Limiter storage (memory:// or redis://, so several workers can share it),
with the same budget as failed logins per account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from flask import current_app
from flask_login import current_user
from limits import parse
from sqlalchemy import update
from sqlalchemy.orm import Session

from dashboard.context import settings, store
from data.accounts import check_password
from data.line_actions import LimitOutcome, change_limit, lock_line, unblock_line
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


def _budget():
    return parse(settings().login_rate_per_account_ip)


def verify_password(user_id: int, password: str | None) -> Reauth:
    if not password:
        return Reauth.MISSING
    limiter = current_app.extensions["microbill_limiter"].limiter
    key = f"user:{user_id}"
    if not limiter.test(_budget(), "reauth", key):
        return Reauth.THROTTLED
    with store().read() as db:
        user = db.get(User, user_id)
    # argon2 takes ~0.2 s: verify after the connection is back in the pool, or concurrent
    # password checks exhaust it.
    ok = check_password(user, password)
    if not ok:
        limiter.hit(_budget(), "reauth", key)
        return Reauth.WRONG
    return Reauth.OK


def mark_reauthenticated(db: Session) -> None:
    """Record the password entry on the login session (bearer tokens have none)."""
    session_id = getattr(current_user, "id", "")
    if session_id and not str(session_id).startswith("token:"):
        db.execute(update(UserSession).where(UserSession.id == session_id).values(authenticated_at=utcnow()))


# ---- the two actions that need the password, shared by the API and the pages -------------------

@dataclass(frozen=True)
class Answer:
    """An action's result as the user sees it: an HTTP-like status and a message key with values."""

    status: int
    key: str
    values: dict = field(default_factory=dict)
    line_status: str | None = None
    limit: LimitOutcome | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


NOT_FOUND = Answer(404, "actions.line_not_found")


def _refusal(verdict: Reauth, missing_key: str) -> Answer:
    key, status = FAILURES[verdict]
    return Answer(status, missing_key if verdict is Reauth.MISSING else key)


def set_limit(user_id: int, line_id: object, bucket: str, amount: int, password: str | None,
              ip: str | None) -> Answer:
    """Lower at once, raise with the password; 400 for a bad amount, 404 for another user's line."""
    verdict = verify_password(user_id, password) if password else Reauth.MISSING
    with store().write() as db:
        line = lock_line(db, _as_id(line_id), user_id)
        if line is None:
            return NOT_FOUND
        outcome = change_limit(db, line, bucket, amount, user_id=user_id, password_ok=verdict is Reauth.OK,
                               rules=settings(), ip=ip)
        if verdict is Reauth.OK:
            mark_reauthenticated(db)
    if outcome.kind == "invalid" and outcome.problem is not None:
        return Answer(400, outcome.problem.key, outcome.problem.values, limit=outcome)
    if outcome.kind == "reauth":
        return _refusal(verdict, "limits.raise_needs_password")
    return Answer(200, "limits.saved", {"amount": outcome.amount}, limit=outcome)


def unblock(user_id: int, line_id: object, password: str | None, ip: str | None) -> Answer:
    """Lift a block after the password; a line with an overdue bill stays restricted."""
    verdict = verify_password(user_id, password)
    with store().write() as db:
        line = lock_line(db, _as_id(line_id), user_id)
        if line is None:
            return NOT_FOUND
        outcome = unblock_line(db, line, user_id=user_id, password_ok=verdict is Reauth.OK, ip=ip)
        if verdict is Reauth.OK:
            mark_reauthenticated(db)
    if outcome.kind == "refused":
        return _refusal(verdict, "actions.password_needed")
    if outcome.kind == "not_blocked":
        return Answer(409, "block.not_blocked", line_status=outcome.status)
    key = "block.unblocked_restricted" if outcome.status == "restricted" else "block.unblocked"
    return Answer(200, key, line_status=outcome.status)


def _as_id(value: object) -> int:
    """Browser-supplied ids are untrusted: anything that is not an int matches no line."""
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return -1

"""Server-side login sessions: opening, the idle/absolute lifetime rule, listing, ending and rotating rows.

The row in `user_sessions` is the truth behind a cookie: a row that is gone, idle too long or past its
absolute end answers nothing, whatever the cookie says.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from data.models import UserSession, utcnow

# `last_seen_at` is rewritten at most this often: a write per request would serialise every request on SQLite.
TOUCH_EVERY = timedelta(minutes=1)
UA_MAX = 300  # the column's length
IP_MAX = 45


@dataclass(frozen=True)
class Lifetime:
    """How long a session may live: `idle` since it was last seen, `absolute` since it was opened."""

    idle: timedelta
    absolute: timedelta
    remember: timedelta  # the absolute lifetime of a "keep me signed in" session

    def end_of(self, opened: datetime, remember: bool) -> datetime:
        return opened + (self.remember if remember else self.absolute)


def new_id() -> str:
    return secrets.token_urlsafe(32)


def open_session(db: Session, user_id: int, lifetime: Lifetime, *, remember: bool = False, ip: str | None = None,
                 user_agent: str | None = None, second_factor_at: datetime | None = None) -> UserSession:
    now = utcnow()
    row = UserSession(id=new_id(), user_id=user_id, created_at=now, authenticated_at=now, last_seen_at=now,
                      expires_at=lifetime.end_of(now, remember), remember=remember, ip=(ip or None) and ip[:IP_MAX],
                      user_agent=(user_agent or None) and user_agent[:UA_MAX], second_factor_at=second_factor_at)
    db.add(row)
    db.flush()
    return row


def is_live(row: UserSession, lifetime: Lifetime, now: datetime) -> bool:
    """Not past its absolute end, and (unless "keep me signed in") not idle for longer than the idle timeout.

    last_seen_at lags real activity by up to TOUCH_EVERY, so the idle limit allows that much more: a session
    is never ended before it has really been idle for the whole timeout."""
    end = row.expires_at or lifetime.end_of(row.created_at, row.remember)  # rows from before 0007: no expires_at
    if now >= end:
        return False
    return row.remember or now - row.last_seen_at < lifetime.idle + TOUCH_EVERY


def live_session(db: Session, session_id: str, lifetime: Lifetime, now: datetime | None = None) -> UserSession | None:
    """The session row behind a cookie, if it exists and is still live."""
    row = db.get(UserSession, session_id)
    if row is None or not is_live(row, lifetime, now or utcnow()):
        return None
    return row


def touch(db: Session, session_id: str, now: datetime | None = None) -> bool:
    """Record activity, at most once per TOUCH_EVERY (a conditional UPDATE: no read, no lock when fresh)."""
    now = now or utcnow()
    result = db.execute(update(UserSession)
                        .where(UserSession.id == session_id, UserSession.last_seen_at <= now - TOUCH_EVERY)
                        .values(last_seen_at=now))
    return bool(result.rowcount)


def needs_touch(row: UserSession, now: datetime) -> bool:
    return now - row.last_seen_at >= TOUCH_EVERY


def sessions_of(db: Session, user_id: int) -> list[UserSession]:
    """The user's sessions, most recently seen first."""
    return list(db.scalars(select(UserSession).where(UserSession.user_id == user_id)
                           .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())))


def handle(session_id: str) -> str:
    """The name a page may show for a session: its id is the secret behind a cookie and never leaves the server."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:24]


def end_session(db: Session, user_id: int, session_handle: str) -> bool:
    """Delete the user's session with this handle (another user's matches nothing); True when a row went."""
    ids = db.scalars(select(UserSession.id).where(UserSession.user_id == user_id))
    match = next((session_id for session_id in ids if hmac.compare_digest(handle(session_id), session_handle)), None)
    if match is None:
        return False
    result = db.execute(delete(UserSession).where(UserSession.id == match, UserSession.user_id == user_id))
    return bool(result.rowcount)


def drop(db: Session, session_id: str) -> None:
    """Delete a session row (a dead one found on load)."""
    db.execute(delete(UserSession).where(UserSession.id == session_id))


def end_other_sessions(db: Session, user_id: int, keep_id: str | None) -> int:
    """Delete the user's sessions except `keep_id` (None: all of them); returns how many went."""
    query = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_id:
        query = query.where(UserSession.id != keep_id)
    return db.execute(query).rowcount or 0


def rotate(db: Session, session_id: str, *, second_factor_at: datetime | None = None) -> UserSession | None:
    """Replace the row by an identical one under a new id (the old id answers nothing afterwards).

    Everything is carried (user, created_at, expires_at, remember, ip, user agent, authenticated_at and
    second_factor_at, or `second_factor_at` when given); None when the row is already gone."""
    old = db.get(UserSession, session_id, with_for_update=True)
    if old is None:
        return None
    new = UserSession(id=new_id(), user_id=old.user_id, created_at=old.created_at,
                      authenticated_at=old.authenticated_at, last_seen_at=utcnow(), expires_at=old.expires_at,
                      remember=old.remember, ip=old.ip, user_agent=old.user_agent,
                      second_factor_at=second_factor_at or old.second_factor_at)
    db.delete(old)
    db.flush()
    db.add(new)
    db.flush()
    return new

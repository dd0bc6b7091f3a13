"""API bearer tokens: shown once, stored as SHA-256; they expire (`expires_at`) and can be revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Row, bindparam, or_, select, update
from sqlalchemy.orm import Session

from data.audit import audit
from data.models import ApiToken, User, utcnow

PREFIX = "mb_"
NAME_MAX = 60  # the column's length
# `last_used_at` is rewritten at most this often: a write per API call would serialise every request on SQLite.
USE_GRANULARITY = timedelta(minutes=1)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user_id: int, name: str = "", *, expires_at: datetime | None = None,
                 ip: str | None = None) -> str:
    """A new token (None `expires_at`: never expires — callers ask for that explicitly); audited."""
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user_id, token_hash=_digest(token), name=name[:NAME_MAX], expires_at=expires_at))
    audit(session, "token.create", user_id=user_id, ip=ip, name=name[:NAME_MAX], expires_at=expires_at)
    return token


def _usable(now: datetime):
    return ApiToken.revoked_at.is_(None), or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now)


# Every API request asks this (dashboard.web.auth.load_bearer): one statement built once, run as Core on the
# session's connection — the two ORM loads it replaces (token row, then user) cost three times as much.
_CALLER = (select(ApiToken.id.label("token_id"), ApiToken.user_id, ApiToken.last_used_at, User.email)
           .join(User, User.id == ApiToken.user_id)
           .where(ApiToken.token_hash == bindparam("digest"), *_usable(bindparam("now"))))


def token_caller(session: Session, token: str, now: datetime) -> Row | None:
    """(token_id, user_id, last_used_at, email) of a usable token (neither revoked nor expired), else None."""
    return session.connection().execute(_CALLER, {"digest": _digest(token), "now": now}).first()


def user_for_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The user of a usable token (read-only)."""
    return session.scalar(select(User).join(ApiToken, ApiToken.user_id == User.id)
                          .where(ApiToken.token_hash == _digest(token), *_usable(now or utcnow())))


def mark_used(session: Session, token_id: int, now: datetime | None = None) -> bool:
    """Record a use, at most once per USE_GRANULARITY (a conditional UPDATE)."""
    now = now or utcnow()
    result = session.execute(update(ApiToken).where(
        ApiToken.id == token_id,
        or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - USE_GRANULARITY),
    ).values(last_used_at=now))
    return bool(result.rowcount)


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens, revoked ones included (the page shows them as revoked), newest first."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(session: Session, user_id: int, token_id: int, *, ip: str | None = None) -> bool:
    """Revoke one of the user's tokens (another user's id matches nothing); True when it was live; audited."""
    result = session.execute(update(ApiToken).where(
        ApiToken.id == token_id, ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None),
    ).values(revoked_at=utcnow()))
    if not result.rowcount:
        return False
    audit(session, "token.revoke", user_id=user_id, ip=ip, token_id=token_id)
    return True


def token_id_of(session: Session, token: str) -> tuple[int, int] | None:
    """(token id, user id) of a token given in full, usable or not (the operator revokes by the token itself)."""
    row = session.execute(select(ApiToken.id, ApiToken.user_id).where(ApiToken.token_hash == _digest(token))).first()
    return None if row is None else (row.id, row.user_id)


def revoke_all_tokens(session: Session, user_id: int) -> int:
    """Revoke every live token of the user (a password reset, a deleted account); returns how many; audited."""
    result = session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=utcnow()))
    count = result.rowcount or 0
    if count:
        audit(session, "token.revoke_all", user_id=user_id, count=count)
    return count

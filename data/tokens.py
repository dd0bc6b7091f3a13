"""API bearer tokens: shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import audit
from data.models import ApiToken, User

PREFIX = "mb_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user_id: int, name: str = "") -> str:
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user_id, token_hash=_digest(token), name=name))
    audit(session, "token.create", user_id=user_id, name=name)
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """Read-only on purpose: a write per API call would serialise every request on SQLite."""
    return session.scalar(
        select(User).join(ApiToken, ApiToken.user_id == User.id).where(ApiToken.token_hash == _digest(token))
    )

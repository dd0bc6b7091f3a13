"""Users and their passwords (their login sessions: data/sessions.py)."""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import audit
from data.models import User, UserSession, utcnow

# argon2id with the library's RFC 9106 "low memory" defaults.
_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class EmailTaken(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(session: Session, email: str, password: str, *, password_hash: str | None = None,
                confirmed: bool = True) -> User:
    """`password_hash` when hashed before the transaction; `confirmed=False`: a sign-up waiting for its mail link."""
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(email)
    user = User(email=email, password_hash=password_hash or _hasher.hash(password),
                email_confirmed_at=utcnow() if confirmed else None)
    session.add(user)
    session.flush()
    audit(session, "user.create", user_id=user.id)
    return user


def hash_password(password: str) -> str:
    """argon2id; called before a write transaction (SQLite's write lock must not wait on the hashing)."""
    return _hasher.hash(password)


def set_password(session: Session, user: User, password_hash: str) -> None:
    """A new password (hashed by hash_password); any reset link bound to the old hash stops working."""
    user.password_hash = password_hash
    user.password_changed_at = utcnow()


def check_password(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    return user if check_password(user, password) else None


def reauthenticate(session: Session, session_id: str, password: str) -> bool:
    """Password re-entry for sensitive actions (unblock, raising a limit, paying)."""
    row = session.get(UserSession, session_id)
    if row is None or not check_password(row.user, password):
        return False
    row.authenticated_at = utcnow()
    return True


def session_age_seconds(row: UserSession, now: datetime | None = None) -> float:
    return ((now or utcnow()) - row.authenticated_at).total_seconds()

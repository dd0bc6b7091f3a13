"""Users and their server-side login sessions."""

from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
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


def create_user(session: Session, email: str, password: str) -> User:
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise EmailTaken(email)
    user = User(email=email, password_hash=_hasher.hash(password))
    session.add(user)
    session.flush()
    audit(session, "user.create", user_id=user.id)
    return user


def check_password(user: User | None, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    return user if check_password(user, password) else None


def open_session(session: Session, user: User, ip: str | None = None) -> UserSession:
    row = UserSession(id=secrets.token_urlsafe(32), user_id=user.id)
    session.add(row)
    audit(session, "auth.login", user_id=user.id, ip=ip)
    return row


def close_session(session: Session, session_id: str) -> None:
    session.execute(delete(UserSession).where(UserSession.id == session_id))


def load_session(session: Session, session_id: str) -> UserSession | None:
    return session.get(UserSession, session_id)


def reauthenticate(session: Session, session_id: str, password: str) -> bool:
    """Password re-entry for sensitive actions (unblock, raising a limit, paying)."""
    row = session.get(UserSession, session_id)
    if row is None or not check_password(row.user, password):
        return False
    row.authenticated_at = utcnow()
    return True


def session_age_seconds(row: UserSession, now: datetime | None = None) -> float:
    return ((now or utcnow()) - row.authenticated_at).total_seconds()

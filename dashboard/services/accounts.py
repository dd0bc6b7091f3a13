"""Accounts: creating users, logging in and out (server-side sessions), API bearer tokens.

    create_user(store, email, password) -> Account                   # the CLI; Conflict("auth.taken")
    authenticate(store, email, password) -> Account | None           # the password only (no session opened)
    open_login(store, user_id, *, ip, user_agent, remember, second_factor) -> LoggedIn  # a verified user's session
    session_of(store, session_id) -> LoggedIn | None                 # flask-login's user_loader (idle/absolute)
    log_out(store, session_id) -> None
    token_user(store, token) -> Account | None                       # `Authorization: Bearer …` (live tokens)
    user_id_by_email(store, email) -> int | None                     # the operator's commands
    create_token(store, user_id, name="", *, days) -> str            # shown once, stored hashed; audited
    tokens_of_user(store, user_id) -> list[TokenInfo]                # the account page's list
    revoke_token(store, user_id, token_id) -> None                   # NotFound for another user's token
    revoke_token_by_secret(store, token) -> int                      # the CLI: the token itself; its id back

Passwords are argon2id (data.accounts); an unknown email costs the same time as a wrong password.
Session lifetimes (idle / absolute / "keep me signed in") are the app's settings: docs/security.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.services.errors import Conflict, Invalid, NotFound
from dashboard.settings import Settings
from data import accounts, sessions, tokens
from data.audit import audit
from data.db import Store, is_unavailable
from data.models import User, UserSession, utcnow
from data.vocab import DB_INT_MAX

EMAIL_TAKEN = "auth.taken"
NOT_FOUND_KEY = "tokens.not_found"
BAD_DAYS_KEY = "tokens.bad_days"
NAME_LONG_KEY = "tokens.name_long"
TOKEN_MAX_DAYS = 3650  # ten years: longer is "never", which must be asked for as 0


@dataclass(frozen=True)
class Account:
    id: int
    email: str


@dataclass(frozen=True)
class LoggedIn:
    """One login session of one user (`session_id`: the row in user_sessions)."""

    session_id: str
    user_id: int
    email: str
    authenticated_at: datetime
    second_factor_at: datetime | None = None
    remember: bool = False

    @classmethod
    def of(cls, row: UserSession, email: str) -> LoggedIn:
        return cls(row.id, row.user_id, email, row.authenticated_at, row.second_factor_at, row.remember)


@dataclass(frozen=True)
class TokenInfo:
    """A token as the account page lists it (never the secret: only its hash is stored)."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        """active | expired | revoked"""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at is not None and self.expires_at <= now else "active"


def session_lifetime(settings: Settings) -> sessions.Lifetime:
    return sessions.Lifetime(idle=timedelta(minutes=settings.session_idle_minutes),
                             absolute=timedelta(hours=settings.session_absolute_hours),
                             remember=timedelta(days=settings.session_remember_days))


def _lifetime() -> sessions.Lifetime:
    # The current app's settings: sessions are only opened and loaded inside a request.
    from dashboard.context import settings

    return session_lifetime(settings())


def create_user(store: Store, email: str, password: str) -> Account:
    """A new user (email normalised, audited). Conflict(EMAIL_TAKEN) when the email is registered."""
    try:
        with store.write() as db:
            user = accounts.create_user(db, email, password)
            return Account(user.id, user.email)
    except accounts.EmailTaken:
        raise Conflict(EMAIL_TAKEN) from None


def authenticate(store: Store, email: str, password: str) -> Account | None:
    """The user whose password this is, or None (same cost for an unknown email). Opens no session: the
    second-factor step calls open_login once the factor is right."""
    with store.read() as db:
        found = db.execute(select(User.id, User.email, User.password_hash)
                           .where(User.email == accounts.normalise_email(email))).first()
    # argon2 takes ~0.2 s: verified after the connection is back in the pool (as reauth.verify_password does).
    return Account(found.id, found.email) if accounts.check_password(found, password) else None


def open_login(store: Store, user_id: int, *, ip: str | None = None, user_agent: str | None = None,
               remember: bool = False, second_factor: bool = False) -> LoggedIn:
    """A new session (audited "auth.login") for a user already verified; `second_factor` stamps
    second_factor_at=now. NotFound when the user is gone."""
    with store.write() as db:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound("auth.invalid")
        row = sessions.open_session(db, user.id, _lifetime(), remember=remember, ip=ip, user_agent=user_agent,
                                    second_factor_at=utcnow() if second_factor else None)
        audit(db, "auth.login", user_id=user.id, ip=ip, remember=remember, second_factor=second_factor)
        return LoggedIn.of(row, user.email)


def session_of(store: Store, session_id: str) -> LoggedIn | None:
    """The live session behind a cookie, or None: gone (logged out, signed out from elsewhere), idle past the
    idle timeout or past its absolute lifetime (a dead row is deleted). Activity is recorded at most once a
    minute (sessions.TOUCH_EVERY)."""
    lifetime, now = _lifetime(), utcnow()
    with store.read() as db:
        row = db.get(UserSession, session_id)
        if row is None:
            return None
        live, stale = sessions.is_live(row, lifetime, now), sessions.needs_touch(row, now)
        login = LoggedIn.of(row, row.user.email)
    if not live:
        _bookkeeping(store, lambda db: sessions.drop(db, session_id))
        return None
    if stale:
        _bookkeeping(store, lambda db: sessions.touch(db, session_id, now))
    return login


def _bookkeeping(store: Store, work: Callable[[Session], object]) -> None:
    """A write that only records activity (last seen, last used, a dead row's removal): when the database
    cannot take writes right now (read-only, disk full), the read it goes with still answers."""
    try:
        with store.write() as db:
            work(db)
    except Exception as exc:
        if not is_unavailable(exc):
            raise


def log_out(store: Store, session_id: str) -> None:
    """Delete the session row: a copied cookie is worthless afterwards."""
    with store.write() as db:
        row = db.get(UserSession, session_id)
        if row is not None:
            audit(db, "auth.logout", user_id=row.user_id)
            db.delete(row)


def token_user(store: Store, token: str) -> Account | None:
    """The user of a live token (not revoked, not expired); its last use is written at most once a minute."""
    now = utcnow()
    with store.read() as db:
        row = tokens.token_caller(db, token, now)
    if row is None:
        return None
    if row.last_used_at is None or now - row.last_used_at >= tokens.USE_GRANULARITY:
        _bookkeeping(store, lambda db: tokens.mark_used(db, row.token_id, now))
    return Account(row.user_id, row.email)


def user_id_by_email(store: Store, email: str) -> int | None:
    with store.read() as db:
        return db.scalar(select(User.id).where(User.email == accounts.normalise_email(email)))


def token_expiry(days: int, now: datetime | None = None) -> datetime | None:
    """When a token made now for `days` days expires (0: never). Invalid(BAD_DAYS_KEY) outside 0..3650."""
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= TOKEN_MAX_DAYS:
        raise Invalid(BAD_DAYS_KEY, max=TOKEN_MAX_DAYS)
    return None if days == 0 else (now or utcnow()) + timedelta(days=days)


def token_request(name: str, days: int) -> tuple[str, datetime | None]:
    """A new token's name (trimmed) and expiry, checked: Invalid for a name over 60 characters or bad days."""
    name = name.strip()
    if len(name) > tokens.NAME_MAX:
        raise Invalid(NAME_LONG_KEY, max=tokens.NAME_MAX)
    return name, token_expiry(days)


def create_token(store: Store, user_id: int, name: str = "", *, days: int, ip: str | None = None) -> str:
    """A new bearer token for the user, returned once (only its SHA-256 is stored); audited. It expires after
    `days` (callers pass settings.api_token_days unless asked otherwise; 0: never, only when asked for).
    Invalid for days outside 0..TOKEN_MAX_DAYS or a name over 60 characters."""
    name, expires_at = token_request(name, days)
    with store.write() as db:
        if db.get(User, user_id) is None:
            raise NotFound("auth.invalid")
        return tokens.create_token(db, user_id, name, expires_at=expires_at, ip=ip)


def tokens_of_user(store: Store, user_id: int) -> list[TokenInfo]:
    with store.read() as db:
        return [TokenInfo(r.id, r.name, r.created_at, r.last_used_at, r.expires_at, r.revoked_at)
                for r in tokens.tokens_of(db, user_id)]


def _token_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= DB_INT_MAX:
        raise NotFound(NOT_FOUND_KEY)
    return value


def revoke_token(store: Store, user_id: int, token_id: object, *, ip: str | None = None) -> None:
    """Revoke one of the user's tokens at once (audited). NotFound for an unknown, already revoked or another
    user's token: the answer does not tell which."""
    with store.write() as db:
        if not tokens.revoke_token(db, user_id, _token_id(token_id), ip=ip):
            raise NotFound(NOT_FOUND_KEY)


def revoke_token_by_secret(store: Store, token: str) -> int:
    """The operator's revoke by the token itself (e.g. one found leaked in a log); returns its id."""
    with store.write() as db:
        found = tokens.token_id_of(db, token.strip())
        if found is None or not tokens.revoke_token(db, found[1], found[0]):
            raise NotFound(NOT_FOUND_KEY)
        return found[0]

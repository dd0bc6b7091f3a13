"""Accounts: creating users, logging in and out (server-side sessions), API bearer tokens.

    create_user(store, email, password) -> Account                   # the CLI; Conflict("auth.taken")
    register(store, email, password, *, ip=None) -> LoggedIn         # the sign-up form: user + first session
    log_in(store, email, password, *, ip=None) -> LoggedIn | None    # the login form (None: wrong email/password)
    session_of(store, session_id) -> LoggedIn | None                 # flask-login's user_loader
    log_out(store, session_id) -> None
    token_user(store, token) -> Account | None                       # `Authorization: Bearer …` (read-only)
    user_id_by_email(store, email) -> int | None                     # the operator's commands
    create_token(store, user_id, name="") -> str                     # shown once, stored hashed; audited

Passwords are argon2id (data.accounts); an unknown email costs the same time as a wrong password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from dashboard.services.errors import Conflict
from data import accounts, tokens
from data.db import Store
from data.models import User

EMAIL_TAKEN = "auth.taken"


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


def create_user(store: Store, email: str, password: str) -> Account:
    """A new user (email normalised, audited). Conflict(EMAIL_TAKEN) when the email is registered."""
    try:
        with store.write() as db:
            user = accounts.create_user(db, email, password)
            return Account(user.id, user.email)
    except accounts.EmailTaken:
        raise Conflict(EMAIL_TAKEN) from None


def register(store: Store, email: str, password: str, *, ip: str | None = None) -> LoggedIn:
    """Sign up and open the first session, in one transaction. Conflict(EMAIL_TAKEN) when registered."""
    try:
        with store.write() as db:
            user = accounts.create_user(db, email, password)
            row = accounts.open_session(db, user, ip=ip)
            return LoggedIn(row.id, user.id, user.email, row.authenticated_at)
    except accounts.EmailTaken:
        raise Conflict(EMAIL_TAKEN) from None


def log_in(store: Store, email: str, password: str, *, ip: str | None = None) -> LoggedIn | None:
    """A new session (audited) when the password is right; None for a wrong email or password."""
    with store.write() as db:
        user = accounts.authenticate(db, email, password)
        if user is None:
            return None
        row = accounts.open_session(db, user, ip=ip)
        return LoggedIn(row.id, user.id, user.email, row.authenticated_at)


def session_of(store: Store, session_id: str) -> LoggedIn | None:
    with store.read() as db:
        row = accounts.load_session(db, session_id)
        if row is None:
            return None
        return LoggedIn(row.id, row.user_id, row.user.email, row.authenticated_at)


def log_out(store: Store, session_id: str) -> None:
    """Delete the session row: a copied cookie is worthless afterwards."""
    with store.write() as db:
        accounts.close_session(db, session_id)


def token_user(store: Store, token: str) -> Account | None:
    """The token's user. Read-only on purpose: a write per API call would serialise every request on SQLite."""
    with store.read() as db:
        user = tokens.user_for_token(db, token)
        return None if user is None else Account(user.id, user.email)


def user_id_by_email(store: Store, email: str) -> int | None:
    with store.read() as db:
        return db.scalar(select(User.id).where(User.email == accounts.normalise_email(email)))


def create_token(store: Store, user_id: int, name: str = "") -> str:
    """A new bearer token for the user, returned once (only its SHA-256 is stored); audited."""
    with store.write() as db:
        return tokens.create_token(db, user_id, name)

"""The user's login sessions as the account page shows them: list, sign out one, sign out everywhere else, and
the session-id rotation at a privilege change.

    sessions_of_user(store, settings, user_id, current_id) -> list[SessionInfo]   # live ones, this device marked
    sign_out_session(store, user_id, handle, password, *, current_id, ip) -> None   # NotFound: not the user's
    sign_out_others(store, user_id, current_id, password, *, ip) -> int
    end_all_sessions(store, user_id) -> int                                # the operator (CLI)
    create_token_in_session(store, user_id, name, days, password, *, ip) -> str   # the account page
    rotate(store, session_id, *, second_factor=False) -> LoggedIn | None

Signing out other devices and making a token need the password again (reauth.verify_password, throttled);
a right one counts as a re-authentication and so rotates this session's id.

Ending a session deletes its row, so the cookie that carried it is refused on its very next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from ua_parser import parse

from dashboard.services.accounts import LoggedIn, session_lifetime, token_request
from dashboard.services.errors import Invalid, NotFound
from dashboard.settings import Settings
from dashboard.web.reauth import Reauth, mark_reauthenticated, refusal, verify_password
from data import sessions, tokens
from data.audit import audit
from data.db import Store
from data.models import utcnow

SESSION_NOT_FOUND = "sessions.not_found"
USE_SIGN_OUT = "sessions.use_sign_out"  # ending the session one is using is the ordinary "log out"
REENTRY_KEY = "sessions.password_needed"


@dataclass(frozen=True)
class SessionInfo:
    handle: str  # sessions.handle(id): the page never sees a session id
    device: str | None  # "Chrome 131 · Linux"; None when the User-Agent names nothing we know
    ip: str | None
    signed_in_at: datetime
    last_seen_at: datetime
    remember: bool
    current: bool  # this device: the session asking


@lru_cache(maxsize=512)
def device_of(user_agent: str | None) -> str | None:
    """Browser and major version, and the operating system, from a User-Agent ("Chrome 131 · Linux")."""
    if not user_agent:
        return None
    found = parse(user_agent)
    parts = []
    if found.user_agent is not None and found.user_agent.family != "Other":
        parts.append(" ".join(filter(None, (found.user_agent.family, found.user_agent.major))))
    if found.os is not None and found.os.family != "Other":
        parts.append(found.os.family)
    return " · ".join(parts) or None


def sessions_of_user(store: Store, settings: Settings, user_id: int, current_id: str) -> list[SessionInfo]:
    """The user's live sessions, most recently seen first (dead rows are left to the next load to delete)."""
    lifetime, now = session_lifetime(settings), utcnow()
    with store.read() as db:
        rows = [row for row in sessions.sessions_of(db, user_id) if sessions.is_live(row, lifetime, now)]
        return [SessionInfo(sessions.handle(row.id), device_of(row.user_agent), row.ip, row.created_at,
                            row.last_seen_at, row.remember, row.id == current_id) for row in rows]


def _password(store: Store, user_id: int, password: str | None, missing_key: str) -> None:
    """The password entered again (throttled with the other re-entries): a stolen session alone cannot sign
    the owner out elsewhere or mint a token that outlives it. Forbidden / Throttled otherwise."""
    verdict = verify_password(user_id, password, store)
    if verdict is not Reauth.OK:
        raise refusal(verdict, missing_key)


def sign_out_session(store: Store, user_id: int, session_handle: object, password: str | None, *,
                     current_id: str, ip: str | None = None) -> None:
    """End another of the user's sessions, named by its handle, after the password (audited). NotFound when
    it is not the user's (or already gone); Invalid for the session asking (that is the ordinary log-out)."""
    if not isinstance(session_handle, str) or not session_handle:
        raise NotFound(SESSION_NOT_FOUND)
    if session_handle == sessions.handle(current_id):
        raise Invalid(USE_SIGN_OUT)
    _password(store, user_id, password, REENTRY_KEY)
    with store.write() as db:
        if not sessions.end_session(db, user_id, session_handle):
            raise NotFound(SESSION_NOT_FOUND)
        audit(db, "session.end", user_id=user_id, ip=ip)
        mark_reauthenticated(db)


def sign_out_others(store: Store, user_id: int, current_id: str, password: str | None, *,
                    ip: str | None = None) -> int:
    """End every session of the user but the one asking, after the password (audited); how many ended."""
    _password(store, user_id, password, REENTRY_KEY)
    with store.write() as db:
        count = sessions.end_other_sessions(db, user_id, current_id)
        audit(db, "session.end_others", user_id=user_id, ip=ip, count=count)
        mark_reauthenticated(db)
        return count


def end_all_sessions(store: Store, user_id: int) -> int:
    """The operator's "sign this user out everywhere" (microbill end-sessions); audited; how many ended."""
    with store.write() as db:
        count = sessions.end_other_sessions(db, user_id, None)
        audit(db, "session.end_all", user_id=user_id, count=count)
        return count


def create_token_in_session(store: Store, user_id: int, name: str, days: int, password: str | None, *,
                            ip: str | None = None) -> str:
    """The account page's "create token": checked like accounts.create_token, then the password, then made
    (audited) in the transaction that records the password entry. The secret is returned once."""
    name, expires_at = token_request(name, days)
    _password(store, user_id, password, REENTRY_KEY)
    with store.write() as db:
        mark_reauthenticated(db)
        return tokens.create_token(db, user_id, name, expires_at=expires_at, ip=ip)


def rotate(store: Store, session_id: str, *, second_factor: bool = False) -> LoggedIn | None:
    """The session under a new id, everything else carried (second_factor: stamped now); audited.
    None when the row is gone (signed out meanwhile)."""
    with store.write() as db:
        row = sessions.rotate(db, session_id, second_factor_at=utcnow() if second_factor else None)
        if row is None:
            return None
        audit(db, "session.rotate", user_id=row.user_id, second_factor=second_factor)
        return LoggedIn.of(row, row.user.email)

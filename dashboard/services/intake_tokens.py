"""The line's secret intake URL (/ingest/<token>) for phone automations: create or rotate, revoke, status.

    intake_status(store, user_id, line_id) -> IntakeStatus        # never the token itself (it is not stored)
    rotate_intake_token(store, user_id, line_id, *, ip=None) -> str   # the new token, shown once
    revoke_intake_token(store, user_id, line_id, *, ip=None) -> bool  # False: there was none
    token_is_live(store, token) -> bool

Refusals: another user's line is NotFound("actions.line_not_found").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dashboard.services.access import line_if_allowed
from dashboard.services.errors import NotFound
from data import intake_tokens
from data.access import Permission
from data.audit import audit
from data.db import Store
from data.models import Line, utcnow

LINE_NOT_FOUND = "actions.line_not_found"


@dataclass(frozen=True)
class IntakeStatus:
    line_id: int
    active: bool
    created_at: datetime | None
    last_used_at: datetime | None


def _own(db, user_id: int, line_id: object) -> Line:
    line = line_if_allowed(db, user_id, line_id, Permission.MANAGE)
    if line is None:
        raise NotFound(LINE_NOT_FOUND)
    return line


def intake_status(store: Store, user_id: int, line_id: object) -> IntakeStatus:
    with store.read() as db:
        line = line_if_allowed(db, user_id, line_id, Permission.MANAGE)
        if line is None:
            raise NotFound(LINE_NOT_FOUND)
        row = intake_tokens.live_token(db, line.id)
        return IntakeStatus(line.id, row is not None, row and row.created_at, row and row.last_used_at)


def rotate_intake_token(store: Store, user_id: int, line_id: object, *, ip: str | None = None) -> str:
    with store.write() as db:
        return intake_tokens.issue_token(db, _own(db, user_id, line_id), ip=ip)


def revoke_intake_token(store: Store, user_id: int, line_id: object, *, ip: str | None = None) -> bool:
    with store.write() as db:
        line = _own(db, user_id, line_id)
        revoked = intake_tokens.revoke_tokens(db, line.id, utcnow()) > 0
        if revoked:
            audit(db, "intake_token.revoke", user_id=user_id, line_id=line.id, ip=ip)
        return revoked


def token_is_live(store: Store, token: str) -> bool:
    """Whether the token names a line (the intake route asks only when it is about to refuse a body: a wrong
    token is a 404 whatever was sent with it)."""
    with store.read() as db:
        return intake_tokens.line_for_token(db, token) is not None


def throttle_key(token: str) -> str:
    """What the per-token rate limit counts under: a prefix of the token's hash, never the token (Redis)."""
    return intake_tokens.digest(token)[:24]

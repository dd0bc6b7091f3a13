"""Per-line intake tokens for /ingest/<token>: shown once, stored as SHA-256, one live token per line."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from data.audit import audit
from data.models import IntakeToken, Line, utcnow

PREFIX = "mbi_"  # tells a leaked intake token apart from an API token (mb_) in logs and scanners
# "Last used" is shown to the minute: a phone forwarding a burst need not rewrite it for every message.
TOUCH_EVERY = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def live_token(session: Session, line_id: int) -> IntakeToken | None:
    return session.scalar(select(IntakeToken).where(IntakeToken.line_id == line_id,
                                                    IntakeToken.revoked_at.is_(None)))


def revoke_tokens(session: Session, line_id: int, now: datetime) -> int:
    return session.execute(update(IntakeToken).where(IntakeToken.line_id == line_id,
                                                     IntakeToken.revoked_at.is_(None))
                           .values(revoked_at=now)).rowcount


def issue_token(session: Session, line: Line, *, ip: str | None = None) -> str:
    """A new token for the line; any earlier one stops working in the same transaction (rotation)."""
    now = utcnow()
    rotated = revoke_tokens(session, line.id, now) > 0
    token = PREFIX + secrets.token_urlsafe(24)
    session.add(IntakeToken(line_id=line.id, token_hash=digest(token), created_at=now))
    audit(session, "intake_token.rotate" if rotated else "intake_token.create", user_id=line.user_id,
          line_id=line.id, ip=ip)
    return token


_LIVE = (select(Line, IntakeToken.id, IntakeToken.last_used_at).join(IntakeToken, IntakeToken.line_id == Line.id)
         .where(IntakeToken.token_hash == bindparam("digest"), IntakeToken.revoked_at.is_(None)))
_LIVE_LOCKED = _LIVE.with_for_update(of=Line).execution_options(populate_existing=True)
# Core on the session's connection: the ORM's bulk-UPDATE path costs more than the statement itself.
_TOUCH = (update(IntakeToken.__table__).where(IntakeToken.__table__.c.id == bindparam("token_id"))
          .values(last_used_at=bindparam("now")))


def _well_formed(token: str) -> bool:
    return token.startswith(PREFIX) and len(token) <= 80


def line_for_token(session: Session, token: str) -> Line | None:
    """The line a live token belongs to (None for a wrong or revoked one)."""
    row = session.execute(_LIVE, {"digest": digest(token)}).first() if _well_formed(token) else None
    return row[0] if row else None


def use_token(session: Session, token: str, now: datetime) -> Line | None:
    """The line a live token belongs to, row-locked like data.line_actions.lock_line, with the token's
    "last used" brought up to date (to the minute); None for a wrong or revoked token. One query in the
    caller's write transaction, so a token revoked a moment ago is already refused."""
    if not _well_formed(token):
        return None
    row = session.execute(_LIVE_LOCKED, {"digest": digest(token)}).first()
    if row is None:
        return None
    line, token_id, last_used = row
    if last_used is None or now - last_used >= TOUCH_EVERY:
        session.connection().execute(_TOUCH, {"token_id": token_id, "now": now})
    return line

"""Per-line intake tokens for /ingest/<token>: shown once, stored as SHA-256, one live token per line."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.audit import audit
from data.models import IntakeToken, Line, utcnow

PREFIX = "mbi_"  # tells a leaked intake token apart from an API token (mb_) in logs and scanners


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


def line_for_token(session: Session, token: str) -> Line | None:
    """The line a live token belongs to (None for a wrong or revoked one)."""
    if not token.startswith(PREFIX) or len(token) > 80:
        return None
    return session.scalar(select(Line).join(IntakeToken, IntakeToken.line_id == Line.id)
                          .where(IntakeToken.token_hash == digest(token), IntakeToken.revoked_at.is_(None)))


def touch(session: Session, line_id: int, now: datetime) -> None:
    session.execute(update(IntakeToken).where(IntakeToken.line_id == line_id, IntakeToken.revoked_at.is_(None))
                    .values(last_used_at=now))

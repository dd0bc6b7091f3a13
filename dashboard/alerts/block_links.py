"""Signed, single-use, expiring "block now" links sent with fraud and large-charge alerts.

The token is the BlockLink row id signed with the app secret (itsdangerous): nothing can be forged
without the secret, the row makes it single use and carries the expiry, and using it blocks the
line without a login — blocking is the safe direction; unblocking still needs the password.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.access import Permission, allows, role_on
from data.line_actions import block_line, lock_line
from data.models import BlockLink, Line, utcnow

SALT = "microbill.block-link"
BLOCK_REASON = "alert_link"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def create_link(session: Session, line_id: int, alert_id: int | None, ttl: timedelta,
                now: datetime | None = None, *, user_id: int | None = None) -> BlockLink:
    """`user_id`: the recipient (default: the line's owner)."""
    if user_id is None:
        user_id = session.scalar(select(Line.user_id).where(Line.id == line_id))
    link = BlockLink(id=secrets.token_hex(16), line_id=line_id, alert_id=alert_id,
                     expires_at=(now or utcnow()) + ttl, used_at=None, user_id=user_id)
    session.add(link)
    return link


def sign(link_id: str, secret: str) -> str:
    return _serializer(secret).dumps(link_id)


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/b/{token}"


@dataclass(frozen=True)
class LinkState:
    """What a token stands for right now: `status` is ok | invalid | expired | used."""

    status: str
    link: BlockLink | None = None
    line: Line | None = None
    blocked_now: bool = False  # "ok" from use(): False when the line had been blocked before


def unsign(token: str, secret: str, ttl: timedelta) -> tuple[str | None, str]:
    """(link id, "ok") or (None, "invalid" | "expired"). The row's own expiry is checked as well;
    the signature age only guards tokens of rows that were deleted or tampered with."""
    try:
        # The token may be signed a little after the row was made (mail sent from the outbox).
        return _serializer(secret).loads(token, max_age=ttl.total_seconds() + 3600), "ok"
    except SignatureExpired:
        return None, "expired"
    except BadSignature:
        return None, "invalid"


def inspect(session: Session, token: str, secret: str, ttl: timedelta, now: datetime | None = None) -> LinkState:
    """Read-only: what pressing the button would do (the GET page)."""
    link_id, status = unsign(token, secret, ttl)
    if link_id is None:
        return LinkState(status)
    link = session.get(BlockLink, link_id)
    if link is None:
        return LinkState("invalid")
    line = session.get(Line, link.line_id)
    if link.user_id is not None and not allows(role_on(session, link.user_id, link.line_id), Permission.BLOCK):
        return LinkState("invalid")  # the guardian it was mailed to was removed, or left
    if link.used_at is not None:
        return LinkState("used", link, line)
    if link.expires_at <= (now or utcnow()):
        return LinkState("expired", link, line)
    return LinkState("ok", link, line)


def use(session: Session, token: str, secret: str, ttl: timedelta, *, ip: str | None = None,
        now: datetime | None = None) -> LinkState:
    """Spend the link and block its line, in the caller's write transaction.

    The conditional UPDATE (unused and unexpired) is the single-use guarantee: of two presses racing,
    only one sees a row count of 1. `status` "ok" means the link was spent (the line may have been
    blocked already by other means: `blocked` on the result tells).
    """
    now = now or utcnow()
    state = inspect(session, token, secret, ttl, now)
    if state.status != "ok" or state.link is None:
        return state
    spent = session.execute(
        update(BlockLink)
        .where(BlockLink.id == state.link.id, BlockLink.used_at.is_(None), BlockLink.expires_at > now)
        .values(used_at=now)
    ).rowcount
    if spent != 1:
        return LinkState("used", state.link, state.line)
    line = lock_line(session, state.link.line_id)
    if line is None:
        return LinkState("invalid")
    # The link's recipient is the actor: they hold the mailed link. The audit row says how.
    changed = block_line(session, line, user_id=state.link.user_id or line.user_id, reason=BLOCK_REASON, ip=ip,
                         now=now)
    session.refresh(state.link)
    return LinkState("ok", state.link, line, blocked_now=changed)

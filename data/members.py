"""Members of a line and e-mail invitations in the store: the transactional steps the members service
(dashboard/services/members.py) puts together, each in the caller's write transaction.

An invitation is single use by a conditional UPDATE (unaccepted, unrevoked, unexpired → accepted): of two
accepts racing, only one sees a row count of 1. Removing a member (or a member leaving) deletes their copies of
the line's alerts too, so nothing of the line stays in their alert list or bell.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from data.models import Alert, BlockLink, LineInvitation, LineMember, User, utcnow

OK, INVALID, EXPIRED, USED, REVOKED = "ok", "invalid", "expired", "used", "revoked"


def _pending(now: datetime):
    return (LineInvitation.accepted_at.is_(None), LineInvitation.revoked_at.is_(None),
            LineInvitation.expires_at > now)


def status_of(invitation: LineInvitation | None, now: datetime | None = None) -> str:
    """ok | invalid | expired | used | revoked: what accepting it right now would meet."""
    if invitation is None:
        return INVALID
    if invitation.accepted_at is not None:
        return USED
    if invitation.revoked_at is not None:
        return REVOKED
    if invitation.expires_at <= (now or utcnow()):
        return EXPIRED
    return OK


def user_by_email(db: Session, email: str) -> User | None:
    """`email` already normalised (data.accounts.normalise_email), as the users table keeps it."""
    return db.scalar(select(User).where(User.email == email))


def member(db: Session, line_id: int, user_id: int) -> LineMember | None:
    return db.scalar(select(LineMember).where(LineMember.line_id == line_id, LineMember.user_id == user_id))


def invitations_sent_since(db: Session, invited_by: int, since: datetime) -> int:
    return int(db.scalar(select(func.count()).select_from(LineInvitation)
                         .where(LineInvitation.invited_by == invited_by, LineInvitation.created_at >= since)) or 0)


def revoke_pending(db: Session, line_id: int, email: str, now: datetime) -> list[str]:
    """Revoke the line's pending invitations to `email` (a new one replaces them); their ids."""
    ids = list(db.scalars(select(LineInvitation.id).where(
        LineInvitation.line_id == line_id, LineInvitation.email == email, *_pending(now))))
    if ids:
        db.execute(update(LineInvitation).where(LineInvitation.id.in_(ids), LineInvitation.revoked_at.is_(None))
                   .values(revoked_at=now))
    return ids


def create_invitation(db: Session, *, line_id: int, email: str, role: str, invited_by: int, ttl: timedelta,
                      now: datetime | None = None) -> tuple[LineInvitation, list[str]]:
    """A new invitation (random id: the signed token carries it) and the ids of the earlier ones it replaced."""
    now = now or utcnow()
    replaced = revoke_pending(db, line_id, email, now)
    invitation = LineInvitation(id=secrets.token_hex(16), line_id=line_id, email=email, role=role,
                                invited_by=invited_by, created_at=now, expires_at=now + ttl)
    db.add(invitation)
    db.flush()
    return invitation, replaced


def pending_invitations(db: Session, line_id: int, now: datetime | None = None) -> list[LineInvitation]:
    return list(db.scalars(select(LineInvitation).where(LineInvitation.line_id == line_id,
                                                        *_pending(now or utcnow()))
                           .order_by(LineInvitation.created_at, LineInvitation.id)))


def spend_invitation(db: Session, invitation_id: str, now: datetime | None = None) -> bool:
    """Mark the invitation accepted if it still may be; False when another accept (or a revoke, or the clock)
    got there first. The single-use guarantee."""
    now = now or utcnow()
    spent = db.execute(update(LineInvitation).where(LineInvitation.id == invitation_id, *_pending(now))
                       .values(accepted_at=now)).rowcount
    return spent == 1


def revoke_invitation(db: Session, invitation_id: str, now: datetime | None = None) -> bool:
    """Revoke an unaccepted invitation; False when it was accepted or revoked already."""
    done = db.execute(update(LineInvitation).where(
        LineInvitation.id == invitation_id, LineInvitation.accepted_at.is_(None),
        LineInvitation.revoked_at.is_(None)).values(revoked_at=now or utcnow())).rowcount
    return done == 1


def add_member(db: Session, line_id: int, user_id: int, role: str) -> tuple[LineMember, str | None]:
    """Make the user a member with `role`; (the row, their role before: None when they were not a member).
    An existing member takes the invitation's role (the owner invited them again with it)."""
    row = db.scalar(select(LineMember).where(LineMember.line_id == line_id, LineMember.user_id == user_id)
                    .with_for_update())
    if row is not None:
        before, row.role = row.role, role
        return row, before
    row = LineMember(line_id=line_id, user_id=user_id, role=role, created_at=utcnow())
    db.add(row)
    db.flush()
    return row, None


def set_role(db: Session, line_id: int, user_id: int, role: str) -> str | None:
    """The member's role before the change; None when the user is not a member (nothing changed)."""
    row = db.scalar(select(LineMember).where(LineMember.line_id == line_id, LineMember.user_id == user_id)
                    .with_for_update())
    if row is None:
        return None
    before, row.role = row.role, role
    return before


def remove_member(db: Session, line_id: int, user_id: int) -> str | None:
    """End the membership and delete the member's alerts of the line and their unused block-now links for it;
    the role they had, or None when they were not a member. From the commit on, every request of theirs
    (session or bearer token) finds no role on the line: permissions are read per request."""
    row = db.scalar(select(LineMember).where(LineMember.line_id == line_id, LineMember.user_id == user_id)
                    .with_for_update())
    if row is None:
        return None
    role = row.role
    db.execute(delete(BlockLink).where(BlockLink.line_id == line_id, BlockLink.user_id == user_id,
                                       BlockLink.used_at.is_(None)))
    db.execute(delete(Alert).where(Alert.line_id == line_id, Alert.user_id == user_id))
    db.execute(delete(LineMember).where(LineMember.id == row.id))
    return role

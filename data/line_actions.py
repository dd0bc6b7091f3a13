"""What a user does to a line: block, unblock, change a limit. Each runs inside the caller's write
transaction, locks the line row first and writes its audit row in that same transaction.

Password checks happen *before* the transaction (argon2 is slow; holding SQLite's write lock during
it would stall every authorization) and arrive here as `password_ok`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from data.audit import audit
from data.limits_policy import LimitProblem, LimitSettings, cap_for, check_amount, effective_limit, is_raise
from data.models import Bill, Line, LineLimit, utcnow

BLOCK_REASONS = ("loss_theft", "fraud", "other")


# Built once: authorizations lock a line on every request. populate_existing: a Line already in the
# session must show the locked row, not a stale copy.
_LOCK = select(Line).where(Line.id == bindparam("line_id")).with_for_update() \
    .execution_options(populate_existing=True)
_LOCK_OWNED = _LOCK.where(Line.user_id == bindparam("user_id"))


def lock_line(session: Session, line_id: int, user_id: int | None = None) -> Line | None:
    """The line, row-locked until commit (PostgreSQL `FOR UPDATE`; SQLite already holds the
    database write lock from `BEGIN IMMEDIATE`). With `user_id`, someone else's line is None."""
    if user_id is None:
        return session.scalar(_LOCK, {"line_id": line_id})
    return session.scalar(_LOCK_OWNED, {"line_id": line_id, "user_id": user_id})


def overdue_bill_exists(line_id: int):
    """SQL EXISTS: the line has an overdue bill (usable inside bigger selects)."""
    return exists().where(Bill.line_id == line_id, Bill.status == "overdue")


def in_arrears(session: Session, line: Line) -> bool:
    return line.status == "restricted" or bool(session.scalar(select(overdue_bill_exists(line.id))))


def stored_limit(session: Session, line_id: int, bucket: str, at: datetime) -> int | None:
    return session.scalar(
        select(LineLimit.amount)
        .where(LineLimit.line_id == line_id, LineLimit.bucket == bucket, LineLimit.effective_from <= at)
        .order_by(LineLimit.effective_from.desc(), LineLimit.id.desc())
        .limit(1)
    )


# ---- block / unblock ---------------------------------------------------------------------------

def block_line(session: Session, line: Line, *, user_id: int, reason: str = "loss_theft",
               ip: str | None = None, now: datetime | None = None) -> bool:
    """Block at once (no password: blocking must be easy). False if it was already blocked."""
    if line.status == "blocked":
        return False
    now = now or utcnow()
    previous = line.status
    line.status, line.blocked_at, line.block_reason = "blocked", now, reason
    audit(session, "line.block", user_id=user_id, line_id=line.id, ip=ip, reason=reason, previous=previous)
    return True


def block_all(session: Session, user_id: int, *, reason: str = "loss_theft", ip: str | None = None,
              now: datetime | None = None) -> list[Line]:
    """Every line of the user, each locked and blocked; returns them all (blocked before or now)."""
    ids = session.scalars(select(Line.id).where(Line.user_id == user_id).order_by(Line.id)).all()
    lines = [line for line_id in ids if (line := lock_line(session, line_id, user_id)) is not None]
    for line in lines:
        block_line(session, line, user_id=user_id, reason=reason, ip=ip, now=now)
    return lines


@dataclass(frozen=True)
class UnblockOutcome:
    kind: str  # "ok" | "refused" (wrong password) | "not_blocked"
    status: str  # the line's status afterwards


def unblock_line(session: Session, line: Line, *, user_id: int, password_ok: bool,
                 ip: str | None = None) -> UnblockOutcome:
    """Lift a block after password re-entry. A line with an overdue bill goes back to
    "restricted", not "active": the block never launders a non-payment restriction."""
    if not password_ok:
        audit(session, "line.unblock_refused", user_id=user_id, line_id=line.id, ip=ip)
        return UnblockOutcome("refused", line.status)
    if line.status != "blocked":
        return UnblockOutcome("not_blocked", line.status)
    overdue = bool(session.scalar(select(overdue_bill_exists(line.id))))
    line.status = "restricted" if overdue else "active"
    line.blocked_at = line.block_reason = None
    audit(session, "line.unblock", user_id=user_id, line_id=line.id, ip=ip, status=line.status)
    return UnblockOutcome("ok", line.status)


# ---- limits ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LimitOutcome:
    kind: str  # "ok" | "invalid" (step/cap) | "reauth" (a raise without a correct password)
    bucket: str
    amount: int  # the limit in force afterwards
    previous: int  # the effective limit before
    cap: int
    problem: LimitProblem | None = None


def change_limit(session: Session, line: Line, bucket: str, amount: int, *, user_id: int,
                 password_ok: bool, rules: LimitSettings, ip: str | None = None,
                 now: datetime | None = None) -> LimitOutcome:
    """Set a bucket's limit from now on. Lowering is immediate; raising needs `password_ok`.
    Changes and refused raises are audited; invalid amounts are not (nothing was attempted)."""
    now = now or utcnow()
    stored = stored_limit(session, line.id, bucket, now)
    arrears = in_arrears(session, line)
    cap = cap_for(rules, is_minor=line.is_minor, in_arrears=arrears)
    previous = effective_limit(stored, rules, is_minor=line.is_minor, in_arrears=arrears)
    problem = check_amount(amount, rules, cap=cap)
    if problem is not None:
        return LimitOutcome("invalid", bucket, previous, previous, cap, problem)
    raising = is_raise(previous, amount)
    if raising and not password_ok:
        audit(session, "limit.raise_refused", user_id=user_id, line_id=line.id, ip=ip, bucket=bucket,
              previous=previous, requested=amount)
        return LimitOutcome("reauth", bucket, previous, previous, cap)
    if amount != stored:
        session.add(LineLimit(line_id=line.id, bucket=bucket, amount=amount, effective_from=now))
        audit(session, "limit.change", user_id=user_id, line_id=line.id, ip=ip, bucket=bucket,
              previous=stored, amount=amount, raised=raising)
    return LimitOutcome("ok", bucket, amount, previous, cap)

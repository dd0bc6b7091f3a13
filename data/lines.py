"""Phone lines and their dated limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import audit
from data.models import Line, LineLimit, utcnow
from data.vocab import BUCKETS, CARRIER_ALIASES, CARRIERS, DB_INT_MAX


def normalise_carrier(value: str) -> str:
    carrier = CARRIER_ALIASES.get(value.strip().upper(), CARRIER_ALIASES.get(value.strip(), value.strip().upper()))
    if carrier not in CARRIERS:
        raise ValueError(f"알 수 없는 통신사입니다: {value}")
    return carrier


def create_line(
    session: Session,
    *,
    user_id: int,
    carrier: str,
    number_masked: str,
    nickname: str = "",
    is_minor: bool = False,
    limits: dict[str, int] | None = None,
    effective_from: datetime | None = None,
) -> Line:
    line = Line(
        user_id=user_id,
        carrier=normalise_carrier(carrier),
        number_masked=number_masked,
        nickname=nickname,
        is_minor=is_minor,
        status="active",
    )
    session.add(line)
    session.flush()
    for bucket, amount in (limits or {}).items():
        session.add(LineLimit(line_id=line.id, bucket=bucket, amount=amount, effective_from=effective_from or utcnow()))
    audit(session, "line.create", user_id=user_id, line_id=line.id, carrier=line.carrier, limits=limits or {})
    return line


def lines_of(session: Session, user_id: int) -> list[Line]:
    return list(session.scalars(select(Line).where(Line.user_id == user_id).order_by(Line.id)))


def owned_line(session: Session, user_id: int, line_id: object) -> Line | None:
    """The line if it belongs to the user — the one ownership check every callback and route uses."""
    row_id = as_row_id(line_id)
    if row_id is None:
        return None
    return session.scalar(select(Line).where(Line.id == row_id, Line.user_id == user_id))


def as_row_id(value: object) -> int | None:
    """An id from the browser or a URL as the id column can hold it; None for anything else (a list, true,
    1.5, 10**30 or infinity from a crafted callback), which would otherwise match line 1 or answer 500."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        return None
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if 0 < number <= DB_INT_MAX else None


def current_limits(session: Session, line_id: int, at: datetime | None = None) -> dict[str, int | None]:
    """The limit in force per bucket at a moment (latest effective_from ≤ at)."""
    at = at or utcnow()
    limits: dict[str, int | None] = {}
    for bucket in BUCKETS:
        limits[bucket] = session.scalar(
            select(LineLimit.amount)
            .where(LineLimit.line_id == line_id, LineLimit.bucket == bucket, LineLimit.effective_from <= at)
            .order_by(LineLimit.effective_from.desc(), LineLimit.id.desc())
            .limit(1)
        )
    return limits

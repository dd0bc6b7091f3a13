"""Which limit applied in each usage month (limits are dated, so history charts show the real line)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import LineLimit
from data.vocab import BUCKETS, month_bounds_utc


def limits_by_month(session: Session, line_id: int, months: list[str]) -> dict[str, dict[str, int | None]]:
    """{month: {bucket: limit in force at the end of that month}}; one small query for all months."""
    rows = session.execute(
        select(LineLimit.bucket, LineLimit.amount, LineLimit.effective_from)
        .where(LineLimit.line_id == line_id)
        .order_by(LineLimit.effective_from, LineLimit.id)
    ).all()
    result: dict[str, dict[str, int | None]] = {}
    for month in months:
        _, end = month_bounds_utc(month)
        in_force: dict[str, int | None] = dict.fromkeys(BUCKETS)
        for bucket, amount, effective_from in rows:
            if effective_from < end:
                in_force[bucket] = amount
        result[month] = in_force
    return result

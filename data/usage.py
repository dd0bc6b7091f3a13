"""Monthly usage, aggregated in SQL on (line_id, usage_month, bucket, status)."""

from __future__ import annotations

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from data.models import Transaction
from data.vocab import BUCKETS

# Net bill effect of a row: payments add; same-month cancellation entries subtract; declined
# attempts, refunds after month end and already-cancelled imported payments count zero.
NET_AMOUNT = case(
    (Transaction.status == "approved", Transaction.amount),
    (
        and_(Transaction.status == "cancelled", Transaction.cancels_id.is_not(None), Transaction.refund.is_(False)),
        -Transaction.amount,
    ),
    else_=0,
)


def monthly_usage(session: Session, line_id: int, months: list[str]) -> dict[str, dict[str, int]]:
    """{month: {bucket: net won}} for the given months (missing months are zero)."""
    result = {m: dict.fromkeys(BUCKETS, 0) for m in months}
    rows = session.execute(
        select(Transaction.usage_month, Transaction.bucket, func.sum(NET_AMOUNT))
        .where(Transaction.line_id == line_id, Transaction.usage_month.in_(months))
        .group_by(Transaction.usage_month, Transaction.bucket)
    )
    for month, bucket, total in rows:
        if bucket in result[month]:
            result[month][bucket] = int(total or 0)
    return result

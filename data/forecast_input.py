"""What the forecast reads from the store: a bounded window of one line's history as a DataFrame."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.audit import audit
from data.models import RecurringExclusion, Transaction
from data.vocab import months_back, usage_month

# 13 months is enough for monthly subscriptions and a seasonal profile, and keeps a heavy line
# (100k rows) from dragging years of history into pandas on every page view.
HISTORY_MONTHS = 13
COLUMNS = ["id", "occurred_at", "amount", "merchant", "status", "bucket", "cancels_id", "refund"]


def history_frame(session: Session, line_id: int, as_of: datetime, months: int = HISTORY_MONTHS) -> pd.DataFrame:
    window = months_back(usage_month(as_of), months)
    rows = session.execute(
        select(Transaction.id, Transaction.occurred_at, Transaction.amount, Transaction.merchant,
               Transaction.status, Transaction.bucket, Transaction.cancels_id, Transaction.refund)
        .where(Transaction.line_id == line_id, Transaction.usage_month >= window[0],
               Transaction.status != "declined", Transaction.occurred_at < as_of)
        .order_by(Transaction.occurred_at)
    ).all()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if not frame.empty:
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
        frame["amount"] = frame["amount"].astype("int64")
    return frame


def excluded_merchants(session: Session, line_id: int) -> list[str]:
    return list(session.scalars(select(RecurringExclusion.merchant).where(RecurringExclusion.line_id == line_id)))


def exclude_recurring(session: Session, line_id: int, merchant: str, user_id: int) -> bool:
    """Mark a recurring charge as cancelled by the user; False when it already was."""
    try:
        with session.begin_nested():
            session.add(RecurringExclusion(line_id=line_id, merchant=merchant))
    except IntegrityError:
        return False
    audit(session, "forecast.exclude_recurring", user_id=user_id, line_id=line_id, merchant=merchant)
    return True


def include_recurring(session: Session, line_id: int, merchant: str, user_id: int) -> bool:
    result = session.execute(delete(RecurringExclusion).where(RecurringExclusion.line_id == line_id,
                                                              RecurringExclusion.merchant == merchant))
    if result.rowcount:
        audit(session, "forecast.include_recurring", user_id=user_id, line_id=line_id, merchant=merchant)
    return bool(result.rowcount)

"""What the forecast reads from the store: a bounded window of one line's history as a DataFrame."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import String, delete, func, select, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.audit import audit
from data.models import RecurringExclusion, Transaction
from data.vocab import months_back, usage_month

# 13 months is enough for monthly subscriptions and a seasonal profile. A very heavy line reads fewer
# months (never under MIN_MONTHS, enough to see a subscription three times): reading rows into pandas
# costs ~20 µs each, so 13 months of a 100k-row line would take two seconds for one page view.
HISTORY_MONTHS = 13
MIN_MONTHS = 4
MAX_ROWS = 20_000
RAW_TIME = String()  # as stored: no per-row datetime parsing (SQLite text; PostgreSQL still gives datetimes)
COLUMNS = ["id", "occurred_at", "amount", "merchant", "status", "bucket", "cancels_id", "refund"]


def history_months(session: Session, line_id: int, as_of: datetime, max_rows: int = MAX_ROWS) -> int:
    """How many months back to read: all HISTORY_MONTHS unless that passes MAX_ROWS rows."""
    window = months_back(usage_month(as_of), HISTORY_MONTHS)
    counts = dict(session.execute(
        select(Transaction.usage_month, func.count())
        .where(Transaction.line_id == line_id, Transaction.usage_month >= window[0])
        .group_by(Transaction.usage_month)
    ).all())
    rows = 0
    for taken, month in enumerate(reversed(window)):
        rows += counts.get(month, 0)
        if rows > max_rows and taken >= MIN_MONTHS:
            return taken
    return HISTORY_MONTHS


def history_frame(session: Session, line_id: int, as_of: datetime, months: int | None = None,
                  extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """`extra`: more Transaction columns to read (the subscriptions page adds "pg" and "pay_type")."""
    window = months_back(usage_month(as_of), months or history_months(session, line_id, as_of))
    # The time comes back raw (naive UTC: SQLite text, a datetime from PostgreSQL) and pandas converts the
    # whole column at once; UTCDateTime's per-row conversion would triple the cost of a big history.
    raw_time = type_coerce(Transaction.occurred_at, RAW_TIME)
    rows = session.execute(
        select(Transaction.id, raw_time, Transaction.amount, Transaction.merchant,
               Transaction.status, Transaction.bucket, Transaction.cancels_id, Transaction.refund,
               *(getattr(Transaction, name) for name in extra))
        .where(Transaction.line_id == line_id, Transaction.usage_month >= window[0],
               Transaction.status != "declined", Transaction.occurred_at < as_of)
        .order_by(Transaction.occurred_at)
    ).all()
    # Column-wise: pandas probes every Row object for a mapping interface otherwise (a third of the time).
    names = [*COLUMNS, *extra]
    columns = zip(*rows, strict=True) if rows else ([] for _ in names)
    frame = pd.DataFrame(dict(zip(names, columns, strict=True)))
    if not frame.empty:
        times = frame["occurred_at"]
        text = isinstance(times.iloc[0], str)
        frame["occurred_at"] = pd.to_datetime(times, utc=True, format="ISO8601" if text else None)
        frame["amount"] = frame["amount"].astype("int64")
    return frame


def excluded_merchants(session: Session, line_id: int) -> list[str]:
    """The merchants marked as cancelled (not those marked "not a subscription": they still charge)."""
    return list(session.scalars(select(RecurringExclusion.merchant).where(
        RecurringExclusion.line_id == line_id, RecurringExclusion.reason == "cancelled")))


def not_subscription_merchants(session: Session, line_id: int) -> list[str]:
    """The merchants marked "not a subscription": never projected as 자동결제, still variable spending."""
    return list(session.scalars(select(RecurringExclusion.merchant).where(
        RecurringExclusion.line_id == line_id, RecurringExclusion.reason == "not_subscription")))


MARK_AUDIT = {"cancelled": "forecast.exclude_recurring", "not_subscription": "subscriptions.not_subscription"}


def exclude_recurring(session: Session, line_id: int, merchant: str, user_id: int, reason: str = "cancelled") -> bool:
    """Mark a recurring charge as cancelled by the user (reason "not_subscription": not a subscription at
    all, data/subscriptions.py); a merchant has one mark, the latest. False when it already was so."""
    changed = session.execute(update(RecurringExclusion).where(
        RecurringExclusion.line_id == line_id, RecurringExclusion.merchant == merchant,
        RecurringExclusion.reason != reason).values(reason=reason)).rowcount
    if not changed:
        try:
            with session.begin_nested():
                session.add(RecurringExclusion(line_id=line_id, merchant=merchant, reason=reason))
        except IntegrityError:
            return False
    audit(session, MARK_AUDIT[reason], user_id=user_id, line_id=line_id, merchant=merchant)
    return True


def include_recurring(session: Session, line_id: int, merchant: str, user_id: int) -> bool:
    result = session.execute(delete(RecurringExclusion).where(RecurringExclusion.line_id == line_id,
                                                              RecurringExclusion.merchant == merchant))
    if result.rowcount:
        audit(session, "forecast.include_recurring", user_id=user_id, line_id=line_id, merchant=merchant)
    return bool(result.rowcount)

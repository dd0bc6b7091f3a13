"""What the subscriptions page and its alerts read from the store (their rules: dashboard/forecasting/
subscriptions.py, dashboard/alerts/subscription_rules.py; the marks themselves: data/forecast_input.py).

    merchant_history(session, line_id, tx) -> MerchantHistory   # the alerts' one bounded query per charge
    marks(session, line_id) -> dict[str, str]                     # merchant → a MARKS reason
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Boolean, bindparam, or_, select
from sqlalchemy.orm import Session, aliased

from data.models import RecurringExclusion, Transaction

# "cancelled": the user stopped it (the forecast leaves it out); "not_subscription": a repeated purchase.
MARKS = ("cancelled", "not_subscription")
# Enough for a yearly renewal and the one before it, and for ~3 months of even a merchant the line pays
# dozens of times a month (the limit bounds the authorization's cost, not the rule).
HISTORY_DAYS = 400
HISTORY_LIMIT = 120


class NewCharge(Protocol):
    id: int
    merchant: str
    amount: int
    occurred_at: datetime


class MerchantHistory(NamedTuple):
    rows: list[Any]  # Rows (id, occurred_at, amount, status, cancels_id, refund, pay_type), newest first
    mark: str | None  # the merchant's mark on this line, if any


_MARK = (select(RecurringExclusion.reason)
         .where(RecurringExclusion.line_id == bindparam("line_id"),
                RecurringExclusion.merchant == bindparam("merchant"))
         .scalar_subquery())
# Days between a charge and the one before it in a weekly, monthly or yearly series: the detector's gaps
# (dashboard/forecasting/recurring.py MAX_WEEK_GAP and MONTH_GAP, subscriptions.py YEAR_GAP).
RHYTHM_DAYS = ((6.0, 22.0), (25.0, 35.0), (358.0, 373.0))
_Anchor = aliased(Transaction)
# Most charges have no earlier charge of the merchant at such a gap at their price (at any price when marked
# 자동결제): then the query returns nothing and costs an index probe, not a history.
_ANCHOR = (
    select(_Anchor.id)
    .where(_Anchor.line_id == bindparam("line_id"), _Anchor.merchant == bindparam("merchant"),
           _Anchor.id != bindparam("tx_id"), _Anchor.status == "approved",
           or_(_Anchor.amount == bindparam("amount"), bindparam("marked", type_=Boolean)),
           or_(*(_Anchor.occurred_at.between(bindparam(f"from{k}"), bindparam(f"to{k}"))
                 for k in range(len(RHYTHM_DAYS)))))
    .exists()
)
# Built once: this runs inside every approved authorization. ix_transactions_line_merchant_occurred.
_HISTORY = (
    select(Transaction.id, Transaction.occurred_at, Transaction.amount, Transaction.status, Transaction.cancels_id,
           Transaction.refund, Transaction.pay_type, _MARK.label("mark"))
    .where(Transaction.line_id == bindparam("line_id"), Transaction.merchant == bindparam("merchant"),
           Transaction.occurred_at >= bindparam("since"), Transaction.occurred_at <= bindparam("at"),
           Transaction.id != bindparam("tx_id"), Transaction.status != "declined", _ANCHOR)
    .order_by(Transaction.occurred_at.desc(), Transaction.id.desc())
    .limit(HISTORY_LIMIT)
)


def merchant_history(session: Session, line_id: int, tx: NewCharge) -> MerchantHistory:
    """The merchant's charges on the line up to `tx` (not itself), newest first, with its mark; none when
    no earlier charge could be the previous one of a subscription (RHYTHM_DAYS)."""
    at = tx.occurred_at
    windows = {}
    for k, (shortest, longest) in enumerate(RHYTHM_DAYS):
        windows[f"from{k}"], windows[f"to{k}"] = at - timedelta(days=longest), at - timedelta(days=shortest)
    # Core, on the session's connection: the ORM's execute costs a fifth of a millisecond more, and the
    # charge is flushed already (alerts.engine.evaluate).
    rows = list(session.connection().execute(_HISTORY, {
        "line_id": line_id, "merchant": tx.merchant, "tx_id": tx.id, "at": at, "amount": tx.amount,
        "marked": getattr(tx, "pay_type", None) == "recurring", "since": at - timedelta(days=HISTORY_DAYS),
        **windows}))
    return MerchantHistory(rows, rows[0].mark if rows else None)


def marks(session: Session, line_id: int) -> dict[str, str]:
    return dict(session.execute(select(RecurringExclusion.merchant, RecurringExclusion.reason)
                                .where(RecurringExclusion.line_id == line_id)).all())

"""Month close: one bill per line and usage month, overdue bills, the one-time late fee and the
non-payment restriction (shared/DOMAIN.md "Billing cycle" and "Non-payment").

Decisions (also in docs/billing.md, with the API contract):
- A line is billed from the KST month it was registered in (`Line.created_at`). Imported history before
  that was billed by the carrier already; billing it again would invent arrears.
- Bill = net usage per bucket (`data.usage.monthly_usage`: approved − same-month cancellations; a bank
  refund after month end counts zero), floored at 0, + the unpaid total carried over from the previous bill.
- Due date: `User.due_day` (else `rules.due_day`) of the month after the usage month, clamped to its length.
- Overdue from the KST day after the due date. The late fee is applied once: `late_fee_rate` × the bill's
  own charges (micropayment + content), truncated to the won (원 미만 절사, in the customer's favour).
  The carried part already bore its own fee, so fees never compound.
- Carry-over: when the next month closes and a bill is still unpaid, its total (fee included) moves into the
  new bill (old → "carried"; new `carried_over`/`carried_from_id`). The new bill holds arrears, so it is
  "overdue" from the start and the restriction stays until it is paid; paying it settles the chain.
  Only the latest bill can therefore be unpaid: nothing is ever owed twice.
- A 0원 bill is closed as paid.
- A line with an overdue bill is "restricted" unless it is "blocked"; then the overdue bill itself is the
  memory (`data.line_actions.unblock_line` restores "restricted").

Every function that writes expects a write transaction and locks the line first (`lock_line`), so close,
pay and authorize on one line are serialised; `uq_bills_line_month` makes a concurrent close harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.audit import audit
from data.db import Store
from data.line_actions import lock_line, overdue_bill_exists
from data.models import Bill, Line, Payment, User, utcnow
from data.usage import monthly_usage
from data.vocab import days_in_month, kst_today, month_start, next_month, usage_month

PAYABLE = ("open", "overdue")


class BillingRules(Protocol):
    """What billing needs from `dashboard.settings.Settings` (pass the settings object itself)."""

    due_day: int
    late_fee_rate: float


@dataclass
class Changes:
    created: int = 0
    overdue: int = 0  # late fees / overdue transitions applied
    carried: int = 0

    def __iadd__(self, other: Changes) -> Changes:
        self.created += other.created
        self.overdue += other.overdue
        self.carried += other.carried
        return self


# ---- pure rules ---------------------------------------------------------------------------------

def due_date(month: str, due_day: int) -> date:
    """The due day of the month after usage month `month`, clamped (31 → 28/29 in February)."""
    billing = next_month(month)
    start = month_start(billing)
    return date(start.year, start.month, min(due_day, days_in_month(billing)))


def late_fee(amount: int, rate: float) -> int:
    """`rate` × `amount`, truncated to the won. Decimal: 0.02 as a float would turn 50 × 0.02 into 0.99…"""
    return int((Decimal(max(amount, 0)) * Decimal(str(rate))).to_integral_value(rounding=ROUND_DOWN))


def own_charges(bill: Bill) -> int:
    return bill.micropayment_amount + bill.content_amount


def fee_due(bill: Bill, today: date, rate: float) -> int | None:
    """The late fee to apply now, or None when there is nothing to do (idempotent by construction:
    once a fee is set, or a 0-fee bill is overdue, the answer is None)."""
    if bill.status not in PAYABLE or today <= bill.due_date or bill.late_fee:
        return None
    fee = late_fee(own_charges(bill), rate)
    return fee if bill.status == "open" or fee else None


def months_to_close(first_month: str, existing: Iterable[str], as_of: datetime) -> list[str]:
    """Usage months from `first_month` that have ended by `as_of` (KST) and have no bill yet, oldest first."""
    have, current = set(existing), usage_month(as_of)
    months, month = [], first_month
    while month < current:  # "YYYY-MM" strings order like the months they name
        if month not in have:
            months.append(month)
        month = next_month(month)
    return months


def first_billable_month(line: Line) -> str:
    return usage_month(line.created_at)


def needs_work(line: Line, bills: list[Bill], now: datetime, rate: float) -> bool:
    """Cheap read-side check, so that viewing bills takes no write lock when nothing is due."""
    today = kst_today(now)
    return bool(months_to_close(first_billable_month(line), (b.usage_month for b in bills), now)) or any(
        fee_due(b, today, rate) is not None for b in bills)


# ---- queries ------------------------------------------------------------------------------------

def bills_of(session: Session, line_id: int) -> list[Bill]:
    """A line's bills, newest usage month first."""
    return list(session.scalars(select(Bill).where(Bill.line_id == line_id).order_by(Bill.usage_month.desc())))


def overdue_bills(session: Session, line_id: int) -> list[Bill]:
    return list(session.scalars(
        select(Bill).where(Bill.line_id == line_id, Bill.status == "overdue").order_by(Bill.usage_month)))


def in_arrears(session: Session, line_id: int) -> bool:
    return bool(session.scalar(select(overdue_bill_exists(line_id))))


def carried_into(session: Session, bill_id: int) -> int | None:
    """The bill that a "carried" bill's unpaid total moved into."""
    return session.scalar(select(Bill.id).where(Bill.carried_from_id == bill_id))


# ---- state changes (inside a write transaction, line locked) ------------------------------------

def sync_restriction(session: Session, line: Line) -> None:
    """Restrict a line with an overdue bill, lift it once none is left; a blocked line stays blocked.
    Conditional updates, so a concurrent block (another module) is never overwritten."""
    arrears = in_arrears(session, line.id)
    before, after = ("active", "restricted") if arrears else ("restricted", "active")
    changed = session.execute(
        update(Line).where(Line.id == line.id, Line.status == before).values(status=after)
    ).rowcount
    if changed:
        session.refresh(line, ["status"])
        audit(session, "line.restrict" if arrears else "line.unrestrict", user_id=line.user_id, line_id=line.id)


def expire_deposit_accounts(session: Session, bill_id: int, reason: str) -> None:
    """A virtual account is issued for an exact amount: once the bill's total changes (late fee,
    carry-over) or it is paid another way, its pending deposit accounts can no longer settle it."""
    expired = session.execute(
        update(Payment).where(Payment.bill_id == bill_id, Payment.status == "pending").values(status="expired"),
        execution_options={"synchronize_session": False},
    ).rowcount
    if expired:
        audit(session, "payment.expire_pending", user_id=None, bill_id=bill_id, reason=reason, count=expired)


def _apply_late_fees(session: Session, line: Line, bills: list[Bill], today: date, rate: float) -> int:
    applied = 0
    for bill in bills:
        fee = fee_due(bill, today, rate)
        if fee is None:
            continue
        bill.status, bill.late_fee = "overdue", fee
        if fee:
            expire_deposit_accounts(session, bill.id, "late_fee")
        audit(session, "bill.overdue", user_id=line.user_id, line_id=line.id, bill_id=bill.id,
              usage_month=bill.usage_month, late_fee=fee, total=bill.total)
        applied += 1
    return applied


def _create_bill(session: Session, line: Line, month: str, usage: dict[str, int], previous: Bill | None,
                 due_day: int, now: datetime) -> Bill:
    carried = previous.total if previous is not None and previous.status in PAYABLE else 0
    bill = Bill(line_id=line.id, usage_month=month, micropayment_amount=max(usage["micropayment"], 0),
                content_amount=max(usage["content"], 0), carried_over=carried, late_fee=0,
                carried_from_id=previous.id if carried else None, due_date=due_date(month, due_day), closed_at=now)
    bill.status = "overdue" if carried else "open" if bill.total else "paid"
    bill.paid_at = now if bill.status == "paid" else None
    session.add(bill)
    session.flush()
    if carried:
        previous.status = "carried"
        expire_deposit_accounts(session, previous.id, "carried")
        audit(session, "bill.carry", user_id=line.user_id, line_id=line.id, bill_id=previous.id,
              into_bill_id=bill.id, amount=carried)
    audit(session, "bill.close", user_id=line.user_id, line_id=line.id, bill_id=bill.id, usage_month=month,
          micropayment=bill.micropayment_amount, content=bill.content_amount, carried_over=carried,
          total=bill.total, due_date=bill.due_date, status=bill.status)
    return bill


def close_line(session: Session, line_id: int, as_of: datetime, rules: BillingRules) -> Changes:
    """Lock the line and bring its bills up to `as_of`."""
    line = lock_line(session, line_id)
    return Changes() if line is None else bring_up_to_date(session, line, as_of, rules)


def bring_up_to_date(session: Session, line: Line, as_of: datetime, rules: BillingRules) -> Changes:
    """For a line already locked in this transaction: close every ended month (oldest first, so carry-over
    and late fees happen in the order they would have), apply due late fees, sync the restriction."""
    bills = sorted(bills_of(session, line.id), key=lambda b: b.usage_month)
    missing = months_to_close(first_billable_month(line), (b.usage_month for b in bills), as_of)
    changes = Changes()
    if missing:
        usage = monthly_usage(session, line.id, missing)
        due_day = session.scalar(select(User.due_day).where(User.id == line.user_id)) or rules.due_day
        now = utcnow()
        for month in missing:
            # The previous bill is judged on the day this month ended: its due date has passed by then.
            ended = month_start(next_month(month)).date()
            changes.overdue += _apply_late_fees(session, line, bills, ended, rules.late_fee_rate)
            carried_before = bills[-1].status if bills else None
            bills.append(_create_bill(session, line, month, usage[month], bills[-1] if bills else None, due_day, now))
            changes.created += 1
            changes.carried += int(carried_before in PAYABLE)
    changes.overdue += _apply_late_fees(session, line, bills, kst_today(as_of), rules.late_fee_rate)
    sync_restriction(session, line)
    return changes


def ensure_bills(session: Session, line: Line | int, now: datetime, *, rules: BillingRules) -> list[Bill]:
    """The bills that should exist by `now` do exist (write transaction); returns them newest first."""
    line_id = line if isinstance(line, int) else line.id
    close_line(session, line_id, now, rules)
    return bills_of(session, line_id)


def refresh_bills(store: Store, line_id: int, now: datetime, rules: BillingRules) -> list[Bill]:
    """For pages and the API: read, and only take the write lock when a month must close or a fee is due."""
    with store.read() as session:
        line = session.get(Line, line_id)
        if line is None:
            return []
        bills = bills_of(session, line_id)
        if not needs_work(line, bills, now, rules.late_fee_rate):
            return bills
    return _retrying(store, lambda session: ensure_bills(session, line_id, now, rules=rules))


def close_all(store: Store, as_of: datetime, rules: BillingRules) -> dict[str, int]:
    """`microbill close-month`: every line, one transaction each (one slow line never holds the rest)."""
    with store.read() as session:
        line_ids = list(session.scalars(select(Line.id).order_by(Line.id)))
    total = Changes()
    for line_id in line_ids:
        total += _retrying(store, lambda session, lid=line_id: close_line(session, lid, as_of, rules))
    store.refresh_statistics()  # the daily cron is the natural moment to refresh planner statistics
    return {"lines": len(line_ids), "created": total.created, "overdue": total.overdue, "carried": total.carried}


def _retrying(store: Store, work):
    """A concurrent close that got past the lock order (or another writer) trips `uq_bills_line_month`:
    run again, and the second pass finds the bill and does nothing."""
    try:
        return store.write_retrying(work)
    except IntegrityError:
        return store.write_retrying(work)


# ---- paying (called by data.payments with the line locked) -------------------------------------

def mark_paid(session: Session, bill: Bill, now: datetime) -> bool:
    """open/overdue → paid, as a conditional UPDATE: only one payer can ever win it. Settles the bills
    carried into this one and expires other pending deposit accounts. False if it was not payable."""
    won = session.execute(
        update(Bill).where(Bill.id == bill.id, Bill.status.in_(PAYABLE)).values(status="paid", paid_at=now),
        execution_options={"synchronize_session": False},
    ).rowcount == 1
    if not won:
        return False
    session.refresh(bill)
    expire_deposit_accounts(session, bill.id, "paid")
    source = bill.carried_from_id
    while source is not None:
        carried = session.get(Bill, source)
        if carried is None or carried.paid_at is not None:
            break
        carried.paid_at = now  # stays "carried": its money was paid through this bill
        source = carried.carried_from_id
    return True

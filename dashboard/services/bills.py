"""A line's bills, brought up to date first (ended months closed, late fees charged: data.billing).

    line_bills(store, settings, user_id, line_id) -> list[Bill]          # the API; NotFound for anyone else's
    bills_page(store, settings, user_id, line_id) -> BillsPage | None    # the /bills page; None for anyone else's

Paying them is dashboard.services.payments. Rows come back detached: read their columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dashboard.services.errors import NotFound
from dashboard.settings import Settings
from data.access import viewable_line
from data.billing import refresh_bills
from data.db import Store
from data.models import Bill, Line, Payment, utcnow
from data.payments import pending_deposits

LINE_NOT_FOUND = "actions.line_not_found"


@dataclass(frozen=True)
class BillsPage:
    line: Line  # as it is after the bills were brought up to date (a month close may have restricted it)
    bills: list[dict]  # bill_view(), newest month first
    overdue_total: int

    def amounts(self) -> dict[str, dict]:
        """What the pay form shows for each bill id and for "overdue" (display only: never trusted)."""
        shown = {str(b["id"]): {"total": b["total"], "overdue": b["status"] == "overdue"} for b in self.bills}
        return {**shown, "overdue": {"total": self.overdue_total, "overdue": True}}


def bill_view(bill: Bill, carried_into_month: str | None, deposit: Payment | None) -> dict:
    """A bill as plain data for layouts/bills.py, with the month it was carried into and its waiting deposit."""
    waiting = None if deposit is None else {"payment_id": deposit.id, "bank": deposit.va_bank,
                                            "account": deposit.va_account, "amount": deposit.amount}
    return {"id": bill.id, "usage_month": bill.usage_month, "micropayment_amount": bill.micropayment_amount,
            "content_amount": bill.content_amount, "carried_over": bill.carried_over, "late_fee": bill.late_fee,
            "total": bill.total, "due_date": bill.due_date, "status": bill.status, "paid_at": bill.paid_at,
            "carried_into_month": carried_into_month, "deposit": waiting}


def _refreshed(store: Store, settings: Settings, user_id: int, line_id: object,
               now: datetime | None) -> tuple[Line, list[Bill]] | None:
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
    if line is None:
        return None
    return line, refresh_bills(store, line.id, now or utcnow(), settings)


def line_bills(store: Store, settings: Settings, user_id: int, line_id: object,
               now: datetime | None = None) -> list[Bill]:
    """The line's bills, newest first."""
    found = _refreshed(store, settings, user_id, line_id, now)
    if found is None:
        raise NotFound(LINE_NOT_FOUND)
    return found[1]


def bills_page(store: Store, settings: Settings, user_id: int, line_id: object,
               now: datetime | None = None) -> BillsPage | None:
    found = _refreshed(store, settings, user_id, line_id, now)
    if found is None:
        return None
    line, bills = found
    with store.read() as db:
        deposits = pending_deposits(db, [b.id for b in bills])
        line = db.get(Line, line.id) or line
    months = {b.carried_from_id: b.usage_month for b in bills if b.carried_from_id}
    views = [bill_view(b, months.get(b.id), deposits.get(b.id)) for b in bills]
    return BillsPage(line, views, sum(v["total"] for v in views if v["status"] == "overdue"))

"""What is true of a line before anything else on its pages (docs/line-state.md): blocked, restricted for an
unpaid bill, an overdue bill, a month forecast to pass its budget — each with the one action that resolves it.

    line_state(store, settings, user_id, line_id) -> LineState | None   # None: not a line the user sees

A read only (no month close, no late fee: the bills page brings bills up to date). The forecast is read only
when the line has a budget, through the page memo the overview card shares (forecast_line_for_page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dashboard.services.forecast import forecast_line_for_page
from dashboard.settings import Settings
from data.access import Permission, allows, line_with
from data.billing import overdue_bills
from data.budgets import get_budget
from data.db import Store


@dataclass(frozen=True)
class LineState:
    status: str  # data.vocab.LINE_STATUSES: active | blocked | restricted
    overdue_total: int  # won owed on overdue bills (0: none)
    overdue_months: tuple[str, ...]  # their usage months, oldest first
    budget: int | None  # the month's budget (None: none set)
    forecast: int | None  # the month's expected total, when a budget is set
    may_unblock: bool  # the asker's role lets them unblock (owner, guardian)
    may_pay: bool  # … pay the line's bills (the owner)

    @property
    def over_budget_forecast(self) -> bool:
        return self.budget is not None and self.forecast is not None and self.forecast > self.budget

    @property
    def calm(self) -> bool:
        """Nothing to say: an active line with nothing overdue and no budget forecast to be passed."""
        return self.status == "active" and not self.overdue_total and not self.over_budget_forecast


def line_state(store: Store, settings: Settings, user_id: int, line_id: object) -> LineState | None:
    with store.read() as db:
        access = line_with(db, user_id, line_id, Permission.VIEW)
        line = access.line
        if line is None:
            return None
        overdue = overdue_bills(db, line.id)
        budget = get_budget(db, line.id)
        forecast = None
        if budget is not None:
            forecast = forecast_line_for_page(db, line, datetime.now(UTC), settings).forecast.expected
        return LineState(line.status, sum(bill.total for bill in overdue),
                         tuple(bill.usage_month for bill in overdue), budget.amount if budget else None, forecast,
                         allows(access.role, Permission.UNBLOCK), allows(access.role, Permission.MANAGE))

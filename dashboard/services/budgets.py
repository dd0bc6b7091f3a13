"""A line's monthly budget: read it (with this month's usage and the line's total limit), set it, remove it.

    budget_of(store, settings, user_id, line_id) -> BudgetState
    set_budget(store, settings, user_id, line_id, *, amount, thresholds, large_charge, notify_new_merchant, ip)
        -> dict (data.budgets.budget_view)
    delete_budget(store, user_id, line_id, *, ip) -> bool (False: there was none)
    default_thresholds(settings) -> list[int]

Another user's line (or a malformed id) is NotFound("actions.line_not_found"); a budget the rules refuse is
BudgetRefused, carrying every problem (a message key and its values) in form-field order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard.services.access import permitted_line
from dashboard.services.errors import NotFound, ServiceError
from dashboard.settings import Settings
from data import budgets
from data.access import Permission, viewable_line
from data.budgets import BudgetProblem
from data.db import Store
from data.usage import monthly_usage
from data.vocab import kst_today

LINE_NOT_FOUND = "actions.line_not_found"


class BudgetRefused(ServiceError):
    """The budget was not saved. `problems`: every problem, in field order; `limit_total`: the cap the
    amount was checked against. The API answers 400."""

    status = 400

    def __init__(self, problems: list[BudgetProblem], limit_total: int) -> None:
        super().__init__(problems[0].key, **problems[0].values)
        self.problems, self.limit_total = problems, limit_total


@dataclass(frozen=True)
class BudgetState:
    """What the budget page shows for a line: its budget (None: none yet), the cap a budget may not pass,
    and this KST month's net usage."""

    budget: dict[str, Any] | None
    limit_total: int
    month: str
    used: int


def default_thresholds(settings: Settings) -> list[int]:
    """The alert levels (percent) a new budget starts with: Settings.budget_thresholds."""
    return budgets.parse_threshold_text(settings.budget_thresholds) or []


def budget_of(store: Store, settings: Settings, user_id: int, line_id: object) -> BudgetState:
    month = kst_today().strftime("%Y-%m")
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            raise NotFound(LINE_NOT_FOUND)
        used = sum(monthly_usage(db, line.id, [month])[month].values())
        return BudgetState(budgets.budget_view(budgets.get_budget(db, line.id)),
                           budgets.total_limit(db, line, settings), month, used)


def set_budget(store: Store, settings: Settings, user_id: int, line_id: object, *, amount: object,
               thresholds: object, large_charge: object, notify_new_merchant: object,
               ip: str | None = None) -> dict[str, Any]:
    """Validate and save (audited) in one transaction. `thresholds`: a list, or text like "50, 80, 100";
    None means default_thresholds."""
    if thresholds is None:
        thresholds = default_thresholds(settings)
    with store.write() as db:
        line = permitted_line(db, user_id, line_id, Permission.SET_BUDGET)
        limit_total = budgets.total_limit(db, line, settings)
        problems = budgets.validate(amount, thresholds, large_charge, limit_total)
        if problems:
            raise BudgetRefused(problems, limit_total)
        budget = budgets.save_budget(
            db, line, amount=int(amount), thresholds=budgets.parse_threshold_text(thresholds) or [],  # type: ignore[arg-type]
            large_charge=int(large_charge) if large_charge not in (None, "") else None,  # type: ignore[arg-type]
            notify_new_merchant=bool(notify_new_merchant), user_id=user_id, ip=ip)
        db.flush()
        return budgets.budget_view(budget)  # type: ignore[return-value]


def delete_budget(store: Store, user_id: int, line_id: object, *, ip: str | None = None) -> bool:
    with store.write() as db:
        line = permitted_line(db, user_id, line_id, Permission.SET_BUDGET)
        return budgets.delete_budget(db, line, user_id=user_id, ip=ip)

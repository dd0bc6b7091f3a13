"""A line's monthly budget: validation against the line's limits, reading and saving (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.access import visible_line_ids
from data.audit import audit
from data.limits_policy import LimitSettings, effective_limit
from data.lines import current_limits
from data.models import Budget, Line, Transaction, utcnow
from data.usage import NET_AMOUNT

MAX_THRESHOLDS = 10  # the column holds "50,80,100"-style text of at most 60 characters


@dataclass(frozen=True)
class BudgetProblem:
    """Why a budget is refused: a message key (dashboard/text/messages/alerts.py) and its values."""

    key: str
    values: dict[str, Any]


def total_limit(session: Session, line: Line, rules: LimitSettings, at: datetime | None = None) -> int:
    """The line's monthly limits summed over both buckets (a bucket without one counts at the legal max)."""
    limits = current_limits(session, line.id, at)
    return sum(effective_limit(amount, rules, is_minor=line.is_minor) for amount in limits.values())


def parse_threshold_text(text: object) -> list[int] | None:
    """"50, 80 ,100" or [50, 80, 100] → [50, 80, 100]; None when something is not a whole number."""
    items = text.replace("%", "").split(",") if isinstance(text, str) else text
    if not isinstance(items, list | tuple):
        return None
    out = []
    for item in items:
        if isinstance(item, bool):
            return None
        if isinstance(item, str):
            item = item.strip()
            if not item:
                continue
            if not item.isdigit():
                return None
        if isinstance(item, float) and not item.is_integer():
            return None
        try:
            out.append(int(item))
        except (TypeError, ValueError):
            return None
    return out


def validate(amount: object, thresholds: object, large_charge: object, limit_total: int) -> list[BudgetProblem]:
    """Every problem with a budget form, in field order (an empty list means it can be saved)."""
    problems: list[BudgetProblem] = []
    if amount is None or amount == "":
        problems.append(BudgetProblem("budget.amount_required", {}))
    elif not _whole(amount):
        problems.append(BudgetProblem("budget.amount_whole", {}))
    elif int(amount) <= 0:  # type: ignore[arg-type]
        problems.append(BudgetProblem("budget.amount_positive", {}))
    elif int(amount) > limit_total:  # type: ignore[arg-type]
        problems.append(BudgetProblem("budget.amount_over_limit", {"limit": f"{limit_total:,}원"}))
    parsed = parse_threshold_text(thresholds)
    if parsed is None:
        problems.append(BudgetProblem("budget.thresholds_format", {}))
    elif not parsed:
        problems.append(BudgetProblem("budget.thresholds_empty", {}))
    elif any(p < 1 or p > 100 for p in parsed):
        problems.append(BudgetProblem("budget.thresholds_range", {}))
    elif any(b <= a for a, b in pairwise(parsed)) or len(parsed) > MAX_THRESHOLDS:
        problems.append(BudgetProblem("budget.thresholds_order", {"max": MAX_THRESHOLDS}))
    if large_charge not in (None, "") and (not _whole(large_charge) or int(large_charge) <= 0):  # type: ignore[arg-type]
        problems.append(BudgetProblem("budget.large_positive", {}))
    return problems


def _whole(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and value.strip().isdigit()


def get_budget(session: Session, line_id: int) -> Budget | None:
    return session.get(Budget, line_id)


def thresholds_of(budget: Budget) -> list[int]:
    return parse_threshold_text(budget.thresholds) or []


def save_budget(session: Session, line: Line, *, amount: int, thresholds: list[int], large_charge: int | None,
                notify_new_merchant: bool, user_id: int | None, ip: str | None = None,
                now: datetime | None = None) -> Budget:
    """Create or replace the line's budget (already validated) and audit the change."""
    budget = session.get(Budget, line.id, with_for_update=True)
    if budget is None:
        budget = Budget(line_id=line.id)
        session.add(budget)
    budget.amount = int(amount)
    budget.thresholds = ",".join(str(int(p)) for p in thresholds)
    budget.large_charge = int(large_charge) if large_charge else None
    budget.notify_new_merchant = bool(notify_new_merchant)
    budget.updated_at = now or utcnow()
    audit(session, "budget.set", user_id=user_id, line_id=line.id, ip=ip, amount=budget.amount,
          thresholds=budget.thresholds, large_charge=budget.large_charge,
          notify_new_merchant=budget.notify_new_merchant)
    return budget


def delete_budget(session: Session, line: Line, *, user_id: int | None, ip: str | None = None) -> bool:
    budget = session.get(Budget, line.id)
    if budget is None:
        return False
    session.delete(budget)
    audit(session, "budget.delete", user_id=user_id, line_id=line.id, ip=ip)
    return True


def over_budget(session: Session, user_id: int, month: str) -> list[tuple[Line, int, int]]:
    """(line, net usage, budget) for each line the user sees (own or shared) whose `month` has reached its budget.
    One query: the usage is a correlated sum on the (line_id, usage_month) index."""
    used = (select(func.coalesce(func.sum(NET_AMOUNT), 0))
            .where(Transaction.line_id == Budget.line_id, Transaction.usage_month == month)
            .scalar_subquery())
    rows = session.execute(select(Line, Budget.amount, used).join(Budget, Budget.line_id == Line.id)
                           .where(Line.id.in_(visible_line_ids(user_id))).order_by(Line.id))
    return [(line, int(total or 0), amount) for line, amount, total in rows if int(total or 0) >= amount]


def budget_view(budget: Budget | None) -> dict[str, Any] | None:
    """JSON-ready form of a budget (API and Dash stores)."""
    if budget is None:
        return None
    return {"line_id": budget.line_id, "amount": budget.amount, "thresholds": thresholds_of(budget),
            "large_charge": budget.large_charge, "notify_new_merchant": budget.notify_new_merchant,
            "updated_at": budget.updated_at.isoformat() if budget.updated_at else None}

"""The forecast of one stored line: its history, its limits and the user's exclusions → Forecast.

    forecast_of(store, settings, user_id, line_id, as_of=None) -> dict     # the API: exactly as of a moment
    page_forecast(store, settings, user_id, line_id) -> dict | None        # the overview card, memoised
    set_recurring(store, user_id, line_id, merchant, *, excluded, reason) -> bool  # "해지했어요" / "다시 포함"

A line that is not the user's: forecast_of and set_recurring raise NotFound, page_forecast gives None.
forecast_line / forecast_line_for_page work inside a session the caller holds (the CLI, the overview's pace).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.forecasting import Forecast, forecast_bill
from dashboard.forecasting.memo import Memo, db_key
from dashboard.services.access import permitted_line
from dashboard.services.errors import NotFound
from dashboard.settings import Settings
from data.access import Permission, viewable_line
from data.billing import due_date
from data.budgets import get_budget
from data.db import Store
from data.forecast_input import (
    exclude_recurring,
    excluded_merchants,
    history_frame,
    include_recurring,
    not_subscription_merchants,
)
from data.lines import current_limits
from data.models import Line, Transaction, User


@dataclass(frozen=True)
class LineForecast:
    forecast: Forecast
    due_date: date
    excluded: tuple[str, ...]

    def to_dict(self) -> dict:
        return {**self.forecast.to_dict(), "due_date": self.due_date.isoformat(),
                "excluded_recurring": list(self.excluded)}


def total_limit(session: Session, line_id: int, at: datetime) -> int | None:
    values = [v for v in current_limits(session, line_id, at).values() if v is not None]
    return sum(values) if values else None


def forecast_line(session: Session, line: Line, as_of: datetime, settings: Settings) -> LineForecast:
    return _forecast(session, line, as_of, settings, tuple(excluded_merchants(session, line.id)),
                     tuple(not_subscription_merchants(session, line.id)), total_limit(session, line.id, as_of))


def _forecast(session: Session, line: Line, as_of: datetime, settings: Settings, excluded: tuple[str, ...],
              not_recurring: tuple[str, ...], limit: int | None) -> LineForecast:
    """`excluded`: marked cancelled (left out); `not_recurring`: marked "not a subscription" (its charges are
    forecast as ordinary spending, never as a 자동결제 still due)."""
    forecast = forecast_bill(history_frame(session, line.id, as_of), as_of, limit, exclude_merchants=excluded,
                             not_recurring=not_recurring)
    user = session.get(User, line.user_id)
    due_day = (user.due_day if user and user.due_day else None) or settings.due_day
    return LineForecast(forecast, due_date(forecast.billing_month, due_day), excluded)


# Pages show the forecast on every visit; it changes when a charge arrives, and with time only slowly.
PAGE_MEMO = Memo(size=1024)
PAGE_MEMO_AGE = timedelta(minutes=10)


def forecast_line_for_page(session: Session, line: Line, now: datetime, settings: Settings) -> LineForecast:
    """forecast_line, reused while the line's transactions, exclusions and limits stay the same (at most
    PAGE_MEMO_AGE): the burn-up and the card ask for it together, and a heavy line's history is costly."""
    count, last_id = session.execute(
        select(func.count(), func.max(Transaction.id)).where(Transaction.line_id == line.id)).one()
    excluded, limit = tuple(excluded_merchants(session, line.id)), total_limit(session, line.id, now)
    not_recurring = tuple(not_subscription_merchants(session, line.id))
    key = (db_key(session), line.id, count, last_id, excluded, not_recurring, limit)
    cached = PAGE_MEMO.get(key, PAGE_MEMO_AGE)
    if cached is None:
        cached = _forecast(session, line, now, settings, excluded, not_recurring, limit)
        PAGE_MEMO.put(key, cached)
    return cached


LINE_NOT_FOUND = "actions.line_not_found"


def forecast_of(store: Store, settings: Settings, user_id: int, line_id: object,
                as_of: datetime | None = None) -> dict:
    """The line's bill forecast as of `as_of` (default now), as plain data (ISO dates)."""
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            raise NotFound(LINE_NOT_FOUND)
        return forecast_line(db, line, as_of or datetime.now(UTC), settings).to_dict()


def page_forecast(store: Store, settings: Settings, user_id: int, line_id: object) -> dict | None:
    """The forecast as of now for a page (reused while nothing changed: forecast_line_for_page)."""
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            return None
        budget = get_budget(db, line.id)
        # The card words a blocked line's risk itself and sets the forecast against the budget (layouts/forecast.py).
        return {**forecast_line_for_page(db, line, datetime.now(UTC), settings).to_dict(), "line_status": line.status,
                "budget": budget.amount if budget else None}


def set_recurring(store: Store, user_id: int, line_id: object, merchant: str, *, excluded: bool,
                  reason: str = "cancelled") -> bool:
    """Mark a recurring charge as cancelled (excluded=True) or count it again; audited when it changed.
    `reason` "not_subscription": marked as no subscription at all (the subscriptions page; the forecast
    no longer projects it as 자동결제 but counts its charges as ordinary spending). False when nothing
    changed (already so)."""
    with store.write() as db:
        line = permitted_line(db, user_id, line_id, Permission.MANAGE)
        if excluded:
            return exclude_recurring(db, line.id, merchant, user_id, reason=reason)
        return include_recurring(db, line.id, merchant, user_id)

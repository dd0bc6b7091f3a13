"""The overview's reads: one function per card or figure group, each one read session that checks the line
belongs to the user and returns plain data (None for anyone else's line or a malformed id, never their data).

    usage(store, user_id, line_id) -> Usage | None           # this month per bucket, 13 months vs the limit
    pace(store, settings, user_id, line_id, month) -> Pace | None   # burn-up, month over month, forecast fan
    categories(store, user_id, line_id, month) -> dict | None
    merchants(store, user_id, line_id, month, limit) -> list[dict] | None
    heatmap(store, user_id, line_id, month) -> list[list[int]] | None

`month` is a "YYYY-MM" the caller has already checked (the page offers the last 13 months). The detail
figures are separate calls so the browser fetches them in parallel and each stays one or two small GROUP BYs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dashboard.services.forecast import forecast_line_for_page
from dashboard.settings import Settings
from data import analytics
from data.access import viewable_line
from data.db import Store
from data.limits_history import limits_by_month
from data.usage import monthly_usage
from data.vocab import days_in_month, kst_today, months_back

MONTHS_CHARTED = 13


@dataclass(frozen=True)
class Usage:
    months: list[str]  # oldest first; the last is this month
    usage: dict[str, dict[str, int]]  # {month: {bucket: net won}}
    limits: dict[str, dict[str, int | None]]  # {month: {bucket: limit in force}}
    status: str = "active"  # the line's (data.vocab.LINE_STATUSES)

    @property
    def this_month(self) -> str:
        return self.months[-1]



@dataclass(frozen=True)
class Pace:
    month: str
    previous: str  # the month before `month`
    days: int  # days in the month
    cumulative: dict[str, list[int]]  # per bucket, end of day 0 … through day
    limit: int | None  # the month's total limit
    comparison: dict  # data.analytics.month_comparison, with previous_change / average_change (% or None)
    fan: dict | None  # the forecast (LineForecast.to_dict) for the current month
    empty: bool  # nothing to plot: titled empty figures


def current_month() -> str:
    return kst_today().strftime("%Y-%m")


def through_day(month: str) -> int:
    """Last day with data to plot: today for the current month, else the month's last day."""
    return kst_today().day if month == current_month() else days_in_month(month)


def total_limit(limits: dict[str, int | None]) -> int | None:
    values = [v for v in limits.values() if v is not None]
    return sum(values) if values else None


def usage(store: Store, user_id: int, line_id: object) -> Usage | None:
    months = months_back(current_month(), MONTHS_CHARTED)
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            return None
        return Usage(months, monthly_usage(db, line.id, months), limits_by_month(db, line.id, months), line.status)


def pace(store: Store, settings: Settings, user_id: int, line_id: object, month: str) -> Pace | None:
    """The month's daily net against its limit and the same days of the three months before; this month
    also carries the forecast fan (read in the same session)."""
    earlier = months_back(month, 4)[-2::-1]  # the three months before, newest first
    through, is_current = through_day(month), month == current_month()
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            return None
        days = analytics.daily_net(db, line.id, [month])[month]
        totals = analytics.spent_through_days(db, line.id, earlier, through)
        first = analytics.first_month(db, line.id)
        limit = total_limit(limits_by_month(db, line.id, [month])[month])
        comparison = _with_changes(analytics.month_comparison(analytics.spent_through(days, through), totals,
                                                              first, through, complete=not is_current))
        # This month with nothing spent yet (its first hours) still shows the limit and the forecast fan.
        empty = not days and (not is_current or first is None)
        fan = (forecast_line_for_page(db, line, datetime.now(UTC), settings).to_dict()
               if is_current and not empty else None)
    return Pace(month, earlier[0], days_in_month(month), analytics.burnup(days, through), limit, comparison, fan,
                empty)


def _with_changes(comparison: dict) -> dict:
    current = comparison["current"]
    return {**comparison, "previous_change": analytics.percent_change(current, comparison["previous"]),
            "average_change": analytics.percent_change(current, comparison["average"])}


def categories(store: Store, user_id: int, line_id: object, month: str) -> dict[str, dict[str, int]] | None:
    """{category: {bucket: net won}} of the month, largest category first."""
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            return None
        totals = analytics.category_totals(db, line.id, month)
    order = sorted(totals, key=lambda code: (-sum(totals[code].values()), code))
    return {code: totals[code] for code in order}


def merchants(store: Store, user_id: int, line_id: object, month: str, limit: int) -> list[dict] | None:
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        return None if line is None else analytics.top_merchants(db, line.id, month, limit)


def heatmap(store: Store, user_id: int, line_id: object, month: str) -> list[list[int]] | None:
    """Net spend per weekday (rows) × KST hour (columns)."""
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        return None if line is None else analytics.hour_heatmap(db, line.id, month)

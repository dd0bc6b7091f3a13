"""forecast_bill: this month's phone bill = spent so far + subscriptions still due + variable spend."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from dashboard.forecasting import calibration, intervals, recurring
from dashboard.forecasting.frame import Payments, kst_date, kst_day_of, payments_before
from dashboard.forecasting.variable import VariableForecast, VariableParams, remaining_spend
from data.vocab import days_in_month, month_start, usage_month

_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class UpcomingCharge:
    merchant: str
    amount: int
    expected_date: date

    def to_dict(self) -> dict[str, Any]:
        return {"merchant": self.merchant, "amount": self.amount, "expected_date": self.expected_date.isoformat()}


@dataclass(frozen=True)
class Forecast:
    """A month's bill forecast; money in won."""

    billing_month: str  # "YYYY-MM", the KST month containing as_of
    spent_to_date: int  # net payments this month before as_of
    expected: int  # central forecast of the month total (median-side: scored by absolute error)
    low: int  # 80% prediction interval, spent_to_date ≤ low ≤ expected ≤ high
    high: int
    p_exceed_limit: float | None  # P(month total ≥ limit); None without a limit
    limit_hit_date: date | None  # when the running total reaches the limit, if it does
    upcoming_recurring: tuple[UpcomingCharge, ...] = ()  # subscriptions still due, by date
    limit: int | None = None
    recurring_due: int = 0  # sum of upcoming_recurring
    variable_expected: int = 0  # other spending expected in the rest of the month

    @property
    def exceed_likely(self) -> bool | None:
        """Whether to warn that the limit will be passed (P ≥ the calibrated alert level)."""
        if self.p_exceed_limit is None:
            return None
        return self.p_exceed_limit >= calibration.EXCEED_ALERT

    def to_dict(self) -> dict[str, Any]:
        return {
            "billing_month": self.billing_month,
            "spent_to_date": self.spent_to_date,
            "expected": self.expected,
            "low": self.low,
            "high": self.high,
            "limit": self.limit,
            "p_exceed_limit": self.p_exceed_limit,
            "exceed_likely": self.exceed_likely,
            "limit_hit_date": self.limit_hit_date.isoformat() if self.limit_hit_date else None,
            "upcoming_recurring": [item.to_dict() for item in self.upcoming_recurring],
            "recurring_due": self.recurring_due,
            "variable_expected": self.variable_expected,
        }


@dataclass(frozen=True)
class Params:
    variable: VariableParams = field(default_factory=VariableParams)
    # Lines whose spend is almost all 자동결제 have near-zero variable spread, yet one charge more
    # or less (a new subscription, a skipped top-up, the odd app purchase) still happens: the
    # scale never drops below this share of a typical payment, shrinking as the month runs out.
    event_floor: float = 0.5
    event_floor_power: float = 0.75
    down_floor: float = 0.5  # share of the event floor that also applies below the centre


@dataclass(frozen=True)
class Parts:
    """The pieces of a forecast before intervals (exposed for the backtest's calibration)."""

    month: str
    month_t0: float
    month_days: int
    as_of_t: float
    payments: Payments
    in_month: np.ndarray
    spent: int
    dues: list[recurring.Due]
    recurring_due: int
    variable: VariableForecast
    center: float  # spent + recurring due + variable centre, unrounded
    # Won scales of the error below and above the centre; calibrated residual quantiles are
    # in these units (a residual below the centre is divided by `down`, above by `up`).
    down: float
    up: float

    @property
    def elapsed(self) -> float:
        return self.as_of_t - self.month_t0


def forecast_bill(
    transactions: pd.DataFrame | None,
    as_of: datetime,
    limit: int | None = None,
    *,
    exclude_merchants: Iterable[str] = (),
    not_recurring: Iterable[str] = (),
    params: Params | None = None,
) -> Forecast:
    """Forecast the bill of the KST month containing `as_of` from one line's history.

    Only payments strictly before `as_of` are used; same-month cancellations among them are
    netted out. `exclude_merchants` are subscriptions the user cancelled: not expected again
    and left out of the history the variable forecast learns from (what they charged this
    month stays in spent_to_date). `not_recurring` are merchants the user says are no subscription:
    never projected as a recurring charge, their payments are ordinary variable spending.
    `limit` is a monthly ceiling for the total (the carrier
    limit or the user's budget): it adds `p_exceed_limit` (P(total ≥ limit)) and
    `limit_hit_date`.
    """
    parts = forecast_parts(
        transactions, as_of, exclude_merchants=exclude_merchants, not_recurring=not_recurring, params=params
    )
    low, high = intervals.interval(parts)
    expected = max(parts.spent, round(parts.center))
    p_exceed, hit = None, None
    if limit is not None:
        p_exceed = intervals.p_at_least(parts, limit)
        hit = _limit_hit_date(parts, limit, expected)
    return Forecast(
        billing_month=parts.month,
        spent_to_date=parts.spent,
        expected=expected,
        low=min(low, expected),
        high=max(high, expected),
        p_exceed_limit=p_exceed,
        limit_hit_date=hit,
        upcoming_recurring=_upcoming(parts.dues),
        limit=limit,
        recurring_due=parts.recurring_due,
        variable_expected=round(parts.variable.center),
    )


def forecast_parts(
    transactions: pd.DataFrame | None,
    as_of: datetime,
    *,
    exclude_merchants: Iterable[str] = (),
    not_recurring: Iterable[str] = (),
    params: Params | None = None,
) -> Parts:
    params = params or Params()
    month = usage_month(as_of)
    month_days = days_in_month(month)
    month_t0 = kst_day_of(month_start(month))
    as_of_t = kst_day_of(as_of)
    payments = payments_before(transactions, as_of)
    in_month = payments.t >= month_t0
    spent = int(payments.amount[in_month].sum())

    excluded = set(exclude_merchants)
    # A series of a merchant marked "not a subscription" is dropped before the mask: its charges stay variable.
    unlike = excluded | set(not_recurring)
    series = [s for s in recurring.detect(payments, month_t0) if s.merchant not in unlike]
    dues = recurring.due_this_month(payments, series, month_t0, month_days, as_of_t)
    recurring_due = int(sum(due.remaining for due in dues))

    variable = _variable_mask(payments, series, dues, excluded)
    var = remaining_spend(
        np.floor(payments.t[variable]).astype(np.int64),
        payments.amount[variable],
        _first_day(payments),
        as_of_t,
        month_t0,
        month_days,
        params.variable,
    )
    return Parts(
        month=month,
        month_t0=month_t0,
        month_days=month_days,
        as_of_t=as_of_t,
        payments=payments,
        in_month=in_month,
        spent=spent,
        dues=dues,
        recurring_due=recurring_due,
        variable=var,
        center=spent + recurring_due + var.center,
        **_scales(payments, var, dues, as_of_t - month_t0, month_days, params),
    )


def _scales(
    payments: Payments,
    var: VariableForecast,
    dues: list[recurring.Due],
    elapsed: float,
    month_days: int,
    params: Params,
) -> dict[str, float]:
    """Error scales: below the centre, subscriptions that may not come and quieter spending;
    above it, busier spending and charges we have never seen (the event floor)."""
    if not len(payments):
        return {"down": 0.0, "up": 0.0}
    left = max(0.0, 1.0 - elapsed / month_days)
    floor = params.event_floor * float(np.mean(payments.amount)) * left**params.event_floor_power
    recurring_spread = float(np.sqrt(sum(due.spread**2 for due in dues)))
    return {
        "down": float(np.sqrt(var.down**2 + recurring_spread**2 + (params.down_floor * floor) ** 2)),
        "up": float(np.hypot(var.up, floor)),
    }


def _variable_mask(
    payments: Payments, series: list[recurring.Series], dues: list[recurring.Due], excluded: set[str]
) -> np.ndarray:
    """Payments that are neither a subscription's charge nor from a merchant the user dropped."""
    mask = np.ones(len(payments), dtype=bool)
    for item in series:
        mask[item.members] = False
    for due in dues:
        mask[due.paid_index] = False
    if excluded:
        dropped = [code for code, name in enumerate(payments.names) if name in excluded]
        mask &= ~np.isin(payments.merchant, dropped)
    return mask


def _first_day(payments: Payments) -> int:
    """Start of the first month seen: earlier quiet days of that month are real zero days."""
    if not len(payments):
        return 0
    first = (_EPOCH + timedelta(days=int(np.floor(payments.t[0])))).replace(day=1)
    return (first - _EPOCH).days


def _limit_hit_date(parts: Parts, limit: int, expected: int) -> date | None:
    """The day the running total reaches the limit: already seen, or on the central path."""
    times = parts.payments.t[parts.in_month]
    cum = np.cumsum(parts.payments.amount[parts.in_month])
    if len(cum) and cum[-1] >= limit:
        return kst_date(times[int(np.searchsorted(cum, limit))])
    if expected < limit:
        return None
    today = int(np.floor(parts.as_of_t))
    days = np.arange(today, int(np.floor(parts.month_t0)) + parts.month_days)
    path = np.full(len(days), parts.variable.center / max(parts.month_t0 + parts.month_days - parts.as_of_t, 1e-9))
    path[0] *= 1.0 - (parts.as_of_t - today)  # only the rest of today
    for due in parts.dues:
        amount_each = due.remaining / max(len(due.dates), 1)
        for when in due.dates:
            path[min((when - _EPOCH).days - today, len(days) - 1)] += amount_each
    running = int(cum[-1]) if len(cum) else 0
    reached = np.flatnonzero(running + np.cumsum(path) >= limit)
    return kst_date(float(days[reached[0]] if len(reached) else days[-1]))


def _upcoming(dues: list[recurring.Due]) -> tuple[UpcomingCharge, ...]:
    items: list[UpcomingCharge] = []
    for due in dues:
        left = due.remaining
        for when in reversed(due.dates):  # later charges are whole; the earliest takes the rest
            amount = min(due.series.amount, left)
            items.append(UpcomingCharge(due.series.merchant, int(amount), when))
            left -= amount
    return tuple(sorted(items, key=lambda item: (item.expected_date, item.merchant)))


__all__ = ["Forecast", "Params", "Parts", "UpcomingCharge", "forecast_bill", "forecast_parts"]

"""The variable (non-recurring) spend still to come this month.

Spend is intermittent and lumpy: most days nothing, now and then a large item. Rather than fit a
line, we read the line's own history: every window of the same length as the rest of the month
is one draw of "what this person spends in that many days". Recent windows weigh more. The
central forecast is a weighted quantile of those draws (absolute error is what we are scored on,
and for skewed sums the median-side beats the mean), scaled by how this month is going so far
compared with the usual pace (credibility-weighted, so one big early purchase moves it little).

Every draw can only grow when a payment is added, the weights do not depend on amounts, and the
pace factor grows with this month's spend: so the forecast never drops when a charge is added.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VariableParams:
    half_life_days: float = 365.0  # recency weight of a window, by how long ago it ended
    center_level: float = 0.45  # quantile of the window draws used as the point forecast
    pace_prior_days: float = 40.0  # credibility of history vs this month's pace, in days
    pace_day_cap_level: float = 0.75  # a day of this month counts up to this quantile of past days
    spread_levels: tuple[float, float] = (0.1, 0.9)


@dataclass(frozen=True)
class VariableForecast:
    center: float  # won expected in the remaining days
    down: float  # how far below the centre it plausibly lands (won, a scale, not a quantile)
    up: float  # how far above
    pace: float  # this month's pace factor


NONE = VariableForecast(center=0.0, down=0.0, up=0.0, pace=1.0)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, levels: tuple[float, ...]) -> list[float]:
    """Smallest values whose weighted share of draws at or below them reaches each level.

    The plain inverse of the step ECDF: raising any value can only lower the ECDF everywhere,
    so a quantile never falls (an interpolating rule would not guarantee that).
    """
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    index = np.searchsorted(cum, np.asarray(levels) * cum[-1], side="left")
    return [float(v) for v in values[order][np.minimum(index, len(values) - 1)]]


def remaining_spend(
    day: np.ndarray,
    amount: np.ndarray,
    first_day: int,
    as_of_t: float,
    month_t0: float,
    month_days: int,
    params: VariableParams,
) -> VariableForecast:
    """Forecast of variable spend in [as_of, month end) from variable payments (`day`: KST days).

    `first_day` is where the history starts (start of the first month seen); days without
    payments since then count as zero-spend days.
    """
    window = round(month_t0 + month_days - as_of_t)
    if window <= 0:
        return NONE
    today = int(np.floor(as_of_t))
    history_days = today - first_day  # complete days before today
    if history_days <= 0:
        return NONE
    done = day < today
    daily = np.bincount(day[done] - first_day, weights=amount[done], minlength=history_days)
    cum = np.concatenate(([0.0], np.cumsum(daily)))
    if history_days >= window:
        draws = cum[window:] - cum[:-window]
        age = history_days - np.arange(window, history_days + 1)
        weights = 0.5 ** (age / params.half_life_days)
    else:  # less history than days left: the whole history prorated is the only draw
        draws = np.array([cum[-1] * window / history_days])
        weights = np.ones(1)
    low, center, high = weighted_quantiles(
        draws, weights, (params.spread_levels[0], params.center_level, params.spread_levels[1])
    )
    # Few independent windows: the draws understate how unsure we are of the level itself.
    level = float(np.average(draws, weights=weights)) * np.sqrt(window / history_days)
    pace = _pace(day, amount, first_day, as_of_t, month_t0, daily, params)
    return VariableForecast(
        center=center * pace,
        down=float(np.hypot(center - low, level)) * pace,
        up=float(np.hypot(high - center, level)) * pace,
        pace=pace,
    )


def _pace(
    day: np.ndarray,
    amount: np.ndarray,
    first_day: int,
    as_of_t: float,
    month_t0: float,
    daily: np.ndarray,
    params: VariableParams,
) -> float:
    """How this month runs against the usual daily rate, credibility-weighted toward 1.

    pace = (k + spent_this_month / usual_rate) / (k + elapsed_days). Days are capped at a big
    past day first: a binge (buying until the limit declines) says little about the rest of
    the month. Everything but this month's spend comes from before the month, so a payment
    added this month can only raise the factor.
    """
    start = int(np.floor(month_t0))
    before = start - first_day
    if before <= 0:
        return 1.0
    past = daily[:before]
    active = past[past > 0]
    if not len(active):
        return 1.0
    cap = float(np.quantile(active, params.pace_day_cap_level))
    usual = float(np.minimum(past, cap).mean())
    this_month = day >= start
    per_day = np.bincount(day[this_month] - start, weights=amount[this_month])
    spent = float(np.minimum(per_day, cap).sum())
    k = params.pace_prior_days
    return (k + spent / usual) / (k + (as_of_t - month_t0))

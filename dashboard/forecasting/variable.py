"""The variable (non-recurring) spend still to come this month.

Spend is intermittent and lumpy: most days nothing, now and then a large item. Rather than fit a
line, we read the line's own history: every window of the same length as the rest of the month
is one draw of "what this person spends in that many days". Recent windows weigh more. The
central forecast is a weighted quantile of those draws (absolute error is what we are scored on,
and for skewed sums the median-side beats the mean), scaled by how this month is going so far
compared with the usual pace (credibility-weighted, so one big early purchase moves it little).

A line whose level has changed and stayed changed (spending halves from one month on, or grows
2.5×) is followed: when the last complete months sit clearly away from the months before them
(`level_shift`), the days before the change are rescaled to the new level before the draws and
the usual pace are read.

Every draw can only grow when a payment is added, the weights do not depend on amounts, a change
of level is read from the months before this one only, and the pace factor grows with this
month's spend: so the forecast never drops when a charge is added this month.
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
    # A change of level (see level_shift): False gives the method before it (the backtest's "before").
    level_shift: bool = True
    shift_min_months: int = 1  # complete months at the new level that can show a change
    shift_min_before: int = 3  # complete months before them to compare with
    shift_z: float = 2.0  # standard errors at which a change is believed half-way ...
    shift_slope: float = 3.0  # ... and how fast belief grows with them (logistic)
    shift_day_cap_level: float = 0.95  # a day counts at most this quantile of past days in a month's level
    shift_min_sd: float = 0.3  # floor of the month-to-month spread of the log level
    shift_max_ratio: float = 4.0  # a change is followed up to this factor either way
    shift_min_belief: float = 0.02  # below it, nothing changes (a stable line is left exactly as it was)

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
    before = int(np.floor(month_t0)) - first_day  # days of history before this month
    cap = _day_cap(daily[: max(before, 0)], params)
    shift, factor = level_shift(daily, first_day, before, params) if params.level_shift else (0, 1.0)
    if shift:  # the days before the change, rescaled to the new level
        daily = np.concatenate((daily[:shift] * factor, daily[shift:]))
        cum = np.concatenate(([0.0], np.cumsum(daily)))
        cap = _day_cap(daily[: max(before, 0)], params)
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
    pace = _pace(day, amount, first_day, as_of_t, month_t0, daily[:before], cap, params.pace_prior_days)
    return VariableForecast(
        center=center * pace,
        down=float(np.hypot(center - low, level)) * pace,
        up=float(np.hypot(high - center, level)) * pace,
        pace=pace,
    )


def _day_cap(past: np.ndarray, params: VariableParams, level: float | None = None) -> float | None:
    """A big past day (quantile of active days): a day counts at most this much in a level."""
    active = past[past > 0]
    return float(np.quantile(active, level or params.pace_day_cap_level)) if len(active) else None


def level_shift(daily: np.ndarray, first_day: int, before: int, params: VariableParams) -> tuple[int, float]:
    """Where the line's level changed and by what factor to rescale the days before: (0, 1.0) if not.

    On the complete months before this one, each day capped at a big past day (95% quantile of
    active days: a binge or a dawn burst is one lump, not a new level; a bigger everyday spend
    is), in logs: the last r months against the earlier ones (at least shift_min_before of them),
    z = gap of the means / its standard error (the spread is the earlier months' own). For r ≥ 2
    every recent month must lie on the same side. The clearest r wins; belief
    p = logistic((z − shift_z) × shift_slope), and the days before the change are scaled by
    (recent mean / earlier mean) ** p, clipped to shift_max_ratio — a little for a month that is
    merely unusual, the whole way for a change that shows over months. A drop needs spending in
    every recent month: nothing at all is a pause (a gamer's break), which usually ends. Only
    months before this one are read, so a charge added this month cannot move it."""
    cap = _day_cap(daily[: max(before, 0)], params, params.shift_day_cap_level)
    if cap is None:
        return 0, 1.0
    first = np.datetime64(first_day, "D").astype("datetime64[M]")
    last = np.datetime64(first_day + before, "D").astype("datetime64[M]")
    edges = np.arange(first, last + 1).astype("datetime64[D]").astype(np.int64) - first_day
    if len(edges) - 1 < params.shift_min_months + params.shift_min_before:
        return 0, 1.0
    capped = np.concatenate(([0.0], np.cumsum(np.minimum(daily[:before], cap))))
    totals = capped[edges[1:]] - capped[edges[:-1]]
    logs = np.log(totals + cap)  # one big day of slack: an empty month is not minus infinity
    n = len(logs)
    r = np.arange(params.shift_min_months, n - params.shift_min_before + 1)  # months at the new level
    if not len(r):
        return 0, 1.0
    # Every r at once (a forecast has a budget of a few ms): prefix sums for the earlier months,
    # running extremes from the end for the recent ones.
    k = n - r  # earlier months
    prefix, prefix2 = np.cumsum(logs), np.cumsum(logs**2)
    old_mean = prefix[k - 1] / k
    old_sd = np.sqrt(np.maximum((prefix2[k - 1] - k * old_mean**2) / (k - 1), 0.0))
    new_mean = (prefix[-1] - prefix[k - 1]) / r
    gap = new_mean - old_mean
    tail_min = np.minimum.accumulate(logs[::-1])[::-1][k]
    tail_max = np.maximum.accumulate(logs[::-1])[::-1][k]
    spends = np.minimum.accumulate(totals[::-1])[::-1][k] > 0
    same_side = np.where(gap > 0, tail_min > old_mean, (tail_max < old_mean) & spends)
    z = np.where(same_side, np.abs(gap) / (np.maximum(old_sd, params.shift_min_sd) * np.sqrt(1 / r + 1 / k)), 0.0)
    pick = int(np.argmax(z))  # the first of equal ones: the fewest recent months
    best = float(z[pick])
    start = int(edges[k[pick]]) if best > 0 else 0
    sums = np.cumsum(totals)
    ratio = float((sums[-1] - sums[k[pick] - 1]) / r[pick] / max(sums[k[pick] - 1] / k[pick], 1e-9))
    belief = 1.0 / (1.0 + np.exp(-(best - params.shift_z) * params.shift_slope))
    if not start or belief < params.shift_min_belief:
        return 0, 1.0
    ratio = min(max(ratio, 1 / params.shift_max_ratio), params.shift_max_ratio)
    return start, ratio**belief


def _pace(
    day: np.ndarray,
    amount: np.ndarray,
    first_day: int,
    as_of_t: float,
    month_t0: float,
    past: np.ndarray,
    cap: float | None,
    k: float,
) -> float:
    """How this month runs against the usual daily rate, credibility-weighted toward 1.

    pace = (k + spent_this_month / usual_rate) / (k + elapsed_days), k days of credibility. Days are capped at a big
    past day first: a binge (buying until the limit declines) says little about the rest of
    the month. `past` is the days before the month (since a change of level, if any): everything
    but this month's spend comes from before the month, so a payment added this month can only
    raise the factor.
    """
    if cap is None or not len(past):
        return 1.0
    usual = float(np.minimum(past, cap).mean())
    if usual <= 0:
        return 1.0
    start = int(np.floor(month_t0))
    this_month = day >= start
    per_day = np.bincount(day[this_month] - start, weights=amount[this_month])
    spent = float(np.minimum(per_day, cap).sum())
    return (k + spent / usual) / (k + (as_of_t - month_t0))

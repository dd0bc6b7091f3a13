"""Detecting 자동결제 (subscriptions) and projecting the charges still due this month.

A series is one merchant charging one price at a steady weekly or monthly rhythm; a monthly
series may change its price once in a while (price rises of +20–60% are common), which is
followed as long as the new price keeps the old rhythm. Only payments before the billing month
are used to *detect* series, so a charge added this month can never switch a series off; this
month's matching payments only count as already paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from dashboard.forecasting.frame import Payments, kst_date

# A payment this month belongs to a series if within ±15% of its price.
AMOUNT_TOLERANCE = 0.15
MONTH_GAP = (25.0, 35.0)  # days between two monthly charges (inclusive)
WEEK_SLACK = 1.0  # weekly gaps are 7, 14 or 21 days ± this (an auto top-up skips weeks)
MAX_WEEK_GAP = 22.0
MIN_REGULAR_SHARE = 0.8  # of the recent gaps that must fit the rhythm
MIN_WEEKLY = 4
MIN_MONTHLY = 3
# Two charges a month apart on the same day of month are already a subscription if the
# merchant charged that price nowhere else (a new 자동결제 shows up in its second month).
MIN_MONTHLY_SAME_DAY = 2
SAME_DAY_SLACK = 2
# A series is alive if it charged within one period (+ slack) before the month started.
ALIVE_DAYS = {"weekly": 15.0, "monthly": 38.0}
# A charge projected this many days before `as_of` and not seen yet may still be on its way.
GRACE_DAYS = 1.0
# Chance that a monthly charge projected for this month really comes (cancelled, failed).
MONTHLY_CHANCE = 0.95


@dataclass(frozen=True)
class Series:
    """A detected recurring series."""

    code: int
    merchant: str
    period: str  # "weekly" | "monthly"
    amount: int  # latest price
    last_t: float  # KST float days of the latest charge before the month
    members: np.ndarray  # indices into Payments of the series' charges (before the month)
    hit_rate: float = 1.0  # share of weekly slots that were charged (top-ups skip weeks)

    def matches(self, amounts: np.ndarray) -> np.ndarray:
        return np.abs(amounts - self.amount) <= AMOUNT_TOLERANCE * self.amount

    def projected(self, month_t0: float, month_days: int) -> np.ndarray:
        """KST float days of the charges this series should make in the month."""
        if self.period == "weekly":
            first = self.last_t + 7.0 * np.ceil((month_t0 - self.last_t) / 7.0)
            return np.arange(first, month_t0 + month_days, 7.0)
        day_of_month = kst_date(self.last_t).day
        offset = min(day_of_month, month_days) - 1 + (self.last_t % 1.0)
        return np.array([month_t0 + offset])


@dataclass(frozen=True)
class Due:
    """What a series still owes this month."""

    series: Series
    remaining: int
    dates: list[date]  # expected dates of the remaining charges
    paid_index: np.ndarray  # this month's payments matched to the series
    spread: float = 0.0  # standard deviation of `remaining` (each charge may not come)


def detect(payments: Payments, before_t: float) -> list[Series]:
    """All recurring series in the payments before `before_t` (alive or not).

    Candidates are (merchant, exact price) groups — a subscription repeats its price to the
    won — whose gaps fit a rhythm; the rhythm test runs on all groups at once.
    """
    cut = int(np.searchsorted(payments.t, before_t))
    if cut < MIN_MONTHLY_SAME_DAY:
        return []
    t = payments.t[:cut]
    key = payments.merchant[:cut] * (1 << 32) + payments.amount[:cut]
    order = np.lexsort((t, key))
    key, t = key[order], t[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    group = np.cumsum(np.r_[True, key[1:] != key[:-1]]) - 1
    count = np.diff(np.r_[starts, len(key)])
    gaps = np.diff(t, prepend=t[0])
    first = np.zeros(len(t), dtype=bool)
    first[starts] = True
    n_gaps = np.maximum(count - 1, 1)
    monthly = _share(group, ~first & (gaps >= MONTH_GAP[0]) & (gaps <= MONTH_GAP[1]), n_gaps)
    weeks = gaps / 7.0
    on_week = (np.abs(weeks - np.round(weeks)) * 7.0 <= WEEK_SLACK) & (gaps >= 6.0) & (gaps <= MAX_WEEK_GAP)
    weekly = _share(group, ~first & on_week, n_gaps)
    one_week = _share(group, ~first & (np.abs(gaps - 7.0) <= WEEK_SLACK), n_gaps)
    is_weekly = (count >= MIN_WEEKLY) & (weekly >= MIN_REGULAR_SHARE) & (one_week >= 0.5)
    is_monthly = ~is_weekly & (monthly >= MIN_REGULAR_SHARE) & (count >= MIN_MONTHLY_SAME_DAY)
    dom = payments.day_of_month[:cut][order]
    for g in np.flatnonzero(is_monthly & (count < MIN_MONTHLY)):  # few: checked one by one
        days = dom[starts[g] : starts[g] + count[g]]
        is_monthly[g] = days.max() - days.min() <= SAME_DAY_SLACK
    taken = np.zeros(cut, dtype=bool)
    found: list[Series] = []
    # Oldest first (starts are sorted by key, so order by first charge), so that a series that
    # changed price claims its new-price charges before they can be read as a second series.
    candidates = np.flatnonzero(is_weekly | is_monthly)
    for g in candidates[np.argsort(t[starts[candidates]], kind="stable")]:
        rows = order[starts[g] : starts[g] + count[g]]
        if taken[rows].any():
            continue
        series = _series_of(payments, rows, cut, "weekly" if is_weekly[g] else "monthly")
        taken[series.members] = True
        found.append(series)
    return found


def _share(group: np.ndarray, flags: np.ndarray, n_gaps: np.ndarray) -> np.ndarray:
    return np.bincount(group, weights=flags, minlength=len(n_gaps)) / n_gaps


def _series_of(payments: Payments, rows: np.ndarray, cut: int, period: str) -> Series:
    members = rows
    hit_rate = 1.0
    if period == "weekly":
        times = payments.t[rows]
        slots = max(1.0, np.round((times[-1] - times[0]) / 7.0) + 1)
        hit_rate = min(1.0, len(times) / slots)
    else:
        members = _follow_price_change(payments, rows, cut)
    last = members[-1]
    return Series(
        code=int(payments.merchant[last]),
        merchant=str(payments.names[payments.merchant[last]]),
        period=period,
        amount=int(payments.amount[last]),
        last_t=float(payments.t[last]),
        members=members,
        hit_rate=hit_rate,
    )


def _follow_price_change(payments: Payments, rows: np.ndarray, cut: int) -> np.ndarray:
    """Extend a monthly series past its last charge with the same merchant's next charges a
    month apart on about the same day, whatever their new price (then kept within tolerance).
    Of several candidates, one whose price is charged again a month later wins: a game bought at the
    same store minutes before the renewal at a new price is not the renewal."""
    members = list(rows)
    code = payments.merchant[rows[0]]
    price = None
    while True:
        last_t = payments.t[members[-1]]
        candidates = _month_later(payments, last_t, code, cut)
        if price is not None:
            candidates = candidates[np.abs(payments.amount[candidates] - price) <= AMOUNT_TOLERANCE * price]
        if not len(candidates):
            return np.array(members, dtype=np.int64)
        if len(candidates) > 1:
            continued = np.array([_charged_again(payments, int(c), code, cut) for c in candidates])
            candidates = candidates[continued] if continued.any() else candidates
        step = int(candidates[np.argmin(np.abs(payments.t[candidates] - last_t - 30.4))])
        members.append(step)
        price = payments.amount[step]


def _month_later(payments: Payments, t: float, code: int, cut: int) -> np.ndarray:
    """Indices of the merchant's payments (before `cut`) a month (MONTH_GAP) after `t`."""
    lo = int(np.searchsorted(payments.t, t + MONTH_GAP[0]))
    hi = int(np.searchsorted(payments.t, t + MONTH_GAP[1], side="right"))
    return lo + np.flatnonzero(payments.merchant[lo : min(hi, cut)] == code)


def _charged_again(payments: Payments, index: int, code: int, cut: int) -> bool:
    later = _month_later(payments, payments.t[index], code, cut)
    price = payments.amount[index]
    return bool((np.abs(payments.amount[later] - price) <= AMOUNT_TOLERANCE * price).any())


def due_this_month(
    payments: Payments,
    series: list[Series],
    month_t0: float,
    month_days: int,
    as_of_t: float,
) -> list[Due]:
    """Remaining charges of the alive series, net of what they already charged this month.

    remaining = min(charges still ahead × price, charges this month × price − paid so far)
    (weekly counts scaled by the hit rate). It falls by at most what a new matching payment
    adds to the bill, so the total never drops.
    """
    start = int(np.searchsorted(payments.t, month_t0))
    dues: list[Due] = []
    for item in series:
        if month_t0 - item.last_t > ALIVE_DAYS[item.period]:
            continue
        in_month = start + np.flatnonzero(payments.merchant[start:] == item.code)
        paid_index = in_month[item.matches(payments.amount[in_month])]
        paid = float(payments.amount[paid_index].sum())
        planned = item.projected(month_t0, month_days)
        ahead = planned[planned >= as_of_t - GRACE_DAYS]
        # Each charge counts whole (the likely outcome); that it may not come goes to `spread`.
        remaining = int(max(0.0, min(len(ahead) * item.amount, len(planned) * item.amount - paid)))
        count = min(len(ahead), -(-remaining // item.amount)) if item.amount else 0
        today = kst_date(as_of_t)
        dates = [max(kst_date(t), today) for t in ahead[len(ahead) - count :]] if count else []
        chance = item.hit_rate if item.period == "weekly" else MONTHLY_CHANCE
        spread = item.amount * float(np.sqrt(count * chance * (1.0 - chance)))
        dues.append(Due(item, remaining, dates, paid_index, spread))
    return dues

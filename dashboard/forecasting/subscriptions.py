"""Subscriptions (자동결제) in one line's history: what /subscriptions lists and the two alerts watch.

Built on the forecast's detector (recurring.detect: weekly and monthly series of one merchant and price,
price changes followed), with a stricter test before a series is called a subscription, since a wrong
"you pay this every month" on a page or in an alert is worse than a small forecast error:

- a monthly series needs CONFIRM_CHARGES charges, most of them on its usual day of the month (±1 day) and at
  its usual time of day (±3 hours), as a billing system charges; a weekly one keeps its weekday and time.
  A marked charge (자동결제, by the carrier or the merchant: `marked`) skips those tests, and two monthly
  charges are then enough;
- a new price counts once it was charged twice (or once, marked): a single charge at another price
  after the last renewal may be a one-off purchase at the same merchant (a game bought on Google Play a
  day before the YouTube renewal), so it stays `pending` and the subscription keeps its price;
- yearly series (two marked charges a year apart) are found here only: amounts alone cannot tell a
  yearly plan from a purchase repeated a year later.

Everything works on `frame.Payments` (KST float days); docs/subscriptions.md has the rules in prose.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from calendar import monthrange
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from dashboard.forecasting import recurring
from dashboard.forecasting.frame import Payments, kst_date

CONFIRM_CHARGES = 3  # unmarked monthly charges before a series is a subscription
# Days a renewal may move off its usual day (a failed renewal retried the next day). The forecast allows
# two; a child buying the monthly game pass on the 2nd, 4th or 5th would pass for a subscription then.
SAME_DAY_SLACK = 1
MIN_STEADY_SHARE = recurring.MIN_REGULAR_SHARE  # of the charges that must keep the day and the time
SAME_TIME_SLACK = 3.0  # hours a renewal may move off its usual time of day
YEAR_GAP = (358.0, 373.0)  # days between two yearly charges (inclusive)
# A subscription is running while its next charge is at most this late (beyond that it has stopped).
ALIVE_DAYS = {**recurring.ALIVE_DAYS, "yearly": 380.0}
PER_YEAR = {"weekly": 52.0, "monthly": 12.0, "yearly": 1.0}


@dataclass(frozen=True)
class PriceChange:
    on: date
    old: int
    new: int


@dataclass(frozen=True)
class Subscription:
    merchant: str
    cadence: str  # CADENCES
    amount: int  # the current (last confirmed) price
    members: np.ndarray  # indices into Payments of its confirmed charges, in time order
    day: int  # usual day of the month (monthly) or weekday 0=Mon (weekly) or day of month (yearly)
    next_date: date | None  # None once it has stopped (no charge for longer than a period)
    changes: tuple[PriceChange, ...] = ()
    pending: int | None = None  # index of a charge at a new price, not confirmed yet
    hit_rate: float = 1.0  # share of weekly slots charged (an auto top-up skips weeks)

    @property
    def active(self) -> bool:
        return self.next_date is not None

    @property
    def yearly_cost(self) -> int:
        return round(self.amount * PER_YEAR[self.cadence] * self.hit_rate) if self.active else 0

    def dates_in(self, first: date, last: date) -> list[date]:
        """The expected charge dates from `first` to `last` (inclusive), starting at next_date."""
        if self.next_date is None:
            return []
        out, when = [], self.next_date
        while when <= last:
            if when >= first:
                out.append(when)
            when = _step(when, self.cadence, self.day)
        return out


def find(payments: Payments, now_t: float, marked: np.ndarray | None = None) -> list[Subscription]:
    """Every subscription in the payments before `now_t` (running or stopped), by merchant then start.
    `marked`: per payment, whether it is marked 자동결제 (pay_type "recurring"); None = nothing known."""
    marked = np.zeros(len(payments), dtype=bool) if marked is None else np.asarray(marked, dtype=bool)
    found: list[Subscription] = []
    taken = np.zeros(len(payments), dtype=bool)
    for series in recurring.detect(payments, now_t):
        taken[series.members] = True
        confirmed = _confirm(payments, series, marked, now_t)
        if confirmed is not None:
            found.append(confirmed)
    found += _yearly(payments, marked & ~taken, now_t)
    return sorted(found, key=lambda s: (s.merchant, float(payments.t[s.members[0]])))


# ---- weekly and monthly: the forecast's series, confirmed -----------------------------------------

def _confirm(payments: Payments, series: recurring.Series, marked: np.ndarray, now_t: float) -> Subscription | None:
    """The series as a subscription, or None when its charges could be a habit rather than a plan:
    unless one is marked 자동결제, they must keep one day (of the month, or of the week) and one time
    of day, as a billing system does (a child buying the game pass early in each month does not)."""
    weekly = series.period == "weekly"
    members, pending = (series.members, None) if weekly else _confirmed_prices(payments, series.members, marked)
    trusted = bool(marked[members].any())
    if len(members) < (recurring.MIN_MONTHLY_SAME_DAY if trusted else CONFIRM_CHARGES):
        return None  # (weekly: detect already asks for MIN_WEEKLY charges)
    day, share = _usual_weekday(payments, members) if weekly else _usual_day(payments, members)
    if not trusted and min(share, _same_time_share(payments.t[members])) < MIN_STEADY_SHARE:
        return None
    return _subscription(payments, members, series.period, day, now_t, pending=pending,
                         hit_rate=series.hit_rate)


def _confirmed_prices(payments: Payments, members: np.ndarray, marked: np.ndarray) -> tuple[np.ndarray, int | None]:
    """The members up to the first price charged only once (and not marked), and that charge when it
    is the series' last one (a price change still to be confirmed)."""
    amounts = payments.amount[members].tolist()  # a dozen values: plain Python beats numpy's overhead here
    start = 0
    for k in range(1, len(amounts) + 1):
        if k < len(amounts) and amounts[k] == amounts[start]:
            continue
        if start and k - start == 1 and not marked[members[start]]:
            return members[:start], (int(members[start]) if k == len(amounts) else None)
        start = k
    return members, None


def _usual_day(payments: Payments, members: np.ndarray) -> tuple[int, float]:
    """The most common day of the month (the latest on a tie) and the share of charges within
    SAME_DAY_SLACK days of it (the day clamped to short months, wrapping across a month end)."""
    dates = [kst_date(t) for t in payments.t[members].tolist()]
    counts = Counter(when.day for when in dates)
    top = max(counts.values())
    day = max(d for d, n in counts.items() if n == top)
    return day, sum(_days_off(when, day) <= SAME_DAY_SLACK for when in dates) / len(dates)


def _days_off(when: date, day: int) -> int:
    """Days from `when` to the nearest date that is `day` of a month (clamped): its own or a neighbour's."""
    length = monthrange(when.year, when.month)[1]
    own = abs(when.day - min(day, length))
    if own <= SAME_DAY_SLACK:
        return own  # the usual case, without the neighbours' calendars
    before, after = (_add_months(when.replace(day=1), k) for k in (-1, 1))
    before_length, after_length = (monthrange(m.year, m.month)[1] for m in (before, after))
    return min(own, when.day + before_length - min(day, before_length), length - when.day + min(day, after_length))


def _usual_weekday(payments: Payments, members: np.ndarray) -> tuple[int, float]:
    """The most common weekday (0 = Monday) and the share of charges on it."""
    counts = Counter((math.floor(t) + 3) % 7 for t in payments.t[members].tolist())  # 1970-01-01: a Thursday
    weekday, top = counts.most_common(1)[0]
    return weekday, top / len(members)


def _same_time_share(t: np.ndarray) -> float:
    """The largest share of charges within SAME_TIME_SLACK hours of one of them (round the clock)."""
    hours = sorted((value % 1.0) * 24.0 for value in t.tolist())
    around = [h - 24.0 for h in hours] + hours + [h + 24.0 for h in hours]
    best = max(bisect_right(around, h + SAME_TIME_SLACK) - bisect_left(around, h - SAME_TIME_SLACK) for h in hours)
    return best / len(hours)


# ---- yearly: marked charges a year apart ---------------------------------------------------------

def _yearly(payments: Payments, free: np.ndarray, now_t: float) -> list[Subscription]:
    """Chains of marked charges of one merchant, each a year (YEAR_GAP) after the one before."""
    found = []
    candidates = np.flatnonzero(free)
    used: set[int] = set()
    for i in candidates:
        if int(i) in used:
            continue
        chain = [int(i)]
        while True:
            gaps = payments.t[candidates] - payments.t[chain[-1]]
            same = payments.merchant[candidates] == payments.merchant[chain[-1]]
            fits = candidates[same & (gaps >= YEAR_GAP[0]) & (gaps <= YEAR_GAP[1])]
            if not len(fits):
                break
            chain.append(int(fits[0]))
        if len(chain) >= 2:
            used.update(chain)
            members = np.array(chain, dtype=np.int64)
            found.append(_subscription(payments, members, "yearly", int(payments.day_of_month[chain[-1]]), now_t))
    return found


# ---- the common part -----------------------------------------------------------------------------

def _subscription(payments: Payments, members: np.ndarray, cadence: str, day: int, now_t: float, *,
                  pending: int | None = None, hit_rate: float = 1.0) -> Subscription:
    amounts = payments.amount[members].tolist()
    changes = tuple(PriceChange(kst_date(float(payments.t[members[k]])), amounts[k - 1], amounts[k])
                    for k in range(1, len(amounts)) if amounts[k] != amounts[k - 1])
    last = int(members[-1] if pending is None else max(members[-1], pending))
    return Subscription(
        merchant=str(payments.names[payments.merchant[members[-1]]]),
        cadence=cadence,
        amount=amounts[-1],
        members=members,
        day=day,
        next_date=_next_date(kst_date(payments.t[last]), cadence, day, payments.t[last], now_t),
        changes=changes,
        pending=pending,
        hit_rate=hit_rate,
    )


def _next_date(last: date, cadence: str, day: int, last_t: float, now_t: float) -> date | None:
    """The first charge expected after `last`, not before today (a renewal a day late is due today);
    None when the subscription has been quiet for longer than its period allows."""
    if now_t - last_t > ALIVE_DAYS[cadence]:
        return None
    today = kst_date(now_t)
    when = _step(last, cadence, day)
    if cadence == "weekly":
        while when < today:
            when += timedelta(days=7)
    return max(when, today)


def _step(when: date, cadence: str, day: int) -> date:
    if cadence == "weekly":
        return when + timedelta(days=7)
    if cadence == "yearly":
        return _on_day(_add_months(when.replace(day=1), 12), day)
    following = _on_day(_add_months(when.replace(day=1), 1), day)
    # A charge retried into the next month (day 31 → the 1st) still renews in the month after.
    return following if (following - when).days >= 25 else _on_day(_add_months(when.replace(day=1), 2), day)


def _add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _on_day(first: date, day: int) -> date:
    return first.replace(day=min(day, monthrange(first.year, first.month)[1]))

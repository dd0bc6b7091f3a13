"""Alert rules as pure functions: plain values in, a `Finding` (or None) out. No database, no Flask.

Each finding carries its `rule_key`, unique per line in the store, which is what makes a rule fire
once: "budget:80:2026-11" once per month and threshold, "fraud_night:2026-11-25" once per pattern
and KST day (the day the burst started), "large:<transaction id>" once per charge.
The engine (engine.py) gathers the values with bounded queries and stores what fires.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from dashboard.text.formatting import won
from data.vocab import ALERT_KINDS, to_kst

KINDS = ALERT_KINDS
# Kinds whose mail carries a "block now" link: the charge may not be the owner's.
BLOCKABLE = ("fraud_burst", "large_charge", "auth_code_burst")
PATTERNS = ("night", "voucher", "small")


@dataclass(frozen=True)
class Charge:
    """The few columns of a transaction the rules look at."""

    id: int
    occurred_at: datetime  # aware
    amount: int
    merchant: str
    merchant_key: str
    category: str
    status: str  # approved | declined | cancelled
    decline_reason: str | None = None
    cancels_id: int | None = None

    @property
    def is_attempt(self) -> bool:
        """A try to pay (approved or declined by the limit), not a cancellation or a blocked try:
        a fraudster's attempts count even when the limit stops them."""
        return self.status in ("approved", "declined") and self.cancels_id is None and self.decline_reason != "blocked"


@dataclass(frozen=True)
class Finding:
    kind: str
    rule_key: str
    message_key: str  # dashboard/text/messages/alerts.py; rendered with `values`
    values: dict[str, Any]
    detail: dict[str, Any] = field(default_factory=dict)
    block_link: bool = False


class FraudSettings(Protocol):
    fraud_night_start_hour: int
    fraud_night_end_hour: int
    fraud_night_count: int
    fraud_night_window_minutes: int
    fraud_voucher_categories: str
    fraud_voucher_count: int
    fraud_voucher_window_minutes: int
    fraud_small_count: int
    fraud_small_max_amount: int
    fraud_small_window_minutes: int


@dataclass(frozen=True)
class FraudParams:
    night_start: int = 0
    night_end: int = 6
    night_count: int = 3
    night_window: timedelta = timedelta(minutes=60)
    voucher_categories: frozenset[str] = frozenset({"gift_voucher", "game", "transport"})
    voucher_count: int = 3
    voucher_window: timedelta = timedelta(minutes=30)
    small_count: int = 5
    small_max: int = 10_000
    small_window: timedelta = timedelta(minutes=10)

    @classmethod
    def from_settings(cls, s: FraudSettings) -> FraudParams:
        return cls(
            night_start=s.fraud_night_start_hour, night_end=s.fraud_night_end_hour,
            night_count=s.fraud_night_count, night_window=timedelta(minutes=s.fraud_night_window_minutes),
            voucher_categories=frozenset(c.strip() for c in s.fraud_voucher_categories.split(",") if c.strip()),
            voucher_count=s.fraud_voucher_count, voucher_window=timedelta(minutes=s.fraud_voucher_window_minutes),
            small_count=s.fraud_small_count, small_max=s.fraud_small_max_amount,
            small_window=timedelta(minutes=s.fraud_small_window_minutes),
        )

    @property
    def widest(self) -> timedelta:
        return max(self.night_window, self.voucher_window, self.small_window)


# ---- shared formatting -------------------------------------------------------------------------

def kst_text(moment: datetime) -> str:
    return to_kst(moment).strftime("%Y-%m-%d %H:%M")


def short_key(text: str) -> str:
    """A merchant key short enough for rule_key (String(120)); long ones are hashed."""
    return text if len(text) <= 60 else hashlib.sha256(text.encode()).hexdigest()[:24]


def charge_values(line: str, charge: Charge) -> dict[str, Any]:
    return {"line": line, "merchant": charge.merchant, "amount": won(charge.amount),
            "time": kst_text(charge.occurred_at)}


def charge_detail(charge: Charge) -> dict[str, Any]:
    return {"transaction_id": charge.id, "merchant": charge.merchant, "amount": charge.amount,
            "occurred_at": charge.occurred_at.isoformat()}


def with_trigger(finding: Finding | None, charge: Charge) -> Finding | None:
    """A month-level finding (budget level, forecast) with the charge that made it fire, so its mail
    can name the merchant, the amount and the KST time like every other alert."""
    if finding is None:
        return None
    return replace(finding, detail={**charge_detail(charge), **finding.detail})


# ---- budget ------------------------------------------------------------------------------------

def parse_thresholds(text: str | Iterable[int]) -> list[int]:
    """"50,80,100" → [50, 80, 100]. Raises ValueError on anything else."""
    items = text.split(",") if isinstance(text, str) else list(text)
    return [int(str(item).strip()) for item in items if str(item).strip()]


def budget_threshold(line: str, month: str, used: int, budget: int, thresholds: Sequence[int],
                     fired: Iterable[int]) -> Finding | None:
    """The highest threshold reached this month, unless it or a higher one already fired.

    "Reached" rather than "crossed by this charge": a missed evaluation (or a budget set mid-month)
    is caught by the next charge. Lower thresholds jumped over stay quiet (one alert, not three).
    """
    if budget <= 0:
        return None
    reached = [pct for pct in thresholds if used * 100 >= budget * pct]
    if not reached:
        return None
    top = max(reached)
    if any(pct >= top for pct in fired):
        return None
    key = "alerts.msg.budget_over" if top >= 100 else "alerts.msg.budget_threshold"
    return Finding(
        "budget_threshold", f"budget:{top}:{month}", key,
        {"line": line, "month": month, "threshold": top, "used": won(used), "budget": won(budget)},
        {"month": month, "threshold": top, "used": used, "budget": budget},
    )


def forecast_over_budget(line: str, month: str, used: int, budget: int, expected: int,
                         p_exceed: float | None, p_min: float) -> Finding | None:
    """The forecast bill goes over the budget although spending is still under it."""
    if budget <= 0 or used >= budget or expected <= budget:
        return None
    if p_exceed is not None and p_exceed < p_min:
        return None
    percent = round((p_exceed if p_exceed is not None else 1.0) * 100)
    return Finding(
        "forecast_over_budget", f"forecast:{month}", "alerts.msg.forecast",
        {"line": line, "month": month, "expected": won(expected), "budget": won(budget), "p": percent},
        {"month": month, "expected": expected, "budget": budget, "used": used, "p_exceed": p_exceed},
    )


# ---- single charges ----------------------------------------------------------------------------

def large_charge(line: str, charge: Charge, threshold: int | None) -> Finding | None:
    if not threshold or charge.status != "approved" or charge.amount < threshold:
        return None
    return Finding(
        "large_charge", f"large:{charge.id}", "alerts.msg.large_charge",
        {**charge_values(line, charge), "threshold": won(threshold)},
        {**charge_detail(charge), "threshold": threshold}, block_link=True,
    )


def new_merchant(line: str, charge: Charge, *, seen_before: bool, has_history: bool) -> Finding | None:
    """First approved charge from a merchant on a line that has history (a new line's first
    charges would all be "new")."""
    if charge.status != "approved" or seen_before or not has_history or not charge.merchant_key:
        return None
    return Finding(
        "new_merchant", f"merchant:{short_key(charge.merchant_key)}", "alerts.msg.new_merchant",
        charge_values(line, charge), charge_detail(charge),
    )


def blocked_attempt(line: str, charge: Charge) -> Finding | None:
    """A try on a blocked line. One alert per KST hour: an attacker retrying is one story."""
    if charge.status != "declined" or charge.decline_reason != "blocked":
        return None
    hour = to_kst(charge.occurred_at).strftime("%Y-%m-%dT%H")
    return Finding(
        "blocked_attempt", f"blocked:{hour}", "alerts.msg.blocked_attempt",
        charge_values(line, charge), charge_detail(charge),
    )


# ---- fraud bursts ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Burst:
    pattern: str
    charges: tuple[Charge, ...]  # in time order

    @property
    def start(self) -> datetime:
        return self.charges[0].occurred_at

    @property
    def day(self) -> str:
        """The KST day the burst started: the day part of its rule key."""
        return to_kst(self.start).date().isoformat()

    @property
    def total(self) -> int:
        return sum(c.amount for c in self.charges)


def burst_around(events: Sequence[Charge], at: Charge, window: timedelta, count: int) -> tuple[Charge, ...] | None:
    """The earliest run of ≥ `count` events within `window` that includes `at` (events sorted by time)."""
    for i, first in enumerate(events):
        if first.occurred_at > at.occurred_at:
            break
        if first.occurred_at < at.occurred_at - window:
            continue
        end = first.occurred_at + window
        run = tuple(e for e in events[i:] if e.occurred_at <= end)
        if len(run) >= count and at.occurred_at <= end:
            return run
    return None


def is_night(moment: datetime, params: FraudParams) -> bool:
    hour = to_kst(moment).hour
    return params.night_start <= hour < params.night_end


def _sorted_attempts(charges: Iterable[Charge]) -> list[Charge]:
    return sorted((c for c in charges if c.is_attempt), key=lambda c: (c.occurred_at, c.id))


def could_burst(charge: Charge, params: FraudParams) -> bool:
    """Whether `charge` can be part of any pattern at all: most daytime charges cannot, and then the
    engine skips the query for the charges around it."""
    return charge.is_attempt and (
        is_night(charge.occurred_at, params) or charge.category in params.voucher_categories
        or (charge.amount <= params.small_max and bool(charge.merchant_key)))


def fraud_bursts(charge: Charge, nearby: Iterable[Charge], params: FraudParams) -> list[Burst]:
    """The fraud patterns that `charge` completes or continues, given the charges around it
    (`nearby` may include `charge` itself; at least ± the widest window)."""
    if not could_burst(charge, params):
        return []
    pool = {c.id: c for c in nearby}
    pool[charge.id] = charge
    attempts = _sorted_attempts(pool.values())
    found: list[Burst] = []
    if is_night(charge.occurred_at, params):
        night = [c for c in attempts if is_night(c.occurred_at, params)]
        run = burst_around(night, charge, params.night_window, params.night_count)
        if run:
            found.append(Burst("night", run))
    if charge.category in params.voucher_categories:
        vouchers = [c for c in attempts if c.category in params.voucher_categories]
        run = burst_around(vouchers, charge, params.voucher_window, params.voucher_count)
        if run:
            found.append(Burst("voucher", run))
    if charge.amount <= params.small_max and charge.merchant_key:
        small = [c for c in attempts if c.merchant_key == charge.merchant_key and c.amount <= params.small_max]
        run = burst_around(small, charge, params.small_window, params.small_count)
        if run:
            found.append(Burst("small", run))
    return found


def fraud_key(burst: Burst) -> str:
    return f"fraud_{burst.pattern}:{burst.day}"


def fraud_finding(line: str, charge: Charge, bursts: Sequence[Burst], reported: Iterable[str]) -> Finding | None:
    """One alert for the patterns not yet reported that day. A dawn burst of vouchers is both
    "night" and "voucher": one alert names both, and neither fires again that day."""
    done = set(reported)
    fresh = [b for b in bursts if fraud_key(b) not in done]
    if not fresh:
        return None
    members = {c.id: c for b in bursts for c in b.charges}
    run = sorted(members.values(), key=lambda c: (c.occurred_at, c.id))
    patterns = [b.pattern for b in bursts]
    return Finding(
        "fraud_burst", fraud_key(fresh[0]), "alerts.msg.fraud",
        {"line": line, "patterns": patterns, "count": len(run), "total": won(sum(c.amount for c in run)),
         "time": kst_text(run[0].occurred_at), "merchant": charge.merchant},
        {"patterns": patterns, "keys": [fraud_key(b) for b in bursts], "count": len(run),
         "total": sum(c.amount for c in run), "transaction_ids": [c.id for c in run][:50],
         "first_at": run[0].occurred_at.isoformat(), **charge_detail(charge)},
        block_link=True,
    )


def bursts_in(charges: Iterable[Charge], params: FraudParams) -> list[Burst]:
    """Every distinct burst in a history (imports): what `fraud_bursts` finds for each charge in
    time order, keeping the first burst per key — computed per pattern stream in O(n log n), since
    an import of 100k rows made the per-charge scan the slowest part of the import."""
    attempts = _sorted_attempts(charges)
    best: dict[str, tuple[tuple[int, int], Burst]] = {}  # key: (charge that found it first, burst)
    for pattern, events, window, count in _streams(attempts, params):
        keyed: dict[int, tuple[str, Burst]] = {}  # per run start: most charges of a burst find the same run
        for trigger, start, end in _first_runs(events, window, count):
            if start not in keyed:
                burst = Burst(pattern, tuple(c for _, c in events[start:end]))
                keyed[start] = (fraud_key(burst), burst)
            key, burst = keyed[start]
            order = (trigger, PATTERNS.index(pattern))  # a charge tries night, voucher, small in turn
            if key not in best or order < best[key][0]:
                best[key] = (order, burst)
    return [burst for _, burst in sorted(best.values(), key=lambda item: item[0])]


Stream = tuple[str, list[tuple[int, Charge]], timedelta, int]


def _streams(attempts: Sequence[Charge], params: FraudParams) -> list[Stream]:
    """(pattern, [(position in attempts, charge)], window, count): the charges each pattern counts,
    as fraud_bursts filters them; the small pattern has one stream per merchant."""
    night: list[tuple[int, Charge]] = []
    vouchers: list[tuple[int, Charge]] = []
    small: dict[str, list[tuple[int, Charge]]] = {}
    for position, c in enumerate(attempts):
        if is_night(c.occurred_at, params):
            night.append((position, c))
        if c.category in params.voucher_categories:
            vouchers.append((position, c))
        if c.amount <= params.small_max and c.merchant_key:
            small.setdefault(c.merchant_key, []).append((position, c))
    return [("night", night, params.night_window, params.night_count),
            ("voucher", vouchers, params.voucher_window, params.voucher_count),
            *(("small", events, params.small_window, params.small_count) for events in small.values())]


def _first_runs(events: Sequence[tuple[int, Charge]], window: timedelta,
                count: int) -> Iterator[tuple[int, int, int]]:
    """For each event that `burst_around` gives a run: (its position in attempts, the run's first and
    end index in `events`). The run starts at the earliest event in [t − window, t] that has ≥ count
    events within `window` from it, and holds those events."""
    times = [c.occurred_at for _, c in events]
    ends = [bisect_right(times, t + window) for t in times]
    following = [len(events)] * (len(events) + 1)  # the first index ≥ i whose run is long enough
    for i in range(len(events) - 1, -1, -1):
        following[i] = i if ends[i] - i >= count else following[i + 1]
    for trigger, charge in events:
        start = following[bisect_left(times, charge.occurred_at - window)]
        if start < len(events) and times[start] <= charge.occurred_at:
            yield trigger, start, ends[start]

"""The two subscription alerts as a pure rule: a new subscription, and a subscription's price rise.

A charge is compared with the same merchant's earlier charges (data.subscriptions.merchant_history):
the subscriptions found without it (dashboard.forecasting.subscriptions.find) against those found with
it. It starts a subscription when it is a confirmed charge of one that shared no charge with any found
before; it raises a price when the subscription it continues was found before at a lower price. With the
stricter confirmation of find(), a new monthly subscription is told at its third charge (its second
when marked 자동결제) and a price rise at the second charge at the new price (the first when marked).

Rule keys (unique per line, so each fires once): `subscription_new:<merchant>:<first price>` and
`subscription_price_rise:<merchant>:<new price>`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import numpy as np

from dashboard.alerts.rules import Charge, Finding, charge_detail, charge_values, short_key
from dashboard.forecasting.frame import Payments
from dashboard.forecasting.memo import Memo
from dashboard.forecasting.subscriptions import SAME_TIME_SLACK, Subscription, find
from dashboard.text.formatting import won
from data.subscriptions import RHYTHM_DAYS
from data.vocab import to_kst, usage_month

NOT_A_SUBSCRIPTION = "not_subscription"
# An earlier charge this many days before the new one can make it part of a rhythm; otherwise skip.
RHYTHM_GAPS = RHYTHM_DAYS
CADENCE_GAP = {"weekly": 0, "monthly": 1, "yearly": 2}  # which of RHYTHM_DAYS is a cadence's gap
_AFTER = 1e-6  # days: "now" just after the new charge


class PastCharge(Protocol):
    id: int
    occurred_at: datetime
    amount: int
    status: str
    cancels_id: int | None
    refund: bool
    pay_type: str | None


def findings(line: str, charge: Charge, pay_type: str | None, history: Sequence[PastCharge],
             mark: str | None) -> list[Finding]:
    """What `charge` (approved) tells about the merchant's subscriptions, given its earlier charges
    (newest first, as merchant_history reads them) and the merchant's mark on the line."""
    if charge.status != "approved" or charge.cancels_id is not None or mark == NOT_A_SUBSCRIPTION:
        return []
    times, amounts, marked = _net_payments(history)
    [t] = _kst_days([charge.occurred_at])
    is_marked = pay_type == "recurring"
    if not _could_repeat(times, amounts, t, charge.amount, is_marked):
        return []
    before = _found(charge.merchant, times, amounts, marked)
    if _renews(before, times, t, charge.amount):
        return []  # the next charge of a subscription known at this price: nothing new
    new = len(times)
    after = _found(charge.merchant, [*times, t], [*amounts, charge.amount], [*marked, is_marked])
    started = next((s for s in after if new in s.members), None)
    if started is None:
        return []
    known = [s for s in before if np.isin(s.members, started.members).any()]
    if not known:
        return [_new(line, charge, started)]
    old = known[-1].amount
    return [_price_rise(line, charge, started, old)] if started.amount > old else []


# find() costs a few tenths of a millisecond, and a charge may need it twice: without the charge and with
# it. What it found with a charge is what the merchant's next charge finds without it, so answers are
# kept by the payments they were found in (a digest of their values: right for any store and process).
FOUND = Memo(size=2048)


def _found(merchant: str, times: list[float], amounts: list[int], marked: list[bool]) -> list[Subscription]:
    """find() over one merchant's payments (oldest first), as of just after the last."""
    t, amount, flags = np.array(times), np.array(amounts, dtype=np.int64), np.array(marked, dtype=bool)
    key = hashlib.blake2b(b"".join((merchant.encode(), t.tobytes(), amount.tobytes(), flags.tobytes())),
                          digest_size=16).digest()
    found = FOUND.get(key)
    if found is None:
        payments = Payments.of(t, amount, np.zeros(len(t), dtype=np.int64), np.array([merchant], dtype=object))
        found = find(payments, times[-1] + _AFTER, flags)
        FOUND.put(key, found)
    return found


def _renews(known: list[Subscription], times: list[float], t: float, amount: int) -> bool:
    """Whether a charge at `t` is the next one of a subscription already known at this price."""
    for sub in known:
        if sub.amount == amount and sub.pending is None:
            shortest, longest = RHYTHM_DAYS[CADENCE_GAP[sub.cadence]]
            if shortest <= t - times[sub.members[-1]] <= longest:
                return True
    return False


def _net_payments(history: Sequence[PastCharge]) -> tuple[list[float], list[int], list[bool]]:
    """The approved payments, oldest first, net of their same-month cancellations (data.usage); fully
    cancelled ones dropped, as the forecast does (frame.net_of_cancellations)."""
    paid = [row for row in reversed(history) if row.status == "approved"]
    cancels = [row for row in history if row.status == "cancelled" and row.cancels_id is not None and not row.refund]
    months = {row.id: usage_month(row.occurred_at) for row in paid} if cancels else {}
    off: Counter[int] = Counter()
    for row in cancels:
        if row.cancels_id in months and usage_month(row.occurred_at) == months[row.cancels_id]:
            off[row.cancels_id] += row.amount
    kept = [row for row in paid if row.amount > off[row.id]]
    return (_kst_days([row.occurred_at for row in kept]), [row.amount - off[row.id] for row in kept],
            [row.pay_type == "recurring" for row in kept])


def _kst_days(moments: list[datetime]) -> list[float]:
    """frame.kst_day_of for many moments at once (Korea has kept one UTC offset since 1988)."""
    if not moments:
        return []
    offset = to_kst(moments[0]).utcoffset().total_seconds()
    return [(moment.timestamp() + offset) / 86_400 for moment in moments]


def _could_repeat(times: list[float], amounts: list[int], t: float, amount: int, marked: bool) -> bool:
    """Whether an earlier payment could be this charge's previous one in a subscription: a week, a month
    or a year before, at the same price and about the same time of day (a renewal, or a new price
    charged again), or any such payment when this charge is marked 자동결제 (the carrier says so).
    Most charges have none, and the rule stops here."""
    if not times:
        return False
    gaps = t - np.asarray(times)
    near = np.zeros(len(gaps), dtype=bool)
    for lo, hi in RHYTHM_GAPS:
        near |= (gaps >= lo) & (gaps <= hi)
    if marked:
        return bool(near.any())
    hours = np.abs((gaps % 1.0) * 24.0)  # the time-of-day difference, round the clock
    same_time = np.minimum(hours, 24.0 - hours) <= SAME_TIME_SLACK
    return bool((near & same_time & (np.asarray(amounts) == amount)).any())


def _values(line: str, charge: Charge, sub: Subscription) -> dict:
    return {**charge_values(line, charge), "yearly": won(sub.yearly_cost),
            "next": sub.next_date.isoformat() if sub.next_date else "-"}


def _detail(charge: Charge, sub: Subscription) -> dict:
    return {**charge_detail(charge), "cadence": sub.cadence, "price": sub.amount, "yearly_cost": sub.yearly_cost,
            "next_date": sub.next_date.isoformat() if sub.next_date else None}


def _new(line: str, charge: Charge, sub: Subscription) -> Finding:
    first_price = int(sub.changes[0].old if sub.changes else sub.amount)
    return Finding(
        "subscription_new", f"subscription_new:{short_key(charge.merchant)}:{first_price}",
        f"alerts.msg.subscription_new_{sub.cadence}", _values(line, charge, sub), _detail(charge, sub),
    )


def _price_rise(line: str, charge: Charge, sub: Subscription, old: int) -> Finding:
    return Finding(
        "subscription_price_rise", f"subscription_price_rise:{short_key(charge.merchant)}:{sub.amount}",
        "alerts.msg.subscription_price_rise", {**_values(line, charge, sub), "old": won(old)},
        {**_detail(charge, sub), "previous_price": old},
    )

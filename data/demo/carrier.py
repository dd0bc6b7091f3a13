"""What the carrier does to the events: the monthly limit per bucket, the month-end window, cancellations."""

from __future__ import annotations

from datetime import datetime, timedelta

from data.demo.catalogue import _DAYTIME
from data.demo.context import _Ctx, _minutes
from data.demo.model import _Draft, _Event, _Rush
from data.vocab import (
    days_in_month,
    month_start,
)


def _shift_out_of_maintenance(at: datetime) -> datetime:
    """Carriers block payments ~23:30–00:10 around month end; nudge charges out of it."""
    if (at + timedelta(minutes=30)).month != at.month:  # last day, 23:30 or later
        return at - timedelta(minutes=45)
    if (at - timedelta(minutes=10)).month != at.month:  # first day, before 00:10
        return at + timedelta(minutes=15)
    return at


def _drain(ctx: _Ctx, rush: _Rush, room: int) -> list[_Draft]:
    """Expand a rush into the purchases the carrier would still approve."""
    out: list[_Draft] = []
    at = rush.at
    for _ in range(rush.max_count):
        fits = [i for i in rush.items if i.price <= room]
        if not fits:
            break
        top = max(i.price for i in fits)
        item = (
            ctx.pick([i for i in fits if i.price == top])
            if rush.greedy or ctx.chance(0.6)
            else ctx.pick(fits)
        )
        month_over = (at.year, at.month) != (rush.at.year, rush.at.month)
        if month_over or at > ctx.end or _shift_out_of_maintenance(at) != at:
            break  # declined: next month's limit, the future, or the month-end window
        out.append(_Draft(at, item, item.price))
        room -= item.price
        at += _minutes(ctx, 1, 5)
    return out


def _apply_limits(
    ctx: _Ctx, events: list[_Event], limits: dict[str, int]
) -> tuple[list[_Draft], set[tuple[str, int, int]]]:
    """Approve in time order; anything that would pass a bucket's monthly limit is declined."""
    used: dict[tuple[str, int, int], int] = {}
    approved: list[_Draft] = []
    rushed: set[tuple[str, int, int]] = set()
    for ev in sorted(events, key=lambda e: e.at):
        bucket = ev.items[0].bucket if isinstance(ev, _Rush) else ev.item.bucket
        key = (bucket, ev.at.year, ev.at.month)
        room = limits.get(bucket, 0) - used.get(key, 0)
        if isinstance(ev, _Rush):
            accepted = _drain(ctx, ev, room)
            rushed.add(key)
        else:
            accepted = [ev] if ev.amount <= room else []
        approved += accepted
        used[key] = used.get(key, 0) + sum(d.amount for d in accepted)
    return approved, rushed


def _cancel_time(ctx: _Ctx, paid: datetime) -> datetime:
    if ctx.chance(0.6):  # changed one's mind, app-store refund window
        return paid + _minutes(ctx, 3, 120)
    # Order never arrived / wrong item: sorted out with the merchant in a later day's office hours.
    day = (paid + timedelta(days=int(ctx.rng.integers(1, 5)))).date()
    return ctx.at(day, _DAYTIME)


def _plan_cancellations(
    ctx: _Ctx, approved: list[_Draft], rushed: set[tuple[str, int, int]]
) -> list[tuple[int, datetime, int]]:
    """A few same-month cancellations a year: (index of payment, when, amount).

    Payments in a bucket-month that hit its limit are left alone, so a visible cap stays visible.
    """
    eligible = [
        i
        for i, d in enumerate(approved)
        if d.pay_type == "one_off" and (d.item.bucket, d.at.year, d.at.month) not in rushed
    ]
    if not eligible:
        return []
    count = min(max(ctx.poisson(3.0 * ctx.n / 12), 1 if ctx.n >= 3 else 0), len(eligible))
    plans: list[tuple[int, datetime, int]] = []
    for i in sorted(int(x) for x in ctx.rng.choice(eligible, size=count, replace=False)):
        pay = approved[i]
        month_end = month_start(f"{pay.at.year:04d}-{pay.at.month:02d}") + timedelta(
            days=days_in_month(f"{pay.at.year:04d}-{pay.at.month:02d}"), minutes=-31
        )
        when = _cancel_time(ctx, pay.at)
        if when > month_end or when > ctx.end:
            when = pay.at + _minutes(ctx, 3, 30)
        if when > month_end or when > ctx.end:
            continue  # after month end it would be a bank refund, not a bill cancellation
        amount = pay.amount
        if pay.item.category in ("shopping", "delivery") and amount >= 10_000 and ctx.chance(0.15):
            amount = int(round(amount * ctx.uniform(0.2, 0.6), -2))  # one item of the order
        plans.append((i, when, amount))
    return plans


# --------------------------------------------------------------------------- output



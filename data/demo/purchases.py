"""Building blocks of a month: subscriptions, everyday purchases, game sessions, breaks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from data.demo.catalogue import _DELIVERY_APPS, _GIFTS, _GOODS, _MEALS, _MENUS, _NEW_PRICE, _SHOPPING, _SHOPS
from data.demo.context import _by_price, _Ctx, _minutes
from data.demo.model import _Draft, _Event, _Item
from data.vocab import (
    KST,
    days_in_month,
    month_start,
    next_month,
)


@dataclass
class _Subscription:
    item: _Item
    day: int  # day of month, or weekday (0 = Monday) when weekly
    hour: int
    start: int = 0  # month index of the first charge (subscribed that month)
    stop: int | None = None  # month index from which the user has cancelled
    change_at: int | None = None  # month index of the price rise
    weekly: bool = False

    def price(self, month: int) -> int:
        changed = self.change_at is not None and month >= self.change_at
        return _NEW_PRICE[self.item] if changed else self.item.price


def _new_sub(
    ctx: _Ctx,
    item: _Item,
    *,
    change: bool,
    start: int = 0,
    stop: int | None = None,
    weekly: bool = False,
) -> _Subscription:
    change_at = None
    if change and ctx.n >= 2:
        lo = max(start + 1, ctx.n // 4)
        change_at = int(ctx.rng.integers(lo, max(lo + 1, (3 * ctx.n) // 4 + 1)))
    day = int(ctx.rng.integers(7)) if weekly else int(ctx.rng.integers(1, 32))
    return _Subscription(item, day, int(ctx.rng.integers(7, 23)), start, stop, change_at, weekly)


def _subscription_charges(ctx: _Ctx, sub: _Subscription) -> list[_Event]:
    out: list[_Event] = []
    stop = ctx.n if sub.stop is None else min(sub.stop, ctx.n)
    minute = int(ctx.rng.integers(60))
    for m in range(sub.start, stop):
        if sub.weekly:
            # An auto top-up only fires when the balance runs low, so weeks are sometimes skipped.
            days = [d for d in ctx.days[m] if d.weekday() == sub.day and not ctx.chance(0.12)]
        else:
            first = month_start(ctx.months[m]).date()
            day = first.replace(day=min(sub.day, days_in_month(ctx.months[m])))
            if ctx.chance(0.04):  # renewal failed, retried the next day (same month if possible)
                day = min(day + timedelta(days=1), first.replace(day=days_in_month(ctx.months[m])))
            days = [day]
        for d in days:
            at = datetime(d.year, d.month, d.day, sub.hour, minute, tzinfo=KST)
            at += timedelta(seconds=int(ctx.rng.integers(600)))
            out.append(_Draft(at, sub.item, sub.price(m), pay_type="recurring"))
    return out


def _delivery(ctx: _Ctx, day: date) -> _Draft:
    merchant, pg = ctx.pick(_DELIVERY_APPS, (5, 2, 3))
    menu, price = ctx.pick(_MENUS)
    qty = 2 if ctx.chance(0.2) else 1
    side = ctx.pick((0, 0, 2_000, 3_500, 5_000))
    fee = ctx.pick((0, 1_000, 2_000, 3_000, 3_500, 4_000))
    product = menu if not side else f"{menu} 외 1건"
    item = _Item(merchant, pg, "delivery", "micropayment", product, price)
    return _Draft(ctx.at(day, _MEALS), item, price * qty + side + fee, product=product)


def _shopping(ctx: _Ctx, day: date) -> _Draft:
    merchant, pg = ctx.pick(_SHOPS, (6, 2, 2, 2))
    name, price = ctx.pick(_GOODS)
    # Sale prices: a few percent off, rounded to 10 won like real listings (12,340).
    amount = int(round(price * (1 - ctx.pick((0, 0, 0.05, 0.1, 0.15))), -1))
    item = _Item(merchant, pg, "shopping", "micropayment", name, price)
    return _Draft(ctx.at(day, _SHOPPING), item, amount)


def _gift(ctx: _Ctx, day: date) -> _Draft:
    name, price = ctx.pick(_GIFTS)
    item = _Item("카카오톡 선물하기", "다날", "shopping", "micropayment", name, price)
    return _Draft(ctx.at(day, _SHOPPING), item, price)


def _buy(
    ctx: _Ctx, day: date, items: Sequence[_Item], hours: tuple[float, ...], power: float = 0.5
) -> _Draft:
    item = ctx.pick(items, _by_price(items, power))
    return _Draft(ctx.at(day, hours), item, item.price)


def _session(
    ctx: _Ctx,
    day: date,
    items: Sequence[_Item],
    hours: tuple[float, ...],
    max_buys: int = 6,
    power: float = 0.5,
) -> list[_Event]:
    """A play session: one or several purchases minutes apart."""
    first = _buy(ctx, day, items, hours, power)
    out: list[_Event] = [first]
    at = first.at
    for _ in range(min(int(ctx.rng.geometric(0.55)) - 1, max_buys - 1)):
        at += _minutes(ctx, 1, 25)
        item = ctx.pick(items, _by_price(items, power))
        out.append(_Draft(at, item, item.price))
    return out


def _complete_months(ctx: _Ctx) -> list[int]:
    """Months that ended before `end` (the current month is still running)."""
    done = [m for m in range(ctx.n) if month_start(next_month(ctx.months[m])) <= ctx.end]
    return done or [ctx.n - 1]


def _break_months(ctx: _Ctx, keep: int | None) -> set[int]:
    """A gamer who quits for a while (usually 2 months) and comes back; never month `keep`."""
    if ctx.n < 6 or not ctx.chance(0.7):
        return set()
    length = ctx.pick((1, 2, 2, 2, 3))
    # Not at the very start: the history should open with the habit already there.
    starts = [s for s in range(2, ctx.n - length) if keep not in range(s, s + length)]
    if not starts:
        return set()
    first = ctx.pick(starts)
    return set(range(first, first + length))


def _spending_mix(
    ctx: _Ctx, m: int, *, delivery: float, shopping: float, gifts: float
) -> list[_Event]:
    out: list[_Event] = []
    out += [_delivery(ctx, d) for d in ctx.random_days(m, ctx.poisson(delivery))]
    out += [_shopping(ctx, d) for d in ctx.random_days(m, ctx.poisson(shopping))]
    out += [_gift(ctx, d) for d in ctx.random_days(m, ctx.poisson(gifts))]
    return out


# --------------------------------------------------------------------------- personas



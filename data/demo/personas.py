"""The personas: each builds its months of events from the building blocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import numpy as np

from data.demo.catalogue import (
    _AFTER_SCHOOL,
    _DAYTIME,
    _GENIE,
    _GOOGLE_GAMES,
    _KIDS_APPLE,
    _KIDS_GOOGLE,
    _KIDS_PG,
    _MELON,
    _MILLIE,
    _NIGHT_OWL,
    _ONESTORE_GAMES,
    _PG_GAMES,
    _SMALL_VOUCHERS,
    _TRANSPORT,
    _TVING,
    _VOUCHERS,
    _WAVVE,
    _WEBTOON,
    _WOW,
    _YOUTUBE,
)
from data.demo.context import _Ctx, _minutes
from data.demo.model import Persona, _Draft, _Event, _Item, _Rush
from data.demo.purchases import (
    _break_months,
    _buy,
    _complete_months,
    _delivery,
    _gift,
    _new_sub,
    _session,
    _shopping,
    _spending_mix,
    _subscription_charges,
)
from data.vocab import (
    KST,
)


def _build_gamer(ctx: _Ctx) -> list[_Event]:
    order = ctx.rng.permutation(len(_PG_GAMES))
    games = (_PG_GAMES[int(order[0])], _PG_GAMES[int(order[1])])
    store = _GOOGLE_GAMES if ctx.chance(0.7) else _ONESTORE_GAMES
    switch = int(ctx.rng.integers(ctx.n // 3, ctx.n)) if ctx.n >= 3 else ctx.n  # new main game
    forced = ctx.pick(_complete_months(ctx)[-5:-1] or [ctx.n - 1]) if ctx.force_limit else None
    breaks = _break_months(ctx, forced)
    intensity = np.maximum(ctx.regimes(0.5), 0.3)  # quiet months, but playing months are real
    out: list[_Event] = []
    for m in range(ctx.n):
        if m in breaks:
            continue
        game = games[0] if m < switch else games[1]
        p = min(0.16 * intensity[m], 0.6)
        for day in ctx.active_days(m, p, min(p * 1.6, 0.8)):
            out += _session(ctx, day, game, _NIGHT_OWL)
        out += [
            _buy(ctx, d, store, _NIGHT_OWL, 0.8)
            for d in ctx.random_days(m, ctx.poisson(1.2 * intensity[m]))
        ]
        if ctx.chance(0.15):  # limited-time event: a few big top-ups in one night
            for day in ctx.random_days(m, 1):
                out += _big_night(ctx, day, game)
        if m == forced or ctx.chance(0.06):
            out += _late_rush(ctx, m, game, greedy=m == forced)
    return out


def _big_night(ctx: _Ctx, day: date, items: tuple[_Item, ...]) -> list[_Event]:
    at = ctx.at(day, _NIGHT_OWL)
    big = items[-1]
    out: list[_Event] = []
    for _ in range(int(ctx.rng.integers(2, 5))):
        out.append(_Draft(at, big, big.price))
        at += _minutes(ctx, 2, 15)
    return out


def _late_rush(ctx: _Ctx, m: int, items: tuple[_Item, ...], *, greedy: bool) -> list[_Event]:
    """Buying until declined, late in the month (so a cap is visible against a full month)."""
    days = [d for d in ctx.days[m] if 18 <= d.day <= 26] or ctx.days[m]
    if not days:
        return []
    day = ctx.pick(days)
    at = datetime(
        day.year, day.month, day.day, ctx.pick((20, 21, 22)), int(ctx.rng.integers(60)), tzinfo=KST
    )
    return [_Rush(at, items, greedy)]


def _build_subscriber(ctx: _Ctx) -> list[_Event]:
    n = ctx.n
    added_at = int(ctx.rng.integers(2, max(3, n - 2))) if n >= 4 else n - 1
    stopped_at = int(ctx.rng.integers(2, max(3, n - 1))) if n >= 4 else n
    subs = [
        _new_sub(ctx, _YOUTUBE, change=True),
        _new_sub(ctx, ctx.pick((_MELON, _GENIE)), change=ctx.chance(0.5)),
        _new_sub(ctx, ctx.pick((_TVING, _WAVVE)), change=False, start=added_at),
        _new_sub(ctx, _MILLIE, change=False, stop=stopped_at),
        _new_sub(ctx, _WEBTOON, change=False, weekly=True),
    ]
    out: list[_Event] = [c for s in subs for c in _subscription_charges(ctx, s)]
    for m in range(n):  # the odd extra: webtoon binge, an app
        out += [
            _buy(ctx, d, _GOOGLE_GAMES[:2] + _KIDS_GOOGLE[-1:], _NIGHT_OWL, 1.0)
            for d in ctx.random_days(m, ctx.poisson(0.4))
        ]
    return out


def _build_shopper(ctx: _Ctx) -> list[_Event]:
    out: list[_Event] = []
    for m in range(ctx.n):
        if not ctx.chance(0.45):  # most months nothing at all
            continue
        for day in ctx.random_days(m, 1 + ctx.poisson(1.0)):
            kind = ctx.pick(("delivery", "shopping", "gift", "voucher"), (4, 4, 2, 1))
            if kind == "delivery":
                out.append(_delivery(ctx, day))
            elif kind == "shopping":
                out.append(_shopping(ctx, day))
            elif kind == "gift":
                out.append(_gift(ctx, day))
            else:  # a birthday present, bought in the daytime
                out.append(_buy(ctx, day, _SMALL_VOUCHERS, _DAYTIME, 0.2))
    return out


def _build_child(ctx: _Ctx) -> list[_Event]:
    store = _KIDS_GOOGLE if ctx.chance(0.7) else _KIDS_APPLE
    intensity = ctx.regimes(0.45) * np.linspace(0.7, 1.3, ctx.n)  # grows older, spends more
    season = next(i for i in store if "패스" in i.product)
    out: list[_Event] = []
    for m, month in enumerate(ctx.months):
        level = intensity[m] * (1.6 if month[-2:] in ("01", "02", "07", "08", "12") else 1.0)
        p = min(0.07 * level, 0.5)
        for day in ctx.active_days(m, p, min(2.2 * p, 0.7)):
            items = store if ctx.chance(0.75) else _KIDS_PG
            out += _session(ctx, day, items, _AFTER_SCHOOL, max_buys=4, power=0.7)
        # The monthly season pass, early in the month (always in the first: the habit predates it).
        if ctx.days[m] and (m == 0 or ctx.chance(0.6)):
            out.append(
                _Draft(ctx.at(ctx.pick(ctx.days[m][:7]), _AFTER_SCHOOL), season, season.price)
            )
        if ctx.chance(0.18):  # keeps tapping "buy" until the minor limit stops it
            day = ctx.pick(ctx.days[m]) if ctx.days[m] else None
            if day is not None:
                items = store if ctx.chance(0.6) else _KIDS_PG
                out.append(_Rush(ctx.at(day, _AFTER_SCHOOL), items, greedy=False, max_count=25))
    return out


def _build_owner(ctx: _Ctx, *, light: bool = False) -> list[_Event]:
    subs = [_new_sub(ctx, _YOUTUBE, change=True)]
    if not light:
        subs.append(_new_sub(ctx, _WOW, change=True))
        if ctx.chance(0.5):
            subs.append(
                _new_sub(
                    ctx,
                    _MELON,
                    change=ctx.chance(0.5),
                    start=int(ctx.rng.integers(0, max(1, ctx.n // 2))),
                )
            )
    out: list[_Event] = [c for s in subs for c in _subscription_charges(ctx, s)]
    mood = ctx.regimes(0.4)
    game_from = int(ctx.rng.integers(ctx.n))
    game_months = range(game_from, game_from + ctx.pick((0, 2, 3)))  # a short mobile-game phase
    for m in range(ctx.n):
        scale = 0.6 if light else 1.0
        out += _spending_mix(
            ctx, m, delivery=2.8 * mood[m] * scale, shopping=0.9 * mood[m] * scale, gifts=0.3
        )
        games = ctx.poisson(3.5 if m in game_months else 0.15)
        out += [_buy(ctx, d, _GOOGLE_GAMES, _NIGHT_OWL) for d in ctx.random_days(m, games)]
        out += [
            _buy(ctx, d, _TRANSPORT[:1], _DAYTIME, 0.2)
            for d in ctx.random_days(m, ctx.poisson(0.15))
        ]
    return out


def _build_fraud(ctx: _Ctx) -> list[_Event]:
    out = _build_owner(ctx, light=True)
    out += _dawn_burst(ctx, ctx.pick(_complete_months(ctx)[-6:]))
    return out


def _dawn_burst(ctx: _Ctx, m: int) -> list[_Event]:
    """Femtocell-style fraud: at dawn, gift vouchers and transport top-ups minutes apart,
    then more until the limit declines them (DOMAIN.md, 2025 KT case)."""
    if not ctx.days[m]:
        return []
    day = ctx.pick(ctx.days[m])
    at = datetime(
        day.year, day.month, day.day, ctx.pick((1, 2, 3)), int(ctx.rng.integers(40)), tzinfo=KST
    )
    out: list[_Event] = []
    for _ in range(3):
        item = ctx.pick([v for v in _VOUCHERS if v.price >= 30_000])
        out.append(_Draft(at, item, item.price))
        at += _minutes(ctx, 1, 5)
    big = tuple(i for i in _VOUCHERS + _TRANSPORT if i.price >= 10_000)
    out.append(_Rush(at, big, greedy=True, max_count=int(ctx.rng.integers(3, 9))))
    return out


def level_step(ctx: _Ctx) -> int:
    """The month from which a level persona spends at its new level: 4–6 months before the end.

    Drawn first from the persona's stream, so `benchmarks/forecast_backtest.py` can find it again
    from a fresh context of the same (persona, seed, end, months)."""
    return max(0, ctx.n - int(ctx.rng.integers(4, 7)))


def _build_level(ctx: _Ctx, factor: float) -> list[_Event]:
    """Everyday spending (delivery, shopping, gifts, the odd game item) that changes level from
    one month on and stays there: a new job, a move, a child's phone moved to another line."""
    step = level_step(ctx)
    mood = ctx.regimes(0.25)
    out: list[_Event] = []
    for m in range(ctx.n):
        scale = mood[m] * (factor if m >= step else 1.0)
        out += _spending_mix(ctx, m, delivery=5.0 * scale, shopping=0.8 * scale, gifts=0.4 * scale)
        out += [_buy(ctx, d, _GOOGLE_GAMES, _NIGHT_OWL) for d in ctx.random_days(m, ctx.poisson(0.6 * scale))]
    return out


PERSONAS: dict[str, Persona] = {
    "gamer": Persona(
        "gamer",
        "게이머",
        {"micropayment": 300_000, "content": 200_000},
        description="게임 아이템을 밤에 몰아서 구매, 가끔 한도 소진",
    ),
    "subscriber": Persona(
        "subscriber",
        "정기구독형",
        {"micropayment": 200_000, "content": 100_000},
        description="웹툰·음악·OTT 자동결제",
    ),
    "shopper": Persona(
        "shopper",
        "가끔 쇼핑",
        {"micropayment": 300_000, "content": 100_000},
        description="배달·쇼핑·상품권을 가끔, 결제 없는 달이 많음",
    ),
    "child": Persona(
        "child",
        "자녀(미성년)",
        {"micropayment": 100_000, "content": 100_000},
        is_minor=True,
        description="소액 게임·앱 결제, 한도까지 쓰는 달이 있음",
    ),
    "fraud": Persona(
        "fraud",
        "부정결제 피해",
        {"micropayment": 500_000, "content": 300_000},
        description="평소 결제 + 새벽 상품권·교통카드 충전 연속 결제",
    ),
    "owner": Persona(
        "owner",
        "일반 사용자",
        {"micropayment": 500_000, "content": 300_000},
        description="구독, 배달, 쇼핑, 가끔 게임",
    ),
    "level_down": Persona(
        "level_down",
        "지출 감소",
        {"micropayment": 500_000, "content": 300_000},
        description="배달·쇼핑 지출이 어느 달부터 절반으로 줄어 그대로 유지",
    ),
    "level_up": Persona(
        "level_up",
        "지출 증가",
        {"micropayment": 500_000, "content": 300_000},
        description="배달·쇼핑 지출이 어느 달부터 2.5배로 늘어 그대로 유지",
    ),
}

_BUILDERS: dict[str, Callable[[_Ctx], list[_Event]]] = {
    "gamer": _build_gamer,
    "subscriber": _build_subscriber,
    "shopper": _build_shopper,
    "child": _build_child,
    "fraud": _build_fraud,
    "owner": _build_owner,
    "level_down": lambda ctx: _build_level(ctx, 0.5),
    "level_up": lambda ctx: _build_level(ctx, 2.5),
}

# --------------------------------------------------------------------------- limits & cancellations



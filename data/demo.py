"""Seeded, realistic demo payment histories for the personas the app and the benchmarks use.

Everything is generated in KST wall-clock time (the billing month is the KST calendar month)
and converted to UTC only when the final rows are built. Spending is simulated as *attempts*
that pass through a per-bucket monthly limit check, like a carrier authorising them: attempts
that would push a bucket's monthly net total over its limit are declined and do not appear.
"""

from __future__ import annotations

import zlib
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import TypeVar

import numpy as np

from data.vocab import (
    KST,
    days_in_month,
    month_start,
    months_back,
    next_month,
    to_kst,
    usage_month,
)

__all__ = ["PERSONAS", "DemoCharge", "DemoLine", "Persona", "demo_lines", "generate_history"]


@dataclass(frozen=True)
class DemoCharge:
    occurred_at: datetime  # tz-aware, UTC
    merchant: str
    pg: str | None
    product: str | None
    category: str
    bucket: str
    amount: int
    status: str
    pay_type: str
    external_id: str
    cancels: str | None = None


@dataclass(frozen=True)
class Persona:
    key: str
    label: str
    limits: dict[str, int]
    is_minor: bool = False
    description: str = ""


@dataclass(frozen=True)
class DemoLine:
    carrier: str
    number: str
    nickname: str
    is_minor: bool
    limits: dict[str, int]
    persona: str
    charges: list[DemoCharge]


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class _Item:
    merchant: str
    pg: str | None
    category: str
    bucket: str
    product: str
    price: int


def _cash(
    merchant: str, pg: str | None, title: str, prices: Sequence[int], category: str = "game"
) -> tuple[_Item, ...]:
    """Top-up style products ("메이플스토리 캐시 10,000") in several denominations."""
    bucket = "micropayment" if pg else "content"
    return tuple(_Item(merchant, pg, category, bucket, f"{title} {p:,}", p) for p in prices)


def _store(merchant: str, products: Sequence[tuple[str, int]]) -> tuple[_Item, ...]:
    """App-store purchases: direct carrier billing, so content bucket and no PG."""
    return tuple(_Item(merchant, None, "app_store", "content", n, p) for n, p in products)


def _sub(merchant: str, pg: str | None, product: str, price: int) -> _Item:
    return _Item(merchant, pg, "subscription", "micropayment" if pg else "content", product, price)


_PG_GAMES: tuple[tuple[_Item, ...], ...] = (
    _cash("넥슨코리아", "다날", "메이플스토리 캐시", (5_000, 10_000, 30_000, 50_000)),
    _cash("(주)다날_넥슨", "다날", "넥슨캐시", (1_000, 5_000, 10_000, 30_000, 50_000)),
    _cash("엔씨소프트", "KG모빌리언스", "엔씨코인", (1_000, 10_000, 30_000, 50_000)),
    _cash("넷마블", "갤럭시아머니트리", "넷마블 캐시", (3_300, 5_500, 11_000, 33_000, 55_000)),
    _cash("스마일게이트", "페이레터", "로스트아크 로열 크리스탈", (5_000, 10_000, 30_000, 50_000)),
    _cash("크래프톤", "NHN KCP", "배틀그라운드 G-COIN", (1_100, 5_500, 11_000, 33_000, 55_000)),
)
_GOOGLE_GAMES = _store(
    "구글플레이",
    (
        ("원신 공월 축복", 5_900),
        ("원신 창세의 결정 300", 5_900),
        ("원신 창세의 결정 1980", 33_000),
        ("원신 창세의 결정 6480", 119_000),
        ("쿠키런: 킹덤 데일리 크리스탈 패키지", 3_300),
        ("클래시 로얄 패스 로얄", 6_500),
        ("포켓몬 GO 포켓코인 550", 6_500),
    ),
)
_ONESTORE_GAMES = _store(
    "원스토어",
    (
        ("리니지W 다이아 소형", 11_000),
        ("리니지W 다이아 중형", 33_000),
        ("리니지W 다이아 대형", 55_000),
    ),
)
_KIDS_STORE = (
    ("브롤스타즈 보석 30개", 2_500),
    ("브롤스타즈 브롤 패스", 9_900),
    ("로블록스 400 Robux", 5_900),
    ("로블록스 800 Robux", 12_000),
    ("마인크래프트 마인코인 320", 2_500),
    ("쿠키런: 오븐브레이크 크리스탈 60", 1_100),
    ("쿠키런: 오븐브레이크 크리스탈 300", 5_500),
    ("포켓몬 GO 포켓코인 100", 1_200),
)
_KIDS_GOOGLE = _store("구글플레이", _KIDS_STORE)
_KIDS_APPLE = _store("App Store", _KIDS_STORE)
_KIDS_PG = _cash(
    "(주)다날_넥슨", "다날", "카트라이더 러쉬플러스 K코인", (1_000, 3_000, 5_000, 10_000)
)

_VOUCHERS = (
    _cash(
        "컬쳐랜드",
        "KG모빌리언스",
        "컬쳐랜드 모바일문화상품권",
        (5_000, 10_000, 30_000, 50_000),
        "gift_voucher",
    )
    + _cash("해피머니", "다날", "해피머니 온라인상품권", (10_000, 30_000, 50_000), "gift_voucher")
    + _cash(
        "북앤라이프",
        "갤럭시아머니트리",
        "도서문화상품권",
        (5_000, 10_000, 30_000, 50_000),
        "gift_voucher",
    )
)
_SMALL_VOUCHERS = tuple(v for v in _VOUCHERS if v.price <= 10_000)
_TRANSPORT = _cash(
    "티머니", "페이레터", "모바일티머니 충전", (10_000, 20_000, 30_000, 50_000), "transport"
) + _cash("캐시비", "세틀뱅크", "캐시비 충전", (10_000, 30_000, 50_000), "transport")

_DELIVERY_APPS = (("배달의민족", "다날"), ("요기요", "KG모빌리언스"), ("쿠팡이츠", "NHN KCP"))
_MENUS = (
    ("교촌치킨 허니콤보", 23_000),
    ("BHC 뿌링클", 21_000),
    ("엽기떡볶이 오리지널", 14_000),
    ("도미노피자 포테이토 L", 29_900),
    ("맘스터치 싸이버거 세트", 8_900),
    ("본죽 전복죽", 13_000),
    ("마라탕 1인", 12_500),
    ("김밥천국 김밥+라면", 8_500),
    ("파리바게뜨 생크림 케이크", 27_000),
    ("짜장면+탕수육 세트", 24_000),
    ("서브웨이 이탈리안 BMT 15cm", 7_400),
    ("족발 중 사이즈", 36_000),
)
_SHOPS = (("쿠팡", "다날"), ("11번가", "KG모빌리언스"), ("G마켓", "NHN KCP"), ("무신사", "효성FMS"))
_GOODS = (
    ("제주삼다수 2L x 12", 11_880),
    ("크리넥스 물티슈 캡형 10팩", 15_900),
    ("무선 충전기 15W", 19_900),
    ("반팔 티셔츠 2팩", 29_900),
    ("러닝화", 89_000),
    ("샴푸 1L 2개", 24_900),
    ("햇반 210g x 24", 26_900),
    ("닌텐도 스위치 게임 타이틀", 64_800),
    ("블루투스 이어폰", 39_900),
    ("캠핑 의자", 45_900),
    ("고양이 모래 6kg x 3", 32_400),
    ("텀블러 500ml", 18_900),
)
_GIFTS = (
    ("스타벅스 카페 아메리카노 T", 4_700),
    ("스타벅스 카페 아메리카노 T 2잔", 9_400),
    ("배스킨라빈스 파인트", 9_800),
    ("교촌치킨 허니콤보+콜라", 25_000),
    ("CU 모바일 금액권 1만원", 10_000),
    ("투썸 스트로베리 초콜릿 생크림", 37_000),
)

_YOUTUBE = _sub("구글플레이", None, "YouTube Premium 개인 멤버십", 10_450)
_MELON = _sub("멜론", "다날", "멜론 스트리밍클럽", 10_900)
_GENIE = _sub("지니뮤직", "갤럭시아머니트리", "지니 스마트 음악감상", 7_400)
_TVING = _sub("티빙", "NHN KCP", "티빙 베이직", 7_900)
_WAVVE = _sub("웨이브", "KG모빌리언스", "웨이브 Basic", 7_900)
_MILLIE = _sub("밀리의서재", "페이레터", "밀리의서재 월 구독", 9_900)
_WOW = _sub("쿠팡", "다날", "쿠팡 와우 멤버십", 4_990)
_WEBTOON = _sub("네이버웹툰", "다날", "쿠키 자동충전 20개", 2_000)
# Real Korean price rises; a subscription that changes price jumps to this amount.
_NEW_PRICE = {
    _YOUTUBE: 14_900,
    _MELON: 11_900,
    _GENIE: 8_400,
    _TVING: 9_500,
    _WAVVE: 7_900,
    _MILLIE: 11_900,
    _WOW: 7_890,
    _WEBTOON: 2_000,
}

_ID_PREFIX = {
    "다날": "DN",
    "KG모빌리언스": "MB",
    "갤럭시아머니트리": "GM",
    "페이레터": "PL",
    "NHN KCP": "KCP",
    "효성FMS": "HF",
    "세틀뱅크": "SB",
}


def _hour_cdf(weights: Sequence[float]) -> tuple[float, ...]:
    """Cumulative hour-of-day weights (KST 0..23), precomputed because `at` is the hot path."""
    assert len(weights) == 24
    total = sum(weights)
    return tuple(c / total for c in accumulate(weights))


# fmt: off
# Hour-of-day weights, KST 0..23.
_NIGHT_OWL = _hour_cdf((6, 3, 1.5, .5, .2, .1, .1, .3, .5, .7, 1, 1.2,
                        2, 1.8, 1.5, 1.5, 1.8, 2.2, 3, 4.5, 6, 7.5, 8, 7.5))
_MEALS = _hour_cdf((.4, .2, 0, 0, 0, 0, 0, .1, .3, .4, .8, 4,
                    6, 3, .8, .6, 1, 3, 6, 7, 4.5, 2, 1.5, 1))
_SHOPPING = _hour_cdf((1.5, .8, .3, .1, 0, 0, .1, .4, 1, 1.5, 2, 2.5,
                       3.5, 3, 2.5, 2.5, 2.5, 2.5, 3, 3.5, 4, 5, 5.5, 3.5))
_AFTER_SCHOOL = _hour_cdf((0, 0, 0, 0, 0, 0, 0, .2, .2, .2, .5, .5,
                           .8, .8, 1.5, 3, 5, 5, 4.5, 5, 5, 3, 1, .2))
_DAYTIME = _hour_cdf((0, 0, 0, 0, 0, 0, .2, 2, 4, 2, 1, 1,
                      2, 1.5, 1, 1, 1.5, 2, 3, 2, 1, .5, .2, 0))
# fmt: on

# --------------------------------------------------------------------------- generation context


@dataclass
class _Draft:
    at: datetime  # KST
    item: _Item
    amount: int
    pay_type: str = "one_off"
    product: str | None = None  # overrides item.product (delivery orders, shopping)


@dataclass
class _Rush:
    """Buying until the carrier declines: expanded against the remaining limit at `at`."""

    at: datetime  # KST
    items: tuple[_Item, ...]
    greedy: bool  # always take the largest denomination that still fits
    max_count: int = 20


_Event = _Draft | _Rush
_T = TypeVar("_T")


@dataclass
class _Ctx:
    rng: np.random.Generator
    months: list[str]
    days: list[list[date]]  # KST dates per month, the last month cut at `end`
    end: datetime  # KST
    force_limit: bool = False  # make one complete month drain a micropayment limit

    @property
    def n(self) -> int:
        return len(self.months)

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def chance(self, p: float) -> bool:
        return float(self.rng.random()) < p

    def pick(self, options: Sequence[_T], weights: Sequence[float] | None = None) -> _T:
        if weights is None:
            return options[int(self.rng.integers(len(options)))]
        cdf = list(accumulate(weights))
        return options[min(bisect(cdf, float(self.rng.random()) * cdf[-1]), len(options) - 1)]

    def poisson(self, lam: float) -> int:
        return int(self.rng.poisson(max(lam, 0.0)))

    def at(self, day: date, hours: tuple[float, ...]) -> datetime:
        """A random moment on `day`; `hours` is an hour-of-day CDF (see `_hour_cdf`)."""
        hour = min(bisect(hours, float(self.rng.random())), 23)
        minute, second = int(self.rng.integers(60)), int(self.rng.integers(60))
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=KST)

    def random_days(self, month: int, count: int) -> list[date]:
        days = self.days[month]
        if not days or count <= 0:
            return []
        return [days[int(i)] for i in self.rng.integers(len(days), size=count)]

    def active_days(self, month: int, p_weekday: float, p_weekend: float) -> list[date]:
        """Intermittent activity: each day independently, most days nothing."""
        days = self.days[month]
        probs = np.array([p_weekend if d.weekday() >= 5 else p_weekday for d in days])
        return [d for d, hit in zip(days, self.rng.random(len(days)) < probs, strict=True) if hit]

    def regimes(self, sigma: float) -> np.ndarray:
        """Month-to-month intensity: habits drift, so no two months look alike."""
        return self.rng.lognormal(0.0, sigma, self.n)


def _minutes(ctx: _Ctx, lo: float, hi: float) -> timedelta:
    return timedelta(seconds=int(ctx.uniform(lo, hi) * 60))


def _by_price(items: Sequence[_Item], power: float) -> list[float]:
    """Cheap denominations are bought more often than big ones."""
    return [it.price**-power for it in items]


# --------------------------------------------------------------------------- spending patterns


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
}

_BUILDERS: dict[str, Callable[[_Ctx], list[_Event]]] = {
    "gamer": _build_gamer,
    "subscriber": _build_subscriber,
    "shopper": _build_shopper,
    "child": _build_child,
    "fraud": _build_fraud,
    "owner": _build_owner,
}

# --------------------------------------------------------------------------- limits & cancellations


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


def _external_id(ctx: _Ctx, draft: _Draft, seq: int) -> str:
    """An id shaped like the real ones (Google order id, PG transaction number).

    `seq` (the row's position) makes ids unique within the history.
    """
    pg, merchant = draft.item.pg, draft.item.merchant
    if pg is not None:
        at = draft.at
        stamp = (
            f"{at.year:04d}{at.month:02d}{at.day:02d}{at.hour:02d}{at.minute:02d}{at.second:02d}"
        )
        return f"{_ID_PREFIX.get(pg, 'PG')}{stamp}{seq:05d}"
    a, b, c = (int(x) for x in ctx.rng.integers(0, 10_000, size=3))
    if merchant == "구글플레이":
        return f"GPA.{a:04d}-{b:04d}-{c:04d}-{seq:05d}"
    if merchant == "App Store":
        return f"MT{a:04d}{seq:05d}"
    return f"ONE{draft.at:%Y%m%d}{b:04d}{seq:05d}"


def _rows(
    ctx: _Ctx, approved: list[_Draft], plans: list[tuple[int, datetime, int]]
) -> list[DemoCharge]:
    order: list[tuple[datetime, int, int]] = [(d.at, 0, i) for i, d in enumerate(approved)]
    order += [(when, 1, k) for k, (_, when, _) in enumerate(plans)]
    order.sort()
    ids: dict[int, str] = {}
    out: list[DemoCharge] = []
    for seq, (when, kind, idx) in enumerate(order):
        pay = approved[idx] if kind == 0 else approved[plans[idx][0]]
        product = pay.product or pay.item.product
        base = dict(
            merchant=pay.item.merchant,
            pg=pay.item.pg,
            product=product,
            category=pay.item.category,
            bucket=pay.item.bucket,
            pay_type=pay.pay_type,
        )
        if kind == 0:
            ids[idx] = _external_id(ctx, pay, seq)
            out.append(
                DemoCharge(
                    occurred_at=when.astimezone(UTC),
                    amount=pay.amount,
                    status="approved",
                    external_id=ids[idx],
                    **base,
                )
            )
        else:
            paid_id = ids[plans[idx][0]]
            out.append(
                DemoCharge(
                    occurred_at=when.astimezone(UTC),
                    amount=plans[idx][2],
                    status="cancelled",
                    external_id=f"{paid_id}-C",
                    cancels=paid_id,
                    **base,
                )
            )
    return out


def _context(persona: str, seed: int, end: datetime, months: int, force_limit: bool) -> _Ctx:
    if persona not in _BUILDERS:
        raise ValueError(f"unknown persona {persona!r}; choose one of {sorted(PERSONAS)}")
    if end.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    if months < 1:
        raise ValueError("months must be at least 1")
    end_kst = to_kst(end)
    names = months_back(usage_month(end_kst), months)
    days: list[list[date]] = []
    for name in names:
        first = month_start(name).date()
        span = [first + timedelta(days=k) for k in range(days_in_month(name))]
        days.append([d for d in span if d <= end_kst.date()])
    # Persona name mixed into the seed: the same seed gives each persona its own stream.
    seq = np.random.SeedSequence([zlib.crc32(persona.encode()), seed % (1 << 64), months])
    return _Ctx(np.random.default_rng(seq), names, days, end_kst, force_limit)


def _history(
    persona: str,
    seed: int,
    end: datetime,
    months: int,
    limits: dict[str, int] | None,
    force_limit: bool = False,
) -> list[DemoCharge]:
    ctx = _context(persona, seed, end, months, force_limit)
    caps = {**PERSONAS[persona].limits, **(limits or {})}
    start = month_start(ctx.months[0])
    events = _BUILDERS[persona](ctx)
    for ev in events:
        ev.at = _shift_out_of_maintenance(ev.at)
    events = [ev for ev in events if start <= ev.at <= ctx.end]
    approved, rushed = _apply_limits(ctx, events, caps)
    return _rows(ctx, approved, _plan_cancellations(ctx, approved, rushed))


def generate_history(
    persona: str, seed: int, end: datetime, months: int = 14, limits: dict[str, int] | None = None
) -> list[DemoCharge]:
    """`months` KST calendar months of charges for `persona`, ending at `end`, sorted by time.

    Deterministic for (persona, seed, end, months, limits). `limits` overrides the persona's
    per-bucket monthly limits; no bucket's monthly net total ever exceeds its limit.
    """
    return _history(persona, seed, end, months, limits)


def demo_lines(seed: int, end: datetime) -> list[DemoLine]:
    """The three lines the app seeds for a demo account (14 months each)."""
    specs = (
        ("KT", "010-1234-5678", "내 폰", "owner", {"micropayment": 500_000, "content": 300_000}),
        ("SKT", "010-2345-6789", "아이 폰", "child", {"micropayment": 100_000, "content": 100_000}),
        ("LGU+", "010-3456-7890", "업무폰", "gamer", {"micropayment": 300_000, "content": 200_000}),
    )
    lines = []
    for carrier, number, nickname, persona, limits in specs:
        # The gamer line always has one month drained to its limit, so the demo shows a full gauge.
        charges = _history(persona, seed, end, 14, limits, force_limit=persona == "gamer")
        lines.append(
            DemoLine(
                carrier,
                number,
                nickname,
                PERSONAS[persona].is_minor,
                dict(limits),
                persona,
                charges,
            )
        )
    return lines

"""From events to rows: external ids, UTC times, and the public generate_history / demo_lines."""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, timedelta

import numpy as np

from data.demo.carrier import _apply_limits, _plan_cancellations, _shift_out_of_maintenance
from data.demo.catalogue import _ID_PREFIX
from data.demo.context import _Ctx
from data.demo.model import DemoCharge, DemoLine, _Draft
from data.demo.personas import _BUILDERS, PERSONAS
from data.vocab import (
    days_in_month,
    month_start,
    months_back,
    to_kst,
    usage_month,
)


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

"""Demo-history generator: determinism, calendar, limits, cancellations and persona traits."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.demo import PERSONAS, DemoCharge, demo_lines, generate_history
from data.vocab import (
    BUCKETS,
    CATEGORIES,
    KST,
    PAY_TYPES,
    month_bounds_utc,
    months_back,
    to_kst,
    usage_month,
)

END = datetime(2026, 5, 14, 3, 0, tzinfo=UTC)
PGS = {"다날", "KG모빌리언스", "갤럭시아머니트리", "페이레터", "NHN KCP", "효성FMS", "세틀뱅크"}
SEEDS = (0, 1, 7, 42, 2026)


def net_by_bucket_month(charges: list[DemoCharge]) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for c in charges:
        sign = -1 if c.status == "cancelled" else 1
        totals[(c.bucket, usage_month(c.occurred_at))] += sign * c.amount
    return totals


def assert_well_formed(charges: list[DemoCharge], end: datetime, months: int) -> None:
    start, _ = month_bounds_utc(months_back(usage_month(end), months)[0])
    times = [c.occurred_at for c in charges]
    assert times == sorted(times)
    assert all(t.utcoffset() == timedelta(0) for t in times)
    assert all(start <= t <= end for t in times)
    for c in charges:
        assert type(c.amount) is int and c.amount > 0
        assert c.category in CATEGORIES and c.bucket in BUCKETS and c.pay_type in PAY_TYPES
        assert c.status in ("approved", "cancelled")
        assert c.pg is None or c.pg in PGS
        assert (c.pg is None) == (c.bucket == "content")
        assert (c.cancels is not None) == (c.status == "cancelled")
    ids = [c.external_id for c in charges]
    assert len(ids) == len(set(ids))


def assert_cancellations_valid(charges: list[DemoCharge]) -> None:
    by_id = {c.external_id: c for c in charges}
    for c in charges:
        if c.cancels is None:
            continue
        paid = by_id[c.cancels]
        assert paid.status == "approved"
        assert paid.occurred_at < c.occurred_at
        assert usage_month(paid.occurred_at) == usage_month(c.occurred_at)
        assert 0 < c.amount <= paid.amount
        assert (c.merchant, c.bucket) == (paid.merchant, paid.bucket)


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_same_seed_gives_identical_history(persona: str) -> None:
    assert generate_history(persona, 5, END) == generate_history(persona, 5, END)


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_different_seeds_give_different_histories(persona: str) -> None:
    histories = {tuple(generate_history(persona, seed, END)) for seed in SEEDS}
    assert len(histories) == len(SEEDS)


def test_demo_lines_are_deterministic() -> None:
    assert demo_lines(3, END) == demo_lines(3, END)
    assert demo_lines(3, END) != demo_lines(4, END)


# --------------------------------------------------------------------------- shape & invariants


@pytest.mark.parametrize("persona", sorted(PERSONAS))
@pytest.mark.parametrize("seed", SEEDS)
def test_history_is_well_formed(persona: str, seed: int) -> None:
    charges = generate_history(persona, seed, END)
    assert charges
    assert_well_formed(charges, END, 14)
    assert_cancellations_valid(charges)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    persona=st.sampled_from(sorted(PERSONAS)),
    seed=st.integers(-(2**40), 2**40),
    end=st.datetimes(datetime(2024, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC)),
    months=st.integers(1, 24),
    micro=st.integers(0, 60).map(lambda n: n * 10_000),
    content=st.integers(0, 40).map(lambda n: n * 10_000),
)
def test_no_bucket_month_passes_its_limit(
    persona: str, seed: int, end: datetime, months: int, micro: int, content: int
) -> None:
    limits = {"micropayment": micro, "content": content}
    charges = generate_history(persona, seed, end, months=months, limits=limits)
    assert_well_formed(charges, end, months)
    assert_cancellations_valid(charges)
    for (bucket, _month), net in net_by_bucket_month(charges).items():
        assert net <= limits[bucket]


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_default_persona_limits_hold(persona: str) -> None:
    limits = PERSONAS[persona].limits
    for seed in SEEDS:
        for (bucket, _month), net in net_by_bucket_month(
            generate_history(persona, seed, END)
        ).items():
            assert 0 <= net <= limits[bucket]


def test_a_blocked_bucket_gets_nothing() -> None:
    charges = generate_history("owner", 1, END, limits={"micropayment": 0})
    assert charges and all(c.bucket == "content" for c in charges)


def test_cancellations_happen_a_few_times_a_year() -> None:
    counts = [
        sum(c.status == "cancelled" for c in generate_history(p, s, END, months=12))
        for p in ("owner", "gamer", "subscriber")
        for s in SEEDS
    ]
    assert min(counts) >= 1
    assert 1 <= sum(counts) / len(counts) <= 8


def test_history_respects_end_inside_the_month() -> None:
    end = datetime(2026, 3, 1, 0, 30, tzinfo=KST)
    charges = generate_history("owner", 2, end)
    assert max(c.occurred_at for c in charges) <= end
    assert usage_month(charges[0].occurred_at) >= months_back("2026-03", 14)[0]


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="persona"):
        generate_history("pirate", 1, END)
    with pytest.raises(ValueError, match="aware"):
        generate_history("owner", 1, datetime(2026, 5, 1))  # naive on purpose
    with pytest.raises(ValueError, match="months"):
        generate_history("owner", 1, END, months=0)


# --------------------------------------------------------------------------- personas


def test_personas_carry_labels_and_limits() -> None:
    assert {"gamer", "subscriber", "shopper", "child", "fraud", "owner"} <= set(PERSONAS)
    for key, persona in PERSONAS.items():
        assert persona.key == key and persona.label
        assert set(persona.limits) == set(BUCKETS)
        assert all(0 < v <= 1_000_000 for v in persona.limits.values())
    assert PERSONAS["child"].is_minor and PERSONAS["child"].limits["micropayment"] == 100_000


@pytest.mark.parametrize("seed", SEEDS)
def test_fraud_has_a_dawn_burst_of_gift_vouchers(seed: int) -> None:
    dawn = sorted(
        to_kst(c.occurred_at)
        for c in generate_history("fraud", seed, END)
        if c.category == "gift_voucher"
        and c.status == "approved"
        and to_kst(c.occurred_at).hour < 6
    )
    windows = [dawn[i + 2] - dawn[i] for i in range(len(dawn) - 2)]
    assert windows and min(windows) <= timedelta(hours=1)


@pytest.mark.parametrize("persona", ["owner", "gamer", "child", "subscriber", "shopper"])
def test_only_the_fraud_persona_buys_vouchers_at_dawn(persona: str) -> None:
    for seed in SEEDS:
        dawn = [
            c
            for c in generate_history(persona, seed, END)
            if c.category == "gift_voucher" and to_kst(c.occurred_at).hour < 6
        ]
        assert not dawn


def recurring_by_merchant(charges: list[DemoCharge]) -> dict[str, dict[str, list[int]]]:
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for c in charges:
        if c.pay_type == "recurring" and c.status == "approved":
            out[c.merchant][usage_month(c.occurred_at)].append(c.amount)
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_subscriber_has_a_monthly_subscription_with_a_price_change(seed: int) -> None:
    per_merchant = recurring_by_merchant(generate_history("subscriber", seed, END))
    monthly_with_change = [
        m
        for m, months in per_merchant.items()
        if len(months) >= 12
        and all(len(a) == 1 for a in months.values())
        and len({a[0] for a in months.values()}) == 2
    ]
    assert monthly_with_change


@pytest.mark.parametrize("seed", SEEDS)
def test_subscriber_adds_one_subscription_and_cancels_another(seed: int) -> None:
    months = months_back(usage_month(END), 14)
    per_merchant = recurring_by_merchant(generate_history("subscriber", seed, END))
    assert any(min(m) > months[1] for m in per_merchant.values())  # added later
    assert any(max(m) < months[-2] for m in per_merchant.values())  # cancelled
    weekly = [m for m in per_merchant.values() if max(len(a) for a in m.values()) >= 3]
    assert weekly


def test_shopper_has_many_zero_months() -> None:
    for seed in SEEDS:
        active = {usage_month(c.occurred_at) for c in generate_history("shopper", seed, END)}
        assert len(active) <= 11


def test_daily_series_is_intermittent() -> None:
    for persona in ("owner", "gamer", "child"):
        days = {to_kst(c.occurred_at).date() for c in generate_history(persona, 1, END)}
        assert len(days) < 0.6 * 14 * 30


def test_amounts_look_like_prices() -> None:
    charges = [c for p in PERSONAS for c in generate_history(p, 9, END)]
    assert all(c.amount % 10 == 0 for c in charges)
    assert len({c.amount for c in charges}) > 30


# --------------------------------------------------------------------------- demo lines


@pytest.mark.parametrize("seed", SEEDS)
def test_demo_lines(seed: int) -> None:
    lines = demo_lines(seed, END)
    assert [(ln.carrier, ln.number, ln.nickname, ln.persona) for ln in lines] == [
        ("KT", "010-1234-5678", "내 폰", "owner"),
        ("SKT", "010-2345-6789", "아이 폰", "child"),
        ("LGU+", "010-3456-7890", "업무폰", "gamer"),
    ]
    assert [ln.is_minor for ln in lines] == [False, True, False]
    assert lines[0].limits == {"micropayment": 500_000, "content": 300_000}
    assert lines[1].limits == {"micropayment": 100_000, "content": 100_000}
    assert lines[2].limits == {"micropayment": 300_000, "content": 200_000}
    window = months_back(usage_month(END), 14)
    best_ratio = 0.0
    for line in lines:
        assert_well_formed(line.charges, END, 14)
        assert_cancellations_valid(line.charges)
        first = usage_month(line.charges[0].occurred_at)
        assert len(window) - window.index(first) >= 13  # at least 13 months of history
        for (bucket, _month), net in net_by_bucket_month(line.charges).items():
            assert net <= line.limits[bucket]
            best_ratio = max(best_ratio, net / line.limits[bucket])
    charges = [c for ln in lines for c in ln.charges]
    assert any(c.pay_type == "recurring" for c in charges)
    assert any(c.cancels for c in charges)
    assert best_ratio >= 0.95

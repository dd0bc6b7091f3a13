"""Bill forecast: invariants (hypothesis), calendar edges, subscriptions, cancellations."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.forecasting import Forecast, Params, forecast_bill, frame_from_charges, net_of_cancellations
from dashboard.forecasting.variable import VariableParams
from data.vocab import KST, days_in_month, month_start, usage_month

MERCHANTS = ("넥슨코리아", "구글플레이", "멜론", "배달의민족", "네이버웹툰")


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def frame(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (moment, amount, merchant[, status[, bucket]])."""
    records = []
    for row in rows:
        moment, amount, merchant = row[:3]
        status = row[3] if len(row) > 3 else "approved"
        bucket = row[4] if len(row) > 4 else "micropayment"
        records.append(
            {"occurred_at": moment, "amount": amount, "merchant": merchant, "status": status, "bucket": bucket}
        )
    if not records:
        return pd.DataFrame(columns=["occurred_at", "amount", "merchant", "status", "bucket"])
    result = pd.DataFrame(records)
    result["occurred_at"] = pd.to_datetime(result["occurred_at"], utc=True)
    return result


def check_invariants(fc: Forecast, as_of: datetime) -> None:
    assert fc.billing_month == usage_month(as_of)
    for value in (fc.spent_to_date, fc.expected, fc.low, fc.high):
        assert isinstance(value, int)
    assert 0 <= fc.spent_to_date <= fc.low <= fc.expected <= fc.high
    if fc.p_exceed_limit is not None:
        assert 0.0 <= fc.p_exceed_limit <= 1.0 and not math.isnan(fc.p_exceed_limit)
    if fc.limit_hit_date is not None:
        assert usage_month(datetime.combine(fc.limit_hit_date, datetime.min.time(), KST)) == fc.billing_month
    for item in fc.upcoming_recurring:
        assert item.amount > 0
        assert item.expected_date.strftime("%Y-%m") == fc.billing_month
    json.dumps(fc.to_dict())


# --------------------------------------------------------------------------- basics


def test_empty_history_forecasts_zero() -> None:
    as_of = kst(2025, 5, 10, 12)
    for empty in (frame([]), None):
        fc = forecast_bill(empty, as_of)
        assert (fc.spent_to_date, fc.expected, fc.low, fc.high) == (0, 0, 0, 0)
        assert fc.p_exceed_limit is None and fc.limit_hit_date is None
        assert fc.upcoming_recurring == ()
    limited = forecast_bill(frame([]), as_of, limit=50_000)
    assert limited.p_exceed_limit == 0.0 and limited.limit_hit_date is None
    check_invariants(limited, as_of)


def test_p_exceed_is_none_without_limit() -> None:
    rows = [(kst(2025, 4, d, 20), 10_000, "넥슨코리아") for d in (3, 9, 17, 28)]
    rows.append((kst(2025, 5, 2, 20), 5_000, "넥슨코리아"))
    as_of = kst(2025, 5, 10)
    assert forecast_bill(frame(rows), as_of).p_exceed_limit is None
    fc = forecast_bill(frame(rows), as_of, limit=30_000)
    assert fc.p_exceed_limit is not None
    check_invariants(fc, as_of)


def test_rows_at_or_after_as_of_are_ignored_and_only_approved_count() -> None:
    as_of = kst(2025, 5, 10, 12)
    rows = [
        (kst(2025, 5, 2, 9), 3_000, "멜론"),
        (kst(2025, 5, 3, 9), 7_000, "멜론", "declined"),
        (as_of, 50_000, "넥슨코리아"),
        (kst(2025, 5, 20), 50_000, "넥슨코리아"),
    ]
    assert forecast_bill(frame(rows), as_of).spent_to_date == 3_000


def test_one_month_of_history_gives_a_wide_interval() -> None:
    rows = [(kst(2025, 4, d, 21), 11_000, "넥슨코리아") for d in (2, 6, 7, 13, 20, 21, 27)]
    as_of = kst(2025, 5, 1, 9)
    fc = forecast_bill(frame(rows), as_of)
    check_invariants(fc, as_of)
    assert fc.expected > 0
    assert fc.high - fc.low >= fc.expected // 2


def test_years_of_history_work() -> None:
    rows = []
    start = kst(2023, 1, 1, 20)
    for k in range(0, 3 * 365, 3):
        rows.append((start + timedelta(days=k), 1_100 * (1 + k % 7), MERCHANTS[k % 4]))
    as_of = kst(2025, 12, 16, 8)
    fc = forecast_bill(frame(rows), as_of, limit=100_000)
    check_invariants(fc, as_of)
    assert fc.spent_to_date < fc.expected


# --------------------------------------------------------------------------- time zones


def test_late_evening_on_the_last_day_belongs_to_that_month() -> None:
    late = kst(2025, 5, 31, 23, 30)  # 14:30 UTC
    rows = [(late.astimezone(UTC), 9_900, "멜론")]
    fc = forecast_bill(frame(rows), kst(2025, 5, 31, 23, 50))
    assert fc.billing_month == "2025-05"
    assert fc.spent_to_date == 9_900
    next_month = forecast_bill(frame(rows), kst(2025, 6, 1, 0, 20))
    assert next_month.billing_month == "2025-06"
    assert next_month.spent_to_date == 0


def test_just_after_midnight_on_the_first_belongs_to_the_new_month() -> None:
    early = kst(2025, 6, 1, 0, 10)  # 2025-05-31 15:10 UTC
    rows = [(early.astimezone(UTC), 4_990, "쿠팡")]
    as_of_utc = datetime(2025, 5, 31, 15, 30, tzinfo=UTC)  # 00:30 KST on June 1st
    fc = forecast_bill(frame(rows), as_of_utc)
    assert fc.billing_month == "2025-06"
    assert fc.spent_to_date == 4_990
    before = forecast_bill(frame(rows), kst(2025, 5, 31, 23, 59))
    assert before.billing_month == "2025-05" and before.spent_to_date == 0


# --------------------------------------------------------------------------- subscriptions


def subscription_history() -> list[tuple]:
    rows: list[tuple] = []
    for month in ("2025-01", "2025-02", "2025-03", "2025-04", "2025-05"):
        start = month_start(month)
        rows.append((start + timedelta(days=19, hours=9), 10_900, "멜론"))  # the 20th
    monday = kst(2025, 1, 6, 15)
    while monday < kst(2025, 5, 12):
        rows.append((monday, 2_000, "네이버웹툰"))
        monday += timedelta(days=7)
    rows += [(kst(2025, m, 11, 22), 33_000, "넥슨코리아") for m in (1, 3, 4)]
    return rows


def test_detects_monthly_and_weekly_subscriptions() -> None:
    as_of = kst(2025, 5, 12, 12)
    fc = forecast_bill(frame(subscription_history()), as_of)
    check_invariants(fc, as_of)
    upcoming = {(item.merchant, item.expected_date.isoformat(), item.amount) for item in fc.upcoming_recurring}
    assert ("멜론", "2025-05-20", 10_900) in upcoming
    weekly = sorted(d for m, d, _ in upcoming if m == "네이버웹툰")
    assert weekly == ["2025-05-12", "2025-05-19", "2025-05-26"]
    assert fc.recurring_due == 10_900 + 3 * 2_000
    assert fc.expected >= fc.spent_to_date + fc.recurring_due


def test_a_subscription_already_charged_this_month_is_not_due_again() -> None:
    rows = [*subscription_history(), (kst(2025, 5, 14, 9), 10_900, "멜론")]
    fc = forecast_bill(frame(rows), kst(2025, 5, 16))
    assert "멜론" not in {item.merchant for item in fc.upcoming_recurring}


def test_excluded_merchants_are_not_expected() -> None:
    as_of = kst(2025, 5, 12, 12)
    base = forecast_bill(frame(subscription_history()), as_of)
    fc = forecast_bill(frame(subscription_history()), as_of, exclude_merchants=["멜론"])
    assert "멜론" not in {item.merchant for item in fc.upcoming_recurring}
    assert fc.expected <= base.expected - 10_900 + 1
    assert fc.spent_to_date == base.spent_to_date


def test_a_merchant_marked_not_a_subscription_is_variable_spending_not_a_recurring_charge() -> None:
    """"Not a subscription" (the /subscriptions mark): never projected as 자동결제 still due, but unlike
    "cancelled" its charges keep counting as the line's ordinary spending."""
    as_of = kst(2025, 5, 12, 12)
    history = frame(subscription_history())
    base = forecast_bill(history, as_of)
    marked = forecast_bill(history, as_of, not_recurring=["멜론"])
    cancelled = forecast_bill(history, as_of, exclude_merchants=["멜론"])
    check_invariants(marked, as_of)
    assert "멜론" not in {item.merchant for item in marked.upcoming_recurring}
    assert "네이버웹툰" in {item.merchant for item in marked.upcoming_recurring}
    assert marked.recurring_due == base.recurring_due - 10_900
    assert marked.spent_to_date == base.spent_to_date
    # Its past charges now feed the variable forecast: more than when the merchant is dropped entirely.
    assert marked.variable_expected > cancelled.variable_expected
    assert cancelled.expected < marked.expected < base.expected


def test_a_price_rise_is_followed() -> None:
    rows = [
        (month_start(m) + timedelta(days=3, hours=12), 10_450, "구글플레이") for m in ("2025-01", "2025-02", "2025-03")
    ]
    rows += [(month_start(m) + timedelta(days=3, hours=12), 14_900, "구글플레이") for m in ("2025-04", "2025-05")]
    fc = forecast_bill(frame(rows), kst(2025, 6, 1, 8))
    assert [(i.merchant, i.amount, i.expected_date.day) for i in fc.upcoming_recurring] == [("구글플레이", 14_900, 4)]


# --------------------------------------------------------------------------- limits


def test_limit_hit_date_is_in_the_month_or_none() -> None:
    rows = [(kst(2025, 4, d, 21), 20_000, "넥슨코리아") for d in range(1, 31, 2)]
    rows += [(kst(2025, 5, d, 21), 20_000, "넥슨코리아") for d in range(1, 10, 2)]
    as_of = kst(2025, 5, 10)
    reached = forecast_bill(frame(rows), as_of, limit=60_000)
    assert reached.p_exceed_limit == 1.0
    assert reached.limit_hit_date is not None and reached.limit_hit_date.isoformat() == "2025-05-05"
    coming = forecast_bill(frame(rows), as_of, limit=200_000)
    check_invariants(coming, as_of)
    assert coming.limit_hit_date is None or coming.limit_hit_date >= as_of.date()
    far = forecast_bill(frame(rows), as_of, limit=5_000_000)
    assert far.limit_hit_date is None and far.p_exceed_limit is not None and far.p_exceed_limit < 0.5


# --------------------------------------------------------------------------- cancellations


def test_net_of_cancellations() -> None:
    rows = pd.DataFrame(
        [
            {
                "occurred_at": kst(2025, 5, 2, 10),
                "amount": 30_000,
                "external_id": "a",
                "cancels": None,
                "status": "approved",
            },
            {
                "occurred_at": kst(2025, 5, 2, 11),
                "amount": 30_000,
                "external_id": "a-C",
                "cancels": "a",
                "status": "cancelled",
            },
            {
                "occurred_at": kst(2025, 5, 3, 10),
                "amount": 20_000,
                "external_id": "b",
                "cancels": None,
                "status": "approved",
            },
            {
                "occurred_at": kst(2025, 5, 4, 10),
                "amount": 8_000,
                "external_id": "b-C",
                "cancels": "b",
                "status": "cancelled",
            },
            {
                "occurred_at": kst(2025, 5, 31, 23, 0),
                "amount": 5_000,
                "external_id": "c",
                "cancels": None,
                "status": "approved",
            },
            {
                "occurred_at": kst(2025, 6, 1, 9),
                "amount": 5_000,
                "external_id": "c-C",
                "cancels": "c",
                "status": "cancelled",
            },
            {
                "occurred_at": kst(2025, 5, 5, 10),
                "amount": 1_000,
                "external_id": "d",
                "cancels": None,
                "status": "cancelled",
            },
        ]
    )
    rows["merchant"], rows["bucket"] = "쿠팡", "micropayment"
    netted = net_of_cancellations(rows)
    assert sorted(zip(netted["external_id"], netted["amount"], strict=True)) == [("b", 12_000), ("c", 5_000)]
    # The forecast nets only what was known at as_of.
    assert forecast_bill(rows, kst(2025, 5, 2, 10, 30)).spent_to_date == 30_000
    assert forecast_bill(rows, kst(2025, 5, 10)).spent_to_date == 12_000 + 0
    assert forecast_bill(rows, kst(2025, 6, 2)).spent_to_date == 0


def test_store_rows_link_cancellations_by_id_and_skip_refunds() -> None:
    """The store's shape (data/models.py): cancels_id → id, and a `refund` flag (gaps allowed)."""
    rows = pd.DataFrame(
        [
            (1, kst(2025, 5, 2, 10), 30_000, "approved", None, False),
            (2, kst(2025, 5, 2, 11), 30_000, "cancelled", 1, None),
            (3, kst(2025, 5, 3, 10), 7_000, "approved", None, None),
            (4, kst(2025, 5, 4, 10), 7_000, "cancelled", 3, True),
        ],
        columns=["id", "occurred_at", "amount", "status", "cancels_id", "refund"],
    )
    rows["merchant"], rows["bucket"] = "쿠팡", "micropayment"
    assert list(net_of_cancellations(rows)["id"]) == [3]
    assert forecast_bill(rows, kst(2025, 5, 10)).spent_to_date == 7_000


def test_frame_from_charges_accepts_dataclasses_and_mappings() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Charge:
        occurred_at: datetime
        merchant: str
        amount: int
        status: str
        bucket: str
        external_id: str
        cancels: str | None = None

    charges = [
        Charge(kst(2025, 5, 1, 9), "멜론", 10_900, "approved", "micropayment", "x"),
        {
            "occurred_at": kst(2025, 5, 2, 9),
            "merchant": "멜론",
            "amount": 100,
            "status": "approved",
            "bucket": "micropayment",
            "external_id": "y",
            "cancels": None,
        },
    ]
    built = frame_from_charges(charges)
    assert list(built["amount"]) == [10_900, 100]
    assert str(built["occurred_at"].dt.tz) == "UTC"
    assert frame_from_charges([]).empty


# --------------------------------------------------------------------------- properties

AS_OF = st.datetimes(min_value=datetime(2025, 3, 1), max_value=datetime(2025, 12, 31), timezones=st.just(KST))


@st.composite
def histories(draw: st.DrawFn) -> tuple[pd.DataFrame, datetime]:
    as_of = draw(AS_OF)
    span = draw(st.integers(min_value=0, max_value=400))
    rows: list[tuple] = []
    for _ in range(draw(st.integers(min_value=0, max_value=40))):
        back = draw(st.floats(min_value=0.001, max_value=span + 0.999))
        amount = draw(st.sampled_from((1_000, 2_000, 4_990, 10_900, 33_000, 55_000)) | st.integers(1, 200_000))
        rows.append((as_of - timedelta(days=back), amount, draw(st.sampled_from(MERCHANTS))))
    if draw(st.booleans()):  # a monthly subscription
        day = draw(st.integers(min_value=1, max_value=28))
        month = usage_month(as_of)
        for _ in range(draw(st.integers(min_value=1, max_value=6))):
            month = usage_month(month_start(month) - timedelta(days=1))
            rows.append((month_start(month) + timedelta(days=day - 1, hours=9), 10_900, "멜론"))
    if draw(st.booleans()):  # a weekly top-up
        for week in range(1, draw(st.integers(min_value=1, max_value=12))):
            rows.append((as_of - timedelta(days=7 * week + 0.5), 2_000, "네이버웹툰"))
    return frame(rows), as_of


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(histories(), st.none() | st.integers(min_value=0, max_value=500_000))
def test_invariants_hold(history: tuple[pd.DataFrame, datetime], limit: int | None) -> None:
    transactions, as_of = history
    fc = forecast_bill(transactions, as_of, limit=limit)
    check_invariants(fc, as_of)
    assert (fc.p_exceed_limit is None) == (limit is None)


@SETTINGS
@given(histories(), st.data())
def test_adding_a_charge_this_month_never_lowers_the_forecast(
    history: tuple[pd.DataFrame, datetime], data: st.DataObject
) -> None:
    """A charge before as_of in the current month: spent rises by its amount; a subscription
    it matches owes at most that much less; the variable part can only grow."""
    transactions, as_of = history
    start = month_start(usage_month(as_of))
    elapsed = (as_of - start).total_seconds()
    if elapsed <= 1:
        return
    at = start + timedelta(seconds=data.draw(st.floats(min_value=0, max_value=elapsed - 1)))
    existing = list(transactions["amount"]) if len(transactions) else []
    amount = data.draw(st.sampled_from(existing) if existing and data.draw(st.booleans()) else st.integers(1, 300_000))
    merchant = data.draw(st.sampled_from((*MERCHANTS, "새 가맹점")))
    before = forecast_bill(transactions, as_of)
    extra = frame([(at, amount, merchant)])
    combined = pd.concat([transactions, extra], ignore_index=True) if len(transactions) else extra
    after = forecast_bill(combined, as_of)
    assert after.spent_to_date == before.spent_to_date + amount
    assert after.expected >= before.expected


def test_month_lengths() -> None:
    """Forecasts work on the last instant of every month length (28–31 days)."""
    rows = [(kst(2024, 1, 1) + timedelta(days=k, hours=20), 3_300, "넷마블") for k in range(0, 500, 4)]
    for month in ("2025-02", "2024-02", "2025-04", "2025-05"):
        as_of = month_start(month) + timedelta(days=days_in_month(month)) - timedelta(seconds=1)
        fc = forecast_bill(frame(rows), as_of, limit=40_000)
        check_invariants(fc, as_of)


@pytest.mark.parametrize("persona", ["gamer", "subscriber", "shopper", "child", "fraud", "owner"])
def test_demo_personas(persona: str) -> None:
    demo = pytest.importorskip("data.demo")
    end = kst(2025, 6, 15, 12)
    charges = demo.generate_history(persona, 7, end)
    transactions = frame_from_charges(charges)
    limit = sum(demo.PERSONAS[persona].limits.values())
    fc = forecast_bill(transactions, end, limit=limit)
    check_invariants(fc, end)


# --------------------------------------------------------------------------- a change of level


def every_other_day(start: datetime, end: datetime, amount: int, merchant: str = "배달의민족") -> list[tuple]:
    """One payment every other day at 19:00 KST in [start, end): a steady everyday spender."""
    rows, day = [], start.replace(hour=19)
    while day < end:
        rows.append((day, amount, merchant))
        day += timedelta(days=2)
    return rows


NO_SHIFT = Params(variable=VariableParams(level_shift=False))
STEP = kst(2025, 4, 1)  # the first month at the new level
TWO_MONTHS_LATER = kst(2025, 6, 1, 12)


@pytest.mark.parametrize(("old", "new"), [(6_000, 3_000), (3_000, 7_500)], ids=["halves", "grows-2.5x"])
def test_two_months_after_a_change_of_level_the_forecast_is_at_the_new_level(old: int, new: int) -> None:
    rows = every_other_day(kst(2024, 7, 1), STEP, old) + every_other_day(STEP, kst(2025, 7, 1), new)
    history = frame(rows)
    new_level, old_level = 15 * new, 15 * old  # a 30-day month, a payment every other day
    for as_of in (TWO_MONTHS_LATER, kst(2025, 6, 10, 12)):
        fc = forecast_bill(history, as_of)
        check_invariants(fc, as_of)
        assert abs(fc.expected - new_level) <= 0.25 * new_level, (as_of, fc.expected)
    # Without following the change the forecast stays much nearer the old level.
    before = forecast_bill(history, TWO_MONTHS_LATER, params=NO_SHIFT)
    assert abs(before.expected - new_level) > 0.4 * new_level
    assert abs(before.expected - old_level) < abs(fc.expected - old_level)


def test_a_steady_line_is_forecast_as_before() -> None:
    """No change of level: the forecast is the one without the rule, to the won."""
    rows = every_other_day(kst(2024, 7, 1), kst(2025, 6, 20), 5_000)
    rows += [(kst(2024, m, 14, 21), 33_000, "넥슨코리아") for m in (8, 11)]  # the odd lump
    history = frame(rows)
    for as_of in (kst(2025, 3, 1, 12), kst(2025, 6, 1, 12), kst(2025, 6, 15, 12)):
        assert forecast_bill(history, as_of) == forecast_bill(history, as_of, params=NO_SHIFT)


def test_one_binge_is_not_a_change_of_level() -> None:
    """A dawn burst of gift vouchers (one day) is a lump, not a new level: nothing is rescaled."""
    rows = every_other_day(kst(2024, 7, 1), kst(2025, 6, 20), 3_000)
    rows += [(kst(2025, 5, 17, 3) + timedelta(minutes=4 * k), 50_000, "컬쳐랜드") for k in range(8)]
    history = frame(rows)
    assert forecast_bill(history, TWO_MONTHS_LATER) == forecast_bill(history, TWO_MONTHS_LATER, params=NO_SHIFT)


@pytest.mark.parametrize(("persona", "factor"), [("level_down", 0.5), ("level_up", 2.5)])
def test_level_personas_change_level_at_their_step(persona: str, factor: float) -> None:
    """The backtest's level personas: spending before vs from the step month (level_step)."""
    from data.demo import generate_history
    from data.demo.generate import _context
    from data.demo.personas import level_step

    end = kst(2025, 12, 31, 23)
    ratios = []
    for seed in range(8):
        context = _context(persona, seed, end, 14, False)
        step = level_step(context)
        assert 14 - 6 <= step <= 14 - 4  # 4–6 months before the end
        by_month = dict.fromkeys(context.months, 0)
        for charge in generate_history(persona, seed, end):
            if charge.status == "approved":
                by_month[usage_month(charge.occurred_at)] += charge.amount
        totals = np.array(list(by_month.values()), dtype=float)
        ratios.append(totals[step:].mean() / totals[:step].mean())
    assert factor * 0.7 < float(np.median(ratios)) < factor * 1.3

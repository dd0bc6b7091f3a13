"""The alert rules, pure: thresholds, keys, KST night window and day/month boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.alerts import rules
from dashboard.alerts.rules import Charge, FraudParams
from data.vocab import KST, usage_month

P = FraudParams()


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


_ids = iter(range(1, 10_000))


def charge(at: datetime, amount: int = 50_000, merchant: str = "컬쳐랜드", category: str = "gift_voucher",
           status: str = "approved", decline_reason: str | None = None, key: str | None = None) -> Charge:
    return Charge(next(_ids), at.astimezone(UTC), amount, merchant, key or merchant, category, status, decline_reason)


# ---- budget ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("used", "fired", "expected"), [
    (49_999, [], None),
    (50_000, [], "budget:50:2026-11"),
    (85_000, [50], "budget:80:2026-11"),
    (85_000, [80], None),
    (90_000, [], "budget:80:2026-11"),  # jumped over 50: one alert, not two
    (95_000, [80], None),
    (100_000, [50, 80], "budget:100:2026-11"),
    (150_000, [100], None),
])
def test_budget_threshold_fires_the_highest_new_level(used, fired, expected):
    found = rules.budget_threshold("내 폰", "2026-11", used, 100_000, [50, 80, 100], fired)
    assert (found.rule_key if found else None) == expected


def test_budget_over_uses_its_own_message_and_formats_won():
    found = rules.budget_threshold("내 폰", "2026-11", 120_000, 100_000, [50, 80, 100], [])
    assert found.message_key == "alerts.msg.budget_over"
    assert found.values["used"] == "120,000원" and found.values["budget"] == "100,000원"
    assert found.kind == "budget_threshold" and not found.block_link


def test_budget_threshold_month_follows_kst_calendar():
    # 23:59 KST on the last day and 00:01 KST the next day are different usage months (and keys).
    last = kst(2026, 11, 30, 23, 59)
    first = kst(2026, 12, 1, 0, 1)
    assert usage_month(last) == "2026-11" and usage_month(first) == "2026-12"
    assert usage_month(last.astimezone(UTC)) == "2026-11"  # 14:59 UTC
    a = rules.budget_threshold("x", usage_month(last), 90_000, 100_000, [80], [])
    b = rules.budget_threshold("x", usage_month(first), 90_000, 100_000, [80], [])
    assert a.rule_key == "budget:80:2026-11" and b.rule_key == "budget:80:2026-12"


def test_parse_thresholds():
    assert rules.parse_thresholds("50, 80,100") == [50, 80, 100]
    with pytest.raises(ValueError):
        rules.parse_thresholds("50,x")


# ---- forecast ----------------------------------------------------------------------------------

def test_forecast_over_budget_needs_expected_over_and_spending_under():
    fire = rules.forecast_over_budget("x", "2026-11", 60_000, 100_000, 130_000, 0.8, 0.5)
    assert fire.rule_key == "forecast:2026-11" and fire.values["p"] == 80
    assert rules.forecast_over_budget("x", "2026-11", 60_000, 100_000, 90_000, 0.3, 0.5) is None
    assert rules.forecast_over_budget("x", "2026-11", 60_000, 100_000, 130_000, 0.4, 0.5) is None
    assert rules.forecast_over_budget("x", "2026-11", 100_000, 100_000, 130_000, 0.9, 0.5) is None


# ---- single charges ----------------------------------------------------------------------------

def test_large_charge_at_or_above_threshold_with_block_link():
    c = charge(kst(2026, 11, 5, 14, 0), amount=50_000)
    found = rules.large_charge("내 폰", c, 50_000)
    assert found.rule_key == f"large:{c.id}" and found.block_link
    assert found.values["time"] == "2026-11-05 14:00" and found.values["amount"] == "50,000원"
    assert rules.large_charge("내 폰", c, 50_001) is None
    assert rules.large_charge("내 폰", c, None) is None
    declined = charge(kst(2026, 11, 5, 14, 0), amount=90_000, status="declined", decline_reason="limit_exceeded")
    assert rules.large_charge("내 폰", declined, 50_000) is None


def test_new_merchant_only_on_a_line_with_history():
    c = charge(kst(2026, 11, 5, 14, 0), merchant="낯선상점")
    assert rules.new_merchant("x", c, seen_before=False, has_history=True).rule_key == "merchant:낯선상점"
    assert rules.new_merchant("x", c, seen_before=True, has_history=True) is None
    assert rules.new_merchant("x", c, seen_before=False, has_history=False) is None
    long = charge(kst(2026, 11, 5, 14, 0), key="가" * 150)
    assert len(rules.new_merchant("x", long, seen_before=False, has_history=True).rule_key) <= 120


def test_blocked_attempt_once_per_kst_hour():
    a = charge(kst(2026, 11, 25, 3, 5), status="declined", decline_reason="blocked")
    b = charge(kst(2026, 11, 25, 3, 55), status="declined", decline_reason="blocked")
    c = charge(kst(2026, 11, 25, 4, 0), status="declined", decline_reason="blocked")
    keys = [rules.blocked_attempt("x", x).rule_key for x in (a, b, c)]
    assert keys == ["blocked:2026-11-25T03", "blocked:2026-11-25T03", "blocked:2026-11-25T04"]
    assert rules.blocked_attempt("x", charge(kst(2026, 11, 25, 3), status="declined",
                                             decline_reason="limit_exceeded")) is None


# ---- night window ------------------------------------------------------------------------------

@pytest.mark.parametrize(("utc", "night"), [
    (datetime(2026, 11, 24, 14, 59, tzinfo=UTC), False),  # 23:59 KST on the 24th
    (datetime(2026, 11, 24, 15, 0, tzinfo=UTC), True),  # 00:00 KST on the 25th
    (datetime(2026, 11, 24, 20, 59, tzinfo=UTC), True),  # 05:59 KST
    (datetime(2026, 11, 24, 21, 0, tzinfo=UTC), False),  # 06:00 KST
])
def test_night_window_is_00_to_06_kst_which_is_15_to_21_utc_the_day_before(utc, night):
    assert rules.is_night(utc, P) is night


def test_three_night_charges_within_an_hour_is_a_burst():
    cs = [charge(kst(2026, 11, 25, 3, m), category="shopping", merchant=f"m{m}") for m in (0, 20, 50)]
    bursts = rules.fraud_bursts(cs[-1], cs, P)
    assert [b.pattern for b in bursts] == ["night"]
    assert rules.fraud_key(bursts[0]) == "fraud_night:2026-11-25"


def test_night_charges_spread_over_more_than_an_hour_are_not():
    cs = [charge(kst(2026, 11, 25, 3, 0), category="shopping", merchant="a"),
          charge(kst(2026, 11, 25, 3, 30), category="shopping", merchant="b"),
          charge(kst(2026, 11, 25, 4, 10), category="shopping", merchant="c")]
    assert all(rules.fraud_bursts(c, cs, P) == [] for c in cs)


def test_night_burst_ignores_charges_before_midnight_and_after_six():
    cs = [charge(kst(2026, 11, 24, 23, 50), category="shopping", merchant="a"),
          charge(kst(2026, 11, 25, 0, 10), category="shopping", merchant="b"),
          charge(kst(2026, 11, 25, 0, 20), category="shopping", merchant="c")]
    assert rules.fraud_bursts(cs[-1], cs, P) == []
    morning = [charge(kst(2026, 11, 25, 5, 40), category="shopping", merchant=m) for m in "ab"]
    morning.append(charge(kst(2026, 11, 25, 6, 0), category="shopping", merchant="c"))
    assert rules.fraud_bursts(morning[-1], morning, P) == []
    assert rules.fraud_bursts(morning[1], morning, P) == []


def test_declined_attempts_count_but_blocked_and_cancellations_do_not():
    cs = [charge(kst(2026, 11, 25, 3, 0), category="shopping"),
          charge(kst(2026, 11, 25, 3, 5), category="shopping", status="declined", decline_reason="limit_exceeded"),
          charge(kst(2026, 11, 25, 3, 10), category="shopping", status="declined", decline_reason="blocked")]
    assert rules.fraud_bursts(cs[1], cs, P) == []
    cs.append(charge(kst(2026, 11, 25, 3, 15), category="shopping", status="declined", decline_reason="limit_exceeded"))
    assert [b.pattern for b in rules.fraud_bursts(cs[-1], cs, P)] == ["night"]


# ---- vouchers and small charges ----------------------------------------------------------------

def test_vouchers_game_money_and_transport_top_ups_in_quick_succession_any_time_of_day():
    cs = [charge(kst(2026, 11, 25, 14, 0), category="gift_voucher"),
          charge(kst(2026, 11, 25, 14, 10), category="transport", merchant="티머니"),
          charge(kst(2026, 11, 25, 14, 29), category="gift_voucher", merchant="해피머니")]
    assert [b.pattern for b in rules.fraud_bursts(cs[-1], cs, P)] == ["voucher"]
    game_money = [charge(kst(2026, 11, 25, 14, m), amount=30_000, category="game", merchant=f"게임{m}")
                  for m in (0, 5, 10)]
    assert [b.pattern for b in rules.fraud_bursts(game_money[-1], game_money, P)] == ["voucher"]
    spread = [charge(kst(2026, 11, 25, 14, m), category="gift_voucher") for m in (0, 20, 40)]
    assert rules.fraud_bursts(spread[-1], spread, P) == []
    shopping = [charge(kst(2026, 11, 25, 14, m), category="shopping") for m in (0, 5, 10)]
    assert rules.fraud_bursts(shopping[-1], shopping, P) == []


def test_many_small_charges_to_one_merchant_within_minutes():
    cs = [charge(kst(2026, 11, 25, 14, m), amount=9_900, category="shopping", merchant="넥슨") for m in (0, 2, 4, 6, 9)]
    assert [b.pattern for b in rules.fraud_bursts(cs[-1], cs, P)] == ["small"]
    assert rules.fraud_bursts(cs[3], cs[:4], P) == []  # only four
    bigger = [*cs[:4], charge(kst(2026, 11, 25, 14, 9), amount=15_000, category="shopping", merchant="넥슨")]
    assert rules.fraud_bursts(bigger[-1], bigger, P) == []
    mixed = [*cs[:4], charge(kst(2026, 11, 25, 14, 9), amount=9_900, category="shopping", merchant="엔씨")]
    assert rules.fraud_bursts(mixed[-1], mixed, P) == []


def test_dawn_voucher_burst_is_one_alert_naming_both_patterns():
    cs = [charge(kst(2026, 11, 25, 3, m)) for m in (0, 2, 4)]
    bursts = rules.fraud_bursts(cs[-1], cs, P)
    assert [b.pattern for b in bursts] == ["night", "voucher"]
    found = rules.fraud_finding("내 폰", cs[-1], bursts, reported=set())
    assert found.kind == "fraud_burst" and found.block_link
    assert found.rule_key == "fraud_night:2026-11-25"
    assert found.detail["keys"] == ["fraud_night:2026-11-25", "fraud_voucher:2026-11-25"]
    assert found.values["count"] == 3 and found.values["total"] == "150,000원"
    # The next charge of the same burst: both keys were reported by that one alert.
    cs.append(charge(kst(2026, 11, 25, 3, 6)))
    again = rules.fraud_bursts(cs[-1], cs, P)
    assert rules.fraud_finding("내 폰", cs[-1], again, reported=set(found.detail["keys"])) is None
    # A pattern not reported that day still fires.
    voucher = rules.fraud_finding("내 폰", cs[-1], again, {"fraud_night:2026-11-25"})
    assert voucher.rule_key == "fraud_voucher:2026-11-25"


def test_burst_key_is_the_kst_day_the_burst_started():
    cs = [charge(kst(2026, 11, 24, 23, 50)), charge(kst(2026, 11, 24, 23, 55)), charge(kst(2026, 11, 25, 0, 5)),
          charge(kst(2026, 11, 25, 0, 12))]
    keys = {rules.fraud_key(b) for c in cs for b in rules.fraud_bursts(c, cs, P) if b.pattern == "voucher"}
    assert keys == {"fraud_voucher:2026-11-24"}


def test_a_new_burst_another_day_has_a_new_key():
    day1 = [charge(kst(2026, 11, 25, 3, m)) for m in (0, 2, 4)]
    day2 = [charge(kst(2026, 11, 27, 3, m)) for m in (0, 2, 4)]
    history = day1 + day2
    keys = {rules.fraud_key(b) for b in rules.bursts_in(history, P)}
    assert keys == {"fraud_night:2026-11-25", "fraud_voucher:2026-11-25",
                    "fraud_night:2026-11-27", "fraud_voucher:2026-11-27"}


def test_fraud_params_from_settings(monkeypatch, tmp_path):
    from dashboard.settings import Settings, load_settings

    params = FraudParams.from_settings(Settings(fraud_small_count=7, fraud_voucher_categories="gift_voucher"))
    assert params.small_count == 7 and params.voucher_categories == frozenset({"gift_voucher"})
    assert params.night_window == timedelta(minutes=60) and params.widest == timedelta(minutes=60)
    assert FraudParams.from_settings(Settings()) == FraudParams()  # the settings' defaults are the rules'
    monkeypatch.setenv("MICROBILL_FRAUD_NIGHT_COUNT", "4")
    monkeypatch.setenv("MICROBILL_FRAUD_VOUCHER_WINDOW_MINUTES", "45")
    from_env = FraudParams.from_settings(load_settings({"instance_path": str(tmp_path)}))
    assert from_env.night_count == 4 and from_env.voucher_window == timedelta(minutes=45)


# ---- KST midnight and month boundaries, rule by rule ------------------------------------------------
# 23:59 KST on 30 November and 00:00 KST on 1 December are both 30 November in UTC (14:59 and 15:00):
# every day, hour and month a rule keys on must be the KST one.
LAST_MINUTE = kst(2026, 11, 30, 23, 59)
FIRST_MINUTE = kst(2026, 12, 1, 0, 0)


def test_the_boundary_minutes_share_a_utc_day():
    assert LAST_MINUTE.astimezone(UTC).date() == FIRST_MINUTE.astimezone(UTC).date()


def test_large_charge_and_new_merchant_name_the_kst_day_after_midnight():
    late = charge(FIRST_MINUTE, amount=60_000, merchant="쿠팡", category="shopping")
    assert rules.large_charge("x", late, 50_000).values["time"] == "2026-12-01 00:00"
    assert rules.new_merchant("x", late, seen_before=False, has_history=True).values["time"] == "2026-12-01 00:00"
    early = charge(LAST_MINUTE, amount=60_000, merchant="쿠팡", category="shopping")
    assert rules.large_charge("x", early, 50_000).values["time"] == "2026-11-30 23:59"


def test_forecast_key_is_the_kst_usage_month():
    keys = [rules.forecast_over_budget("x", usage_month(at), 60_000, 100_000, 130_000, 0.9, 0.5).rule_key
            for at in (LAST_MINUTE, FIRST_MINUTE)]
    assert keys == ["forecast:2026-11", "forecast:2026-12"]


def test_blocked_attempt_hour_key_turns_with_the_kst_day_and_month():
    keys = [rules.blocked_attempt("x", charge(at, status="declined", decline_reason="blocked")).rule_key
            for at in (LAST_MINUTE, FIRST_MINUTE)]
    assert keys == ["blocked:2026-11-30T23", "blocked:2026-12-01T00"]


def test_small_charge_burst_across_midnight_and_month_end_keeps_the_day_it_started():
    cs = [charge(LAST_MINUTE + timedelta(minutes=m), amount=9_900, category="shopping", merchant="넥슨")
          for m in (-4, -2, 0, 2, 4)]  # 23:55 … 00:03
    keys = {rules.fraud_key(b) for c in cs for b in rules.fraud_bursts(c, cs, P)}
    assert keys == {"fraud_small:2026-11-30"}  # one story, not a second one for 1 December


def test_night_burst_starting_at_kst_midnight_is_the_new_day():
    cs = [charge(FIRST_MINUTE + timedelta(minutes=m), category="shopping", merchant=f"m{m}") for m in (0, 10, 20)]
    assert {rules.fraud_key(b) for b in rules.fraud_bursts(cs[-1], cs, P)} == {"fraud_night:2026-12-01"}
    before = [charge(LAST_MINUTE, category="shopping", merchant="a"), *cs[:2]]  # 23:59 is not night
    assert rules.fraud_bursts(before[-1], before, P) == []


def test_could_burst_lets_the_engine_skip_the_window_query():
    assert not rules.could_burst(charge(kst(2026, 11, 25, 14, 0), amount=30_000, category="shopping"), P)
    assert rules.could_burst(charge(kst(2026, 11, 25, 3, 0), amount=30_000, category="shopping"), P)
    assert rules.could_burst(charge(kst(2026, 11, 25, 14, 0), amount=30_000, category="transport"), P)
    assert rules.could_burst(charge(kst(2026, 11, 25, 14, 0), amount=10_000, category="shopping"), P)
    blocked = charge(kst(2026, 11, 25, 3, 0), status="declined", decline_reason="blocked")
    assert not rules.could_burst(blocked, P)


# ---- bursts_in (imports) against the live path -----------------------------------------------------

def _bursts_by_live_path(history: list[Charge], params: FraudParams) -> list[rules.Burst]:
    """What the live path would report: fraud_bursts for each charge in time order, first per key."""
    seen: dict[str, rules.Burst] = {}
    for c in sorted(history, key=lambda c: (c.occurred_at, c.id)):
        for burst in rules.fraud_bursts(c, history, params):
            seen.setdefault(rules.fraud_key(burst), burst)
    return list(seen.values())


_START = kst(2026, 11, 24, 22, 0)
_charges = st.lists(
    st.tuples(
        st.integers(0, 8 * 60),  # minutes after 22:00 KST: across midnight and the night window's end
        st.sampled_from([1_000, 5_000, 50_000]),
        st.sampled_from(["컬쳐랜드", "넥슨", "구글"]),
        st.sampled_from(["gift_voucher", "game_money", "game"]),
        st.sampled_from([("approved", None), ("declined", "limit"), ("declined", "blocked"), ("cancelled", None)]),
    ),
    max_size=40,
)


@given(_charges, st.sampled_from([P, FraudParams(night_count=2, small_count=3, voucher_window=timedelta(minutes=5))]))
@settings(max_examples=400, deadline=None)
def test_bursts_in_finds_exactly_what_the_live_path_finds(rows, params):
    history = [Charge(i, (_START + timedelta(minutes=m)).astimezone(UTC), amount, merchant, merchant, category,
                      status, reason)
               for i, (m, amount, merchant, category, (status, reason)) in enumerate(rows, start=1)]
    assert rules.bursts_in(history, params) == _bursts_by_live_path(history, params)

"""The limit advisor's rule (dashboard/forecasting/limit_advice.py, docs/limits.md), on explicit months."""

from __future__ import annotations

from fractions import Fraction

import pytest

from dashboard.forecasting.limit_advice import MonthFigures, advise, advise_bucket, percentile, round_up
from dashboard.settings import Settings
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from layouts.limits import advice_reason

SETTINGS = Settings()
STEP, CAP = SETTINGS.limit_step, SETTINGS.legal_max
MONTHS = ("2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10")


def months(*used: int, vouchers: tuple[int, ...] = (), limit: int | None = 300_000) -> list[MonthFigures]:
    """The last len(used) of MONTHS, with these usages (and vouchers) under `limit`."""
    vouchers = vouchers or (0,) * len(used)
    latest = MONTHS[len(MONTHS) - len(used):]
    return [MonthFigures(m, u, v, limit) for m, u, v in zip(latest, used, vouchers, strict=True)]


def test_the_90th_percentile_interpolates_like_numpy_exactly():
    assert percentile([10, 20, 30, 40, 50, 60]) == 55  # position 4.5
    assert percentile([0, 0, 90]) == 72  # position 1.8: 0 + 0.8 × 90
    assert percentile([1, 2, 3, 4]) == Fraction(37, 10)  # 2.7 exactly, not 2.7000000000000006
    assert percentile([41_200] * 6) == 41_200


def test_rounding_goes_up_to_the_step_and_never_below_one_step():
    assert round_up(41_200, STEP) == 50_000
    assert round_up(40_000, STEP) == 40_000  # already a step: no extra step
    assert round_up(Fraction(400_001, 10), STEP) == 50_000  # 40,000.1 is over 40,000
    assert round_up(0, STEP) == STEP


def test_a_line_using_far_less_than_its_limit_is_told_to_lower_it():
    row = advise_bucket("micropayment", months(30_000, 35_000, 41_200, 20_000, 38_000, 33_000),
                        current=300_000, cap=CAP, step=STEP)
    assert (row.suggested, row.direction, row.reason_key) == (40_000, "lower", "advice.lower")
    assert row.basis_key == "advice.basis.history" and row.values["basis"] == 39_600  # 38,000 + 0.5 × 3,200
    row = advise_bucket("micropayment", months(30_000, 35_000, 41_200, 20_000, 41_200, 33_000),
                        current=300_000, cap=CAP, step=STEP)
    assert (row.suggested, row.values["basis"]) == (50_000, 41_200)
    sentence = advice_reason("ko", {"values": row.values, "basis_key": row.basis_key, "reason_key": row.reason_key})
    assert sentence == ("지난 6개월 중 많이 쓴 달 기준(상위 10%)으로 한 달 41,200원을 썼어요 — "
                        "한도 50,000원이면 충분해요.")


def test_a_limit_already_fitting_is_kept_and_one_that_is_too_low_is_raised():
    kept = advise_bucket("content", months(10_000, 12_000, 15_000, 18_000), current=20_000, cap=CAP, step=STEP)
    assert (kept.suggested, kept.direction, kept.reason_key) == (20_000, "keep", "advice.keep")
    raised = advise_bucket("micropayment", months(95_000, 100_000, 100_000, 98_000, 132_000, 100_000),
                           current=100_000, cap=CAP, step=STEP)
    assert (raised.suggested, raised.direction, raised.reason_key) == (120_000, "raise", "advice.raise")


def test_the_suggestion_never_goes_above_the_line_s_cap():
    minor = advise_bucket("micropayment", months(150_000, 180_000, 160_000), current=50_000,
                          cap=SETTINGS.minor_cap, step=STEP)
    assert (minor.suggested, minor.direction, minor.reason_key) == (SETTINGS.minor_cap, "raise", "advice.capped")
    at_cap = advise_bucket("micropayment", months(150_000, 180_000, 160_000), current=SETTINGS.minor_cap,
                           cap=SETTINGS.minor_cap, step=STEP)
    assert (at_cap.suggested, at_cap.direction, at_cap.reason_key) == (SETTINGS.minor_cap, "keep", "advice.capped")


def test_an_unused_bucket_gets_one_step():
    row = advise_bucket("content", months(0, 0, 0, 0, 0, 0), current=200_000, cap=CAP, step=STEP)
    assert (row.suggested, row.direction) == (STEP, "lower")


def test_an_unusual_month_keeps_the_limit_instead_of_lowering_it_to_what_is_spent():
    """64,000원 spent by mid-month after three 20,000원 months: a 70,000원 limit would stop the line in days."""
    row = advise_bucket("micropayment", months(20_000, 20_000, 20_000), current=300_000, cap=CAP, step=STEP,
                        this_month=MonthFigures("2026-11", 64_000))
    assert (row.suggested, row.direction, row.reason_key) == (300_000, "keep", "advice.unusual_month")
    sentence = advice_reason("ko", {"values": row.values, "basis_key": row.basis_key, "reason_key": row.reason_key})
    assert sentence == ("이번 달에 벌써 64,000원을 썼어요 — 평소보다 많아서 지금 한도 300,000원을 유지하길 권해요. "
                        "이번 달이 끝나면 다시 확인해 보세요.")


def test_an_unusual_month_above_a_low_limit_suggests_raising_to_it():
    row = advise_bucket("micropayment", months(20_000, 20_000, 20_000), current=50_000, cap=CAP, step=STEP,
                        this_month=MonthFigures("2026-11", 64_000))
    assert (row.suggested, row.direction, row.reason_key) == (70_000, "raise", "advice.raise")


@pytest.mark.parametrize("count", [0, 1, 2])
def test_fewer_than_three_months_of_history_give_no_suggestion_and_say_why(count):
    row = advise_bucket("micropayment", months(*[50_000] * count), current=300_000, cap=CAP, step=STEP)
    assert (row.suggested, row.direction, row.reason_key) == (None, "none", "advice.too_little")
    text = advice_reason("ko", {"values": row.values, "basis_key": None, "reason_key": row.reason_key})
    assert text == f"사용 기록이 {count}개월뿐이라 아직 추천하지 않아요. 3개월 이상 쓰면 추천해 드려요."


def test_only_the_last_six_months_count():
    history = [MonthFigures(f"2025-{m:02d}", 900_000, 0, CAP) for m in range(1, 13)] + months(*[30_000] * 6)
    advice = advise({"micropayment": history}, current={"micropayment": 300_000}, cap=CAP, step=STEP)
    assert (advice.months, advice.row("micropayment").suggested) == (6, 30_000)


def test_gift_vouchers_near_the_limit_in_two_months_warn_and_are_left_out_of_the_suggestion():
    # 300,000 limit: 90 % is 270,000. In July and September vouchers took the month from ~60,000 to the limit.
    history = months(50_000, 60_000, 290_000, 55_000, 280_000, 65_000,
                     vouchers=(0, 0, 230_000, 0, 220_000, 0))
    row = advise_bucket("micropayment", history, current=300_000, cap=CAP, step=STEP)
    assert row.voucher_months == 2 and row.voucher_warning
    assert (row.basis_key, row.suggested, row.direction) == ("advice.basis.no_vouchers", 70_000, "lower")
    without = advise_bucket("micropayment", months(50_000, 60_000, 290_000, 55_000, 280_000, 65_000),
                            current=300_000, cap=CAP, step=STEP)
    assert without.suggested == 290_000 and not without.voucher_warning  # the same totals, no vouchers
    advice = advise({"micropayment": history}, current={"micropayment": 300_000}, cap=CAP, step=STEP)
    assert advice.voucher_months == 2 and advice.to_dict()["rows"][0]["voucher_warning"] is True
    warning = t("advice.voucher_warning", "ko", months=2)
    assert "상품권 현금화" in warning and "불법" in warning and "http" not in warning


def test_one_voucher_month_or_vouchers_that_did_not_take_the_month_near_the_limit_do_not_warn():
    once = months(50_000, 60_000, 290_000, 55_000, 60_000, 65_000, vouchers=(0, 0, 230_000, 0, 10_000, 0))
    assert advise_bucket("micropayment", once, current=300_000, cap=CAP, step=STEP).voucher_months == 1
    # Near the limit without the vouchers too (270,000 of other spending): the vouchers did not take it there.
    busy = months(50_000, 280_000, 290_000, 55_000, 60_000, 65_000, vouchers=(0, 5_000, 15_000, 0, 0, 0))
    assert advise_bucket("micropayment", busy, current=300_000, cap=CAP, step=STEP).voucher_months == 0
    # Far from the limit then (a 1,000,000 limit): small vouchers are just vouchers.
    far = months(50_000, 60_000, 90_000, 55_000, 80_000, 65_000, vouchers=(0, 0, 40_000, 0, 30_000, 0),
                 limit=1_000_000)
    assert advise_bucket("micropayment", far, current=1_000_000, cap=CAP, step=STEP).voucher_months == 0


def test_every_reason_reads_in_both_languages():
    rows = [advise_bucket("micropayment", months(30_000, 35_000, 41_200), current=c, cap=cap, step=STEP)
            for c, cap in ((300_000, CAP), (30_000, CAP), (40_000, CAP), (20_000, 30_000))]
    assert [row.reason_key for row in rows] == ["advice.lower", "advice.raise", "advice.keep", "advice.capped"]
    for row in rows:
        for lang in ("ko", "en"):
            text = advice_reason(lang, {"values": row.values, "basis_key": row.basis_key,
                                        "reason_key": row.reason_key})
            assert won(row.suggested) in text and "{" not in text

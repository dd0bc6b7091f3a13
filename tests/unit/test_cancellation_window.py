"""The cancellation window (data/cancellation_window.py) and its words (dashboard/text/cancellation.py): how many
days are left to cancel a charge off the bill, at the month's edges in KST, and the steps for a charge the user
did not make."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dashboard.text.cancellation import fraud_steps, window_badge, window_sentence
from data.cancellation_window import cancel_window, is_cancellable, most_urgent
from data.vocab import KST, days_in_month, previous_month, usage_month


def kst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=KST)


@pytest.mark.parametrize(("charged", "now", "days", "last_day"), [
    (kst(2026, 11, 18, 3, 0), kst(2026, 11, 18, 14, 0), 12, date(2026, 11, 30)),  # mid-month
    (kst(2026, 11, 2, 9, 0), kst(2026, 11, 30, 23, 0), 0, date(2026, 11, 30)),  # the last day, 23:00: today only
    (kst(2026, 11, 30, 23, 50), kst(2026, 12, 1, 0, 30), -1, date(2026, 11, 30)),  # the 1st, 00:30: closed
    (kst(2026, 12, 1, 0, 10), kst(2026, 12, 1, 0, 30), 30, date(2026, 12, 31)),  # ... and a new month's charge
    (kst(2028, 2, 1, 12, 0), kst(2028, 2, 28, 12, 0), 1, date(2028, 2, 29)),  # a leap February has a 29th
    (kst(2028, 2, 29, 1, 0), kst(2028, 2, 29, 12, 0), 0, date(2028, 2, 29)),
    (kst(2027, 2, 3, 12, 0), kst(2027, 2, 28, 12, 0), 0, date(2027, 2, 28)),  # ... an ordinary one does not
    (kst(2026, 10, 31, 12, 0), kst(2026, 12, 1, 0, 30), -31, date(2026, 10, 31)),
])
def test_days_left_follow_the_kst_month(charged, now, days, last_day):
    window = cancel_window(charged, now)
    assert (window.days_left, window.last_day, window.is_open) == (days, last_day, days >= 0)
    assert window.closes_at == datetime.combine(last_day + timedelta(days=1), datetime.min.time(), KST)


def test_the_month_is_the_kst_one_whatever_zone_the_times_come_in():
    # 15:10 UTC on 30 November is 00:10 KST on 1 December: a December charge, open all December.
    charged = datetime(2026, 11, 30, 15, 10, tzinfo=UTC)
    now = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    window = cancel_window(charged, now)
    assert (window.month, window.days_left, window.last_day) == ("2026-12", 30, date(2026, 12, 31))
    # Seen a minute before midnight KST, a charge of that day is in its last day.
    assert cancel_window(kst(2026, 11, 30, 8, 0), datetime(2026, 11, 30, 14, 59, tzinfo=UTC)).days_left == 0


def test_what_the_user_reads():
    open_window = cancel_window(kst(2026, 11, 18, 3, 0), kst(2026, 11, 18, 14, 0))
    assert window_badge(open_window, "ko") == "12일 남음"
    assert window_sentence(open_window, "ko") == "11월 30일까지 취소하면 청구서에서 빠집니다 (12일 남음)."
    assert window_sentence(open_window, "en") == "Cancelled by Nov 30, it stays off the bill (12 days left)."
    today = cancel_window(kst(2026, 11, 2, 9, 0), kst(2026, 11, 30, 23, 0))
    assert window_badge(today, "ko") == "오늘까지" and window_badge(today, "en") == "Today only"
    assert window_sentence(today, "ko") == "오늘(11월 30일) 자정 전에 취소해야 청구서에서 빠집니다."
    closed = cancel_window(kst(2026, 11, 30, 23, 50), kst(2026, 12, 1, 0, 30))
    assert window_badge(closed, "ko") == "환불만 가능"
    assert window_sentence(closed, "ko").startswith("2026-11 이용분은 청구가 확정되어")
    assert "bank refund" in window_sentence(closed, "en")


def test_only_an_approved_payment_not_yet_cancelled_has_a_window():
    assert is_cancellable("approved", None, cancelled=False)
    assert not is_cancellable("approved", None, cancelled=True)  # a cancellation row points at it
    assert not is_cancellable("cancelled", 7, cancelled=False)  # a cancellation entry itself
    assert not is_cancellable("cancelled", None, cancelled=False)  # imported as already cancelled
    assert not is_cancellable("declined", None, cancelled=False)


def test_most_urgent_is_the_open_window_closing_first_else_the_latest_closed():
    now = kst(2026, 12, 1, 0, 30)
    december, november, october = (cancel_window(kst(2026, m, d, 12, 0), now) for m, d in ((12, 1), (11, 3), (10, 3)))
    assert most_urgent([november, december, october]) == december
    assert most_urgent([october, november]) == november
    assert most_urgent([]) is None


@pytest.mark.month_edges
def test_a_charge_made_now_is_open_until_this_month_ends(clock):
    now = datetime.now(KST)
    month = usage_month(now)
    just_now = cancel_window(now - timedelta(seconds=1), now)
    assert just_now.is_open and just_now.month == month
    assert just_now.days_left == days_in_month(month) - now.day
    assert (just_now.days_left == 0) == (now.day == days_in_month(month))  # the last day says "today only"
    assert window_badge(just_now, "ko") == ("오늘까지" if just_now.days_left == 0 else f"{just_now.days_left}일 남음")
    last_month = cancel_window(now.replace(day=1) - timedelta(days=1), now)
    assert not last_month.is_open and last_month.month == previous_month(month)


def test_fraud_steps_name_the_gateway_the_carrier_and_the_police():
    steps = fraud_steps("KT", ["KG모빌리언스", "다날", "KG모빌리언스", None, "어딘가페이"], "ko")
    assert steps[0] == "결제대행사 KG모빌리언스 고객센터(1800-0678)에 전화해 결제 취소와 청구 보류를 요청하세요."
    assert "다날 고객센터(1566-3355)" in steps[1]
    assert "구글플레이" in steps[2] and "어딘가페이" in steps[3]
    assert steps[4] == "통신사 KT 고객센터(휴대폰 114)에 부정결제를 신고하고 소액결제를 차단하세요."
    assert "사건사고사실확인원" in steps[5] and "제58조 제3항" in steps[6]
    assert len(steps) == 7  # the repeated gateway is named once
    mvno = fraud_steps("MVNO", ["다날"], "en")
    assert "MVNO's customer centre" in mvno[1] and "police" in mvno[2]

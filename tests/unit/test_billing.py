"""Month close: bill amounts, due dates, overdue + one-time late fee, carry-over, restriction, idempotency."""

from __future__ import annotations

from datetime import date, datetime
from itertools import count

import pytest
from sqlalchemy import func, select

from dashboard.settings import Settings
from data.billing import bills_of, close_all, due_date, ensure_bills, in_arrears, late_fee, needs_work
from data.models import AuditLog, Bill, Line, Transaction, User
from data.vocab import KST
from tests.helpers import make_line, make_user

RULES = Settings()  # due_day 21, late_fee_rate 0.02
_ids = count(1)


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


def registered_line(store, since: datetime = kst(2025, 1, 1), due_day: int | None = None) -> int:
    """A line registered at `since` (bills start with that month)."""
    uid = make_user(store)
    line_id = make_line(store, uid)
    with store.write() as db:
        db.get(Line, line_id).created_at = since
        db.get(User, uid).due_day = due_day
    return line_id


def spend(store, line_id: int, at: datetime, amount: int, *, bucket: str = "micropayment",
          status: str = "approved", cancels: int | None = None, refund: bool = False) -> int:
    with store.write() as db:
        row = Transaction(line_id=line_id, merchant="넥슨", bucket=bucket, amount=amount, status=status,
                          source="manual", external_id=f"t{next(_ids)}", cancels_id=cancels, refund=refund)
        row.set_time(at)
        db.add(row)
        db.flush()
        return row.id


def close(store, as_of: datetime) -> dict[str, int]:
    return close_all(store, as_of, RULES)


def bills(store, line_id: int) -> dict[str, Bill]:
    with store.read() as db:
        return {b.usage_month: b for b in bills_of(db, line_id)}


def line_status(store, line_id: int) -> str:
    with store.read() as db:
        return db.get(Line, line_id).status


def audits(store, action: str) -> int:
    with store.read() as db:
        return db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))


# ---- pure rules ----------------------------------------------------------------------------------

def test_due_date_is_the_due_day_of_the_next_month_clamped():
    assert due_date("2025-01", 21) == date(2025, 2, 21)
    assert due_date("2025-12", 21) == date(2026, 1, 21)
    assert due_date("2025-01", 31) == date(2025, 2, 28)
    assert due_date("2024-01", 31) == date(2024, 2, 29)
    assert due_date("2025-03", 31) == date(2025, 4, 30)


def test_late_fee_is_truncated_to_the_won():
    assert late_fee(100_000, 0.02) == 2_000
    assert late_fee(12_345, 0.02) == 246  # 246.9 → 246 (원 미만 절사)
    assert late_fee(50, 0.02) == 1  # exact in Decimal; a float product would give 0.99…
    assert late_fee(49, 0.02) == 0
    assert late_fee(0, 0.02) == 0


# ---- bills ---------------------------------------------------------------------------------------

def test_bill_is_net_usage_per_bucket_and_a_refund_after_month_end_is_not_deducted(store_for_url):
    store = store_for_url
    line = registered_line(store)
    spend(store, line, kst(2025, 1, 3, 10), 10_000)
    cancelled = spend(store, line, kst(2025, 1, 5, 10), 5_000)
    spend(store, line, kst(2025, 1, 20, 10), 5_000, status="cancelled", cancels=cancelled)  # same month
    spend(store, line, kst(2025, 1, 7, 10), 3_300, bucket="content")
    spend(store, line, kst(2025, 1, 8, 10), 7_000, status="declined")
    refunded = spend(store, line, kst(2025, 1, 31, 23, 50), 2_000)
    spend(store, line, kst(2025, 2, 2, 9), 2_000, status="cancelled", cancels=refunded, refund=True)  # bank refund
    spend(store, line, kst(2025, 2, 10, 9), 4_000)
    spend(store, line, kst(2025, 3, 1, 0, 0, 1), 9_999)  # March has not ended: not billed

    assert close(store, kst(2025, 3, 1, 9)) == {"lines": 1, "created": 2, "overdue": 1, "carried": 1}
    got = bills(store, line)
    assert set(got) == {"2025-01", "2025-02"}
    jan, feb = got["2025-01"], got["2025-02"]
    assert (jan.micropayment_amount, jan.content_amount) == (12_000, 3_300)
    assert (feb.micropayment_amount, feb.content_amount) == (4_000, 0)  # the February refund left it alone
    assert jan.due_date == date(2025, 2, 21) and feb.due_date == date(2025, 3, 21)


def test_months_before_registration_are_not_billed_and_empty_months_close_as_paid(store_for_url):
    store = store_for_url
    line = registered_line(store, since=kst(2025, 2, 10))
    spend(store, line, kst(2025, 1, 15), 8_000)  # imported history, billed by the carrier back then
    close(store, kst(2025, 3, 2))
    got = bills(store, line)
    assert set(got) == {"2025-02"}
    assert got["2025-02"].total == 0 and got["2025-02"].status == "paid"
    assert close(store, kst(2025, 3, 30))["overdue"] == 0 and line_status(store, line) == "active"


def test_user_due_day_31_is_clamped_in_february(store_for_url):
    store = store_for_url
    line = registered_line(store, due_day=31)
    spend(store, line, kst(2025, 1, 3), 1_000)
    close(store, kst(2025, 2, 1))
    assert bills(store, line)["2025-01"].due_date == date(2025, 2, 28)
    close(store, kst(2025, 2, 28, 23))
    assert bills(store, line)["2025-01"].status == "open"
    close(store, kst(2025, 3, 1, 0, 30))  # the day after the due date; March 1 also closes February
    assert bills(store, line)["2025-01"].status == "carried"


def test_overdue_after_the_due_date_charges_the_late_fee_exactly_once_and_restricts(store_for_url):
    store = store_for_url
    line = registered_line(store)
    spend(store, line, kst(2025, 1, 3), 12_345)
    close(store, kst(2025, 2, 1))
    assert bills(store, line)["2025-01"].status == "open" and line_status(store, line) == "active"
    close(store, kst(2025, 2, 21, 23, 59))  # on the due date: still open
    assert bills(store, line)["2025-01"].status == "open"
    for day in (22, 23, 27):
        close(store, kst(2025, 2, day))
    jan = bills(store, line)["2025-01"]
    assert (jan.status, jan.late_fee, jan.total) == ("overdue", 246, 12_591)
    assert audits(store, "bill.overdue") == 1
    assert line_status(store, line) == "restricted"
    with store.read() as db:
        assert in_arrears(db, line)


def test_unpaid_bill_is_carried_once_and_fees_never_compound(store_for_url):
    store = store_for_url
    line = registered_line(store)
    spend(store, line, kst(2025, 1, 3), 100_000)
    spend(store, line, kst(2025, 2, 3), 50_000)
    close(store, kst(2025, 3, 1))  # catch-up: January closes, falls overdue, then is carried into February
    got = bills(store, line)
    jan, feb = got["2025-01"], got["2025-02"]
    assert (jan.status, jan.late_fee, jan.total) == ("carried", 2_000, 102_000)
    assert (feb.carried_over, feb.carried_from_id, feb.status) == (102_000, jan.id, "overdue")
    assert line_status(store, line) == "restricted"  # arrears live on in February's bill
    close(store, kst(2025, 3, 22))  # February's own due date passes: 2% of its own 50,000 only
    feb = bills(store, line)["2025-02"]
    assert (feb.late_fee, feb.total) == (1_000, 153_000)
    close(store, kst(2025, 4, 1))
    got = bills(store, line)
    assert got["2025-02"].status == "carried" and got["2025-03"].carried_over == 153_000
    assert [b.status for b in got.values()].count("overdue") == 1


def test_a_blocked_line_stays_blocked_and_the_overdue_bill_remembers(store_for_url):
    store = store_for_url
    line = registered_line(store)
    spend(store, line, kst(2025, 1, 3), 9_000)
    with store.write() as db:
        db.get(Line, line).status = "blocked"
    close(store, kst(2025, 2, 25))
    assert line_status(store, line) == "blocked"
    assert bills(store, line)["2025-01"].status == "overdue"
    with store.read() as db:
        assert in_arrears(db, line)


def test_closing_twice_creates_nothing_new(store_for_url):
    store = store_for_url
    line = registered_line(store)
    spend(store, line, kst(2025, 1, 3), 9_000)
    spend(store, line, kst(2025, 3, 3), 4_000)
    first = close(store, kst(2025, 4, 25))
    snapshot = {m: (b.id, b.total, b.status, b.late_fee) for m, b in bills(store, line).items()}
    second = close(store, kst(2025, 4, 25))
    assert first["created"] == 3 and second == {"lines": 1, "created": 0, "overdue": 0, "carried": 0}
    assert {m: (b.id, b.total, b.status, b.late_fee) for m, b in bills(store, line).items()} == snapshot
    assert audits(store, "bill.close") == 3


def test_ensure_bills_and_the_read_side_check(store_for_url):
    store = store_for_url
    line = registered_line(store)
    spend(store, line, kst(2025, 1, 3), 9_000)
    now = kst(2025, 2, 5)
    with store.read() as db:
        row = db.get(Line, line)
        assert needs_work(row, [], now, RULES.late_fee_rate)
    with store.write() as db:
        made = ensure_bills(db, line, now, rules=RULES)
        assert [b.usage_month for b in made] == ["2025-01"]
    with store.read() as db:
        assert not needs_work(db.get(Line, line), bills_of(db, line), now, RULES.late_fee_rate)
        assert needs_work(db.get(Line, line), bills_of(db, line), kst(2025, 2, 22), RULES.late_fee_rate)


@pytest.mark.parametrize("rate, fee", [(0.02, 2_000), (0.05, 5_000)])
def test_late_fee_rate_is_a_setting(store_for_url, rate, fee):
    store = store_for_url
    line = registered_line(store)
    spend(store, line, kst(2025, 1, 3), 100_000)
    close_all(store, kst(2025, 2, 22), Settings(late_fee_rate=rate))
    assert bills(store, line)["2025-01"].late_fee == fee

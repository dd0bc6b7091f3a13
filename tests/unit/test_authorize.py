"""Authorizations against the store (SQLite file and PostgreSQL): decisions, declines kept,
idempotent retries, and cancellations around the KST month boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import data.authorize as authorize_module
from dashboard.settings import Settings
from data.authorize import AuthorizationRequest, CancelRefused, authorize_owned, cancel_payment
from data.models import Bill, Line, Transaction
from data.usage import monthly_usage
from data.vocab import KST
from tests.helpers import make_line, make_user

RULES = Settings()
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)  # limits in force for every moment the tests use
MAY_LAST_MINUTE = datetime(2025, 5, 31, 23, 59, tzinfo=KST)
JUNE_FIRST = datetime(2025, 6, 1, 0, 0, tzinfo=KST)
MAY_10 = datetime(2025, 5, 10, 12, 0, tzinfo=KST)


@pytest.fixture
def store(store_for_url):
    return store_for_url


@pytest.fixture
def owner(store) -> int:
    return make_user(store)


@pytest.fixture
def line(store, owner) -> int:
    return make_line(store, owner, limits={"micropayment": 50_000, "content": 20_000}, effective_from=LONG_AGO)


def pay(store, user_id, line_id, amount, external_id, *, at=MAY_10, bucket="micropayment", hook=None):
    request = AuthorizationRequest(merchant="(주)다날_넥슨", amount=amount, bucket=bucket, external_id=external_id,
                                   pg="다날", category="game", product="넥슨캐시")
    return authorize_owned(store, user_id, line_id, request, RULES, now=at, hook=hook)


def usage(store, line_id, month="2025-05", bucket="micropayment") -> int:
    with store.read() as db:
        return monthly_usage(db, line_id, [month])[month][bucket]


def set_line(store, line_id, **values) -> None:
    with store.write() as db:
        line = db.get(Line, line_id)
        for key, value in values.items():
            setattr(line, key, value)


def rows(store, line_id) -> list[Transaction]:
    with store.read() as db:
        return list(db.scalars(select(Transaction).where(Transaction.line_id == line_id).order_by(Transaction.id)))


def test_approves_up_to_exactly_the_limit_then_declines(store, owner, line):
    assert pay(store, owner, line, 30_000, "p1").approved
    exact = pay(store, owner, line, 20_000, "p2")
    assert exact.approved and exact.reason is None and exact.created
    over = pay(store, owner, line, 1_000, "p3")
    assert not over.approved and over.reason == "limit_exceeded"
    assert usage(store, line) == 50_000
    assert pay(store, owner, line, 20_000, "c1", bucket="content").approved  # the other bucket is separate


def test_declined_attempts_are_recorded_and_count_zero(store, owner, line):
    result = pay(store, owner, line, 60_000, "big")
    row = rows(store, line)[0]
    assert row.id == result.transaction_id
    assert (row.status, row.decline_reason, row.amount, row.source) == ("declined", "limit_exceeded", 60_000, "api")
    assert row.usage_month == "2025-05" and row.merchant_key == "넥슨"
    assert usage(store, line) == 0


def test_blocked_line_declines_and_the_attempt_is_queryable(store, owner, line):
    set_line(store, line, status="blocked")
    result = pay(store, owner, line, 1_000, "fraud-1")
    assert (result.approved, result.reason) == (False, "blocked")
    with store.read() as db:
        attempts = db.scalars(select(Transaction).where(Transaction.line_id == line,
                                                        Transaction.decline_reason == "blocked")).all()
    assert [a.external_id for a in attempts] == ["fraud-1"]


def test_restricted_line_or_overdue_bill_declines_for_nonpayment(store, owner, line):
    set_line(store, line, status="restricted")
    assert pay(store, owner, line, 1_000, "r1").reason == "restricted_nonpayment"
    set_line(store, line, status="active")
    with store.write() as db:
        db.add(Bill(line_id=line, usage_month="2025-03", due_date=date(2025, 4, 21), status="overdue"))
    assert pay(store, owner, line, 1_000, "r2").reason == "restricted_nonpayment"
    set_line(store, line, status="blocked")
    assert pay(store, owner, line, 1_000, "r3").reason == "blocked"  # blocked wins: the fraud signal


def test_an_open_bill_past_its_due_date_declines_before_any_close_has_run(store, owner, line):
    """No cron on a laptop: the day after the due date the line is in arrears even while the bill still says open."""
    with store.write() as db:
        db.add(Bill(line_id=line, usage_month="2025-04", due_date=date(2025, 5, 21), status="open"))
    on_due_day = datetime(2025, 5, 21, 23, 59, tzinfo=KST)
    day_after = datetime(2025, 5, 22, 0, 1, tzinfo=KST)
    assert pay(store, owner, line, 1_000, "due-day", at=on_due_day).approved
    assert pay(store, owner, line, 1_000, "day-after", at=day_after).reason == "restricted_nonpayment"


def test_missing_limit_is_the_legal_max_and_minor_cap_applies(store, owner):
    no_limits = make_line(store, owner, limits={}, number="010-****-0001")
    assert pay(store, owner, no_limits, 1_000_000, "max").approved
    assert pay(store, owner, no_limits, 10, "over").reason == "limit_exceeded"
    minor = make_line(store, owner, limits={"micropayment": 300_000}, is_minor=True, number="010-****-0002",
                      effective_from=LONG_AGO)
    assert pay(store, owner, minor, 100_000, "m1").approved
    assert pay(store, owner, minor, 1_000, "m2").reason == "limit_exceeded"


def test_retry_returns_the_first_answer_and_writes_no_row(store, owner, line):
    first = pay(store, owner, line, 10_000, "same")
    set_line(store, line, status="blocked")  # the world changed; the answer must not
    again = pay(store, owner, line, 99_999, "same")
    assert (again.transaction_id, again.approved, again.reason) == (first.transaction_id, True, None)
    assert not again.created and again.body() == first.body()
    declined = pay(store, owner, line, 1_000, "later")
    assert pay(store, owner, line, 1_000, "later").body() == declined.body()
    assert len(rows(store, line)) == 2


def test_another_users_line_is_none(store, owner, line):
    stranger = make_user(store, "other@example.com")
    assert pay(store, stranger, line, 1_000, "x") is None
    assert rows(store, line) == []


def test_same_month_cancellation_restores_the_limit(store, owner, line):
    payment = pay(store, owner, line, 50_000, "p1")
    assert pay(store, owner, line, 10_000, "p2").reason == "limit_exceeded"
    with store.write() as db:
        cancellation = cancel_payment(db, owner, payment.transaction_id, now=MAY_10)
    assert (cancellation.status, cancellation.cancels_id, cancellation.refund) == ("cancelled", payment.transaction_id,
                                                                                   False)
    assert usage(store, line) == 0
    assert pay(store, owner, line, 10_000, "p3").approved


def test_cancelling_after_the_kst_month_end_is_a_refund(store, owner, line):
    payment = pay(store, owner, line, 50_000, "late", at=MAY_LAST_MINUTE)
    with store.read() as db:
        assert db.get(Transaction, payment.transaction_id).usage_month == "2025-05"
    with store.write() as db:
        cancellation = cancel_payment(db, owner, payment.transaction_id, now=JUNE_FIRST)
    assert cancellation.refund is True and cancellation.usage_month == "2025-06"
    assert usage(store, line, "2025-05") == 50_000  # May's bill keeps the charge
    assert usage(store, line, "2025-06") == 0  # and June is not reduced either
    assert pay(store, owner, line, 10_000, "may-again", at=MAY_LAST_MINUTE).reason == "limit_exceeded"


def test_the_usage_month_turns_at_kst_midnight(store, owner, line):
    assert pay(store, owner, line, 50_000, "may", at=MAY_LAST_MINUTE).approved
    june = pay(store, owner, line, 50_000, "june", at=JUNE_FIRST)
    assert june.approved
    assert [r.usage_month for r in rows(store, line)] == ["2025-05", "2025-06"]


def test_cancelling_twice_or_a_non_payment_is_refused(store, owner, line):
    payment = pay(store, owner, line, 10_000, "p1")
    declined = pay(store, owner, line, 90_000, "p2")
    with store.write() as db:
        cancellation = cancel_payment(db, owner, payment.transaction_id, now=MAY_10)
    for target, code in ((payment.transaction_id, "already_cancelled"), (declined.transaction_id, "not_payment"),
                         (cancellation.id, "not_payment"), (999_999, "not_found")):
        with pytest.raises(CancelRefused) as refused, store.write() as db:
            cancel_payment(db, owner, target, now=MAY_10)
        assert refused.value.code == code
    stranger = make_user(store, "other@example.com")
    other_payment = pay(store, owner, line, 1_000, "p3")
    with pytest.raises(CancelRefused) as refused, store.write() as db:
        cancel_payment(db, stranger, other_payment.transaction_id, now=MAY_10)
    assert refused.value.code == "not_found"


def test_hook_runs_in_the_same_transaction_for_new_decisions_only(store, owner, line):
    seen = []

    def hook(session, locked_line, result):
        assert session.get(Transaction, result.transaction_id) is not None  # flushed, same transaction
        seen.append((locked_line.id, result.approved, result.usage_before, result.limit))

    pay(store, owner, line, 10_000, "h1", hook=hook)
    pay(store, owner, line, 10_000, "h1", hook=hook)  # a retry: no new decision
    pay(store, owner, line, 45_000, "h2", hook=hook)
    assert seen == [(line, True, 0, 50_000), (line, False, 10_000, 50_000)]


def test_a_duplicate_caught_by_the_unique_constraint_answers_with_the_stored_row(store, owner, line, monkeypatch):
    first = pay(store, owner, line, 10_000, "dup")

    def lost_the_race(*_args, **_kwargs):
        raise IntegrityError("INSERT INTO transactions", {}, Exception("uq_transactions_line_external"))

    monkeypatch.setattr(authorize_module, "authorize", lost_the_race)
    assert pay(store, owner, line, 10_000, "dup").body() == first.body()
    with pytest.raises(IntegrityError):
        pay(store, owner, line, 10_000, "never-stored")


def test_a_category_rule_files_new_charges_of_that_merchant(store, owner, line):
    """"Always file 넥슨 under shopping" holds for charges that arrive later, whatever the caller says."""
    from data.categorize import set_rule

    stranger = make_user(store, "stranger@example.com")
    strangers_line = make_line(store, stranger, effective_from=LONG_AGO)
    with store.write() as db:
        set_rule(db, owner, "넥슨", "shopping")
    assert pay(store, owner, line, 1_000, "r1").transaction.category == "shopping"  # sent as "game"
    assert pay(store, stranger, strangers_line, 1_000, "r2").transaction.category == "game"  # not their rule
    with store.read() as db:
        assert db.get(Transaction, pay(store, owner, line, 1_000, "r1").transaction_id).category == "shopping"

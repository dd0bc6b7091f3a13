"""Paying bills in the store: card (Luhn, declines, last 4 only), idempotency, virtual accounts, pay-overdue."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from dashboard.sim.card_gateway import InvalidCard, SimulatedCardGateway, card_digits, luhn_valid
from dashboard.sim.virtual_account import SimulatedAccountIssuer
from data import payments
from data.models import AuditLog, Bill, Line, Payment
from data.payments import PaymentRefused, PayRequest, Processors, Target
from tests.helpers import make_user
from tests.unit.test_billing import RULES, bills, close, kst, line_status, registered_line, spend

GOOD, DECLINED = "4111111111111111", "4000000000000002"
PROCESSORS = Processors(SimulatedCardGateway(), SimulatedAccountIssuer(), secret="test-secret")
NOW = kst(2025, 2, 23)  # the fixture's January bill is overdue; February has not ended


def pay(store, request, target, processors=PROCESSORS, now=NOW):
    return payments.pay(store, request, target, processors, RULES, now)


def confirm_deposit(store, user_id, payment_id, now=NOW):
    return payments.confirm_deposit(store, user_id, payment_id, RULES, now)


@pytest.fixture
def overdue(store_for_url) -> tuple[int, int, int]:
    """(user id, line id, bill id): January's 100,000원 unpaid after its due date, line restricted."""
    store = store_for_url
    line = registered_line(store)
    spend(store, line, kst(2025, 1, 3), 100_000)
    close(store, kst(2025, 2, 22))
    bill = bills(store, line)["2025-01"]
    assert (bill.status, bill.total) == ("overdue", 102_000) and line_status(store, line) == "restricted"
    with store.read() as db:
        return _owner(db, line), line, bill.id


def _owner(db, line_id: int) -> int:
    return db.get(Line, line_id).user_id


def card(user_id: int, key: str, number: str = GOOD) -> PayRequest:
    return PayRequest(user_id=user_id, idempotency_key=key, method="card", card_number=number)


def deposit(user_id: int, key: str) -> PayRequest:
    return PayRequest(user_id=user_id, idempotency_key=key, method="virtual_account")


def refused(code: str, call, *args) -> PaymentRefused:
    with pytest.raises(PaymentRefused) as info:
        call(*args)
    assert info.value.code == code
    return info.value


# ---- the simulated gateway -------------------------------------------------------------------------

def test_luhn_and_card_number_normalisation():
    for number in (GOOD, DECLINED, "5555555555554444", "4000000000009995", "79927398713"):
        assert luhn_valid(number)
    assert card_digits("4111 1111-1111 1111") == GOOD
    for bad in ("4111111111111112", "4111-1111-1111-111x", "411111", "", None, "４１１１１１１１１１１１１１１１"):
        with pytest.raises(InvalidCard):
            card_digits(bad)
    assert SimulatedCardGateway().charge(DECLINED, 1_000).reason == "card_declined"
    assert SimulatedCardGateway().charge(GOOD, 1_000).approved


# ---- card ------------------------------------------------------------------------------------------

def test_card_payment_pays_lifts_restriction_and_keeps_only_the_last_4_digits(store_for_url, overdue):
    store, (uid, line, bill) = store_for_url, overdue
    outcome = pay(store, card(uid, "k1", "4111 1111 1111 1111"), Target("bill", bill), PROCESSORS)
    assert outcome.status_code == 201 and not outcome.replayed
    assert outcome.body | {"payment_id": 0} == {"payment_id": 0, "bill_id": bill, "method": "card",
                                                  "status": "succeeded", "amount": 102_000, "card_last4": "1111",
                                                  "line_status": "active"}
    assert bills(store, line)["2025-01"].status == "paid" and line_status(store, line) == "active"
    with store.read() as db:
        stored = [repr([getattr(p, c.key) for c in Payment.__table__.columns]) for p in db.scalars(select(Payment))]
        logged = [a.detail for a in db.scalars(select(AuditLog))]
    assert stored and all(GOOD not in row and "4111 1111" not in row for row in stored + logged)
    assert any('"card_last4": "1111"' in row for row in logged)


def test_a_declined_card_is_stored_and_a_new_key_may_try_again(store_for_url, overdue):
    store, (uid, line, bill) = store_for_url, overdue
    declined = pay(store, card(uid, "try-1", DECLINED), Target("bill", bill), PROCESSORS)
    assert declined.status_code == 201
    assert (declined.body["status"], declined.body["decline_reason"]) == ("declined", "card_declined")
    assert bills(store, line)["2025-01"].status == "overdue" and line_status(store, line) == "restricted"
    again = pay(store, card(uid, "try-1", DECLINED), Target("bill", bill), PROCESSORS)
    assert again.replayed and (again.status_code, again.body) == (declined.status_code, declined.body)
    paid = pay(store, card(uid, "try-2"), Target("bill", bill), PROCESSORS)
    assert paid.body["status"] == "succeeded" and line_status(store, line) == "active"


def test_idempotency_replay_reuse_and_a_second_key(store_for_url, overdue):
    store, (uid, _line, bill) = store_for_url, overdue
    first = pay(store, card(uid, "same"), Target("bill", bill), PROCESSORS)
    replay = pay(store, card(uid, "same", "4111-1111-1111-1111"), Target("bill", bill), PROCESSORS)
    assert replay.replayed and (replay.status_code, replay.body) == (first.status_code, first.body)
    refused("key_reused", pay, store, card(uid, "same", "5555555555554444"), Target("bill", bill), PROCESSORS)
    refused("key_reused", pay, store, deposit(uid, "same"), Target("bill", bill), PROCESSORS)
    refused("already_paid", pay, store, card(uid, "other"), Target("bill", bill), PROCESSORS)
    with store.read() as db:
        assert [p.status for p in db.scalars(select(Payment))] == ["succeeded"]


def test_someone_elses_bill_is_not_found(store_for_url, overdue):
    store, (_uid, _line, bill) = store_for_url, overdue
    stranger = make_user(store, "stranger@example.com")
    refused("not_found", pay, store, card(stranger, "k"), Target("bill", bill), PROCESSORS)
    refused("not_found", pay, store, card(stranger, "k"), Target("overdue", _line), PROCESSORS)
    refused("not_found", pay, store, card(stranger, "k"), Target("bill", 999_999), PROCESSORS)


# ---- carry-over: the new bill settles the old one, nothing is charged twice ------------------------

def test_paying_the_bill_carried_into_settles_both_once(store_for_url, overdue):
    store, (uid, line, jan_id) = store_for_url, overdue
    spend(store, line, kst(2025, 2, 3), 50_000)
    close(store, kst(2025, 3, 1))
    feb = bills(store, line)["2025-02"]
    assert (feb.carried_over, feb.total, feb.status) == (102_000, 152_000, "overdue")
    error = refused("carried", pay, store, card(uid, "old"), Target("bill", jan_id), PROCESSORS)
    assert error.values == {"into": feb.id}
    outcome = pay(store, card(uid, "all"), Target("overdue", line), PROCESSORS)
    assert outcome.body["amount"] == 152_000 and [p["bill_id"] for p in outcome.body["payments"]] == [feb.id]
    got = bills(store, line)
    assert got["2025-02"].status == "paid" and got["2025-01"].status == "carried"
    assert got["2025-01"].paid_at is not None and line_status(store, line) == "active"
    with store.read() as db:
        assert sum(p.amount for p in db.scalars(select(Payment).where(Payment.status == "succeeded"))) == 152_000
    refused("nothing_overdue", pay, store, card(uid, "again"), Target("overdue", line), PROCESSORS)


def test_pay_overdue_pays_every_overdue_bill_atomically_under_one_key(store_for_url, overdue):
    store, (uid, line, jan_id) = store_for_url, overdue
    with store.write() as db:  # a second overdue bill (e.g. from before carry-over existed)
        db.add(Bill(line_id=line, usage_month="2024-12", micropayment_amount=7_000, due_date=date(2025, 1, 21),
                    status="overdue", late_fee=140))
    declined = pay(store, card(uid, "both", DECLINED), Target("overdue", line), PROCESSORS)
    assert declined.body["status"] == "declined" and len(declined.body["payments"]) == 2
    outcome = pay(store, card(uid, "both-2"), Target("overdue", line), PROCESSORS)
    assert outcome.body["status"] == "succeeded" and outcome.body["amount"] == 102_000 + 7_140
    assert outcome.body["line_status"] == "active"
    replay = pay(store, card(uid, "both-2"), Target("overdue", line), PROCESSORS)
    assert replay.replayed and replay.body == outcome.body
    refused("key_reused", pay, store, card(uid, "both-2"), Target("bill", jan_id), PROCESSORS)
    with store.read() as db:
        keys = sorted(p.idempotency_key for p in db.scalars(select(Payment).where(Payment.status == "succeeded")))
    assert len(keys) == 2 and all(k.startswith("both-2|") for k in keys)


# ---- virtual accounts ------------------------------------------------------------------------------

def test_virtual_account_is_pending_until_the_deposit_is_confirmed(store_for_url, overdue):
    store, (uid, line, bill) = store_for_url, overdue
    issued = pay(store, deposit(uid, "va"), Target("bill", bill), PROCESSORS)
    body = issued.body
    assert (issued.status_code, body["status"], body["amount"]) == (201, "pending", 102_000)
    assert body["virtual_account"]["bank"] and body["virtual_account"]["account"].count("-") == 2
    assert bills(store, line)["2025-01"].status == "overdue" and line_status(store, line) == "restricted"
    error = refused("deposit_pending", pay, store, deposit(uid, "va-2"), Target("bill", bill), PROCESSORS)
    assert error.values["account"] == body["virtual_account"]["account"]
    confirmed = confirm_deposit(store, uid, body["payment_id"])
    assert (confirmed.status_code, confirmed.body["status"]) == (200, "succeeded")
    assert bills(store, line)["2025-01"].status == "paid" and line_status(store, line) == "active"
    assert confirm_deposit(store, uid, body["payment_id"]).status_code == 200  # the bank repeats itself
    stranger = make_user(store, "stranger@example.com")
    refused("not_found", confirm_deposit, store, stranger, body["payment_id"])


def test_a_deposit_account_expires_when_the_late_fee_changes_the_amount(store_for_url):
    store = store_for_url
    line = registered_line(store)
    spend(store, line, kst(2025, 1, 3), 10_000)
    close(store, kst(2025, 2, 10))
    bill = bills(store, line)["2025-01"]
    with store.read() as db:
        uid = _owner(db, line)
    issued = pay(store, deposit(uid, "va"), Target("bill", bill.id), PROCESSORS, kst(2025, 2, 10)).body
    close(store, kst(2025, 2, 22))  # 200원 late fee: the 10,000원 account can no longer settle it
    refused("deposit_expired", confirm_deposit, store, uid, issued["payment_id"])


def test_a_late_deposit_notice_finds_the_account_expired_even_without_a_month_close_run(store_for_url):
    store = store_for_url
    line = registered_line(store)
    spend(store, line, kst(2025, 1, 3), 10_000)
    close(store, kst(2025, 2, 10))
    with store.read() as db:
        uid = _owner(db, line)
    bill = bills(store, line)["2025-01"]
    issued = pay(store, deposit(uid, "va"), Target("bill", bill.id), PROCESSORS, kst(2025, 2, 10)).body
    refused("deposit_expired", confirm_deposit, store, uid, issued["payment_id"], kst(2025, 2, 22))
    assert bills(store, line)["2025-01"].late_fee == 200
    assert bills(store, line)["2025-01"].status == "overdue"


def test_paying_by_card_expires_a_waiting_deposit_account(store_for_url, overdue):
    store, (uid, _line, bill) = store_for_url, overdue
    issued = pay(store, deposit(uid, "va"), Target("bill", bill), PROCESSORS).body
    pay(store, card(uid, "card"), Target("bill", bill), PROCESSORS)
    refused("deposit_expired", confirm_deposit, store, uid, issued["payment_id"])
    card_payment = pay(store, card(uid, "card"), Target("bill", bill), PROCESSORS).body["payment_id"]
    refused("not_deposit", confirm_deposit, store, uid, card_payment)

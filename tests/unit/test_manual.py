"""Manual entries (validation, keys, rules, audit) and marking a cancellation (the KST month rule)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from data.categorize import set_rule
from data.manual import ManualEntry, ManualError, add_manual, mark_cancelled, parse_kst, validate
from data.models import AuditLog, Transaction
from data.usage import monthly_usage
from tests.helpers import make_line, make_user

NOW = datetime(2025, 5, 20, 3, 0, tzinfo=UTC)  # 12:00 KST, 20 May
MAX = 1_000_000


def entry(**changes) -> ManualEntry:
    values = {"when": "2025-05-11T14:23", "merchant": "넷마블", "amount": "12,300", "bucket": "micropayment",
              "category": "", "status": "approved", "pg": "KG모빌리언스", "product": "다이아"}
    return ManualEntry(**{**values, **changes})


@pytest.mark.parametrize(("changes", "field", "key"), [
    ({"when": ""}, "when", "tx.err.when"),
    ({"when": "2025-13-01T00:00"}, "when", "tx.err.when"),
    ({"when": "0025-05-11T14:23"}, "when", "tx.err.when"),
    ({"when": "2025-05-20T12:10"}, "when", "tx.err.future"),  # ten minutes after now (KST)
    ({"merchant": "   "}, "merchant", "tx.err.merchant"),
    ({"merchant": "가" * 201}, "merchant", "tx.err.too_long"),
    ({"merchant": ["넥슨"]}, "merchant", "tx.err.text"),
    ({"amount": "0"}, "amount", "tx.err.amount"),
    ({"amount": "-500"}, "amount", "tx.err.amount"),
    ({"amount": "12.5"}, "amount", "tx.err.amount"),
    ({"amount": "１２"}, "amount", "tx.err.amount"),
    ({"amount": True}, "amount", "tx.err.amount"),
    ({"amount": 1_000_001}, "amount", "tx.err.amount_max"),
    ({"bucket": "card"}, "bucket", "tx.err.bucket"),
    ({"category": "food"}, "category", "tx.err.category"),
    ({"status": "cancelled"}, "status", "tx.err.status"),
    ({"pg": "x" * 61}, "pg", "tx.err.too_long"),
])
def test_validation_names_the_field(changes, field, key):
    assert validate(entry(**changes), max_amount=MAX, now=NOW) == {field: key}


def test_valid_entry_and_time_parsing():
    assert validate(entry(), max_amount=MAX, now=NOW) == {}
    assert validate(entry(amount=12300, when="2025-05-20 12:03:00"), max_amount=MAX, now=NOW) == {}  # 3 min slack
    assert parse_kst("2025-05-11T14:23") == datetime(2025, 5, 11, 5, 23, tzinfo=UTC)
    assert parse_kst("2025-05-11T14:23:00+00:00") == datetime(2025, 5, 11, 14, 23, tzinfo=UTC)
    assert parse_kst(None) is None


def test_add_manual_stores_month_key_rule_and_audit(store):
    owner = make_user(store)
    line = make_line(store, owner)
    with store.write() as db:
        set_rule(db, owner, "넷마블", "shopping")
    # 00:30 KST on 1 May is still 30 April in UTC: the usage month is the KST one.
    with store.write() as db:
        row = add_manual(db, owner, line, entry(when="2025-05-01T00:30", merchant=" (주)넷마블 "),
                         max_amount=MAX, now=NOW, ip="10.0.0.1")
        row_id = row.id
    with store.read() as db:
        tx = db.get(Transaction, row_id)
        assert (tx.usage_month, tx.merchant, tx.merchant_key, tx.category) == ("2025-05", "(주)넷마블", "넷마블",
                                                                                "shopping")
        assert (tx.source, tx.amount, tx.status, tx.refund) == ("manual", 12_300, "approved", False)
        assert tx.external_id.startswith("manual:")
        audit = db.scalar(select(AuditLog).where(AuditLog.action == "transaction.manual_add"))
        assert audit.line_id == line and audit.ip == "10.0.0.1" and json.loads(audit.detail)["amount"] == 12_300


def test_add_manual_infers_or_keeps_the_chosen_category(store):
    owner = make_user(store)
    line = make_line(store, owner)
    with store.write() as db:
        inferred = add_manual(db, owner, line, entry(merchant="컬쳐랜드", product="", category="auto"),
                              max_amount=MAX, now=NOW)
        chosen = add_manual(db, owner, line, entry(category="game"), max_amount=MAX, now=NOW)
        assert (inferred.category, inferred.product, chosen.category) == ("gift_voucher", None, "game")


def test_add_manual_refuses_a_foreign_line_and_bad_input(store):
    make_user(store)
    stranger = make_user(store, "other@example.com")
    foreign = make_line(store, make_user(store, "third@example.com"))
    for line in (foreign, "1 OR 1=1", None):
        with pytest.raises(ManualError) as refused, store.write() as db:
            add_manual(db, stranger, line, entry(), max_amount=MAX, now=NOW)
        assert refused.value.errors == {"": "tx.err.not_found"}
    with pytest.raises(ManualError) as refused, store.write() as db:
        add_manual(db, stranger, foreign, entry(amount="x", merchant=""), max_amount=MAX, now=NOW)
    assert set(refused.value.errors) == {"amount", "merchant"}
    with store.read() as db:
        assert db.scalars(select(Transaction)).all() == []


def _payment(store, owner, line, when: str) -> int:
    with store.write() as db:
        return add_manual(db, owner, line, entry(when=when, amount=50_000), max_amount=MAX, now=NOW).id


def test_same_month_cancellation_takes_the_charge_off_the_bill(store):
    owner = make_user(store)
    line = make_line(store, owner)
    payment = _payment(store, owner, line, "2025-05-11T14:23")
    with store.write() as db:
        done = mark_cancelled(db, owner, payment, now=NOW)
    assert not done.refund
    with store.read() as db:
        row = db.get(Transaction, done.cancellation_id)
        assert (row.status, row.cancels_id, row.refund, row.usage_month) == ("cancelled", payment, False, "2025-05")
        assert monthly_usage(db, line, ["2025-05"])["2025-05"]["micropayment"] == 0
        assert db.scalar(select(AuditLog.action).where(AuditLog.action == "transaction.cancel"))
    with pytest.raises(ManualError) as refused, store.write() as db:
        mark_cancelled(db, owner, payment, now=NOW)
    assert refused.value.errors == {"": "tx.err.already_cancelled"}


def test_cancelling_last_months_payment_is_a_refund_and_the_bill_stays(store):
    owner = make_user(store)
    line = make_line(store, owner)
    payment = _payment(store, owner, line, "2025-04-30T23:50")  # KST April; NOW is in May
    with store.write() as db:
        done = mark_cancelled(db, owner, payment, now=NOW)
    assert done.refund
    with store.read() as db:
        usage = monthly_usage(db, line, ["2025-04", "2025-05"])
        assert usage["2025-04"]["micropayment"] == 50_000 and usage["2025-05"]["micropayment"] == 0


def test_cancellation_refusals(store):
    owner = make_user(store)
    line = make_line(store, owner)
    with store.write() as db:
        declined = add_manual(db, owner, line, entry(status="declined"), max_amount=MAX, now=NOW).id
    stranger = make_user(store, "other@example.com")
    payment = _payment(store, owner, line, "2025-05-11T14:23")
    cases = [(owner, declined, "tx.err.not_payment"), (stranger, payment, "tx.err.not_found"),
             (owner, "abc", "tx.err.not_found"), (owner, 999_999, "tx.err.not_found")]
    for user, tx_id, key in cases:
        with pytest.raises(ManualError) as refused, store.write() as db:
            mark_cancelled(db, user, tx_id, now=NOW)
        assert refused.value.errors == {"": key}, (user, tx_id)
    with store.read() as db:
        assert db.scalar(select(Transaction).where(Transaction.cancels_id.is_not(None))) is None

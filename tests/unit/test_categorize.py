"""Category rules: re-file past rows on every line of the user (and nobody else's), apply to new rows."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from data.categorize import (
    RuleError,
    apply_rules,
    apply_rules_to_stored,
    category_for,
    recategorize,
    rules_of,
    set_rule,
)
from data.importing import ImportedRow
from data.importing.normalize import merchant_key
from data.models import AuditLog, CategoryRule, Transaction
from tests.helpers import make_line, make_user

WHEN = datetime(2025, 5, 11, 5, 0, tzinfo=UTC)


def add(store, line_id: int, merchant: str, category: str = "other", ext: str | None = None,
        key: str | None = None) -> int:
    with store.write() as db:
        tx = Transaction(line_id=line_id, merchant=merchant,
                         merchant_key=merchant_key(merchant) if key is None else key,
                         category=category, bucket="micropayment", amount=5_500, status="approved",
                         source="manual", external_id=ext or f"{merchant}-{line_id}-{category}", refund=False)
        tx.set_time(WHEN)
        db.add(tx)
        db.flush()
        return tx.id


def categories(store, line_id: int) -> dict[str, str]:
    with store.read() as db:
        rows = db.execute(select(Transaction.merchant, Transaction.category).where(Transaction.line_id == line_id))
        return dict(rows.all())


@pytest.fixture
def world(store):
    """Owner with two lines, a stranger with the same merchant."""
    owner = make_user(store)
    phone, tablet = make_line(store, owner), make_line(store, owner, number="010-****-1111")
    stranger = make_user(store, "other@example.com")
    strangers_line = make_line(store, stranger, number="010-****-2222")
    ids = {
        "phone_nexon": add(store, phone, "(주)다날_넥슨"),
        "tablet_nexon": add(store, tablet, "넥슨코리아"),
        "phone_melon": add(store, phone, "멜론", "subscription"),
        "stranger_nexon": add(store, strangers_line, "넥슨"),
    }
    return {"owner": owner, "stranger": stranger, "phone": phone, "tablet": tablet,
            "strangers_line": strangers_line, **ids}


def test_rule_refiles_past_rows_on_all_own_lines_only(store, world):
    with store.write() as db:
        result = recategorize(db, world["owner"], world["phone_nexon"], "game", always=True)
    assert result.rule and result.merchant_key == "넥슨" and result.rows_changed == 2
    assert categories(store, world["phone"]) == {"(주)다날_넥슨": "game", "멜론": "subscription"}
    assert categories(store, world["tablet"]) == {"넥슨코리아": "game"}
    assert categories(store, world["strangers_line"]) == {"넥슨": "other"}
    with store.read() as db:
        assert rules_of(db, world["owner"]) == {"넥슨": "game"}
        assert rules_of(db, world["stranger"]) == {}
        audit = db.scalar(select(AuditLog).where(AuditLog.action == "category.rule"))
        assert audit.user_id == world["owner"] and json.loads(audit.detail)["rows_changed"] == 1


def test_one_row_without_a_rule(store, world):
    with store.write() as db:
        result = recategorize(db, world["owner"], world["phone_nexon"], "shopping")
    assert not result.rule and result.rows_changed == 1
    assert categories(store, world["tablet"]) == {"넥슨코리아": "other"}
    with store.read() as db:
        assert rules_of(db, world["owner"]) == {}
        assert db.scalar(select(AuditLog.action).where(AuditLog.action == "transaction.recategorize"))


def test_rule_applies_to_future_rows(store, world):
    with store.write() as db:
        set_rule(db, world["owner"], "넥슨", "game")
    with store.read() as db:
        assert category_for(db, world["owner"], "넥슨") == "game"
        assert category_for(db, world["stranger"], "넥슨") is None
        assert category_for(db, world["owner"], "") is None
        imported = ImportedRow(occurred_at=WHEN, merchant="Nexon", merchant_key="넥슨", pg=None, product=None,
                               service=None, category="other", bucket="micropayment", amount=1_100,
                               status="approved", partial=False, external_id="e1", carrier=None, source_row=2)
        mapping = {"merchant": "넥슨코리아", "category": "other"}  # no key: derived from the merchant
        untouched = {"merchant": "멜론", "merchant_key": "멜론", "category": "subscription"}
        new_tx = Transaction(merchant="넥슨", merchant_key="넥슨", category="other")
        out = apply_rules(db, world["owner"], [imported, mapping, untouched, new_tx])
    assert out[0].category == "game" and imported.category == "other"  # frozen: a changed copy
    assert out[1] == {"merchant": "넥슨코리아", "category": "game"} and mapping["category"] == "other"
    assert out[2] is untouched
    assert out[3] is new_tx and new_tx.category == "game"


def test_changing_a_rule_and_reapplying(store, world):
    with store.write() as db:
        set_rule(db, world["owner"], "넥슨", "game")
        set_rule(db, world["owner"], "넥슨", "shopping")  # upsert, no unique violation
    with store.read() as db:
        assert db.scalars(select(CategoryRule.category)).all() == ["shopping"]
    add(store, world["phone"], "넥슨", "other", ext="raw-insert")  # e.g. a bulk insert that skipped rules
    with store.write() as db:
        assert apply_rules_to_stored(db, world["owner"]) == 1
    assert set(categories(store, world["tablet"]).values()) == {"shopping"}


def test_refusals(store, world):
    for tx_id in (world["stranger_nexon"], 999_999, "1 OR 1=1", None):
        with pytest.raises(RuleError) as refused, store.write() as db:
            recategorize(db, world["owner"], tx_id, "game", always=True)
        assert refused.value.key == "tx.err.not_found"
    with pytest.raises(RuleError) as refused, store.write() as db:
        recategorize(db, world["owner"], world["phone_nexon"], "'; DROP TABLE x; --")
    assert refused.value.key == "tx.err.category"
    with pytest.raises(RuleError) as refused, store.write() as db:
        set_rule(db, world["owner"], "", "game")
    assert refused.value.key == "tx.err.no_merchant_key"
    assert categories(store, world["strangers_line"]) == {"넥슨": "other"}


def test_rows_stored_without_a_key_get_one(store, world):
    legacy = add(store, world["phone"], "Nexon Korea Corp.", ext="legacy", key="")
    with store.write() as db:
        result = recategorize(db, world["owner"], legacy, "game", always=True)
    assert result.merchant_key == "nexon"
    with store.read() as db:
        assert db.get(Transaction, legacy).merchant_key == "nexon"

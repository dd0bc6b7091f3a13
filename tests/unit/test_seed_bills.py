"""The demo's bill history: every ended month billed, paid before its due date, none late."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from dashboard.settings import Settings
from data.billing import bills_of
from data.models import Line
from data.seed import seed_demo
from data.vocab import KST

RULES = Settings(due_day=21, late_fee_rate=0.02)


@pytest.mark.parametrize(("now", "open_month"), [
    (datetime(2026, 11, 10, 12, tzinfo=KST), "2026-10"),  # October's bill is due on 21 November
    (datetime(2026, 11, 25, 12, tzinfo=KST), None),  # ... and paid by then
])
def test_demo_lines_have_paid_bills_and_at_most_the_newest_open(store, now, open_month):
    with store.write() as db:
        seed_demo(db, seed=7, now=now, password="pw-for-tests", rules=RULES)
    with store.read() as db:
        lines = list(db.scalars(select(Line).order_by(Line.id)))
        assert len(lines) == 3
        for line in lines:
            bills = bills_of(db, line.id)
            assert [b.usage_month for b in bills][:2] == ["2026-10", "2026-09"]
            assert len(bills) >= 13
            assert all(b.late_fee == 0 and b.carried_over == 0 for b in bills)
            newest, older = bills[0], bills[1:]
            assert all(b.status == "paid" and b.paid_at is not None for b in older)
            assert newest.status == ("open" if open_month else "paid")
            assert line.status == "active"
            assert sum(b.total for b in bills) > 0


def test_without_rules_no_bills_are_made(store):
    with store.write() as db:
        seed_demo(db, seed=7, password="pw-for-tests")
    with store.read() as db:
        assert all(not bills_of(db, line_id) for line_id in db.scalars(select(Line.id)))

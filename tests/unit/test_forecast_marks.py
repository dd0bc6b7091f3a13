"""The /subscriptions marks as the stored line's forecast reads them (dashboard/services/forecast.py):
"cancelled" drops a merchant entirely, "not a subscription" stops projecting it as 자동결제 while its
charges still count as the line's ordinary spending."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from dashboard.services.forecast import forecast_of, set_recurring
from dashboard.settings import load_settings
from data.models import Transaction
from data.vocab import KST
from tests.helpers import make_line, make_user

NOW = datetime(2026, 11, 3, 14, tzinfo=KST)  # early: most of a month of spending still ahead
_ext = itertools.count(1)


@pytest.fixture
def cfg(database_url, tmp_path):
    return load_settings({"database_url": database_url, "instance_path": str(tmp_path / "inst"), "secret_key": "k"})


def _charges(store, line_id: int) -> None:
    """Two merchants charging 8,000원 on the 25th for six months: both look like subscriptions."""
    with store.write() as db:
        for month in range(5, 11):
            for merchant in ("멜론", "지니뮤직"):
                tx = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant, category="subscription",
                                 bucket="micropayment", amount=8_000, status="approved", source="api",
                                 external_id=f"m{next(_ext)}", refund=False)
                tx.set_time(datetime(2026, month, 25, 9, tzinfo=KST).astimezone(UTC))
                db.add(tx)


def test_a_merchant_marked_not_a_subscription_is_forecast_as_spending_not_as_a_charge_due(store_for_url, cfg):
    store = store_for_url
    user = make_user(store)
    line = make_line(store, user, effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    _charges(store, line)

    def forecast() -> dict:
        return forecast_of(store, cfg, user, line, NOW)

    unmarked = forecast()
    assert {item["merchant"] for item in unmarked["upcoming_recurring"]} == {"멜론", "지니뮤직"}

    assert set_recurring(store, user, line, "지니뮤직", excluded=True, reason="not_subscription")
    marked = forecast()
    assert [item["merchant"] for item in marked["upcoming_recurring"]] == ["멜론"]
    assert marked["recurring_due"] == unmarked["recurring_due"] - 8_000
    assert marked["variable_expected"] > unmarked["variable_expected"]  # its history is everyday spending now
    assert marked["excluded_recurring"] == []  # not "cancelled": nothing is dropped

    assert set_recurring(store, user, line, "지니뮤직", excluded=True, reason="cancelled")
    cancelled = forecast()
    assert [item["merchant"] for item in cancelled["upcoming_recurring"]] == ["멜론"]
    assert cancelled["variable_expected"] < marked["variable_expected"]
    assert cancelled["excluded_recurring"] == ["지니뮤직"]

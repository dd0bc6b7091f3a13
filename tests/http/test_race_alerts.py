"""Races: concurrent authorizations crossing a budget level raise that alert exactly once (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from dashboard.alerts.engine import AlertHook
from dashboard.settings import Settings
from data.alerts_store import create_alert
from data.authorize import AuthorizationRequest, authorize_owned
from data.budgets import save_budget
from data.models import Alert, Line, Notification
from data.vocab import usage_month
from tests.helpers import make_line, make_user
from tests.http.test_api_lines import bearer
from tests.http.test_race_authorize import together

RULES = Settings(database_url="race", smtp_host="127.0.0.1")  # queues mail; nothing sends outside an app


def setup_line(store) -> tuple[int, int]:
    owner = make_user(store)
    line = make_line(store, owner, limits={"micropayment": 300_000},
                     effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    with store.write() as db:
        save_budget(db, db.get(Line, line), amount=100_000, thresholds=[50, 80, 100], large_charge=None,
                    notify_new_merchant=False, user_id=owner)
    return owner, line


def request(external_id: str, amount: int) -> AuthorizationRequest:
    return AuthorizationRequest(merchant="쿠팡", amount=amount, bucket="micropayment", external_id=external_id,
                                category="shopping")


def budget_keys(store, line: int) -> list[str]:
    with store.read() as db:
        return sorted(db.scalars(select(Alert.rule_key).where(Alert.line_id == line, Alert.kind == "budget_threshold")))


def authorize_with_alerts(store, owner: int, line: int, external_id: str, amount: int) -> list[int]:
    hook = AlertHook(RULES)
    authorize_owned(store, owner, line, request(external_id, amount), RULES, hook=hook)
    return hook.alert_ids


def test_32_concurrent_authorizations_crossing_80_percent_raise_one_alert(store_for_url):
    store = store_for_url
    owner, line = setup_line(store)
    assert authorize_with_alerts(store, owner, line, "start", 70_000)  # 70 %: the 50 % alert

    # 32 × 1,000 from 70,000: the month passes 80 % (and 100 %) while they all race.
    created = together(32, lambda i: authorize_with_alerts(store, owner, line, f"race-{i}", 1_000))

    month = usage_month(datetime.now(UTC))
    keys = budget_keys(store, line)
    assert keys == sorted(f"budget:{pct}:{month}" for pct in (50, 80, 100))
    ids = [alert_id for batch in created for alert_id in batch]
    with store.read() as db:  # the 80 % and the 100 % alert, each raised by exactly one request
        kinds = list(db.scalars(select(Alert.kind).where(Alert.id.in_(ids))))
        eighty = db.scalar(select(Alert.id).where(Alert.rule_key == f"budget:80:{month}"))
        mails = db.scalar(select(func.count()).select_from(Notification).where(Notification.alert_id == eighty))
    assert kinds.count("budget_threshold") == 2
    assert mails == 1  # and one mail queued for it


def test_32_concurrent_api_authorizations_raise_one_80_percent_alert(app, store):
    owner, line = setup_line(store)
    headers = bearer(store, owner)
    first = app.server.test_client().post(f"/api/v1/lines/{line}/authorizations", headers=headers,
                                          json={"merchant": "쿠팡", "amount": 75_000, "bucket": "micropayment",
                                                "external_id": "start", "category": "shopping"})
    assert first.status_code == 201 and first.get_json()["approved"]

    def post(i: int) -> int:
        client = app.server.test_client()
        response = client.post(f"/api/v1/lines/{line}/authorizations", headers=headers,
                               json={"merchant": "쿠팡", "amount": 500, "bucket": "micropayment",
                                     "external_id": f"api-{i}", "category": "shopping"})
        return response.status_code

    assert together(32, post) == [201] * 32
    assert [k.split(":")[1] for k in budget_keys(store, line)] == ["50", "80"]  # 75,000 + 16,000 < 100 %


def test_32_concurrent_inserts_of_one_rule_key_store_one_alert(store_for_url):
    store = store_for_url
    owner, line = setup_line(store)

    def insert(i: int) -> bool:
        with store.write() as db:
            alert = create_alert(db, user_id=owner, line_id=line, kind="budget_threshold",
                                 rule_key="budget:80:2026-11", message=f"try {i}")
            return alert is not None

    assert sum(together(32, insert)) == 1
    assert budget_keys(store, line) == ["budget:80:2026-11"]

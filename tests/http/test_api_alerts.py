"""/api/v1 budgets and alerts: validation, filters, read marks and ownership (another user's → 404)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from data.alerts_store import create_alert
from data.models import AuditLog, Budget
from tests.helpers import csrf_header, login, make_line, make_user
from tests.http.test_api_lines import bearer


def owner_with_line(store, email: str = "owner@example.com") -> tuple[int, int, dict]:
    uid = make_user(store, email)
    line = make_line(store, uid, limits={"micropayment": 300_000, "content": 200_000},
                     effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    return uid, line, bearer(store, uid)


def test_put_budget_validates_and_saves(client, store):
    _, line, headers = owner_with_line(store)
    url = f"/api/v1/lines/{line}/budget"
    ok = client.put(url, json={"amount": 200_000, "thresholds": [50, 80, 100], "large_charge": 50_000,
                               "notify_new_merchant": True}, headers=headers)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json() | {"updated_at": None} == {"line_id": line, "amount": 200_000, "thresholds": [50, 80, 100],
                                                   "large_charge": 50_000, "notify_new_merchant": True,
                                                   "updated_at": None}
    assert client.get(url, headers=headers).get_json()["amount"] == 200_000
    defaults = client.put(url, json={"amount": 500_000}, headers=headers)  # = 300,000 + 200,000: allowed
    assert defaults.status_code == 200 and defaults.get_json()["thresholds"] == [50, 80, 100]
    assert defaults.get_json()["large_charge"] is None

    over = client.put(url, json={"amount": 500_001}, headers=headers)
    assert over.status_code == 400 and "총 한도 500,000원" in over.get_json()["message"]
    for bad in ([80, 50], [0, 50], [50, 101], [50, 50], []):
        response = client.put(url, json={"amount": 100_000, "thresholds": bad}, headers=headers)
        assert response.status_code == 400, bad
        assert "알림 기준" in response.get_json()["message"]
    assert client.put(url, json={"amount": 0}, headers=headers).status_code == 400
    assert client.put(url, json={"amount": 100_000, "large_charge": -5}, headers=headers).status_code == 400
    assert client.put(url, json={"thresholds": [50]}, headers=headers).status_code == 422
    assert client.put(url, json={"amount": "lots"}, headers=headers).status_code == 422
    assert client.put(url, json={"amount": 1.5}, headers=headers).status_code == 422
    with store.read() as db:
        assert db.get(Budget, line).amount == 500_000
        assert db.scalar(select(AuditLog.action).where(AuditLog.action == "budget.set").limit(1))


def test_budget_of_another_users_line_is_404(client, store):
    _, line, _ = owner_with_line(store, "a@example.com")
    _, _, other = owner_with_line(store, "b@example.com")
    assert client.put(f"/api/v1/lines/{line}/budget", json={"amount": 1000}, headers=other).status_code == 404
    assert client.get(f"/api/v1/lines/{line}/budget", headers=other).status_code == 404
    assert client.delete(f"/api/v1/lines/{line}/budget", headers=other).status_code == 404
    with store.read() as db:
        assert db.get(Budget, line) is None


def test_delete_budget(client, store):
    _, line, headers = owner_with_line(store)
    url = f"/api/v1/lines/{line}/budget"
    assert client.get(url, headers=headers).status_code == 404
    client.put(url, json={"amount": 100_000}, headers=headers)
    assert client.delete(url, headers=headers).status_code == 204
    assert client.delete(url, headers=headers).status_code == 404


def add_alerts(store, user: int, line: int) -> list[int]:
    with store.write() as db:
        ids = [create_alert(db, user_id=user, line_id=line, kind=kind, rule_key=key, message=msg).id
               for kind, key, msg in (("budget_threshold", "budget:50:2026-11", "예산 50%"),
                                      ("fraud_burst", "fraud_night:2026-11-25", "부정결제 의심"))]
    return ids


def test_list_filter_and_mark_read(client, store):
    uid, line, headers = owner_with_line(store)
    second = make_line(store, uid, number="010-****-1111")
    budget_id, fraud_id = add_alerts(store, uid, line)
    with store.write() as db:
        create_alert(db, user_id=uid, line_id=second, kind="large_charge", rule_key="large:1", message="고액")
    rows = client.get("/api/v1/alerts", headers=headers).get_json()
    assert [r["kind"] for r in rows] == ["large_charge", "fraud_burst", "budget_threshold"]
    assert set(rows[0]) == {"id", "line_id", "kind", "message", "created_at", "read"}
    assert not any(r["read"] for r in rows)

    read = client.post(f"/api/v1/alerts/{fraud_id}/read", headers=headers)
    assert read.status_code == 200 and read.get_json()["read"] is True
    assert client.post(f"/api/v1/alerts/{fraud_id}/read", headers=headers).status_code == 200  # idempotent
    unread = client.get("/api/v1/alerts?unread=true", headers=headers).get_json()
    assert {r["id"] for r in unread} == {budget_id, rows[0]["id"]}
    of_line = client.get(f"/api/v1/alerts?unread=true&line_id={line}", headers=headers).get_json()
    assert [r["id"] for r in of_line] == [budget_id]
    assert [r["id"] for r in client.get("/api/v1/alerts?unread=false", headers=headers).get_json()] == [fraud_id]
    assert client.get("/api/v1/alerts?kind=nonsense", headers=headers).status_code == 422
    marked = client.post("/api/v1/alerts/read-all", headers=headers)
    assert marked.get_json() == {"marked": 2}
    assert client.get("/api/v1/alerts?unread=true", headers=headers).get_json() == []


def test_alerts_of_another_user_are_invisible(client, store):
    a, line_a, _ = owner_with_line(store, "a@example.com")
    _, line_b, headers_b = owner_with_line(store, "b@example.com")
    ids = add_alerts(store, a, line_a)
    assert client.get("/api/v1/alerts", headers=headers_b).get_json() == []
    assert client.get(f"/api/v1/alerts?line_id={line_a}", headers=headers_b).status_code == 404
    for alert_id in ids:
        assert client.post(f"/api/v1/alerts/{alert_id}/read", headers=headers_b).status_code == 404
    assert client.post(f"/api/v1/alerts/read-all?line_id={line_a}", headers=headers_b).status_code == 404
    assert client.post("/api/v1/alerts/999999/read", headers=headers_b).status_code == 404
    del line_b


def test_session_user_needs_csrf_and_anonymous_gets_401(client, store):
    uid, line, _ = owner_with_line(store)
    (alert_id, _) = add_alerts(store, uid, line)
    assert client.get("/api/v1/alerts").status_code == 401
    login(client)
    assert client.get("/api/v1/alerts").status_code == 200
    assert client.post(f"/api/v1/alerts/{alert_id}/read").status_code == 400  # no CSRF header
    assert client.post(f"/api/v1/alerts/{alert_id}/read", headers=csrf_header(client)).status_code == 200
    put = client.put(f"/api/v1/lines/{line}/budget", json={"amount": 1000}, headers=csrf_header(client))
    assert put.status_code == 200


def test_openapi_lists_the_alert_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/alerts", "/api/v1/alerts/{alert_id}/read", "/api/v1/lines/{line_id}/budget"} <= set(paths)


def test_manual_add_runs_the_alert_rules(app, client, store):
    from datetime import timedelta

    from tests.http.test_transactions_callbacks import manual

    _, line, headers = owner_with_line(store)
    client.put(f"/api/v1/lines/{line}/budget", json={"amount": 10_000}, headers=headers)
    login(client)
    # A minute ago, but never before this KST month began (the budget counts this month only).
    kst = datetime.now(UTC) + timedelta(hours=9)
    now_kst = max(kst - timedelta(minutes=1), kst.replace(day=1, hour=0, minute=0)).strftime("%Y-%m-%dT%H:%M")
    added = manual(app, client, line, when=now_kst, merchant="넷마블", amount="9,000", bucket="micropayment",
                   category="auto", status="approved", pg="", product="")
    assert "결제를 추가했습니다" in str(added["tx-manual-msg"]["children"])
    rows = client.get("/api/v1/alerts", headers=headers).get_json()
    assert [r["kind"] for r in rows] == ["budget_threshold"] and "80%" in rows[0]["message"]

"""REST: authorizations (201/200 retry), transaction list and cancellation; ownership and validation."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from data.models import AuditLog, Transaction
from tests.helpers import make_line, make_user
from tests.http.test_api_lines import bearer


@pytest.fixture
def owner(store) -> int:
    return make_user(store)


@pytest.fixture
def headers(store, owner) -> dict[str, str]:
    return bearer(store, owner)


@pytest.fixture
def line(store, owner) -> int:
    return make_line(store, owner, limits={"micropayment": 50_000, "content": 20_000})


def charge(client, line_id, headers, amount=10_000, external_id="pg-1", **extra):
    body = {"merchant": "컬쳐랜드", "amount": amount, "bucket": "micropayment", "external_id": external_id,
            "pg": "KG모빌리언스", "category": "gift_voucher", "product": "컬쳐랜드 모바일문화상품권", **extra}
    return client.post(f"/api/v1/lines/{line_id}/authorizations", json=body, headers=headers)


def test_approve_then_retry_returns_the_same_body(client, store, line, headers):
    first = charge(client, line, headers)
    assert first.status_code == 201
    body = first.get_json()
    assert body == {"approved": True, "reason": None, "transaction_id": body["transaction_id"]}
    retry = charge(client, line, headers, amount=40_000)  # same external_id, even with another amount
    assert retry.status_code == 200 and retry.get_json() == body
    assert retry.headers["Idempotency-Replayed"] == "true"  # the payments' name (IETF idempotency-key draft)
    assert retry.headers["Idempotent-Replayed"] == "true"  # the deprecated alias, kept for one release
    assert "Idempotency-Replayed" not in first.headers
    with store.read() as db:
        assert db.scalar(select(Transaction.amount).where(Transaction.line_id == line)) == 10_000


def test_over_the_limit_is_a_declined_answer_not_an_error(client, line, headers):
    assert charge(client, line, headers, 50_000, "a").get_json()["approved"] is True
    declined = charge(client, line, headers, 1_000, "b")
    assert declined.status_code == 201
    assert declined.get_json()["approved"] is False and declined.get_json()["reason"] == "limit_exceeded"


def test_lowering_the_limit_applies_to_the_next_authorization(client, line, headers):
    assert client.put(f"/api/v1/lines/{line}/limits/micropayment", json={"amount": 10_000},
                      headers=headers).status_code == 200
    assert charge(client, line, headers, 20_000).get_json()["reason"] == "limit_exceeded"


def test_another_users_line_is_404(client, store, line):
    stranger = make_user(store, "other@example.com")
    response = charge(client, line, bearer(store, stranger))
    assert response.status_code == 404 and "회선" in response.get_json()["message"]
    assert client.post("/api/v1/lines/999999/authorizations", json={}, headers=bearer(store, stranger)).status_code \
        in (404, 422)


@pytest.mark.parametrize("patch", [
    {"amount": 0}, {"amount": -5}, {"amount": "10000"}, {"amount": 10.5}, {"amount": 10**12},
    {"bucket": "games"}, {"merchant": ""}, {"merchant": "넥\x00슨"}, {"external_id": "x" * 101},
    {"external_id": "mb-cancel:1"}, {"category": "drugs"}, {"pay_type": "weekly"},
    {"occurred_at": "yesterday"}, {"occurred_at": "2999-01-01T00:00:00+09:00"}, {"pg": "a" * 61},
])
def test_bad_input_is_422_never_500(client, line, headers, patch):
    body = {"merchant": "넥슨", "amount": 1_000, "bucket": "micropayment", "external_id": "v1", **patch}
    response = client.post(f"/api/v1/lines/{line}/authorizations", json=body, headers=headers)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"] == "unprocessable_entity"


def test_missing_fields_and_non_json_are_refused(client, line, headers):
    missing = client.post(f"/api/v1/lines/{line}/authorizations", json={"merchant": "넥슨"}, headers=headers)
    assert missing.status_code == 422
    assert {"amount", "bucket", "external_id"} <= set(missing.get_json()["errors"]["json"])
    garbage = client.post(f"/api/v1/lines/{line}/authorizations", data="{nope",
                          headers={**headers, "Content-Type": "application/json"})
    assert garbage.status_code in (400, 422)


def test_occurred_at_without_offset_is_kst(client, line, headers):
    charge(client, line, headers, 1_000, "may", occurred_at="2025-05-31T23:59:00")
    charge(client, line, headers, 1_000, "june", occurred_at="2025-06-01T00:00:00")
    may = client.get(f"/api/v1/lines/{line}/transactions?month=2025-05", headers=headers).get_json()
    june = client.get(f"/api/v1/lines/{line}/transactions?month=2025-06", headers=headers).get_json()
    assert len(may) == 1 and may[0]["occurred_at"] == "2025-05-31T14:59:00+00:00"
    assert len(june) == 1 and june[0]["occurred_at"] == "2025-05-31T15:00:00+00:00"


def test_transactions_list_has_the_documented_fields(client, line, headers):
    charge(client, line, headers, 10_000, "one")
    charge(client, line, headers, 90_000, "two")
    rows = client.get(f"/api/v1/lines/{line}/transactions", headers=headers).get_json()
    assert {"id", "occurred_at", "merchant", "pg", "product", "category", "bucket", "amount", "status",
            "pay_type", "decline_reason", "cancels_id"} <= set(rows[0])
    assert [(r["status"], r["decline_reason"]) for r in rows] == [("declined", "limit_exceeded"), ("approved", None)]
    assert rows[1]["category"] == "gift_voucher" and rows[1]["pg"] == "KG모빌리언스"


@pytest.mark.parametrize("month", ["2025-13", "2025-5", "May", "2025-05-01", "'; drop table x;--"])
def test_bad_month_is_422(client, line, headers, month):
    response = client.get(f"/api/v1/lines/{line}/transactions", query_string={"month": month}, headers=headers)
    assert response.status_code == 422 and "YYYY-MM" in json.dumps(response.get_json(), ensure_ascii=False)


def test_transactions_of_another_users_line_are_404(client, store, line, headers):
    charge(client, line, headers)
    stranger = bearer(store, make_user(store, "other@example.com"))
    assert client.get(f"/api/v1/lines/{line}/transactions", headers=stranger).status_code == 404


def test_cancel_restores_usage_and_refuses_a_second_time(client, store, owner, line, headers):
    payment = charge(client, line, headers, 50_000).get_json()["transaction_id"]
    assert client.get(f"/api/v1/lines/{line}", headers=headers).get_json()["usage"]["micropayment"] == 50_000
    cancelled = client.post(f"/api/v1/transactions/{payment}/cancel", headers=headers)
    assert cancelled.status_code == 200
    body = cancelled.get_json()
    assert (body["status"], body["cancels_id"], body["refund"], body["amount"]) == ("cancelled", payment, False, 50_000)
    assert client.get(f"/api/v1/lines/{line}", headers=headers).get_json()["usage"]["micropayment"] == 0
    again = client.post(f"/api/v1/transactions/{payment}/cancel", headers=headers)
    assert again.status_code == 409 and "이미 취소" in again.get_json()["message"]
    assert client.post(f"/api/v1/transactions/{body['id']}/cancel", headers=headers).status_code == 409
    with store.read() as db:
        audit = db.scalar(select(AuditLog).where(AuditLog.action == "transaction.cancel"))
    assert audit.user_id == owner and json.loads(audit.detail)["transaction_id"] == payment


def test_cancel_of_a_declined_attempt_is_409(client, line, headers):
    declined = charge(client, line, headers, 90_000).get_json()["transaction_id"]
    assert client.post(f"/api/v1/transactions/{declined}/cancel", headers=headers).status_code == 409


def test_cancel_of_another_users_transaction_is_404(client, store, line, headers):
    payment = charge(client, line, headers).get_json()["transaction_id"]
    stranger = bearer(store, make_user(store, "other@example.com"))
    assert client.post(f"/api/v1/transactions/{payment}/cancel", headers=stranger).status_code == 404
    assert client.post("/api/v1/transactions/424242/cancel", headers=stranger).status_code == 404
    assert client.post(f"/api/v1/transactions/{payment}/cancel", headers=headers).status_code == 200


def test_openapi_documents_the_new_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    post = paths["/api/v1/lines/{line_id}/authorizations"]["post"]
    assert {"201", "200", "422"} <= set(post["responses"])
    assert "/api/v1/transactions/{transaction_id}/cancel" in paths
    assert "/api/v1/lines/{line_id}/transactions" in paths
    assert "AuthorizationIn" in spec["components"]["schemas"]


# ---- the simulator (microbill simulate) ---------------------------------------------------------

class _ClientAsRequests:
    """Just enough of requests.Session over the Flask test client for dashboard.sim.merchant.run."""

    def __init__(self, client):
        self.client, self.headers = client, {}

    def post(self, url, json, timeout):
        response = self.client.post(url.split("127.0.0.1:8050", 1)[1], json=json, headers=self.headers)
        return SimpleNamespace(status_code=response.status_code, headers=response.headers,
                               json=response.get_json)


def test_simulator_sends_realistic_requests_and_prints_each_answer(client, store, line, headers):
    from dashboard.sim.merchant import run

    printed: list[str] = []
    token = headers["Authorization"].removeprefix("Bearer ")
    failures = run("http://127.0.0.1:8050", token, line, rate=1000, count=12, echo=printed.append, seed=3,
                   http=_ClientAsRequests(client))
    assert failures == 0 and len(printed) == 12
    assert all("→ 승인" in p or "→ 거절" in p for p in printed)
    rows = client.get(f"/api/v1/lines/{line}/transactions", headers=headers).get_json()
    assert len(rows) == 12 and {r["bucket"] for r in rows} <= {"micropayment", "content"}
    assert all(r["amount"] > 0 and r["merchant"] for r in rows)


def test_simulator_stops_on_a_foreign_line(client, store, line):
    from dashboard.sim.merchant import run

    stranger = bearer(store, make_user(store, "other@example.com"))["Authorization"].removeprefix("Bearer ")
    printed: list[str] = []
    assert run("http://127.0.0.1:8050", stranger, line, 1000, 5, printed.append, http=_ClientAsRequests(client)) == 1
    assert len(printed) == 1 and "HTTP 404" in printed[0]


def test_rate_parsing():
    from dashboard.sim.merchant import parse_rate

    assert parse_rate("5/s") == 5 and parse_rate("30/m") == 0.5 and parse_rate("2") == 2
    for bad in ("", "fast", "0/s", "-1/s", "5/d"):
        with pytest.raises(ValueError):
            parse_rate(bad)

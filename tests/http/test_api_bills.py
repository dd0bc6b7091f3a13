"""Bills API over HTTP: listing (closing months on the way), paying with Idempotency-Key, deposits, CLI."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from dashboard.cli import main
from data.models import AuditLog, Line, Payment, Transaction, utcnow
from data.vocab import month_start, months_back, usage_month
from tests.helpers import PASSWORD, csrf_header, dash_update, login, make_line, make_user
from tests.http.test_api_lines import bearer

GOOD, DECLINED = "4111111111111111", "4000000000000002"
BILL_FIELDS = {"id", "line_id", "usage_month", "micropayment_amount", "content_amount", "carried_over",
               "carried_from_id", "late_fee", "total", "due_date", "status", "paid_at"}


def line_in_arrears(store, email: str = "owner@example.com", amount: int = 10_000) -> tuple[int, int, str, str]:
    """A line registered two months ago that spent `amount` then and never paid: by now that bill is
    overdue (2% fee) and carried into last month's bill. Returns (user, line, old month, last month)."""
    uid = make_user(store, email)
    line_id = make_line(store, uid)
    old, last, _this = months_back(usage_month(utcnow()), 3)
    start = month_start(old)
    with store.write() as db:
        db.get(Line, line_id).created_at = start
        row = Transaction(line_id=line_id, merchant="넥슨", bucket="micropayment", amount=amount, status="approved",
                          source="manual", external_id="old-1")
        row.set_time(start + timedelta(days=2))
        db.add(row)
    return uid, line_id, old, last


def pay(client, bill_id: int, headers: dict, key: str | None = "key-1", **body):
    body = {"method": "card", "card_number": GOOD, "password": PASSWORD, **body}
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1/bills/{bill_id}/payments", json=body, headers={**headers, **extra})


def current_bill(client, line_id: int, headers: dict) -> dict:
    return client.get(f"/api/v1/lines/{line_id}/bills", headers=headers).get_json()[0]


@pytest.mark.month_edges
def test_listing_closes_ended_months_carries_arrears_and_restricts(client, store):
    uid, line, old, last = line_in_arrears(store)
    headers = bearer(store, uid)
    response = client.get(f"/api/v1/lines/{line}/bills", headers=headers)
    assert response.status_code == 200
    newest, oldest = response.get_json()
    assert set(newest) == BILL_FIELDS
    assert (oldest["usage_month"], oldest["status"]) == (old, "carried")
    assert (oldest["late_fee"], oldest["total"]) == (200, 10_200)
    assert (newest["usage_month"], newest["status"], newest["carried_over"]) == (last, "overdue", 10_200)
    assert newest["carried_from_id"] == oldest["id"] and newest["total"] == 10_200
    assert client.get(f"/api/v1/lines/{line}", headers=headers).get_json()["status"] == "restricted"
    assert client.get(f"/api/v1/lines/{line}/bills", headers=headers).get_json() == [newest, oldest]  # idempotent
    stranger = make_user(store, "stranger@example.com")
    assert client.get(f"/api/v1/lines/{line}/bills", headers=bearer(store, stranger)).status_code == 404


def test_card_payment_replays_refuses_key_reuse_and_a_second_key(client, store):
    uid, line, _old, _last = line_in_arrears(store)
    headers = bearer(store, uid)
    bill = current_bill(client, line, headers)
    first = pay(client, bill["id"], headers, card_number="4111 1111 1111 1111")
    assert first.status_code == 201
    body = first.get_json()
    assert {k: body[k] for k in ("bill_id", "method", "status", "amount", "card_last4", "line_status")} == {
        "bill_id": bill["id"], "method": "card", "status": "succeeded", "amount": 10_200, "card_last4": "1111",
        "line_status": "active"}
    assert client.get(f"/api/v1/lines/{line}", headers=headers).get_json()["status"] == "active"
    assert current_bill(client, line, headers)["status"] == "paid"

    replay = pay(client, bill["id"], headers)
    assert (replay.status_code, replay.get_data()) == (first.status_code, first.get_data())
    assert replay.headers["Idempotency-Replayed"] == "true"
    reused = pay(client, bill["id"], headers, card_number="5555555555554444")
    assert reused.status_code == 422 and reused.get_json()["error"] == "key_reused"
    second = pay(client, bill["id"], headers, key="key-2")
    assert second.status_code == 409 and second.get_json()["error"] == "already_paid"
    with store.read() as db:
        rows = db.scalars(select(Payment)).all()
        details = " ".join(a.detail for a in db.scalars(select(AuditLog)))
    assert [p.status for p in rows] == ["succeeded"] and GOOD not in rows[0].response_json + details


def test_bad_requests_are_400_403_404_409_422_never_500(client, store):
    uid, line, _old, _last = line_in_arrears(store)
    headers = bearer(store, uid)
    newest, oldest = client.get(f"/api/v1/lines/{line}/bills", headers=headers).get_json()
    missing_key = pay(client, newest["id"], headers, key=None, method="cash")
    assert missing_key.status_code == 400 and missing_key.get_json()["error"] == "idempotency_key"
    assert pay(client, newest["id"], headers, key="bad key|x").status_code == 400
    assert pay(client, newest["id"], headers, method="cash").status_code == 422
    luhn = pay(client, newest["id"], headers, card_number="4111111111111112")
    assert luhn.status_code == 422 and "card_number" in str(luhn.get_json())
    assert "4111111111111112" not in luhn.get_data(as_text=True)
    assert pay(client, newest["id"], headers, card_number=None).status_code == 422
    no_password = client.post(f"/api/v1/bills/{newest['id']}/payments", json={"method": "card", "card_number": GOOD},
                              headers={**headers, "Idempotency-Key": "k"})
    assert no_password.status_code == 422 and "password" in str(no_password.get_json())
    not_json = client.post(f"/api/v1/bills/{newest['id']}/payments", data="{",
                           headers={**headers, "Idempotency-Key": "k", "Content-Type": "application/json"})
    assert not_json.status_code in (400, 422)
    wrong = pay(client, newest["id"], headers, password="not my password")
    assert wrong.status_code == 403
    carried = pay(client, oldest["id"], headers)
    assert carried.status_code == 409 and carried.get_json()["error"] == "carried"
    assert f"#{newest['id']}" in carried.get_json()["message"]
    stranger = make_user(store, "stranger@example.com")
    assert pay(client, newest["id"], bearer(store, stranger)).status_code == 404
    assert pay(client, 999_999, headers).status_code == 404
    assert client.get(f"/api/v1/lines/{line}", headers=headers).get_json()["status"] == "restricted"


def test_wrong_passwords_are_throttled(client, store):
    uid, line, _old, _last = line_in_arrears(store)
    headers = bearer(store, uid)
    bill = current_bill(client, line, headers)
    codes = [pay(client, bill["id"], headers, key=f"k{i}", password="guess-guess").status_code for i in range(6)]
    assert codes == [403] * 5 + [429]


def test_declined_card_is_201_and_a_new_key_pays(client, store):
    uid, line, _old, _last = line_in_arrears(store)
    headers = bearer(store, uid)
    bill = current_bill(client, line, headers)
    declined = pay(client, bill["id"], headers, key="try-1", card_number=DECLINED)
    assert declined.status_code == 201
    assert declined.get_json() | {"payment_id": 0} == {
        "payment_id": 0, "bill_id": bill["id"], "method": "card", "status": "declined", "amount": 10_200,
        "card_last4": "0002", "decline_reason": "card_declined", "line_status": "restricted"}
    assert pay(client, bill["id"], headers, key="try-2").get_json()["status"] == "succeeded"


def test_virtual_account_is_pending_until_the_deposit_is_confirmed(client, store):
    uid, line, _old, _last = line_in_arrears(store)
    headers = bearer(store, uid)
    bill = current_bill(client, line, headers)
    issued = pay(client, bill["id"], headers, method="virtual_account", card_number=None)
    assert issued.status_code == 201
    body = issued.get_json()
    assert body["status"] == "pending" and set(body["virtual_account"]) == {"bank", "account"}
    assert client.get(f"/api/v1/lines/{line}", headers=headers).get_json()["status"] == "restricted"
    stranger = make_user(store, "stranger@example.com")
    url = f"/api/v1/payments/{body['payment_id']}/confirm-deposit"
    assert client.post(url, headers=bearer(store, stranger)).status_code == 404
    confirmed = client.post(url, headers=headers)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "succeeded"
    assert confirmed.get_json()["line_status"] == "active"
    assert current_bill(client, line, headers)["status"] == "paid"
    assert client.post(url, headers=headers).status_code == 200


def test_pay_overdue_pays_the_line_and_then_has_nothing_left(client, store):
    uid, line, _old, _last = line_in_arrears(store)
    headers = {**bearer(store, uid), "Idempotency-Key": "overdue-1"}
    url = f"/api/v1/lines/{line}/bills/pay-overdue"
    body = {"method": "card", "card_number": GOOD, "password": PASSWORD}
    first = client.post(url, json=body, headers=headers)
    assert first.status_code == 201
    result = first.get_json()
    assert (result["status"], result["amount"], result["line_status"]) == ("succeeded", 10_200, "active")
    assert len(result["payments"]) == 1
    assert client.post(url, json=body, headers=headers).get_data() == first.get_data()
    again = client.post(url, json=body, headers={**headers, "Idempotency-Key": "overdue-2"})
    assert again.status_code == 409 and again.get_json()["error"] == "nothing_overdue"


def test_session_users_pay_with_csrf(client, store):
    _uid, line, _old, _last = line_in_arrears(store)
    login(client)
    bill = client.get(f"/api/v1/lines/{line}/bills").get_json()[0]
    assert pay(client, bill["id"], {}).status_code == 400  # no CSRF token
    assert pay(client, bill["id"], csrf_header(client)).status_code == 201


def test_openapi_documents_the_bills_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/lines/{line_id}/bills", "/api/v1/bills/{bill_id}/payments",
                 "/api/v1/lines/{line_id}/bills/pay-overdue", "/api/v1/payments/{payment_id}/confirm-deposit"):
        assert path in spec["paths"], path
    post = spec["paths"]["/api/v1/bills/{bill_id}/payments"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
    assert {"201", "409", "422"} <= set(post["responses"])


@pytest.mark.parametrize("runs", [2])
def test_close_month_command_is_idempotent(database_url, store_for_url, tmp_path, runs):
    uid = make_user(store_for_url)
    line = make_line(store_for_url, uid)
    with store_for_url.write() as db:
        db.get(Line, line).created_at = month_start("2025-01")
        row = Transaction(line_id=line, merchant="넥슨", bucket="micropayment", amount=30_000, status="approved",
                          source="manual", external_id="x")
        row.set_time(month_start("2025-01") + timedelta(days=3))
        db.add(row)
    env = {"MICROBILL_DATABASE_URL": database_url, "MICROBILL_INSTANCE_PATH": str(tmp_path),
           "MICROBILL_SECRET_KEY": "cli-test"}
    outputs = [CliRunner().invoke(main, ["close-month", "--as-of", "2025-03-01"], env=env) for _ in range(runs)]
    assert all(o.exit_code == 0 for o in outputs), outputs[0].output
    first, second = (json.loads(o.output) for o in outputs)
    assert (first["created"], first["carried"]) == (2, 1) and first["as_of"].startswith("2025-03-01T00:00:00+09:00")
    assert second["created"] == second["overdue"] == 0
    with store_for_url.read() as db:
        assert db.get(Line, line).status == "restricted"
    bad = CliRunner().invoke(main, ["close-month", "--as-of", "March"], env=env)
    assert bad.exit_code != 0


# ---- the /bills page callbacks over HTTP (same rules as the API) ---------------------------------

def _callback(client, output_part: str, input_id: str) -> str:
    """The exact output string Dash registered for the callback writing `output_part` from `input_id`."""
    for dep in client.get("/_dash-dependencies").get_json():
        if output_part in dep["output"] and any(i["id"] == input_id for i in dep["inputs"]):
            return dep["output"]
    raise AssertionError(f"no callback {output_part} ← {input_id}")


def _render(client, line_id):
    output = _callback(client, "bills-list.children", "bills-refresh")
    inputs = [{"id": "line-picker", "property": "value", "value": line_id},
              {"id": "prefs", "property": "data", "value": {"lang": "ko"}},
              {"id": "bills-refresh", "property": "data", "value": 0}]
    response = dash_update(client, output, inputs, headers=csrf_header(client))
    assert response.status_code == 200
    return response.get_json()["response"]


def _submit(client, target: dict, line_id, card: str = GOOD, key: str = "ui-key-1"):
    output = _callback(client, "pay-result.children", "pay-submit")
    state = [{"id": "pay-target", "property": "data", "value": target},
             {"id": "pay-key", "property": "data", "value": key},
             {"id": "pay-method", "property": "value", "value": "card"},
             {"id": "pay-card", "property": "value", "value": card},
             {"id": "pay-password", "property": "value", "value": PASSWORD},
             {"id": "line-picker", "property": "value", "value": line_id},
             {"id": "bills-refresh", "property": "data", "value": 0},
             {"id": "prefs", "property": "data", "value": {"lang": "ko"}}]
    response = dash_update(client, output, [{"id": "pay-submit", "property": "n_clicks", "value": 1}], state,
                           headers=csrf_header(client))
    assert response.status_code == 200
    return json.dumps(response.get_json()["response"], ensure_ascii=False)


def test_bills_page_shows_own_bills_and_pays_through_the_same_rules(client, store):
    _uid, line, _old, _last = line_in_arrears(store)
    login(client)
    page = json.dumps(_render(client, line), ensure_ascii=False)
    assert "10,200원" in page and "미납 제한" in page and "연체 금액 모두 납부" in page
    bill_id = client.get(f"/api/v1/lines/{line}/bills").get_json()[0]["id"]
    first = _submit(client, {"kind": "bill", "bill": bill_id, "overdue": True}, line)
    assert "10,200원 납부가 완료되었습니다" in first and "제한이 해제" in first
    assert _submit(client, {"kind": "bill", "bill": bill_id, "overdue": True}, line) == first  # double click
    with store.read() as db:
        assert len(db.scalars(select(Payment)).all()) == 1


def test_bills_page_gives_nothing_for_someone_elses_line_or_bill(client, store):
    _uid, line, _old, _last = line_in_arrears(store)
    bill_id = client.get(f"/api/v1/lines/{line}/bills", headers=bearer(store, _uid)).get_json()[0]["id"]
    make_user(store, "other@example.com")
    login(client, "other@example.com")
    for probe in (line, str(line), None, "1 OR 1=1"):
        assert "10,200" not in json.dumps(_render(client, probe), ensure_ascii=False)
    refused = _submit(client, {"kind": "bill", "bill": bill_id}, None)
    assert "청구서를 찾을 수 없습니다" in refused
    assert "청구서를 찾을 수 없습니다" in _submit(client, {"kind": "overdue"}, line, key="ui-key-2")
    assert "청구서를 찾을 수 없습니다" in _submit(client, {"kind": "bill", "bill": "x"}, line, key="ui-key-3")
    with store.read() as db:
        assert db.scalars(select(Payment)).all() == []


def test_bills_page_shows_a_waiting_deposit_and_confirms_it(client, store):
    _uid, line, _old, _last = line_in_arrears(store)
    login(client)
    bill_id = client.get(f"/api/v1/lines/{line}/bills").get_json()[0]["id"]
    issued = pay(client, bill_id, csrf_header(client), method="virtual_account", card_number=None).get_json()
    account = issued["virtual_account"]["account"]
    assert account in json.dumps(_render(client, line), ensure_ascii=False)
    button = {"index": issued["payment_id"], "type": "deposit-confirm"}
    output = next(dep["output"] for dep in client.get("/_dash-dependencies").get_json()
                  if "bills-notice" in dep["output"])
    body = {"output": output, "outputs": [{"id": "bills-notice", "property": "children"},
                                          {"id": "bills-refresh", "property": "data"}],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": "bills-refresh", "property": "data", "value": 0},
                      {"id": "prefs", "property": "data", "value": {"lang": "ko"}}],
            "changedPropIds": [json.dumps(button, separators=(",", ":")) + ".n_clicks"]}
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code == 200
    assert "입금이 확인되어 10,200원 납부가 완료되었습니다" in json.dumps(response.get_json(), ensure_ascii=False)
    assert client.get(f"/api/v1/lines/{line}").get_json()["status"] == "active"

"""REST: limit changes (steps, caps, re-authentication to raise), block and unblock — all audited."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from data.models import AuditLog, Bill, Line, LineLimit
from tests.helpers import PASSWORD, csrf_header, login, make_line, make_user
from tests.http.test_api_lines import bearer


@pytest.fixture
def owner(store) -> int:
    return make_user(store)


@pytest.fixture
def headers(store, owner) -> dict[str, str]:
    return bearer(store, owner)


@pytest.fixture
def line(store, owner) -> int:
    return make_line(store, owner)  # KT, 소액결제 300,000 / 콘텐츠 200,000


def audits(store, action: str) -> list[dict]:
    with store.read() as db:
        rows = db.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()
        return [{"user_id": r.user_id, "line_id": r.line_id, **json.loads(r.detail)} for r in rows]


def put_limit(client, line_id, headers, amount, password=None, bucket="micropayment"):
    body = {"amount": amount} | ({"password": password} if password is not None else {})
    return client.put(f"/api/v1/lines/{line_id}/limits/{bucket}", json=body, headers=headers)


def set_status(store, line_id, status: str) -> None:
    with store.write() as db:
        db.get(Line, line_id).status = status


def add_overdue_bill(store, line_id) -> None:
    with store.write() as db:
        db.add(Bill(line_id=line_id, usage_month="2025-03", due_date=date(2025, 4, 21), status="overdue"))


# ---- limits -------------------------------------------------------------------------------------

def test_lowering_needs_no_password_and_is_audited(client, store, owner, line, headers):
    response = put_limit(client, line, headers, 100_000)
    assert response.status_code == 200
    assert response.get_json() == {"line_id": line, "bucket": "micropayment", "amount": 100_000,
                                   "previous": 300_000, "cap": 1_000_000}
    assert client.get(f"/api/v1/lines/{line}", headers=headers).get_json()["limits"]["micropayment"] == 100_000
    [change] = audits(store, "limit.change")
    assert change == {"user_id": owner, "line_id": line, "bucket": "micropayment", "previous": 300_000,
                      "amount": 100_000, "raised": False}
    with store.read() as db:  # the history is kept: a new row, not an update
        assert db.scalar(select(LineLimit.id).where(LineLimit.amount == 300_000)) is not None


def test_raising_without_or_with_a_wrong_password_is_403_and_audited(client, store, line, headers):
    without = put_limit(client, line, headers, 500_000)
    assert without.status_code == 403 and "비밀번호" in without.get_json()["message"]
    wrong = put_limit(client, line, headers, 500_000, password="not it")
    assert wrong.status_code == 403 and "올바르지 않습니다" in wrong.get_json()["message"]
    refused = audits(store, "limit.raise_refused")
    assert [(r["previous"], r["requested"]) for r in refused] == [(300_000, 500_000)] * 2
    assert audits(store, "limit.change") == []
    assert client.get(f"/api/v1/lines/{line}", headers=headers).get_json()["limits"]["micropayment"] == 300_000


def test_raising_with_the_password_works(client, store, line, headers):
    response = put_limit(client, line, headers, 500_000, password=PASSWORD, bucket="content")
    assert response.status_code == 200 and response.get_json()["amount"] == 500_000
    assert audits(store, "limit.change")[0]["raised"] is True


@pytest.mark.parametrize("amount", [15_000, 1, 999_999])
def test_not_a_step_is_400_in_korean(client, line, headers, amount):
    response = put_limit(client, line, headers, amount, password=PASSWORD)
    assert response.status_code == 400 and "10,000원 단위" in response.get_json()["message"]


def test_caps_legal_minor_and_arrears_are_400(client, store, owner, line, headers):
    assert put_limit(client, line, headers, 1_010_000, password=PASSWORD).status_code == 400
    minor = make_line(store, owner, is_minor=True, number="010-****-0002", limits={"micropayment": 50_000})
    over_minor = put_limit(client, minor, headers, 110_000, password=PASSWORD)
    assert over_minor.status_code == 400 and "100,000원" in over_minor.get_json()["message"]
    assert put_limit(client, minor, headers, 100_000, password=PASSWORD).status_code == 200
    add_overdue_bill(store, line)
    in_arrears = put_limit(client, line, headers, 400_000, password=PASSWORD)
    assert in_arrears.status_code == 400 and "300,000원" in in_arrears.get_json()["message"]


def test_bad_bucket_or_body_is_422_and_foreign_line_is_404(client, store, line, headers):
    assert put_limit(client, line, headers, 100_000, bucket="games").status_code == 422
    assert client.put(f"/api/v1/lines/{line}/limits/micropayment", json={"amount": "lots"},
                      headers=headers).status_code == 422
    stranger = bearer(store, make_user(store, "other@example.com"))
    assert put_limit(client, line, stranger, 100_000).status_code == 404


# ---- block / unblock ----------------------------------------------------------------------------

def test_block_needs_no_password_and_returns_carrier_steps(client, store, owner, line, headers):
    response = client.post(f"/api/v1/lines/{line}/block", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "blocked" and body["reason"] == "loss_theft" and body["already_blocked"] is False
    steps = body["instructions"]
    assert (steps["carrier"], steps["hotline"], steps["landline"], steps["loss_theft"]) == \
        ("KT", "114", "1588-0010", "080-000-1618")
    assert "PASS" in steps["app_path"] and any("사건사고사실확인원" in c for c in steps["charges"])
    assert any("2주" in c for c in steps["charges"]) and {"pg": "다날", "phone": "1566-3355"} in steps["pg_contacts"]
    assert audits(store, "line.block") == [{"user_id": owner, "line_id": line, "reason": "loss_theft",
                                           "previous": "active"}]
    again = client.post(f"/api/v1/lines/{line}/block", json={"reason": "fraud"}, headers=headers)
    assert again.get_json()["already_blocked"] is True and len(audits(store, "line.block")) == 1


@pytest.mark.parametrize(("carrier", "loss_theft"), [("SKT", "080-011-6000"), ("LGU+", None), ("MVNO", None)])
def test_block_steps_follow_the_carrier(client, store, owner, headers, carrier, loss_theft):
    line = make_line(store, owner, carrier=carrier)
    steps = client.post(f"/api/v1/lines/{line}/block", headers=headers).get_json()["instructions"]
    assert steps["carrier"] == carrier and steps["loss_theft"] == loss_theft


def test_block_validation_and_ownership(client, store, line, headers):
    assert client.post(f"/api/v1/lines/{line}/block", json={"reason": "bored"}, headers=headers).status_code == 422
    stranger = bearer(store, make_user(store, "other@example.com"))
    assert client.post(f"/api/v1/lines/{line}/block", headers=stranger).status_code == 404
    assert client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD}, headers=stranger).status_code \
        == 404
    with store.read() as db:
        assert db.get(Line, line).status == "active"


def test_unblock_needs_the_password(client, store, owner, line, headers):
    client.post(f"/api/v1/lines/{line}/block", headers=headers)
    wrong = client.post(f"/api/v1/lines/{line}/unblock", json={"password": "guess"}, headers=headers)
    assert wrong.status_code == 403
    assert wrong.get_json()["message"] == "비밀번호가 올바르지 않습니다. 다시 확인해 주세요."
    missing = client.post(f"/api/v1/lines/{line}/unblock", json={}, headers=headers)
    assert missing.status_code == 403 and "비밀번호를 입력" in missing.get_json()["message"]
    assert len(audits(store, "line.unblock_refused")) == 2
    ok = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD}, headers=headers)
    assert ok.status_code == 200 and ok.get_json() == {"line_id": line, "status": "active"}
    assert audits(store, "line.unblock") == [{"user_id": owner, "line_id": line, "status": "active"}]
    not_blocked = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD}, headers=headers)
    assert not_blocked.status_code == 409


def test_unblocking_an_overdue_line_leaves_it_restricted(client, store, line, headers):
    add_overdue_bill(store, line)
    client.post(f"/api/v1/lines/{line}/block", headers=headers)
    response = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD}, headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "restricted"


def test_wrong_passwords_are_throttled(client, store, line, headers):
    client.post(f"/api/v1/lines/{line}/block", headers=headers)
    for _ in range(5):  # settings.login_rate_per_account_ip = 5 per minute
        assert client.post(f"/api/v1/lines/{line}/unblock", json={"password": "x"}, headers=headers).status_code \
            == 403
    throttled = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD}, headers=headers)
    assert throttled.status_code == 429 and "잠시 후" in throttled.get_json()["message"]
    # Lowering never needs the password, so the throttle does not stop it.
    assert put_limit(client, line, headers, 0).status_code == 200


def test_session_user_blocks_with_csrf_and_unblock_refreshes_authenticated_at(client, store, line):
    login(client)
    assert client.post(f"/api/v1/lines/{line}/block").status_code == 400  # no CSRF token
    assert client.post(f"/api/v1/lines/{line}/block", headers=csrf_header(client)).status_code == 200
    from data.models import UserSession

    with store.read() as db:
        before = db.scalar(select(UserSession.authenticated_at))
    response = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD}, headers=csrf_header(client))
    assert response.status_code == 200
    with store.read() as db:
        assert db.scalar(select(UserSession.authenticated_at)) > before


def test_openapi_documents_the_action_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"400", "403", "200"} <= set(paths["/api/v1/lines/{line_id}/limits/{bucket}"]["put"]["responses"])
    assert "/api/v1/lines/{line_id}/block" in paths and "/api/v1/lines/{line_id}/unblock" in paths


# ---- the Dash callbacks behind the block button and the limits page ------------------------------

def _callback(client, output_contains: str, inputs: list[dict], state: list[dict]):
    """POST a callback the way the renderer does, its output spec taken from /_dash-dependencies
    (outputs with allow_duplicate carry a hash suffix)."""
    deps = client.get("/_dash-dependencies").get_json()
    spec = next(d for d in deps if output_contains in d["output"])
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in spec["output"].strip(".").split("...")]
    body = {"output": spec["output"], "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def _press_block(client, line_id):
    inputs = [{"id": "block-button", "property": "n_clicks", "value": 1},
              {"id": "block-all-button", "property": "n_clicks", "value": None},
              {"id": "block-modal-close", "property": "n_clicks", "value": None}]
    state = [{"id": "line-picker", "property": "value", "value": line_id},
             {"id": "prefs", "property": "data", "value": {"lang": "ko"}},
             {"id": "line-status-version", "property": "data", "value": 0}]
    return _callback(client, "block-modal.is_open", inputs, state)


def test_block_button_blocks_the_selected_own_line(client, store, line):
    login(client)
    response = _press_block(client, line)
    assert response.status_code == 200
    assert "080-000-1618" in str(response.get_json()["response"])
    with store.read() as db:
        assert db.get(Line, line).status == "blocked"


def test_block_button_with_another_users_line_does_nothing(client, store, line):
    make_user(store, "other@example.com")
    login(client, "other@example.com")
    for probe in (line, str(line), "1 OR 1=1", None):
        response = _press_block(client, probe)
        assert response.status_code == 200
        assert "차단할 회선이 없습니다" in str(response.get_json()["response"])
    with store.read() as db:
        assert db.get(Line, line).status == "active"


def test_limits_page_save_and_unblock_ignore_another_users_line(client, store, owner, line):
    client.post(f"/api/v1/lines/{line}/block", headers=bearer(store, owner))
    make_user(store, "other@example.com")
    login(client, "other@example.com")
    save = _callback(client, "limits-feedback.children",
                     [{"id": "limits-save", "property": "n_clicks", "value": 1}],
                     [{"id": "line-picker", "property": "value", "value": line},
                      {"id": "limits-bucket", "property": "value", "value": "micropayment"},
                      {"id": "limits-amount", "property": "value", "value": "0"},
                      {"id": "limits-password", "property": "value", "value": None},
                      {"id": "limits-version", "property": "data", "value": 0},
                      {"id": "prefs", "property": "data", "value": {"lang": "ko"}},
                      {"id": "limits-code", "property": "value", "value": None}])
    assert save.status_code == 200 and "등록된 회선이 없습니다" in str(save.get_json()["response"])
    unblock = _callback(client, "unblock-feedback.children",
                        [{"id": "unblock-button", "property": "n_clicks", "value": 1},
                         {"id": "unblock-password", "property": "n_submit", "value": 0}],
                        [{"id": "line-picker", "property": "value", "value": line},
                         {"id": "unblock-password", "property": "value", "value": PASSWORD},
                         {"id": "line-status-version", "property": "data", "value": 0},
                         {"id": "prefs", "property": "data", "value": {"lang": "ko"}},
                         {"id": "unblock-code", "property": "value", "value": None}])
    assert unblock.status_code == 200 and "등록된 회선이 없습니다" in str(unblock.get_json()["response"])
    with store.read() as db:
        assert db.get(Line, line).status == "blocked"
        assert db.scalar(select(LineLimit.amount).where(LineLimit.amount == 0)) is None

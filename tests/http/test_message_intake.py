"""Message intake over HTTP, on SQLite and PostgreSQL: the corpus through both routes, repeats, duplicates with
imported files, cancellations, the alerts messages raise, and bad input that stores nothing."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data.intake_tokens import issue_token
from data.line_actions import lock_line
from data.models import Alert, AuditLog, InboundMessage, Transaction
from data.vocab import KST
from tests.helpers import csrf_header, login, make_line, make_user
from tests.http.test_api_lines import bearer

CORPUS = json.loads((Path(__file__).resolve().parent.parent / "data" / "messages" / "corpus.json").read_text())
APPROVAL = "[Web발신]\n[다날] 12,300원 결제완료\n넥슨코리아\n11/18 13:23"


def voucher(minute: int, amount: int = 50_000, day: int = 18, hour: int = 3) -> str:
    return f"[Web발신]\n[다날] {amount:,}원 결제완료\n컬쳐랜드\n11/{day} {hour:02d}:{minute:02d}"


def auth_code(hour: int, minute: int) -> str:
    return f"[Web발신]\n[다날] 휴대폰결제 인증번호 [{100000 + minute}]를 입력해주세요. 11/18 {hour:02d}:{minute:02d}"


@pytest.fixture
def owner(store):
    uid = make_user(store)
    line = make_line(store, uid, nickname="내 폰", limits={"micropayment": 500_000, "content": 200_000},
                     effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    return uid, line


def intake_url(store, line_id: int) -> str:
    with store.write() as db:
        return f"/ingest/{issue_token(db, lock_line(db, line_id))}"


def post_api(client, line_id, headers, text, sender="15663355", received_at=None):
    body = {"text": text, "sender": sender}
    if received_at is not None:
        body["received_at"] = received_at
    return client.post(f"/api/v1/lines/{line_id}/messages", json=body, headers=headers)


def counts(store) -> tuple[int, int]:
    with store.read() as db:
        return db.scalar(select(func.count(Transaction.id))), db.scalar(select(func.count(InboundMessage.id)))


def alert_kinds(store) -> list[str]:
    with store.read() as db:
        return sorted(db.scalars(select(Alert.kind)))


def as_moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def check_answer(answer: dict, expect: dict) -> None:
    assert answer["kind"] == expect["kind"]
    for key in ("amount", "merchant"):
        if key in expect:
            assert answer[key] == expect[key], key
    if expect.get("occurred_at"):
        assert as_moment(answer["occurred_at"]) == as_moment(expect["occurred_at"])


def test_the_same_message_twice_is_one_charge(client, store, owner):
    uid, line = owner
    headers = bearer(store, uid)
    first = post_api(client, line, headers, APPROVAL, received_at="2026-11-18T13:24:00+09:00")
    again = post_api(client, line, headers, APPROVAL, received_at="2026-11-18T13:24:00+09:00")
    by_url = client.post(intake_url(store, line), data=APPROVAL.encode(), content_type="text/plain; charset=utf-8")
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json() == again.get_json()
    body = first.get_json()
    assert body["kind"] == "charge" and body["amount"] == 12_300 and body["merchant"] == "넥슨코리아"
    assert as_moment(body["occurred_at"]) == datetime(2026, 11, 18, 13, 23, tzinfo=KST)
    # Through the intake URL, as text/plain with no sender: still the same message.
    assert by_url.status_code == 200 and by_url.get_json() == first.get_json()
    assert counts(store)[0] == 1


def test_session_login_can_post_messages_too(client, store, owner):
    _, line = owner
    login(client)
    response = client.post(f"/api/v1/lines/{line}/messages", json={"text": APPROVAL}, headers=csrf_header(client))
    assert response.status_code == 201 and response.get_json()["amount"] == 12_300


def test_an_imported_file_with_the_message_charge_reports_a_duplicate(client, store, owner):
    uid, line = owner
    headers = bearer(store, uid)
    assert post_api(client, line, headers, APPROVAL).status_code == 201
    table = ("이용일시,이용업체명,결제대행사,금액,상태\n"
             "2026-11-18 13:25:41,(주)넥슨코리아,다날,\"12,300\",승인\n"
             "2026-11-18 13:40:00,카카오,KG모빌리언스,\"5,000\",승인\n")
    response = client.post(f"/api/v1/lines/{line}/imports", headers=headers,
                           data={"file": (io.BytesIO(table.encode()), "history.csv")},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 201), response.get_json()
    summary = response.get_json()
    assert summary["added"] == 1 and summary["duplicates"] == 1
    with store.read() as db:
        assert db.scalar(select(func.count(Transaction.id)).where(Transaction.amount == 12_300)) == 1


def test_a_message_after_the_import_is_the_duplicate(client, store, owner):
    uid, line = owner
    headers = bearer(store, uid)
    table = "이용일시,이용업체명,결제대행사,금액,상태\n2026-11-18 13:25:41,넥슨코리아,다날,12300,승인\n"
    client.post(f"/api/v1/lines/{line}/imports", headers=headers,
                data={"file": (io.BytesIO(table.encode()), "h.csv")}, content_type="multipart/form-data")
    body = post_api(client, line, headers, APPROVAL).get_json()
    assert body["outcome"] == "duplicate" and body["transaction_id"] is not None
    assert counts(store)[0] == 1


def test_a_cancellation_message_cancels_the_payment(client, store, owner):
    uid, line = owner
    headers = bearer(store, uid)
    paid = post_api(client, line, headers, APPROVAL).get_json()
    cancel = "[Web발신]\n[다날] 12,300원 결제취소\n넥슨코리아\n11/18 13:51"
    body = post_api(client, line, headers, cancel).get_json()
    assert body["kind"] == "cancellation" and body["outcome"] == "stored"
    with store.read() as db:
        row = db.get(Transaction, body["transaction_id"])
        assert row.cancels_id == paid["transaction_id"] and row.status == "cancelled" and not row.refund
    usage = client.get(f"/api/v1/lines/{line}", headers=headers).get_json()
    assert usage["usage"]["micropayment"] == 0


def test_auth_codes_within_minutes_raise_one_fraud_alert(client, store, owner):
    uid, line = owner
    headers = bearer(store, uid)
    for minute in (1, 3, 5):  # 13:01–13:05: daytime, so only the burst counts
        body = post_api(client, line, headers, auth_code(13, minute), received_at=f"2026-11-18T13:0{minute}:30+09:00")
        assert body.get_json()["kind"] == "auth_code" and body.get_json()["transaction_id"] is None
    assert alert_kinds(store) == ["auth_code_burst"]
    assert counts(store)[0] == 0


def test_an_auth_code_at_night_is_a_fraud_signal(client, store, owner):
    uid, line = owner
    post_api(client, line, bearer(store, uid), auth_code(3, 10), received_at="2026-11-18T03:10:20+09:00")
    assert alert_kinds(store) == ["auth_code_burst"]
    with store.read() as db:
        assert "block_link_id" in json.loads(db.scalar(select(Alert.detail)))


def test_a_smishing_text_warns_and_stores_no_charge(client, store, owner):
    uid, line = owner
    text = "[국제발신]\n결제완료 USD 980,000원 해외결제 승인. 본인 아닐 시 취소문의 070-4820-1234"
    body = post_api(client, line, bearer(store, uid), text, sender="070-4820-1234").get_json()
    assert body["kind"] == "ignored" and body["outcome"] == "smishing" and body["transaction_id"] is None
    assert alert_kinds(store) == ["smishing"] and counts(store)[0] == 0


def test_a_charge_on_a_blocked_line_is_stored_and_flagged(client, store, owner):
    _, line = owner
    login(client)
    assert client.post(f"/api/v1/lines/{line}/block", json={}, headers=csrf_header(client)).status_code == 200
    body = post_api(client, line, csrf_header(client), APPROVAL).get_json()
    assert body["kind"] == "charge" and body["flags"] == ["blocked_line"]
    assert "blocked_charge" in alert_kinds(store)


def test_unrecognised_messages_wait_in_the_inbox(client, store, owner):
    uid, line = owner
    body = post_api(client, line, bearer(store, uid), "[Web발신] 안녕하세요 오늘도 좋은 하루 되세요",
                    sender="01012345678").get_json()
    assert body["kind"] == "unrecognised" and body["outcome"] == "inbox"
    with store.read() as db:
        assert db.scalar(select(InboundMessage.outcome)) == "inbox"


# ---- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("send", [
    pytest.param(lambda c, url: c.post(url, data=b"x" * 17_000, content_type="text/plain"), id="over-16kb"),
    pytest.param(lambda c, url: c.post(url, data=b"\x00\x01\x02PK\x03\x04", content_type="text/plain"), id="binary"),
    pytest.param(lambda c, url: c.post(url, data=b"\xff\xfe\x00", content_type="text/plain"), id="not-utf8"),
    pytest.param(lambda c, url: c.post(url, data='{"text": "\\ud800"}', content_type="application/json"),
                 id="lone-surrogate"),
    pytest.param(lambda c, url: c.post(url, data="{nope", content_type="application/json"), id="bad-json"),
    pytest.param(lambda c, url: c.post(url, json={"sender": "1566"}), id="no-text"),
    pytest.param(lambda c, url: c.post(url, data=b"<x/>", content_type="application/xml"), id="xml"),
    pytest.param(lambda c, url: c.post(url + "x", json={"text": APPROVAL}), id="wrong-token"),
    pytest.param(lambda c, url: c.post("/ingest/mbi_" + "a" * 32, json={"text": APPROVAL}), id="unknown-token"),
])
def test_bad_input_to_the_intake_url_is_a_clear_4xx_and_stores_nothing(client, store, owner, send):
    _, line = owner
    url = intake_url(store, line)
    before = counts(store)
    response = send(client, url)
    assert 400 <= response.status_code < 500
    body = response.get_json()
    assert body["error"] and body["message"]
    assert counts(store) == before


def test_a_revoked_token_stops_working(client, store, owner):
    from dashboard.services.intake_tokens import revoke_intake_token

    uid, line = owner
    url = intake_url(store, line)
    assert client.post(url, json={"text": APPROVAL}).status_code == 201
    revoke_intake_token(store, uid, line)
    assert client.post(url, json={"text": APPROVAL.replace("12,300", "9,900")}).status_code == 404
    assert counts(store)[0] == 1
    with store.read() as db:
        assert "intake_token.revoke" in db.scalars(select(AuditLog.action)).all()


@pytest.mark.parametrize("body", [{"data": b"\xff\xfe", "content_type": "text/plain"},
                                  {"data": b"<x/>", "content_type": "application/xml"},
                                  {"json": {"text": "\x00"}}], ids=["binary", "xml", "control"])
def test_a_wrong_token_is_a_404_whatever_its_body(client, store, owner, body):
    _, line = owner
    intake_url(store, line)
    response = client.post("/ingest/mbi_" + "b" * 32, **body)
    assert response.status_code == 404 and counts(store) == (0, 0)


def test_last_used_is_kept_to_the_minute(client, store, owner):
    """The set-up page's "last used": set by the first message, not rewritten by each message of a burst."""
    import time_machine

    from data.models import IntakeToken

    def last_used() -> datetime | None:
        with store.read() as db:
            return db.scalar(select(IntakeToken.last_used_at).where(IntakeToken.revoked_at.is_(None)))

    _, line = owner
    url = intake_url(store, line)
    assert last_used() is None
    assert client.post(url, json={"text": voucher(0, hour=12)}).status_code == 201
    first = last_used()
    assert first is not None
    assert client.post(url, json={"text": voucher(1, hour=12)}).status_code == 201
    assert last_used() == first
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2), tick=True):
        assert client.post(url, json={"text": voucher(2, hour=12)}).status_code == 201
    assert last_used() >= first + timedelta(minutes=2)
    assert counts(store) == (3, 3)


def test_another_users_line_is_not_found(client, store, owner):
    _, line = owner
    stranger = make_user(store, "stranger@example.com")
    response = post_api(client, line, bearer(store, stranger), APPROVAL)
    assert response.status_code == 404 and counts(store) == (0, 0)


def test_the_api_refuses_a_body_over_16kb(client, store, owner):
    uid, line = owner
    response = post_api(client, line, bearer(store, uid), "결제 " * 6000)
    assert response.status_code == 413 and counts(store) == (0, 0)


def test_intake_is_rate_limited_per_token(database_url, tmp_path):
    from dashboard.app import create_app

    app = create_app({"database_url": database_url, "instance_path": str(tmp_path / "i"), "secret_key": "k",
                      "env": "testing", "ingest_rate": "3 per minute"})
    store = app.server.extensions["microbill_store"]
    client = app.server.test_client()
    uid = make_user(store)
    line, other = make_line(store, uid), make_line(store, uid, number="010-****-1111")
    url, other_url = intake_url(store, line), intake_url(store, other)
    for minute in range(3):
        assert client.post(url, json={"text": voucher(minute, hour=12)}).status_code == 201
    refused = client.post(url, json={"text": voucher(9, hour=12)})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert client.post(other_url, json={"text": voucher(9, hour=12)}).status_code == 201  # its own budget
    app.server.extensions["microbill_store"].dispose()


def test_the_intake_routes_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/lines/{line_id}/messages"]
    ingest = spec["paths"]["/ingest/{token}"]["post"]
    assert {"text/plain", "application/json"} <= set(ingest["requestBody"]["content"])
    assert {"200", "201", "404", "413", "429"} <= set(ingest["responses"]) and "401" not in ingest["responses"]


def test_received_at_in_the_future_is_refused(client, store, owner):
    uid, line = owner
    later = (datetime.now(KST) + timedelta(hours=2)).isoformat()
    response = post_api(client, line, bearer(store, uid), APPROVAL, received_at=later)
    assert response.status_code == 422 and counts(store) == (0, 0)

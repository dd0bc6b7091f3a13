"""REST API basics: bearer tokens, ownership (another user's line is a 404), OpenAPI, validation."""

from __future__ import annotations

from data.tokens import create_token
from tests.helpers import csrf_header, login, make_line, make_user


def bearer(store, user_id: int) -> dict[str, str]:
    with store.write() as db:
        return {"Authorization": f"Bearer {create_token(db, user_id)}"}


def test_bearer_token_lists_own_lines_only(client, store):
    owner = make_user(store, "owner@example.com")
    mine = make_line(store, owner, nickname="내 폰")
    other = make_user(store, "other@example.com")
    theirs = make_line(store, other)
    headers = bearer(store, owner)
    lines = client.get("/api/v1/lines", headers=headers).get_json()
    assert [line["id"] for line in lines] == [mine]
    assert lines[0]["number_masked"] == "010-****-5678"
    assert lines[0]["limits"] == {"micropayment": 300_000, "content": 200_000}
    assert set(lines[0]["usage"]) == {"month", "micropayment", "content"}
    assert client.get(f"/api/v1/lines/{theirs}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/lines/{mine}", headers=headers).status_code == 200


def test_no_credentials_or_bad_token_is_401(client, store):
    assert client.get("/api/v1/lines").status_code == 401
    assert client.get("/api/v1/lines", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_create_line_masks_number_and_validates(client, store):
    uid = make_user(store)
    headers = bearer(store, uid)
    created = client.post("/api/v1/lines", json={"carrier": "LGT", "number": "01098765432"}, headers=headers)
    assert created.status_code == 201
    assert created.get_json()["carrier"] == "LGU+" and created.get_json()["number_masked"] == "010-****-5432"
    bad_number = client.post("/api/v1/lines", json={"carrier": "KT", "number": "12"}, headers=headers)
    assert bad_number.status_code == 400 and "휴대폰 번호" in bad_number.get_json()["message"]
    missing = client.post("/api/v1/lines", json={"number": "010-1234-5678"}, headers=headers)
    assert missing.status_code == 422 and "carrier" in str(missing.get_json())
    not_json = client.post("/api/v1/lines", data="x", headers={**headers, "Content-Type": "application/json"})
    assert not_json.status_code in (400, 422)


def test_session_cookie_works_but_needs_csrf_for_writes(client, store):
    make_user(store)
    login(client)
    assert client.get("/api/v1/lines").status_code == 200
    body = {"carrier": "KT", "number": "010-1111-2222"}
    assert client.post("/api/v1/lines", json=body).status_code == 400
    assert client.post("/api/v1/lines", json=body, headers=csrf_header(client)).status_code == 201


def test_openapi_document_is_generated(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/lines" in spec["paths"] and "/api/v1/lines/{line_id}" in spec["paths"]

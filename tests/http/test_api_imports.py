"""POST /api/v1/lines/<id>/imports: multipart upload, dry run, 201/422/413/404, OpenAPI."""

from __future__ import annotations

import io
import json
from datetime import datetime

from sqlalchemy import func, select

from data.models import Transaction
from tests.e2e.fixtures.import_files import history_csv, history_rows, history_xlsx
from tests.helpers import csrf_header, login, make_line, make_user


def post(client, line_id, content: bytes, headers, name="내역.csv", query="", **form):
    data = {"file": (io.BytesIO(content), name), **form}
    return client.post(f"/api/v1/lines/{line_id}/imports{query}", data=data, headers=headers,
                       content_type="multipart/form-data")


def count(store, line_id) -> int:
    with store.read() as db:
        return db.scalar(select(func.count()).select_from(Transaction).where(Transaction.line_id == line_id))


def test_import_then_the_same_file_again(client, store, owner):
    line_id, headers = owner
    content = history_csv(history_rows(12))
    first = post(client, line_id, content, headers)
    assert first.status_code == 201 and first.get_json() == {"added": 12, "duplicates": 0}
    second = post(client, line_id, content, headers)
    assert second.status_code == 201 and second.get_json() == {"added": 0, "duplicates": 12}
    assert count(store, line_id) == 12


def test_xlsx_is_accepted(client, store, owner):
    line_id, headers = owner
    response = post(client, line_id, history_xlsx(history_rows(5)), headers, name="내역.xlsx")
    assert response.status_code == 201 and response.get_json()["added"] == 5


def test_dry_run_previews_without_writing(client, store, owner):
    line_id, headers = owner
    post(client, line_id, history_csv(history_rows(4)), headers)
    response = post(client, line_id, history_csv(history_rows(30)), headers, query="?dry_run=true")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["rows"], body["new"], body["duplicates"]) == (30, 26, 4)
    assert body["encoding"] == "cp949" and len(body["preview"]) == 20
    first = body["preview"][0]
    assert first["row"] == 4 and first["merchant"] == "넷마블" and first["amount"] == 1_100
    assert first["occurred_at"].startswith("2025-03-02T01:00:00")  # 10:00 KST, returned in UTC
    assert count(store, line_id) == 4


def test_bad_rows_are_422_with_each_row_and_nothing_written(client, store, owner):
    line_id, headers = owner
    content = history_csv(history_rows(3), raw=[["어제", "넷마블", "", "", "1,000원", "승인"],
                                                ["2025.05.01 10:00", "", "", "", "1,000원", "승인"]])
    response = post(client, line_id, content, headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [e["row"] for e in errors] == [7, 8] and all(e["message"] for e in errors)
    assert count(store, line_id) == 0


def test_unknown_headers_ask_for_a_mapping_which_is_then_remembered(client, store, owner):
    line_id, headers = owner
    raw = [[r.at.strftime("%Y-%m-%d %H:%M"), r.merchant, str(r.amount)] for r in history_rows(3)]
    odd = history_csv([], headers=["언제", "어디서", "얼마"], raw=raw, title=False)
    asked = post(client, line_id, odd, headers)
    assert asked.status_code == 422
    body = asked.get_json()
    assert body["needs_mapping"] is True and body["columns"] == ["언제", "어디서", "얼마"]
    assert {f["name"] for f in body["fields"] if f["required"]} == {"occurred_at", "merchant", "amount"}
    mapping = json.dumps({"언제": "occurred_at", "어디서": "merchant", "얼마": "amount"}, ensure_ascii=False)
    assert post(client, line_id, odd, headers, mapping=mapping).get_json() == {"added": 3, "duplicates": 0}
    later = [[r.at.strftime("%Y-%m-%d %H:%M"), r.merchant, str(r.amount)]
             for r in history_rows(2, start=datetime(2025, 10, 1))]
    again = post(client, line_id, history_csv([], headers=["언제", "어디서", "얼마"], raw=later, title=False), headers)
    assert again.status_code == 201 and again.get_json()["added"] == 2


def test_size_limit_is_413_in_korean(app, client, store, owner):
    line_id, headers = owner
    content = history_csv(history_rows(40))
    settings = app.server.config["MICROBILL"]
    app.server.config["MICROBILL"] = type(settings)(**{**settings.__dict__, "import_max_bytes": len(content) - 1})
    response = post(client, line_id, content, headers)
    assert response.status_code == 413 and "파일이 너무 큽니다" in response.get_json()["message"]
    assert count(store, line_id) == 0


def test_missing_file_and_bad_mapping_are_400(client, store, owner):
    line_id, headers = owner
    no_file = client.post(f"/api/v1/lines/{line_id}/imports", data={}, headers=headers,
                          content_type="multipart/form-data")
    assert no_file.status_code == 400
    bad = post(client, line_id, history_csv(history_rows(2)), headers, mapping="[1, 2]")
    assert bad.status_code == 400


def test_another_users_line_is_404_and_unchanged(client, store, owner):
    _line_id, headers = owner
    theirs = make_line(store, make_user(store, "other@example.com"))
    response = post(client, theirs, history_csv(history_rows(3)), headers)
    assert response.status_code == 404
    assert post(client, theirs, history_csv(history_rows(3)), headers, query="?dry_run=true").status_code == 404
    assert count(store, theirs) == 0


def test_a_browser_session_needs_the_csrf_token(client, store, owner):
    line_id, _headers = owner
    login(client)
    content = history_csv(history_rows(2))
    assert post(client, line_id, content, {}).status_code == 400  # no CSRF header
    assert post(client, line_id, content, csrf_header(client)).status_code == 201


def test_the_route_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/lines/{line_id}/imports"]["post"]
    assert {"201", "200", "422", "413", "404"} <= set(operation["responses"])
    body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    assert {"file", "mapping"} <= set(spec["components"]["schemas"][ref]["properties"])
    assert all(p["in"] != "formData" for p in operation.get("parameters", []))  # OpenAPI 3 has no formData


# ---- the /import page's callbacks, as the browser calls them -------------------------------------

def _page_callback(app, starts: str) -> str:
    return next(key for key in app.callback_map if key.startswith(starts))


def _stage(app, client, line_id, content: bytes):
    import base64

    upload = {"contents": "data:text/csv;base64," + base64.b64encode(content).decode(), "name": "a.csv"}
    inputs = [{"id": "import-file", "property": "data", "value": upload}]
    state = [{"id": "line-picker", "property": "value", "value": line_id},
             {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}]
    from tests.helpers import dash_update

    output = _page_callback(app, "..import-job.data...import-result.children")
    response = dash_update(client, output, inputs, state, headers=csrf_header(client))
    assert response.status_code in (200, 204)
    return response.get_json()["response"] if response.status_code == 200 else {}


def test_the_page_stages_uploads_only_for_the_callers_own_line(app, client, store):
    from pathlib import Path

    from dashboard.services.import_staging import Staging

    owner = make_user(store)
    mine = make_line(store, owner)
    theirs = make_line(store, make_user(store, "other@example.com"))
    login(client)
    instance = app.server.config["MICROBILL"].instance_path
    content = history_csv(history_rows(3))

    refused = _stage(app, client, theirs, content)
    assert refused["import-job"]["data"] is None
    assert "회선" in json.dumps(refused["import-result"]["children"], ensure_ascii=False)
    assert not list(Path(instance, "import-staging").glob("*.bin"))

    staged = _stage(app, client, mine, content)
    token = staged["import-job"]["data"]["token"]
    record = Staging(instance).load(token)
    assert (record.user_id, record.line_id) == (owner, mine)
    assert Staging(instance).load("../../etc/passwd") is None  # tokens are never paths


def test_another_users_token_cannot_be_confirmed(app, client, store):
    owner = make_user(store)
    make_line(store, owner)
    other = make_user(store, "other@example.com")
    other_line = make_line(store, other)
    from dashboard.services.import_staging import Staging
    from tests.helpers import dash_update

    staged = Staging(app.server.config["MICROBILL"].instance_path).save(other, other_line, "a.csv", b"x")
    login(client)  # as owner
    confirm = next(k for k in app.callback_map if k.startswith("..import-job.data@") and "import-result" in k)
    inputs = [{"id": "import-confirm", "property": "n_clicks", "value": 1}]
    state = [{"id": "import-job", "property": "data", "value": {"token": staged.token, "step": "preview"}},
             {"id": "line-picker", "property": "value", "value": other_line},
             {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}]
    response = dash_update(client, confirm, inputs, state, headers=csrf_header(client)).get_json()["response"]
    assert "import-job" not in response  # no job started
    assert "다시 올려" in json.dumps(response, ensure_ascii=False)

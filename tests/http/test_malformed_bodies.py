"""Bodies that used to crash a worker (#13 point 3) answer 4xx, store nothing and take no time: a number of 5,000
digits, JSON nested 100,000 deep (a body, the import's `mapping` field, a Dash callback, /ingest), a lone
surrogate, and dates of year 1 or 9999 — on every JSON operation of the OpenAPI document, on both databases."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from sqlalchemy import func, select

from data.intake_tokens import issue_token
from data.line_actions import lock_line
from data.models import Base
from tests.e2e.fixtures.import_files import history_csv, history_rows
from tests.helpers import csrf_header, dash_update, login, overview_inputs

DEEP = 100_000
BODIES = {
    "a 5,000-digit number": '{"amount": ' + "9" * 5000 + ', "merchant": "넥슨", "bucket": "micropayment"}',
    "nested 100,000 deep (arrays)": "[" * DEEP + "]" * DEEP,
    "nested 100,000 deep (objects)": '{"a":' * DEEP + "1" + "}" * DEEP,
    "a lone surrogate": '{"merchant": "\\ud800", "external_id": "\\udfff", "nickname": "\\ud800", "text": "\\ud800"}',
    "a number beyond a double": '{"amount": 1e999}',
}
YEARS = {"year 1": "0001-01-01T00:00:00", "year 1 with an offset": "0001-01-01T00:00:00+14:00",
         "year 9999": "9999-12-31T23:59:59", "year 9999 with an offset": "9999-12-31T23:59:59-12:00"}
SECONDS = 2.0  # each answer, however large the body: parsing must be bounded


def table_counts(store) -> dict[str, int]:
    with store.read() as db:
        return {table.name: db.scalar(select(func.count()).select_from(table)) for table in Base.metadata.sorted_tables}


def json_operations(client, line_id: int) -> list[tuple[str, str]]:
    """(method, path) of every operation whose body is JSON, ids filled with the caller's own line (or 1)."""
    spec = client.get("/api/v1/openapi.json").get_json()
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                url = re.sub(r"\{line_id\}", str(line_id), path)
                found.append((method.upper(), "/api/v1" + re.sub(r"\{[a-z_]+\}", "1", url).removeprefix("/api/v1")))
    return found


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


@pytest.mark.parametrize("label", list(BODIES))
def test_every_json_operation_refuses_the_body_with_a_4xx(client, store, owner, label):
    line_id, headers = owner
    operations = json_operations(client, line_id)
    assert len(operations) >= 8  # authorizations, cancel, block, unblock, limits, pay, messages, budgets, alerts …
    before = table_counts(store)
    for method, path in operations:
        response, seconds = timed(lambda: client.open(path, method=method, data=BODIES[label],
                                                      headers={**headers, "Content-Type": "application/json"}))
        assert 400 <= response.status_code < 500, (method, path, response.status_code, response.get_data()[:200])
        assert response.is_json and response.get_json()["error"], (method, path)
        assert seconds < SECONDS, (method, path, seconds)
    assert table_counts(store) == before


@pytest.mark.parametrize("label", list(YEARS))
def test_dates_outside_1990_to_tomorrow_are_422(client, store, owner, label):
    line_id, headers = owner
    before = table_counts(store)
    moment = YEARS[label]
    charge = client.post(f"/api/v1/lines/{line_id}/authorizations", headers=headers, json={
        "merchant": "넥슨", "amount": 1000, "bucket": "micropayment", "external_id": "y", "occurred_at": moment})
    message = client.post(f"/api/v1/lines/{line_id}/messages", headers=headers, json={
        "text": "[Web발신]\n[다날] 1,000원 결제완료\n넥슨코리아\n11/18 14:23", "received_at": moment})
    forecast = client.get(f"/api/v1/lines/{line_id}/forecast", headers=headers, query_string={"as_of": moment})
    for response, field in ((charge, "occurred_at"), (message, "received_at"), (forecast, "as_of")):
        assert response.status_code == 422, (field, response.get_data()[:200])
        errors = response.get_json()["errors"]
        assert "1990-01-01" in json.dumps(errors[next(iter(errors))][field]), errors
    assert table_counts(store) == before


def test_a_deep_mapping_field_is_a_400_and_imports_nothing(client, store, owner):
    line_id, headers = owner
    before = table_counts(store)
    data = {"file": (io.BytesIO(history_csv(history_rows(3))), "내역.csv"), "mapping": "[" * DEEP + "]" * DEEP}
    response, seconds = timed(lambda: client.post(f"/api/v1/lines/{line_id}/imports", data=data, headers=headers,
                                                  content_type="multipart/form-data"))
    assert response.status_code == 400 and response.get_json()["error"] and seconds < SECONDS
    assert table_counts(store) == before


def test_a_deep_dash_callback_body_is_a_400(client, store, owner):
    login(client)
    client.get("/")  # the renderer's page sets the CSRF cookie
    for body in (BODIES["nested 100,000 deep (arrays)"], BODIES["a 5,000-digit number"]):
        response, seconds = timed(lambda: client.post("/_dash-update-component", data=body, headers={
            **csrf_header(client), "Content-Type": "application/json"}))
        assert response.status_code == 400 and seconds < SECONDS


@pytest.mark.parametrize("body", [
    {"output": "made-up.children", "inputs": []},  # no such callback
    {"output": "..overview-usage.children...monthly-chart.figure..", "inputs": []},  # inputs missing
    {"output": "..overview-usage.children...monthly-chart.figure..", "inputs": 5, "state": []},
    {"output": "..overview-usage.children...monthly-chart.figure..", "inputs": ["x", "y"], "state": []},
    ["not", "an", "object"],
])
def test_a_hand_made_callback_body_is_a_400_not_dashs_500(client, store, owner, body):
    login(client)
    client.get("/")
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"
    assert "페이지를 새로 고쳐" in response.get_json()["message"]


def test_the_renderers_own_callback_body_still_passes(client, store, owner):
    line_id, _ = owner
    login(client)
    client.get("/")
    inputs = overview_inputs(line_id)
    response = dash_update(client, "..overview-usage.children...monthly-chart.figure..", inputs,
                           headers=csrf_header(client))
    assert response.status_code == 200


def test_a_deep_ingest_body_is_a_400_and_stores_nothing(client, store, owner):
    line_id, _ = owner
    with store.write() as db:
        url = f"/ingest/{issue_token(db, lock_line(db, line_id))}"
    before = table_counts(store)
    # 5,000 deep fits the 16 KB a message may have (deeper is a 413) and is past the stdlib parser's recursion.
    for body in ('{"a": ' + "[" * 5000 + "]" * 5000 + "}", BODIES["a lone surrogate"]):
        response, seconds = timed(lambda: client.post(url, data=body, content_type="application/json"))
        assert response.status_code == 400 and seconds < SECONDS
    assert table_counts(store) == before

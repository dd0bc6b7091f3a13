"""#13 point 4: Prometheus metrics at /metrics (a setting), a request id on every answer, JSON logs."""

from __future__ import annotations

import io
import json
import logging
import re

from prometheus_client.parser import text_string_to_metric_families

from dashboard.app import create_app
from dashboard.observability.logs import JSON_HANDLER
from data.intake_tokens import issue_token
from data.line_actions import lock_line
from tests.e2e.fixtures.import_files import history_csv, history_rows
from tests.helpers import csrf_header, dash_update, login, overview_inputs

AUTHORIZE_ROUTE = "/api/v1/lines/<int:line_id>/authorizations"
OVERVIEW = "..overview-usage.children...monthly-chart.figure.."


def app_with(database_url, tmp_path, **settings):
    """The app of the `app` fixture with more settings (MICROBILL_* names, as in the environment)."""
    return create_app({"database_url": database_url, "instance_path": str(tmp_path / "instance"),
                       "secret_key": "test-secret-key", "env": "testing", **settings})


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def charge(client, line_id, headers, external_id, amount):
    return client.post(f"/api/v1/lines/{line_id}/authorizations", headers=headers, json={
        "merchant": "넥슨", "amount": amount, "bucket": "micropayment", "external_id": external_id})


def test_metrics_are_off_by_default(client):
    login(client)
    answer = client.get("/metrics")  # no such route: the app's page router answers, never the metrics
    assert "microbill_request_seconds" not in answer.get_data(as_text=True)
    assert answer.mimetype != "text/plain"


def test_metrics_count_routes_callbacks_authorizations_imports_and_the_outbox(database_url, tmp_path, store, owner):
    line_id, headers = owner
    client = app_with(database_url, tmp_path, MICROBILL_METRICS=True).server.test_client()
    before = samples(client.get("/metrics").get_data(as_text=True))
    assert charge(client, line_id, headers, "m-1", 1_000).get_json()["approved"] is True
    assert charge(client, line_id, headers, "m-1", 1_000).status_code == 200  # a retry: counted once
    assert charge(client, line_id, headers, "m-2", 10_000_000).get_json()["approved"] is False
    imported = client.post(f"/api/v1/lines/{line_id}/imports", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(history_csv(history_rows(3))), "내역.csv")})
    assert imported.status_code == 201
    refused = client.post(f"/api/v1/lines/{line_id}/imports", headers=headers, content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"\x00\x01"), "x.csv")})
    assert refused.status_code >= 400
    login(client)
    client.get("/")
    inputs = overview_inputs(line_id)
    assert dash_update(client, OVERVIEW, inputs, headers=csrf_header(client)).status_code == 200
    dash_update(client, "made-up.children", inputs, headers=csrf_header(client))  # no such callback
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    after = samples(response.get_data(as_text=True))

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("microbill_authorizations_total", outcome="approved", reason="") == 1
    assert grew("microbill_authorizations_total", outcome="declined", reason="limit_exceeded") == 1
    assert grew("microbill_import_jobs_total", channel="api", outcome="committed") == 1
    assert grew("microbill_import_jobs_total", channel="api", outcome="refused") == 1
    # the approval and the decline are new answers (201), the retry repeats the first (200)
    assert grew("microbill_request_seconds_count", route=AUTHORIZE_ROUTE, method="POST", status="201") == 2
    assert grew("microbill_request_seconds_count", route=AUTHORIZE_ROUTE, method="POST", status="200") == 1
    routes = {dict(labels)["route"] for name, labels in after if name == "microbill_request_seconds_count"}
    assert f"callback {OVERVIEW}" in routes and "callback ?" in routes  # a made-up output adds no label
    assert not any("made-up" in route for route in routes)
    assert ("microbill_outbox_backlog", ()) in after and ("microbill_outbox_oldest_seconds", ()) in after


def test_a_metrics_token_hides_the_page_from_everyone_else(database_url, tmp_path):
    client = app_with(database_url, tmp_path, MICROBILL_METRICS=True,
                      MICROBILL_METRICS_TOKEN="s3cret-scrape").server.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    answer = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    assert answer.status_code == 200 and "microbill_outbox_backlog" in answer.get_data(as_text=True)
    assert "Set-Cookie" not in answer.headers


def test_every_answer_carries_a_request_id(client, owner):
    line_id, headers = owner
    for response in (client.get("/login"), client.get("/"), client.get("/healthz"),
                     client.get(f"/api/v1/lines/{line_id}/transactions", headers=headers),
                     client.get("/api/v1/lines/1/transactions")):
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"]), response.status_code
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-7f3a9c21"})
    assert given.headers["X-Request-ID"] == "proxy-7f3a9c21"
    for forged in ("a b c d e f g h", "x" * 65, "short", '{"level":"error"}'):
        assert client.get("/healthz", headers={"X-Request-ID": forged}).headers["X-Request-ID"] != forged


def test_json_logs_carry_the_request_id_and_never_the_intake_token(database_url, tmp_path, store, owner, capsys):
    line_id, _ = owner
    with store.write() as db:
        token = issue_token(db, lock_line(db, line_id))
    try:
        client = app_with(database_url, tmp_path, MICROBILL_LOG_FORMAT="json").server.test_client()
        answer = client.post(f"/ingest/{token}", data="[Web발신]\n[다날] 1,000원 결제완료\n넥슨코리아\n11/18 14:23",
                             content_type="text/plain")
        assert answer.status_code == 201
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    finally:
        root = logging.getLogger()
        root.handlers = [h for h in root.handlers if h.get_name() != JSON_HANDLER]
    mine = [line for line in lines if line.get("request_id") == answer.headers["X-Request-ID"]]
    assert mine and mine[-1]["route"] == "/ingest/<path:token>" and mine[-1]["status"] == 201
    assert mine[-1]["level"] == "INFO" and mine[-1]["message"] == "request" and mine[-1]["duration_ms"] >= 0
    assert not any(token in json.dumps(line) for line in lines)

"""The API import as a background job (issue #13): 202 + a job URL to poll, on SQLite and PostgreSQL, and a real
gunicorn with a short worker timeout that a 200,000-row file no longer meets."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import time_machine
from sqlalchemy import func, select

from benchmarks.import_parse import make_csv
from dashboard.services.import_jobs import run_import_job, start_import_job
from data import import_jobs
from data.models import AuditLog, ImportJob, Line, Transaction, utcnow
from data.tokens import create_token
from tests.e2e.fixtures.import_files import history_csv, history_rows
from tests.helpers import make_line, make_user
from tests.http.test_gunicorn import _free_port, _wait_up

ASYNC = {"Prefer": "respond-async"}


def post(client, line_id, content: bytes, headers, query="", **form):
    data = {"file": (io.BytesIO(content), "내역.csv"), **form}
    return client.post(f"/api/v1/lines/{line_id}/imports{query}", data=data, headers=headers,
                       content_type="multipart/form-data")


def poll(client, url: str, headers, seconds: float = 60) -> dict:
    """GET the job until it ended, as a client would (Retry-After shortened: the test's files are small)."""
    for _ in range(int(seconds / 0.05)):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        if body["status"] in ("done", "failed"):
            assert "Retry-After" not in response.headers
            return body
        assert int(response.headers["Retry-After"]) > 0
        time.sleep(0.05)
    raise AssertionError(f"the job did not end: {body}")


def count(store, line_id) -> int:
    with store.read() as db:
        return db.scalar(select(func.count()).select_from(Transaction).where(Transaction.line_id == line_id))


def jobs_in(store) -> list[ImportJob]:
    with store.read() as db:
        return list(db.scalars(select(ImportJob).order_by(ImportJob.id)))


def inline_up_to(app, size: int) -> None:
    settings = app.server.config["MICROBILL"]
    app.server.config["MICROBILL"] = replace(settings, import_inline_bytes=size)


def test_a_file_over_the_inline_size_is_a_job_polled_to_its_answer(app, client, store, owner):
    line_id, headers = owner
    content = history_csv(history_rows(50))
    inline_up_to(app, len(content) - 1)
    accepted = post(client, line_id, content, headers)
    assert accepted.status_code == 202
    body = accepted.get_json()
    assert body["status"] == "queued" and body["status_url"] == f"/api/v1/imports/jobs/{body['job_id']}"
    assert accepted.headers["Location"].endswith(body["status_url"]) and int(accepted.headers["Retry-After"]) > 0
    assert "Preference-Applied" not in accepted.headers  # nothing was asked: the size decided
    done = poll(client, body["status_url"], headers)
    assert done["status"] == "done" and done["result_status"] == 201
    assert done["result"] == {"added": 50, "duplicates": 0}
    assert done["progress"] == {"stored": 50, "total": 50}
    assert done["started_at"] and done["finished_at"] >= done["started_at"]
    assert count(store, line_id) == 50
    [job] = jobs_in(store)
    assert job.content is None  # the upload is gone once the job ended
    again = poll(client, post(client, line_id, content, headers).get_json()["status_url"], headers)
    assert again["result"] == {"added": 0, "duplicates": 50} and count(store, line_id) == 50


def test_prefer_respond_async_makes_a_small_file_a_job(client, store, owner):
    line_id, headers = owner
    accepted = post(client, line_id, history_csv(history_rows(3)), {**headers, "Prefer": "wait=5, Respond-Async"})
    assert accepted.status_code == 202 and accepted.headers["Preference-Applied"] == "respond-async"
    done = poll(client, accepted.headers["Location"], headers)
    assert (done["result_status"], done["result"]) == (201, {"added": 3, "duplicates": 0})
    assert count(store, line_id) == 3
    inline = post(client, line_id, history_csv(history_rows(4)), {**headers, "Prefer": "return=minimal"})
    assert inline.status_code == 201 and inline.get_json() == {"added": 1, "duplicates": 3}  # other preferences


def test_a_rejected_file_is_a_finished_job_with_its_row_errors_and_nothing_stored(client, store, owner):
    line_id, headers = owner
    content = history_csv(history_rows(3), raw=[["어제", "넷마블", "", "", "1,000원", "승인"],
                                                ["2025.05.01 10:00", "", "", "", "1,000원", "승인"]])
    inline = post(client, line_id, content, headers)
    client.set_cookie("lang", "en")
    done = poll(client, post(client, line_id, content, {**headers, **ASYNC}).get_json()["status_url"], headers)
    assert done["status"] == "done" and done["result_status"] == 422
    assert [e["row"] for e in done["result"]["errors"]] == [7, 8]
    assert done["result"]["message"] != inline.get_json()["message"]  # in the submitter's language (English)
    assert done["result"]["error"] == "import_rejected" and done["progress"]["stored"] == 0
    assert count(store, line_id) == 0
    assert all(job.content is None for job in jobs_in(store))


def test_unknown_headers_as_a_job_ask_for_a_mapping_and_a_mapped_job_stores(client, store, owner):
    line_id, headers = owner
    raw = [[r.at.strftime("%Y-%m-%d %H:%M"), r.merchant, str(r.amount)] for r in history_rows(3)]
    odd = history_csv([], headers=["언제", "어디서", "얼마"], raw=raw, title=False)
    asked = poll(client, post(client, line_id, odd, {**headers, **ASYNC}).get_json()["status_url"], headers)
    assert asked["result_status"] == 422 and asked["result"]["needs_mapping"] is True
    assert asked["result"]["columns"] == ["언제", "어디서", "얼마"]
    mapping = json.dumps({"언제": "occurred_at", "어디서": "merchant", "얼마": "amount"}, ensure_ascii=False)
    mapped = post(client, line_id, odd, {**headers, **ASYNC}, mapping=mapping)
    assert poll(client, mapped.get_json()["status_url"], headers)["result"] == {"added": 3, "duplicates": 0}
    bad = post(client, line_id, odd, {**headers, **ASYNC}, mapping="[1, 2]")
    assert bad.status_code == 400 and len(jobs_in(store)) == 2  # refused at once: no job stored


def test_dry_run_as_a_job_previews_and_stores_nothing(client, store, owner):
    line_id, headers = owner
    done = poll(client, post(client, line_id, history_csv(history_rows(30)), {**headers, **ASYNC},
                             query="?dry_run=true").get_json()["status_url"], headers)
    assert done["result_status"] == 200
    result = done["result"]
    assert (result["rows"], result["new"], result["duplicates"], len(result["preview"])) == (30, 30, 0, 20)
    assert result["preview"][0]["occurred_at"].startswith("2025-03-02T01:00:00")  # as the inline preview says
    assert count(store, line_id) == 0


def test_another_users_job_and_line_are_404_and_nothing_is_stored(client, store, owner):
    line_id, headers = owner
    job_url = post(client, line_id, history_csv(history_rows(3)), {**headers, **ASYNC}).headers["Location"]
    poll(client, job_url, headers)
    stranger = make_user(store, "other@example.com")
    theirs = make_line(store, stranger)
    with store.write() as db:
        their_headers = {"Authorization": f"Bearer {create_token(db, stranger)}"}
    refused = client.get(job_url, headers=their_headers)
    assert refused.status_code == 404 and set(refused.get_json()) == {"error", "message"}
    assert "added" not in refused.get_data(as_text=True)
    assert client.get("/api/v1/imports/jobs/999999", headers=headers).status_code == 404
    assert client.get(job_url).status_code == 401
    on_their_line = post(client, theirs, history_csv(history_rows(3)), {**headers, **ASYNC})
    assert on_their_line.status_code == 404
    assert len(jobs_in(store)) == 1 and count(store, theirs) == 0


def test_a_job_submitted_twice_runs_once(app, store, owner):
    line_id, _headers = owner
    settings = app.server.config["MICROBILL"]
    user_id = _user_of(store, line_id)
    started = start_import_job(store, settings, user_id, line_id, history_csv(history_rows(40)), "내역.csv", None)
    runs = [threading.Thread(target=run_import_job, args=(store, settings, started.job_id)) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)
    run_import_job(store, settings, started.job_id)  # a third time, after it ended
    assert count(store, line_id) == 40
    with store.read() as db:
        assert db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "import")) == 1
        job = db.get(ImportJob, started.job_id)
        assert job.status == "done" and json.loads(job.result) == {"added": 40, "duplicates": 0}


def test_a_crashed_job_is_failed_with_a_generic_message_and_its_bytes_dropped(app, client, store, owner):
    line_id, headers = owner
    user_id = _user_of(store, line_id)
    with store.write() as db:  # a row no route writes: its mapping is not JSON, so the run crashes
        job = import_jobs.create_job(db, user_id=user_id, line_id=line_id, filename="내역.csv",
                                     content=history_csv(history_rows(3)), mapping="{not json", dry_run=False,
                                     lang="ko", now=utcnow())
        job_id = job.id
    run_import_job(store, app.server.config["MICROBILL"], job_id)
    failed = client.get(f"/api/v1/imports/jobs/{job_id}", headers=headers).get_json()
    assert failed["status"] == "failed" and failed["result_status"] == 500
    assert set(failed["result"]) == {"error", "message"} and "json" not in failed["result"]["message"].lower()
    assert count(store, line_id) == 0 and jobs_in(store)[0].content is None


def test_a_job_whose_runner_is_gone_is_failed_when_polled(app, client, store, owner, clock):
    line_id, headers = owner
    settings = app.server.config["MICROBILL"]
    with store.write() as db:  # claimed by a process that was killed mid-import: no one will finish it
        job = import_jobs.create_job(db, user_id=_user_of(store, line_id), line_id=line_id, filename="내역.csv",
                                     content=history_csv(history_rows(3)), mapping=None, dry_run=False, lang="ko",
                                     now=utcnow())
        assert import_jobs.claim(db, job.id, utcnow())
    url = f"/api/v1/imports/jobs/{job.id}"
    assert client.get(url, headers=headers).get_json()["status"] == "running"  # fresh: still running
    later = clock + timedelta(seconds=settings.import_job_seconds) + timedelta(minutes=6)
    with time_machine.travel(later, tick=True):
        failed = client.get(url, headers=headers).get_json()
    assert failed["status"] == "failed" and failed["result_status"] == 500
    run_import_job(store, settings, job.id)  # its runner coming back late changes nothing
    assert count(store, line_id) == 0 and jobs_in(store)[0].content is None


def test_the_job_routes_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    post_op = spec["paths"]["/api/v1/lines/{line_id}/imports"]["post"]
    accepted = post_op["responses"]["202"]
    assert {"Location", "Retry-After"} <= set(accepted["headers"])
    assert any(p["in"] == "header" and p["name"] == "Prefer" for p in post_op["parameters"])
    get_op = spec["paths"]["/api/v1/imports/jobs/{job_id}"]["get"]
    assert {"200", "401", "404", "500", "503"} <= set(get_op["responses"])
    assert "Retry-After" in get_op["responses"]["200"]["headers"]


def _user_of(store, line_id: int) -> int:
    with store.read() as db:
        return db.get(Line, line_id).user_id


# ---- a real gunicorn, its worker timeout shorter than the import ----------------------------------------

ROWS = 200_000


@pytest.mark.real_clock  # the server runs in other processes
def test_gunicorn_answers_a_200000_row_file_at_once_and_the_job_stores_every_row(database_url, store_for_url,
                                                                                 tmp_path):
    user_id = make_user(store_for_url)
    line_id = make_line(store_for_url, user_id)
    with store_for_url.write() as db:
        headers = {"Authorization": f"Bearer {create_token(db, user_id)}"}
    content = make_csv(ROWS)
    port = _free_port()
    env = {**os.environ, "MICROBILL_DATABASE_URL": database_url, "MICROBILL_SECRET_KEY": "gunicorn-test-key",
           "MICROBILL_INSTANCE_PATH": str(tmp_path), "MICROBILL_ENV": "production"}
    env.pop("MICROBILL_REDIS_URL", None)  # the in-process runner: the job runs in a thread of the worker
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = (tmp_path / "gunicorn.log").open("w+b")
    proc = subprocess.Popen([str(gunicorn), "-w", "2", "--timeout", "10", "-b", f"127.0.0.1:{port}",
                             "dashboard.wsgi:server"], env=env, stderr=log, cwd=Path(__file__).parents[2])
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url, proc)
        began = time.monotonic()
        accepted = requests.post(f"{url}/api/v1/lines/{line_id}/imports", headers=headers, timeout=30,
                                 files={"file": ("내역.csv", content, "text/csv")})
        answered = time.monotonic() - began
        assert accepted.status_code == 202, accepted.text[:300]
        assert answered < 3, f"the 202 took {answered:.1f} s"
        job_url = url + accepted.headers["Location"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            status = requests.get(job_url, headers=headers, timeout=10).json()
            if status["status"] in ("done", "failed"):
                break
            time.sleep(int(requests.get(job_url, headers=headers, timeout=10).headers.get("Retry-After", 1)))
        took = time.monotonic() - began
        print(f"\n202 after {answered:.2f} s; job {status['status']} after {took:.1f} s: {status.get('result')}")
        assert status["status"] == "done" and status["result_status"] == 201, status
        result = status["result"]
        assert result["added"] + result["duplicates"] == ROWS
        assert count(store_for_url, line_id) == result["added"]
        log.seek(0)
        assert b"WORKER TIMEOUT" not in log.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_a_job_the_broker_cannot_take_is_503_retry_after_and_ends_failed(app, client, store, owner):
    """MICROBILL_REDIS_URL names a Redis that is not there (nothing listens on port 1): the client is told to
    retry (503 + Retry-After, the API's error body), nothing is stored and no poll waits for the job."""
    line_id, headers = owner
    settings = app.server.config["MICROBILL"]
    app.server.config["MICROBILL"] = replace(settings, redis_url="redis://127.0.0.1:1/0")
    refused = post(client, line_id, history_csv(history_rows(3)), {**headers, **ASYNC})
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"] == "service_unavailable"
    assert count(store, line_id) == 0
    [job] = jobs_in(store)
    assert (job.status, job.content) == ("failed", None)

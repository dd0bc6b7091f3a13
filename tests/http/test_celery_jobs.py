"""Background jobs on a real Celery worker (`microbill worker`, another process) over a real Redis (issue #13):
a submitted job, the /import page's preview and commit through Dash's callback protocol, the job's owner check
without a login, alert mail sent right after a charge's commit. The servers run in other processes: real_clock."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import psutil
import pytest
import redis
from sqlalchemy import select

from dashboard.jobs import submit
from dashboard.services.import_jobs import start_import_job
from dashboard.services.import_staging import job_signature, staging_of
from data.models import ImportJob, Notification
from tests.e2e.fixtures.import_files import history_csv, history_rows
from tests.helpers import csrf_header, login, make_line, make_user
from tests.http.celery_fixtures import celery_app, celery_config, redis_url, start_worker, worker  # noqa: F401
from tests.http.test_import_job_owner import PREFS, end_id, rows_in, run_job
from tests.http.test_mail_smtp import authorize, owner, smtp  # noqa: F401 - smtp: a fixture

pytestmark = pytest.mark.real_clock


def done_on(worker_log: str, name: str) -> list[int]:
    """The pids that logged finishing job `name` (dashboard/jobs/celery_app.py)."""
    return [int(pid) for pid in re.findall(rf"job {name}\(.*?\) done \(pid (\d+)\)", worker_log)]


def callback_key(app, input_id: str) -> str:
    return next(k for k, spec in app.callback_map.items() if [i["id"] for i in spec["inputs"]] == [input_id])


def body_of(key: str, input_id: str, prop: str, value, state: list[dict]) -> dict:
    """The renderer's request body for callback `key` fired by its one input."""
    parts = key.strip(".").split("...")
    return {"output": key, "outputs": [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts],
            "inputs": [{"id": input_id, "property": prop, "value": value}], "state": state,
            "changedPropIds": [f"{input_id}.{prop}"]}


def press(app, client, input_id: str, prop: str, value, state: list[dict]) -> dict:
    """Fire the (normal) callback whose one input is `input_id`, as the renderer does; its outputs by id."""
    body = body_of(callback_key(app, input_id), input_id, prop, value, state)
    response = client.post("/_dash-update-component", json=body, headers=csrf_header(client))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def stage_through_the_page(app, client, line: int, rows: int = 3) -> dict:
    upload = {"contents": "data:text/csv;base64," + base64.b64encode(history_csv(history_rows(rows))).decode(),
              "name": "내역.csv", "n": 1}
    answer = press(app, client, "import-file", "data", upload,
                   [{"id": "line-picker", "property": "value", "value": line}, PREFS])
    job = answer["import-job"]["data"]
    assert job and job["step"] == "preview" and job["sig"], answer
    return job


def test_a_submitted_job_runs_on_the_worker_and_its_effect_is_in_the_store(celery_app, worker):  # noqa: F811
    store = celery_app.server.extensions["microbill_store"]
    settings = celery_app.server.config["MICROBILL"]
    user = make_user(store)
    line = make_line(store, user)
    started = start_import_job(store, settings, user, line, history_csv(history_rows(4)), "내역.csv", None)
    assert submit(celery_app.server, "import_job", started.job_id) is None  # sent to Redis: no thread here
    worker.wait_for(f"job import_job({started.job_id},) done")
    assert rows_in(store, line) == 4
    with store.read() as db:
        assert db.get(ImportJob, started.job_id).status == "done"
    pids = done_on(worker.text(), "import_job")
    assert pids and os.getpid() not in pids and worker.process.pid not in pids  # one of the worker's processes


def test_the_import_page_previews_and_commits_on_the_worker_and_stores_the_rows_once(celery_app, worker):  # noqa: F811
    store = celery_app.server.extensions["microbill_store"]
    settings = celery_app.server.config["MICROBILL"]
    client = celery_app.server.test_client()
    line = make_line(store, make_user(store))
    login(client)
    job = stage_through_the_page(celery_app, client, line)
    staging = staging_of(settings)
    assert type(staging).__name__ == "RedisStaging" and staging.load(job["token"]) is not None
    assert not (Path(settings.instance_path) / "import-staging").exists()  # in Redis, not on this host's disk
    preview = run_job(celery_app, client, job)
    assert "3" in json.dumps(preview["import-preview"], ensure_ascii=False)  # the preview card counts 3 rows
    assert rows_in(store, line) == 0  # a preview stores nothing
    confirmed = press(celery_app, client, "import-confirm", "n_clicks", 1,
                      [{"id": "import-job", "property": "data", "value": job},
                       {"id": "line-picker", "property": "value", "value": line}, PREFS])
    commit = confirmed["import-job"]["data"]
    assert commit["step"] == "commit"
    done = run_job(celery_app, client, commit)
    assert "3" in json.dumps(done["import-result"], ensure_ascii=False)
    assert rows_in(store, line) == 3
    again = run_job(celery_app, client, {**commit, "n": "again"})  # the same commit sent twice
    assert "다시 올려" in json.dumps(again, ensure_ascii=False)  # the upload is gone: import.expired
    assert rows_in(store, line) == 3
    assert re.search(r"Task background_callback_\w+\[[-\w]+\] succeeded", worker.text())  # it ran on the worker


def test_the_worker_refuses_a_job_with_another_users_token_or_a_forged_signature(celery_app, worker):  # noqa: F811
    store = celery_app.server.extensions["microbill_store"]
    settings = celery_app.server.config["MICROBILL"]
    client = celery_app.server.test_client()
    victim = make_user(store, "victim@example.com")
    victim_line = make_line(store, victim)
    staged = staging_of(settings).save(victim, victim_line, "내역.csv", history_csv(history_rows(3)))
    thief = make_user(store)
    login(client)  # owner@example.com, who learnt the victim's token
    forged = job_signature(settings.__class__(secret_key="not-the-secret"), victim, staged.token)
    for sig in (None, job_signature(settings, thief, staged.token), forged, "garbage"):
        for step in ("commit", "preview"):
            answer = run_job(celery_app, client, {"token": staged.token, "step": step, "n": f"{step}{sig}",
                                                  "sig": sig})
            assert "다시 올려" in json.dumps(answer, ensure_ascii=False)  # import.expired, as confirm says
            assert "import-preview" not in answer or not answer["import-preview"]["children"]
    assert rows_in(store, victim_line) == 0
    assert staging_of(settings).load(staged.token) is not None  # the victim's upload is untouched


@pytest.fixture
def mail_celery_app(database_url, tmp_path, redis_url, smtp):  # noqa: F811
    from dashboard.app import create_app

    app = create_app(celery_config(database_url, tmp_path, redis_url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                   base_url="http://microbill.test"))
    yield app
    app.server.extensions["microbill_store"].dispose()


def test_alert_mail_from_a_charge_is_sent_by_the_worker(mail_celery_app, smtp, tmp_path):  # noqa: F811
    running = start_worker(mail_celery_app.server.config["MICROBILL"], tmp_path / "worker.log")
    try:
        store = mail_celery_app.server.extensions["microbill_store"]
        client = mail_celery_app.server.test_client()
        line, headers = owner(store)
        assert client.put(f"/api/v1/lines/{line}/budget", json={"amount": 100_000}, headers=headers).status_code == 200
        authorize(client, line, headers, "b1", 85_000, merchant="쿠팡", category="shopping")
        msg = smtp.wait(1)[0]
        assert str(msg["Subject"]) == "[마이크로빌] 예산 도달 · 내 폰"
        assert smtp.recipients[0] == ["victim@example.com"]
        running.wait_for("job deliver_notifications(")
        with store.read() as db:
            assert db.scalars(select(Notification.status)).all() == ["sent"]
        pids = done_on(running.text(), "deliver_notifications")
        assert pids and os.getpid() not in pids
    finally:
        running.stop()


def test_with_redis_away_the_charge_still_answers_and_the_cron_sends_the_mail(database_url, tmp_path, smtp):  # noqa: F811
    from dashboard.app import create_app
    from dashboard.services import maintenance

    app = create_app(celery_config(database_url, tmp_path, "redis://127.0.0.1:1/1", smtp_host="127.0.0.1",
                                   smtp_port=smtp.port, base_url="http://microbill.test"))
    store = app.server.extensions["microbill_store"]
    try:
        client = app.server.test_client()
        line, headers = owner(store)
        assert client.put(f"/api/v1/lines/{line}/budget", json={"amount": 100_000}, headers=headers).status_code == 200
        started = time.monotonic()
        authorize(client, line, headers, "b1", 85_000, merchant="쿠팡", category="shopping")  # 201, stored
        assert time.monotonic() - started < 10  # the job could not be sent: the answer did not wait long for it
        with store.read() as db:
            assert db.scalars(select(Notification.status)).all() == ["pending"]
        assert smtp.messages == []
        report = maintenance.deliver_notifications(store, app.server.config["MICROBILL"])
        assert report["sent"] == 1 and str(smtp.wait(1)[0]["Subject"]) == "[마이크로빌] 예산 도달 · 내 폰"
    finally:
        store.dispose()


def test_a_queued_page_job_carries_no_cookie_or_header_in_redis(celery_app, redis_url):  # noqa: F811
    """No worker: the job waits in Redis as the broker keeps it, and the session never went with it."""
    store = celery_app.server.extensions["microbill_store"]
    client = celery_app.server.test_client()
    line = make_line(store, make_user(store))
    login(client)
    job = stage_through_the_page(celery_app, client, line)
    key = next(k for k, spec in celery_app.callback_map.items()
               if [i["id"] for i in spec["inputs"]] == ["import-job"] and "import-mapping" in k)
    started = client.post("/_dash-update-component", query_string={"endId": end_id(client)},
                          json=body_of(key, "import-job", "data", job, [PREFS]), headers=csrf_header(client))
    assert "cacheKey" in started.get_json()
    queued = redis.Redis.from_url(redis_url).lrange("celery", 0, -1)
    assert len(queued) == 1
    message = base64.b64decode(json.loads(queued[0])["body"]).decode()
    assert job["token"] in message and "import-job" in message  # it is the page's job
    session = client.get_cookie("session") or client.get_cookie("__Host-session")
    assert session is not None and session.value not in message
    assert client.get_cookie("_csrf_token").value not in message and '"cookies"' not in message


def busy_child(worker_pid: int) -> psutil.Process | None:
    """The worker's process that is using the CPU now (the one running a job), if any."""
    children = psutil.Process(worker_pid).children()
    before = {child.pid: sum(child.cpu_times()[:2]) for child in children}
    time.sleep(0.2)
    used = {child: sum(child.cpu_times()[:2]) - before[child.pid] for child in children if child.is_running()}
    child, seconds = max(used.items(), key=lambda item: item[1], default=(None, 0))
    return child if seconds > 0.05 else None


def test_a_commit_whose_worker_process_is_killed_is_done_again_and_stores_the_rows_once(celery_app, worker):  # noqa: F811
    store = celery_app.server.extensions["microbill_store"]
    settings = celery_app.server.config["MICROBILL"]
    client = celery_app.server.test_client()
    user = make_user(store)
    line = make_line(store, user)
    rows = 60_000
    content = history_csv(history_rows(rows, start=datetime(2024, 6, 2, 10, 0), step=timedelta(minutes=3)))
    staged = staging_of(settings).save(user, line, "내역.csv", content)
    login(client)
    sig = job_signature(settings, user, staged.token)
    run_job(celery_app, client, {"token": staged.token, "step": "preview", "n": "1", "sig": sig}, timeout=120)
    killed: list[int] = []

    def kill_the_commit() -> None:  # SIGKILL the process running the commit (the OOM killer, a crash)
        give_up = time.monotonic() + 60
        while time.monotonic() < give_up and not killed:
            if worker.text().count("] received") >= 2 and (child := busy_child(worker.process.pid)) is not None:
                child.kill()
                killed.append(child.pid)

    killer = threading.Thread(target=kill_the_commit)
    killer.start()
    done = run_job(celery_app, client, {"token": staged.token, "step": "commit", "n": "2", "sig": sig}, timeout=180)
    killer.join()
    assert killed and "WorkerLostError" in worker.text()  # it died mid-job …
    assert f"추가 {rows:,}건" in json.dumps(done["import-result"], ensure_ascii=False)  # … and was done again
    assert rows_in(store, line) == rows  # once: what the killed process had begun was rolled back

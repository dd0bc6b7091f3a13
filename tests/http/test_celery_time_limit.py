"""Import jobs have a time limit (MICROBILL_IMPORT_JOB_SECONDS): past it the page's preview/commit on the Celery
worker and the API's job stop with a clear refusal, and a commit stopped between its chunks stores nothing
(one transaction)."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from dashboard.jobs import run_job as run_named_job
from dashboard.jobs.deadline import deadline
from dashboard.services import imports
from dashboard.services.import_jobs import start_import_job
from dashboard.services.import_staging import job_signature, staging_of
from data.models import ImportJob
from tests.e2e.fixtures.import_files import history_csv, history_rows
from tests.helpers import login, make_line, make_user
from tests.http.celery_fixtures import celery_config, redis_url, start_worker  # noqa: F401 - redis_url: a fixture
from tests.http.test_import_job_owner import rows_in, run_job

STOPPED = "초를 넘겨 멈췄습니다"  # import.timeout


@pytest.fixture
def hurried_app(database_url, tmp_path, redis_url):  # noqa: F811
    from dashboard.app import create_app

    app = create_app(celery_config(database_url, tmp_path, redis_url, import_job_seconds=0))
    yield app
    app.server.extensions["microbill_store"].dispose()


@pytest.mark.real_clock
def test_the_page_job_past_its_limit_is_refused_on_the_worker_and_stores_nothing(hurried_app, tmp_path):
    store = hurried_app.server.extensions["microbill_store"]
    settings = hurried_app.server.config["MICROBILL"]
    running = start_worker(settings, tmp_path / "worker.log")
    try:
        user = make_user(store)
        line = make_line(store, user)
        staged = staging_of(settings).save(user, line, "내역.csv", history_csv(history_rows(3)))
        client = hurried_app.server.test_client()
        login(client)
        for step in ("preview", "commit"):
            answer = run_job(hurried_app, client, {"token": staged.token, "step": step, "n": step,
                                                   "sig": job_signature(settings, user, staged.token)})
            shown = json.dumps(answer, ensure_ascii=False)
            assert STOPPED in shown and "0초" in shown and "아무것도 저장하지 않았습니다" in shown
        assert rows_in(store, line) == 0
    finally:
        running.stop()


def test_a_commit_stopped_between_chunks_rolls_back_every_row(store, app):
    settings = replace(app.server.config["MICROBILL"], import_job_seconds=4)  # room for the work before the first chunk
    user = make_user(store)
    line = make_line(store, user)
    rows = history_rows(15_000, start=datetime(2025, 1, 2, 10, 0), step=timedelta(minutes=10))  # two chunks
    reading = imports.read_file(store, user, history_csv(rows), "내역.csv", None, settings.import_max_bytes)
    stored: list[int] = []

    def slow(done: int, total: int) -> None:  # the first chunk is in the transaction; then the limit passes
        stored.append(done)
        time.sleep(settings.import_job_seconds + 0.2)

    with deadline(settings.import_job_seconds), pytest.raises(imports.ImportRefused) as refused:
        imports.commit(store, settings, user, line, reading, "내역.csv", progress=slow)
    assert refused.value.kind == "timeout" and stored == [10_000]
    assert "4초를 넘겨" in refused.value.errors[0].text("ko")
    assert "longer than 4 seconds" in refused.value.errors[0].text("en")
    assert rows_in(store, line) == 0


def test_the_api_job_past_its_limit_answers_the_refusal_and_stores_nothing(database_url, tmp_path):
    from dashboard.app import create_app

    app = create_app({"database_url": database_url, "instance_path": str(tmp_path / "instance"),
                      "secret_key": "s", "env": "testing", "import_job_seconds": 0})
    store = app.server.extensions["microbill_store"]
    try:
        user = make_user(store)
        line = make_line(store, user)
        started = start_import_job(store, app.server.config["MICROBILL"], user, line, history_csv(history_rows(3)),
                                   "내역.csv", None)
        run_named_job(app.server, "import_job", started.job_id)  # what the thread and the worker both run
        with store.read() as db:
            job = db.scalar(select(ImportJob).where(ImportJob.id == started.job_id))
            assert job.status == "done" and job.result_status == 422
            assert STOPPED in job.result
        assert rows_in(store, line) == 0
    finally:
        store.dispose()

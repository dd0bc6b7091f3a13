"""A real Celery worker (`microbill worker`, a subprocess) on a real Redis, for the tests of background jobs:

    from tests.http.celery_fixtures import celery_app, redis_url, worker  # noqa: F401 - fixtures

`redis_url` is a Redis database of this xdist worker's own (1–4), emptied before and after; `celery_app` is
the test's app with MICROBILL_REDIS_URL set (its jobs go to Redis); `worker` runs `microbill worker` on the
same database, instance folder and secret, waits until it is ready, and stops it afterwards. Tests using it
run a server in another process: mark them `real_clock`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from dashboard.settings import Settings
from tests.conftest import need

REDIS = "redis://127.0.0.1:6379"
# What the worker must share with the app that submits (MICROBILL_<NAME> in its environment).
SHARED = ("database_url", "instance_path", "secret_key", "redis_url", "env", "smtp_host", "smtp_port", "base_url",
          "import_job_seconds", "webhook_url")
MICROBILL = Path(sys.executable).with_name("microbill")


def redis_db() -> int:
    """1–4: this xdist worker's Redis database (gw0 → 1, gw1 → 2, …)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 1 + int(worker.removeprefix("gw") or 0) % 4


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = f"{REDIS}/{redis_db()}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError:
        need(False, f"Redis not reachable at {REDIS}")
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def celery_config(database_url: str, tmp_path: Path, redis_url: str, **extra) -> dict:
    return {"database_url": database_url, "instance_path": str(tmp_path / "instance"), "secret_key": "celery-secret",
            "env": "testing", "redis_url": redis_url, **extra}


@pytest.fixture
def celery_app(database_url, tmp_path, redis_url):
    from dashboard.app import create_app

    app = create_app(celery_config(database_url, tmp_path, redis_url))
    yield app
    app.server.extensions["microbill_store"].dispose()


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.text():
            assert self.process.poll() is None, f"the worker exited:\n{self.text()[-3000:]}"
            assert time.monotonic() < deadline, f"the worker never logged {text!r}:\n{self.text()[-3000:]}"
            time.sleep(0.1)
        return self.text()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # Celery's warm shutdown: running jobs finish
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def start_worker(settings: Settings, log: Path, concurrency: int = 2) -> Worker:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROBILL_")}
    env.update({f"MICROBILL_{name.upper()}": str(getattr(settings, name)) for name in SHARED})
    handle = log.open("w")
    process = subprocess.Popen([str(MICROBILL), "worker", f"--concurrency={concurrency}"], env=env,
                               stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    handle.close()
    worker = Worker(process, log)
    try:
        worker.wait_for(" ready.", timeout=60)
    except AssertionError:
        worker.stop()
        raise
    return worker


@pytest.fixture
def worker(celery_app, tmp_path) -> Iterator[Worker]:
    running = start_worker(celery_app.server.config["MICROBILL"], tmp_path / "worker.log")
    yield running
    running.stop()

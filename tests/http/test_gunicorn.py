"""Production serving: gunicorn with 2 workers, logging in over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.helpers import PASSWORD, form_csrf, make_user


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_up(url: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "gunicorn exited"
        try:
            requests.get(url + "/login", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
    raise TimeoutError("gunicorn did not start")


@pytest.mark.real_clock  # the server runs in other processes
def test_gunicorn_two_workers_login_over_http(database_url, store_for_url, tmp_path):
    make_user(store_for_url)
    port = _free_port()
    env = {**os.environ, "MICROBILL_DATABASE_URL": database_url, "MICROBILL_SECRET_KEY": "gunicorn-test-key",
           "MICROBILL_INSTANCE_PATH": str(tmp_path), "MICROBILL_ENV": "production"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "dashboard.wsgi:server"],
                            env=env, stderr=subprocess.PIPE, cwd=Path(__file__).parents[2])
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url, proc)
        browser = requests.Session()
        token = form_csrf(browser.get(url + "/login").text)
        response = browser.post(url + "/login", data={"email": "owner@example.com", "password": PASSWORD,
                                                      "csrf_token": token}, allow_redirects=False)
        assert response.status_code == 302
        # Several requests so both workers serve this session (sessions live in the database).
        statuses = {browser.get(url + "/_dash-layout").status_code for _ in range(12)}
        assert statuses == {200}
        assert requests.get(url + "/_dash-layout").status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=10)

"""The `microbill` command line, as a user runs it (real processes, real databases)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from data.models import Alert, Line, Transaction, User
from data.vocab import months_back, usage_month
from tests.helpers import form_csrf
from tests.http.test_gunicorn import _free_port

ROOT = Path(__file__).resolve().parents[2]


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"MICROBILL_DATABASE_URL": database_url, "MICROBILL_INSTANCE_PATH": str(tmp_path),
            "MICROBILL_SECRET_KEY": "cli-test"}


@pytest.mark.month_edges
def test_seed_demo_prints_credentials_and_creates_13_months_for_3_lines(database_url, store_for_url, tmp_path, clock):
    result = CliRunner().invoke(main, ["seed-demo", "--seed", "3"], env=_env(database_url, tmp_path))
    assert result.exit_code == 0, result.output
    email = re.search(r"email:\s+(\S+)", result.output).group(1)
    assert re.search(r"password:\s+(\S{8,})", result.output)
    window = months_back(usage_month(clock), 14)  # the 13 ended months a carrier page shows, and this one
    ended, seen = set(window[:-1]), set()
    with store_for_url.read() as db:
        user = db.scalar(select(User).where(User.email == email))
        lines = db.scalars(select(Line).where(Line.user_id == user.id)).all()
        assert sorted(line.carrier for line in lines) == ["KT", "LGU+", "SKT"]
        assert any(line.is_minor for line in lines)
        for line in lines:
            months = set(db.scalars(select(func.distinct(Transaction.usage_month))
                                    .where(Transaction.line_id == line.id)))
            assert months <= set(window), line.carrier
            # The history opens 13 months back; a persona may skip a month or two (a gamer's break, a
            # child's quiet month) and this month may have no charge yet on its first day.
            assert min(months) <= window[1] and len(months & ended) >= 10, (line.carrier, sorted(months))
            seen |= months
    assert ended <= seen  # together the lines have charges in every ended month
    with store_for_url.read() as db:  # the first run's /alerts page has the history's findings to show
        alerts = db.execute(select(Alert.kind, Alert.message, Alert.detail).where(Alert.user_id == user.id)).all()
    summaries = [message for kind, message, _ in alerts if kind == "import_summary"]
    assert summaries and any("부정결제 의심" in message for message in summaries), alerts  # the dawn bursts
    again = CliRunner().invoke(main, ["seed-demo", "--seed", "3"], env=_env(database_url, tmp_path))
    assert again.exit_code == 0 and "already there" in again.output
    with store_for_url.read() as db:  # a second run adds none
        assert db.scalar(select(func.count()).select_from(Alert).where(Alert.user_id == user.id)) == len(alerts)


def test_create_user_add_line_and_token(database_url, tmp_path):
    env = _env(database_url, tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    created = runner.invoke(main, ["create-user", "--email", "a@example.com", "--password", "long enough pw"], env=env)
    assert created.exit_code == 0, created.output
    short = runner.invoke(main, ["create-user", "--email", "b@example.com", "--password", "short"], env=env)
    assert short.exit_code != 0
    line = runner.invoke(main, ["add-line", "--email", "a@example.com", "--carrier", "KTF", "--number",
                                "010-1234-5678", "--limit", "300000"], env=env)
    assert line.exit_code == 0 and line.output.strip().isdigit()
    bad = runner.invoke(main, ["add-line", "--email", "a@example.com", "--carrier", "KT", "--number", "12"], env=env)
    assert bad.exit_code != 0 and "휴대폰 번호" in bad.output
    token = runner.invoke(main, ["create-token", "--email", "a@example.com"], env=env)
    assert token.exit_code == 0 and token.output.startswith("mb_")


def test_add_line_prints_the_id_that_import_takes(database_url, store_for_url, tmp_path):
    """The issue's two commands chained: add-line prints only the new line's id; import --json uses it."""
    import json

    from data.models import LineLimit
    from tests.e2e.fixtures.import_files import history_csv, history_rows

    env = _env(database_url, tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["create-user", "--email", "e@example.com", "--password", "long enough pw"],
                         env=env).exit_code == 0
    added = runner.invoke(main, ["add-line", "--email", "e@example.com", "--carrier", "KT", "--number",
                                 "010-1234-5678", "--limit", "300000"], env=env)
    assert added.exit_code == 0 and re.fullmatch(r"\d+\n", added.output), added.output
    line_id = int(added.output)
    with store_for_url.read() as db:
        line = db.get(Line, line_id)
        assert db.get(User, line.user_id).email == "e@example.com" and line.carrier == "KT"
        assert "1234" not in line.number_masked and line.number_masked.endswith("5678")
        assert db.scalar(select(LineLimit.amount).where(LineLimit.line_id == line_id,
                                                        LineLimit.bucket == "micropayment")) == 300_000
    nobody = runner.invoke(main, ["add-line", "--email", "nobody@example.com", "--carrier", "KT", "--number",
                                  "010-1234-5678"], env=env)
    assert nobody.exit_code != 0 and "nobody@example.com" in nobody.output

    path = tmp_path / "내역.csv"
    path.write_bytes(history_csv(history_rows(4)))
    imported = runner.invoke(main, ["import", str(path), "--line", str(line_id), "--json"], env=env)
    assert imported.exit_code == 0 and json.loads(imported.output) == {"added": 4, "duplicates": 0}


@pytest.mark.real_clock  # the server runs in another process
def test_demo_command_serves_and_its_printed_credentials_log_in(database_url, tmp_path):
    port = _free_port()
    env = {**os.environ, **_env(database_url, tmp_path)}
    microbill = Path(sys.executable).with_name("microbill")
    command = [str(microbill)] if microbill.exists() else [sys.executable, "-m", "dashboard.cli"]
    proc = subprocess.Popen([*command, "demo", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = ""
        deadline = time.monotonic() + 60
        while "password:" not in output and time.monotonic() < deadline:
            output += proc.stdout.readline()
        email = re.search(r"email:\s+(\S+)", output).group(1)
        password = re.search(r"password:\s+(\S+)", output).group(1)
        url = f"http://127.0.0.1:{port}"
        browser = requests.Session()
        while True:
            try:
                page = browser.get(url + "/login", timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        response = browser.post(url + "/login", data={"email": email, "password": password,
                                                      "csrf_token": form_csrf(page.text)}, allow_redirects=False)
        assert response.status_code == 302
        assert browser.get(url + "/api/v1/lines").json()[0]["nickname"] == "내 폰"
    finally:
        proc.terminate()
        proc.wait(timeout=10)

"""Fixtures: an app per test on a fresh, migrated database — SQLite file and PostgreSQL.

With CI=true a test that would skip for want of PostgreSQL or Chromium fails instead.

Every test runs on a fixed clock (time-machine, ticking from SUITE_NOW), so no test depends on the day it
runs; a test marked `month_edges` also runs on a month's first and last day and on 29 February.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import time_machine

from data.db import make_engine
from data.migrate import upgrade
from data.vocab import KST

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "test-output"
PG_ADMIN_URL = os.environ.get("MICROBILL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(ok: bool, reason: str) -> None:
    """Skip locally, fail in CI: CI has every service, so a skip there hides a broken test."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def pytest_configure(config):
    # Under pytest-xdist each worker is a process of its own: dash.testing numbers its servers' ports from the
    # same 58050 in each, so give every worker a range of its own.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    from dash.testing.application_runners import BaseDashRunner

    BaseDashRunner._next_port = 58050 + 1000 * int(worker.removeprefix("gw") or 0)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter and reporter.stats.get("skipped"):
        reporter.write_line("CI=true: skipped tests count as failures", red=True)
        session.exitstatus = 1


# ---- the clock ------------------------------------------------------------------------------

# The suite's "now": a Wednesday afternoon in the middle of a month.
SUITE_NOW = datetime(2026, 11, 18, 14, 0, tzinfo=KST)
# Where the calendar turns: 00:30 KST on the 1st is still the previous day in UTC; 23:00 on the last day is
# the last hour before the month-end maintenance window; 29 February is the leap day.
MONTH_EDGES = {
    "mid-month": SUITE_NOW,
    "first-day": datetime(2026, 12, 1, 0, 30, tzinfo=KST),
    "last-day": datetime(2026, 11, 30, 23, 0, tzinfo=KST),
    "leap-day": datetime(2028, 2, 29, 12, 0, tzinfo=KST),
}


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("month_edges"):
        metafunc.parametrize("clock_at", list(MONTH_EDGES.values()), ids=list(MONTH_EDGES))


def pytest_collection_modifyitems(config, items):
    """A browser test's month edges run on SQLite only: the calendar is the app's, not the backend's,
    and each browser run costs seconds."""
    keep, drop = [], []
    for item in items:
        params = getattr(item, "callspec", None) and item.callspec.params
        edge_only = params and params.get("clock_at", SUITE_NOW) != SUITE_NOW
        browser = item.path.is_relative_to(ROOT / "tests" / "e2e")
        (drop if edge_only and browser and params.get("database_url") == "postgresql" else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def clock_at() -> datetime:
    """The instant the test's clock starts at (parametrised over MONTH_EDGES for `month_edges` tests)."""
    return SUITE_NOW


@pytest.fixture(autouse=True)
def clock(request, clock_at) -> Iterator[datetime | None]:
    """The whole process (the test, its app, the browser test's server thread) sees time start at `clock_at`
    and run on from there. `real_clock` tests (a server in another process) keep the machine's time."""
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    with time_machine.travel(clock_at, tick=True):
        yield clock_at


# ---- databases -------------------------------------------------------------------------------

def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(name: str) -> str:
    base = PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tmpl") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not _pg_available():
        yield ""
        return
    name = f"mb_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    engine = make_engine(_pg_url(name))
    upgrade(engine)
    engine.dispose()
    yield name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, sqlite_template) -> Iterator[str]:
    """A fresh migrated database per test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "microbill.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    need(bool(template), f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    name = f"mb_t_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def app(database_url, tmp_path):
    from dashboard.app import create_app

    dash_app = create_app({
        "database_url": database_url,
        "instance_path": str(tmp_path / "instance"),
        "secret_key": "test-secret-key",
        "env": "testing",
    })
    yield dash_app
    dash_app.server.extensions["microbill_store"].dispose()


@pytest.fixture
def store(app):
    return app.server.extensions["microbill_store"]


@pytest.fixture
def client(app):
    return app.server.test_client()


@pytest.fixture
def store_for_url(database_url):
    """A store on the test database without building an app (for tests that run their own server)."""
    from data.db import Store

    db = Store(database_url)
    yield db
    db.dispose()


# ---- output for screenshots ------------------------------------------------------------------

@pytest.fixture
def output_dir(request) -> Path:
    """Per-test folder under test-output/ for screenshots and reports."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])
    path = OUTPUT / safe
    path.mkdir(parents=True, exist_ok=True)
    return path

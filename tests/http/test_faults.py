"""Honest under faults (issue #13): the database away, its file read-only or its disk full is a 503 with
Retry-After — JSON `{error, message}` for the API and Dash, the app's own page for pages and forms — and the
service recovers without a restart; a bug is the app's own 500; /healthz and /readyz need no login.

Real parts only: PostgreSQL behind a TCP forwarder this test closes and reopens (the shared server cannot be
stopped), `pg_terminate_backend`, an immutable (root: `chattr +i`) or read-only (others: chmod) SQLite file, and
a small tmpfs filled to the last byte.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from dashboard.text.i18n import t
from data.vocab import kst_today
from tests.conftest import _pg_admin, need
from tests.helpers import csrf_header, dash_update, form_csrf, login, make_line, make_user
from tests.http.test_api_lines import bearer

RETRY_AFTER = "5"  # Settings.unavailable_retry_after
NEW_LINE = {"carrier": "KT", "number": "010-1234-5678"}
PG_ONLY = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


# ---- real parts ------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Forwarder:
    """127.0.0.1:<port> → a target, like the database server itself: close() refuses new connections and cuts
    live ones (a stopped server), open() listens on the same port again (the server started)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self._live: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.open()

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        listener.settimeout(0.05)  # so the accept loop notices close()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        for sock in self._live:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._live.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._live += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with suppress(OSError):
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    for sock in (source, sink):
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def via_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{port}"))


@pytest.fixture
def make_app(tmp_path):
    """An app on any database URL; disposed after the test."""
    from dashboard.app import create_app

    apps = []

    def build(database_url: str, **extra):
        app = create_app({"database_url": database_url, "instance_path": str(tmp_path / "instance"),
                          "secret_key": "test-secret-key", "env": "testing", **extra})
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.server.extensions["microbill_store"].dispose()


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The database file may not be written. Root ignores file modes, so root makes it immutable instead."""
    if os.geteuid() == 0:
        made = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
        need(made.returncode == 0, f"chattr +i failed (no CAP_LINUX_IMMUTABLE?): {made.stderr!r}")
        undo = ["chattr", "-i", str(path)]
    else:
        path.chmod(0o444)
        undo = None
    try:
        yield
    finally:
        if undo:
            subprocess.run(undo, check=True)
        else:
            path.chmod(0o644)


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 12 MB tmpfs of its own (root/CAP_SYS_ADMIN), so it can be filled without touching the machine's disk."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True)
    need(made.returncode == 0, f"cannot mount a tmpfs (needs root): {made.stderr!r}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path) -> Path:
    """Fill the disk to its last byte. Unbuffered: a buffered file would raise ENOSPC again on close for the
    part of a chunk that did not fit (how much that is depends on the database file's size)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out, suppress(OSError):  # ENOSPC ends it
        chunk = 65536
        while chunk:
            try:
                out.write(b"\0" * chunk)
            except OSError:
                chunk //= 2  # the last bytes too, so nothing at all fits afterwards
    return filler


# ---- what a caller sees during a fault ---------------------------------------------------------------------

def assert_json_503(response, lang: str = "ko") -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.headers["Retry-After"] == RETRY_AFTER
    assert response.get_json() == {"error": "service_unavailable", "message": t("fault.unavailable", lang)}


def assert_page_503(response, lang: str = "ko") -> None:
    assert response.status_code == 503
    # On a rate-limited route (the login form) Flask-Limiter raises Retry-After to its window's reset if later.
    assert int(response.headers["Retry-After"]) >= int(RETRY_AFTER)
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and t("fault.unavailable", lang) in html
    assert t("app.title", lang) in html and "Werkzeug" not in html and "Internal Server Error" not in html


def merchant_chart(client, line_id: int):
    inputs = [{"id": "line-picker", "property": "value", "value": line_id},
              {"id": "overview-month", "property": "value", "value": kst_today().strftime("%Y-%m")},
              {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}]
    return dash_update(client, "merchant-chart.figure", inputs, headers=csrf_header(client))


def signed_in_as_someone(client) -> None:
    """A session cookie as a logged-in browser has one (logging in needs the database we do not have)."""
    client.get("/login")  # the CSRF cookie
    with client.session_transaction() as session:
        session["_user_id"] = "a-session-id"


# ---- PostgreSQL away --------------------------------------------------------------------------------------

def test_unreachable_database_is_503_for_api_pages_forms_and_callbacks(make_app):
    # Nothing listens on the port: every connection attempt is refused (PostgreSQL stopped).
    app = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/microbill")
    client = app.server.test_client()
    # The bearer token is looked up in the database: the auth step itself answers 503, not 401 or 500.
    assert_json_503(client.get("/api/v1/lines", headers={"Authorization": "Bearer mb_whatever"}))
    client.set_cookie("lang", "en")
    assert_json_503(client.post("/api/v1/lines", json=NEW_LINE, headers={"Authorization": "Bearer mb_x"}), "en")
    client.delete_cookie("lang")
    assert client.get("/api/v1/lines").status_code == 401  # no credentials at all needs no database
    assert client.get("/healthz").get_json() == {"status": "ok"}  # the process is up
    ready = client.get("/readyz")
    assert (ready.status_code, ready.headers["Retry-After"]) == (503, RETRY_AFTER)
    assert ready.get_json() == {"status": "unavailable", "checks": {"database": "unavailable"}}

    page = client.get("/login")
    form = client.post("/login", data={"email": "owner@example.com", "password": "x",
                                       "csrf_token": form_csrf(page.get_data(as_text=True))})
    assert_page_503(form)
    signed_in_as_someone(client)
    assert_page_503(client.get("/transactions"))
    assert_json_503(merchant_chart(client, 1))
    client.set_cookie("lang", "en")
    assert_page_503(client.get("/"), "en")


@PG_ONLY
def test_postgres_stopped_then_started_recovers_without_restart(make_app, database_url, store_for_url):
    owner = make_user(store_for_url)
    line = make_line(store_for_url, owner)
    token = bearer(store_for_url, owner)
    forwarder = Forwarder(("127.0.0.1", urlsplit(database_url).port or 5432))
    try:
        app = make_app(via_port(database_url, forwarder.port))
        api, browser = app.server.test_client(), app.server.test_client()
        assert api.get("/api/v1/lines", headers=token).status_code == 200
        assert login(browser).status_code == 302
        assert merchant_chart(browser, line).status_code == 200

        forwarder.close()  # "stopped": pooled connections cut, new ones refused
        assert_json_503(api.get("/api/v1/lines", headers=token))
        assert_json_503(api.post("/api/v1/lines", json=NEW_LINE, headers=token))
        assert_page_503(browser.get("/transactions"))
        assert_json_503(merchant_chart(browser, line))
        assert browser.get("/readyz").status_code == 503

        forwarder.open()  # "started" again: the same app, no restart
        assert browser.get("/readyz").get_json() == {"status": "ok", "checks": {"database": "ok"}}
        assert api.get("/api/v1/lines", headers=token).status_code == 200
        assert api.post("/api/v1/lines", json=NEW_LINE, headers=token).status_code == 201
        assert browser.get("/transactions").status_code == 200  # the session survived in the database
        assert merchant_chart(browser, line).status_code == 200
    finally:
        forwarder.close()


@PG_ONLY
def test_terminated_connections_are_replaced_on_the_next_request(client, store, database_url):
    token = bearer(store, make_user(store))
    assert client.get("/api/v1/lines", headers=token).status_code == 200  # the pool now holds a connection
    name = urlsplit(database_url).path.lstrip("/")
    _pg_admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
              "AND pid <> pg_backend_pid()")
    assert client.get("/api/v1/lines", headers=token).status_code == 200  # pre-ping found it dead, reconnected
    assert client.get("/readyz").status_code == 200


# ---- SQLite: a read-only file, a full disk -----------------------------------------------------------------

@SQLITE_ONLY
def test_read_only_sqlite_file_is_503_on_writes_and_recovers_when_writable(app, store, client, database_url):
    path = Path(urlsplit(database_url).path)
    token = bearer(store, make_user(store))
    assert client.post("/api/v1/lines", json=NEW_LINE, headers=token).status_code == 201
    store.dispose()  # a worker (re)connecting while the file is read-only: SQLite opens it read-only
    with read_only(path):
        assert client.get("/api/v1/lines", headers=token).status_code == 200  # reads still work
        assert_json_503(client.post("/api/v1/lines", json=NEW_LINE, headers=token))  # "readonly database"
        assert_page_503(login(client))  # logging in writes the session row
    # Writable again: the pooled read-only connections were dropped on the error, so this needs no restart.
    assert client.post("/api/v1/lines", json=NEW_LINE, headers=token).status_code == 201
    assert login(client).status_code == 302


def test_full_disk_is_503_and_recovers_when_space_is_freed(make_app, small_disk, sqlite_template):
    path = small_disk / "microbill.sqlite3"
    shutil.copy(sqlite_template, path)
    app = make_app(f"sqlite:///{path}")
    store, client = app.server.extensions["microbill_store"], app.server.test_client()
    token = bearer(store, make_user(store))
    filler = fill(small_disk)
    assert_json_503(client.post("/api/v1/lines", json=NEW_LINE, headers=token))  # "database or disk is full"
    assert_page_503(login(client))
    assert client.get("/readyz").status_code == 200  # it still answers: reads work, only writes do not fit
    filler.unlink()
    assert client.post("/api/v1/lines", json=NEW_LINE, headers=token).status_code == 201
    assert login(client).status_code == 302


# ---- a bug is not a fault --------------------------------------------------------------------------------

def test_a_bug_is_the_apps_own_500_page_and_json_500_on_the_api(client, store):
    # A missing table (e.g. a migration not run): "no such table" / "relation does not exist" is our bug, not
    # the machine's, so no Retry-After; SQLite reports it as an OperationalError like its real faults.
    token = bearer(store, make_user(store))
    with store.write() as db:
        db.connection().exec_driver_sql("DROP TABLE user_sessions")
    signed_in_as_someone(client)
    page = client.get("/transactions")
    html = page.get_data(as_text=True)
    assert page.status_code == 500 and "Retry-After" not in page.headers
    assert t("fault.internal") in html and "Internal Server Error" not in html and "Traceback" not in html
    with store.write() as db:
        db.connection().exec_driver_sql("DROP TABLE api_tokens")
    api = client.get("/api/v1/lines", headers=token)
    assert api.status_code == 500
    assert api.get_json() == {"error": "internal_server_error", "message": t("fault.internal")}


# ---- probes ------------------------------------------------------------------------------------------------

def test_probes_answer_without_login_and_start_no_session(client):
    client.get("/healthz")  # a process's first request: Dash validates its layout once (which makes a CSRF token)
    client.delete_cookie("session")
    health = client.get("/healthz")
    assert (health.status_code, health.get_json()) == (200, {"status": "ok"})
    ready = client.get("/readyz")
    assert (ready.status_code, ready.get_json()) == (200, {"status": "ok", "checks": {"database": "ok"}})
    assert "Set-Cookie" not in health.headers and "Set-Cookie" not in ready.headers


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@SQLITE_ONLY
def test_readyz_pings_the_shared_rate_limit_redis(make_app, database_url):
    need(_redis_answers(), "Redis not reachable at 127.0.0.1:6379")
    up = make_app(database_url, ratelimit_storage_uri="redis://127.0.0.1:6379").server.test_client()
    assert up.get("/readyz").get_json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    down = make_app(database_url, ratelimit_storage_uri=f"redis://127.0.0.1:{free_port()}").server.test_client()
    ready = down.get("/readyz")
    assert (ready.status_code, ready.headers["Retry-After"]) == (503, RETRY_AFTER)
    assert ready.get_json() == {"status": "unavailable", "checks": {"database": "ok", "redis": "unavailable"}}
    assert down.get("/healthz").status_code == 200  # not rate-limited: it never asks the dead Redis
    page = down.get("/login")  # not rate-limited on GET
    form = down.post("/login", data={"email": "a@example.com", "password": "x",
                                     "csrf_token": form_csrf(page.get_data(as_text=True))})
    assert_page_503(form)  # the login form's limit cannot be counted: a fault, not a bug


def test_openapi_documents_faults_on_every_operation_and_the_replay_headers(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = [op for path in spec["paths"].values() for op in path.values() if "responses" in op]
    assert operations
    for operation in operations:
        unavailable = operation["responses"]["503"]
        assert unavailable["headers"]["Retry-After"]["required"] is True
        assert unavailable["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert "500" in operation["responses"]
    retry = spec["paths"]["/api/v1/lines/{line_id}/authorizations"]["post"]["responses"]["200"]["headers"]
    assert retry["Idempotency-Replayed"]["required"] is True and retry["Idempotent-Replayed"]["deprecated"] is True

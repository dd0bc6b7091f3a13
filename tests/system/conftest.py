"""The app as it is deployed (issue #13): two gunicorn instances, each with an instance folder of its own, behind
Debian's nginx (round-robin), one `microbill worker` (Celery), PostgreSQL and Redis — every one a real process.

Each process is started in a session of its own (its own process group: gunicorn's master and workers, Celery's
pool) and the fixture's finalizer stops the whole group (SIGTERM, then SIGKILL), whatever the test did.
With CI=true a missing nginx, PostgreSQL, Redis or Chromium fails the run (tests.conftest.need).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from gunicorn import config as gunicorn_config

from tests.conftest import ROOT, _pg_admin, _pg_url, need
from tests.e2e.conftest import CHROMIUM, pytest_setup_options  # noqa: F401  (the hook: Chromium's flags)
from tests.http.test_mail_smtp import free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BIN = Path(sys.executable).parent  # the venv's gunicorn and microbill
REDIS_HOST = os.environ.get("MICROBILL_TEST_REDIS_HOST", "127.0.0.1:6379")
REDIS_DBS = (10, 11, 12)  # this suite's Redis databases, one per xdist worker
SECRET = "system-test-secret-key"
BODY_LIMIT = "64m"  # above the app's MAX_CONTENT_LENGTH (max(25 MiB, 1.5 × import_max_bytes))
START_SECONDS = 90  # a process that is not answering by then has failed to start
# gunicorn ≥ 24 opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl): two instances on one
# machine would take it from each other (and from any other gunicorn of the suite).
CONTROL_SOCKET = ["--no-control-socket"] if hasattr(gunicorn_config, "ControlSocketDisable") else []


# ---- processes ------------------------------------------------------------------------------------

@dataclass
class Service:
    """A process started in a process group of its own, its output in a log file."""

    name: str
    proc: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole group (a gunicorn master and its workers die together, as a host going away)."""
        with suppress(ProcessLookupError):  # the whole group has gone already
            os.killpg(self.proc.pid, sig)

    def stop(self, grace: float = 10) -> None:
        """SIGTERM to the group (if not sent already), then SIGKILL to whatever is left of it."""
        self.kill(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=grace)
        self.kill(signal.SIGKILL)  # the group: workers a master left behind
        self.proc.wait(timeout=grace)

    def tail(self, chars: int = 4000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n{text[-chars:]}"


def start(name: str, argv: list[str], env: dict[str, str], folder: Path) -> Service:
    log = folder / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    return Service(name, proc, log)


def wait_until(ready: Callable[[], bool], service: Service, timeout: float = START_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert service.alive(), f"{service.name} exited with {service.proc.returncode}\n{service.tail()}"
        if ready():
            return
        time.sleep(0.25)
    raise TimeoutError(f"{service.name} not ready after {timeout:.0f} s\n{service.tail()}")


def answers(url: str) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            return requests.get(url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    return ready


# ---- the cluster ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    """One line of nginx's access log."""

    at: float  # epoch seconds
    method: str
    uri: str
    status: int
    upstreams: tuple[str, ...]  # every instance tried, in order; the last one answered

    @property
    def answered_by(self) -> str:
        return self.upstreams[-1] if self.upstreams else ""

    @property
    def is_poll(self) -> bool:
        """A Dash background callback asking for its job's progress or result."""
        return self.uri.startswith("/_dash-update-component?") and "job=" in self.uri


@dataclass
class Cluster:
    url: str  # nginx: the only address the browser knows
    database_url: str
    redis_url: str
    folder: Path
    instances: dict[str, Service] = field(default_factory=dict)  # "127.0.0.1:port" → its gunicorn
    services: list[Service] = field(default_factory=list)  # everything started, in order

    def hits(self) -> list[Hit]:
        hits = []
        for line in (self.folder / "nginx" / "access.log").read_text().splitlines():
            at, method, uri, status, upstreams, *_ = line.split("\t")
            # "a, b": a failed, b answered; "a : b": an internal redirect (nginx's own separators).
            tried = tuple(u.strip() for u in upstreams.replace(" : ", ",").split(",") if u.strip() not in ("", "-"))
            hits.append(Hit(float(at), method, uri, int(status), tried))
        return hits

    @property
    def worker(self) -> Service:
        return next(service for service in self.services if service.name == "worker")

    def logs(self) -> str:
        error_log = self.folder / "nginx" / "error.log"
        proxy = error_log.read_text(errors="replace")[-4000:] if error_log.exists() else ""
        return "\n".join([*(service.tail() for service in self.services), f"--- nginx ({error_log}) ---", proxy])


def _env(cluster: Cluster, instance: Path) -> dict[str, str]:
    instance.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "MICROBILL_ENV": "production",
        "MICROBILL_SECRET_KEY": SECRET,  # one key: a session or a signed job started on one host holds on the other
        "MICROBILL_DATABASE_URL": cluster.database_url,
        "MICROBILL_INSTANCE_PATH": str(instance),
        "MICROBILL_REDIS_URL": cluster.redis_url,
        "MICROBILL_RATELIMIT_STORAGE_URI": cluster.redis_url,  # login limits shared by both hosts
        "MICROBILL_TRUSTED_PROXIES": "1",  # nginx: the limits key on the browser's address
        "MICROBILL_BASE_URL": cluster.url,
    }


def _nginx_conf(folder: Path, port: int, upstream_ports: list[int]) -> Path:
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir(parents=True, exist_ok=True)
    # As root nginx's workers would run as `nobody`, who cannot write the test's private folders.
    user = "user root;" if os.geteuid() == 0 else ""
    text = (Path(__file__).with_name("nginx.conf").read_text()
            .replace("@@DIR@@", str(folder)).replace("@@USER@@", user).replace("@@BODY_LIMIT@@", BODY_LIMIT)
            .replace("@@PORT@@", str(port)).replace("@@PORT_A@@", str(upstream_ports[0]))
            .replace("@@PORT_B@@", str(upstream_ports[1])))
    conf = folder / "nginx.conf"
    conf.write_text(text)
    return conf


def start_instance(cluster: Cluster, index: int) -> Callable[[], None]:
    """Start gunicorn (2 workers) on a free port; returns the wait for it to answer /readyz."""
    port = free_port()
    argv = [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "120",
            "--graceful-timeout", "5", *CONTROL_SOCKET, "dashboard.wsgi:server"]
    service = start(f"instance-{index}", argv, _env(cluster, cluster.folder / f"instance-{index}"), cluster.folder)
    cluster.services.append(service)
    cluster.instances[f"127.0.0.1:{port}"] = service
    return lambda: wait_until(answers(f"http://127.0.0.1:{port}/readyz"), service)


def start_nginx(cluster: Cluster, port: int) -> Service:
    folder = cluster.folder / "nginx"
    conf = _nginx_conf(folder, port, [int(a.rsplit(":", 1)[1]) for a in cluster.instances])
    check = subprocess.run([NGINX, "-t", "-e", str(folder / "error.log"), "-c", str(conf), "-p", str(folder)],
                           capture_output=True, text=True)
    assert check.returncode == 0, f"nginx -t refused the configuration:\n{check.stderr}"
    service = start("nginx", [NGINX, "-e", str(folder / "error.log"), "-c", str(conf), "-p", str(folder)],
                    dict(os.environ), cluster.folder)
    cluster.services.append(service)
    wait_until(answers(cluster.url + "/healthz"), service)
    return service


def start_worker(cluster: Cluster) -> Callable[[], None]:
    """Start `microbill worker`; returns the wait for Celery to say it is ready."""
    argv = [str(BIN / "microbill"), "worker", "--concurrency", "2"]
    service = start("worker", argv, _env(cluster, cluster.folder / "worker"), cluster.folder)
    cluster.services.append(service)
    return lambda: wait_until(lambda: "ready." in service.log.read_text(errors="replace"), service)


# ---- fixtures -------------------------------------------------------------------------------------

def emptied(url: str) -> bool:
    """Empty this Redis database (this suite's own); False when Redis does not answer."""
    import redis

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=3) as client:
            client.flushdb()
    except redis.RedisError:
        return False
    return True


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of this suite's own (10–12, by xdist worker), empty before and after the test."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    url = f"redis://{REDIS_HOST}/{REDIS_DBS[worker % len(REDIS_DBS)]}"
    need(emptied(url), f"Redis not reachable at {REDIS_HOST}")
    yield url
    emptied(url)


@pytest.fixture
def database_url(pg_template) -> Iterator[str]:
    """PostgreSQL only (two hosts cannot share a SQLite file): a fresh migrated database, which the hosts share —
    it is what makes two hosts one app. Replaces the suite's SQLite/PostgreSQL pair, so `store_for_url` is on it."""
    need(bool(pg_template), "PostgreSQL not reachable")
    name = f"mb_sys_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(FAILED, False)
    item.stash[FAILED] |= report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def cluster(request, tmp_path, database_url, redis_url) -> Iterator[Cluster]:
    """nginx on a free port in front of two gunicorn instances, and one Celery worker, all on one database
    and one Redis database. Stopped (every process group) when the test ends; when it failed, the end of every
    process's log is printed (the whole logs stay in the test's tmp_path)."""
    need(Path(NGINX).exists(), "nginx not installed (apt-get install nginx)")
    port = free_port()
    cluster = Cluster(f"http://127.0.0.1:{port}", database_url, redis_url, tmp_path)
    try:
        # Started side by side (each takes seconds to import the app), then waited for in turn.
        waits = [start_worker(cluster), start_instance(cluster, 0), start_instance(cluster, 1)]
        for wait in waits:
            wait()
        start_nginx(cluster, port)
        yield cluster
    finally:
        if request.node.stash.get(FAILED, True):  # failed (or never got to run): say what the servers said
            print(cluster.logs())
        for service in cluster.services:  # all at once: each takes seconds to shut down
            service.kill(signal.SIGTERM)
        for service in reversed(cluster.services):
            service.stop()


@pytest.fixture
def browser(request):
    """dash.testing's Chromium with no server of its own (`dash_br`): it only ever talks to nginx."""
    need(Path(CHROMIUM).exists() and shutil.which("chromedriver") is not None,
         "Chromium/chromedriver not installed (apt-get install chromium chromium-driver)")
    return request.getfixturevalue("dash_br")


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Fail the test (in the main thread, wherever it waits) once it has run `seconds`: a hung browser or
    server must not hold CI for ever. Every wait inside has a timeout of its own too."""
    def expire(*_):
        raise TimeoutError(f"the test ran over its {seconds} s limit")

    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield
        return
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

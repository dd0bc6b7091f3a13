"""Authorization throughput over real HTTP: gunicorn (2 sync workers, dashboard.wsgi:server) on SQLite and
PostgreSQL, a few client processes posting to /api/v1/lines/<id>/authorizations with a bearer token.

    python benchmarks/authorize_http.py [--seconds 10] [--runs 3] [--clients 4] [--lines 200]
                                        [--backend sqlite] [--backend postgresql]

Prints req/s, p50 and p99 per run and the median of the runs. Target: ≥300 req/s, p99 ≤ 100 ms on 2 cores.
The clients share the machine with the server, so the figures are a floor.
Then the same load on the yardstick (benchmarks/floor_app.py: a bare Flask endpoint, one indexed SELECT and
one INSERT, under the same gunicorn) and the ratio of server CPU per request (issue #17's target: ≤ 2.5×).
Skip it with --no-floor.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("MICROBILL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


# ---- database and server -------------------------------------------------------------------------

@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    import psycopg

    name = f"mb_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(url: str, lines: int) -> tuple[list[int], str]:
    """Migrate, then one user with `lines` lines (limits: the legal maximum) and an API token.

    Load is spread over many lines as in production (each line sees a few payments a day); a single
    line hammered at hundreds per second would measure the fraud rules' burst windows instead."""
    from data import accounts
    from data.db import Store
    from data.lines import create_line
    from data.migrate import upgrade
    from data.tokens import create_token

    store = Store(url)
    upgrade(store.engine)
    with store.write() as db:
        user = accounts.create_user(db, "bench@example.com", "bench-password-123")
        line_ids = [create_line(db, user_id=user.id, carrier="KT", number_masked=f"010-****-{i:04d}",
                                limits={"micropayment": 1_000_000, "content": 1_000_000}).id
                    for i in range(lines)]
        token = create_token(db, user.id, "bench")
    store.dispose()
    return line_ids, token


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(root_pid: int) -> float:
    """user+system CPU of a process and its direct children (gunicorn master + workers), from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if root_pid in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


AUTHORIZE_PATH = "/api/v1/lines/{}/authorizations"
FLOOR_PATH = "/floor/{}"  # benchmarks/floor_app.py


@contextmanager
def gunicorn(url: str, port: int, workers: int, app: str = "dashboard.wsgi:server") -> Iterator[int]:
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "MICROBILL_DATABASE_URL": url, "MICROBILL_SECRET_KEY": "bench-secret",
               "MICROBILL_INSTANCE_PATH": instance, "MICROBILL_ENV": "production"}
        binary = Path(sys.executable).with_name("gunicorn")
        proc = subprocess.Popen([str(binary), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level",
                                 "warning", app], env=env, cwd=ROOT)
        try:
            wait_up(port, proc)
            yield proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def wait_up(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("gunicorn did not start")


# ---- load ----------------------------------------------------------------------------------------

def client(port: int, line_ids: list[int], token: str, prefix: str, stop_at: float, out: mp.Queue,
           path_of: str = AUTHORIZE_PATH) -> None:
    """Post authorizations back to back (cycling over the lines) until `stop_at`; report (latencies, errors)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies, errors, seq = [], 0, 0
    cpu_start = time.process_time()
    while time.time() < stop_at:
        seq += 1
        path = path_of.format(line_ids[seq % len(line_ids)])
        body = json.dumps({"merchant": "넥슨코리아", "pg": "다날", "category": "game", "bucket": "micropayment",
                           "amount": 10, "external_id": f"{prefix}-{seq}", "product": "메이플스토리 캐시"})
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # sync workers close each connection
            conn.request("POST", path, body=body.encode(), headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 201:
                errors += 1
        except OSError:
            errors += 1
        latencies.append(time.perf_counter() - started)
    out.put((latencies, errors, time.process_time() - cpu_start))


def one_run(port: int, line_ids: list[int], token: str, seconds: float, clients: int, server_pid: int,
            path_of: str = AUTHORIZE_PATH) -> dict:
    out: mp.Queue = mp.Queue()
    stop_at = time.time() + seconds
    run_id = uuid.uuid4().hex[:6]
    procs = [mp.Process(target=client, args=(port, line_ids[i::clients], token, f"{run_id}-{i}", stop_at, out,
                                             path_of)) for i in range(clients)]
    started, server_cpu = time.perf_counter(), cpu_seconds(server_pid)
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - server_cpu
    for proc in procs:
        proc.join()
    latencies = sorted(lat for lats, _, _ in results for lat in lats)
    client_cpu = sum(cpu for _, _, cpu in results)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": sum(e for _, e, _ in results),
        "requests": len(latencies),
        # CPU per request does not depend on what else the machine runs: the capacity it implies is
        # what 2 idle cores would give (server and clients sharing them, as here).
        "server_cpu_ms": server_cpu / len(latencies) * 1000,
        "capacity_rps": (os.cpu_count() or 1) / ((server_cpu + client_cpu) / len(latencies)),
    }


def runs_on(url: str, app: str, path_of: str, line_ids: list[int], token: str, args, label: str) -> dict:
    port = free_port()
    with gunicorn(url, port, args.workers, app) as server_pid:
        one_run(port, line_ids, token, 1.5, args.clients, server_pid, path_of)  # warm-up: imports, pools
        results = []
        for i in range(args.runs):
            result = one_run(port, line_ids, token, args.seconds, args.clients, server_pid, path_of)
            results.append(result)
            print(f"  {label:16s} run {i + 1}: {result['rps']:7.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
                  f"p99 {result['p99_ms']:6.1f} ms  server CPU {result['server_cpu_ms']:4.1f} ms/req  "
                  f"({result['requests']} requests, {result['errors']} errors, "
                  f"load {os.getloadavg()[0]:.1f})", flush=True)
    keys = ("rps", "p50_ms", "p99_ms", "errors", "server_cpu_ms", "capacity_rps")
    return {key: statistics.median(r[key] for r in results) for key in keys}


def bench(backend: str, args) -> dict:
    with database(backend) as url:
        line_ids, token = seed(url, args.lines)
        result = runs_on(url, "dashboard.wsgi:server", AUTHORIZE_PATH, line_ids, token, args, backend)
        if args.floor:
            floor = runs_on(url, "benchmarks.floor_app:server", FLOOR_PATH, line_ids, token, args,
                            f"{backend} floor")
            result.update(floor_rps=floor["rps"], floor_cpu_ms=floor["server_cpu_ms"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lines", type=int, default=200, help="lines the load is spread over")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--no-floor", dest="floor", action="store_false", help="skip the bare-Flask yardstick")
    args = parser.parse_args()
    print(f"gunicorn {args.workers} workers, {args.clients} client processes, {args.lines} lines, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    summary = {backend: bench(backend, args) for backend in args.backend or ["sqlite", "postgresql"]}
    print("\nmedian of runs:")
    for backend, result in summary.items():
        print(f"  {backend:10s} {result['rps']:7.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
              f"p99 {result['p99_ms']:6.1f} ms  errors {result['errors']:.0f}  "
              f"server CPU {result['server_cpu_ms']:.1f} ms/req → ~{result['capacity_rps']:.0f} req/s on idle cores")
        if "floor_cpu_ms" in result:
            print(f"  {'':10s} floor {result['floor_rps']:7.1f} req/s  server CPU {result['floor_cpu_ms']:.1f} ms/req"
                  f"  → authorization/floor CPU {result['server_cpu_ms'] / result['floor_cpu_ms']:.2f}× "
                  "(target ≤ 2.5×)")


if __name__ == "__main__":
    main()

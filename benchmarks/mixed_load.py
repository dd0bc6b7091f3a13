"""Memory and latency under a steady mixed load (issue #13 point 5): gunicorn (sync workers,
dashboard.wsgi:server) on PostgreSQL (or SQLite), client processes sending at a fixed rate

- authorizations: POST /api/v1/lines/<id>/authorizations (bearer token, spread over `--lines` lines),
- overview callbacks: POST /_dash-update-component as logged-in users (session cookie + X-CSRFToken),
- API reads: GET /api/v1/lines, …/transactions?month=…, …/forecast (each user's bearer token),
- an import every `--import-every` seconds: POST …/imports with a small CSV (new rows each time).

    python benchmarks/mixed_load.py [--rate 30] [--minutes 10] [--workers 2] [--clients 6] [--users 20]
                                    [--lines 2000] [--backend postgresql|sqlite] [--trace]

Prints per minute: each worker's RSS (VmRSS from /proc/<pid>/status), requests done, errors, p50/p99 and the
load average; at the end the RSS change over the last 5 minutes (target: within ± 10 MiB) and p99 of the first
vs the last 5 minutes, per request kind too. A request counts in the minute it was sent; a non-2xx answer or a
network error is an error (printed with its status). The clients share the machine with the server: read the
load average beside the latencies; RSS does not depend on it.

--trace starts tracemalloc in each worker (a gunicorn post_worker_init hook in a config file this script writes: no
change to the app) and prints, per worker, what grew most between the end of minute 2 and the end of the run.
tracemalloc makes the workers slower (on 2 busy cores they fell below 30 req/s) and bigger: use it to find
growth, not for the latency or RSS figures.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.authorize_http import database, free_port, wait_up  # noqa: E402
from tests.helpers import _outputs, form_csrf  # noqa: E402

PASSWORD = "bench-password-123"
MiB = 1024 * 1024
# Shares of the request mix (the imports come on their own clock).
MIX = (("authorize", 4), ("callback", 4), ("api_read", 2))
# The overview's callbacks (chosen by an output), called with the inputs the app declares (/_dash-dependencies),
# so the benchmark follows the pages as they change; inputs it has no value for are sent as None.
OVERVIEW_OUTPUTS = ("overview-usage.children", "burnup-chart.figure", "category-chart.figure",
                    "merchant-chart.figure", "heatmap-chart.figure", "forecast-card.children")
TRACE_HOOK = '''
import os, threading, time, tracemalloc

def post_worker_init(worker):  # the app is loaded: its imports are not traced (that would take minutes)
    folder = os.environ["MIXED_LOAD_TRACE"]
    tracemalloc.start(int(os.environ.get("MIXED_LOAD_TRACE_FRAMES", "8")))

    def dump():
        minute = 0
        while True:
            time.sleep(60)
            minute += 1
            tracemalloc.take_snapshot().dump(os.path.join(folder, f"{os.getpid()}-{minute:03d}.snap"))

    threading.Thread(target=dump, daemon=True).start()
'''


# ---- the store ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Seeded:
    users: list[tuple[str, str, list[int]]]  # (email, API token, line ids)
    load_token: str  # the authorizing user's token
    load_lines: list[int]


def seed(url: str, users: int, lines: int) -> Seeded:
    """`users` people with the demo's three lines and their 14 months of history (data/demo: a different seed
    each), each with an API token; and one user with `lines` lines that the authorizations are spread over
    (each line sees a few charges in ten minutes, as in production, not a fraud-rule burst)."""
    from data import accounts
    from data.db import Store
    from data.demo import demo_lines
    from data.lines import create_line
    from data.migrate import upgrade
    from data.seed import insert_charges
    from data.tokens import create_token
    from data.vocab import month_bounds_utc, months_back, usage_month

    store = Store(url)
    upgrade(store.engine)
    now = datetime.now(UTC)
    since = month_bounds_utc(months_back(usage_month(now), 14)[0])[0]
    people = []
    with store.write() as db:
        for index in range(users):
            user = accounts.create_user(db, f"user{index}@example.com", PASSWORD)
            ids = []
            for demo in demo_lines(index + 1, now):
                line = create_line(db, user_id=user.id, carrier=demo.carrier,
                                   number_masked="010-****-" + demo.number[-4:], nickname=demo.nickname,
                                   is_minor=demo.is_minor, limits=demo.limits, effective_from=since)
                insert_charges(db, line.id, demo.charges, source="demo")
                ids.append(line.id)
            people.append((user.email, create_token(db, user.id, "bench"), ids))
        load_user = accounts.create_user(db, "merchant@example.com", PASSWORD)
        load_lines = [create_line(db, user_id=load_user.id, carrier="KT", number_masked=f"010-****-{i % 10_000:04d}",
                                  limits={"micropayment": 1_000_000, "content": 1_000_000}).id for i in range(lines)]
        load_token = create_token(db, load_user.id, "bench")
    store.dispose()
    return Seeded(people, load_token, load_lines)


# ---- the server -----------------------------------------------------------------------------------

@contextmanager
def gunicorn(url: str, port: int, workers: int, trace_dir: str | None) -> Iterator[int]:
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "MICROBILL_DATABASE_URL": url, "MICROBILL_SECRET_KEY": "bench-secret",
               "MICROBILL_INSTANCE_PATH": instance, "MICROBILL_ENV": "production",
               # every client logs its users in from 127.0.0.1 at the start
               "MICROBILL_LOGIN_RATE_PER_IP": "10000 per minute"}
        command = [str(Path(sys.executable).with_name("gunicorn")), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                   "--log-level", "warning", "--access-logfile", "/dev/null"]
        if trace_dir:
            config = Path(instance) / "trace_hook.py"
            config.write_text(TRACE_HOOK)
            env["MIXED_LOAD_TRACE"] = trace_dir
            command += ["-c", str(config)]
        proc = subprocess.Popen([*command, "dashboard.wsgi:server"], env=env, cwd=ROOT)
        try:
            wait_up(port, proc)
            yield proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def workers_of(master: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return sorted(found)


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# ---- the clients ----------------------------------------------------------------------------------

def daytime_kst() -> datetime:
    """Now, or 23:00 KST yesterday while it is night in Korea: the charges must not form night bursts."""
    from data.vocab import KST

    now = datetime.now(KST)
    return now if now.hour >= 6 else (now - timedelta(days=1)).replace(hour=23, minute=0)


class Client:
    """One process's requests: its share of the users (logged in once, then reused) and of the load lines."""

    def __init__(self, base: str, users: list[tuple[str, str, list[int]]], load_token: str, load_lines: list[int],
                 tag: str, merchants: int) -> None:
        import requests

        from data.vocab import kst_today, months_back

        self.base, self.tag, self.seq, self.merchants = base, tag, 0, merchants
        self.offset = zlib.crc32(tag.encode()) % merchants  # the clients draw different merchants
        self.counts: dict[str, int] = defaultdict(int)  # per kind, so each kind cycles through all its choices
        self.months = months_back(kst_today().strftime("%Y-%m"), 13)
        self.load_headers = {"Authorization": f"Bearer {load_token}"}
        self.load_lines = load_lines
        self.at = daytime_kst()
        self.users = []
        for email, token, lines in users:
            browser = requests.Session()
            page = browser.get(base + "/login", timeout=30)
            answer = browser.post(base + "/login", data={"email": email, "password": PASSWORD,
                                                         "csrf_token": form_csrf(page.text)}, allow_redirects=False,
                                  timeout=30)
            if answer.status_code != 302:
                raise RuntimeError(f"login of {email}: HTTP {answer.status_code}")
            browser.get(base + "/_dash-layout", timeout=30)  # sets the _csrf_token cookie
            self.users.append((browser, {"Authorization": f"Bearer {token}"}, lines))
        self.api = requests.Session()
        declared = self.users[0][0].get(base + "/_dash-dependencies", timeout=30).json()
        self.callbacks = [c for c in declared if any(o in c["output"] for o in OVERVIEW_OUTPUTS)]
        if len(self.callbacks) != len(OVERVIEW_OUTPUTS):
            raise RuntimeError(f"overview callbacks found: {[c['output'] for c in self.callbacks]}")

    def send(self, kind: str) -> int:
        self.seq += 1
        self.counts[kind] += 1
        return getattr(self, kind)(self.counts[kind])

    def authorize(self, n: int) -> int:
        line = self.load_lines[n % len(self.load_lines)]
        at = self.at - timedelta(seconds=n % 3_600)
        # Many merchants, as the PGs' traffic has: per-merchant caches fill as they would in production.
        merchant = f"(주)다날_상점{(n * 7919 + self.offset) % self.merchants:05d}"
        body = {"merchant": merchant, "pg": "다날", "category": "game", "bucket": "micropayment", "amount": 10,
                "external_id": f"{self.tag}-{self.seq}", "product": "메이플스토리 캐시", "occurred_at": at.isoformat()}
        return self.api.post(f"{self.base}/api/v1/lines/{line}/authorizations", json=body,
                             headers=self.load_headers, timeout=60).status_code

    def _pick(self, n: int, choices: int) -> tuple[tuple, int, int]:
        """(user, which of `choices`, which of the user's lines) for the kind's n-th request: every combination
        in turn."""
        user = self.users[n % len(self.users)]
        rest = n // len(self.users)
        return user, rest % choices, rest // choices % len(user[2])

    def callback(self, n: int) -> int:
        (browser, _headers, lines), which, line = self._pick(n, len(self.callbacks))
        declared = self.callbacks[which]
        known = {"line-picker.value": lines[line], "overview-month.value": self.months[n % 13],
                 "prefs.data": {"lang": "ko", "theme": "light"}, "forecast-refresh.data": 0}

        def values(items: list[dict]) -> list[dict]:
            return [{**item, "value": known.get(f"{item['id']}.{item['property']}")} for item in items]

        inputs = values(declared["inputs"])
        body = {"output": declared["output"], "outputs": _outputs(declared["output"]), "inputs": inputs,
                "state": values(declared["state"]),
                "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs]}
        csrf = browser.cookies.get("_csrf_token")
        return browser.post(self.base + "/_dash-update-component", json=body, headers={"X-CSRFToken": csrf},
                            timeout=60).status_code

    def api_read(self, n: int) -> int:
        (_browser, headers, lines), which, line = self._pick(n, 3)
        paths = ("/api/v1/lines", f"/api/v1/lines/{lines[line]}/transactions?month={self.months[n % 13]}",
                 f"/api/v1/lines/{lines[line]}/forecast")
        return self.api.get(self.base + paths[which], headers=headers, timeout=60).status_code

    def import_csv(self, n: int) -> int:
        """12 new rows a file: one file's rows start where the previous one's left off (3 months back)."""
        from tests.e2e.fixtures.import_files import history_csv, history_rows

        _browser, headers, lines = self.users[n % len(self.users)]
        start = (self.at - timedelta(days=90)).replace(tzinfo=None, second=0, microsecond=0)
        rows = history_rows(12, start=start + timedelta(minutes=17 * n), step=timedelta(minutes=1))
        return self.api.post(f"{self.base}/api/v1/lines/{lines[0]}/imports", headers=headers, timeout=120,
                             files={"file": ("내역.csv", history_csv(rows), "text/csv")}).status_code


def client_loop(base: str, seeded: Seeded, index: int, clients: int, rate: float, minutes: int, kinds: list[str],
                out: mp.Queue, go: mp.Event, start_at: mp.Value, merchants: int) -> None:
    """Log in, say ready, wait for `go`; then send `kinds` in turn at `rate`/s on a fixed schedule from `start_at`
    (a slow answer delays the next sends, which then go out back to back: the rate is kept); report
    (minute, kind, seconds, status) for each."""
    try:
        client = Client(base, seeded.users[index::clients] or seeded.users[:1], seeded.load_token,
                        seeded.load_lines[index::clients], f"{os.getpid()}-{index}", merchants)
    except Exception as failed:  # reported to the parent, which stops
        out.put(("failed", repr(failed)))
        return
    out.put(("ready", index))
    go.wait()
    started = start_at.value
    stop = started + minutes * 60
    sent = 0
    while True:
        due = started + sent / rate
        if due >= stop:
            break
        time.sleep(max(0.0, due - time.time()))
        kind = kinds[sent % len(kinds)]
        sent += 1
        begun = time.perf_counter()
        try:
            status = client.send(kind)
        except Exception as failed:  # a timeout or a reset: an error the run counts
            status = type(failed).__name__
        out.put((int((due - started) // 60), kind, time.perf_counter() - begun, status))
    out.put(("done", index))


# ---- the run ------------------------------------------------------------------------------------

@dataclass
class Minute:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[object]] = field(default_factory=lambda: defaultdict(list))

    def all(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]


def pct(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def run(args, base: str, seeded: Seeded, master: int) -> tuple[dict[int, Minute], dict[int, list[float | None]],
                                                                list[int]]:
    out: mp.Queue = mp.Queue()
    go, start_at = mp.Event(), mp.Value("d", 0.0)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    procs = [mp.Process(target=client_loop, daemon=True,
                        args=(base, seeded, i, args.clients, args.rate / args.clients, args.minutes,
                              kinds[i % len(kinds):] + kinds[:i % len(kinds)], out, go, start_at, args.merchants))
             for i in range(args.clients)]
    procs.append(mp.Process(target=client_loop, daemon=True, args=(base, seeded, 0, 1, 1 / args.import_every,
                                                                   args.minutes, ["import_csv"], out, go, start_at,
                                                                   args.merchants)))
    for proc in procs:
        proc.start()
    for _ in procs:  # every client logged in: then the clock starts
        item = out.get(timeout=300)
        if item[0] == "failed":
            raise SystemExit(f"a client could not start: {item[1]}")
    start_at.value = started = time.time() + 1
    go.set()
    minutes: dict[int, Minute] = defaultdict(Minute)
    rss: dict[int, list[float | None]] = {}
    workers = workers_of(master)
    done, next_sample = 0, 0
    while done < len(procs):
        now = time.time()
        if now >= started + next_sample * 60:
            for pid in set(workers_of(master)) - set(workers):  # a worker restarted: a column of its own
                workers.append(pid)
            for pid in workers:
                rss.setdefault(pid, [None] * next_sample).append(rss_mib(pid))
            if next_sample > 0:
                report_minute(next_sample, minutes[next_sample - 1], rss, workers)
            next_sample += 1
        try:
            item = out.get(timeout=0.5)
        except queue.Empty:
            continue
        if item[0] == "done":
            done += 1
            continue
        minute, kind, seconds, status = item
        minutes[minute].latencies[kind].append(seconds)
        if not (isinstance(status, int) and 200 <= status < 300):
            minutes[minute].errors[kind].append(status)
    for proc in procs:
        proc.join()
    if next_sample <= args.minutes:  # the last minute's answers came in after its boundary
        for pid in workers:
            rss.setdefault(pid, [None] * next_sample).append(rss_mib(pid))
        report_minute(next_sample, minutes[next_sample - 1], rss, workers)
    return minutes, rss, workers


def report_minute(number: int, minute: Minute, rss: dict[int, list[float | None]], workers: list[int]) -> None:
    latencies = minute.all()
    errors = sum(len(e) for e in minute.errors.values())
    sizes = "  ".join(f"{rss[pid][-1]:7.1f}" if rss[pid][-1] is not None else "   gone" for pid in workers)
    statuses = sorted({f"{k}:{s}" for k, values in minute.errors.items() for s in values})[:4]
    print(f"{number:4d}  {len(latencies):6d}  {errors:5d}  {pct(latencies, .5) * 1000:7.0f}  "
          f"{pct(latencies, .99) * 1000:7.0f}   {sizes}   {os.getloadavg()[0]:5.1f}"
          + (f"   errors: {', '.join(statuses)}" if statuses else ""), flush=True)


def summary(minutes: dict[int, Minute], rss: dict[int, list[float | None]], workers: list[int], total: int) -> None:
    span = min(5, total // 2)
    print(f"\nRSS over the last {span} minutes (MiB; target: within ± 10):")
    for pid in workers:
        values = [v for v in rss[pid][total - span:] if v is not None]
        if len(values) >= 2:
            print(f"  worker {pid}: {values[0]:.1f} → {values[-1]:.1f}  change {values[-1] - values[0]:+.1f}  "
                  f"(range {max(values) - min(values):.1f}; whole run {rss[pid][1] or 0:.1f} → {values[-1]:.1f})")
    first = Minute()
    last = Minute()
    for number, minute in minutes.items():
        target = first if number < span else last if number >= total - span else None
        if target is not None:
            for kind, values in minute.latencies.items():
                target.latencies[kind] += values
    print(f"\np50 / p99 (ms), first {span} minutes → last {span} minutes:")
    kinds = sorted(set(first.latencies) | set(last.latencies))
    for kind, a, b in [("all", first.all(), last.all())] + [(k, first.latencies[k], last.latencies[k]) for k in kinds]:
        print(f"  {kind:10s} {pct(a, .5) * 1000:6.0f} / {pct(a, .99) * 1000:6.0f}  →  "
              f"{pct(b, .5) * 1000:6.0f} / {pct(b, .99) * 1000:6.0f}   ({len(a)} → {len(b)} requests)")
    errors: dict[str, dict[object, int]] = defaultdict(lambda: defaultdict(int))
    for minute in minutes.values():
        for kind, values in minute.errors.items():
            for status in values:
                errors[kind][status] += 1
    done = sum(len(m.all()) for m in minutes.values())
    print(f"\nrequests {done}, errors {sum(sum(v.values()) for v in errors.values())}"
          + "".join(f"; {kind}: {dict(v)}" for kind, v in errors.items()))


def trace_report(folder: Path, workers: list[int], top: int = 15) -> None:
    """What grew most in each worker between its minute-2 snapshot and its last one (tracemalloc)."""
    import tracemalloc

    for pid in workers:
        snaps = sorted(folder.glob(f"{pid}-*.snap"))
        if len(snaps) < 3:
            continue
        before, after = tracemalloc.Snapshot.load(str(snaps[1])), tracemalloc.Snapshot.load(str(snaps[-1]))
        keep = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
        before, after = before.filter_traces(keep), after.filter_traces(keep)
        diff = after.compare_to(before, "traceback")
        grown = sum(d.size_diff for d in diff)
        print(f"\nworker {pid}: traced memory {snaps[1].stem} → {snaps[-1].stem}: {grown / MiB:+.2f} MiB; top growth:")
        for stat in diff[:top]:
            frames = [f"{Path(f.filename).name}:{f.lineno}" for f in stat.traceback]
            print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  " + " < ".join(frames[-1:-7:-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=30, help="requests per second (without the imports)")
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=6, help="client processes (each one request at a time)")
    parser.add_argument("--users", type=int, default=20, help="logged-in users with the demo's lines")
    parser.add_argument("--lines", type=int, default=2000, help="lines the authorizations are spread over")
    parser.add_argument("--merchants", type=int, default=1000, help="distinct merchant names the charges use")
    parser.add_argument("--import-every", type=float, default=30, help="seconds between imports")
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--trace", action="store_true", help="tracemalloc in the workers; print what grew")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a stopped run still stops its server, drops its store
    print(f"{args.backend}, gunicorn {args.workers} workers, {args.rate:g} req/s from {args.clients} clients "
          f"({', '.join(f'{k} {w}' for k, w in MIX)} of {sum(w for _, w in MIX)}) + an import every "
          f"{args.import_every:g} s, {args.users} users, {args.lines} load lines, {args.merchants} merchants, "
          f"{os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}" + (", tracemalloc on" if args.trace else ""), flush=True)
    with database(args.backend) as url, tempfile.TemporaryDirectory() as trace_dir:
        began = time.perf_counter()
        seeded = seed(url, args.users, args.lines)
        print(f"seeded in {time.perf_counter() - began:.0f} s", flush=True)
        port = free_port()
        with gunicorn(url, port, args.workers, trace_dir if args.trace else None) as master:
            workers = workers_of(master)
            print(f"workers {workers}\n\n min    done  errors  p50 ms  p99 ms   "
                  + "  ".join(f"RSS {pid}" for pid in workers) + " (MiB)   load", flush=True)
            minutes, rss, workers = run(args, f"http://127.0.0.1:{port}", seeded, master)
            if args.trace:
                time.sleep(1)
                trace_report(Path(trace_dir), workers)
        summary(minutes, rss, workers, args.minutes)
        print(f"\nload average at the end {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")


if __name__ == "__main__":
    main()

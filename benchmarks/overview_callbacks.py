"""Server time of the overview callbacks for a heavy line in a large store.

Builds (once; reused afterwards) a SQLite store with 1,000,000 transactions, 100,000 of them on the
measured line, spread over the 14 KST months up to now with approvals, declines, same-month
cancellations and later refunds. Then, through the Flask test client (POST /_dash-update-component,
logged in, CSRF header — the whole request path), calls each overview callback `--calls` times
cycling over the 13 months the picker offers, and prints p50/p95 per callback: the median over
`--runs` runs.

    python -m benchmarks.overview_callbacks [--db /tmp/microbill-bench.sqlite3] [--rebuild]
        [--rows 1000000] [--line-rows 100000] [--calls 50] [--runs 5]
        [--layout interleaved|imported|shuffled] [--extra-index]

Wall time includes waiting for a CPU, so on a busy machine also read the CPU columns (the test
client runs the app in this process: CPU time is the server's own work).
"""

from __future__ import annotations

import argparse
import heapq
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from data import accounts
from data.db import Store
from data.importing.normalize import merchant_key
from data.lines import create_line
from data.migrate import upgrade
from data.vocab import kst_today, months_back
from tests.helpers import csrf_header, dash_update, login

EMAIL, PASSWORD = "bench@example.com", "bench password 1"
LINES_PER_OTHER_USER = 10
# (merchant spellings, pg, category, bucket, amounts)
CATALOGUE = [
    (("(주)다날_넥슨", "넥슨코리아"), "다날", "game", "micropayment", (1_000, 5_000, 10_000, 30_000)),
    (("엔씨소프트",), "KG모빌리언스", "game", "micropayment", (10_000, 30_000, 50_000)),
    (("넷마블",), "갤럭시아머니트리", "game", "micropayment", (3_300, 11_000, 33_000)),
    (("구글플레이", "Google Play"), None, "app_store", "content", (1_100, 5_900, 33_000)),
    (("App Store",), None, "app_store", "content", (1_200, 4_400, 12_000)),
    (("원스토어",), None, "app_store", "content", (11_000, 33_000)),
    (("컬쳐랜드",), "KG모빌리언스", "gift_voucher", "micropayment", (10_000, 30_000, 50_000)),
    (("해피머니",), "다날", "gift_voucher", "micropayment", (10_000, 50_000)),
    (("멜론",), "다날", "subscription", "micropayment", (10_900,)),
    (("티빙",), "NHN KCP", "subscription", "micropayment", (9_500,)),
    (("배달의민족",), "다날", "delivery", "micropayment", (14_000, 23_000, 29_900)),
    (("쿠팡이츠",), "NHN KCP", "delivery", "micropayment", (8_900, 21_000)),
    (("쿠팡", "쿠팡(주)"), "다날", "shopping", "micropayment", (11_880, 24_900, 64_800)),
    (("무신사",), "효성FMS", "shopping", "micropayment", (29_900, 89_000)),
    (("티머니",), "페이레터", "transport", "micropayment", (10_000, 30_000)),
    (("카카오톡 선물하기",), "다날", "other", "micropayment", (4_700, 25_000)),
]
COLUMNS = ("id", "line_id", "occurred_at", "usage_month", "merchant", "merchant_key", "pg", "product", "category",
           "bucket", "amount", "status", "pay_type", "source", "external_id", "cancels_id", "refund", "created_at")
INSERT = f"INSERT INTO transactions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
UTC_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite
KST_OFFSET = timedelta(hours=9)
KEYS = {name: merchant_key(name) for names, *_ in CATALOGUE for name in names}
LAYOUTS = ("interleaved", "imported", "shuffled")
# ix_transactions_line_month plus what the overview reads, so monthly/daily/category/heatmap sums
# come from the index alone (SQLite has no INCLUDE: trailing columns). Same leading columns, so it
# could replace that index rather than sit next to it.
PROPOSED_INDEX = ("CREATE INDEX IF NOT EXISTS ix_transactions_line_month_cover ON transactions "
                  "(line_id, usage_month, bucket, status, amount, refund, cancels_id, category, occurred_at)")


# ---- building the store ------------------------------------------------------------------------

def build(path: Path, rows: int, line_rows: int, layout: str) -> int:
    """Migrate, create the users and lines through the app's own code, bulk-insert the rows; the
    measured line's id."""
    store = Store(f"sqlite:///{path}")
    upgrade(store.engine)
    others = max(0, (rows - line_rows) // max(1, line_rows // 10))  # other lines get 1/10 of the rows each
    with store.write() as db:
        user = accounts.create_user(db, EMAIL, PASSWORD)
        line_ids = [_line(db, user.id, "내 폰")]
        for index in range(-(-others // LINES_PER_OTHER_USER)):
            other = accounts.create_user(db, f"other{index}@example.com", PASSWORD)
            line_ids += [_line(db, other.id, f"line {n}") for n in range(LINES_PER_OTHER_USER)]
    store.dispose()
    line_ids = line_ids[: others + 1]
    per_line = [line_rows, *_split(rows - line_rows, len(line_ids) - 1)]
    events = [_line_events(random.Random(line_id), line_id, count)
              for line_id, count in zip(line_ids, per_line, strict=True)]
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        batch: list[tuple] = []
        for row in _numbered(_ordered(events, layout)):
            batch.append(row)
            if len(batch) == 50_000:
                conn.executemany(INSERT, batch)
                batch.clear()
        conn.executemany(INSERT, batch)
        conn.commit()
    return line_ids[0]


def _ordered(events: list[Iterator[tuple]], layout: str) -> Iterator[tuple]:
    """Insertion order, which decides how scattered a line's month is in the table:
    interleaved = live traffic (all lines, oldest first); imported = one time-sorted block per line
    (a history file); shuffled = one block per line in random order (the worst case)."""
    if layout == "interleaved":
        return heapq.merge(*events, key=lambda event: event[0])
    if layout == "imported":
        return chain.from_iterable(events)
    return chain.from_iterable(_shuffled(list(line)) for line in events)


def _shuffled(rows: list[tuple]) -> list[tuple]:
    random.Random(len(rows)).shuffle(rows)
    return rows


def _numbered(events: Iterator[tuple]) -> Iterator[tuple]:
    """Give rows their ids in insertion order (SQLite keeps a table in id order); a cancellation
    points at its payment's id (`event[3]` is the payment's per-line number). When shuffling put a
    cancellation first, it waits and follows its payment."""
    ids: dict[tuple[int, int], int] = {}
    waiting: dict[tuple[int, int], tuple] = {}
    created = datetime.now(UTC).replace(tzinfo=None).strftime(UTC_FORMAT)
    row_id = 0
    for event in events:
        at_kst, line_id, number, cancels, fields, status, refund = event
        if cancels is not None and (line_id, cancels) not in ids:
            waiting[line_id, cancels] = event
            continue
        row_id += 1
        cancels_id = ids.pop((line_id, cancels)) if cancels is not None else None
        yield _row(row_id, line_id, at_kst, fields, status, cancels_id, refund, created)
        if number is not None:
            ids[line_id, number] = row_id
            late = waiting.pop((line_id, number), None)
            if late is not None:
                row_id += 1
                yield _row(row_id, line_id, late[0], late[4], late[5], ids.pop((line_id, number)), late[6], created)


def _line(db, user_id: int, nickname: str) -> int:
    start = datetime.now(UTC) - timedelta(days=500)
    return create_line(db, user_id=user_id, carrier="KT", number_masked="010-****-5678", nickname=nickname,
                       limits={"micropayment": 500_000, "content": 300_000}, effective_from=start).id


def _bench_line(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT lines.id FROM lines JOIN users ON users.id = lines.user_id "
                            "WHERE users.email = ? ORDER BY lines.id LIMIT 1", (EMAIL,)).fetchone()[0]


def _split(total: int, parts: int) -> list[int]:
    if parts <= 0:
        return []
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _line_events(rng: random.Random, line_id: int, count: int) -> Iterator[tuple]:
    """About `count` rows for one line in time order: ~90% approved, ~5% declined, ~5% cancellations
    of a payment (a refund when the cancellation falls in a later month).

    Event: (KST time, line, payment number or None, cancelled payment number or None, fields, status,
    refund)."""
    now_kst = datetime.now(UTC).replace(tzinfo=None) + KST_OFFSET
    start_kst = datetime.strptime(months_back(kst_today().strftime("%Y-%m"), 14)[0] + "-01", "%Y-%m-%d")
    span = int((now_kst - start_kst).total_seconds())
    pending: list[tuple] = []  # cancellations waiting for their moment
    for number, second in enumerate(sorted(_moment(rng, span) for _ in range(round(count / 1.05)))):
        at = start_kst + timedelta(seconds=second)
        while pending and pending[0][0] <= at:
            yield heapq.heappop(pending)
        names, pg, category, bucket, amounts = rng.choice(CATALOGUE)
        fields = (rng.choice(names), pg, category, bucket, rng.choice(amounts))
        status = "declined" if rng.random() < 0.05 else "approved"
        yield (at, line_id, number, None, fields, status, False)
        if status == "approved" and rng.random() < 0.05:
            undo = min(at + timedelta(minutes=rng.randint(1, 4_000)), now_kst)
            refund = undo.strftime("%Y-%m") != at.strftime("%Y-%m")
            heapq.heappush(pending, (undo, line_id, None, number, fields, "cancelled", refund))
    yield from sorted(pending)


def _moment(rng: random.Random, span: int) -> int:
    # Evenings and nights are busier, like the demo personas.
    second = rng.randrange(span)
    if rng.random() < 0.3:
        second = second - second % 86_400 + rng.choice((20, 21, 22, 23, 0, 1, 2)) * 3_600 + rng.randrange(3_600)
    return min(second, span - 1)


def _row(row_id, line_id, at_kst, fields, status, cancels, refund, created) -> tuple:
    merchant, pg, category, bucket, amount = fields
    utc = (at_kst - KST_OFFSET).strftime(UTC_FORMAT)
    return (row_id, line_id, utc, at_kst.strftime("%Y-%m"), merchant, KEYS[merchant], pg, f"{merchant} 상품",
            category, bucket, amount, status, "one_off", "import", f"b{row_id}", cancels, int(refund), created)


# ---- measuring -----------------------------------------------------------------------------------

CALLBACKS = {
    "overview (meters + 13 months)": ("..overview-usage.children...monthly-chart.figure..", False),
    "burn-up + month over month": ("..burnup-chart.figure...compare-chart.figure...overview-compare.children..", True),
    "categories": ("category-chart.figure", True),
    "top merchants": ("merchant-chart.figure", True),
    "weekday × hour": ("heatmap-chart.figure", True),
    "forecast card": ("forecast-card.children", False),
}


def measure(path: Path, line_id: int, calls: int, runs: int) -> dict[str, list[tuple[float, ...]]]:
    """{callback: [(wall p50, wall p95, cpu p50, cpu p95) per run]}."""
    from dashboard.app import create_app

    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"database_url": f"sqlite:///{path}", "instance_path": instance,
                          "secret_key": "bench", "env": "testing"})
        client = app.server.test_client()
        login(client, EMAIL, PASSWORD)
        headers = csrf_header(client)
        months = months_back(kst_today().strftime("%Y-%m"), 13)[::-1]
        results: dict[str, list[tuple[float, ...]]] = {name: [] for name in CALLBACKS}
        for _ in range(runs):
            for name, (output, by_month) in CALLBACKS.items():
                _call(client, output, line_id, months[0], by_month, headers)  # warm-up
                times = [_call(client, output, line_id, months[i % len(months)], by_month, headers)
                         for i in range(calls)]
                wall, cpu = [t[0] for t in times], [t[1] for t in times]
                results[name].append((_percentile(wall, 50), _percentile(wall, 95),
                                      _percentile(cpu, 50), _percentile(cpu, 95)))
        app.server.extensions["microbill_store"].dispose()
    return results


def _call(client, output: str, line_id: int, month: str, by_month: bool, headers: dict) -> tuple[float, float]:
    """(wall ms, CPU ms) of one request; the test client runs the app in this process, so CPU time is
    the server's own work, without the time spent waiting for a core on a busy machine."""
    inputs = [{"id": "line-picker", "property": "value", "value": line_id}]
    if by_month:
        inputs.append({"id": "overview-month", "property": "value", "value": month})
    inputs.append({"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}})
    if output == "forecast-card.children":
        inputs.append({"id": "forecast-refresh", "property": "data", "value": 0})
    if output.startswith("..overview-usage") or output == "forecast-card.children":
        inputs.append({"id": "line-status-version", "property": "data", "value": 0})
    started, cpu = time.perf_counter(), time.process_time()
    response = dash_update(client, output, inputs, headers=headers)
    elapsed = ((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000)
    if response.status_code != 200:
        raise SystemExit(f"{output}: HTTP {response.status_code} {response.get_data(as_text=True)[:200]}")
    return elapsed


def _percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "microbill-bench.sqlite3")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--line-rows", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--layout", choices=LAYOUTS, default="interleaved",
                        help="insertion order of the rows (how scattered one line's month is in the table)")
    parser.add_argument("--extra-index", action="store_true",
                        help="add the proposed covering index to the --db store (it stays) before measuring")
    args = parser.parse_args()

    if args.rebuild or not args.db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        started = time.perf_counter()
        line_id = build(args.db, args.rows, args.line_rows, args.layout)
        print(f"built {args.db} ({args.rows:,} rows, {args.layout}, line {line_id}: {args.line_rows:,}) "
              f"in {time.perf_counter() - started:.0f}s")
    else:
        line_id = _bench_line(args.db)
        print(f"reusing {args.db} (--rebuild to regenerate)")
    stats = Store(f"sqlite:///{args.db}")
    stats.refresh_statistics()  # as the daily close-month (and any big import) would have by now
    stats.dispose()
    if args.extra_index:
        with sqlite3.connect(args.db) as conn:
            conn.execute(PROPOSED_INDEX)
        print("with the proposed index: " + PROPOSED_INDEX)
    results = measure(args.db, line_id, args.calls, args.runs)
    print(f"\n{args.calls} calls x {args.runs} runs through the Flask test client, ms; median over runs "
          f"(p95 range over runs in brackets). Load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'callback':32} {'wall p50':>9} {'wall p95':>9} {'[min-max]':>15} {'cpu p50':>8} {'cpu p95':>8}")
    for name, runs in results.items():
        p95s = [r[1] for r in runs]
        print(f"{name:32} {statistics.median(r[0] for r in runs):9.1f} {statistics.median(p95s):9.1f} "
              f"{f'[{min(p95s):.0f}-{max(p95s):.0f}]':>15} {statistics.median(r[2] for r in runs):8.1f} "
              f"{statistics.median(r[3] for r in runs):8.1f}")


if __name__ == "__main__":
    main()

"""Import speed end to end: parse + validate + dedupe + insert + commit of a 100,000-row CSV into SQLite.

Uses the same generated CP949 file as benchmarks/import_parse.py (Korean headers, `12,300원`,
`2025.05.11 14:23:05`). Each run gets a fresh migrated SQLite file and a fresh line, then:
  fresh  — the first import (every row new)
  again  — the same file a second time (every row a duplicate, nothing inserted)
Prints the median rows/s of each over --runs runs, wall clock and CPU time.

    python -m benchmarks.import_end_to_end [--rows 100000] [--runs 3] [--alerts] [--postgres URL]

--alerts runs the app's path (dashboard.services.imports.read_file + commit) including the alerts
engine's evaluate_import in the transaction; without it the store path alone (parse_file + import_rows).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.import_parse import make_csv
from data import accounts
from data.db import Store
from data.import_store import import_rows
from data.importing import parse_file
from data.lines import create_line
from data.migrate import upgrade

Timing = tuple[float, float]  # wall, CPU seconds


def timed(work: Callable[[], object]) -> tuple[Timing, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return (time.perf_counter() - wall, time.process_time() - cpu), result


def new_line(store: Store) -> tuple[int, int]:
    with store.write() as db:
        user = accounts.create_user(db, f"bench-{uuid.uuid4().hex[:8]}@example.com", "benchmark-password")
        line = create_line(db, user_id=user.id, carrier="KT", number_masked="010-****-0000")
        return user.id, line.id


def store_path(store: Store, line_id: int, content: bytes) -> object:
    result = parse_file(content, "내역.csv")
    assert result.ok, result.errors[:3]
    with store.write() as db:
        from data.models import Line

        return import_rows(db, db.get(Line, line_id), result.rows, filename="내역.csv")


def app_path(store: Store, user_id: int, line_id: int, content: bytes, folder: str) -> object:
    from dashboard.services.imports import commit, read_file
    from dashboard.settings import load_settings

    settings = load_settings({"instance_path": folder, "secret_key": "bench"})
    reading = read_file(store, user_id, content, "내역.csv", None, settings.import_max_bytes)
    return commit(store, settings, user_id, line_id, reading, "내역.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--alerts", action="store_true", help="the app's path, alerts hook included")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL instead of a fresh SQLite file")
    args = parser.parse_args()
    content = make_csv(args.rows)
    target = "PostgreSQL" if args.postgres else "SQLite"
    print(f"file: {args.rows:,} rows, {len(content) / 1e6:.1f} MB CP949 → {target}"
          f"{' (app path, alerts hook)' if args.alerts else ' (parse_file + import_rows)'}")
    results: dict[str, list[Timing]] = {"fresh": [], "again": []}
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            store = Store(args.postgres or f"sqlite:///{folder}/bench.sqlite3")
            upgrade(store.engine)
            user_id, line_id = new_line(store)
            if args.alerts:
                work = partial(app_path, store, user_id, line_id, content, folder)
            else:
                work = partial(store_path, store, line_id, content)
            for label in ("fresh", "again"):
                timing, summary = timed(work)
                results[label].append(timing)
                print(f"run {run + 1} {label:5}: {timing[0]:.3f} s wall, {timing[1]:.3f} s CPU "
                      f"({args.rows / timing[0]:,.0f} rows/s) added={summary.added:,} "
                      f"duplicates={summary.duplicates:,}")
            store.dispose()
    for label, timings in results.items():
        wall = statistics.median(t[0] for t in timings)
        cpu = statistics.median(t[1] for t in timings)
        print(f"median {label:5}: {wall:.3f} s = {args.rows / wall:,.0f} rows/s (CPU {args.rows / cpu:,.0f} rows/s)")
    started = time.perf_counter()
    for _ in range(10_000_000):
        pass
    print(f"machine reference: a 10M-step Python loop takes {time.perf_counter() - started:.2f} s here")


if __name__ == "__main__":
    main()

"""What the alert rules add to an authorization: the time of evaluate() per new transaction.

The line: 13 months of demo-generator history up to an hour ago (personas stacked on one line: a heavy user, ~400
rows), limits of 1,000,000 per bucket, a budget of 1.2× its average month with large-charge and
new-merchant alerts on. Only the evaluate() call is timed, never the insert. Per backend:

- steady: a charge is added and evaluated, then rolled back — every sample sees the same,
  realistic month (the authorization's usual case: no rule fires; forecast memo warm);
- sequence: the month actually plays out — N committed charges at the history's own amounts,
  spread over the days so far; thresholds, fraud bursts and forecast reruns happen as they would;
- forecast every charge: steady with the forecast memo off (what the memo saves).

    python -m benchmarks.alerts_overhead [--samples 400] [--charges 150] [--personas gamer,owner,shopper]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from dashboard.alerts.engine import FORECAST_MEMO, evaluate
from dashboard.settings import Settings, load_settings
from data import accounts
from data.budgets import save_budget
from data.db import Store
from data.demo import generate_history
from data.importing.normalize import merchant_key
from data.lines import create_line
from data.migrate import upgrade
from data.models import Line, Transaction
from data.seed import insert_charges
from data.usage import NET_AMOUNT
from data.vocab import month_bounds_utc, months_back, to_kst, usage_month


def build(store: Store, personas: list[str], now: datetime) -> tuple[int, list[tuple[str, str, int]]]:
    """The line id and the (merchant, category, amount) of its past payments, to draw new charges from."""
    month = usage_month(now)
    with store.write() as db:
        user = accounts.create_user(db, f"bench-{uuid.uuid4().hex[:8]}@example.com", "benchmark-password")
        start = month_bounds_utc(months_back(month, 14)[0])[0]
        line = create_line(db, user_id=user.id, carrier="KT", number_masked="010-****-0000",
                           limits={"micropayment": 1_000_000, "content": 1_000_000}, effective_from=start)
        # Several personas on one line: prefix their external ids so they stay unique.
        charges = [replace(c, external_id=f"p{i}-{c.external_id}", cancels=c.cancels and f"p{i}-{c.cancels}")
                   for i, persona in enumerate(personas)
                   for c in generate_history(persona, 7 + i, now - timedelta(hours=1), months=13)]
        rows = insert_charges(db, line.id, charges, source="demo")
        months = months_back(month, 13)[:-1]
        spent = db.scalar(select(func.sum(NET_AMOUNT)).where(Transaction.line_id == line.id,
                                                             Transaction.usage_month.in_(months))) or 0
        budget = max(int(spent / len(months) * 1.2) // 10_000 * 10_000, 10_000)
        save_budget(db, line, amount=budget, thresholds=[50, 80, 100], large_charge=100_000,
                    notify_new_merchant=True, user_id=user.id)
        print(f"  line: {rows} rows over 13 months ({'+'.join(personas)}), budget {budget:,} won")
        pool = [(c.merchant, c.category, c.amount) for c in charges if c.status == "approved"]
        return line.id, pool


def new_charge(line_id: int, pick: tuple[str, str, int], at: datetime, tag: str) -> Transaction:
    merchant, category, amount = pick
    tx = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant_key(merchant), category=category,
                     bucket="micropayment", amount=amount, status="approved", source="api", external_id=tag,
                     refund=False)
    tx.set_time(at)
    return tx


Sample = tuple[float, bool]  # (ms, an alert was raised)


def timed(db, line_id: int, tx: Transaction, now: datetime, settings: Settings) -> Sample:
    line = db.get(Line, line_id)
    db.add(tx)
    db.flush()
    started = time.perf_counter()
    alerts = evaluate(db, line, tx, now, settings)
    return (time.perf_counter() - started) * 1000, bool(alerts)


class Rollback(Exception):
    pass


def steady(store: Store, settings: Settings, line_id: int, pool, samples: int, now: datetime) -> list[Sample]:
    rng = random.Random(1)
    # One committed charge first: the alerts this month's spending already earned exist, as on a real
    # line (otherwise every rolled-back sample would raise them again); the forecast memo warms up.
    with store.write() as db:
        timed(db, line_id, new_charge(line_id, rng.choice(pool), now, f"warm-{uuid.uuid4().hex}"), now, settings)
    out = []
    for i in range(samples):
        try:
            with store.write() as db:
                out.append(timed(db, line_id, new_charge(line_id, rng.choice(pool), now, f"s{i}"), now, settings))
                raise Rollback
        except Rollback:
            pass
    return out


def sequence(store: Store, settings: Settings, line_id: int, pool, charges: int, now: datetime) -> list[Sample]:
    rng = random.Random(2)
    start = month_bounds_utc(usage_month(now))[0]
    moments = sorted(start + (now - start) * rng.random() for _ in range(charges))
    out = []
    for i, at in enumerate(moments):
        with store.write() as db:
            out.append(timed(db, line_id, new_charge(line_id, rng.choice(pool), at, f"q{i}"), now, settings))
    return out[1:]


def report(label: str, samples: list[Sample]) -> None:
    """All samples, then split: no rule fired (the usual authorization) / an alert was written."""
    for part, rows in ((label, samples), ("  no alert", [x for x in samples if not x[1]]),
                       ("  alert raised", [x for x in samples if x[1]])):
        if not rows:
            continue
        ordered = sorted(ms for ms, _ in rows)
        p95 = ordered[math.ceil(len(ordered) * 0.95) - 1]  # nearest rank
        print(f"  {part:<24} median {statistics.median(ordered):6.2f} ms   p95 {p95:6.2f} ms   "
              f"max {ordered[-1]:7.2f} ms   (n={len(ordered)})")


def bench(url: str, name: str, args) -> None:
    print(f"{name}:")
    store = Store(url)
    upgrade(store.engine)
    now = datetime.now(UTC).replace(microsecond=0)
    if to_kst(now).day < 3:  # the forecast rule waits for day 3: measure as if on the 20th
        now = to_kst(now).replace(day=20).astimezone(UTC)
    settings = load_settings({"database_url": url, "instance_path": tempfile.mkdtemp(), "secret_key": "bench",
                              "smtp_host": "127.0.0.1"})
    personas = args.personas.split(",")
    FORECAST_MEMO._items.clear()
    line, pool = build(store, personas, now)
    report("steady (rolled back)", steady(store, settings, line, pool, args.samples, now))
    report("forecast every charge", steady(store, replace(settings, forecast_cache_minutes=-1), line, pool,
                                           args.samples // 4, now - timedelta(seconds=1)))
    report("sequence (committed)", sequence(store, settings, line, pool, args.charges, now))
    store.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--charges", type=int, default=150)
    parser.add_argument("--personas", default="gamer,owner,shopper")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="admin URL; a scratch database is created and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(f"sqlite:///{tmp}/bench.sqlite3", "SQLite (file, WAL)", args)
    try:
        import psycopg

        name = f"mb_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.pg, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # PostgreSQL is optional here
        print(f"PostgreSQL skipped: {exc}")
        return
    try:
        bench(args.pg.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0] + f"/{name}",
              "PostgreSQL", args)
    finally:
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()

"""How fast the transactions page answers for a big line, measured through the Flask test client.

Builds a SQLite store (or with --pg a PostgreSQL database; migrated schema) with 1,000,000
transactions on 10 lines of one demo user (100,000 on the measured line) using one
INSERT … SELECT per line (recursive CTE / generate_series), logs in,
and times the grid's getRows callback (first page, sorted, column-filtered, quick search, a deep
page) and the month options callback. Prints p50/p95 in ms per case: the median over --runs runs
of --repeat requests each.

    python -m benchmarks.transactions_page [--rows 100000] [--lines 10] [--runs 5] [--repeat 20]
                                           [--db /tmp/tx-bench.sqlite3 | --pg]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from data import accounts
from data.db import Store
from data.importing.normalize import merchant_key
from data.lines import create_line
from data.migrate import upgrade

PASSWORD = "benchmark password"
EMAIL = "bench@microbill.kr"
# (merchant, pg, product, category, bucket)
MERCHANTS = [
    ("(주)다날_넥슨", "다날", "넥슨캐시", "game", "micropayment"),
    ("넷마블", "KG모빌리언스", "다이아 100개", "game", "micropayment"),
    ("Google Play", None, "앱 내 구매", "app_store", "content"),
    ("App Store", None, "iCloud+", "app_store", "content"),
    ("원스토어", None, "게임 아이템", "app_store", "content"),
    ("컬쳐랜드", "갤럭시아머니트리", "문화상품권 5만원", "gift_voucher", "micropayment"),
    ("해피머니", "다날", "해피머니 상품권", "gift_voucher", "micropayment"),
    ("티머니", "세틀뱅크", "교통카드 충전", "transport", "micropayment"),
    ("넷플릭스", "페이레터", "월정액", "subscription", "micropayment"),
    ("멜론", "다날", "스트리밍 정기결제", "subscription", "micropayment"),
    ("쿠팡", "NHN KCP", "생활용품", "shopping", "micropayment"),
    ("배달의민족", "KG모빌리언스", "주문", "delivery", "micropayment"),
    ("카카오페이지", "다날", "캐시 충전", "subscription", "micropayment"),
    ("엔씨소프트", "효성FMS", "리니지 다이아", "game", "micropayment"),
    ("무신사", "NHN KCP", "티셔츠", "shopping", "micropayment"),
    ("요기요", "다날", "주문", "delivery", "micropayment"),
    ("웨이브", "페이레터", "베이직 이용권", "subscription", "micropayment"),
    ("스마일게이트", "KG모빌리언스", "로스트아크 크리스탈", "game", "micropayment"),
    ("=HYPERLINK(\"http://x\")", "다날", "수상한 결제", "other", "micropayment"),
    ("<img src=x onerror=alert(1)>", "다날", "수상한 결제", "other", "micropayment"),
]
SPAN_SECONDS = 395 * 86_400  # 13 months of history

SQLITE_INSERT = text("""
INSERT INTO transactions (line_id, occurred_at, usage_month, merchant, merchant_key, pg, product, category,
                          bucket, amount, status, pay_type, source, external_id, refund, created_at)
SELECT :line_id,
       strftime('%Y-%m-%d %H:%M:%S.000000', :t0 + seq.x * :step, 'unixepoch'),
       strftime('%Y-%m', :t0 + seq.x * :step + 32400, 'unixepoch'),
       m.merchant, m.merchant_key, m.pg, m.product, m.category, m.bucket,
       ((seq.x * 7919) % 50 + 1) * 1100,
       CASE WHEN seq.x % 29 = 0 THEN 'cancelled' WHEN seq.x % 31 = 0 THEN 'declined' ELSE 'approved' END,
       CASE WHEN m.category = 'subscription' THEN 'recurring' ELSE 'one_off' END,
       'demo', :prefix || seq.x, 0, :now
FROM (WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < :n - 1) SELECT x FROM s) AS seq
JOIN bench_merchants AS m ON m.id = (seq.x * 13 + seq.x / 7) % :merchants
""")
POSTGRES_INSERT = text("""
INSERT INTO transactions (line_id, occurred_at, usage_month, merchant, merchant_key, pg, product, category,
                          bucket, amount, status, pay_type, source, external_id, refund, created_at)
SELECT :line_id,
       to_timestamp(:t0 + seq.x * :step) AT TIME ZONE 'UTC',
       to_char(to_timestamp(:t0 + seq.x * :step + 32400) AT TIME ZONE 'UTC', 'YYYY-MM'),
       m.merchant, m.merchant_key, m.pg, m.product, m.category, m.bucket,
       ((seq.x * 7919) % 50 + 1) * 1100,
       CASE WHEN seq.x % 29 = 0 THEN 'cancelled' WHEN seq.x % 31 = 0 THEN 'declined' ELSE 'approved' END,
       CASE WHEN m.category = 'subscription' THEN 'recurring' ELSE 'one_off' END,
       'demo', :prefix || seq.x, false, now() AT TIME ZONE 'UTC'
FROM generate_series(0, :n - 1) AS seq(x)
JOIN bench_merchants AS m ON m.id = (seq.x * 13 + seq.x / 7) % :merchants
""")
PG_ADMIN_URL = os.environ.get("MICROBILL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = "mb_tx_bench"


def build_store(url: str, rows_per_line: int, lines: int) -> int:
    """A migrated store with `lines` × `rows_per_line` rows; returns the measured line's id."""
    store = Store(url)
    upgrade(store.engine)
    now = datetime.now(UTC)
    t0 = int(now.timestamp()) - SPAN_SECONDS
    with store.write() as db:
        user = accounts.create_user(db, EMAIL, PASSWORD)
        line_ids = [create_line(db, user_id=user.id, carrier="KT", number_masked=f"010-****-{1000 + i}",
                                nickname=f"회선 {i + 1}", limits={"micropayment": 500_000, "content": 300_000}).id
                    for i in range(lines)]
        db.execute(text("CREATE TEMP TABLE bench_merchants (id INTEGER PRIMARY KEY, merchant TEXT, "
                        "merchant_key TEXT, pg TEXT, product TEXT, category TEXT, bucket TEXT)"))
        db.execute(text("INSERT INTO bench_merchants VALUES (:id, :merchant, :key, :pg, :product, :category, :bucket)"),
                   [{"id": i, "merchant": m, "key": merchant_key(m), "pg": pg, "product": p, "category": c,
                     "bucket": b} for i, (m, pg, p, c, b) in enumerate(MERCHANTS)])
        insert = SQLITE_INSERT if store.is_sqlite else POSTGRES_INSERT
        for line_id in line_ids:
            db.execute(insert, {"line_id": line_id, "t0": t0, "step": SPAN_SECONDS / rows_per_line,
                                "prefix": f"b{line_id}-", "now": now.strftime("%Y-%m-%d %H:%M:%S.000000"),
                                "n": rows_per_line, "merchants": len(MERCHANTS)})
    # PostgreSQL: VACUUM sets the visibility map, as autovacuum would, so counts are index-only.
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if store.is_sqlite else "VACUUM ANALYZE transactions")
    store.dispose()
    return line_ids[0]


def _get_rows_body(line_id: int, start: int = 0, sort: list | None = None, filters: dict | None = None,
                   quick: str = "", month: str | None = None, category: str | None = None) -> dict:
    from callbacks.transactions import GRID_OUTPUTS

    request = {"startRow": start, "endRow": start + 100, "sortModel": sort or [], "filterModel": filters or {}}
    controls = {"tx-month": month, "tx-bucket": None, "tx-status": None, "tx-category": category,
                "tx-search": quick}
    return {
        "output": GRID_OUTPUTS,
        "outputs": {"id": "tx-grid", "property": "getRowsResponse"},
        "inputs": [{"id": "tx-grid", "property": "getRowsRequest", "value": request}],
        "state": [{"id": "line-picker", "property": "value", "value": line_id},
                  *[{"id": k, "property": "value", "value": v} for k, v in controls.items()],
                  {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}],
        "changedPropIds": ["tx-grid.getRowsRequest"],
    }


def _count_body(line_id: int, **kwargs) -> dict:
    """The count label + export links callback: same inputs as getRows, other outputs."""
    body = _get_rows_body(line_id, **kwargs)
    outputs = ("tx-count.children", "tx-export-csv.href", "tx-export-xlsx.href")
    body["output"] = ".." + "...".join(outputs) + ".."
    body["outputs"] = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in outputs]
    return body


def _months_body(line_id: int) -> dict:
    return {
        "output": "..tx-month.options...tx-month.value..",
        "outputs": [{"id": "tx-month", "property": "options"}, {"id": "tx-month", "property": "value"}],
        "inputs": [{"id": "line-picker", "property": "value", "value": line_id}],
        "state": [{"id": "tx-month", "property": "value", "value": None},
                  {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}],
        "changedPropIds": ["line-picker.value"],
    }


def _timed(call: Callable[[], None], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def measure(url: str, folder: Path, line_id: int, runs: int, repeat: int) -> dict[str, tuple[float, float, str]]:
    from dashboard.app import create_app
    from tests.helpers import csrf_header, login

    app = create_app({"database_url": url, "instance_path": str(folder / "instance"),
                      "secret_key": "bench", "env": "testing"})
    client = app.server.test_client()
    login(client, EMAIL, PASSWORD)
    headers = csrf_header(client)
    month = datetime.now(UTC).strftime("%Y-%m")
    cases = {
        "first page": _get_rows_body(line_id),
        "sorted by amount": _get_rows_body(line_id, sort=[{"colId": "amount", "sort": "desc"}]),
        "sorted by merchant": _get_rows_body(line_id, sort=[{"colId": "merchant", "sort": "asc"}]),
        "text filter (merchant contains)": _get_rows_body(
            line_id, filters={"merchant": {"filterType": "text", "type": "contains", "filter": "넥슨"}}),
        "number filter + sort": _get_rows_body(
            line_id, sort=[{"colId": "amount", "sort": "asc"}],
            filters={"amount": {"filterType": "number", "type": "greaterThan", "filter": 30000}}),
        "category filter": _get_rows_body(line_id, category="gift_voucher"),
        "month filter": _get_rows_body(line_id, month=month),
        "quick search '넥슨'": _get_rows_body(line_id, quick="넥슨"),
        "quick search no match": _get_rows_body(line_id, quick="없는가맹점"),
        "deep page (row 50,000)": _get_rows_body(line_id, start=50_000),
        "month options": _months_body(line_id),
        "count: all rows": _count_body(line_id),
        "count: category filter": _count_body(line_id, category="gift_voucher"),
        "count: merchant contains": _count_body(
            line_id, filters={"merchant": {"filterType": "text", "type": "contains", "filter": "넥슨"}}),
        "count: quick search '넥슨'": _count_body(line_id, quick="넥슨"),
    }
    results: dict[str, tuple[float, float, str]] = {}
    for name, body in cases.items():
        def call(body=body) -> None:
            response = client.post("/_dash-update-component", json=body, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)[:300]

        call()  # warm caches and the query plan once
        p50s, p95s = [], []
        for _ in range(runs):
            samples = sorted(_timed(call, repeat))
            p50s.append(statistics.median(samples))
            p95s.append(samples[max(0, round(0.95 * len(samples)) - 1)])
        rows = _row_count(client, body, headers)
        results[name] = (statistics.median(p50s), statistics.median(p95s), rows)
    app.server.extensions["microbill_store"].dispose()
    return results


def _row_count(client, body: dict, headers: dict) -> str:
    """What the case answered: the grid's rowCount ("?" = unknown), the count label or month options."""
    payload = client.post("/_dash-update-component", json=body, headers=headers).get_json()["response"]
    grid = payload.get("tx-grid", {}).get("getRowsResponse")
    if grid is not None:
        return f"{grid['rowCount']:,}" if "rowCount" in grid else f"{len(grid['rowData'])}+?"
    if "tx-count" in payload:
        return str(payload["tx-count"]["children"])
    return f"{len(payload['tx-month']['options']) - 1} months"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows per line")
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", type=Path, help="reuse/keep this SQLite file (built if missing)")
    parser.add_argument("--pg", action="store_true", help=f"PostgreSQL instead (database {PG_BENCH_DB}, dropped after)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="tx-bench-"))
    if args.pg:
        _pg_admin(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{PG_BENCH_DB}"')
        url = PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1).rsplit("/", 1)[0] + "/" + PG_BENCH_DB
        fresh = True
    else:
        db_path = args.db or folder / "bench.sqlite3"
        url, fresh = f"sqlite:///{db_path}", not db_path.exists()
    try:
        if fresh:
            started = time.perf_counter()
            build_store(url, args.rows, args.lines)
            print(f"built {args.rows * args.lines:,} rows ({args.lines} lines) in "
                  f"{time.perf_counter() - started:.1f}s → {url}")
        line_id = 1  # the first line built (build_store fills an empty store)
        results = measure(url, folder, line_id, args.runs, args.repeat)
    finally:
        if args.pg:
            _pg_admin(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)')
        shutil.rmtree(folder, ignore_errors=True)  # --db files live elsewhere and are kept
    print(f"\n{'case':38} {'p50 ms':>8} {'p95 ms':>8} {'answer':>12}")
    for name, (p50, p95, rows) in results.items():
        flag = "" if p95 <= 100 else "  > 100 ms"
        print(f"{name:38} {p50:8.1f} {p95:8.1f} {rows:>12}{flag}")


if __name__ == "__main__":
    main()

"""Profile the charge path in-process (Flask test client, no HTTP server): where one request's CPU goes.

    python benchmarks/profile_charge_path.py [--backend sqlite|postgresql] [--route ingest|authorize|floor]
                                             [--requests 2000] [--top 40] [--sort tottime|cumulative]

Prints ms per request, SQL statements per request (with the statements themselves), and cProfile's top
functions. `floor` is a minimal Flask endpoint on the same store: one indexed SELECT and one INSERT, the
yardstick of issue #17 (an authorization's server CPU ≤ 2.5× the floor's).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.authorize_http import database  # noqa: E402
from benchmarks.floor_app import make_floor  # noqa: E402
from benchmarks.ingest_latency import approval, daytime  # noqa: E402
from benchmarks.ingest_latency import seed as seed_intake  # noqa: E402


def make_app(url: str, instance: str):
    os.environ.setdefault("MICROBILL_INGEST_RATE", "1000000 per minute")
    from dashboard.app import create_app

    return create_app({"database_url": url, "instance_path": instance, "secret_key": "bench-secret",
                       "env": "production"})

BLOCK = 200  # requests per timed block


def requests_for(route: str, line_ids: list[int], tokens: list[str], api_token: str):
    """An endless stream of (path, kwargs) for the test client."""
    at, seq = daytime(), 0
    while True:
        seq += 1
        i = seq % len(line_ids)
        if route == "ingest":
            yield f"/ingest/{tokens[i]}", {"json": {"text": approval(f"프로파일상점{seq}", 12_000, at),
                                                    "sender": "15663355"}}
        elif route == "authorize":
            yield f"/api/v1/lines/{line_ids[i]}/authorizations", {
                "headers": {"Authorization": f"Bearer {api_token}"},
                "json": {"merchant": "넥슨코리아", "pg": "다날", "category": "game", "bucket": "micropayment",
                         "amount": 10, "external_id": f"p-{seq}", "product": "메이플스토리 캐시"}}
        else:
            yield f"/floor/{line_ids[i]}", {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--route", choices=("ingest", "authorize", "floor"), default="ingest")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--plain", action="store_true", help="no profiler: the request's own CPU time")
    parser.add_argument("--dump", help="write the cProfile data here (for pstats / snakeviz)")
    args = parser.parse_args()
    from sqlalchemy import event

    with database(args.backend) as url, tempfile.TemporaryDirectory() as instance:
        line_ids, tokens, api_token = seed_intake(url, args.lines, 0)
        app = make_app(url, instance)
        server = make_floor(url) if args.route == "floor" else app.server
        client = server.test_client(use_cookies=False)  # as the benchmarks' clients: no cookie jar
        stream = requests_for(args.route, line_ids, tokens, api_token)
        for _ in range(50):  # warm-up: imports, pools, statement caches
            path, kwargs = next(stream)
            assert client.post(path, **kwargs).status_code == 201
        statements: Counter[str] = Counter()
        engine = server.extensions["microbill_store"].engine
        event.listen(engine, "before_cursor_execute",
                     lambda conn, cursor, sql, *rest: statements.update([" ".join(sql.split())[:150]]))
        profile = cProfile.Profile()
        if not args.plain:
            profile.enable()
        blocks, started = [], time.perf_counter()
        for _ in range(0, args.requests, BLOCK):
            cpu = time.process_time()
            for _ in range(BLOCK):
                path, kwargs = next(stream)
                response = client.post(path, **kwargs)
                assert response.status_code == 201, (response.status_code, response.get_data(as_text=True)[:300])
            blocks.append((time.process_time() - cpu) / BLOCK * 1000)
        profile.disable()
        done = len(blocks) * BLOCK
        # The least CPU of the blocks: on a shared machine, other processes only ever add to it.
        print(f"{args.route} on {args.backend}: CPU ms/request min {min(blocks):.2f} median "
              f"{statistics.median(blocks):.2f} (profiler {'off' if args.plain else 'on'}; "
              f"{(time.perf_counter() - started) / done * 1000:.2f} ms wall), "
              f"{sum(statements.values()) / done:.1f} SQL statements/request")
        for sql, n in statements.most_common(20):
            print(f"  {n / done:5.2f}×  {sql}")
        if not args.plain:
            stats = pstats.Stats(profile)
            # Calls per request: a figure the machine's other load does not move.
            print(f"{stats.total_calls / done:.0f} Python function calls/request")
            stats.sort_stats(args.sort).print_stats(args.top)
        if args.dump and not args.plain:
            profile.dump_stats(args.dump)
        server.extensions["microbill_store"].dispose()


if __name__ == "__main__":
    main()

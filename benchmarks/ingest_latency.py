"""Message intake over real HTTP (gunicorn, 2 sync workers) with a real local SMTP server (aiosmtpd).

    python benchmarks/ingest_latency.py [--messages 200] [--seconds 10] [--runs 3] [--clients 4] [--workers 2]
                                        [--ratelimit-storage redis://127.0.0.1:6379/15]
                                        [--backend sqlite] [--backend postgresql]

1. Latency: `--messages` forwarded approval texts, one at a time, each over the line's large-charge level so
   each raises an alert whose mail (with its block-now link) goes out after commit; the time from posting the
   message to the mail arriving at the SMTP server. Prints p50/p95 (target p95 ≤ 2 s).
2. Throughput: client processes post approval texts (12,000원, over the small-payment fraud pattern) back to
   back to /ingest/<token>, spread over `--lines` lines so that none sees a burst (no alerts);
   messages/s per run and the median (target ≥ 200/s on 2 cores, clients on the same cores).
   The per-token rate limit counts in the app's default memory:// storage unless --ratelimit-storage names a
   shared one (several workers behind one URL share it in production: docs/ingest.md).
The floor printed beside it: the authorization route under the same set-up (benchmarks/authorize_http.py), the
cheapest write the API has.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.authorize_http import cpu_seconds, database, free_port, gunicorn  # noqa: E402
from benchmarks.authorize_http import one_run as authorize_run  # noqa: E402

WARM_UP = 5


def approval(merchant: str, amount: int, at: datetime | None = None) -> str:
    from data.vocab import KST

    at = at or datetime.now(KST)
    return f"[Web발신]\n[다날] {amount:,}원 결제완료\n{merchant}\n{at:%m/%d %H:%M}"


def daytime() -> datetime:
    """Now, or 23:00 KST yesterday while it is night in Korea (00-06 KST): the throughput's charges must not
    form the fraud rules' night bursts (three on a line within an hour), whatever hour the script runs."""
    from data.vocab import KST

    now = datetime.now(KST)
    return now if now.hour >= 6 else (now - timedelta(days=1)).replace(hour=23, minute=0)


def seed(url: str, lines: int, alert_lines: int) -> tuple[list[int], list[str], str]:
    """One user with `lines` lines, each with an intake token; the first `alert_lines` have a budget whose
    large-charge level is 30,000원 (one latency message each: several on one line at night would be a dawn
    burst, whose one fraud alert stands for the rest)."""
    from data import accounts
    from data.budgets import save_budget
    from data.db import Store
    from data.intake_tokens import issue_token
    from data.lines import create_line
    from data.migrate import upgrade
    from data.tokens import create_token

    store = Store(url)
    upgrade(store.engine)
    with store.write() as db:
        user = accounts.create_user(db, "bench@example.com", "bench-password-123")
        made = [create_line(db, user_id=user.id, carrier="KT", number_masked=f"010-****-{i:04d}",
                            limits={"micropayment": 1_000_000, "content": 1_000_000}) for i in range(lines)]
        tokens = [issue_token(db, line) for line in made]
        db.flush()
        for line in made[:alert_lines]:
            save_budget(db, line, amount=900_000, thresholds=[100], large_charge=30_000, notify_new_merchant=False,
                        user_id=user.id)
        api_token = create_token(db, user.id, "bench")
    store.dispose()
    return [line.id for line in made], tokens, api_token


class Inbox:
    """The local SMTP server's arrivals: merchant named in the mail → arrival time."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.event = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook
        from email import message_from_bytes, policy

        mail = message_from_bytes(envelope.original_content, policy=policy.default)
        text = mail.get_body(preferencelist=("plain",)).get_content()
        for word in text.split():
            if word.startswith("벤치상점"):
                with self.event:
                    self.arrived.setdefault(word.strip(",.()"), time.perf_counter())
                    self.event.notify_all()
        return "250 OK"

    def wait(self, merchant: str, timeout: float = 20) -> float | None:
        with self.event:
            self.event.wait_for(lambda: merchant in self.arrived, timeout)
            return self.arrived.get(merchant)


def post(port: int, path: str, text: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", path, body=json.dumps({"text": text, "sender": "15663355"}).encode(),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


def latency(port: int, tokens: list[str], inbox: Inbox) -> list[float]:
    """Seconds from sending each message (one per line) to its alert mail arriving (a lost mail raises)."""
    waits = []
    for i, token in enumerate(tokens):
        # Letters only: the parser reads a long run of digits after a name as an approval number.
        merchant = "벤치상점" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8])
        started = time.perf_counter()
        status = post(port, f"/ingest/{token}", approval(merchant, 50_000 + i))
        assert status == 201, status
        arrived = inbox.wait(merchant)
        if arrived is None:
            raise RuntimeError(f"no mail for message {i} ({merchant}); arrived: {sorted(inbox.arrived)[-5:]}")
        waits.append(arrived - started)
    return waits


def flood(port: int, tokens: list[str], prefix: str, stop_at: float, out: mp.Queue) -> None:
    sent, errors, seq, at = 0, 0, 0, daytime()
    while time.time() < stop_at:
        seq += 1
        try:
            status = post(port, f"/ingest/{tokens[seq % len(tokens)]}", approval(f"{prefix}상점{seq}", 12_000, at))
            errors += status != 201
        except OSError:
            errors += 1
        sent += 1
    out.put((sent, errors))


def throughput(port: int, tokens: list[str], seconds: float, clients: int, server_pid: int) -> dict:
    out: mp.Queue = mp.Queue()
    stop_at = time.time() + seconds
    run = uuid.uuid4().hex[:4]
    procs = [mp.Process(target=flood, args=(port, tokens[i::clients], f"{run}{i}", stop_at, out))
             for i in range(clients)]
    started, cpu = time.perf_counter(), cpu_seconds(server_pid)
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(server_pid) - cpu
    for proc in procs:
        proc.join()
    sent = sum(s for s, _ in results)
    return {"rate": sent / elapsed, "errors": sum(e for _, e in results), "server_cpu_ms": cpu / sent * 1000}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def bench(backend: str, args) -> dict:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    os.environ.update({"MICROBILL_SMTP_HOST": "127.0.0.1", "MICROBILL_SMTP_PORT": str(smtp.port),
                       "MICROBILL_BASE_URL": "http://microbill.bench", "MICROBILL_INGEST_RATE": "1000000 per minute"})
    try:
        with database(backend) as url:
            alert_lines = args.messages + WARM_UP
            line_ids, tokens, api_token = seed(url, alert_lines + args.lines, alert_lines)
            port = free_port()
            with gunicorn(url, port, args.workers) as server_pid:
                latency(port, tokens[:WARM_UP], inbox)  # warm-up: imports, pools, the SMTP connection
                waits = latency(port, tokens[WARM_UP:alert_lines], inbox)
                print(f"  {backend:10s} message → mail over {len(waits)} messages: p50 {percentile(waits, .5):.3f} s  "
                      f"p95 {percentile(waits, .95):.3f} s  max {max(waits):.3f} s", flush=True)
                runs = []
                for i in range(args.runs):
                    runs.append(throughput(port, tokens[alert_lines:], args.seconds, args.clients, server_pid))
                    print(f"  {backend:10s} throughput run {i + 1}: {runs[-1]['rate']:6.1f} messages/s  "
                          f"server CPU {runs[-1]['server_cpu_ms']:.1f} ms/message  errors {runs[-1]['errors']}  "
                          f"(load {os.getloadavg()[0]:.1f})", flush=True)
                floor = authorize_run(port, line_ids[alert_lines:], api_token, args.seconds, args.clients, server_pid)
                print(f"  {backend:10s} floor (authorizations, same server): {floor['rps']:6.1f} req/s  "
                      f"server CPU {floor['server_cpu_ms']:.1f} ms/req", flush=True)
    finally:
        smtp.stop()
    return {"p50": percentile(waits, .5), "p95": percentile(waits, .95),
            "rate": statistics.median(r["rate"] for r in runs), "floor": floor["rps"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    # Spread as in production, where a line sees a few payments a day: with few lines every line would get
    # several charges a minute, the fraud rules' small-payment and night bursts, and a fraud alert storm.
    parser.add_argument("--lines", type=int, default=4000)
    parser.add_argument("--ratelimit-storage", help="MICROBILL_RATELIMIT_STORAGE_URI for the server")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    args = parser.parse_args()
    if args.ratelimit_storage:
        os.environ["MICROBILL_RATELIMIT_STORAGE_URI"] = args.ratelimit_storage
    print(f"gunicorn {args.workers} workers, {args.clients} client processes, {os.cpu_count()} CPUs, "
          f"rate-limit storage {args.ratelimit_storage or 'memory://'}, load average {os.getloadavg()[0]:.1f}")
    summary = {backend: bench(backend, args) for backend in args.backend or ["sqlite", "postgresql"]}
    print("\nsummary (targets: p95 ≤ 2 s, ≥ 200 messages/s):")
    for backend, r in summary.items():
        print(f"  {backend:10s} message → mail p50 {r['p50']:.3f} s  p95 {r['p95']:.3f} s   "
              f"intake {r['rate']:.0f} messages/s (median)   authorization floor {r['floor']:.0f} req/s")


if __name__ == "__main__":
    main()

"""Concurrency: threads released together by a Barrier, over HTTP, on a SQLite file and on PostgreSQL.

- 32 payments of one bill with the SAME Idempotency-Key → one payment row, one success, 32 identical answers.
- 32 payments of one bill with DIFFERENT keys → exactly one succeeds, the other 31 get 409.
- Concurrent month closes create each bill once.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import func, select

from dashboard.settings import Settings
from data.billing import close_all
from data.models import Bill, Line, Payment, Transaction, User
from data.vocab import KST, month_start
from tests.helpers import PASSWORD, make_line, make_user
from tests.http.test_api_bills import line_in_arrears
from tests.http.test_api_lines import bearer

THREADS = 32


def together(count: int, work) -> list:
    """Run work(i) in `count` threads that all start at the same instant."""
    barrier = threading.Barrier(count)

    def run(i: int):
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _cheap_password(store, user_id: int) -> None:
    """argon2's cost is not what these tests measure: with the default (64 MiB, ~0.2 s on a busy 2-core box)
    32 verifications inside dashboard.web.reauth's read session can exhaust the 15-connection pool."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with store.write() as db:
        db.get(User, user_id).password_hash = cheap.hash(PASSWORD)


def _pay_concurrently(app, store, key_of) -> tuple[list[tuple[int, bytes]], int]:
    uid, line, _old, _last = line_in_arrears(store)
    _cheap_password(store, uid)
    headers = bearer(store, uid)
    client = app.server.test_client()
    bill_id = client.get(f"/api/v1/lines/{line}/bills", headers=headers).get_json()[0]["id"]
    body = {"method": "card", "card_number": "4111111111111111", "password": PASSWORD}

    def attempt(i: int) -> tuple[int, bytes]:
        response = app.server.test_client().post(
            f"/api/v1/bills/{bill_id}/payments", json=body, headers={**headers, "Idempotency-Key": key_of(i)})
        return response.status_code, response.get_data()

    return together(THREADS, attempt), bill_id


def _payments(store, bill_id: int) -> list[Payment]:
    with store.read() as db:
        return list(db.scalars(select(Payment).where(Payment.bill_id == bill_id)))


def test_32_concurrent_payments_with_the_same_key_pay_once_and_answer_identically(app, store):
    answers, bill_id = _pay_concurrently(app, store, lambda _i: "one-key")
    assert len(set(answers)) == 1, Counter(code for code, _ in answers)
    assert answers[0][0] == 201 and b'"succeeded"' in answers[0][1]
    rows = _payments(store, bill_id)
    assert len(rows) == 1 and rows[0].status == "succeeded"
    with store.read() as db:
        assert db.get(Bill, bill_id).status == "paid"


def test_32_concurrent_payments_with_different_keys_pay_once_and_the_rest_get_409(app, store):
    answers, bill_id = _pay_concurrently(app, store, lambda i: f"key-{i}")
    assert Counter(code for code, _ in answers) == {201: 1, 409: THREADS - 1}
    assert [p.status for p in _payments(store, bill_id)] == ["succeeded"]


def test_concurrent_month_closes_create_each_bill_once(store_for_url):
    store = store_for_url
    line_ids = []
    for n in range(4):
        uid = make_user(store, f"user{n}@example.com")
        line_id = make_line(store, uid)
        with store.write() as db:
            db.get(Line, line_id).created_at = month_start("2025-01")
            for month in ("2025-01", "2025-02", "2025-03"):
                row = Transaction(line_id=line_id, merchant="넥슨", bucket="micropayment", amount=10_000 * (n + 1),
                                  status="approved", source="manual", external_id=f"{month}-{n}")
                row.set_time(month_start(month) + timedelta(days=4))
                db.add(row)
        line_ids.append(line_id)
    as_of = month_start("2025-04").replace(day=25).astimezone(KST)
    reports = together(8, lambda _i: close_all(store, as_of, Settings()))
    assert sum(r["created"] for r in reports) == 4 * 3
    assert sum(r["overdue"] for r in reports) == 4 * 3  # Jan and Feb before carry-over, March on Apr 22
    with store.read() as db:
        per_line = dict(db.execute(select(Bill.line_id, func.count()).group_by(Bill.line_id)).all())
        statuses = Counter(db.scalars(select(Bill.status)))
    assert per_line == dict.fromkeys(line_ids, 3)
    assert statuses == {"carried": 8, "overdue": 4}

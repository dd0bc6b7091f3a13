"""Races: many authorizations released at once (threading.Barrier) on SQLite (file) and PostgreSQL.

The limit must hold — never an approval past it — and one external_id must give one row, one answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select

from dashboard.settings import Settings
from data.authorize import AuthorizationRequest, AuthorizationResult, authorize_owned
from data.models import Transaction
from tests.helpers import make_line, make_user
from tests.http.test_api_lines import bearer

RULES = Settings()
LIMIT = 100_000


def together(count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(i) on `count` threads released at the same instant; re-raise the first failure."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors[:3]
    return results


def request(external_id: str, amount: int) -> AuthorizationRequest:
    return AuthorizationRequest(merchant="해피머니", amount=amount, bucket="micropayment", external_id=external_id,
                                pg="다날", category="gift_voucher")


def test_64_concurrent_equal_charges_approve_exactly_what_fits(store_for_url):
    store = store_for_url
    owner = make_user(store)
    line = make_line(store, owner, limits={"micropayment": LIMIT}, effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    amount = 7_000  # 64 × 7,000 = 448,000 > 100,000: floor(100,000 / 7,000) = 14 fit

    results = together(64, lambda i: authorize_owned(store, owner, line, request(f"eq-{i}", amount), RULES))

    approved = [r for r in results if isinstance(r, AuthorizationResult) and r.approved]
    assert len(approved) == LIMIT // amount
    assert all(r.reason == "limit_exceeded" for r in results if not r.approved)
    with store.read() as db:
        assert db.scalar(select(func.count()).where(Transaction.line_id == line)) == 64
        total = db.scalar(select(func.sum(Transaction.amount)).where(Transaction.status == "approved"))
    assert total == len(approved) * amount <= LIMIT


def test_64_concurrent_mixed_charges_never_pass_the_limit(store_for_url):
    store = store_for_url
    owner = make_user(store)
    line = make_line(store, owner, limits={"micropayment": LIMIT}, effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    amounts = [1_000 * (1 + i % 9) for i in range(64)]  # 1,000 … 9,000 won, 320,000 in all

    results = together(64, lambda i: authorize_owned(store, owner, line, request(f"mix-{i}", amounts[i]), RULES))

    approved_sum = sum(amounts[i] for i, r in enumerate(results) if r.approved)
    assert approved_sum <= LIMIT
    # Each decline means its amount no longer fitted, so less than the largest amount is left unused:
    # serialised decisions, not spurious declines.
    assert approved_sum > LIMIT - max(amounts)


def test_16_concurrent_requests_with_one_external_id_make_one_row(store_for_url):
    store = store_for_url
    owner = make_user(store)
    line = make_line(store, owner, limits={"micropayment": LIMIT})

    results = together(16, lambda _i: authorize_owned(store, owner, line, request("same-id", 5_000), RULES))

    assert len({(r.transaction_id, r.approved, r.reason) for r in results}) == 1
    assert sum(r.created for r in results) == 1
    with store.read() as db:
        assert db.scalar(select(func.count()).where(Transaction.line_id == line)) == 1


def test_16_concurrent_http_retries_give_one_answer(app, store):
    """The same through the REST route: one 201, fifteen 200 with the identical body."""
    owner = make_user(store)
    line = make_line(store, owner, limits={"micropayment": LIMIT})
    headers = bearer(store, owner)
    body = {"merchant": "티머니", "amount": 10_000, "bucket": "micropayment", "external_id": "http-same"}

    def post(_i: int):
        response = app.server.test_client().post(f"/api/v1/lines/{line}/authorizations", json=body, headers=headers)
        return response.status_code, response.get_json()

    results = together(16, post)

    assert sorted(status for status, _ in results) == [200] * 15 + [201]
    assert len({str(answer) for _, answer in results}) == 1
    with store.read() as db:
        assert db.scalar(select(func.count()).where(Transaction.line_id == line)) == 1

"""The message corpus (tests/data/messages/corpus.json) through both intake routes, on SQLite and PostgreSQL:
kind, amount, merchant and time of every message, and nothing stored for the non-payment ones."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from data.models import InboundMessage, Transaction
from data.vocab import KST
from tests.helpers import make_line
from tests.http.test_api_lines import bearer
from tests.http.test_message_intake import CORPUS, check_answer, counts, intake_url, owner, post_api  # noqa: F401


@pytest.fixture
def app(database_url, tmp_path):
    """The suite's app with room for the whole corpus in a minute (the default is 30 per token)."""
    from dashboard.app import create_app

    dash_app = create_app({"database_url": database_url, "instance_path": str(tmp_path / "instance"),
                           "secret_key": "test-secret-key", "env": "testing", "ingest_rate": "1000 per minute"})
    yield dash_app
    dash_app.server.extensions["microbill_store"].dispose()


@pytest.fixture
def clock_at() -> datetime:
    """After the corpus's last message (received 2027-01-01): none of them is in the future."""
    return datetime(2027, 1, 2, 12, 0, tzinfo=KST)


def test_every_corpus_message_through_the_api_and_the_intake_url(client, store, owner):  # noqa: F811
    uid, line = owner
    headers = bearer(store, uid)
    url = intake_url(store, line)
    other_line = make_line(store, uid, number="010-****-9999")
    other_url = intake_url(store, other_line)
    for item in CORPUS:
        for route in ("api", "ingest"):
            body = {"text": item["text"], "sender": item["sender"], "received_at": item["received_at"]}
            if route == "api":
                response = client.post(f"/api/v1/lines/{line}/messages", json=body, headers=headers)
            else:
                response = client.post(other_url, json=body)
            assert response.status_code == 201, (item["id"], response.get_json())
            check_answer(response.get_json(), item["expect"])
    with store.read() as db:
        for target in (line, other_line):
            stored = db.scalars(select(Transaction).where(Transaction.line_id == target,
                                                          Transaction.cancels_id.is_(None))).all()
            # Only charge messages add payments (a message equal to another within the duplicate window is one).
            assert 0 < len(stored) <= sum(1 for i in CORPUS if i["expect"]["kind"] == "charge")
            assert all(tx.source == "message" for tx in stored)
        logged = db.scalar(select(func.count(InboundMessage.id)))
    assert logged == 2 * len(CORPUS)  # every message is kept with its outcome
    assert url  # the first line's URL exists and was not used


def test_non_payment_messages_store_nothing(client, store, owner):  # noqa: F811
    uid, line = owner
    headers = bearer(store, uid)
    for item in CORPUS:
        if item["expect"]["kind"] in ("ignored", "auth_code", "subscription_notice", "unrecognised"):
            response = post_api(client, line, headers, item["text"], item["sender"], item["received_at"])
            assert response.status_code == 201 and response.get_json()["transaction_id"] is None, item["id"]
    assert counts(store)[0] == 0

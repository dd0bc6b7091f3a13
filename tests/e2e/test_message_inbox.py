"""The inbox in a real browser: a text in a format the parser does not know waits on /import; the user marks
its amount and merchant once; the same sender's next text (other amount, merchant and time) is read by itself."""

from __future__ import annotations

from sqlalchemy import select

from data.models import InboundMessage, Transaction
from tests.e2e.pages import axe_violations, browser_login
from tests.e2e.test_import import click
from tests.helpers import make_line, make_user
from tests.http.test_api_lines import bearer

SENDER = "0269001234"  # a small PG's own number: no built-in rule knows its texts
FIRST = "[Web발신]\n★마이페이★ 고객님 10월 이용 요청 처리: 가맹 [하늘게임즈] 청구액 8,800 (11.18 13:05)"
NEXT = "[Web발신]\n★마이페이★ 고객님 10월 이용 요청 처리: 가맹 [별빛웹툰] 청구액 23,000 (11.18 13:40)"


def post(client, line, headers, text):
    response = client.post(f"/api/v1/lines/{line}/messages", json={"text": text, "sender": SENDER}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_teach_one_unknown_text_and_the_next_is_read(dash_duo, app, store):
    uid = make_user(store)
    line = make_line(store, uid, nickname="내 폰")
    client, headers = app.server.test_client(), bearer(store, uid)
    assert post(client, line, headers, FIRST)["kind"] == "unrecognised"
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, "owner@example.com")
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/import")
    dash_duo.wait_for_contains_text("#inbox-items", "하늘게임즈", timeout=20)
    amount = dash_duo.find_element("#inbox-items input[inputmode=numeric]")
    assert amount.get_attribute("value") == "8,800"  # guessed from the text, as it is shown there
    merchant = dash_duo.find_elements("#inbox-items input")[1]
    merchant.send_keys("하늘게임즈")
    assert not axe_violations(dash_duo, "#inbox-card")
    click(dash_duo, "#inbox-items button.btn-primary")
    dash_duo.wait_for_contains_text("#inbox-status", "8,800원", timeout=20)
    dash_duo.wait_for_contains_text("#inbox-items", "읽지 못한 문자가 없습니다", timeout=20)
    with store.read() as db:
        taught = db.scalar(select(Transaction).where(Transaction.line_id == line))
        assert (taught.merchant, taught.amount, taught.source) == ("하늘게임즈", 8_800, "message")
    answer = post(client, line, headers, NEXT)
    assert (answer["kind"], answer["amount"], answer["merchant"]) == ("charge", 23_000, "별빛웹툰")
    with store.read() as db:
        assert db.scalars(select(InboundMessage.outcome).order_by(InboundMessage.id)).all() == ["learned", "stored"]

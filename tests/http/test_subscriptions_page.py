"""/subscriptions through /_dash-update-component: the owner's subscriptions with how to cancel them and this
month's calendar, nothing for anyone else, and the marks ("해지했어요", "구독 아니에요", "되돌리기") kept per
owned line — a subscription marked cancelled leaves the forecast."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from dashboard.context import settings
from dashboard.services.forecast import page_forecast
from data.forecast_input import excluded_merchants
from data.models import AuditLog, Line, Transaction
from data.subscriptions import marks
from data.vocab import kst_today, month_start, months_back
from tests.helpers import csrf_header, dash_update, login, make_line, make_user

BODY = "subscriptions-body.children"
MARK = "..subscriptions-feedback.children...subscriptions-refresh.data.."
MELON = "<b>멜론</b> 스트리밍"  # markup in a merchant name is text, never HTML


def _this_month() -> str:
    return kst_today().strftime("%Y-%m")


def _charge(db, line_id: int, month: str, day: int, amount: int, merchant: str, pg: str | None) -> None:
    row = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant, pg=pg, category="subscription",
                      bucket="micropayment" if pg else "content", amount=amount, status="approved",
                      source="api", external_id=f"{merchant}-{month}-{day}", refund=False)
    row.set_time(month_start(month) + timedelta(days=day - 1, minutes=5))  # 00:05 KST: before "now" on any day
    db.add(row)


@pytest.fixture
def owner_line(client, store) -> int:
    line = make_line(store, make_user(store), carrier="SKT")
    with store.write() as db:
        for month in months_back(_this_month(), 6)[:-1]:
            _charge(db, line, month, 28, 10_900, MELON, "(주)다날")
            _charge(db, line, month, 1, 10_450, "구글플레이", None)
    return line


def _body(client, line_id, lang: str = "ko") -> str:
    inputs = [{"id": "line-picker", "property": "value", "value": line_id},
              {"id": "prefs", "property": "data", "value": {"lang": lang, "theme": "light"}},
              {"id": "subscriptions-refresh", "property": "data", "value": 0}]
    response = dash_update(client, BODY, inputs, headers=csrf_header(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.dumps(response.get_json()["response"], ensure_ascii=False)


def _mark(client, line_id, merchant: object, mark: str):
    button = {"mark": mark, "merchant": merchant, "type": "subscription-mark"}
    key = json.dumps(button, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    body = {"output": MARK, "outputs": [{"id": "subscriptions-feedback", "property": "children"},
                                        {"id": "subscriptions-refresh", "property": "data"}],
            "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
            "state": [{"id": "line-picker", "property": "value", "value": line_id},
                      {"id": "subscriptions-refresh", "property": "data", "value": 0},
                      {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}],
            "changedPropIds": [f"{key}.n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


@pytest.mark.month_edges
def test_owner_sees_each_subscription_with_how_to_cancel_it_and_the_month_s_calendar(client, owner_line):
    login(client)
    text = _body(client, owner_line)
    assert MELON in text and "매달" in text and "월 10,900원" in text and "월 10,450원" in text
    assert "연간 비용" in text and "130,800원" in text  # 12 × 10,900
    assert "결제대행사 고객센터:" in text and "(주)다날" in text and "1566-3355" in text  # from its descriptor
    assert "Google Play 스토어 앱" in text  # a content charge is cancelled in the app store
    assert "휴대폰에서 114(무료)" in text and "다음 달부터" in text  # the carrier (SKT) as the last resort
    assert "결제 달력" in text and "예정" in text  # the 28th's renewal is still ahead (the 1st's made or due)
    english = _body(client, owner_line, "en")
    assert "Monthly" in english and "How to cancel" in english and "Charges in" in english


def test_another_users_line_shows_nothing(client, store, owner_line):
    make_user(store, "other@example.com")
    login(client, "other@example.com")
    text = _body(client, owner_line)
    assert MELON not in text and "구글플레이" not in text
    assert _mark(client, owner_line, "구글플레이", "cancelled").status_code == 204  # PreventUpdate: nothing kept
    with store.read() as db:
        assert marks(db, owner_line) == {}


def test_marking_cancelled_leaves_the_forecast_and_not_a_subscription_hides_it(client, store, app, owner_line):
    login(client)
    response = _mark(client, owner_line, MELON, "cancelled")
    assert response.status_code == 200 and "표시했어요" in response.get_data(as_text=True)
    with store.read() as db:
        assert excluded_merchants(db, owner_line) == [MELON]
        assert db.query(AuditLog).filter_by(action="forecast.exclude_recurring").count() == 1
    assert "해지함" in _body(client, owner_line)
    with store.read() as db:
        owner = db.get(Line, owner_line).user_id
    with app.server.app_context():
        forecast = page_forecast(store, settings(), owner, owner_line)
    assert MELON in forecast["excluded_recurring"]
    assert MELON not in {item["merchant"] for item in forecast["upcoming_recurring"]}

    assert "이미 그렇게" in _mark(client, owner_line, MELON, "cancelled").get_data(as_text=True)
    _mark(client, owner_line, "구글플레이", "not_subscription")
    text = _body(client, owner_line)
    assert "구독이 아니라고 표시한 가맹점" in text and "월 10,450원" not in text
    _mark(client, owner_line, "구글플레이", "none")  # undo
    with store.read() as db:
        assert marks(db, owner_line) == {MELON: "cancelled"}


def test_a_mark_that_is_not_one_is_refused(client, store, owner_line):
    login(client)
    response = _mark(client, owner_line, MELON, "deleted")
    assert response.status_code == 200 and "표시할 수 없는 항목" in response.get_data(as_text=True)
    assert "표시할 수 없는 항목" in _mark(client, owner_line, "x" * 201, "cancelled").get_data(as_text=True)
    with store.read() as db:
        assert marks(db, owner_line) == {}

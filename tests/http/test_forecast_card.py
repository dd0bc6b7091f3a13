"""The overview's forecast card and the burn-up fan through /_dash-update-component: the owner's
forecast, nothing for anyone else, and the "해지했어요" / "다시 포함" toggles kept per owned line."""

from __future__ import annotations

import json

import pytest

from data.forecast_input import excluded_merchants
from data.importing.normalize import merchant_key
from data.models import AuditLog, Transaction
from data.vocab import kst_today, month_start, months_back
from tests.helpers import csrf_header, dash_update, login, make_line, make_user

CARD = "forecast-card.children"
PACE = "..burnup-chart.figure...compare-chart.figure...overview-compare.children.."


def this_month() -> str:
    """Read when called: the test's clock (tests/conftest.py) is set only while the test runs."""
    return kst_today().strftime("%Y-%m")

SUBSCRIPTION = "<b>웹툰</b> 정기결제"


def _spend(store, line_id: int, month: str, day: int, amount: int, merchant: str = "넥슨코리아") -> None:
    with store.write() as db:
        row = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant_key(merchant), pg="다날",
                          category="game", bucket="micropayment", amount=amount, status="approved",
                          source="manual", external_id=f"{month}-{day}-{amount}-{merchant}")
        row.set_time(month_start(month).replace(day=day, minute=1))  # 00:01 KST: before "now" on any day
        db.add(row)


def _prefs(lang: str = "ko", theme: str = "light") -> dict:
    return {"id": "prefs", "property": "data", "value": {"lang": lang, "theme": theme}}


def _card(client, line_id, lang: str = "ko") -> str:
    inputs = [{"id": "line-picker", "property": "value", "value": line_id}, _prefs(lang),
              {"id": "forecast-refresh", "property": "data", "value": 0},
              {"id": "line-status-version", "property": "data", "value": 0}]
    response = dash_update(client, CARD, inputs, headers=csrf_header(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.dumps(response.get_json()["response"], ensure_ascii=False)


def _burnup(client, line_id) -> dict:
    inputs = [{"id": "line-picker", "property": "value", "value": line_id},
              {"id": "overview-month", "property": "value", "value": this_month()}, _prefs()]
    response = dash_update(client, PACE, inputs, headers=csrf_header(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]["burnup-chart"]["figure"]


def _toggle(client, line_id, kind: str, merchant):
    """A click on one pattern-matching button, the way the renderer reports it."""
    button = {"merchant": merchant, "type": kind}
    key = json.dumps(button, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    ex = [{"id": button, "property": "n_clicks", "value": 1}] if kind == "recurring-exclude" else []
    inc = [{"id": button, "property": "n_clicks", "value": 1}] if kind == "recurring-include" else []
    body = {"output": "forecast-refresh.data", "outputs": {"id": "forecast-refresh", "property": "data"},
            "inputs": [ex, inc],
            "state": [{"id": "line-picker", "property": "value", "value": line_id},
                      {"id": "forecast-refresh", "property": "data", "value": 0}],
            "changedPropIds": [f"{key}.n_clicks"]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


@pytest.fixture
def owner_line(client, store) -> int:
    line = make_line(store, make_user(store), limits={"micropayment": 50_000, "content": 10_000})
    for month in months_back(this_month(), 4)[:-1]:
        _spend(store, line, month, 1, 9_900, SUBSCRIPTION)
        _spend(store, line, month, 3, 15_000)
    _spend(store, line, this_month(), 1, 12_000)
    return line


@pytest.mark.month_edges
def test_owner_sees_the_next_bill_with_range_due_date_and_limit_sentence(client, owner_line):
    login(client)
    text = _card(client, owner_line)
    assert "다음 달 청구 예상" in text and "80% 예측 범위" in text and "납부일" in text
    assert "지금까지 12,000원" in text
    # One of the plain sentences about the 60,000원 limit is always there.
    assert any(s in text for s in ("한도에 도달", "가능성이", "한도 안에서 끝날"))
    english = _card(client, owner_line, "en")
    assert "Next bill forecast" in english and "80% prediction range" in english


@pytest.mark.month_edges
def test_spending_past_the_limit_says_so_in_one_sentence(client, store, owner_line):
    _spend(store, owner_line, this_month(), 1, 50_000, "상품권샵")
    login(client)
    assert "1일에 이미 한도에 도달했어요" in _card(client, owner_line)


@pytest.mark.month_edges
def test_burnup_of_this_month_carries_the_forecast_fan(client, owner_line):
    login(client)
    traces = {t["name"]: t for t in _burnup(client, owner_line)["data"]}
    fan, path = traces["예상 범위 (80%)"], traces["예상"]
    low = traces["예상 하한"]
    days = len(traces["소액결제"]["x"]) - 1
    assert fan["x"][0] == days and path["y"][0] == 12_000
    assert low["y"][1] <= path["y"][1] <= fan["y"][1]
    assert path["y"][1] >= 12_000 and fan["fill"] == "tonexty"


def test_marking_a_subscription_cancelled_and_including_it_again(client, store, owner_line):
    login(client)
    response = _toggle(client, owner_line, "recurring-exclude", SUBSCRIPTION)
    assert response.status_code == 200, response.get_data(as_text=True)
    with store.read() as db:
        assert excluded_merchants(db, owner_line) == [SUBSCRIPTION]
        assert db.query(AuditLog).filter_by(action="forecast.exclude_recurring").count() == 1
    text = _card(client, owner_line)
    assert "해지 표시한 정기결제" in text and SUBSCRIPTION in text and "다시 포함" in text
    assert _toggle(client, owner_line, "recurring-include", SUBSCRIPTION).status_code == 200
    with store.read() as db:
        assert excluded_merchants(db, owner_line) == []
    assert "해지 표시한 정기결제" not in _card(client, owner_line)


def test_other_user_gets_no_forecast_and_cannot_toggle(client, store, owner_line):
    make_user(store, "other@example.com")
    login(client, "other@example.com")
    for probe in (owner_line, str(owner_line), None, "1 OR 1=1", [owner_line]):
        text = _card(client, probe)
        assert "청구 예상" not in text and "12,000" not in text
        response = _toggle(client, probe, "recurring-exclude", SUBSCRIPTION)
        assert response.status_code == 204  # PreventUpdate: nothing changed
    with store.read() as db:
        assert excluded_merchants(db, owner_line) == []


def test_toggle_ignores_renders_and_odd_merchant_values(client, store, owner_line):
    login(client)
    for merchant in ("", "x" * 201, 5, None):
        assert _toggle(client, owner_line, "recurring-exclude", merchant).status_code == 204
    with store.read() as db:
        assert excluded_merchants(db, owner_line) == []


def test_a_new_charge_shows_in_the_card_at_once(client, store, owner_line):
    login(client)
    assert "지금까지 12,000원" in _card(client, owner_line)
    _spend(store, owner_line, this_month(), 1, 3_000, "카카오톡 선물하기")
    assert "지금까지 15,000원" in _card(client, owner_line)


def test_a_very_heavy_line_reads_fewer_months(store, owner_line):
    from datetime import UTC, datetime

    from data.forecast_input import HISTORY_MONTHS, MIN_MONTHS, history_months

    with store.read() as db:
        now = datetime.now(UTC)
        assert history_months(db, owner_line, now) == HISTORY_MONTHS
        assert history_months(db, owner_line, now, max_rows=1) == MIN_MONTHS

"""The overview's month-detail callbacks through /_dash-update-component: data for the owner, nothing
for anyone else, untrusted month values and merchant names handled."""

from __future__ import annotations

import json

import pytest

from data.importing.normalize import merchant_key
from data.models import Transaction
from data.vocab import kst_today, month_start, previous_month
from tests.helpers import csrf_header, dash_update, login, make_line, make_user

PACE = "..burnup-chart.figure...compare-chart.figure...overview-compare.children.."
SINGLE = {"category-chart": "category-chart.figure", "merchant-chart": "merchant-chart.figure",
          "heatmap-chart": "heatmap-chart.figure"}
FIGURES = ("burnup-chart", "compare-chart", *SINGLE)
XSS = "<img src=x onerror=alert(1)>"


def this_month() -> str:
    """Read when called: the test's clock (tests/conftest.py) is set only while the test runs."""
    return kst_today().strftime("%Y-%m")



def last_month() -> str:
    return previous_month(this_month())



def _spend(store, line_id: int, month: str, day: int, amount: int, merchant: str = "넥슨코리아", **extra) -> None:
    moment = month_start(month).replace(day=day, hour=0, minute=30)
    with store.write() as db:
        row = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant_key(merchant), pg="다날",
                          category=extra.pop("category", "game"), bucket="micropayment", amount=amount,
                          status="approved", source="manual", external_id=f"{month}-{day}-{amount}-{merchant}")
        row.set_time(moment)
        db.add(row)


def _call(client, line_id, month=None, lang="ko", theme="light") -> dict:
    """Every month-detail callback for (line, month: this month by default); {output id: value}."""
    month = month or this_month()
    inputs = [{"id": "line-picker", "property": "value", "value": line_id},
              {"id": "overview-month", "property": "value", "value": month},
              {"id": "prefs", "property": "data", "value": {"lang": lang, "theme": theme}}]
    result = {}
    for output in (PACE, *SINGLE.values()):
        response = dash_update(client, output, inputs, headers=csrf_header(client))
        assert response.status_code == 200, response.get_data(as_text=True)
        result.update({key: next(iter(value.values())) for key, value in response.get_json()["response"].items()})
    return result


@pytest.fixture
def owner_line(client, store) -> int:
    line = make_line(store, make_user(store))
    _spend(store, line, this_month(), 1, 20_000)
    _spend(store, line, last_month(), 1, 10_000, merchant="(주)다날_넥슨")
    _spend(store, line, this_month(), 1, 99_000, merchant=XSS, category="gift_voucher")
    return line


@pytest.mark.month_edges
def test_owner_gets_every_figure_with_data(client, owner_line):
    login(client)
    result = _call(client, owner_line)
    for graph in FIGURES:
        assert result[graph]["data"], graph
        assert result[graph]["layout"]["title"]["text"], graph
    burn = {t["name"]: t for t in result["burnup-chart"]["data"]}
    assert burn["소액결제"]["y"][-1] == 119_000 and burn["한도"]["y"] == [500_000, 500_000]
    assert burn["균등 페이스"]["y"] == [0, 500_000]
    category = result["category-chart"]["data"][0]
    assert category["y"] == ["상품권", "게임"] and category["x"] == [99_000, 20_000]
    text = json.dumps(result["overview-compare"], ensure_ascii=False)
    assert "지난달 같은 기간보다 1,090% 많아요" in text  # 119,000 vs 10,000
    assert "119,000원" in text


def test_merchant_names_reach_the_figures_escaped(client, owner_line):
    login(client)
    figure = _call(client, owner_line)["merchant-chart"]
    raw = json.dumps(figure, ensure_ascii=False)
    assert "<img" not in raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in raw  # whole in the hover data
    assert figure["layout"]["yaxis"]["ticktext"][0].startswith("&lt;img src=x o")
    assert "넥슨코리아" in raw and "다날" in raw


def test_the_month_picker_changes_the_figures_and_rejects_other_values(client, owner_line):
    login(client)
    last = _call(client, owner_line, last_month())
    days = (month_start(this_month()) - month_start(last_month())).days
    assert last["burnup-chart"]["data"][0]["x"][-1] == days
    assert "(주)다날_넥슨" in json.dumps(last["merchant-chart"], ensure_ascii=False)
    assert XSS not in json.dumps(last, ensure_ascii=False)
    # Anything that is not one of the offered months means the current month, never an error.
    current = _call(client, owner_line)
    for probe in ("2001-01", "2026-13", "' OR 1=1 --", None, 202611, ["2026-11"]):
        assert _call(client, owner_line, probe) == current


def test_english_and_dark_mode(client, owner_line):
    login(client)
    result = _call(client, owner_line, lang="en", theme="dark")
    assert result["burnup-chart"]["layout"]["title"]["text"] == "Running total vs limit"
    assert {t["name"] for t in result["burnup-chart"]["data"]} >= {"Micropayments", "Limit", "Even pace"}
    assert result["category-chart"]["data"][0]["y"] == ["Gift vouchers", "Games"]
    assert result["heatmap-chart"]["layout"]["font"]["color"] == "#dee2e6"
    assert "more than the same days last month" in json.dumps(result["overview-compare"])


def test_a_month_without_history_gets_titled_empty_figures(client, store):
    line = make_line(store, make_user(store))
    login(client)
    result = _call(client, line)
    for graph in FIGURES:
        assert result[graph]["data"] == []
        assert result[graph]["layout"]["annotations"][0]["text"] == "이 달에는 사용 내역이 없어요"
    assert "비교할 이전 기록이 아직 없어요" in json.dumps(result["overview-compare"], ensure_ascii=False)


def test_other_user_gets_nothing_for_a_foreign_line(client, store, owner_line):
    make_user(store, "other@example.com")
    login(client, "other@example.com")
    for probe in (owner_line, str(owner_line), None, "1 OR 1=1", 999_999, [owner_line]):
        result = _call(client, probe)
        for graph in FIGURES:
            assert result[graph] == {"data": [], "layout": {}}
        assert result["overview-compare"] is None
        text = json.dumps(result, ensure_ascii=False)
        assert "넥슨" not in text and "99,000" not in text and "99000" not in text


def test_logged_out_callers_are_refused(client, owner_line):
    client.get("/login")  # sets the CSRF cookie without logging in
    inputs = [{"id": "line-picker", "property": "value", "value": owner_line},
              {"id": "overview-month", "property": "value", "value": this_month()},
              {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}]
    response = dash_update(client, SINGLE["merchant-chart"], inputs, headers=csrf_header(client))
    assert response.status_code in (401, 403)
    assert "넥슨" not in response.get_data(as_text=True)


@pytest.mark.month_edges
def test_kst_month_is_used_for_this_month(client, store):
    """A charge at 00:30 KST on the 1st is this month's even though it is still last month in UTC."""
    line = make_line(store, make_user(store))
    _spend(store, line, this_month(), 1, 4_400)
    login(client)
    burn = _call(client, line)["burnup-chart"]["data"][0]
    assert burn["y"][1] == 4_400 and burn["y"][0] == 0

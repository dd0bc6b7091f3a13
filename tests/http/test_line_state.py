"""The line-state banners above every page of a line, through /_dash-update-component as the browser asks:
blocked (with unblock for those who may), overdue (pay for the owner, see bills for the others), a month
forecast to pass its budget; nothing for a calm line, for someone else's line or on pages about no one line.
And the overview's meters and forecast sentence tell the truth on a blocked line."""

from __future__ import annotations

import json

import pytest

from dashboard.services import budgets as budget_service
from dashboard.services import lines as lines_service
from data.models import LineMember
from data.vocab import kst_today, month_start
from tests.helpers import add_charge, csrf_header, dash_update, login, make_line, make_user
from tests.http.test_api_bills import line_in_arrears
from tests.http.test_api_lines import bearer

BANNER = "line-state-banner.children"


def _prefs(lang: str = "ko") -> dict:
    return {"id": "prefs", "property": "data", "value": {"lang": lang, "theme": "light"}}


def banner(client, line_id, path: str = "/", lang: str = "ko") -> str:
    inputs = [{"id": "line-picker", "property": "value", "value": line_id},
              {"id": "url", "property": "pathname", "value": path},
              {"id": "line-status-version", "property": "data", "value": 0}, _prefs(lang)]
    response = dash_update(client, BANNER, inputs, headers=csrf_header(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.dumps(response.get_json()["response"], ensure_ascii=False)


def _output(client, output: str, inputs: list[dict]) -> str:
    response = dash_update(client, output, inputs, headers=csrf_header(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.dumps(response.get_json()["response"], ensure_ascii=False)


def _spend(store, line_id: int, amount: int, day: int = 1) -> None:
    at = month_start(kst_today().strftime("%Y-%m")).replace(day=day, minute=1)
    add_charge(store, line_id, amount, at, f"s-{amount}-{day}")


def _member(store, line_id: int, email: str, role: str) -> int:
    uid = make_user(store, email)
    with store.write() as db:
        db.add(LineMember(line_id=line_id, user_id=uid, role=role))
    return uid


def _settings(app):
    return app.server.config["MICROBILL"]


def test_a_calm_line_shows_no_banner(client, store):
    uid = make_user(store)
    line = make_line(store, uid)
    login(client)
    assert banner(client, line) == '{"line-state-banner": {"children": []}}'


def test_a_blocked_line_says_so_first_with_unblock_and_the_overview_agrees(client, store, app):
    uid = make_user(store)
    line = make_line(store, uid)
    _spend(store, line, 40_500)
    lines_service.block_line(store, uid, line)
    login(client)
    shown = banner(client, line)
    assert "이 회선은 차단되어 있어요" in shown and '"href": "/limits"' in shown and "차단 해제" in shown
    assert "차단 해제" not in banner(client, line, path="/limits")  # that page is the action itself
    assert "차단되어" in banner(client, line, path="/bills")  # every page of the line
    assert "This line is blocked" in banner(client, line, lang="en")
    meters = _output(client, "..overview-usage.children...monthly-chart.figure..",
                     [{"id": "line-picker", "property": "value", "value": line}, _prefs(),
                      {"id": "line-status-version", "property": "data", "value": 1}])
    assert "차단 중 · 결제 불가" in meters and "남은 한도" not in meters
    card = _output(client, "forecast-card.children",
                   [{"id": "line-picker", "property": "value", "value": line}, _prefs(),
                    {"id": "forecast-refresh", "property": "data", "value": 0},
                    {"id": "line-status-version", "property": "data", "value": 1}])
    assert "차단된 회선이라" in card and "한도 안에서 끝날" not in card


def test_a_viewer_of_a_blocked_line_is_told_who_can_unblock(client, store):
    owner = make_user(store)
    line = make_line(store, owner)
    _member(store, line, "viewer@example.com", "viewer")
    lines_service.block_line(store, owner, line)
    login(client, "viewer@example.com")
    shown = banner(client, line)
    assert "차단되어 있어요" in shown and "회선 주인이나 보호자" in shown and "/limits" not in shown


@pytest.mark.month_edges
def test_an_overdue_bill_is_said_with_its_amount_and_pay_for_the_owner_only(client, store, app):
    uid, line, _old, last = line_in_arrears(store)
    client.get(f"/api/v1/lines/{line}/bills", headers=bearer(store, uid))  # closes the months: overdue now
    _member(store, line, "guardian@example.com", "guardian")
    login(client)
    shown = banner(client, line, path="/")
    year, month = (int(part) for part in last.split("-"))  # the old bill is carried into last month's
    assert "미납 10,200원" in shown and f"{year}년 {month}월 이용분" in shown and "300,000원 이하" in shown
    assert "납부하기" in shown and '"href": "/bills"' in shown
    client.post("/logout", headers=csrf_header(client))
    login(client, "guardian@example.com")
    guardian = banner(client, line)
    assert "미납 10,200원" in guardian and "청구서 보기" in guardian and "납부하기" not in guardian


def test_a_forecast_over_the_budget_is_shown_with_the_budget_page(client, store, app):
    uid = make_user(store)
    line = make_line(store, uid)
    for day in range(1, kst_today().day + 1):
        _spend(store, line, 9_000, day)
    with app.server.app_context():
        budget_service.set_budget(store, _settings(app), uid, line, amount=20_000, thresholds=[50, 80, 100],
                                  large_charge=None, notify_new_merchant=False)
    login(client)
    shown = banner(client, line)
    assert "예산 초과 예상" in shown and "예산 20,000원" in shown and '"href": "/budget"' in shown


def test_someone_elses_line_and_pages_about_no_line_show_nothing(client, store):
    owner = make_user(store)
    line = make_line(store, owner)
    lines_service.block_line(store, owner, line)
    make_user(store, "other@example.com")
    login(client, "other@example.com")
    assert banner(client, line) == '{"line-state-banner": {"children": []}}'
    assert banner(client, "1 OR 1=1") == '{"line-state-banner": {"children": []}}'
    client.post("/logout", headers=csrf_header(client))
    login(client)
    assert banner(client, line, path="/account") == '{"line-state-banner": {"children": []}}'


def test_the_forecast_card_sets_the_forecast_against_the_budget(client, store, app):
    uid = make_user(store)
    heavy, light = make_line(store, uid), make_line(store, uid, number="010-****-1111")
    for day in range(1, kst_today().day + 1):
        _spend(store, heavy, 9_000, day)
        _spend(store, light, 500, day)
    login(client)

    def card(line: int) -> str:
        return _output(client, "forecast-card.children",
                       [{"id": "line-picker", "property": "value", "value": line}, _prefs(),
                        {"id": "forecast-refresh", "property": "data", "value": 0},
                        {"id": "line-status-version", "property": "data", "value": 0}])

    assert "예산" not in card(heavy)  # no budget: no bar
    with app.server.app_context():
        for line in (heavy, light):
            budget_service.set_budget(store, _settings(app), uid, line, amount=100_000, thresholds=[50, 80, 100],
                                      large_charge=None, notify_new_merchant=False)
    over, within = card(heavy), card(light)
    assert "예산 100,000원" in over and "예산 초과 예상" in over and "budget-bar" in over
    assert "예산 100,000원" in within and "예산 안에서 끝날 것 같아요" in within and "예산 초과 예상" not in within

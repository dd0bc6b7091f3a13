"""The next-bill forecast on the overview in a real browser: the card with its range and due date, the
fan on the burn-up, and a subscription marked as cancelled brought back with one click."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data.forecast_input import exclude_recurring, excluded_merchants
from data.lines import lines_of
from data.models import User
from data.seed import DEMO_EMAIL, seed_demo
from tests.e2e.pages import browser_login, click, screenshots, wait_for_figure, wait_until_settled
from tests.helpers import PASSWORD

GONE = "지난달 해지한 음악앱"


@pytest.mark.month_edges
def test_forecast_card_and_fan_on_the_overview(dash_duo, app, store, output_dir):
    with store.write() as db:
        seed_demo(db, seed=7, password=PASSWORD)
        user = db.scalar(select(User).where(User.email == DEMO_EMAIL))
        line_id = lines_of(db, user.id)[0].id  # the line the picker selects first
        exclude_recurring(db, line_id, GONE, user.id)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)

    dash_duo.wait_for_contains_text("#forecast-card", "다음 달 청구 예상", timeout=15)
    card = dash_duo.find_element("#forecast-card").text
    assert "원 (" in card and "80% 예측 범위" in card and "납부일" in card
    assert any(s in card for s in ("한도에 도달", "가능성이", "한도 안에서 끝날"))

    traces = {t["name"]: t for t in wait_for_figure(dash_duo, "burnup-chart")}
    fan, path = traces["예상 범위 (80%)"], traces["예상"]
    assert fan["x"][-1] == traces["한도"]["x"][-1]  # the fan reaches the month's last day
    assert traces["예상 하한"]["y"][-1] <= path["y"][-1] <= fan["y"][-1]

    # A subscription marked as cancelled is listed apart and comes back with one click.
    assert GONE in dash_duo.find_element("#forecast-card .excluded-item").text
    shots = screenshots(dash_duo, output_dir, "overview-forecast", "#monthly-chart .main-svg")
    assert all(p.stat().st_size > 10_000 for p in shots)
    # The shots leave the page resized from 375 px: let it settle, then press the button as a user would,
    # once it is in view (early in a month the list of charges still due pushes it below the fold).
    wait_until_settled(dash_duo)
    click(dash_duo, "#forecast-card .excluded-item button")
    dash_duo._wait_for(lambda _: not dash_duo.driver.find_elements("css selector", "#forecast-card .excluded-item"),
                       timeout=10, msg="the excluded subscription is still listed")
    with store.read() as db:
        assert excluded_merchants(db, line_id) == []
    assert dash_duo.get_logs() == [], "browser console errors"

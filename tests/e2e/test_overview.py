"""The demo user logs in and sees 13 months of spending against the limit."""

from __future__ import annotations

import pytest

from data.seed import DEMO_EMAIL, seed_demo
from tests.e2e.pages import browser_login, screenshots, wait_for_figure
from tests.helpers import PASSWORD


@pytest.mark.month_edges
def test_demo_user_sees_13_monthly_bars_and_each_buckets_limit_line(dash_duo, app, store, output_dir):
    with store.write() as db:
        seed_demo(db, seed=7, password=PASSWORD)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)

    traces = wait_for_figure(dash_duo, "monthly-chart")
    bars = [t for t in traces if t["type"] == "bar"]
    limit = [t for t in traces if t["type"] == "scatter"]
    assert {t["name"] for t in bars} == {"소액결제", "콘텐츠이용료"}
    assert all(len(t["x"]) == 13 for t in bars)
    assert sum(sum(t["y"]) for t in bars) > 0
    # The limits are per bucket: each bucket's own line, never one combined figure no bucket has.
    assert {t["name"] for t in limit} == {"소액결제 한도", "콘텐츠이용료 한도"}
    assert all(v and v > 0 for t in limit for v in t["y"])
    assert max(limit[0]["y"]) < sum(t["y"][-1] for t in limit)  # not the sum
    assert bars[0]["pattern"][-1] == "/" and set(bars[0]["pattern"][:-1]) == {""}  # this month: still running

    usage = dash_duo.wait_for_element("#overview-usage .usage-meter").text
    assert "원" in usage and "남은 한도" in usage
    picker = dash_duo.find_element("#line-picker").text
    assert "내 폰" in picker and "010-****-5678" in picker

    shots = screenshots(dash_duo, output_dir, "overview", "#monthly-chart .main-svg")
    assert all(p.stat().st_size > 10_000 for p in shots)
    assert dash_duo.get_logs() == [], "browser console errors"


def test_english_switch_and_dark_mode(dash_duo, app, store):
    with store.write() as db:
        seed_demo(db, seed=7, password=PASSWORD)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    wait_for_figure(dash_duo, "monthly-chart")

    dash_duo.find_element("#theme-toggle").click()
    dash_duo._wait_for(lambda d: d.execute_script("return document.documentElement.dataset.bsTheme") == "dark",
                       timeout=5, msg="dark mode not applied")
    dash_duo.find_element("#lang-toggle").click()
    dash_duo.wait_for_text_to_equal("#lang-toggle", "한국어", timeout=10)
    traces = wait_for_figure(dash_duo, "monthly-chart")
    assert {t["name"] for t in traces if t["type"] == "bar"} == {"Micropayments", "Content fees"}
    assert dash_duo.driver.execute_script("return document.documentElement.dataset.bsTheme") == "dark"

"""The overview's month-in-detail charts in a real browser: they draw, follow the month picker, keep a
hostile merchant name as text, and are screenshotted at 1280/375 px in light and dark."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.support.ui import Select

from data.seed import DEMO_EMAIL
from data.vocab import days_in_month, kst_today, previous_month
from tests.e2e.fixtures.demo import FORMULA, XSS, seed_demo_with
from tests.e2e.pages import VIEWPORTS, browser_login, figure_data, screenshots, set_theme, wait_for_figure

GRAPHS = ("burnup-chart", "compare-chart", "category-chart", "merchant-chart", "heatmap-chart")


def _seed_with_hostile_merchant(store) -> None:
    """Demo data plus this month's two biggest charges, from merchants named as an HTML payload and a
    spreadsheet formula."""
    seed_demo_with(store, [{"merchant": XSS, "pg": "<b>PG</b>&Co", "category": "gift_voucher", "amount": 99_000},
                           {"merchant": FORMULA, "amount": 88_000}])


def _texts(dash_duo, selector: str) -> list[str]:
    return dash_duo.driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent);", selector)


def _wait_all(dash_duo) -> dict[str, list[dict]]:
    return {graph: wait_for_figure(dash_duo, graph) for graph in GRAPHS}


def test_month_detail_charts_draw_and_follow_the_month_picker(dash_duo, app, store):
    _seed_with_hostile_merchant(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)

    traces = _wait_all(dash_duo)
    today = kst_today()
    burn = {t["name"]: t for t in traces["burnup-chart"]}
    assert {"소액결제", "콘텐츠이용료", "한도", "균등 페이스"} <= burn.keys()
    # The current month's running total stops at today; the pace line runs to the month's end.
    assert burn["소액결제"]["x"][-1] == today.day
    assert burn["균등 페이스"]["x"][-1] == days_in_month(today.strftime("%Y-%m"))
    assert burn["소액결제"]["y"][-1] >= 99_000
    assert "상품권" in next(t for t in traces["category-chart"] if t["type"] == "bar")["y"]
    assert traces["heatmap-chart"][0]["type"] == "heatmap"
    assert len(traces["compare-chart"][0]["y"]) >= 2
    assert "원" in dash_duo.find_element("#overview-compare").text

    last = previous_month(today.strftime("%Y-%m"))
    Select(dash_duo.find_element("#overview-month")).select_by_value(last)
    dash_duo._wait_for(
        lambda _: (figure_data(dash_duo, "burnup-chart") or [{}])[0].get("x", [None])[-1] == days_in_month(last),
        timeout=10, msg="burn-up did not follow the month picker")
    dash_duo._wait_for(lambda _: not any(XSS[:6] in s for s in _texts(dash_duo, "#merchant-chart .ytick text")),
                       timeout=10, msg="merchant chart still shows the current month")
    assert dash_duo.get_logs() == [], "browser console errors"


# Hover the first point with an amount in a figure, as a mouse would.
HOVER_FIRST_POINT = """
const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
const curve = gd.data.findIndex(t => t.hoverinfo !== 'skip' && (t.y || t.z) && (t.y || t.z).length);
const trace = gd.data[curve];
if (trace.type === 'heatmap') {  // by position: the hour (x) and weekday (y) of a cell with spending
  const row = trace.z.findIndex(r => r.some(v => v));
  Plotly.Fx.hover(gd, {xval: trace.x[trace.z[row].findIndex(v => v)], yval: row});
} else {
  Plotly.Fx.hover(gd, [{curveNumber: curve, pointNumber: trace.y.findIndex(v => v)}]);
}
"""


def test_every_figure_hovers_in_won(dash_duo, app, store):
    _seed_with_hostile_merchant(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    for graph in ("monthly-chart", *GRAPHS):
        wait_for_figure(dash_duo, graph)
        dash_duo.driver.execute_script(HOVER_FIRST_POINT, graph)
        dash_duo._wait_for(lambda _, g=graph: re.search(r"\d원", " ".join(_texts(dash_duo, f"#{g} .hoverlayer"))),
                           timeout=5, msg=f"{graph}: no amount in won in the hover label")


def test_hostile_merchant_name_renders_as_text(dash_duo, app, store):
    _seed_with_hostile_merchant(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    wait_for_figure(dash_duo, "merchant-chart")

    ticks = _texts(dash_duo, "#merchant-chart .ytick text")
    assert any(s.startswith("<img src=x o") for s in ticks), ticks  # literal, cut to fit the axis
    assert any("<b>PG</b>&Co" in s for s in ticks), ticks
    assert any(s.startswith('=HYPERLINK("h') for s in ticks), ticks
    # The hover label carries the whole name, still as text.
    for name in (XSS, FORMULA):
        _hover_merchant(dash_duo, name)
        dash_duo._wait_for(lambda _, name=name: any(name in s for s in _texts(dash_duo, "#merchant-chart .hoverlayer")),
                           timeout=5, msg=f"hover label does not show {name!r} literally")
    assert dash_duo.driver.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0
    with pytest.raises(NoAlertPresentException):  # an alert here means the name ran as script
        _ = dash_duo.driver.switch_to.alert


def _hover_merchant(dash_duo, name: str) -> None:
    """Hover the bar of `name` (customdata holds the escaped name, which plotly shows as text)."""
    dash_duo.driver.execute_script(
        "const gd = document.querySelector('#merchant-chart .js-plotly-plot');"
        "const i = gd.data[0].customdata.findIndex(c => c[0] === arguments[0]);"
        "Plotly.Fx.hover(gd, [{curveNumber: 0, pointNumber: i}]);", html.escape(name, quote=False))


def test_overview_screenshots(dash_duo, app, store, output_dir):
    _seed_with_hostile_merchant(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    _wait_all(dash_duo)
    shots = screenshots(dash_duo, output_dir, "overview-top", "#monthly-chart .main-svg")
    shots += _full_page_shots(dash_duo, output_dir)
    assert all(p.stat().st_size > 10_000 for p in shots)
    assert dash_duo.get_logs() == [], "browser console errors"


def _full_page_shots(dash_duo, folder: Path) -> list[Path]:
    """The whole page (the detail charts sit below the fold) at each width and theme."""
    driver, written = dash_duo.driver, []
    for theme in ("light", "dark"):
        set_theme(dash_duo, theme)
        for label, (width, height) in VIEWPORTS.items():
            driver.set_window_size(width, height)
            driver.refresh()
            _wait_all(dash_duo)
            full = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(width, full + 120)
            dash_duo._wait_for(lambda _: driver.execute_script(
                "return [...document.querySelectorAll('.js-plotly-plot')].every(g => g._fullLayout && "
                "Math.abs(g._fullLayout.width - g.getBoundingClientRect().width) < 2)"), timeout=10,
                msg="figures did not resize")
            path = folder / f"overview-full-{theme}-{label}.png"
            driver.save_screenshot(str(path))
            written.append(path)
    driver.set_window_size(*VIEWPORTS["1280"])
    set_theme(dash_duo, "light")
    return written

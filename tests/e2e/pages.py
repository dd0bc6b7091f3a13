"""Browser steps shared by the e2e tests: log in through the real form, wait for figures, screenshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from tests.helpers import PASSWORD

VIEWPORTS = {"1280": (1280, 900), "375": (375, 812)}
AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core from the npm registry (see axe-LICENSE.txt)
BLOCKING = ("serious", "critical")


def browser_login(dash_duo, email: str, password: str = PASSWORD) -> None:
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/login")
    dash_duo.wait_for_element("#email").send_keys(email)
    dash_duo.find_element("#password").send_keys(password)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element("#page", timeout=10)


def figure_data(dash_duo, graph_id: str) -> list[dict]:
    """The traces plotly actually drew in the page (not what the server meant to send)."""
    return dash_duo.driver.execute_script(
        "const el = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return el && el.data ? el.data.map(t => ({name: t.name, type: t.type, x: t.x, y: t.y,"
        "  pattern: t.marker && t.marker.pattern ? t.marker.pattern.shape : null})) : null;",
        f"#{graph_id}",
    ) or []


def wait_for_figure(dash_duo, graph_id: str, timeout: float = 15) -> list[dict]:
    dash_duo.wait_for_element(f"#{graph_id} .main-svg", timeout=timeout)
    dash_duo._wait_for(lambda _: len(figure_data(dash_duo, graph_id)) > 0, timeout=timeout,
                       msg=f"{graph_id} has no traces")
    return figure_data(dash_duo, graph_id)


def set_theme(dash_duo, theme: str) -> None:
    dash_duo.driver.add_cookie({"name": "theme", "value": theme, "path": "/"})


def screenshots(dash_duo, folder: Path, name: str, ready_selector: str,
                show: Callable[[], object] | None = None) -> list[Path]:
    """The page at 1280 px and 375 px, light and dark; returns the files written. `show` runs after each
    reload, just before the shot (to open a panel, say)."""
    written = []
    driver = dash_duo.driver
    for theme in ("light", "dark"):
        set_theme(dash_duo, theme)
        for label, (width, height) in VIEWPORTS.items():
            driver.set_window_size(width, height)
            driver.refresh()
            dash_duo.wait_for_element(ready_selector, timeout=15)
            dash_duo._wait_for(
                lambda _: driver.execute_script("return document.documentElement.dataset.bsTheme") == theme,
                timeout=5, msg="theme not applied")
            driver.execute_script("return document.fonts.ready")
            if show is not None:
                show()
            path = folder / f"{name}-{theme}-{label}.png"
            driver.save_screenshot(str(path))
            written.append(path)
    driver.set_window_size(*VIEWPORTS["1280"])
    set_theme(dash_duo, "light")
    return written


def by_css(dash_duo, selector: str):
    return dash_duo.driver.find_elements(By.CSS_SELECTOR, selector)


def text_of(dash_duo, selector: str) -> str | None:
    """The element's text read in the page (None: no such element). A callback may redraw the element between
    Selenium finding it and reading it (a stale element); one script call cannot be raced that way."""
    return dash_duo.driver.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : null;", selector)


def axe_violations(dash_duo, context: str | None = None) -> list[dict]:
    """Serious and critical accessibility problems (vendored axe-core) in `context`, else the whole document."""
    driver = dash_duo.driver
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(AXE.read_text())
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(arguments[0] || document, {resultTypes: ['violations']})"
        "  .then(r => done(r.violations), e => done([{id: 'axe-error', impact: 'critical',"
        "                                              nodes: [{html: String(e)}]}]));", context)
    return [{"id": v["id"], "nodes": [n["html"][:120] for n in v["nodes"]]} for v in result
            if v["impact"] in BLOCKING]


SETTLED = """
const plots = [...document.querySelectorAll('#page .js-plotly-plot')];
const grids = [...document.querySelectorAll('#page .ag-root')];
return document.querySelector('#page > *') !== null
  && plots.every(g => g._fullLayout && Math.abs(g._fullLayout.width - g.getBoundingClientRect().width) < 2)
  && grids.every(g => g.querySelector('.ag-row, .ag-overlay-no-rows-wrapper') !== null);
"""


def wait_until_settled(dash_duo, timeout: float = 20) -> None:
    """The page is drawn: no callback in flight (twice in a row, a chained one may follow), every
    figure laid out at its box's width, every grid showing rows or its empty note, fonts loaded."""
    quiet = []

    def settled(driver) -> bool:
        quiet.append(dash_duo._wait_for_callbacks() and driver.execute_script(SETTLED))
        return len(quiet) >= 2 and quiet[-1] and quiet[-2]

    dash_duo._wait_for(settled, timeout=timeout, msg="page did not settle")
    dash_duo.driver.execute_script("return document.fonts.ready")


def click(dash_duo, target: str | WebElement, timeout: float = 30) -> None:
    """Click as a user would: centred in the window first (instantly: Bootstrap makes scrolling smooth, and a
    click mid-scroll misses), so the sticky top bar does not take it; again if a card filling in above moved it."""
    element = dash_duo.wait_for_element(target, timeout=timeout) if isinstance(target, str) else target

    def clicked(driver) -> bool:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
        try:
            element.click()
        except ElementClickInterceptedException:
            return False
        return True

    dash_duo._wait_for(clicked, timeout=5, msg=f"something stays over {target}")

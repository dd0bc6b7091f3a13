"""Browser steps shared by the e2e tests: log in through the real form, wait for figures, screenshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from selenium.webdriver.common.by import By

from tests.helpers import PASSWORD

VIEWPORTS = {"1280": (1280, 900), "375": (375, 812)}


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
        "return el && el.data ? el.data.map(t => ({name: t.name, type: t.type, x: t.x, y: t.y})) : null;",
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

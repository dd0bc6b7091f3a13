"""Every page the app routes (callbacks.pages(), so a new page is covered the day it is added), as the
demo user with two hostile merchant names this month: at 1280 px and 375 px, light and dark, each one

- settles (its callbacks done, figures drawn, grids filled) and is screenshotted whole into test-output/,
- has no serious or critical axe-core violation (vendored from the npm registry, injected into the page),
- stays inside the window at 375 px (no sideways scrolling of the whole page, the current page's link in view),
  shows the current page's link as a white-on-blue pill,
  no figure legend over its title,
- renders Korean with a real Korean font (not boxes),
- in dark mode has no light surface and no dark figure text left over,

and in English shows no Korean in its headings, labels, buttons, table headers and figure titles.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callbacks import pages
from data.seed import DEMO_EMAIL
from tests.conftest import SUITE_NOW
from tests.e2e.fixtures.demo import FORMULA, XSS, seed_demo_with
from tests.e2e.pages import VIEWPORTS, axe_violations, browser_login, set_theme, wait_until_settled

HOSTILE = {XSS: 99_000, FORMULA: 88_000}
HANGUL = re.compile(r"[\uac00-\ud7a3]")
WON = re.compile(r"\d원")  # amounts are "12,300원" in both languages (the design's KRW format)

# Distinct Korean syllables draw differently only when a Korean font has them (else both are boxes).
KOREAN_GLYPHS = """
const font = getComputedStyle(document.body).fontFamily;
const draw = text => {
  const canvas = document.createElement('canvas');
  canvas.width = 120; canvas.height = 40;
  const context = canvas.getContext('2d');
  context.font = '24px ' + font;
  context.fillText(text, 0, 30);
  return canvas.toDataURL();
};
return draw('결') !== draw('제') && draw('결제') !== draw('\\u0378\\u0378');
"""

# Relative luminance (0 black … 1 white) of a CSS colour; null when (nearly) transparent.
LUMINANCE = """
const luminance = css => {
  const m = css.match(/[\\d.]+/g);
  if (!m || (m.length > 3 && +m[3] < 0.5)) { return null; }
  const linear = v => { v = v / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const [r, g, b] = m.slice(0, 3).map(linear);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.');
"""

# Dark mode leftovers: big light surfaces in the page or top bar, and figure text too dark to read.
DARK_LEFTOVERS = LUMINANCE + """
const problems = [];
const background = getComputedStyle(document.body).backgroundColor, body = luminance(background);
if (body === null || body > 0.05) { problems.push('body background ' + background); }
for (const e of document.querySelectorAll('#page *, .topbar *')) {
  const r = e.getBoundingClientRect();
  if (r.width < 120 || r.height < 40 || !visible(e)) { continue; }
  const l = luminance(getComputedStyle(e).backgroundColor);
  if (l !== null && l > 0.4) { problems.push('light surface ' + describe(e)); }
}
for (const t of document.querySelectorAll('#page .js-plotly-plot .gtitle, #page .js-plotly-plot .xtick text, '
                                          + '#page .js-plotly-plot .ytick text, #page .js-plotly-plot .legendtext')) {
  const l = luminance(getComputedStyle(t).fill);
  if (l !== null && l < 0.3) { problems.push('dark figure text ' + t.textContent); }
}
return problems;
"""

# A figure whose legend runs into its title (a legend wraps into more rows on a phone).
TITLE_OVER_LEGEND = """
const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
return [...document.querySelectorAll('#page .js-plotly-plot')].filter(g => {
  const title = g.querySelector('.gtitle'), legend = g.querySelector('g.legend');
  return title && legend && overlap(title.getBoundingClientRect(), legend.getBoundingClientRect());
}).map(g => g.closest('[id]').id);
"""

# The current page's link: a white-on-blue pill, and in view (at 375 px the links are one row that scrolls sideways).
ACTIVE_LINK_PROBLEM = """
const row = document.getElementById('nav-pages'), link = row.querySelector('.nav-link.active');
if (!link) { return 'no active page link'; }
if (getComputedStyle(link).color !== 'rgb(255, 255, 255)') { return link.textContent + ' pill text is not white'; }
const r = row.getBoundingClientRect(), l = link.getBoundingClientRect();
return l.left >= r.left - 1 && l.right <= r.right + 1 ? null : link.textContent + ' is scrolled out of view';
"""

# Every visible text in the page and the top bar except the user's own data: line nicknames (pickers,
# the import target), merchants and products (grid cells, merchant axis, alert texts, .user-text elsewhere).
USER_DATA = ".line-picker, .ag-cell, .ytick, #import-line, .alert-text, .user-text"
INTERFACE_TEXT = """
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const texts = [];
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const parent = node.parentElement, text = node.textContent.trim();
  if (!text || !parent.closest('#page, .topbar') || parent.closest(arguments[0])) { continue; }
  if (parent.getClientRects().length === 0) { continue; }  // not shown
  texts.push(text);
}
return texts;
"""


def _seed(store) -> None:
    """The demo user; this month's two biggest charges come from merchants named like attacks."""
    seed_demo_with(store, [{"merchant": name, "product": name, "amount": amount} for name, amount in HOSTILE.items()])


def page_name(path: str) -> str:
    return path.strip("/").replace("/", "-") or "overview"


def _open(dash_duo, path: str, width: int, height: int) -> None:
    dash_duo.driver.set_window_size(width, height)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + path)
    wait_until_settled(dash_duo)


def _whole_page_shot(dash_duo, path: Path, width: int) -> None:
    """Grow the window to the page's height so the file shows everything, then shoot."""
    driver = dash_duo.driver
    driver.set_window_size(width, driver.execute_script("return document.documentElement.scrollHeight") + 120)
    wait_until_settled(dash_duo)
    driver.save_screenshot(str(path))


FULL = [(theme, width) for theme in ("light", "dark") for width in VIEWPORTS]
# Every theme and every width, each at least once: what the other moments and PostgreSQL walk.
DIAGONAL = [("light", "1280"), ("dark", "375")]


def _sweep(clock_at, database_url) -> list[tuple[str, str]]:
    """The full matrix once (mid-month, SQLite); at the month edges and on PostgreSQL, where what can differ is the
    data a page shows (an early month's empty cards, the leap day), the diagonal: half the cost of a walk."""
    return FULL if clock_at == SUITE_NOW and database_url.startswith("sqlite") else DIAGONAL


@pytest.mark.month_edges
def test_every_page_in_both_themes_and_widths_is_accessible_and_screenshotted(
        dash_duo, app, store, output_dir, clock_at, database_url):
    _seed(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    driver, problems, shots = dash_duo.driver, [], []
    routed = pages()
    assert {"/", "/transactions", "/import"} <= {p.path for p in routed}

    sweep = _sweep(clock_at, database_url)
    for theme in ("light", "dark"):
        set_theme(dash_duo, theme)
        for label, (width, height) in VIEWPORTS.items():
            if (theme, label) not in sweep:
                continue
            for page in routed:
                where = f"{page.path} {theme} {label}px"
                _open(dash_duo, page.path, width, height)
                assert driver.execute_script("return document.documentElement.dataset.bsTheme") == theme, where
                problems += [f"{where}: axe {v}" for v in axe_violations(dash_duo)]
                overflow = driver.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if overflow > 1:
                    problems.append(f"{where}: the page scrolls sideways by {overflow}px")
                problems += [f"{where}: {graph} legend over its title" for graph in driver.execute_script(
                    TITLE_OVER_LEGEND)]
                # A page outside the pills (/account) is marked by its own link in the top bar instead.
                active_link = (driver.execute_script(ACTIVE_LINK_PROBLEM) if page.in_nav else driver.execute_script(
                    "return document.querySelector(`#topbar-slot a.active[href='${arguments[0]}']`) ? null"
                    " : 'no active link in the top bar'", page.path))
                if active_link:
                    problems.append(f"{where}: {active_link}")
                if theme == "dark":
                    problems += [f"{where}: {p}" for p in driver.execute_script(DARK_LEFTOVERS)]
                shots.append(output_dir / f"{page_name(page.path)}-{theme}-{label}.png")
                _whole_page_shot(dash_duo, shots[-1], width)
    assert driver.execute_script(KOREAN_GLYPHS), "Korean text draws as boxes: no Korean font"
    assert problems == [], "\n".join(problems)
    assert len(shots) == len(sweep) * len(routed) and all(p.stat().st_size > 10_000 for p in shots)
    assert driver.execute_script("return document.querySelectorAll('img[src=\"x\"]').length") == 0


@pytest.mark.month_edges
def test_every_page_speaks_english_after_the_switch(dash_duo, app, store):
    _seed(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    _open(dash_duo, "/", *VIEWPORTS["1280"])
    dash_duo.find_element("#lang-toggle").click()  # the switch a user presses; it reloads the page
    dash_duo.wait_for_text_to_equal("#lang-toggle", "한국어", timeout=10)

    korean = {}
    for page in pages():
        _open(dash_duo, page.path, *VIEWPORTS["1280"])
        assert dash_duo.driver.execute_script("return document.documentElement.lang") == "en"
        texts = dash_duo.driver.execute_script(INTERFACE_TEXT, USER_DATA)
        assert texts, page.path
        left = [text for text in texts if HANGUL.search(WON.sub("", text)) and text != "한국어"]  # the switch back
        if left:
            korean[page.path] = left
    assert korean == {}


def test_a_dropdown_is_one_tab_stop_that_opens_from_the_keyboard(dash_duo, app, store):
    """assets/dropdown_a11y.js: Tab lands on the line picker's button itself (not Dash's hidden proxy
    input, which axe reports), Enter opens the options, and the next Tab moves on."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _seed(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    _open(dash_duo, "/", *VIEWPORTS["1280"])
    driver = dash_duo.driver
    driver.execute_script("document.querySelector('#nav-pages .nav-item:last-child a').focus()")
    active = "return document.activeElement.id || document.activeElement.className"
    ActionChains(driver).send_keys(Keys.TAB).perform()
    dash_duo._wait_for(lambda d: d.execute_script(active) == "line-picker", timeout=5,
                       msg="Tab did not land on the line picker")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    dash_duo._wait_for(lambda d: any("내 폰" in o.text for o in d.find_elements("css selector", "[role=option]")),
                       timeout=5, msg="Enter did not open the line picker")
    ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    dash_duo._wait_for(lambda d: not d.find_elements("css selector", "[role=option]"), timeout=5, msg="not closed")
    ActionChains(driver).send_keys(Keys.TAB).perform()
    moved_on = driver.execute_script("const e = document.activeElement;"
                                     "return [e.tagName, e.id, !!e.closest('.topbar-tools')];")
    assert moved_on[0] == "BUTTON" and moved_on[1] != "line-picker" and moved_on[2], moved_on

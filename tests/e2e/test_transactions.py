"""The transactions grid in a real browser: server-paged rows, filters, search, a category rule,
untrusted merchant text shown literally, dark mode, and screenshots."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from data.importing.normalize import merchant_key
from data.models import CategoryRule
from data.seed import DEMO_EMAIL
from tests.e2e.fixtures.demo import FORMULA, XSS, seed_demo_with
from tests.e2e.pages import VIEWPORTS, browser_login, click, screenshots

ROWS = "#tx-grid .ag-center-cols-container .ag-row"


def _seed(store) -> int:
    """The demo user, plus two hostile merchant names on the first line as its newest rows."""
    return seed_demo_with(store, [{"merchant": m, "product": "수상한 결제", "amount": 12_300} for m in (XSS, FORMULA)])


def cells(dash_duo, col_id: str) -> list[str]:
    return dash_duo.driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' [col-id=\"' + arguments[1] + '\"]'))"
        ".map(c => c.innerText);", ROWS, col_id)


def wait_rows(dash_duo, check, msg: str, timeout: float = 15) -> None:
    dash_duo._wait_for(lambda _: bool(cells(dash_duo, "merchant")) and check(), timeout=timeout, msg=msg)


def count_label(dash_duo) -> int:
    text = dash_duo.find_element("#tx-count").text
    return int(text.rstrip("건").replace(",", "")) if text.endswith("건") else -1


def test_grid_filters_search_rules_and_literal_text(dash_duo, app, store, output_dir):
    user_id = _seed(store)
    dash_duo.start_server(app, navigate=False)
    record_console_errors(dash_duo)
    browser_login(dash_duo, DEMO_EMAIL)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/transactions")

    wait_rows(dash_duo, lambda: XSS in cells(dash_duo, "merchant"), "grid shows no rows")
    dash_duo._wait_for(lambda _: count_label(dash_duo) > 100, timeout=10, msg="no row count")
    total = count_label(dash_duo)
    merchants = cells(dash_duo, "merchant")
    assert merchants[:2] == [XSS, FORMULA]  # newest first, exactly as stored
    assert dash_duo.driver.find_elements(By.CSS_SELECTOR, "#tx-grid img") == []
    assert "원" in cells(dash_duo, "amount")[0] and "12,300원" in cells(dash_duo, "amount")
    _assert_no_alert(dash_duo)

    # Category filter above the grid: the server answers only delivery rows.
    Select(dash_duo.find_element("#tx-category")).select_by_value("delivery")
    wait_rows(dash_duo, lambda: set(cells(dash_duo, "category")) == {"배달"}, "category filter not applied")
    dash_duo._wait_for(lambda _: 0 < count_label(dash_duo) < total, timeout=10, msg="count did not narrow")
    Select(dash_duo.find_element("#tx-category")).select_by_value("all")

    # Quick search (Enter sends it): only Coupang rows remain (쿠팡, 쿠팡이츠).
    search = dash_duo.find_element("#tx-search")
    search.send_keys("쿠팡", Keys.ENTER)
    wait_rows(dash_duo, lambda: all("쿠팡" in m for m in cells(dash_duo, "merchant")), "search not applied")
    dash_duo._wait_for(lambda _: 0 < count_label(dash_duo) < total, timeout=10, msg="search count did not narrow")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.DELETE, Keys.ENTER)
    wait_rows(dash_duo, lambda: XSS in cells(dash_duo, "merchant"), "search not cleared")

    # Sorting by a header click is done by the server across every page: the largest amounts come first.
    amount_header = "#tx-grid .ag-header-cell[col-id='amount'] .ag-header-cell-label"
    for _ in range(2):  # ascending, then descending
        click(dash_duo, amount_header)
    wait_rows(dash_duo, lambda: _largest_first(_amounts(dash_duo)), "not sorted by amount, largest first")
    click(dash_duo, amount_header)  # a third click: back to the newest first
    wait_rows(dash_duo, lambda: cells(dash_duo, "merchant")[:2] == [XSS, FORMULA], "sort not cleared")

    # Select the hostile row and file its merchant under 쇼핑 as a rule.
    _row_cell(dash_duo, XSS).click()
    dash_duo._wait_for(lambda _: XSS in dash_duo.find_element("#tx-selected").text, timeout=10,
                       msg="selection summary missing")
    assert XSS in dash_duo.find_element("label[for='tx-recat-always']").text
    Select(dash_duo.find_element("#tx-recat-category")).select_by_value("shopping")
    click(dash_duo, "#tx-recat-always")
    click(dash_duo, "#tx-recat-save")
    dash_duo.wait_for_contains_text("#tx-action-msg", "규칙을 만들었습니다", timeout=10)
    dash_duo._wait_for(lambda _: _category_of(dash_duo, XSS) == "쇼핑", timeout=10, msg="grid not refreshed")
    with store.read() as db:
        rule = db.scalar(select(CategoryRule).where(CategoryRule.user_id == user_id))
        assert (rule.merchant_key, rule.category) == (merchant_key(XSS), "shopping")

    _assert_no_alert(dash_duo)
    assert page_errors(dash_duo) == [], "browser console errors from this page"

    shots = screenshots(dash_duo, output_dir, "transactions", ROWS)
    assert all(p.stat().st_size > 10_000 for p in shots)


def test_grid_follows_dark_mode(dash_duo, app, store):
    _seed(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/transactions")
    wait_rows(dash_duo, lambda: True, "grid shows no rows")
    light = _grid_background(dash_duo)
    dash_duo.find_element("#theme-toggle").click()
    dash_duo._wait_for(lambda _: _grid_background(dash_duo) != light, timeout=5, msg="grid stayed light")
    body = dash_duo.driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert _grid_background(dash_duo) == body  # the grid uses Bootstrap's dark background


def test_a_phone_sees_date_merchant_and_amount_side_by_side(dash_duo, app, store):
    _seed(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    dash_duo.driver.set_window_size(*VIEWPORTS["375"])
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/transactions")
    wait_rows(dash_duo, lambda: XSS in cells(dash_duo, "merchant"), "grid shows no rows")
    shown = dash_duo.driver.execute_script(
        "const body = document.querySelector('#tx-grid .ag-body-viewport').getBoundingClientRect();"
        "const row = document.querySelector(arguments[0]);"
        "return [...row.querySelectorAll('.ag-cell')].filter(c => {"
        "  const r = c.getBoundingClientRect(); return r.left >= body.left && r.right <= body.right;"
        "}).map(c => [c.getAttribute('col-id'), c.innerText]);", ROWS)
    assert [col for col, _ in shown] == ["occurred_at", "merchant", "amount"]
    when, _, amount = (text for _, text in shown)
    assert re.fullmatch(r"\d\d-\d\d \d\d:\d\d", when) and amount == "12,300원"  # no year: it fits


def test_a_change_shows_in_rows_that_straddle_two_server_pages(dash_duo, app, store):
    """Rows 95-110 come from two server requests (100 rows each). After a write the grid asks for both
    again; both answers must land (a dropped one left the first page loading for ever)."""
    _seed(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/transactions")
    wait_rows(dash_duo, lambda: True, "grid shows no rows")
    row_99 = f"{ROWS}[row-index='99']"
    scroll = ("const api = dash_ag_grid.getApi('tx-grid');"
              "if (api.getDisplayedRowCount() > 110) { api.ensureIndexVisible(104, 'middle'); }")
    # Scroll once the grid knows there are that many rows (its first answer brings the count).
    dash_duo._wait_for(lambda d: d.execute_script(scroll) or _cell_text(dash_duo, row_99, "merchant"), timeout=15,
                       msg="row 99 not loaded")
    before = _cell_text(dash_duo, row_99, "category")
    target, label = ("game", "게임") if before != "게임" else ("shopping", "쇼핑")

    merchant = _cell_text(dash_duo, row_99, "merchant")
    dash_duo.driver.find_element(By.CSS_SELECTOR, f"{row_99} [col-id='merchant']").click()
    dash_duo._wait_for(lambda _: merchant in dash_duo.find_element("#tx-selected").text
                       and dash_duo.find_element("#tx-actions").is_enabled(), timeout=10, msg="not selected")
    Select(dash_duo.find_element("#tx-recat-category")).select_by_value(target)
    click(dash_duo, "#tx-recat-save")
    dash_duo.wait_for_contains_text("#tx-action-msg", label, timeout=10)
    dash_duo._wait_for(lambda _: _cell_text(dash_duo, row_99, "category") == label, timeout=10,
                       msg="row 99 kept its old category")
    # The grid asks for one block at a time, so the second may still be on its way: wait for it to land.
    state = "return dash_ag_grid.getApi('tx-grid').getCacheBlockState()"
    dash_duo._wait_for(lambda d: {b["pageStatus"] for b in d.execute_script(state).values()} == {"loaded"},
                       timeout=10, msg="a block of rows stayed loading")
    assert _cell_text(dash_duo, f"{ROWS}[row-index='104']", "merchant")


def _cell_text(dash_duo, row: str, col_id: str) -> str:
    return dash_duo.driver.execute_script(
        "const c = document.querySelector(arguments[0] + ' [col-id=\"' + arguments[1] + '\"]');"
        "return c ? c.innerText : '';", row, col_id)


def test_mark_a_cancellation_and_add_a_payment_by_hand(dash_duo, app, store):
    _seed(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    spent = _micropayments_this_month(dash_duo)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/transactions")
    wait_rows(dash_duo, lambda: FORMULA in cells(dash_duo, "merchant"), "grid shows no rows")
    dash_duo._wait_for(lambda _: count_label(dash_duo) > 0, timeout=10, msg="no row count")
    total = count_label(dash_duo)

    # This month's 12,300원 charge is cancelled: a cancellation row appears and the bill goes down.
    _row_cell(dash_duo, FORMULA).click()
    dash_duo._wait_for(lambda _: FORMULA in dash_duo.find_element("#tx-selected").text, timeout=10,
                       msg="selection summary missing")
    click(dash_duo, "#tx-cancel")
    dash_duo.wait_for_contains_text("#tx-action-msg", "이번 달 청구 금액에서 빠집니다", timeout=10)
    wait_rows(dash_duo, lambda: "취소 (청구 차감)" in cells(dash_duo, "status"), "no cancellation row")
    dash_duo._wait_for(lambda _: count_label(dash_duo) == total + 1, timeout=10, msg="count did not grow")
    click(dash_duo, "#tx-cancel")  # the same payment again is refused
    dash_duo.wait_for_contains_text("#tx-action-msg", "이미 취소된 결제입니다", timeout=10)

    # A payment added by hand: a blank form is refused field by field, a filled one lands in the grid.
    click(dash_duo, "#tx-manual summary")
    click(dash_duo, "#tx-manual-submit")
    dash_duo.wait_for_contains_text("#tx-manual-msg", "이용업체명을 입력하세요", timeout=10)
    assert "is-invalid" in dash_duo.find_element("#tx-manual-merchant").get_attribute("class")
    minute_ago = (datetime.now(UTC) + timedelta(hours=9, minutes=-1)).strftime("%Y-%m-%dT%H:%M")
    _type_react(dash_duo, "#tx-manual-when", minute_ago)
    dash_duo.find_element("#tx-manual-merchant").send_keys("동네 편의점")
    dash_duo.find_element("#tx-manual-amount").send_keys("4500")
    click(dash_duo, "#tx-manual-submit")
    dash_duo.wait_for_contains_text("#tx-manual-msg", "동네 편의점 4,500원 결제를 추가했습니다", timeout=10)
    wait_rows(dash_duo, lambda: "동네 편의점" in cells(dash_duo, "merchant"), "manual row not in the grid")
    dash_duo._wait_for(lambda _: count_label(dash_duo) == total + 2, timeout=10, msg="count did not grow")

    assert _micropayments_this_month(dash_duo) == spent - 12_300 + 4_500


def _micropayments_this_month(dash_duo) -> int:
    """The overview's "소액결제 …원" for this month, as a user reads it."""
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/")
    dash_duo.wait_for_element("#overview-usage .usage-meter", timeout=15)
    text = dash_duo.find_element("#overview-usage").text
    return int(re.search(r"소액결제\s*([\d,]+)원", text).group(1).replace(",", ""))


def _type_react(dash_duo, selector: str, value: str) -> None:
    """Set an input's value the way typing does (a datetime-local field takes keys per segment)."""
    dash_duo.driver.execute_script(
        "const input = document.querySelector(arguments[0]);"
        "Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, arguments[1]);"
        "input.dispatchEvent(new Event('input', {bubbles: true}));", selector, value)


def record_console_errors(dash_duo) -> None:
    """Keep console.error arguments as text (get_logs() only says "Object" for Dash's errors)."""
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        window.__consoleErrors = [];
        const original = console.error;
        console.error = function (...args) {
          window.__consoleErrors.push(args.map(a => {
            try { return JSON.stringify(a, Object.getOwnPropertyNames(Object(a))); } catch (e) { return String(a); }
          }).join(' '));
          return original.apply(console, args);
        };"""})


def page_errors(dash_duo) -> list[str]:
    """Console errors about this page (the grid, tx-* components); other pages' widgets are not ours."""
    errors = dash_duo.driver.execute_script("return window.__consoleErrors || []")
    return [e for e in errors if any(word in e for word in ("tx-", "AG Grid", "ag-grid", "AgGrid"))]


def _amounts(dash_duo) -> list[int]:
    return [int(text.rstrip("원").replace(",", "")) for text in cells(dash_duo, "amount") if text]


def _largest_first(amounts: list[int]) -> bool:
    # Rows still loading show no amount yet: wait for a full screen of them.
    return len(amounts) >= 10 and amounts == sorted(amounts, reverse=True) and amounts[0] > 12_300


def _grid_background(dash_duo) -> str:
    return dash_duo.driver.execute_script(
        "return getComputedStyle(document.querySelector('#tx-grid .ag-root-wrapper')).backgroundColor")


def _row_cell(dash_duo, merchant: str):
    for cell in dash_duo.driver.find_elements(By.CSS_SELECTOR, f"{ROWS} [col-id='merchant']"):
        if cell.text == merchant:
            return cell
    raise AssertionError(f"no row for {merchant!r}")


def _category_of(dash_duo, merchant: str) -> str | None:
    return dash_duo.driver.execute_script(
        "for (const row of document.querySelectorAll(arguments[0])) {"
        "  const m = row.querySelector('[col-id=\"merchant\"]');"
        "  if (m && m.innerText === arguments[1]) { return row.querySelector('[col-id=\"category\"]').innerText; }"
        "} return null;", ROWS, merchant)


def _assert_no_alert(dash_duo) -> None:
    try:
        dash_duo.driver.switch_to.alert  # raises when there is none
    except NoAlertPresentException:
        return
    raise AssertionError("a merchant name ran script (alert shown)")

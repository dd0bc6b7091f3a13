"""/import's "표 붙여넣기" tab in a real browser, with a real clipboard: the carrier's history table is an
HTML table in another tab, selected and copied with Ctrl+C (Chromium puts its tab-separated text/plain on
the clipboard, a <br> inside a cell as a line break), then pasted with Ctrl+V into the textarea. No event is
simulated and no value is set by script: what reaches the page is what a user's paste gives it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.e2e.pages import VIEWPORTS, axe_violations, by_css, set_theme
from tests.e2e.test_import import click, open_import, rows_in

# The carrier's page: a KT-style history table, each 이용일시 a date over its time, a 합계 row at the foot.
HEADER = ["이용일시", "이용업체명", "이용서비스", "구매상품", "결제대행사", "금액", "상태"]
PAYMENTS = [
    ("2025.05.{day:02d}", "14:23:05", "넷마블", "게임", "다이아 100개", "KG모빌리언스", 12_300, "승인"),
    ("2025.05.{day:02d}", "03:10:44", "컬쳐랜드", "상품권", "문화상품권", "갤럭시아머니트리", 50_000, "승인"),
    ("2025.05.{day:02d}", "21:05:00", "멜론", "음악", "스트리밍 정기결제", "다날", 10_900, "승인"),
]
DAYS = range(1, 5)  # four days × three payments
COUNT = len(DAYS) * len(PAYMENTS)
TOTAL = sum(p[6] for p in PAYMENTS) * len(DAYS)


def carrier_page() -> str:
    cells = "".join(f"<th>{h}</th>" for h in HEADER)
    rows = "".join(
        f"<tr><td>{date.format(day=day)}<br>{time}</td><td>{merchant}</td><td>{service}</td><td>{product}</td>"
        f"<td>{pg}</td><td>{amount:,}원</td><td>{status}</td></tr>"
        for day in DAYS for date, time, merchant, service, product, pg, amount, status in PAYMENTS)
    return ("<!doctype html><html lang=ko><meta charset=utf-8><title>이용내역</title>"
            "<h1>휴대폰 소액결제 이용내역</h1><p id=note>결제 내역을 확인해 주세요. 문의는 114로 연락 주세요.</p>"
            f"<table border=1><thead><tr>{cells}</tr></thead><tbody>{rows}</tbody>"
            f"<tfoot><tr><td>합계</td><td></td><td></td><td></td><td></td><td>{TOTAL:,}원</td><td></td></tr>"
            "</tfoot></table>")


SELECT = """
const node = document.querySelector(arguments[0]);
const range = document.createRange();
range.selectNode(node);
getSelection().removeAllRanges();
getSelection().addRange(range);
"""


def keys(dash_duo, *chord: str) -> None:
    ActionChains(dash_duo.driver).key_down(Keys.CONTROL).send_keys(*chord).key_up(Keys.CONTROL).perform()


def copy_from_carrier_page(dash_duo, selector: str) -> None:
    """In another tab, as a user would: open the carrier's page, select `selector` (the table, its body…),
    Ctrl+C; back to the import page."""
    driver = dash_duo.driver
    here = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get("data:text/html;charset=utf-8," + quote(carrier_page()))
    driver.execute_script(SELECT, selector)
    keys(dash_duo, "c")
    driver.close()
    driver.switch_to.window(here)


def open_paste_tab(dash_duo):
    click(dash_duo, "#import-tab-paste")
    box = dash_duo.find_element("#import-paste")
    dash_duo._wait_for(lambda _: box.is_displayed(), timeout=10, msg="the paste tab did not open")
    assert dash_duo.find_element("#import-tab-paste").get_attribute("aria-selected") == "true"
    assert not dash_duo.find_element("#import-upload").is_displayed()
    return box


def paste_into_textarea(dash_duo) -> str:
    """Open the paste tab, empty the textarea, Ctrl+V; returns what the textarea holds."""
    box = open_paste_tab(dash_duo)
    box.click()
    keys(dash_duo, "a")
    box.send_keys(Keys.DELETE)
    keys(dash_duo, "v")
    return dash_duo.driver.execute_script("return document.getElementById('import-paste').value")


def preview(dash_duo) -> None:
    click(dash_duo, "#import-paste-preview")
    dash_duo.wait_for_element("#import-preview-table", timeout=30)


def no_sideways_scroll(dash_duo) -> bool:
    return dash_duo.driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def check_each_viewport(dash_duo, folder: Path) -> list[Path]:
    """The paste tab with a preview under it at 1280 and 375 px, light and dark: axe finds nothing serious,
    nothing scrolls sideways; one screenshot each."""
    written = []
    driver = dash_duo.driver
    for theme in ("light", "dark"):
        set_theme(dash_duo, theme)
        for label, (width, _height) in VIEWPORTS.items():
            driver.set_window_size(width, 2000)
            driver.refresh()
            dash_duo.wait_for_contains_text("#import-line", "내 폰", timeout=15)
            dash_duo._wait_for(lambda d, th=theme: d.execute_script(
                "return document.documentElement.dataset.bsTheme") == th, timeout=5, msg="theme not applied")
            paste_into_textarea(dash_duo)
            preview(dash_duo)
            assert axe_violations(dash_duo) == [], (theme, label)
            assert no_sideways_scroll(dash_duo), (theme, label)
            written.append(folder / f"import-paste-{theme}-{label}.png")
            driver.save_screenshot(str(written[-1]))
    driver.set_window_size(*VIEWPORTS["1280"])
    set_theme(dash_duo, "light")
    driver.refresh()
    dash_duo.wait_for_contains_text("#import-line", "내 폰", timeout=15)
    return written


def test_a_table_copied_from_the_carriers_page_is_pasted_previewed_and_stored(dash_duo, app, store, output_dir):
    line_id = open_import(dash_duo, app, store)
    copy_from_carrier_page(dash_duo, "table")
    text = paste_into_textarea(dash_duo)
    # What the browser put on the clipboard: tab-separated cells, the <br> as a line break.
    assert text.strip().startswith("\t".join(HEADER)) and "2025.05.01\n14:23:05\t넷마블" in text

    preview(dash_duo)
    card = dash_duo.find_element("#import-preview-card").text
    assert f"새 내역 {COUNT}건" in card and "붙여넣은 표" in card
    table = dash_duo.find_element("#import-preview-table").text
    assert "2025-05-01 14:23" in table and "넷마블" in table and "12,300원" in table and "50,000원" in table
    assert "합계" not in table and len(by_css(dash_duo, "#import-preview-table tbody tr")) == COUNT
    assert rows_in(store, line_id) == 0  # the preview writes nothing

    shots = check_each_viewport(dash_duo, output_dir)
    assert all(p.stat().st_size > 10_000 for p in shots)

    paste_into_textarea(dash_duo)  # the screenshots reloaded the page; the clipboard still holds the table
    preview(dash_duo)
    click(dash_duo, "#import-confirm")
    dash_duo.wait_for_contains_text("#import-done", f"추가 {COUNT}건", timeout=30)
    assert rows_in(store, line_id) == COUNT
    assert stored_total(store, line_id) == TOTAL

    preview(dash_duo)  # the same paste again: all duplicates, nothing to confirm
    dash_duo.wait_for_contains_text("#import-preview-card", f"중복 {COUNT}건", timeout=30)
    assert by_css(dash_duo, "#import-confirm") == []
    assert rows_in(store, line_id) == COUNT
    assert dash_duo.get_logs() == [], "browser console errors"


def stored_total(store, line_id: int) -> int:
    from sqlalchemy import func, select

    from data.models import Transaction

    with store.read() as db:
        return db.scalar(select(func.sum(Transaction.amount)).where(Transaction.line_id == line_id))


def test_a_paste_that_is_no_table_says_why_and_stores_nothing(dash_duo, app, store, output_dir):
    line_id = open_import(dash_duo, app, store)
    instance = Path(app.server.config["MICROBILL"].instance_path, "import-staging")

    open_paste_tab(dash_duo)
    click(dash_duo, "#import-paste-preview")  # nothing pasted yet
    dash_duo.wait_for_contains_text("#import-result", "붙여 넣은 내용이 없습니다", timeout=15)

    copy_from_carrier_page(dash_duo, "tbody")  # the rows without their header row
    paste_into_textarea(dash_duo)
    click(dash_duo, "#import-paste-preview")
    dash_duo.wait_for_contains_text("#import-result", "머리글 줄(이용일시, 이용업체명, 금액…)이 없습니다", timeout=15)
    assert axe_violations(dash_duo) == []
    dash_duo.driver.save_screenshot(str(output_dir / "import-paste-error-light-1280.png"))

    copy_from_carrier_page(dash_duo, "#note")  # a sentence, not a table
    paste_into_textarea(dash_duo)
    click(dash_duo, "#import-paste-preview")
    dash_duo.wait_for_contains_text("#import-result", "표를 찾지 못했습니다", timeout=15)

    assert by_css(dash_duo, "#import-preview-card") == [] and by_css(dash_duo, "#import-confirm") == []
    assert rows_in(store, line_id) == 0
    assert not list(instance.glob("*.bin"))  # nothing kept for later either

"""Disputes in a real browser: a dawn voucher burst raises a fraud alert whose item on /alerts shows the
cancellation window, the steps and the dispute pack; the PDF downloaded by Chromium opens (pypdf) and holds the
charges. On /transactions the window column and the pack of chosen charges (fetched with the browser's session)."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from pypdf import PdfReader
from selenium.common.exceptions import StaleElementReferenceException
from sqlalchemy import select

from data.models import Alert
from tests.e2e.pages import axe_violations, browser_login, click, set_theme, wait_until_settled
from tests.helpers import make_line, make_user
from tests.http.test_api_lines import bearer
from tests.http.test_mail_smtp import authorize, last_dawn

EMAIL = "victim@example.com"
BURST = (50_000, 30_000, 10_000)
ROWS = "#tx-grid .ag-center-cols-container .ag-row"


@pytest.fixture
def burst(app, store) -> dict:
    """Three dawn gift-voucher charges through the authorization API: one fraud alert."""
    uid = make_user(store, EMAIL)
    line = make_line(store, uid, nickname="내 폰", limits={"micropayment": 500_000, "content": 200_000},
                     effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    client, headers, dawn = app.server.test_client(), bearer(store, uid), last_dawn()
    ids = [authorize(client, line, headers, f"v{i}", amount, dawn + timedelta(minutes=2 * i))["transaction_id"]
           for i, amount in enumerate(BURST)]
    with store.read() as db:
        alert = db.scalar(select(Alert.id).where(Alert.line_id == line, Alert.kind == "fraud_burst"))
    return {"line": line, "alert": alert, "ids": ids}


def downloaded(folder: Path, suffix: str, timeout: float = 20) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        if done and not list(folder.glob("*.crdownload")):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} downloaded into {folder}: {list(folder.iterdir())}")


def session_get(dash_duo, href: str) -> requests.Response:
    """The link fetched with the browser's own cookies (the session), as the browser would."""
    cookies = {c["name"]: c["value"] for c in dash_duo.driver.get_cookies()}
    return requests.get(href, cookies=cookies, timeout=20)


def test_dispute_pack_downloaded_from_a_fraud_alert_holds_the_charges(dash_duo, app, burst, tmp_path, output_dir):
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    driver = dash_duo.driver
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    driver.get(dash_duo.server.url.rstrip("/") + "/alerts")
    item = f'#alerts-list [data-alert-id="{burst["alert"]}"]'
    dash_duo.wait_for_element(f'{item} .dispute-pack-links a[href$=".pdf"]', timeout=15)
    text = dash_duo.find_element(item).text
    assert "결제 3건 중 3건: 11월 30일까지 취소하면 청구서에서 빠집니다 (12일 남음)." in text
    assert "다날 고객센터(1566-3355)" in text and "사건사고사실확인원" in text
    wait_until_settled(dash_duo)
    for theme in ("light", "dark"):  # the red steps box and the buttons keep their contrast in both themes
        set_theme(dash_duo, theme)
        driver.refresh()
        dash_duo.wait_for_element(f'{item} .dispute-steps', timeout=15)
        assert axe_violations(dash_duo, "#alerts-list") == [], theme
        driver.save_screenshot(str(output_dir / f"alerts-fraud-{theme}.png"))
    set_theme(dash_duo, "light")

    click(dash_duo, dash_duo.find_element(f'{item} .dispute-pack-links a[href$=".pdf"]'))
    reader = PdfReader(downloaded(tmp_path, ".pdf"))
    pdf = "\n".join(page.extract_text() for page in reader.pages)
    assert "휴대폰 소액결제 이의신청 자료" in pdf and "010-****-5678 (내 폰)" in pdf
    assert "이의 제기 결제 3건 · 청구(예정) 금액 90,000원" in pdf
    assert all(f"{amount:,}원" in pdf for amount in BURST) and pdf.count("컬쳐랜드 ") >= 3
    assert dash_duo.get_logs() == [], "browser console errors"


def test_transactions_window_column_and_pack_of_chosen_charges(dash_duo, app, burst):
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/transactions")
    window_cells = f'{ROWS} [col-id="window"]'

    def window_texts(_) -> bool:
        try:  # the grid re-renders its rows while it fills: a cell read mid-render is stale, so look again
            return [c.text for c in dash_duo.driver.find_elements("css selector", window_cells)] == ["12일 남음"] * 3
        except StaleElementReferenceException:
            return False

    dash_duo._wait_for(window_texts, timeout=15, msg="no window column")
    for index, expected in ((0, "1건 · 합계 10,000원"), (1, "2건 · 합계 40,000원")):
        click(dash_duo, dash_duo.driver.find_elements("css selector", f'{ROWS} [col-id="merchant"]')[index])
        dash_duo.wait_for_contains_text("#tx-selected-window", "11월 30일까지 취소하면 청구서에서 빠집니다", timeout=10)
        add = dash_duo.find_element("#tx-dispute-add")
        dash_duo._wait_for(lambda _, button=add: button.is_enabled(), timeout=10, msg="add button disabled")
        click(dash_duo, add)
        dash_duo.wait_for_contains_text("#dispute-basket-list", expected, timeout=10)
    href = dash_duo.find_element("#dispute-pack-csv").get_attribute("href")
    rows = list(csv.DictReader(io.StringIO(session_get(dash_duo, href).content.decode("utf-8-sig"))))
    assert sorted(int(r["금액"]) for r in rows) == [10_000, 30_000]
    pdf = session_get(dash_duo, dash_duo.find_element("#dispute-pack-pdf").get_attribute("href"))
    assert pdf.status_code == 200 and "40,000원" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    click(dash_duo, dash_duo.find_element("#dispute-basket-clear"))
    dash_duo.wait_for_text_to_equal("#dispute-basket-list", "담은 결제가 없습니다.", timeout=10)
    assert dash_duo.get_logs() == [], "browser console errors"

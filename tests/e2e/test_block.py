"""One click blocks the selected line (authorizations are declined at once); the password unblocks it."""

from __future__ import annotations

from pathlib import Path

import requests
from selenium.webdriver.support.ui import Select

from data.tokens import create_token
from tests.e2e.pages import VIEWPORTS, browser_login, screenshots, set_theme
from tests.helpers import PASSWORD, make_line, make_user

EMAIL = "owner@example.com"
# dbc puts the id on .modal-dialog; wait until the fade-in has finished before a screenshot.
MODAL_SETTLED = """
const dialog = document.querySelector('#block-modal');
const modal = dialog && dialog.parentElement;
return !!modal && modal.classList.contains('show') && getComputedStyle(modal).opacity === '1'
  && getComputedStyle(dialog).transform === 'none';
"""


def authorize(server_url: str, token: str, line_id: int, external_id: str) -> dict:
    response = requests.post(
        f"{server_url.rstrip('/')}/api/v1/lines/{line_id}/authorizations",
        json={"merchant": "컬쳐랜드", "amount": 10_000, "bucket": "micropayment", "external_id": external_id,
              "pg": "KG모빌리언스", "category": "gift_voucher"},
        headers={"Authorization": f"Bearer {token}"}, timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()


def click_block(dash_duo) -> str:
    """Press the top bar's block button once and return the panel's text."""
    dash_duo.wait_for_element("#block-button", timeout=10).click()
    dash_duo.wait_for_element("#block-panel .carrier-instructions", timeout=10)
    dash_duo._wait_for(lambda d: d.execute_script(MODAL_SETTLED), timeout=5, msg="modal not shown")
    return dash_duo.find_element("#block-modal-body").text


def block_panel_screenshots(dash_duo, folder: Path) -> list[Path]:
    """The block panel at 1280/375 px, light and dark. Each shot presses the button again (the line is
    already blocked, so the panel says so) — which also proves the button works at 375 px."""
    driver, written = dash_duo.driver, []
    for theme in ("light", "dark"):
        set_theme(dash_duo, theme)
        for label, size in VIEWPORTS.items():
            driver.set_window_size(*size)
            driver.refresh()
            dash_duo._wait_for(lambda _: driver.execute_script(
                "return document.querySelector('#line-picker') && "
                "document.querySelector('#line-picker').innerText.includes('5678')"), timeout=10,
                msg="line picker not filled")
            assert "이미 차단" in click_block(dash_duo)
            path = folder / f"block-panel-{theme}-{label}.png"
            driver.save_screenshot(str(path))
            written.append(path)
            dash_duo.find_element("#block-modal-close").click()
    driver.set_window_size(*VIEWPORTS["1280"])
    set_theme(dash_duo, "light")
    return written


def test_block_in_one_click_then_unblock_with_the_password(dash_duo, app, store, output_dir):
    owner = make_user(store, EMAIL)
    line = make_line(store, owner, carrier="KT", nickname="내 폰")
    with store.write() as db:
        token = create_token(db, owner, "simulator")
    dash_duo.start_server(app, navigate=False)
    url = dash_duo.server.url
    browser_login(dash_duo, EMAIL)
    dash_duo.wait_for_contains_text("#line-picker", "010-****-5678", timeout=10)
    assert authorize(url, token, line, "before")["approved"] is True

    text = click_block(dash_duo)
    assert "차단했습니다" in text
    assert "080-000-1618" in text and "1588-0010" in text and "114" in text  # KT's numbers
    assert "PASS" in text and "사건사고사실확인원" in text and "2주" in text
    blocked = authorize(url, token, line, "while-blocked")
    assert blocked == {"approved": False, "reason": "blocked", "transaction_id": blocked["transaction_id"]}

    shots = block_panel_screenshots(dash_duo, output_dir)

    dash_duo.driver.get(url.rstrip("/") + "/limits")
    dash_duo.wait_for_contains_text("#limits-status", "차단됨", timeout=10)
    dash_duo.wait_for_element("#unblock-password").send_keys("wrong password")
    dash_duo.find_element("#unblock-button").click()
    dash_duo.wait_for_contains_text("#unblock-feedback", "비밀번호가 올바르지 않습니다", timeout=10)
    assert authorize(url, token, line, "after-wrong-password")["reason"] == "blocked"

    dash_duo.find_element("#unblock-password").send_keys(PASSWORD)
    dash_duo.find_element("#unblock-button").click()
    dash_duo.wait_for_contains_text("#unblock-feedback", "차단을 해제했습니다", timeout=10)
    dash_duo.wait_for_contains_text("#limits-status", "사용 중", timeout=10)
    after = authorize(url, token, line, "after-unblock")
    assert (after["approved"], after["reason"]) == (True, None)

    shots += screenshots(dash_duo, output_dir, "limits", "#limits-list")
    assert all(p.stat().st_size > 10_000 for p in shots) and len(shots) == 8
    assert dash_duo.get_logs() == [], "browser console errors"


def test_lower_then_raise_a_limit_on_the_limits_page(dash_duo, app, store):
    owner = make_user(store, EMAIL)
    make_line(store, owner, limits={"micropayment": 300_000, "content": 200_000})
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/limits")
    dash_duo.wait_for_contains_text("#limits-list", "300,000원", timeout=10)

    _choose(dash_duo, "#limits-amount", "100000")
    dash_duo.find_element("#limits-save").click()
    dash_duo.wait_for_contains_text("#limits-feedback", "100,000원", timeout=10)
    dash_duo.wait_for_contains_text("#limits-list", "100,000원", timeout=10)

    _choose(dash_duo, "#limits-amount", "500000")
    dash_duo.find_element("#limits-save").click()
    dash_duo.wait_for_contains_text("#limits-feedback", "비밀번호", timeout=10)

    _choose(dash_duo, "#limits-amount", "500000")
    dash_duo.find_element("#limits-password").send_keys(PASSWORD)
    dash_duo.find_element("#limits-save").click()
    dash_duo.wait_for_contains_text("#limits-feedback", "500,000원", timeout=10)
    dash_duo.wait_for_contains_text("#limits-list", "500,000원", timeout=10)


def _choose(dash_duo, selector: str, value: str) -> None:
    """dbc.Select is a native <select>: wait for the option, then pick it."""
    dash_duo._wait_for(lambda _: any(o.get_attribute("value") == value
                                     for o in dash_duo.find_element(selector).find_elements("tag name", "option")),
                       timeout=10, msg=f"{selector} has no option {value}")
    Select(dash_duo.find_element(selector)).select_by_value(value)

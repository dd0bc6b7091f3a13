"""The authenticator app in a real browser: set it up on /account from the QR code's secret, keep the ten
recovery codes, sign in with a code, and unblock a line only with the second factor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import requests
import time_machine
from selenium.webdriver.common.by import By

from data.tokens import create_token
from tests.e2e.pages import axe_violations, browser_login, click, set_theme
from tests.helpers import PASSWORD, make_line, make_user

EMAIL = "owner@example.com"


def field(dash_duo, name: str):
    return dash_duo.wait_for_element(f'input[name="factors-{name}"]', timeout=10)


def press(dash_duo, action: str) -> None:
    click(dash_duo, f'button[id*=\'"action":"{action}"\']')


def set_up_totp(dash_duo) -> tuple[str, list[str]]:
    """On /account: start, read the key under the QR code, confirm with the app's first code."""
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/account")
    press(dash_duo, "totp-start")
    qr = dash_duo.wait_for_element("#factors-qr", timeout=10)
    assert qr.get_attribute("src").startswith("data:image/svg+xml")  # drawn here, not by a web service
    secret = dash_duo.find_element("#factors-secret").text.replace(" ", "")
    field(dash_duo, "totp-code").send_keys(pyotp.TOTP(secret).now())
    field(dash_duo, "totp-password").send_keys(PASSWORD)
    press(dash_duo, "totp-confirm")
    dash_duo.wait_for_element("#factors-recovery-codes", timeout=10)
    codes = [li.text for li in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#factors-recovery-codes li")]
    return secret, codes


def sign_in_again(dash_duo) -> None:
    # Leave the Dash page first (for a plain page of the same site, whose cookies can then be deleted): its
    # pending callbacks would otherwise answer 401.
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/login")
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/login")
    dash_duo.wait_for_element("#email").send_keys(EMAIL)
    dash_duo.find_element("#password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()


def test_set_up_totp_then_sign_in_with_a_code_and_a_recovery_code(dash_duo, app, store):
    make_user(store, EMAIL)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    secret, codes = set_up_totp(dash_duo)
    assert len(codes) == len(set(codes)) == 10
    dash_duo.wait_for_contains_text("#factors-totp-state", "남은 복구 코드 10개", timeout=10)
    assert axe_violations(dash_duo, "#factors-card") == []
    set_theme(dash_duo, "dark")  # TOTP on, dark, on a phone
    dash_duo.driver.set_window_size(375, 812)
    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text("#factors-totp-state", "남은 복구 코드 10개", timeout=10)
    assert axe_violations(dash_duo, "#factors-card") == []
    assert dash_duo.driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    dash_duo.driver.set_window_size(1280, 900)
    set_theme(dash_duo, "light")

    sign_in_again(dash_duo)
    dash_duo.wait_for_element("#factor-form", timeout=10)  # the password alone did not sign in
    dash_duo.find_element("#code").send_keys("000000")
    dash_duo.find_element("#factor-submit").click()
    dash_duo.wait_for_contains_text("#factor-error", "올바르지 않거나", timeout=10)
    dash_duo.find_element("#code").send_keys(pyotp.TOTP(secret).at(datetime.now(UTC), counter_offset=1))
    dash_duo.find_element("#factor-submit").click()
    dash_duo.wait_for_element("#page", timeout=10)

    sign_in_again(dash_duo)
    dash_duo.wait_for_element("#code", timeout=10).send_keys(codes[0])
    dash_duo.find_element("#factor-submit").click()
    dash_duo.wait_for_element("#page", timeout=10)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/account")
    dash_duo.wait_for_contains_text("#factors-totp-state", "남은 복구 코드 9개", timeout=10)

    sign_in_again(dash_duo)  # the same recovery code a second time
    dash_duo.wait_for_element("#code", timeout=10).send_keys(codes[0])
    dash_duo.find_element("#factor-submit").click()
    dash_duo.wait_for_contains_text("#factor-error", "이미 사용", timeout=10)
    # The refused codes answered 401 (as a wrong password does); anything else in the console is a fault.
    assert [log for log in dash_duo.get_logs() if "/login/factor - " not in log["message"]] == []


def test_unblock_needs_the_code_once_the_login_factor_is_stale(dash_duo, app, store):
    owner = make_user(store, EMAIL)
    line = make_line(store, owner, nickname="내 폰")
    with store.write() as db:
        token = create_token(db, owner, "test")
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    secret, _ = set_up_totp(dash_duo)
    requests.post(f"{dash_duo.server.url.rstrip('/')}/api/v1/lines/{line}/block",
                  headers={"Authorization": f"Bearer {token}"}, timeout=10).raise_for_status()

    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11), tick=True):
        dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/limits")
        dash_duo.wait_for_contains_text("#limits-status", "차단됨", timeout=10)
        dash_duo.wait_for_element("#unblock-password").send_keys(PASSWORD)
        click(dash_duo, "#unblock-button")
        dash_duo.wait_for_contains_text("#unblock-feedback", "2단계 인증 코드를 입력하세요", timeout=10)
        dash_duo.wait_for_contains_text("#limits-status", "차단됨", timeout=10)

        dash_duo.find_element("#unblock-password").send_keys(PASSWORD)
        dash_duo.find_element("#unblock-code").send_keys(pyotp.TOTP(secret).now())
        click(dash_duo, "#unblock-button")
        dash_duo.wait_for_contains_text("#unblock-feedback", "차단을 해제했습니다", timeout=10)
        dash_duo.wait_for_contains_text("#limits-status", "사용 중", timeout=10)
    assert dash_duo.get_logs() == [], "browser console errors"

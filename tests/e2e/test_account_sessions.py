"""The account page's devices and API tokens in the browser: another device (a real HTTP client) is listed and
signed out — its cookie refused at once; a token is made, seen once, used and revoked; an idle session ends;
the session id rotating inside a callback leaves the page working."""

from __future__ import annotations

from datetime import timedelta

import requests
import time_machine
from selenium.webdriver.support.ui import Select

from tests.e2e.pages import VIEWPORTS, axe_violations, browser_login, click, wait_until_settled
from tests.helpers import PASSWORD, form_csrf, make_line, make_user

EMAIL = "owner@example.com"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")


def phone_login(base: str) -> requests.Session:
    """Another device signing in over real HTTP."""
    phone = requests.Session()
    phone.headers["User-Agent"] = IPHONE
    token = form_csrf(phone.get(base + "/login", timeout=10).text)
    answer = phone.post(base + "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
                        allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return phone


def layout_status(client: requests.Session, base: str) -> int:
    return client.get(base + "/_dash-layout", timeout=10).status_code


def api_status(base: str, token: str) -> int:
    return requests.get(base + "/api/v1/lines", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code


def open_account(dash_duo) -> None:
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/account")
    dash_duo.wait_for_contains_text("#sessions-list", "이 기기", timeout=15)
    wait_until_settled(dash_duo)


def no_sideways_scroll(dash_duo) -> int:
    return dash_duo.driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_sign_out_another_device_and_manage_tokens(dash_duo, app, store, output_dir):
    make_user(store, EMAIL)
    dash_duo.start_server(app, navigate=False)
    base = dash_duo.server.url.rstrip("/")
    phone = phone_login(base)
    browser_login(dash_duo, EMAIL)
    open_account(dash_duo)
    listed = dash_duo.find_element("#sessions-list").text
    assert "Mobile Safari 17 · iOS" in listed and "127.0.0.1" in listed
    assert layout_status(phone, base) == 200

    dash_duo.find_element("#sessions-password").send_keys(PASSWORD)
    click(dash_duo, "#sessions-items button")  # the only button: the phone's (this device has none)
    dash_duo.wait_for_contains_text("#sessions-result", "그 기기를 로그아웃시켰습니다", timeout=10)
    assert "Mobile Safari" not in dash_duo.find_element("#sessions-list").text
    assert layout_status(phone, base) == 401  # the phone's cookie, at its very next request

    dash_duo.find_element("#tokens-name").send_keys("가계부 앱")
    Select(dash_duo.find_element("#tokens-days")).select_by_value("30")
    dash_duo.find_element("#tokens-password").send_keys(PASSWORD)
    click(dash_duo, "#tokens-create")
    secret = dash_duo.wait_for_element("#tokens-secret", timeout=10).text
    assert secret.startswith("mb_")
    assert "다시 볼 수 없습니다" in dash_duo.find_element("#tokens-new").text
    dash_duo.wait_for_contains_text("#tokens-list", "가계부 앱", timeout=10)
    assert "사용 중" in dash_duo.find_element("#tokens-list").text
    assert api_status(base, secret) == 200
    assert axe_violations(dash_duo) == []

    driver = dash_duo.driver
    for theme in ("light", "dark"):
        driver.add_cookie({"name": "theme", "value": theme, "path": "/"})
        driver.set_window_size(*VIEWPORTS["375"])
        open_account(dash_duo)
        assert secret not in driver.find_element("css selector", "#page").text  # shown once only
        assert no_sideways_scroll(dash_duo) <= 1, f"{theme}: the page scrolls sideways at 375 px"
        driver.set_window_size(375, driver.execute_script("return document.documentElement.scrollHeight") + 120)
        driver.save_screenshot(str(output_dir / f"account-sessions-{theme}-375.png"))
    driver.set_window_size(*VIEWPORTS["1280"])

    click(dash_duo, "#tokens-items button")
    dash_duo.wait_for_contains_text("#tokens-result", "토큰을 폐기했습니다", timeout=10)
    assert "폐기됨" in dash_duo.find_element("#tokens-list").text
    assert api_status(base, secret) == 401  # at once
    assert dash_duo.get_logs() == [], "browser console errors"


def test_the_page_keeps_working_after_the_session_id_rotates_in_a_callback(dash_duo, app, store):
    owner = make_user(store, EMAIL)
    make_line(store, owner, limits={"micropayment": 300_000, "content": 200_000})
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    before = dash_duo.driver.get_cookie("session")["value"]
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/limits")
    dash_duo.wait_for_contains_text("#limits-list", "300,000원", timeout=10)
    dash_duo._wait_for(lambda _: any(o.get_attribute("value") == "500000" for o in
                                     dash_duo.find_element("#limits-amount").find_elements("tag name", "option")),
                       timeout=10, msg="no 500,000 option")
    Select(dash_duo.find_element("#limits-amount")).select_by_value("500000")
    dash_duo.find_element("#limits-password").send_keys(PASSWORD)
    click(dash_duo, "#limits-save")
    dash_duo.wait_for_contains_text("#limits-feedback", "500,000원", timeout=10)
    dash_duo.wait_for_contains_text("#limits-list", "500,000원", timeout=10)  # a later callback, new cookie
    assert dash_duo.driver.get_cookie("session")["value"] != before
    stolen = requests.Session()
    stolen.cookies.set("session", before)
    assert layout_status(stolen, dash_duo.server.url.rstrip("/")) == 401
    open_account(dash_duo)  # and the next page's callbacks (CSRF with the new token) still answer
    dash_duo.find_element("#tokens-password").send_keys(PASSWORD)
    click(dash_duo, "#tokens-create")
    dash_duo.wait_for_element("#tokens-secret", timeout=10)
    assert dash_duo.get_logs() == [], "browser console errors"


def test_an_idle_browser_session_ends(dash_duo, app, store, clock):
    make_user(store, EMAIL)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    open_account(dash_duo)
    with time_machine.travel(clock + timedelta(minutes=33), tick=True):  # the server thread's clock too
        dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/account")
        dash_duo.wait_for_element("#login-submit", timeout=10)
        assert "/login" in dash_duo.driver.current_url

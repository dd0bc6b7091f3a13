"""Passkeys in a real browser, with Chromium's virtual authenticator (DevTools WebAuthn domain): add one on
/account, sign in with it alone (no email or password), use it as the second factor after the password, and
as the step-up that lets a blocked line be unblocked. WebAuthn needs a real host name: the app is opened at
http://localhost:<port> (an IP address is not a valid RP ID)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
import time_machine

from data.tokens import create_token
from tests.e2e.pages import axe_violations, browser_login, click, set_theme
from tests.helpers import PASSWORD, make_line, make_user

EMAIL = "owner@example.com"


def virtual_authenticator(dash_duo) -> str:
    driver = dash_duo.driver
    driver.execute_cdp_cmd("WebAuthn.enable", {})
    added = driver.execute_cdp_cmd("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    return added["authenticatorId"]


def url(dash_duo, path: str) -> str:
    assert "localhost" in dash_duo.server.url
    return dash_duo.server.url.rstrip("/") + path


def add_passkey(dash_duo, name: str) -> None:
    dash_duo.driver.get(url(dash_duo, "/account"))
    dash_duo.wait_for_element("#factors-pk-new-name", timeout=10).send_keys(name)
    dash_duo.find_element("#factors-pk-add-password").send_keys(PASSWORD)  # adding a way in needs it
    click(dash_duo, "#factors-pk-add")
    dash_duo.wait_for_contains_text("#factors-passkeys", name, timeout=15)  # the page reloads with it listed


def signed_out(dash_duo) -> None:
    # Leave the Dash page first (for a plain page of the same site, whose cookies can then be deleted): its
    # pending callbacks would otherwise answer 401.
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/login")
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(url(dash_duo, "/login"))
    dash_duo.wait_for_element("#passkey-login", timeout=10)


def test_add_a_passkey_and_sign_in_with_it_alone_or_after_the_password(dash_duo, app, store):
    make_user(store, EMAIL)
    dash_duo.start_server(app, navigate=False)
    authenticator = virtual_authenticator(dash_duo)
    browser_login(dash_duo, EMAIL)
    add_passkey(dash_duo, "내 노트북")
    dash_duo.wait_for_contains_text("#factors-passkeys", "아직 사용 안 함", timeout=10)
    assert axe_violations(dash_duo, "#factors-card") == []
    set_theme(dash_duo, "dark")  # the card with a passkey listed, dark, on a phone: still readable, no overflow
    dash_duo.driver.set_window_size(375, 812)
    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text("#factors-passkeys", "내 노트북", timeout=10)
    assert axe_violations(dash_duo, "#factors-card") == []
    assert dash_duo.driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    dash_duo.driver.set_window_size(1280, 900)
    set_theme(dash_duo, "light")
    credentials = dash_duo.driver.execute_cdp_cmd("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [c["isResidentCredential"] for c in credentials["credentials"]] == [True]  # usable without an email

    signed_out(dash_duo)
    click(dash_duo, "#passkey-login")  # no email, no password
    dash_duo.wait_for_element("#page", timeout=15)
    dash_duo.driver.get(url(dash_duo, "/account"))
    dash_duo.wait_for_contains_text("#factors-passkeys", "마지막 사용", timeout=10)

    signed_out(dash_duo)
    dash_duo.find_element("#email").send_keys(EMAIL)
    dash_duo.find_element("#password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()
    click(dash_duo, "#passkey-second")  # /login/factor: the password alone did not sign in
    dash_duo.wait_for_element("#page", timeout=15)
    assert dash_duo.get_logs() == [], "browser console errors"


def test_without_the_authenticator_the_passkey_sign_in_fails_politely(dash_duo, app, store):
    make_user(store, EMAIL)
    dash_duo.start_server(app, navigate=False)
    authenticator = virtual_authenticator(dash_duo)
    browser_login(dash_duo, EMAIL)
    add_passkey(dash_duo, "열쇠")
    dash_duo.driver.execute_cdp_cmd("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
    other = dash_duo.driver.execute_cdp_cmd("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})  # a stranger's device: no credential
    assert other["authenticatorId"]
    signed_out(dash_duo)
    click(dash_duo, "#passkey-login")
    dash_duo.wait_for_contains_text("#passkey-error", "패스키를 확인하지 못했습니다", timeout=30)
    assert "/login" in dash_duo.driver.current_url


def test_a_passkey_step_up_lets_a_stale_session_unblock(dash_duo, app, store):
    owner = make_user(store, EMAIL)
    line = make_line(store, owner, nickname="내 폰")
    with store.write() as db:
        token = create_token(db, owner, "test")
    dash_duo.start_server(app, navigate=False)
    virtual_authenticator(dash_duo)
    browser_login(dash_duo, EMAIL)
    add_passkey(dash_duo, "내 노트북")
    requests.post(url(dash_duo, f"/api/v1/lines/{line}/block"), headers={"Authorization": f"Bearer {token}"},
                  timeout=10).raise_for_status()

    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11), tick=True):
        dash_duo.driver.get(url(dash_duo, "/limits"))
        dash_duo.wait_for_contains_text("#limits-status", "차단됨", timeout=10)
        dash_duo.wait_for_element("#unblock-password").send_keys(PASSWORD)
        click(dash_duo, "#unblock-button")
        dash_duo.wait_for_contains_text("#unblock-feedback", "2단계 인증 코드를 입력하세요", timeout=10)

        click(dash_duo, "#unblock-stepup")
        dash_duo.wait_for_contains_text("#unblock-stepup-status", "패스키로 확인되었습니다", timeout=15)
        dash_duo.find_element("#unblock-password").send_keys(PASSWORD)
        click(dash_duo, "#unblock-button")
        dash_duo.wait_for_contains_text("#unblock-feedback", "차단을 해제했습니다", timeout=10)
        dash_duo.wait_for_contains_text("#limits-status", "사용 중", timeout=10)
    assert dash_duo.get_logs() == [], "browser console errors"

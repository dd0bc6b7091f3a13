"""Passwords in a real browser: change on /account (a message under the field, other sessions and tokens end),
and the forgotten-password path from the login page through a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from dashboard.services import accounts
from tests.e2e.pages import axe_violations, browser_login, click, wait_until_settled
from tests.helpers import PASSWORD, login, make_user
from tests.http.test_mail_smtp import body_text, smtp  # noqa: F401 - the fixture
from tests.http.test_passwords_reset import LINK, mail_app  # noqa: F401 - the fixture

EMAIL = "owner@example.com"
NEW_PASSWORD = "wonderful kimchi stew"


def type_into(dash_duo, selector: str, text: str) -> None:
    field = dash_duo.wait_for_element(selector, timeout=10)
    field.clear()
    field.send_keys(text)


def change_password(dash_duo, current: str, new: str) -> None:
    type_into(dash_duo, "#pw-current", current)
    type_into(dash_duo, "#pw-new", new)
    type_into(dash_duo, "#pw-repeat", new)
    click(dash_duo, "#pw-change-submit")


def test_changing_the_password_ends_the_other_session_and_the_tokens(dash_duo, app, store):
    uid = make_user(store, EMAIL)
    token = accounts.create_token(store, uid, "automation", days=90)
    other = app.server.test_client()
    login(other)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/account")
    wait_until_settled(dash_duo)

    change_password(dash_duo, PASSWORD, "qwertyuiop")
    dash_duo.wait_for_contains_text("#pw-new-error", "너무 흔하거나 추측하기 쉬운 비밀번호입니다", timeout=10)
    assert "is-invalid" in dash_duo.find_element("#pw-new").get_attribute("class")
    assert axe_violations(dash_duo, "#password-card") == []
    assert other.get("/_dash-layout").status_code == 200  # nothing changed yet

    change_password(dash_duo, PASSWORD, NEW_PASSWORD)
    dash_duo.wait_for_contains_text("#pw-change-done", "비밀번호를 바꿨습니다", timeout=10)
    assert dash_duo.find_element("#pw-current").get_attribute("value") == ""
    assert other.get("/_dash-layout").status_code == 401  # the other session's cookie is dead
    api = requests.get(dash_duo.server.url.rstrip("/") + "/api/v1/lines",
                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert api.status_code == 401
    dash_duo.driver.refresh()  # this browser is still logged in (its session got a new id)
    dash_duo.wait_for_element("#pw-change-submit", timeout=10)


def test_a_forgotten_password_is_reset_through_the_mailed_link(dash_duo, mail_app, smtp):  # noqa: F811
    store = mail_app.server.extensions["microbill_store"]
    make_user(store, EMAIL)
    dash_duo.start_server(mail_app, navigate=False)
    driver = dash_duo.driver
    driver.get(dash_duo.server.url.rstrip("/") + "/login")
    click(dash_duo, "#forgot-link")
    type_into(dash_duo, "#email", EMAIL)
    click(dash_duo, "#forgot-submit")
    dash_duo.wait_for_contains_text("#forgot-sent", "재설정 링크를 보냈습니다", timeout=10)

    link = LINK.search(body_text(smtp.wait(1)[0])).group(0)
    assert link.startswith("http://microbill.test/reset/")  # MICROBILL_BASE_URL, whatever Host the form got
    link = dash_duo.server.url.rstrip("/") + urlsplit(link).path  # this test's server stands in for it
    driver.get(link)
    type_into(dash_duo, "#new", "password12")
    type_into(dash_duo, "#repeat", "password12")
    click(dash_duo, "#reset-submit")
    dash_duo.wait_for_contains_text("#new-error", "너무 흔하거나 추측하기 쉬운 비밀번호입니다", timeout=10)
    type_into(dash_duo, "#new", NEW_PASSWORD)
    type_into(dash_duo, "#repeat", NEW_PASSWORD)
    click(dash_duo, "#reset-submit")
    dash_duo.wait_for_contains_text("#login-notice", "새 비밀번호로 로그인하세요", timeout=10)

    driver.get(link)  # used: refused
    dash_duo.wait_for_contains_text(".alert-warning", "이미 사용했거나", timeout=10)
    browser_login(dash_duo, EMAIL, NEW_PASSWORD)

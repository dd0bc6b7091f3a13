"""Deleting the account in a real browser: download everything first, then password + the email typed; the
browser ends on the login page, the user's rows are gone and another user's are untouched."""

from __future__ import annotations

import io
import zipfile

import requests

from tests.e2e.pages import axe_violations, browser_login, click, wait_until_settled
from tests.helpers import PASSWORD, make_user
from tests.http.test_erasure import TABLES, counts, fill, rows_of

EMAIL = "owner@example.com"


def test_download_then_delete_the_account(dash_duo, app, store):
    owner = make_user(store, EMAIL)
    other = make_user(store, "other@example.com")
    fill(store, owner, "mine", passkey=False)  # no second factor: the password alone deletes
    fill(store, other, "theirs")
    theirs = rows_of(store, other)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    driver = dash_duo.driver
    driver.get(dash_duo.server.url.rstrip("/") + "/account")
    wait_until_settled(dash_duo)
    assert not dash_duo.find_element("#delete-code-group").is_displayed()  # no second factor: no code field
    assert axe_violations(dash_duo, "#delete-card") == []

    # The download link, fetched with this browser's own cookies.
    href = dash_duo.find_element("#delete-export").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
    download = requests.get(href, cookies=cookies, timeout=30)
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    assert {f"{name}.csv" for name in TABLES} <= set(names)

    dash_duo.wait_for_element("#delete-password").send_keys("not my password")
    dash_duo.find_element("#delete-typed").send_keys(EMAIL)
    click(dash_duo, "#delete-submit")
    dash_duo.wait_for_contains_text("#delete-password-error", "비밀번호", timeout=10)
    assert counts(store)["lines"] == 2

    field = dash_duo.find_element("#delete-password")
    field.clear()
    field.send_keys(PASSWORD)
    click(dash_duo, "#delete-submit")
    dash_duo.wait_for_contains_text("#login-notice", "계정과 모든 데이터를 삭제했습니다", timeout=15)
    assert driver.current_url.rstrip("/").endswith("/login")

    assert rows_of(store, owner)["users"] == [] and rows_of(store, other) == theirs
    assert {name: count for name, count in counts(store).items() if name != "audit_log"} == {
        name: len(rows) for name, rows in theirs.items() if name != "audit_log"}
    driver.get(dash_duo.server.url.rstrip("/") + "/account")  # logged out
    dash_duo.wait_for_element("#login-submit", timeout=10)

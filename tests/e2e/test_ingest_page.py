"""The message-forwarding set-up page in the browser: make the line's intake URL and see it once, the phone's
post through it is counted, a reload shows only since when it is active, and the test box reads the sample."""

from __future__ import annotations

import requests

from tests.e2e.pages import VIEWPORTS, axe_violations, browser_login, wait_until_settled
from tests.helpers import make_line, make_user

EMAIL = "owner@example.com"


def phone_shot(dash_duo, path) -> None:
    """The page as it is now (not reloaded: the URL is shown once) at 375 px, whole, then back to 1280 px."""
    driver = dash_duo.driver
    driver.set_window_size(*VIEWPORTS["375"])
    driver.set_window_size(375, driver.execute_script("return document.documentElement.scrollHeight") + 120)
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    driver.save_screenshot(str(path))
    driver.set_window_size(*VIEWPORTS["1280"])
    assert overflow <= 1, f"{path.name}: the page scrolls sideways by {overflow}px"


def test_make_the_url_see_it_once_and_read_a_test_message(dash_duo, app, store, output_dir):
    make_line(store, make_user(store, EMAIL), nickname="내 폰")
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/ingest")
    dash_duo.wait_for_contains_text("#ingest-status", "아직 URL이 없습니다", timeout=10)
    assert "먼저 위에서 URL을 만드세요" in dash_duo.find_element("#ingest-recipes").text

    dash_duo.find_element("#ingest-rotate").click()
    url = dash_duo.wait_for_element("#ingest-url", timeout=10).text
    assert url.startswith(dash_duo.server.url.rstrip("/") + "/ingest/mbi_")
    assert "지금 한 번만 보여 드립니다" in dash_duo.find_element("#ingest-new-url").text
    dash_duo.wait_for_text_to_equal("#ingest-rotate", "새 URL로 바꾸기", timeout=5)
    assert url in dash_duo.find_element("#ingest-posts-android").text  # the recipes show it too
    dash_duo.find_element("#ingest-copy").click()  # headless Chromium may deny the clipboard: either answer
    dash_duo._wait_for(lambda _: dash_duo.find_element("#ingest-copy-status").text, timeout=5, msg="no copy answer")
    assert dash_duo.find_element("#ingest-copy-status").text in ("복사했습니다.", "복사하지 못했습니다. 주소를 길게 "
                                                                               "눌러 직접 복사하세요.")
    assert axe_violations(dash_duo) == []
    phone_shot(dash_duo, output_dir / "ingest-new-url-375.png")

    # The phone's automation posts a message to it, as plain text.
    posted = requests.post(url, data="[Web발신]\n[다날] 5,500원 결제완료\n넥슨코리아".encode(),
                           headers={"Content-Type": "text/plain; charset=utf-8"}, timeout=10)
    assert posted.status_code == 201, posted.text

    dash_duo.driver.refresh()
    wait_until_settled(dash_duo)
    dash_duo.wait_for_contains_text("#ingest-status", "부터", timeout=10)
    status = dash_duo.find_element("#ingest-status").text
    assert "사용 중 2026-11-18 14:" in status and "마지막 수신: 2026-11-18 14:" in status  # the suite's clock
    assert dash_duo.driver.find_elements("css selector", "#ingest-url") == []
    assert "mbi_" not in dash_duo.find_element("#page").text

    dash_duo.find_element("#ingest-test-send").click()  # the sample message already in the box
    dash_duo.wait_for_text_to_equal("#ingest-result-amount", "12,300원", timeout=10)
    assert dash_duo.find_element("#ingest-result-merchant").text == "넥슨코리아"
    assert dash_duo.find_element("#ingest-result-kind").text == "결제"
    assert axe_violations(dash_duo) == []
    phone_shot(dash_duo, output_dir / "ingest-test-result-375.png")

"""Alerts end to end: a budget set in the browser, charges through the authorization API, the bell and
a real SMTP server (aiosmtpd); a dawn voucher burst whose mailed link blocks the line without a login."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from callbacks import pages
from data.models import Alert, Line
from data.vocab import usage_month
from tests.e2e.pages import VIEWPORTS, browser_login, screenshots
from tests.helpers import make_line, make_user
from tests.http.test_alerts_callbacks import spend
from tests.http.test_api_lines import bearer
from tests.http.test_mail_smtp import authorize, body_text, free_port, last_dawn, mail_config, smtp  # noqa: F401

EMAIL = "owner@example.com"


@pytest.fixture
def served(database_url, tmp_path, smtp):  # noqa: F811 (the imported fixture)
    """An app whose mail links point at the port the browser test serves it on."""
    from dashboard.app import create_app

    port = free_port()
    app = create_app(mail_config(database_url, tmp_path, smtp.port, base_url=f"http://127.0.0.1:{port}"))
    yield app, port
    app.server.extensions["microbill_store"].dispose()


def owner_line(store) -> tuple[int, int]:
    uid = make_user(store, EMAIL)
    line = make_line(store, uid, nickname="내 폰", limits={"micropayment": 300_000, "content": 200_000},
                     effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    return uid, line


def open_page(dash_duo, path: str, ready: str) -> None:
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + path)
    dash_duo.wait_for_element(ready, timeout=15)


# react-bootstrap slides the offcanvas in: wait until it stands still before a screenshot.
PANEL_SETTLED = """
const panel = document.getElementById('bell-panel');
return !!panel && panel.classList.contains('show') && getComputedStyle(panel).transform === 'none'
  && panel.getBoundingClientRect().right <= window.innerWidth + 1;
"""


def open_bell(dash_duo) -> None:
    dash_duo.find_element("#bell-button").click()
    dash_duo.wait_for_element("#bell-list .alert-list", timeout=10)
    dash_duo._wait_for(lambda d: d.execute_script(PANEL_SETTLED), timeout=5, msg="bell panel still moving")


def test_budget_alert_reaches_the_bell_and_the_mailbox(dash_duo, served, smtp, output_dir):  # noqa: F811
    app, port = served
    store = app.server.extensions["microbill_store"]
    uid, line = owner_line(store)
    dash_duo.start_server(app, navigate=False, port=port)
    browser_login(dash_duo, EMAIL)

    open_page(dash_duo, "/budget", "#budget-amount")
    dash_duo._wait_for(lambda _: "500,000원" in dash_duo.find_element("#budget-amount-help").text, timeout=10,
                       msg="total limit help not shown")
    amount = dash_duo.find_element("#budget-amount")
    amount.clear()
    amount.send_keys("600000")  # over the 500,000 total limit: refused in Korean
    dash_duo.find_element("#budget-save").click()
    dash_duo.wait_for_contains_text("#budget-errors", "총 한도 500,000원", timeout=10)
    amount.clear()
    amount.send_keys("100000")
    dash_duo.find_element("#budget-save").click()
    dash_duo.wait_for_text_to_equal("#budget-saved", "예산을 저장했습니다.", timeout=10)

    client = app.server.test_client()
    headers = bearer(store, uid)
    assert authorize(client, line, headers, "c1", 85_000, merchant="쿠팡", category="shopping")["approved"]

    dash_duo.wait_for_text_to_equal("#bell-count", "1", timeout=20)  # the 10 s poll picks it up
    for page in pages():  # the bell and its count are in the top bar of every page
        open_page(dash_duo, page.path, "#page > *")
        dash_duo.wait_for_text_to_equal("#bell-count", "1", timeout=10)
        assert dash_duo.find_element("#bell-button").get_attribute("aria-label") == "읽지 않은 알림 1건", page.path
    dash_duo.find_element("#bell-button").click()
    dash_duo.wait_for_contains_text("#bell-list", "80%", timeout=10)
    assert "예산 도달" in dash_duo.find_element("#bell-list").text
    shots = screenshots(dash_duo, output_dir, "bell-open", "#bell-count:not(.d-none)", show=lambda: open_bell(dash_duo))
    assert len(shots) == 4 and all(p.stat().st_size > 10_000 for p in shots)
    dash_duo.driver.refresh()
    open_bell(dash_duo)

    msg = smtp.wait(1)[0]
    assert str(msg["Subject"]) == "[마이크로빌] 예산 도달 · 내 폰"
    assert "예산의 80%에 도달했습니다 (85,000원 / 예산 100,000원)" in body_text(msg)

    dash_duo.find_element("#bell-list .alert-read-button").click()
    dash_duo._wait_for(lambda _: "d-none" in dash_duo.find_element("#bell-count").get_attribute("class"),
                       timeout=10, msg="unread badge still shown")
    assert dash_duo.get_logs() == [], "browser console errors"


@pytest.mark.month_edges
def test_dawn_voucher_burst_mail_link_blocks_without_login(dash_duo, served, smtp, output_dir):  # noqa: F811
    app, port = served
    store = app.server.extensions["microbill_store"]
    uid, line = owner_line(store)
    client = app.server.test_client()
    headers = bearer(store, uid)
    dawn = last_dawn()
    for i in range(3):
        assert authorize(client, line, headers, f"v{i}", 50_000, dawn + timedelta(minutes=2 * i))["approved"]
    msg = smtp.wait(1)[0]
    assert str(msg["Subject"]) == "[마이크로빌] 부정결제 의심 · 내 폰"
    text = body_text(msg)
    assert "상품권·게임머니·교통카드 연속 구매" in text and "150,000원" in text
    link = next(word for word in text.split() if "/b/" in word)
    assert link.startswith(f"http://127.0.0.1:{port}/b/")

    dash_duo.start_server(app, navigate=False, port=port)
    dash_duo.driver.get(link)  # a fresh browser: nobody is logged in
    button = dash_duo.wait_for_element("#block-now", timeout=10)
    assert button.text == "지금 차단하기"
    assert "010-****-5678" in dash_duo.find_element("#block-line").text
    assert "부정결제" in dash_duo.find_element("#block-alert").text
    with store.read() as db:
        assert db.get(Line, line).status == "active"  # opening the link changed nothing
    button.click()
    dash_duo.wait_for_contains_text("#block-result", "차단했습니다", timeout=10)
    with store.read() as db:
        blocked = db.get(Line, line)
        assert blocked.status == "blocked" and blocked.block_reason == "alert_link"
    dash_duo.driver.save_screenshot(str(output_dir / "block-link-done-light-1280.png"))
    dash_duo.driver.set_window_size(*VIEWPORTS["375"])
    dash_duo.driver.save_screenshot(str(output_dir / "block-link-done-light-375.png"))
    dash_duo.driver.set_window_size(*VIEWPORTS["1280"])

    declined = authorize(client, line, headers, "after", 10_000)
    assert declined == {"approved": False, "reason": "blocked", "transaction_id": declined["transaction_id"]}

    dash_duo.driver.get(link)  # the same link again
    dash_duo.wait_for_contains_text("#block-result", "이미 사용한 링크입니다", timeout=10)
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#block-now")
    shots = screenshots(dash_duo, output_dir, "block-link-used", "#block-result")

    # The owner logs in: the overview warns, the bell counts the fraud and the blocked attempt.
    browser_login(dash_duo, EMAIL)
    dash_duo.wait_for_contains_text("#alerts-banner-fraud", "부정결제가 의심되는 알림이 2건", timeout=15)
    dash_duo.wait_for_text_to_equal("#bell-count", "2", timeout=15)
    # A budget below what the month has spent: the amber banner joins the red one (no new alert).
    if usage_month(dawn) != usage_month(datetime.now(UTC)):  # run just after midnight on the 1st
        spend(store, line, 150_000)  # the month's spending, so the banner has something to say
    assert client.put(f"/api/v1/lines/{line}/budget", json={"amount": 100_000}, headers=headers).status_code == 200
    dash_duo.driver.refresh()
    dash_duo.wait_for_contains_text("#alerts-banner-budget", "150,000원이 예산 100,000원을 넘었습니다", timeout=15)
    shots += screenshots(dash_duo, output_dir, "overview-banners", "#alerts-banner-budget")
    assert len(shots) == 8 and all(p.stat().st_size > 10_000 for p in shots)
    dash_duo.wait_for_text_to_equal("#bell-count", "2", timeout=15)
    open_page(dash_duo, "/budget", "#budget-amount")
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#alerts-banner-fraud")  # overview only
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#alerts-banner-budget")


def test_alerts_page_filters_and_screenshots(dash_duo, served, smtp, output_dir):  # noqa: F811
    app, port = served
    store = app.server.extensions["microbill_store"]
    uid, line = owner_line(store)
    client = app.server.test_client()
    headers = bearer(store, uid)
    # The last charge alone passes 50 %, whichever month the dawn charges fall in (run on the 1st).
    client.put(f"/api/v1/lines/{line}/budget", headers=headers,
               json={"amount": 100_000, "large_charge": 50_000, "notify_new_merchant": True})
    dawn = last_dawn()
    authorize(client, line, headers, "s0", 12_000, merchant="쿠팡", category="shopping",
              at=dawn - timedelta(hours=30))
    for i in range(3):
        authorize(client, line, headers, f"v{i}", 50_000, dawn + timedelta(minutes=3 * i))
    authorize(client, line, headers, "big", 60_000, merchant="(주)다날_넥슨코리아", category="game")
    smtp.wait(4)

    dash_duo.start_server(app, navigate=False, port=port)
    browser_login(dash_duo, EMAIL)
    open_page(dash_duo, "/alerts", "#alerts-list .alert-list")
    def kinds() -> list[str]:  # read in one script: the list re-renders under our feet
        return dash_duo.driver.execute_script(
            "return [...document.querySelectorAll('#alerts-list [data-kind]')].map(e => e.dataset.kind)")

    dash_duo._wait_for(lambda _: "fraud_burst" in kinds(), timeout=10, msg="fraud alert not listed")
    assert {"fraud_burst", "large_charge", "new_merchant", "budget_threshold"} <= set(kinds())

    dash_duo.select_dcc_dropdown("#alerts-filter-kind", index=4)  # fraud_burst (KINDS order)
    dash_duo._wait_for(lambda _: set(kinds()) == {"fraud_burst"}, timeout=10, msg="kind filter")
    dash_duo.find_element("#alerts-list .alert-read-button").click()
    dash_duo.find_element("#alerts-filter-unread").click()
    dash_duo.wait_for_text_to_equal("#alerts-list .alerts-empty", "조건에 맞는 알림이 없습니다.", timeout=10)
    dash_duo.find_element("#alerts-filter-unread").click()
    dash_duo.wait_for_element("#alerts-list [data-read='1']", timeout=10)

    open_page(dash_duo, "/alerts", "#alerts-list .alert-list")
    shots = screenshots(dash_duo, output_dir, "alerts", "#alerts-list .alert-list")
    open_page(dash_duo, "/budget", "#budget-usage .usage-meter")
    shots += screenshots(dash_duo, output_dir, "budget", "#budget-usage .usage-meter")

    # The block-link page is Flask: a fresh (unused) link, shown with GET only.
    from dashboard.alerts import block_links

    with store.write() as db:
        fraud = db.scalar(select(Alert.id).where(Alert.kind == "fraud_burst"))
        fresh = block_links.create_link(db, line, fraud, timedelta(hours=24))
        db.flush()
        token = block_links.sign(fresh.id, "mail-secret")
    dash_duo.driver.get(f"{dash_duo.server.url.rstrip('/')}/b/{token}")
    dash_duo.wait_for_element("#block-now", timeout=10)
    shots += screenshots(dash_duo, output_dir, "block-link", "#block-now")
    assert len(shots) == 12 and all(p.stat().st_size > 10_000 for p in shots)
    with store.read() as db:
        assert db.get(Line, line).status == "active"
    assert dash_duo.get_logs() == [], "browser console errors"

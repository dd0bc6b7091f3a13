"""The subscriptions page in a real browser: the demo user's subscriptions with their calendar at 1280/375 px,
light and dark, axe-clean; and "해지했어요" on one of them changes the forecast card on the overview."""

from __future__ import annotations

import re
from datetime import timedelta

from selenium.webdriver.common.by import By
from sqlalchemy import select

from data.lines import lines_of
from data.models import Transaction, User
from data.seed import DEMO_EMAIL
from data.vocab import kst_today, month_start, months_back
from tests.e2e.fixtures.demo import seed_demo_with
from tests.e2e.pages import axe_violations, browser_login, click, screenshots, wait_until_settled

MUSIC = "테스트뮤직"  # a subscription renewing on the 25th, so it is still due this month


def _seed(store) -> None:
    seed_demo_with(store, [])
    with store.write() as db:
        user = db.scalar(select(User).where(User.email == DEMO_EMAIL))
        line = lines_of(db, user.id)[0]  # the line the picker selects first
        for month in months_back(kst_today().strftime("%Y-%m"), 6)[:-1]:
            tx = Transaction(line_id=line.id, merchant=MUSIC, merchant_key=MUSIC, pg="다날", category="subscription",
                             bucket="micropayment", amount=9_900, status="approved", source="manual",
                             external_id=f"music-{month}", refund=False, pay_type="recurring")
            tx.set_time(month_start(month) + timedelta(days=24, hours=8))
            db.add(tx)


def _open(dash_duo, path: str) -> None:
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + path)
    wait_until_settled(dash_duo)


def _won(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_the_subscriptions_page_lists_them_and_is_accessible(dash_duo, app, store, output_dir):
    _seed(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    _open(dash_duo, "/subscriptions")
    listing = dash_duo.wait_for_element(".subscription-list", timeout=15).text
    assert MUSIC in listing and "월 9,900원" in listing and "1566-3355" not in listing  # steps fold away
    assert "구글플레이" in listing  # the demo owner's YouTube Premium
    calendar = dash_duo.find_element("#subscriptions-calendar").text
    assert "결제 달력" in calendar and MUSIC in calendar and "예정" in calendar

    problems: list[str] = []
    shots = screenshots(dash_duo, output_dir, "subscriptions", ".subscription-list",
                        show=lambda: problems.extend(str(v) for v in axe_violations(dash_duo)))
    assert problems == [], "\n".join(problems)
    assert all(p.stat().st_size > 10_000 for p in shots)
    dash_duo.find_element(".how-to-cancel summary").click()  # how to cancel, unfolded
    steps = dash_duo.find_element(".how-to-cancel ol").text
    assert "구독 취소" in steps and "114" in steps  # the store's path for 구글플레이, then the carrier (KT)
    assert dash_duo.get_logs() == [], "browser console errors"


def test_marking_one_cancelled_changes_the_forecast_card(dash_duo, app, store):
    _seed(store)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, DEMO_EMAIL)
    dash_duo.wait_for_contains_text("#forecast-card", MUSIC, timeout=15)  # due on the 25th
    before = _won(dash_duo.find_element("#forecast-card .forecast-expected").text)

    _open(dash_duo, "/subscriptions")
    click(dash_duo, f'button[aria-label="{MUSIC} 해지했어요"]', timeout=15)
    dash_duo.wait_for_contains_text("#subscriptions-feedback", "표시했어요", timeout=10)
    dash_duo.wait_for_element(f'button[aria-label="{MUSIC} 표시 되돌리기"]', timeout=10)

    _open(dash_duo, "/")
    dash_duo.wait_for_contains_text("#forecast-card .excluded-item", MUSIC, timeout=15)
    upcoming = [e.text for e in dash_duo.driver.find_elements(By.CSS_SELECTOR, "#forecast-card .recurring-item")]
    assert not any(MUSIC in text for text in upcoming)
    assert _won(dash_duo.find_element("#forecast-card .forecast-expected").text) <= before - 9_900
    assert dash_duo.get_logs() == [], "browser console errors"

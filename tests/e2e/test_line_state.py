"""What the user sees first, in the browser: blocking from the top bar puts the blocked banner above the page at
once (with 차단 해제), the meters stop promising room; an overdue bill and a forecast past the budget have their
banners with the page that resolves them."""

from __future__ import annotations

from datetime import timedelta

from dashboard.services import budgets as budget_service
from data.billing import refresh_bills
from data.models import Line, utcnow
from data.vocab import kst_today, month_start, months_back, usage_month
from tests.e2e.pages import browser_login, click, screenshots, text_of
from tests.e2e.test_block import click_block
from tests.helpers import add_charge, make_line, make_user

EMAIL = "owner@example.com"
BANNER = "#line-state-banner"


def _wait_text(dash_duo, selector: str, wanted: str, timeout: float = 20) -> str:
    dash_duo._wait_for(lambda _: wanted in (text_of(dash_duo, selector) or ""), timeout=timeout,
                       msg=f"{selector} never said {wanted!r}: {text_of(dash_duo, selector)!r}")
    return text_of(dash_duo, selector) or ""


def test_blocking_shows_the_blocked_banner_at_once_and_the_meters_agree(dash_duo, app, store, output_dir):
    uid = make_user(store, EMAIL)
    make_line(store, uid, nickname="내 폰")
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    _wait_text(dash_duo, "#overview-usage", "남은 한도")
    assert not text_of(dash_duo, BANNER)  # a calm line: nothing above the page
    click_block(dash_duo)
    dash_duo.find_element("#block-modal-close").click()
    banner = _wait_text(dash_duo, BANNER, "이 회선은 차단되어 있어요")
    assert "차단 해제" in banner
    assert "차단 중 · 결제 불가" in _wait_text(dash_duo, "#overview-usage", "차단 중")
    assert "차단된 회선이라" in _wait_text(dash_duo, "#forecast-card", "차단된 회선이라")
    shots = screenshots(dash_duo, output_dir, "blocked-overview", BANNER + " .line-state-blocked")
    assert all(p.stat().st_size > 10_000 for p in shots)
    click(dash_duo, BANNER + " .state-action")  # the banner's one action: the page that unblocks
    dash_duo._wait_for(lambda d: d.current_url.endswith("/limits"), timeout=10, msg="not on /limits")
    dash_duo.wait_for_element("#unblock-password", timeout=10)
    assert dash_duo.get_logs() == [], "browser console errors"


def test_an_overdue_bill_and_a_budget_forecast_have_their_banners(dash_duo, app, store):
    uid = make_user(store, EMAIL)
    line = make_line(store, uid, nickname="내 폰")
    old = months_back(usage_month(utcnow()), 3)[0]
    with store.write() as db:
        db.get(Line, line).created_at = month_start(old)
    add_charge(store, line, 10_000, month_start(old) + timedelta(days=2), "old-1")  # never paid: overdue by now
    this_month = month_start(kst_today().strftime("%Y-%m"))
    for day in range(kst_today().day):
        add_charge(store, line, 9_000, this_month + timedelta(days=day, minutes=1), f"now-{day}")
    settings = app.server.config["MICROBILL"]
    refresh_bills(store, line, utcnow(), settings)
    with app.server.app_context():
        budget_service.set_budget(store, settings, uid, line, amount=20_000, thresholds=[50, 80, 100],
                                  large_charge=None, notify_new_merchant=False)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, EMAIL)
    banner = _wait_text(dash_duo, BANNER, "미납")
    assert "납부하기" in banner and "300,000원 이하" in banner
    assert "예산 초과 예상" in _wait_text(dash_duo, BANNER, "예산 초과 예상")
    assert "예산 초과 예상" in _wait_text(dash_duo, "#forecast-card", "예산 20,000원")
    click(dash_duo, BANNER + " .line-state-overdue .state-action")
    dash_duo._wait_for(lambda d: d.current_url.endswith("/bills"), timeout=10, msg="not on /bills")
    # On /bills the page itself is the action: the banner stays, its button goes.
    dash_duo._wait_for(lambda _: "미납" in (text_of(dash_duo, BANNER) or "")
                       and "납부하기" not in (text_of(dash_duo, BANNER) or ""), timeout=20,
                       msg=f"the banner on /bills: {text_of(dash_duo, BANNER)!r}")
    assert dash_duo.get_logs() == [], "browser console errors"

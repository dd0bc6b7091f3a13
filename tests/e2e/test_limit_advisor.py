"""The limit advisor on /limits: a line spending far below its limit is told so, and one click lowers it."""

from __future__ import annotations

from tests.e2e.pages import axe_violations, browser_login, click, wait_until_settled
from tests.helpers import make_user
from tests.http.test_limit_advice import MICRO, limit_now, line_with_history


# The months counted back from the clock's month are checked at the month edges in tests/http/test_limit_advice.py;
# here, the click a user makes.
def test_applying_the_suggestion_lowers_the_limit(dash_duo, app, store):
    line = line_with_history(store, make_user(store, "owner@example.com"),
                             {"micropayment": 300_000, "content": 200_000}, micropayment=MICRO)
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, "owner@example.com")
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/limits")
    dash_duo.wait_for_contains_text("#limits-list", "300,000원", timeout=10)
    dash_duo.wait_for_contains_text("#advice-micropayment", "추천 한도 50,000원", timeout=10)
    assert "한도 50,000원이면 충분해요" in dash_duo.find_element("#advice-micropayment").text
    wait_until_settled(dash_duo)
    assert axe_violations(dash_duo, "#advice-card") == []

    click(dash_duo, "#advice-micropayment button")
    dash_duo.wait_for_contains_text("#advice-feedback", "소액결제 한도를 50,000원(으)로 바꿨습니다", timeout=10)
    dash_duo.wait_for_contains_text("#limits-list", "50,000원", timeout=10)
    assert "300,000원" not in dash_duo.find_element("#limits-list").text
    dash_duo.wait_for_contains_text("#advice-micropayment", "그대로", timeout=10)  # the advice now keeps it
    assert limit_now(store, line, "micropayment") == 50_000
    assert dash_duo.get_logs() == [], "browser console errors"

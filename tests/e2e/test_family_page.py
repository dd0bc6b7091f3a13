"""The family page in a real Chromium: a guardian sees their own line and the child's shared one side by side
(the child's with the "보호자" badge and the minor's cap), presses the child's block button, confirms once, and
the card says the line is blocked — as the store does."""

from __future__ import annotations

import json

from selenium.webdriver.common.by import By

from data.members import add_member
from data.models import Line
from tests.e2e.pages import axe_violations, browser_login, click, text_of, wait_until_settled
from tests.helpers import make_line, make_user

PARENT, CHILD = "parent@example.com", "child@example.com"
# dbc puts the id on .modal-dialog; the fade-in must be over before a click lands on its buttons.
MODAL_SHOWN = """
const dialog = document.querySelector('#family-block-modal');
const modal = dialog && dialog.parentElement;
return !!modal && modal.classList.contains('show') && getComputedStyle(modal).opacity === '1';
"""


def dom_id(kind: str, line_id: int) -> str:
    """A CSS selector for a pattern-matching id as Dash writes it into the page (keys sorted, no spaces)."""
    return "[id='{}']".format(json.dumps({"line": line_id, "type": kind}, sort_keys=True, separators=(",", ":")))


def test_a_guardian_blocks_the_childs_line_from_the_family_page(dash_duo, app, store):
    parent, child = make_user(store, PARENT), make_user(store, CHILD)
    own = make_line(store, parent, nickname="엄마 폰", number="010-****-1111")
    kid = make_line(store, child, nickname="아이 폰", number="010-****-2222", is_minor=True,
                    limits={"micropayment": 50_000, "content": 30_000})
    with store.write() as db:
        add_member(db, kid, parent, "guardian")
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, PARENT)
    dash_duo.driver.get(dash_duo.server.url.rstrip("/") + "/family")
    dash_duo.wait_for_element(".family-card", timeout=15)
    wait_until_settled(dash_duo)

    driver = dash_duo.driver
    cards = driver.find_elements(By.CSS_SELECTOR, ".family-card")
    assert len(cards) == 2
    mine, childs = (driver.find_element(By.CSS_SELECTOR, dom_id("family-card", line)) for line in (own, kid))
    assert "엄마 폰" in mine.text and "주인" in mine.text
    assert "아이 폰" in childs.text and "보호자" in childs.text and "미성년자 한도 100,000원" in childs.text
    assert f"보호자: {PARENT}" in childs.text
    status = driver.find_element(By.CSS_SELECTOR, dom_id("family-status", kid))
    assert status.text == "사용 중"
    assert axe_violations(dash_duo) == []

    click(dash_duo, driver.find_element(By.CSS_SELECTOR, dom_id("family-block", kid)))
    dash_duo._wait_for(lambda d: d.execute_script(MODAL_SHOWN), timeout=10, msg="the question is not shown")
    assert "차단할까요?" in driver.find_element(By.ID, "family-block-modal").text
    assert "아이 폰" in dash_duo.find_element("#family-block-body").text
    dash_duo.find_element("#family-block-confirm").click()

    dash_duo.wait_for_contains_text("#family-message", "아이 폰 (KT 010-****-2222) 회선을 차단했습니다.", timeout=10)
    dash_duo._wait_for(lambda _: text_of(dash_duo, dom_id("family-status", kid)) == "차단됨",
                       timeout=10, msg="the child's card does not show the block")
    assert text_of(dash_duo, dom_id("family-status", own)) == "사용 중"  # only the child's line
    assert text_of(dash_duo, dom_id("family-block", kid)) is None  # nothing left to block
    dash_duo._wait_for(lambda d: not d.execute_script(MODAL_SHOWN), timeout=5, msg="the question stays open")
    with store.read() as db:
        assert db.get(Line, kid).status == "blocked" and db.get(Line, own).status == "active"

"""Family lines in the browser (issue #14), with a real local SMTP server (aiosmtpd) and real Chromium.

The guardian's story: the owner invites a guardian from /family; the invitation mail arrives; the guardian
logs in through its link, accepts, and sees on /family their own line and the child's, nothing else; a dawn
burst mails them the alert; they block the child's line from /family (one confirmation) and on /limits can
lift the block only with their own password. And a viewer: sees the shared line's charts, may not block it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from data.access import VIEWER
from data.models import Budget, Line, LineLimit, LineMember, User
from data.seed import DEMO_EMAIL, seed_demo
from data.tokens import create_token
from tests.e2e.pages import browser_login, click, text_of, wait_for_figure, wait_until_settled
from tests.e2e.test_alerts import served  # noqa: F401 - the fixture: mailed links point at the served port
from tests.helpers import PASSWORD, make_line, make_user
from tests.http.test_mail_smtp import Mailbox, body_text, last_dawn, smtp  # noqa: F401

OWNER_EMAIL, GUARDIAN_EMAIL = "parent@example.com", "grandma@example.com"
GUARDIAN_PASSWORD = "grandma's own passphrase"  # not the owner's: unblocking takes the asker's own


def pid(kind: str, line: int) -> str:
    """CSS for a pattern-matching id as Dash writes it into the page (keys sorted, no spaces)."""
    return f"[id='{json.dumps({'line': line, 'type': kind}, sort_keys=True, separators=(',', ':'))}']"


def card_lines(dash_duo) -> list[int]:
    """The line ids of the /family cards in the page, in their order."""
    ids = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll(\"[id*='\\\"family-card\\\"']\")].map(e => e.id)")
    return [json.loads(i)["line"] for i in ids]


def open_page(dash_duo, path: str) -> None:
    """On the origin the browser is on: the mailed links say 127.0.0.1, dash_duo's own URL localhost, and the
    session cookie belongs to the host it was set for."""
    origin = dash_duo.driver.execute_script("return window.location.origin")
    dash_duo.driver.get(origin + path)
    dash_duo.wait_for_element("#page > *", timeout=15)
    wait_until_settled(dash_duo)


def mail_to(box: Mailbox, rcpt: str, subject_part: str, timeout: float = 20) -> EmailMessage:
    """The first mail to `rcpt` whose subject has `subject_part` (other mails, the owner's notices, may come)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for rcpts, mail in zip(list(box.recipients), list(box.messages), strict=False):
            if rcpts == [rcpt] and subject_part in str(mail["Subject"]):
                return mail
        time.sleep(0.1)
    raise AssertionError(f"no mail to {rcpt} about {subject_part!r}: {[str(m['Subject']) for m in box.messages]}")


def link_in(mail: EmailMessage, prefix: str) -> str:
    return next(word for word in body_text(mail).split() if word.startswith(prefix))


def authorize(server_url: str, token: str, line: int, external_id: str, amount: int, at: datetime | None = None,
              merchant: str = "컬쳐랜드", category: str = "gift_voucher") -> dict:
    """A charge through the authorization API, as the carrier's gateway sends it."""
    body = {"merchant": merchant, "amount": amount, "bucket": "micropayment", "external_id": external_id,
            "category": category, "pg": "다날"}
    if at is not None:
        body["occurred_at"] = at.isoformat()
    answer = requests.post(f"{server_url.rstrip('/')}/api/v1/lines/{line}/authorizations", json=body,
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def family_of_three(store) -> tuple[int, int, int]:
    """The owner's own line and their child's; the guardian-to-be (an account of their own, with a line)."""
    owner = make_user(store, OWNER_EMAIL)
    make_line(store, owner, nickname="내 폰", number="010-****-5678")
    child = make_line(store, owner, carrier="SKT", nickname="아이 폰", number="010-****-6789", is_minor=True,
                      limits={"micropayment": 100_000, "content": 100_000},
                      effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    guardian = make_user(store, GUARDIAN_EMAIL, GUARDIAN_PASSWORD)
    own = make_line(store, guardian, carrier="LGU+", nickname="할머니 폰", number="010-****-7890")
    return owner, child, own


def invite_from_family(dash_duo, line: int, email: str, role: str) -> str:
    """The owner fills in the card's invite form; returns the result the card shows."""
    open_page(dash_duo, "/family")
    dash_duo.wait_for_element(pid("invite-email", line), timeout=10).send_keys(email)
    Select(dash_duo.find_element(pid("invite-role", line))).select_by_value(role)
    click(dash_duo, pid("invite-send", line))
    dash_duo.wait_for_contains_text(pid("invite-result", line), email, timeout=10)
    return dash_duo.find_element(pid("invite-result", line)).text


def accept_by_mail(dash_duo, link: str, email: str, password: str) -> None:
    """A fresh browser (nobody logged in) opens the mailed link, logs in, accepts: lands on /family."""
    dash_duo.driver.delete_all_cookies()
    dash_duo.driver.get(link)
    dash_duo.wait_for_element("#email", timeout=10).send_keys(email)  # sent to log in first
    dash_duo.find_element("#password").send_keys(password)
    dash_duo.find_element("#login-submit").click()
    accept = dash_duo.wait_for_element("#invite-accept", timeout=10)  # ... and back to the invitation
    assert "보호자로" in dash_duo.find_element("#invite-intro").text
    assert dash_duo.find_element("#invite-email").text == email
    accept.click()
    dash_duo._wait_for(lambda d: d.current_url.endswith("/family"), timeout=10, msg="not sent on to /family")
    dash_duo.wait_for_element("#page > *", timeout=15)
    wait_until_settled(dash_duo)


def unblock_says(dash_duo, password: str, expected: str) -> None:
    field = dash_duo.wait_for_element("#unblock-password", timeout=10)
    field.clear()
    if password:
        field.send_keys(password)
    click(dash_duo, "#unblock-button")
    dash_duo.wait_for_contains_text("#unblock-feedback", expected, timeout=10)


@pytest.mark.month_edges
def test_a_guardian_invited_by_mail_blocks_the_childs_line_and_unblocks_it_with_their_own_password(
        dash_duo, served, smtp, output_dir):  # noqa: F811
    app, port = served
    store = app.server.extensions["microbill_store"]
    owner, child, own = family_of_three(store)
    with store.write() as db:
        token = create_token(db, owner, "carrier gateway")
    dash_duo.start_server(app, navigate=False, port=port)
    url = dash_duo.server.url

    # The owner invites the guardian from the child's card.
    browser_login(dash_duo, OWNER_EMAIL)
    assert GUARDIAN_EMAIL in invite_from_family(dash_duo, child, GUARDIAN_EMAIL, "guardian")
    invitation = mail_to(smtp, GUARDIAN_EMAIL, "초대")
    assert OWNER_EMAIL in str(invitation["Subject"]) or OWNER_EMAIL in body_text(invitation)
    link = link_in(invitation, f"http://127.0.0.1:{port}/invite/")

    # The guardian follows the link, logs in, accepts: their own line and the child's, not the owner's own.
    accept_by_mail(dash_duo, link, GUARDIAN_EMAIL, GUARDIAN_PASSWORD)
    dash_duo._wait_for(lambda _: sorted(card_lines(dash_duo)) == sorted([own, child]), timeout=10,
                       msg="the guardian's cards are not their line and the child's")
    child_card = dash_duo.find_element(pid("family-card", child)).text
    assert "아이 폰" in child_card and "보호자" in child_card and "내 폰" not in dash_duo.find_element("#page").text
    assert text_of(dash_duo, pid("family-status", child)) == "사용 중"

    # A dawn burst of gift vouchers on the child's line: the guardian gets the alert mail, their own link in it.
    dawn = last_dawn()
    for i in range(3):
        assert authorize(url, token, child, f"v{i}", 20_000, dawn + timedelta(minutes=2 * i))["approved"]
    alert = mail_to(smtp, GUARDIAN_EMAIL, "부정결제 의심 · 아이 폰")
    assert "부정결제가 의심됩니다" in body_text(alert)
    assert link_in(alert, f"http://127.0.0.1:{port}/b/")
    mail_to(smtp, OWNER_EMAIL, "부정결제 의심 · 아이 폰")  # the owner has theirs too

    # The guardian blocks it from /family: one confirmation, then the card says so.
    open_page(dash_duo, "/family")
    click(dash_duo, pid("family-block", child))
    dash_duo.wait_for_text_to_equal(".modal-title", "차단할까요?", timeout=10)
    assert "아이 폰" in dash_duo.find_element("#family-block-body").text
    click(dash_duo, "#family-block-confirm")
    dash_duo.wait_for_contains_text("#family-message", "차단했습니다", timeout=10)
    dash_duo.wait_for_text_to_equal(pid("family-status", child), "차단됨", timeout=10)
    declined = authorize(url, token, child, "after-block", 1_000, merchant="넥슨", category="game")
    assert (declined["approved"], declined["reason"]) == (False, "blocked")
    dash_duo.driver.save_screenshot(str(output_dir / "family-guardian-blocked.png"))

    # On /limits, the child's line: not without a password, not with the owner's, only with their own.
    open_page(dash_duo, "/limits")
    dash_duo.select_dcc_dropdown("#line-picker", index=1)  # own line first, then the shared one
    dash_duo.wait_for_contains_text("#line-picker", "아이 폰", timeout=10)
    dash_duo.wait_for_contains_text("#limits-status", "차단됨", timeout=10)
    unblock_says(dash_duo, "", "비밀번호를 입력하세요")
    unblock_says(dash_duo, PASSWORD, "비밀번호가 올바르지 않습니다")  # the owner's password is not theirs
    assert authorize(url, token, child, "still-blocked", 1_000, merchant="넥슨", category="game")["reason"] == "blocked"
    unblock_says(dash_duo, GUARDIAN_PASSWORD, "차단을 해제했습니다")
    dash_duo.wait_for_contains_text("#limits-status", "사용 중", timeout=10)
    after = authorize(url, token, child, "after-unblock", 1_000, merchant="넥슨", category="game")
    assert (after["approved"], after["reason"]) == (True, None)
    assert dash_duo.get_logs() == [], "browser console errors"


@pytest.mark.month_edges
def test_a_viewer_sees_the_shared_lines_charts_and_is_told_they_may_not_change_it(dash_duo, app, store):
    with store.write() as db:
        seed_demo(db, seed=7, password=PASSWORD)  # 14 months of the child's spending
        owner = db.scalar(select(User.id).where(User.email == DEMO_EMAIL))
        child = db.scalar(select(Line.id).where(Line.user_id == owner, Line.is_minor.is_(True)))
    viewer = make_user(store, "uncle@example.com")
    with store.write() as db:  # what accepting a viewer's invitation leaves behind
        db.add(LineMember(line_id=child, user_id=viewer, role=VIEWER))
    dash_duo.start_server(app, navigate=False)
    browser_login(dash_duo, "uncle@example.com")

    # The overview of the only line they see: the child's, its 13 months of charges.
    dash_duo.wait_for_contains_text("#line-picker", "아이 폰", timeout=10)
    traces = wait_for_figure(dash_duo, "monthly-chart")
    bars = [t for t in traces if t["type"] == "bar"]
    assert bars and all(len(t["x"]) == 13 for t in bars) and sum(sum(t["y"]) for t in bars) > 0
    wait_until_settled(dash_duo)

    # The top bar's block button: refused in words, and the line stays as it was.
    click(dash_duo, "#block-button")
    dash_duo.wait_for_contains_text("#refusal-toast", "보기 권한만 있어 이 회선을 바꿀 수 없습니다", timeout=10)
    with store.read() as db:
        assert db.get(Line, child).status == "active"
    assert "차단됨" not in dash_duo.find_element("#line-picker").text

    # /budget and /limits: saving a budget or a lower limit is refused in words, and nothing is stored.
    with store.read() as db:
        before = (db.get(Budget, child), db.scalars(select(LineLimit.id).where(LineLimit.line_id == child)).all())
    click(dash_duo, "#refusal-toast .btn-close")  # the block's refusal, closed: the next one must open it again
    dash_duo._wait_for(lambda _: not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#refusal-toast.show"),
                       timeout=10, msg="the refusal toast stays open")
    open_page(dash_duo, "/budget")
    amount = dash_duo.wait_for_element("#budget-amount")
    amount.clear()
    amount.send_keys("30000")
    click(dash_duo, "#budget-save")
    dash_duo.wait_for_contains_text("#refusal-toast", "보기 권한만 있어 이 회선을 바꿀 수 없습니다", timeout=10)
    open_page(dash_duo, "/limits")
    dash_duo.wait_for_element("#limits-amount option[value='10000']")
    Select(dash_duo.find_element("#limits-amount")).select_by_value("10000")
    click(dash_duo, "#limits-save")
    dash_duo.wait_for_contains_text("#limits-feedback", "보기 권한만 있어 이 회선을 바꿀 수 없습니다", timeout=10)
    with store.read() as db:
        after = (db.get(Budget, child), db.scalars(select(LineLimit.id).where(LineLimit.line_id == child)).all())
    assert (after[0] and after[0].amount, after[1]) == (before[0] and before[0].amount, before[1])

    # /family: the card says "보기 전용" and offers no block button at all.
    open_page(dash_duo, "/family")
    dash_duo._wait_for(lambda _: card_lines(dash_duo) == [child], timeout=10, msg="the viewer's card is missing")
    assert "보기 전용" in dash_duo.find_element(pid("family-card", child)).text
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, pid("family-block", child))
    assert text_of(dash_duo, pid("family-status", child)) == "사용 중"
    assert dash_duo.get_logs() == [], "browser console errors"

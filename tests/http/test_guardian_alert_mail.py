"""A guardian's alert mail end to end, with a real local SMTP server (aiosmtpd): a dawn burst of gift-voucher
charges on a child's line mails the owner and the guardian, each at their own address with their own block-now
link; the guardian's link blocks the line; once the guardian is removed their link blocks nothing and their
copy of the alert is gone, while the owner's stays (docs/families.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from data.access import GUARDIAN
from data.models import AuditLog, LineMember
from tests.helpers import make_line, make_user
from tests.http.test_api_lines import bearer
from tests.http.test_mail_smtp import authorize, body_text, last_dawn, mail_app, smtp  # noqa: F401 (fixtures)
from tests.unit.test_block_links import form_token

OWNER_EMAIL, GUARDIAN_EMAIL = "parent@example.com", "grandma@example.com"
LINK = "http://microbill.test/b/"


@dataclass(frozen=True)
class Family:
    owner: int
    guardian: int
    line: int
    owner_api: dict[str, str]  # bearer headers: what each of them sees through /api/v1
    guardian_api: dict[str, str]


@pytest.fixture
def family(mail_app) -> Family:  # noqa: F811 (the imported fixture)
    store = mail_app.server.extensions["microbill_store"]
    owner = make_user(store, OWNER_EMAIL)
    line = make_line(store, owner, carrier="SKT", nickname="아이 폰", is_minor=True,
                     limits={"micropayment": 100_000, "content": 100_000},
                     effective_from=datetime(2020, 1, 1, tzinfo=UTC))
    guardian = make_user(store, GUARDIAN_EMAIL)
    with store.write() as db:  # what accepting an invitation leaves behind
        db.add(LineMember(line_id=line, user_id=guardian, role=GUARDIAN))
    return Family(owner, guardian, line, bearer(store, owner), bearer(store, guardian))


def dawn_burst(client, family: Family, smtp) -> dict[str, EmailMessage]:  # noqa: F811
    """Three 20,000원 gift vouchers at 03:00–03:04 KST (the child's line stays under its 100,000원 cap):
    the mails that arrive, by their one recipient."""
    dawn = last_dawn()
    for i in range(3):
        paid = authorize(client, family.line, family.owner_api, f"v{i}", 20_000, dawn + timedelta(minutes=2 * i))
        assert paid["approved"], paid
    mails = smtp.wait(2)
    assert len(mails) == 2, [str(m["To"]) for m in mails]
    by_rcpt = {}
    for rcpts, mail in zip(smtp.recipients, mails, strict=True):
        assert len(rcpts) == 1 and str(mail["To"]) == rcpts[0]  # one mail each: no one sees the other's link
        by_rcpt[rcpts[0]] = mail
    assert set(by_rcpt) == {OWNER_EMAIL, GUARDIAN_EMAIL}
    return by_rcpt


def block_token(mail: EmailMessage) -> str:
    return body_text(mail).split(LINK, 1)[1].split()[0]


def alerts_seen(client, headers: dict[str, str]) -> list[dict]:
    answer = client.get("/api/v1/alerts", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def line_status(client, family: Family) -> str:
    return client.get(f"/api/v1/lines/{family.line}", headers=family.owner_api).get_json()["status"]


def press(client, token: str, csrf: str):
    """The mailed page's button (no login: the link is the authority)."""
    return client.post(f"/b/{token}", data={"csrf_token": csrf})


@pytest.mark.month_edges
def test_dawn_burst_mails_owner_and_guardian_each_a_link_and_the_guardians_blocks(mail_app, smtp, family):  # noqa: F811
    client = mail_app.server.test_client()
    mails = dawn_burst(client, family, smtp)
    for mail in mails.values():
        assert str(mail["Subject"]) == "[마이크로빌] 부정결제 의심 · 아이 폰"
        text = body_text(mail)
        assert "부정결제가 의심됩니다" in text and "연속 결제: 3건, 합계 60,000원" in text
        assert f"지금 차단하기: {LINK}" in text
    owner_token, guardian_token = block_token(mails[OWNER_EMAIL]), block_token(mails[GUARDIAN_EMAIL])
    assert owner_token != guardian_token

    # Each has their own copy of the alert, in the app as well.
    owner_alerts, guardian_alerts = alerts_seen(client, family.owner_api), alerts_seen(client, family.guardian_api)
    assert [(a["kind"], a["line_id"]) for a in owner_alerts] == [("fraud_burst", family.line)]
    assert [(a["kind"], a["line_id"]) for a in guardian_alerts] == [("fraud_burst", family.line)]
    assert owner_alerts[0]["id"] != guardian_alerts[0]["id"]

    page = client.get(f"/b/{guardian_token}")
    assert page.status_code == 200 and "지금 차단하기" in page.get_data(as_text=True)
    done = press(client, guardian_token, form_token(page.get_data(as_text=True)))
    assert done.status_code == 200 and "차단했습니다" in done.get_data(as_text=True)
    assert line_status(client, family) == "blocked"
    blocked = authorize(client, family.line, family.owner_api, "after", 1_000, merchant="넥슨", category="game")
    assert blocked["approved"] is False and blocked["reason"] == "blocked"
    store = mail_app.server.extensions["microbill_store"]
    with store.read() as db:  # the guardian is the one who blocked, in the line's history
        actors = db.scalars(select(AuditLog.user_id).where(AuditLog.line_id == family.line,
                                                            AuditLog.action.like("%block%"))).all()
    assert family.guardian in actors

    # The owner's own link still opens; it says the line is blocked already.
    owner_page = client.get(f"/b/{owner_token}").get_data(as_text=True)
    assert "이미 차단되어 있습니다" in owner_page


@pytest.mark.month_edges
def test_a_removed_guardians_link_blocks_nothing_and_their_alert_copies_are_gone(mail_app, smtp, family):  # noqa: F811
    from dashboard.services import members  # helper A's module (the agreed interface)

    client = mail_app.server.test_client()
    store = mail_app.server.extensions["microbill_store"]
    mails = dawn_burst(client, family, smtp)
    owner_token, guardian_token = block_token(mails[OWNER_EMAIL]), block_token(mails[GUARDIAN_EMAIL])
    assert len(alerts_seen(client, family.guardian_api)) == 1

    members.remove(store, family.owner, family.line, family.guardian)

    refused = client.get(f"/b/{guardian_token}")
    assert refused.status_code == 404
    assert "올바르지 않은 링크입니다" in refused.get_data(as_text=True)
    csrf = form_token(client.get(f"/b/{owner_token}").get_data(as_text=True))  # a valid form token
    pressed = press(client, guardian_token, csrf)
    assert pressed.status_code == 404 and "올바르지 않은 링크입니다" in pressed.get_data(as_text=True)
    assert line_status(client, family) == "active"

    assert alerts_seen(client, family.guardian_api) == []  # their copies are gone
    assert client.get(f"/api/v1/lines/{family.line}", headers=family.guardian_api).status_code == 404
    owner_kinds = [a["kind"] for a in alerts_seen(client, family.owner_api)]
    assert owner_kinds.count("fraud_burst") == 1  # the owner's copy stays
    assert "member" in owner_kinds  # ... and the owner is told of the removal

    done = press(client, owner_token, csrf)  # the owner's link is untouched by the removal
    assert done.status_code == 200 and "차단했습니다" in done.get_data(as_text=True)
    assert line_status(client, family) == "blocked"

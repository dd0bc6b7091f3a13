"""The members' mails through a real local SMTP server (aiosmtpd): the invitation, in Korean then English, with
its link on MICROBILL_BASE_URL; and the owner's notice of every change of the line's members."""

from __future__ import annotations

import time

import pytest

from dashboard.services import members
from tests.helpers import make_line, make_user
from tests.http.mail_fixtures import mail_app, settings, smtp, store  # noqa: F401 - fixtures
from tests.http.test_mail_smtp import body_text, free_port, mail_config

OWNER, KID = "parent@example.com", "kid@example.com"


@pytest.fixture
def family(store) -> tuple[int, int]:  # noqa: F811
    owner = make_user(store, OWNER)
    return owner, make_line(store, owner, nickname="아이 폰")


def mails_to(smtp_box, address: str, count: int) -> list[str]:
    """The bodies of the first `count` mails to `address`, waiting for them."""
    deadline = time.monotonic() + 15
    while True:
        found = [body_text(m) for m, rcpt in zip(smtp_box.messages, smtp_box.recipients, strict=False)
                 if rcpt == [address]]
        if len(found) >= count or time.monotonic() > deadline:
            assert len(found) >= count, f"expected {count} mails to {address}, got {len(found)}"
            return found
        time.sleep(0.05)


def subjects_to(smtp_box, address: str) -> list[str]:
    return [str(m["Subject"]) for m, rcpt in zip(smtp_box.messages, smtp_box.recipients, strict=False)
            if rcpt == [address]]


def test_the_invitation_mail_in_korean_then_english(store, settings, family, smtp):  # noqa: F811
    owner, line = family
    members.invite(store, settings, owner, line, "Kid@Example.com", "guardian", base_url=settings.base_url)
    text = mails_to(smtp, KID, 1)[0]
    assert subjects_to(smtp, KID) == ["[마이크로빌] 회선 함께 보기 초대 / [Microbill] An invitation to share a line"]
    korean, english = text.split("\n—\n")
    assert "parent@example.com님이 마이크로빌에서 '아이 폰' 회선을 보호자로 함께 보자고 초대했습니다." in korean
    assert "7일 동안" in korean and "먼저 이 주소(kid@example.com)로 가입하고" in korean
    assert "parent@example.com invited you to share the line '아이 폰' on Microbill as a guardian." in english
    assert "for 7 days" in english and "Register with this address (kid@example.com) first" in english
    link = next(word for word in korean.split() if "/invite/" in word)
    assert link.startswith("http://microbill.test/invite/") and link in english
    assert "http://microbill.test/register" in korean and "http://microbill.test/register" in english


def test_the_owner_hears_of_every_change_by_mail(mail_app, store, settings, family, smtp):  # noqa: F811
    owner, line = family
    kid = make_user(store, KID)
    sent = members.invite(store, settings, owner, line, KID, "viewer", base_url=settings.base_url)
    members.accept(store, settings, kid, members.sign(settings, sent["id"]))
    members.change_role(store, owner, line, kid, "guardian", settings=settings)
    with mail_app.server.app_context():  # a page's call: the settings are the current app's
        members.remove(store, owner, line, kid)
    again = members.invite(store, settings, owner, line, KID, "viewer", base_url=settings.base_url)
    members.accept(store, settings, kid, members.sign(settings, again["id"]))
    members.leave(store, kid, line, settings=settings)

    notices = mails_to(smtp, OWNER, 7)  # two invitations, two joins, a role, a removal, a leave
    assert set(subjects_to(smtp, OWNER)) == {"[마이크로빌] 회선 구성원 변경 / [Microbill] Line members changed"}
    expected = [
        ("kid@example.com님을 '아이 폰' 회선의 보기 전용 구성원으로 초대했습니다.",
         "You invited kid@example.com to the line '아이 폰' as a viewer."),
        ("kid@example.com님이 '아이 폰' 회선에 보기 전용으로 참여했습니다.",
         "kid@example.com joined the line '아이 폰' as a viewer."),
        ("'아이 폰' 회선에서 kid@example.com님의 역할을 보호자로 바꿨습니다.",
         "kid@example.com is now a guardian of the line '아이 폰'."),
        ("kid@example.com님을 '아이 폰' 회선에서 내보냈습니다.",
         "You removed kid@example.com from the line '아이 폰'."),
    ]
    # Each mail goes out on its own thread: they may arrive in any order.
    def notice(korean: str) -> str:
        return next(body for body in notices if korean in body)

    for korean, english in expected:
        body = notice(korean)
        assert english in body and body.index(korean) < body.index(english)
        assert "http://microbill.test/family" in body
    assert "직접 하지 않은 변경이라면" in notice(expected[2][0])  # the owner's own change: "if it was not you…"
    assert "직접 하지 않은 변경이라면" not in notice(expected[1][0])  # someone joining is the member's doing
    assert "kid@example.com left the line '아이 폰'." in notice("kid@example.com님이 '아이 폰' 회선에서 나갔습니다.")
    assert len(mails_to(smtp, KID, 2)) == 2  # the member got the two invitations, nothing else


def test_a_mail_server_that_is_away_undoes_nothing(database_url, tmp_path):
    from dashboard.app import create_app

    app = create_app(mail_config(database_url, tmp_path, free_port()))  # nothing listens there
    store = app.server.extensions["microbill_store"]  # noqa: F811
    settings = app.server.config["MICROBILL"]  # noqa: F811
    try:
        owner = make_user(store, OWNER)
        line = make_line(store, owner)
        sent = members.invite(store, settings, owner, line, KID, "viewer", base_url=settings.base_url)
        assert [row["id"] for row in members.invitations(store, owner, line)] == [sent["id"]]
    finally:
        store.dispose()

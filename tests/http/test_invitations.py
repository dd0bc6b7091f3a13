"""Invitations to share a line (issue #14): the owner invites an address, the mail (a real local SMTP server)
carries a signed link, the invited person logs in, opens /invite/<token> and accepts — once, within 7 days,
and only with the account the mail went to. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from dashboard.services import members
from dashboard.services.errors import Forbidden, Invalid, NotFound
from dashboard.services.lines import lines_of_user
from tests.helpers import PASSWORD, form_csrf, login, make_line, make_user
from tests.http.mail_fixtures import mail_app, settings, smtp, store  # noqa: F401 - fixtures
from tests.http.test_mail_smtp import body_text

LINK = re.compile(r"https?://\S+/invite/\S+")
KID = "kid@example.com"


@pytest.fixture
def family(store) -> tuple[int, int]:  # noqa: F811
    """(owner id, line id): the parent's line to share."""
    owner = make_user(store, "parent@example.com")
    return owner, make_line(store, owner, nickname="아이 폰")


def send_invite(store, settings, owner: int, line: int, email: str = KID, role: str = "guardian") -> dict:  # noqa: F811
    return members.invite(store, settings, owner, line, email, role, base_url=settings.base_url, ip="127.0.0.1")


def invite_path(smtp_box, to: str = KID) -> str:
    """The path of the newest invitation link mailed to `to` (the owner's notices go to the owner)."""
    deadline_count = 1
    while True:
        messages = smtp_box.wait(deadline_count)
        found = [m for m, rcpt in zip(messages, smtp_box.recipients, strict=False) if rcpt == [to]]
        if found:
            links = LINK.findall(body_text(found[-1]))
            assert links, body_text(found[-1])
            return urlsplit(links[0]).path
        deadline_count = len(messages) + 1


def accept_form(client, path: str):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    return client.post(path, data={"csrf_token": form_csrf(page.get_data(as_text=True))})


def test_invite_mail_login_accept_makes_a_guardian_once(mail_app, store, settings, family, smtp):  # noqa: F811
    owner, line = family
    kid = make_user(store, KID)
    send_invite(store, settings, owner, line)
    path = invite_path(smtp)
    client = mail_app.server.test_client()

    away = client.get(path)  # logged out: log in first, then come back here
    assert away.status_code == 302 and away.headers["Location"] == f"/login?next={path}"
    token = form_csrf(client.get(away.headers["Location"]).get_data(as_text=True))
    back = client.post(away.headers["Location"], data={"email": KID, "password": PASSWORD, "csrf_token": token})
    assert back.status_code == 302 and back.headers["Location"] == path

    page = client.get(path).get_data(as_text=True)
    assert "parent@example.com님이 &#39;아이 폰&#39; 회선을 보호자로 함께 보자고 초대했습니다." in page
    assert 'id="invite-accept"' in page and "초대 수락" in page and KID in page
    done = accept_form(client, path)
    assert done.status_code == 302 and done.headers["Location"] == "/family"
    assert line in [shared.id for shared in lines_of_user(store, kid)]
    assert [(m["email"], m["role"]) for m in members.members(store, kid, line)] == [(KID, "guardian")]

    again = client.get(path)
    assert again.status_code == 410 and "이미 사용한 초대 링크입니다." in again.get_data(as_text=True)
    token = form_csrf(client.get("/login").get_data(as_text=True))
    replay = client.post(path, data={"csrf_token": token})
    assert replay.status_code == 410 and "이미 사용한" in replay.get_data(as_text=True)


def test_the_link_dies_after_7_days(mail_app, store, settings, family, smtp, clock):  # noqa: F811
    owner, line = family
    kid = make_user(store, KID)
    send_invite(store, settings, owner, line)
    path = invite_path(smtp)
    client = mail_app.server.test_client()
    with time_machine.travel(clock + timedelta(days=6, hours=23), tick=True):
        login(client, KID)
        assert client.get(path).status_code == 200
    with time_machine.travel(clock + timedelta(days=7, minutes=1), tick=True):
        login(client, KID)
        late = client.get(path)
        assert late.status_code == 410 and "유효 기간이 지났습니다" in late.get_data(as_text=True)
        token = form_csrf(client.get("/login").get_data(as_text=True))
        assert client.post(path, data={"csrf_token": token}).status_code == 410
    assert line not in [shared.id for shared in lines_of_user(store, kid)]


def test_a_tampered_or_made_up_token_is_refused(mail_app, store, settings, family, smtp):  # noqa: F811
    owner, line = family
    make_user(store, KID)
    send_invite(store, settings, owner, line)
    path = invite_path(smtp)
    client = mail_app.server.test_client()
    login(client, KID)
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    for bad in (tampered, "/invite/not-a-token", "/invite/" + members.sign(settings, "0" * 32)):
        answer = client.get(bad)
        assert answer.status_code == 404 and "초대 링크가 올바르지 않습니다" in answer.get_data(as_text=True)
    signed_elsewhere = path.rsplit("/", 1)[1]
    with pytest.raises(NotFound):
        members.accept(store, replace(settings, secret_key="another-secret"), 1, signed_elsewhere)


def test_another_account_cannot_accept(mail_app, store, settings, family, smtp):  # noqa: F811
    owner, line = family
    kid = make_user(store, KID)
    stranger = make_user(store, "stranger@example.com")
    send_invite(store, settings, owner, line)
    path = invite_path(smtp)
    client = mail_app.server.test_client()
    login(client, "stranger@example.com")

    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 403 and "이 초대는 kid@example.com 주소로 보낸 것입니다" in text
    assert 'id="invite-accept"' not in text
    token = form_csrf(text)
    refused = client.post(path, data={"csrf_token": token})
    assert refused.status_code == 403 and "kid@example.com" in refused.get_data(as_text=True)
    assert line not in [shared.id for shared in lines_of_user(store, stranger)]
    with pytest.raises(Forbidden) as caught:
        members.accept(store, settings, stranger, path.rsplit("/", 1)[1])
    assert caught.value.key == "invite.other_email" and caught.value.status == 403

    kid_client = mail_app.server.test_client()  # still unspent: the right account can accept
    login(kid_client, KID)
    assert accept_form(kid_client, path).headers["Location"] == "/family"
    assert line in [shared.id for shared in lines_of_user(store, kid)]


def test_an_address_without_an_account_is_told_to_register_first(mail_app, store, settings, family, smtp):  # noqa: F811
    owner, line = family
    send_invite(store, settings, owner, line, "New.Person@Example.com", "viewer")
    path = invite_path(smtp, "new.person@example.com")
    client = mail_app.server.test_client()

    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "new.person@example.com 주소의 계정이 아직 없습니다. 먼저 이 주소로 가입하고" in text
    assert 'id="invite-register" href="/register"' in text and 'id="invite-accept"' not in text
    assert f'href="/login?next={path}"' in text

    newcomer = make_user(store, "new.person@example.com")  # registered (and confirmed) meanwhile
    assert client.get(path).status_code == 302  # now: log in first
    login(client, "new.person@example.com")
    assert accept_form(client, path).status_code == 302
    assert [(m["email"], m["role"]) for m in members.members(store, newcomer, line)] == [
        ("new.person@example.com", "viewer")]


def test_inviting_again_withdraws_the_earlier_link(mail_app, store, settings, family, smtp):  # noqa: F811
    owner, line = family
    make_user(store, KID)
    send_invite(store, settings, owner, line, role="viewer")
    first = invite_path(smtp)
    second_invite = send_invite(store, settings, owner, line, role="guardian")
    smtp.wait(4)  # two invitations and two notices to the owner
    second = invite_path(smtp)
    assert first != second
    assert [(row["id"], row["role"]) for row in members.invitations(store, owner, line)] == [
        (second_invite["id"], "guardian")]

    client = mail_app.server.test_client()
    login(client, KID)
    old = client.get(first)
    assert old.status_code == 410 and "회선 주인이 취소한 초대입니다." in old.get_data(as_text=True)
    assert accept_form(client, second).status_code == 302
    assert members.members(store, owner, line)[0]["role"] == "guardian"


def test_the_owner_withdraws_an_invitation(mail_app, store, settings, family, smtp):  # noqa: F811
    owner, line = family
    make_user(store, KID)
    sent = send_invite(store, settings, owner, line)
    path = invite_path(smtp)
    members.revoke_invitation(store, owner, sent["id"], settings=settings)
    assert members.invitations(store, owner, line) == []
    client = mail_app.server.test_client()
    login(client, KID)
    assert client.get(path).status_code == 410


def test_invitations_the_service_refuses(mail_app, store, settings, family, smtp):  # noqa: F811
    owner, line = family
    kid = make_user(store, KID)
    viewer = make_user(store, "viewer@example.com")
    stranger = make_user(store, "stranger@example.com")
    refusals = {
        "invite.self": (owner, "Parent@Example.com ", "guardian"),
        "invite.bad_email": (owner, "not an address", "guardian"),
        "invite.bad_role": (owner, KID, "owner"),
    }
    for key, (who, email, role) in refusals.items():
        with pytest.raises(Invalid) as caught:
            send_invite(store, settings, who, line, email, role)
        assert caught.value.key == key and caught.value.status == 422

    send_invite(store, settings, owner, line, "viewer@example.com", "viewer")
    members.accept(store, settings, viewer, invite_path(smtp, "viewer@example.com").rsplit("/", 1)[1])
    with pytest.raises(Invalid) as caught:
        send_invite(store, settings, owner, line, "Viewer@example.com", "guardian")
    assert caught.value.key == "invite.already_member"
    with pytest.raises(Forbidden) as caught:
        send_invite(store, settings, viewer, line)
    assert caught.value.status == 403 and caught.value.key == "members.not_allowed.viewer"
    with pytest.raises(NotFound):
        send_invite(store, settings, stranger, line)
    assert line not in [shared.id for shared in lines_of_user(store, kid)]


def test_a_logged_out_post_accepts_nothing_and_the_page_speaks_english(mail_app, store, settings, family,  # noqa: F811
                                                                        smtp):  # noqa: F811
    owner, line = family
    kid = make_user(store, KID)
    send_invite(store, settings, owner, line, role="viewer")
    path = invite_path(smtp)
    client = mail_app.server.test_client()
    token = form_csrf(client.get("/login").get_data(as_text=True))
    away = client.post(path, data={"csrf_token": token})
    assert away.status_code == 302 and away.headers["Location"] == f"/login?next={path}"
    assert lines_of_user(store, kid) == []

    client.set_cookie("lang", "en")
    login(client, KID)
    page = client.get(path).get_data(as_text=True)
    assert "parent@example.com invited you to share the line &#39;아이 폰&#39; as a viewer." in page
    assert "You can only view the charges and bills." in page and "Accept the invitation" in page

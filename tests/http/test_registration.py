"""Registration: a new and a known address get the same answer; the confirmation (or notice) mail arrives through
a real local SMTP server (aiosmtpd); an unconfirmed account cannot log in until the link is followed.
Without mail (no SMTP: the laptop demo) the account is usable at once. SQLite and PostgreSQL."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import select

from data.models import User
from tests.helpers import form_csrf, login, make_user
from tests.http.test_mail_smtp import body_text, smtp  # noqa: F401 - the fixture
from tests.http.test_passwords_reset import mail_app, post_form  # noqa: F401 - the fixture

PASSWORD = "wonderful kimchi stew"
CONFIRM = re.compile(r"https?://\S+/confirm/\S+")
CSRF_VALUES = re.compile(r'value="[^"]+"')


def sign_up(client, email: str, password: str = PASSWORD, repeat: str | None = None):
    return post_form(client, "/register", email=email, password=password,
                     password2=password if repeat is None else repeat)


def test_new_and_known_address_get_the_same_answer_and_each_a_mail(mail_app, smtp):  # noqa: F811
    store = mail_app.server.extensions["microbill_store"]
    make_user(store, "known@example.com")
    new = sign_up(mail_app.server.test_client(), "new@example.com")
    known = sign_up(mail_app.server.test_client(), "Known@Example.com")
    assert new.status_code == known.status_code == 200
    assert CSRF_VALUES.sub("", new.get_data(as_text=True)) == CSRF_VALUES.sub("", known.get_data(as_text=True))
    assert "확인 메일을 보냈습니다" in new.get_data(as_text=True)
    messages = smtp.wait(2)
    by_recipient = {rcpt[0]: msg for rcpt, msg in zip(smtp.recipients, messages, strict=True)}
    assert CONFIRM.search(body_text(by_recipient["new@example.com"]))
    notice = body_text(by_recipient["known@example.com"])
    assert "가입을 시도했습니다" in notice and "/login" in notice and "/forgot" in notice
    assert not CONFIRM.search(notice)
    with store.read() as db:
        assert db.scalar(select(User.email_confirmed_at).where(User.email == "new@example.com")) is None


def test_an_unconfirmed_account_cannot_log_in_until_the_link_is_followed(mail_app, smtp):  # noqa: F811
    client = mail_app.server.test_client()
    sign_up(client, "new@example.com")
    link = CONFIRM.search(body_text(smtp.wait(1)[0])).group(0)
    refused = login(client, "new@example.com", PASSWORD)
    assert refused.status_code == 403
    page = refused.get_data(as_text=True)
    assert "이메일 주소 확인이 아직 끝나지 않았습니다" in page and "확인 메일 다시 보내기" in page
    assert client.get("/_dash-layout").status_code == 401
    assert login(client, "new@example.com", "wrong password here").status_code == 401  # no hint without it

    path = urlsplit(link).path
    assert client.get(path).status_code == 200  # a GET (a mail scanner's prefetch) confirms nothing
    assert login(client, "new@example.com", PASSWORD).status_code == 403
    confirmed = post_form(client, path)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/login"
    assert "이메일 주소를 확인했습니다" in client.get("/login").get_data(as_text=True)
    spent = client.get(path)  # single use
    assert spent.status_code == 404 and "이미 사용했거나" in spent.get_data(as_text=True)
    assert client.get("/confirm/forged-token").status_code == 404
    assert login(client, "new@example.com", PASSWORD).status_code == 302
    assert client.get("/_dash-layout").status_code == 200


def test_the_confirmation_mail_can_be_sent_again_from_the_login_page(mail_app, smtp):  # noqa: F811
    client = mail_app.server.test_client()
    sign_up(client, "new@example.com")
    smtp.wait(1)
    page = login(client, "new@example.com", PASSWORD).get_data(as_text=True)
    token = form_csrf(page)
    again = client.post("/confirm-resend", data={"email": "new@example.com", "csrf_token": token})
    assert again.status_code == 200 and "확인 메일을 보냈습니다" in again.get_data(as_text=True)
    link = CONFIRM.search(body_text(smtp.wait(2)[1])).group(0)
    assert post_form(client, urlsplit(link).path).status_code == 302
    assert login(client, "new@example.com", PASSWORD).status_code == 302


def test_registration_refuses_weak_passwords_per_field_the_same_for_any_address(mail_app, smtp):  # noqa: F811
    make_user(mail_app.server.extensions["microbill_store"], "known@example.com")
    for email in ("new@example.com", "known@example.com"):
        for weak in ("1234567890", "password12", "qwertyuiop"):
            answer = sign_up(mail_app.server.test_client(), email, weak)
            page = answer.get_data(as_text=True)
            assert answer.status_code == 400
            assert re.search(r'id="password-error">너무 흔하거나 추측하기 쉬운 비밀번호입니다', page)
        mismatch = sign_up(mail_app.server.test_client(), email, PASSWORD, "something else entirely")
        assert 'id="password2-error">비밀번호가 서로 다릅니다.' in mismatch.get_data(as_text=True)
    assert smtp.messages == []
    with mail_app.server.extensions["microbill_store"].read() as db:
        assert db.scalar(select(User.id).where(User.email == "new@example.com")) is None


def test_without_mail_the_account_is_usable_at_once(app, client, store):
    """No SMTP (MICROBILL_REQUIRE_EMAIL_CONFIRMATION=auto → off): nothing could confirm an address, so a new
    account logs in at once; a known address is refused (this mode cannot hide it without mail)."""
    response = sign_up(client, "new@example.com")
    assert response.status_code == 302 and client.get("/_dash-layout").status_code == 200
    with store.read() as db:
        assert db.scalar(select(User.email_confirmed_at).where(User.email == "new@example.com")) is not None
    again = sign_up(app.server.test_client(), "NEW@example.com")
    assert again.status_code == 400 and "이미 가입된 이메일" in again.get_data(as_text=True)


def test_confirmation_can_be_required_explicitly(database_url, tmp_path):
    """MICROBILL_REQUIRE_EMAIL_CONFIRMATION=true without SMTP: sign-ups wait for a link (the log says no mail went)."""
    from dashboard.app import create_app

    app = create_app({"database_url": database_url, "instance_path": str(tmp_path / "i"), "secret_key": "s",
                      "env": "testing", "require_email_confirmation": "true"})
    try:
        client = app.server.test_client()
        assert sign_up(client, "new@example.com").status_code == 200
        assert login(client, "new@example.com", PASSWORD).status_code == 403
    finally:
        app.server.extensions["microbill_store"].dispose()

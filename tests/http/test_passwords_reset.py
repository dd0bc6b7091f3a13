"""Forgotten password: /forgot mails a signed link through a real local SMTP server (aiosmtpd); /reset/<token>
works once, within 30 minutes, and ends every session and token. SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from tests.helpers import PASSWORD, form_csrf, login, make_user
from tests.http.test_mail_smtp import body_text, mail_config, smtp  # noqa: F401 - the fixture
from tests.http.test_passwords import api_status, api_token

NEW_PASSWORD = "wonderful kimchi stew"
LINK = re.compile(r"https?://\S+/reset/\S+")


@pytest.fixture
def mail_app(database_url, tmp_path, smtp):  # noqa: F811 - smtp is the imported fixture
    from dashboard.app import create_app

    app = create_app(mail_config(database_url, tmp_path, smtp.port))
    yield app
    app.server.extensions["microbill_store"].dispose()


def post_form(client, path: str, **fields):
    token = form_csrf(client.get(path).get_data(as_text=True))
    return client.post(path, data={**fields, "csrf_token": token})


def ask_reset(client, email: str):
    return post_form(client, "/forgot", email=email)


def reset_path(smtp_box, count: int = 1) -> str:
    message = smtp_box.wait(count)[count - 1]
    links = LINK.findall(body_text(message))
    assert links, body_text(message)
    return urlsplit(links[0]).path


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_owner_a_mail(mail_app, smtp):  # noqa: F811
    store = mail_app.server.extensions["microbill_store"]
    make_user(store)
    client = mail_app.server.test_client()
    known = ask_reset(client, "Owner@Example.com")
    unknown = ask_reset(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'value="[^"]+"')  # the CSRF tokens differ
    assert strip.sub("", known.get_data(as_text=True)) == strip.sub("", unknown.get_data(as_text=True))
    assert "재설정 링크를 보냈습니다" in known.get_data(as_text=True)
    message = smtp.wait(1)[0]
    time.sleep(0.5)  # no second mail on its way
    assert len(smtp.messages) == 1 and smtp.recipients[0] == ["owner@example.com"]
    text = body_text(message)
    assert "30분" in text and "30 minutes" in text  # Korean and English
    assert reset_path(smtp).startswith("/reset/")


def test_a_reset_link_works_once_and_ends_every_session_and_token(mail_app, smtp):  # noqa: F811
    store = mail_app.server.extensions["microbill_store"]
    uid = make_user(store)
    token = api_token(mail_app, store, uid)
    logged_in = mail_app.server.test_client()
    login(logged_in)
    client = mail_app.server.test_client()
    ask_reset(client, "owner@example.com")
    path = reset_path(smtp)

    assert client.get(path).status_code == 200
    refused = post_form(client, path, new="qwertyuiop", repeat="qwertyuiop")
    assert refused.status_code == 400 and "추측하기 쉬운 비밀번호" in refused.get_data(as_text=True)
    done = post_form(client, path, new=NEW_PASSWORD, repeat=NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"] == "/login"
    assert "새 비밀번호로 로그인하세요" in client.get("/login").get_data(as_text=True)  # nobody logged in

    assert logged_in.get("/_dash-layout").status_code == 401
    assert api_status(mail_app, token) == 401
    notice = body_text(smtp.wait(2)[1])  # the owner hears of it, whoever followed the link
    assert "비밀번호가 방금 바뀌었고" in notice and "http://microbill.test/forgot" in notice
    again = client.get(path)
    assert again.status_code == 404 and "이미 사용했거나" in again.get_data(as_text=True)
    assert login(mail_app.server.test_client()).status_code == 401
    assert login(mail_app.server.test_client(), password=NEW_PASSWORD).status_code == 302


def test_a_reset_link_is_dead_after_30_minutes(mail_app, smtp, clock):  # noqa: F811
    make_user(mail_app.server.extensions["microbill_store"])
    client = mail_app.server.test_client()
    ask_reset(client, "owner@example.com")
    path = reset_path(smtp)
    with time_machine.travel(clock + timedelta(minutes=29), tick=True):
        assert client.get(path).status_code == 200
    with time_machine.travel(clock + timedelta(minutes=31), tick=True):
        late = client.get(path)
        assert late.status_code == 410 and "유효 시간이 지났습니다" in late.get_data(as_text=True)
        token = form_csrf(client.get("/login").get_data(as_text=True))
        assert client.post(path, data={"new": NEW_PASSWORD, "repeat": NEW_PASSWORD,
                                       "csrf_token": token}).status_code == 410
    assert login(mail_app.server.test_client(), password=PASSWORD).status_code == 302  # unchanged


def test_a_forged_link_is_refused(mail_app):
    client = mail_app.server.test_client()
    assert client.get("/reset/not-a-token").status_code == 404


def test_reset_mail_is_throttled_per_address(mail_app, smtp):  # noqa: F811
    make_user(mail_app.server.extensions["microbill_store"])
    client = mail_app.server.test_client()
    statuses = [ask_reset(client, "owner@example.com").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    smtp.wait(3)


def test_a_password_change_kills_an_earlier_reset_link(mail_app, smtp):  # noqa: F811
    store = mail_app.server.extensions["microbill_store"]
    make_user(store)
    client = mail_app.server.test_client()
    ask_reset(client, "owner@example.com")
    first = reset_path(smtp)
    ask_reset(client, "owner@example.com")
    second = reset_path(smtp, 2)
    assert post_form(client, second, new=NEW_PASSWORD, repeat=NEW_PASSWORD).status_code == 302
    assert client.get(first).status_code == 404


def test_a_forged_host_header_does_not_reach_the_mail(mail_app, smtp):  # noqa: F811
    """Password-reset poisoning: the link is on MICROBILL_BASE_URL, never on the Host the request claims."""
    make_user(mail_app.server.extensions["microbill_store"])
    client = mail_app.server.test_client()
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    token = form_csrf(client.get("/forgot", headers=forged).get_data(as_text=True))
    answer = client.post("/forgot", data={"email": "owner@example.com", "csrf_token": token}, headers=forged)
    assert answer.status_code == 200
    text = body_text(smtp.wait(1)[0])
    assert "evil.example" not in text and LINK.search(text).group(0).startswith("http://microbill.test/reset/")


def test_a_change_on_the_account_page_is_told_by_mail(mail_app, smtp):  # noqa: F811
    from tests.http.test_passwords import change

    make_user(mail_app.server.extensions["microbill_store"])
    client = mail_app.server.test_client()
    login(client)
    change(client, PASSWORD, NEW_PASSWORD)
    message = smtp.wait(1)[0]
    assert smtp.recipients[0] == ["owner@example.com"]
    assert "비밀번호가 바뀌었습니다" in message["Subject"]
    assert "password of your Microbill account was just changed" in body_text(message)

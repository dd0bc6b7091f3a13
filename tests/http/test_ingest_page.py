"""The message-forwarding set-up page over HTTP (its Dash callbacks through the Flask test client): the intake
URL is shown once, replacing it stops the old one, turning it off stops it, another user's line is refused
with nothing changed, and the test box reads a message without storing it."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import func, select

from data.intake_tokens import line_for_token
from data.models import InboundMessage, IntakeToken, Transaction
from tests.helpers import login, make_line, make_user
from tests.http.test_alerts_callbacks import fire, text_of

KO = {"lang": "ko", "theme": "light"}
EN = {"lang": "en", "theme": "light"}
TOKEN = re.compile(r"/ingest/(mbi_[A-Za-z0-9_-]+)")
SAMPLE = "[Web발신]\n[다날] 12,300원 결제완료\n넥슨코리아\n11/18 14:23"


@pytest.fixture
def owner(client, store) -> int:
    """The logged-in user's line."""
    line = make_line(store, make_user(store, "owner@example.com"), nickname="내 폰")
    login(client)
    return line


def intake(app, client, line_id, button: str | None = None, prefs: dict = KO, open_items=None) -> dict:
    """The URL card as the page shows it: after picking the line (a page load) or pressing `button` (with the
    recipes `open_items` open)."""
    inputs = [{"id": "line-picker", "property": "value", "value": line_id},
              {"id": "ingest-rotate", "property": "n_clicks", "value": 1 if button == "ingest-rotate" else None},
              {"id": "ingest-revoke", "property": "n_clicks", "value": 1 if button == "ingest-revoke" else None}]
    changed = f"{button}.n_clicks" if button else "line-picker.value"
    state = [{"id": "ingest-recipe-list", "property": "active_item", "value": open_items},
             {"id": "prefs", "property": "data", "value": prefs}]
    return fire(app, client, "ingest-status.children", inputs, state, changed=changed)


def shown_token(result: dict) -> str:
    found = set(TOKEN.findall(text_of(result)))
    assert len(found) == 1, found  # the URL card and every recipe show the same one
    return found.pop()


def resolves(store, token: str) -> int | None:
    with store.read() as db:
        line = line_for_token(db, token)
        return line.id if line else None


def test_the_url_is_shown_once_and_a_new_one_stops_the_old(app, client, store, owner):
    first_view = intake(app, client, owner)
    assert "아직 URL이 없습니다." in text_of(first_view["ingest-status"])
    assert first_view["ingest-rotate"]["children"] == "URL 만들기"
    assert first_view["ingest-revoke"]["disabled"] is True
    assert "먼저 위에서 URL을 만드세요" in text_of(first_view["ingest-recipes"])

    made = intake(app, client, owner, "ingest-rotate", open_items=["ios", "<script>", {"x": 1}])
    first = shown_token(made)
    assert made["ingest-recipes"]["children"]["props"]["active_item"] == ["ios"]  # what was open stays open
    reveal = text_of(made["ingest-reveal"])
    assert f"http://localhost/ingest/{first}" in reveal and "지금 한 번만 보여 드립니다" in reveal
    assert made["ingest-rotate"]["children"] == "새 URL로 바꾸기" and made["ingest-revoke"]["disabled"] is False
    assert resolves(store, first) == owner

    second = shown_token(intake(app, client, owner, "ingest-rotate"))
    assert second != first
    assert resolves(store, first) is None and resolves(store, second) == owner

    reloaded = intake(app, client, owner)  # the page again: the status, never the URL
    assert "mbi_" not in text_of(reloaded)
    assert "사용 중" in text_of(reloaded["ingest-status"]) and "아직 받은 문자가 없습니다." in text_of(reloaded)
    assert "만들 때 보여 드린 URL" in text_of(reloaded["ingest-recipes"])


def test_turning_the_url_off_stops_it(app, client, store, owner):
    token = shown_token(intake(app, client, owner, "ingest-rotate"))
    off = intake(app, client, owner, "ingest-revoke")
    assert "URL을 껐습니다" in text_of(off["ingest-reveal"])
    assert "아직 URL이 없습니다." in text_of(off["ingest-status"]) and off["ingest-revoke"]["disabled"] is True
    assert resolves(store, token) is None
    again = intake(app, client, owner, "ingest-revoke")
    assert "끌 URL이 없습니다." in text_of(again["ingest-reveal"])


def test_another_users_line_is_refused_and_nothing_is_rotated(app, client, store):
    stranger = make_user(store, "stranger@example.com")
    theirs = make_line(store, stranger, nickname="남의 폰", number="010-****-9999")
    login(client, "stranger@example.com")
    their_token = shown_token(intake(app, client, theirs, "ingest-rotate"))
    client.post("/logout")
    make_user(store, "owner@example.com")
    login(client)

    for button in (None, "ingest-rotate", "ingest-revoke"):
        for probe in (theirs, str(theirs), "1 OR 1=1", 999_999, None):
            result = intake(app, client, probe, button)
            assert "mbi_" not in text_of(result) and "사용 중" not in text_of(result), (button, probe)
            assert result["ingest-rotate"]["disabled"] is True
    assert resolves(store, their_token) == theirs
    with store.read() as db:
        assert db.scalar(select(func.count()).select_from(IntakeToken)) == 1


def test_the_url_uses_the_public_address_when_one_is_set(app, client, store, owner):
    server = app.server
    server.config["MICROBILL"] = dataclasses.replace(server.config["MICROBILL"],
                                                     public_url="https://microbill.example/")
    made = intake(app, client, owner, "ingest-rotate", prefs=EN)
    token = shown_token(made)
    assert f"https://microbill.example/ingest/{token}" in text_of(made["ingest-reveal"])
    assert "This URL is shown only now" in text_of(made["ingest-reveal"])


def try_message(app, client, line_id, text: str, sender: str | None = None) -> dict:
    inputs = [{"id": "ingest-test-send", "property": "n_clicks", "value": 1}]
    state = [{"id": "line-picker", "property": "value", "value": line_id},
             {"id": "ingest-test-text", "property": "value", "value": text},
             {"id": "ingest-test-sender", "property": "value", "value": sender},
             {"id": "prefs", "property": "data", "value": KO}]
    return fire(app, client, "ingest-test-result.children", inputs, state)["ingest-test-result"]["children"]


def test_a_test_message_is_read_and_nothing_is_stored(app, client, store, owner):
    read = text_of(try_message(app, client, owner, SAMPLE, "1566-3355"))
    assert "12,300원" in read and "넥슨코리아" in read and "결제" in read and "2026-11-18 14:23" in read
    assert "회선을 찾을 수 없습니다." in text_of(try_message(app, client, 999_999, SAMPLE))
    assert "메시지 내용이 비어 있습니다." in text_of(try_message(app, client, owner, "  "))
    assert "최대 16KB" in text_of(try_message(app, client, owner, "가" * 6_000))
    with store.read() as db:
        assert db.scalar(select(func.count()).select_from(Transaction)) == 0
        assert db.scalar(select(func.count()).select_from(InboundMessage)) == 0

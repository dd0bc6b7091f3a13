"""Block-now links: signed, single use, expiring; GET shows, POST (with CSRF, no login) blocks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dashboard.alerts import block_links
from data.models import AuditLog, BlockLink, Line, utcnow
from tests.helpers import PASSWORD, make_line, make_user
from tests.http.test_race_authorize import together

SECRET = "test-secret-key"  # the app fixture's
TTL = timedelta(hours=24)


def new_link(store, line_id: int, ttl: timedelta = TTL, now: datetime | None = None) -> str:
    with store.write() as db:
        link = block_links.create_link(db, line_id, None, ttl, now=now)
        db.flush()
        return block_links.sign(link.id, SECRET)


def owner_line(store) -> int:
    return make_line(store, make_user(store), nickname="내 폰")


def line_of(store, line_id: int) -> Line:
    with store.read() as db:
        return db.get(Line, line_id)


def test_token_round_trip_and_tampering(store):
    line = owner_line(store)
    token = new_link(store, line)
    link_id, status = block_links.unsign(token, SECRET, TTL)
    assert status == "ok" and len(link_id) == 32
    assert block_links.unsign(token, "another secret", TTL) == (None, "invalid")
    assert block_links.unsign(token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), SECRET, TTL) == (None, "invalid")
    forged = block_links.URLSafeTimedSerializer(SECRET, salt="other").dumps(link_id)
    assert block_links.unsign(forged, SECRET, TTL) == (None, "invalid")
    assert block_links.link_url("http://x.test/", token) == f"http://x.test/b/{token}"


def test_use_blocks_once_and_audits(store):
    line = owner_line(store)
    token = new_link(store, line)
    with store.read() as db:
        assert block_links.inspect(db, token, SECRET, TTL).status == "ok"
    assert line_of(store, line).status == "active"  # inspecting changed nothing
    with store.write() as db:
        state = block_links.use(db, token, SECRET, TTL, ip="203.0.113.9")
        assert state.status == "ok" and state.blocked_now
    blocked = line_of(store, line)
    assert blocked.status == "blocked" and blocked.block_reason == "alert_link" and blocked.blocked_at
    with store.read() as db:
        row = db.scalar(select(AuditLog).where(AuditLog.action == "line.block"))
        assert row.line_id == line and row.ip == "203.0.113.9" and "alert_link" in row.detail
    with store.write() as db:
        assert block_links.use(db, token, SECRET, TTL).status == "used"


def test_expired_link_is_refused(store):
    line = owner_line(store)
    token = new_link(store, line, now=utcnow() - timedelta(hours=25))
    with store.write() as db:
        assert block_links.use(db, token, SECRET, TTL).status == "expired"
    assert line_of(store, line).status == "active"


def test_concurrent_presses_spend_the_link_once(store):
    line = owner_line(store)
    token = new_link(store, line)

    def press(_: int) -> str:
        with store.write() as db:
            return block_links.use(db, token, SECRET, TTL).status

    results = together(8, press)
    assert results.count("ok") == 1 and results.count("used") == 7


# ---- the page ----------------------------------------------------------------------------------

def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the block page"
    return match.group(1)


def test_page_get_shows_one_button_and_changes_nothing(client, store):
    line = owner_line(store)
    token = new_link(store, line)
    page = client.get(f"/b/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('type="submit"') == 1 and "지금 차단하기" in html and "010-****-5678" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert line_of(store, line).status == "active"
    with store.read() as db:
        assert db.scalar(select(BlockLink.used_at)) is None


def test_page_post_blocks_without_login_then_refuses_reuse(client, store):
    line = owner_line(store)
    token = new_link(store, line)
    csrf = form_token(client.get(f"/b/{token}").get_data(as_text=True))
    assert client.post(f"/b/{token}").status_code == 400  # no CSRF token: nothing happens
    assert line_of(store, line).status == "active"
    done = client.post(f"/b/{token}", data={"csrf_token": csrf})
    assert done.status_code == 200 and "차단했습니다" in done.get_data(as_text=True)
    assert "114" in done.get_data(as_text=True)  # how to mirror the block at the carrier
    assert line_of(store, line).status == "blocked"
    again = client.post(f"/b/{token}", data={"csrf_token": csrf})
    assert again.status_code == 410 and "이미 사용한 링크" in again.get_data(as_text=True)
    assert client.get(f"/b/{token}").status_code == 410


def test_page_refuses_tampered_and_expired_links(client, store):
    line = owner_line(store)
    bad = client.get("/b/not-a-token")
    assert bad.status_code == 404 and "올바르지 않은 링크" in bad.get_data(as_text=True)
    old = new_link(store, line, now=datetime.now(UTC) - timedelta(days=2))
    expired = client.get(f"/b/{old}")
    assert expired.status_code == 410 and "만료된 링크" in expired.get_data(as_text=True)


def test_page_says_so_when_the_line_is_already_blocked(client, store):
    line = owner_line(store)
    token = new_link(store, line)
    with store.write() as db:
        target = db.get(Line, line)
        target.status, target.blocked_at, target.block_reason = "blocked", utcnow(), "loss_theft"
    page = client.get(f"/b/{token}")
    assert page.status_code == 200 and "이미 차단되어" in page.get_data(as_text=True)
    assert 'type="submit"' not in page.get_data(as_text=True)


def test_page_post_with_a_tampered_forged_or_expired_link_blocks_nothing(client, store):
    line = owner_line(store)
    good = new_link(store, line)
    csrf = form_token(client.get(f"/b/{good}").get_data(as_text=True))
    link_id, _ = block_links.unsign(good, SECRET, TTL)
    refused = {
        good[:-2] + ("AA" if good[-2:] != "AA" else "BB"): (404, "올바르지 않은 링크"),  # tampered
        block_links.sign(link_id, "not the app secret"): (404, "올바르지 않은 링크"),  # forged
        new_link(store, line, now=utcnow() - timedelta(hours=25)): (410, "만료된 링크"),  # expired
    }
    for token, (status, message) in refused.items():
        response = client.post(f"/b/{token}", data={"csrf_token": csrf})
        assert response.status_code == status and message in response.get_data(as_text=True), token
        assert "차단했습니다" not in response.get_data(as_text=True)
    assert line_of(store, line).status == "active"
    with store.read() as db:
        assert db.scalar(select(BlockLink.used_at).where(BlockLink.id == link_id)) is None


def test_the_link_blocks_but_unblocking_still_needs_a_login(client, store):
    line = owner_line(store)
    token = new_link(store, line)
    csrf = form_token(client.get(f"/b/{token}").get_data(as_text=True))
    assert client.post(f"/b/{token}", data={"csrf_token": csrf}).status_code == 200
    anonymous = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD})
    assert anonymous.status_code == 401
    assert line_of(store, line).status == "blocked"

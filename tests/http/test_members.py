"""Members of a line (issue #14): only the owner invites, changes roles and removes; a removal ends the member's
access on their very next request (session and bearer token alike); members may leave; every change is in
audit_log and the owner finds an alert of it in the app. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from dashboard.services import alerts as alert_service
from dashboard.services import members
from dashboard.services.errors import Forbidden, Invalid, NotFound, ServiceError
from dashboard.services.lines import block_line, lines_of_user
from data.alerts_store import create_alert
from data.models import Alert, AuditLog, LineMember
from tests.helpers import login, make_line, make_user
from tests.http.test_api_lines import bearer

OWNER = "parent@example.com"


@pytest.fixture
def settings(app):
    return app.server.config["MICROBILL"]


@pytest.fixture
def family(store) -> tuple[int, int]:
    owner = make_user(store, OWNER)
    return owner, make_line(store, owner, nickname="아이 폰")


def join(store, settings, owner: int, line: int, email: str, role: str) -> int:
    """A user who was invited and accepted (the mail's token, signed as the mail signs it)."""
    uid = make_user(store, email)
    sent = members.invite(store, settings, owner, line, email, role, base_url=settings.base_url)
    assert members.accept(store, settings, uid, members.sign(settings, sent["id"])) == line
    return uid


def actions(store, line: int) -> list[str]:
    with store.read() as db:
        return list(db.scalars(select(AuditLog.action).where(AuditLog.line_id == line,
                                                             AuditLog.action.like("member.%"))
                               .order_by(AuditLog.id)))


def test_guardians_and_viewers_cannot_manage_members(store, settings, family):
    owner, line = family
    guardian = join(store, settings, owner, line, "guardian@example.com", "guardian")
    viewer = join(store, settings, owner, line, "viewer@example.com", "viewer")
    for who, role in ((guardian, "guardian"), (viewer, "viewer")):
        attempts = [
            lambda who=who: members.invite(store, settings, who, line, "x@example.com", "viewer",
                                           base_url=settings.base_url),
            lambda who=who: members.remove(store, who, line, viewer if who == guardian else guardian),
            lambda who=who: members.change_role(store, who, line, viewer if who == guardian else guardian,
                                                "guardian"),
            lambda who=who: members.invitations(store, who, line),
        ]
        for attempt in attempts:
            with pytest.raises(Forbidden) as caught:
                attempt()
            assert caught.value.status == 403 and caught.value.key == f"members.not_allowed.{role}"
    assert {m["email"]: m["role"] for m in members.members(store, owner, line)} == {
        "guardian@example.com": "guardian", "viewer@example.com": "viewer"}  # nothing changed
    # Any role may see who else watches the line.
    assert [m["email"] for m in members.members(store, viewer, line)] == ["guardian@example.com",
                                                                          "viewer@example.com"]
    stranger = make_user(store, "stranger@example.com")
    with pytest.raises(NotFound):
        members.members(store, stranger, line)
    with pytest.raises(NotFound):
        members.remove(store, stranger, line, viewer)


def test_removal_ends_access_on_the_next_request_by_session_and_by_token(app, client, store, settings, family):
    owner, line = family
    other_line = make_line(store, owner, nickname="내 폰", number="010-****-1111")
    kid = join(store, settings, owner, line, "kid@example.com", "guardian")
    with store.write() as db:  # the guardian's own copies of alerts of the line
        create_alert(db, user_id=kid, line_id=line, kind="large_charge", rule_key="large:1", message="고액 결제")
        create_alert(db, user_id=owner, line_id=line, kind="large_charge", rule_key="large:1", message="고액 결제")
    headers = bearer(store, kid)
    login(client, "kid@example.com")
    token_client = app.server.test_client()  # no cookie: the token alone
    assert client.get(f"/api/v1/lines/{line}").status_code == 200
    assert token_client.get(f"/api/v1/lines/{line}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/lines/{other_line}").status_code == 404  # never shared

    members.remove(store, owner, line, kid, ip="127.0.0.1")

    assert client.get(f"/api/v1/lines/{line}").status_code == 404
    assert token_client.get(f"/api/v1/lines/{line}", headers=headers).status_code == 404
    assert line not in [row["id"] for row in client.get("/api/v1/lines").get_json()]
    assert lines_of_user(store, kid) == []
    with pytest.raises(NotFound):
        block_line(store, kid, line)
    with store.read() as db:
        left = db.execute(select(Alert.user_id, Alert.kind).where(Alert.line_id == line)).all()
        assert (kid, "large_charge") not in left and (owner, "large_charge") in left  # the owner's stays
        assert db.scalar(select(LineMember).where(LineMember.user_id == kid)) is None
    with pytest.raises(NotFound) as caught:
        members.remove(store, owner, line, kid)
    assert caught.value.key == "invite.not_member"


def test_a_member_leaves_and_the_owner_cannot(store, settings, family):
    owner, line = family
    kid = join(store, settings, owner, line, "kid@example.com", "viewer")
    assert [shared.id for shared in lines_of_user(store, kid)] == [line]
    members.leave(store, kid, line)
    assert lines_of_user(store, kid) == []
    assert members.members(store, owner, line) == []
    with pytest.raises(NotFound):
        members.leave(store, kid, line)
    with pytest.raises(Invalid) as caught:
        members.leave(store, owner, line)
    assert caught.value.key == "invite.owner_cannot_leave"


def test_the_owner_changes_a_role_and_it_counts_at_once(store, settings, family):
    owner, line = family
    kid = join(store, settings, owner, line, "kid@example.com", "viewer")
    with pytest.raises(Forbidden):
        block_line(store, kid, line)
    members.change_role(store, owner, line, kid, "guardian")
    assert block_line(store, kid, line).status == "blocked"
    members.change_role(store, owner, line, kid, "guardian")  # the same role: nothing happens
    with pytest.raises(Invalid) as caught:
        members.change_role(store, owner, line, kid, "owner")
    assert caught.value.key == "invite.bad_role"
    with pytest.raises(NotFound):
        members.change_role(store, owner, line, owner, "viewer")  # the owner is no member
    assert actions(store, line).count("member.role") == 1


def test_every_change_is_audited_and_the_owner_sees_an_alert(store, settings, family):
    owner, line = family
    kid = join(store, settings, owner, line, "kid@example.com", "viewer")
    members.change_role(store, owner, line, kid, "guardian", ip="10.0.0.7")
    pending = members.invite(store, settings, owner, line, "aunt@example.com", "viewer", base_url=settings.base_url)
    members.revoke_invitation(store, owner, pending["id"])
    members.remove(store, owner, line, kid)
    back = members.invite(store, settings, owner, line, "kid@example.com", "viewer", base_url=settings.base_url)
    members.accept(store, settings, kid, members.sign(settings, back["id"]))
    members.leave(store, kid, line)

    assert actions(store, line) == ["member.invite", "member.accept", "member.role", "member.invite",
                                    "member.revoke", "member.remove", "member.invite", "member.accept",
                                    "member.leave"]
    with store.read() as db:
        role_row = db.scalar(select(AuditLog).where(AuditLog.action == "member.role"))
        assert role_row.user_id == owner and role_row.ip == "10.0.0.7"
        assert json.loads(role_row.detail) == {"member": kid, "role": "guardian", "role_before": "viewer"}
        leave_row = db.scalar(select(AuditLog).where(AuditLog.action == "member.leave"))
        assert leave_row.user_id == kid

    items = alert_service.alert_items(store, owner, "ko", line_id=line)
    texts = [item["text"] for item in items if item["kind"] == "member"]
    assert texts[0] == "kid@example.com님이 '아이 폰' 회선에서 나갔습니다."
    assert "kid@example.com님이 '아이 폰' 회선에 보기 전용으로 참여했습니다." in texts
    assert "'아이 폰' 회선에서 kid@example.com님의 역할을 보호자로 바꿨습니다." in texts
    assert "kid@example.com님을 '아이 폰' 회선에서 내보냈습니다." in texts
    assert "aunt@example.com님에게 보낸 '아이 폰' 회선 초대를 취소했습니다." in texts
    assert len(texts) == 9
    english = [item["text"] for item in alert_service.alert_items(store, owner, "en", line_id=line)]
    assert "kid@example.com left the line '아이 폰'." in english
    assert all(item["kind_label"] == "가족 회선 구성원" for item in items if item["kind"] == "member")
    assert alert_service.alert_items(store, kid, "ko") == []  # the member's copy is not theirs to see


def test_two_accepts_racing_make_one_member(store, settings, family):
    owner, line = family
    kid = make_user(store, "kid@example.com")
    sent = members.invite(store, settings, owner, line, "kid@example.com", "guardian", base_url=settings.base_url)
    token = members.sign(settings, sent["id"])
    outcomes: list[object] = []
    start = threading.Barrier(4)

    def press() -> None:
        start.wait()
        try:
            outcomes.append(members.accept(store, settings, kid, token))
        except ServiceError as refused:
            outcomes.append(refused.key)

    threads = [threading.Thread(target=press) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) == sorted([str(line)] + ["invite.used"] * 3)
    assert actions(store, line).count("member.accept") == 1

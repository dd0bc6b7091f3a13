"""/family through /_dash-update-component, the way the renderer posts: a card per line the user sees (their
own and those shared with them, never a stranger's), the block button behind one confirmation (a guardian may
block the child's line, a viewer is told why not and the line stays active), and the members of an owned line
(invite with a real mail to a local SMTP server, change a role, remove; a member leaves a shared line)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from data.members import add_member
from data.models import AuditLog, Line, LineInvitation, LineMember, Transaction
from tests.helpers import csrf_header, login, make_line, make_user
from tests.http.test_mail_smtp import body_text, mail_app, smtp  # noqa: F401 — fixtures: a real local SMTP server

PARENT, CHILD, VIEWER, STRANGER = "parent@example.com", "child@example.com", "grandma@example.com", "x@example.com"
PREFS = {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}


@pytest.fixture
def family(store) -> dict[str, int]:
    """The parent's own line; the child's minor line shared with the parent (guardian) and grandma (viewer);
    a stranger's line nobody else sees."""
    parent, child, viewer, stranger = (make_user(store, email) for email in (PARENT, CHILD, VIEWER, STRANGER))
    own = make_line(store, parent, nickname="엄마 폰", number="010-****-1111")
    kid = make_line(store, child, nickname="아이 폰", number="010-****-2222", is_minor=True,
                    limits={"micropayment": 50_000, "content": 30_000})
    other = make_line(store, stranger, nickname="남의 폰", number="010-****-9999")
    with store.write() as db:
        add_member(db, kid, parent, "guardian")
        add_member(db, kid, viewer, "viewer")
    return {"parent": parent, "child": child, "viewer": viewer, "own": own, "kid": kid, "other": other}


# ---- posting a callback ----------------------------------------------------------------------------

def _key(component_id: dict) -> str:
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _post(client, output_contains: str | tuple[str, ...], inputs: list, state: list, changed: str):
    """POST the callback whose output spec (from /_dash-dependencies: allow_duplicate outputs carry a hash)
    contains `output_contains` (each of them)."""
    wanted = (output_contains,) if isinstance(output_contains, str) else output_contains
    deps = client.get("/_dash-dependencies").get_json()
    spec = next(d for d in deps if all(part in d["output"] for part in wanted))
    outputs = [{"id": json.loads(i) if i.startswith("{") else i, "property": p.split("@")[0]}
               for i, p in (part.rsplit(".", 1) for part in spec["output"].strip(".").split("..."))]
    body = {"output": spec["output"], "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": state, "changedPropIds": [changed]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.dumps(response.get_json()["response"], ensure_ascii=False)


def _cards_response(client, lang: str):
    inputs = [{**PREFS, "value": {"lang": lang, "theme": "light"}},
              {"id": "family-refresh", "property": "data", "value": 0},
              {"id": "line-status-version", "property": "data", "value": 0}]
    return _post(client, "family-body.children", inputs, [], "prefs.data")


def cards(client, lang: str = "ko") -> str:
    return _text(_cards_response(client, lang))


def pattern_ids(client) -> list[dict]:
    """Every pattern-matching id in the cards, e.g. {"type": "invite-send", "line": 3}."""
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("id"), dict):
                found.append(node["id"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_cards_response(client, "ko").get_json()["response"])
    return found


def ask_block(client, line_id: object):
    button = {"type": "family-block", "line": line_id}
    return _post(client, "family-block-target.data", [[{"id": button, "property": "n_clicks", "value": 1}]],
                 [PREFS], f"{_key(button)}.n_clicks")


def confirm_block(client, target: object):
    inputs = [{"id": "family-block-confirm", "property": "n_clicks", "value": 1},
              {"id": "family-block-cancel", "property": "n_clicks", "value": None}]
    state = [{"id": "family-block-target", "property": "data", "value": target}, PREFS,
             {"id": "line-status-version", "property": "data", "value": 0}]
    return _post(client, ("line-status-version.data", "family-block-modal"), inputs, state,
                 "family-block-confirm.n_clicks")


def status(store, line_id: int) -> str:
    with store.read() as db:
        return db.get(Line, line_id).status


# ---- the cards ---------------------------------------------------------------------------------------

def test_a_guardian_sees_their_own_line_and_the_childs_with_its_cap_and_guardians(client, store, family):
    login(client, PARENT)
    text = cards(client)
    assert "엄마 폰" in text and "아이 폰" in text and "남의 폰" not in text and "9999" not in text
    assert "주인" in text and "보호자" in text  # the role badges: own line, the shared one
    assert "미성년자 한도 100,000원" in text and f"보호자: {PARENT}" in text
    assert "이번 달 사용" in text and "예상 청구액" in text and "알림 보기" in text
    assert "/alerts" in text
    # Only the owner manages members: the parent's own line has the invite form, the child's a leave button.
    ids = pattern_ids(client)
    assert {"type": "invite-send", "line": family["own"]} in ids
    assert {"type": "invite-send", "line": family["kid"]} not in ids
    assert {"type": "member-leave", "line": family["kid"]} in ids
    assert {"type": "family-block", "line": family["kid"]} in ids  # a guardian may block
    assert {"type": "family-card", "line": family["own"]} in ids
    assert {"type": "family-status", "line": family["kid"]} in ids
    english = cards(client, "en")
    assert "Minor's cap 100,000원" in english and "Guardian" in english and "Owner" in english


def test_the_owner_sees_the_members_and_a_viewer_has_no_block_button(client, store, family):
    login(client, CHILD)
    text = cards(client)
    assert "아이 폰" in text and "엄마 폰" not in text  # the parent's own line is not shared with the child
    assert PARENT in text and VIEWER in text and "보기 전용" in text  # the members with their roles
    login(client, VIEWER)
    text = cards(client)
    assert "아이 폰" in text and "보기 전용" in text
    assert not [i for i in pattern_ids(client) if i["type"] == "family-block"]


def test_unread_alerts_count_only_the_askers_own_copies(client, store, family):
    from data.alerts_store import create_alert

    with store.write() as db:
        for n in range(2):
            create_alert(db, user_id=family["parent"], line_id=family["kid"], kind="budget", rule_key=f"b{n}",
                         message="예산 80%")
        create_alert(db, user_id=family["viewer"], line_id=family["kid"], kind="budget", rule_key="b0",
                     message="예산 80%")
    login(client, PARENT)
    assert "읽지 않은 알림 2건" in cards(client)
    login(client, VIEWER)
    assert "읽지 않은 알림 1건" in cards(client)


@pytest.mark.month_edges
def test_a_card_shows_this_months_use_against_the_limit_and_a_forecast_past_it(client, store, family):
    with store.write() as db:
        charge = Transaction(line_id=family["kid"], merchant="넥슨", merchant_key="넥슨", pg="다날",
                             category="game", bucket="micropayment", amount=90_000, status="approved",
                             source="api", external_id="over", refund=False)
        charge.set_time(datetime.now(UTC) - timedelta(minutes=1))  # this KST month, even at its first minutes
        db.add(charge)
    login(client, PARENT)
    text = cards(client)
    assert "90,000원" in text and "한도 80,000원" in text  # the child's total limit: 50,000 + 30,000
    assert "한도 초과 예상" in text
    login(client, VIEWER)  # every role sees the same figures
    assert "90,000원" in cards(client) and "한도 초과 예상" in cards(client)


# ---- block --------------------------------------------------------------------------------------------

def test_a_guardian_blocks_the_childs_line_after_one_confirmation(client, store, family):
    login(client, PARENT)
    asked = _text(ask_block(client, family["kid"]))
    assert "아이 폰" in asked and "거절됩니다" in asked and status(store, family["kid"]) == "active"
    done = confirm_block(client, family["kid"])
    said = _text(done)
    assert "아이 폰 (KT 010-****-2222) 회선을 차단했습니다." in said
    assert status(store, family["kid"]) == "blocked"
    with store.read() as db:
        row = db.scalar(select(AuditLog).where(AuditLog.action == "line.block"))
        assert row is not None and row.user_id == family["parent"]
    assert "차단됨" in cards(client)


def test_a_viewer_pressing_block_is_told_why_and_the_line_stays_active(client, store, family):
    login(client, VIEWER)
    said = _text(confirm_block(client, family["kid"]))
    assert "보기 권한만 있어 이 회선을 바꿀 수 없습니다" in said and '"danger"' in said
    assert status(store, family["kid"]) == "active"


def test_cancel_closes_the_question_without_blocking(client, store, family):
    login(client, PARENT)
    inputs = [{"id": "family-block-confirm", "property": "n_clicks", "value": None},
              {"id": "family-block-cancel", "property": "n_clicks", "value": 1}]
    state = [{"id": "family-block-target", "property": "data", "value": family["kid"]}, PREFS,
             {"id": "line-status-version", "property": "data", "value": 0}]
    response = _post(client, ("line-status-version.data", "family-block-modal"), inputs, state,
                     "family-block-cancel.n_clicks")
    assert response.get_json()["response"]["family-block-modal"]["is_open"] is False
    assert status(store, family["kid"]) == "active"


def test_the_refusal_speaks_english_after_the_switch(client, store, family):
    login(client, VIEWER)
    inputs = [{"id": "family-block-confirm", "property": "n_clicks", "value": 1},
              {"id": "family-block-cancel", "property": "n_clicks", "value": None}]
    state = [{"id": "family-block-target", "property": "data", "value": family["kid"]},
             {**PREFS, "value": {"lang": "en", "theme": "light"}},
             {"id": "line-status-version", "property": "data", "value": 0}]
    said = _text(_post(client, ("line-status-version.data", "family-block-modal"), inputs, state,
                       "family-block-confirm.n_clicks"))
    assert "You can only view this line; ask its owner to make changes." in said


def test_a_strangers_line_in_a_crafted_callback_gives_nothing(client, store, family):
    login(client, PARENT)
    assert ask_block(client, family["other"]).status_code == 204  # no question, no name
    for probe in (family["other"], str(family["other"]), "1 OR 1=1", None, [family["other"]]):
        said = _text(confirm_block(client, probe))
        assert "회선을 찾을 수 없습니다" in said and "남의 폰" not in said and "9999" not in said
    assert status(store, family["other"]) == "active"


# ---- members of an owned line -------------------------------------------------------------------------------

def invite(client, line_id: int, email: str, role: str = "guardian"):
    card = {"line": line_id}
    state = [{"id": {**card, "type": "invite-email"}, "property": "value", "value": email},
             {"id": {**card, "type": "invite-role"}, "property": "value", "value": role}, PREFS]
    button = {**card, "type": "invite-send"}
    return _post(client, "invite-result", [{"id": button, "property": "n_clicks", "value": 1}, []], state,
                 f"{_key(button)}.n_clicks")


def member_action(client, kind: str, line_id: int, user: int, prop: str, value: object, extra_state=()):
    button = {"type": kind, "line": line_id, "user": user}
    output = {"member-role": "family-refresh.data", "member-remove": "family-refresh.data"}[kind]
    deps = client.get("/_dash-dependencies").get_json()
    spec = next(d for d in deps if output in d["output"] and kind in json.dumps(d["inputs"]))
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1].split("@")[0]}
               for part in spec["output"].strip(".").split("...")]
    body = {"output": spec["output"], "outputs": outputs,
            "inputs": [[{"id": button, "property": prop, "value": value}]],
            "state": [PREFS, {"id": "family-refresh", "property": "data", "value": 0}, *extra_state],
            "changedPropIds": [f"{_key(button)}.{prop}"]}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def test_the_owner_invites_by_mail_and_a_bad_address_is_refused(mail_app, smtp):  # noqa: F811
    store, client = mail_app.server.extensions["microbill_store"], mail_app.server.test_client()
    parent = make_user(store, PARENT)
    own = make_line(store, parent, nickname="엄마 폰")
    login(client, PARENT)
    said = _text(invite(client, own, "Grandpa@Example.com", "viewer"))
    assert "grandpa@example.com 님에게 초대 메일을 보냈습니다" in said
    assert "grandpa@example.com" in said and "보기 전용" in said and "초대 취소" in said  # the pending list
    mail = mail_to(smtp, "grandpa@example.com")  # the owner also hears of it (a notice of their own)
    assert "http://microbill.test/invite/" in body_text(mail)
    refused = _text(invite(client, own, "not an address"))
    assert "올바른 이메일 주소를 입력하세요" in refused
    with store.read() as db:
        assert db.scalars(select(LineInvitation.email)).all() == ["grandpa@example.com"]


def mail_to(box, address: str):
    """The mail the local SMTP server received for `address` (sent on a thread: waited for)."""
    from tests.http.test_mail_smtp import wait_for

    wait_for(lambda: [address] in box.recipients)
    return box.messages[box.recipients.index([address])]


def test_a_guardian_cannot_invite_to_the_childs_line(client, store, family):
    login(client, PARENT)
    said = _text(invite(client, family["kid"], "someone@example.com"))
    assert "이 작업은 회선 주인만 할 수 있습니다" in said
    with store.read() as db:
        assert db.scalar(select(LineInvitation)) is None


def test_the_owner_changes_a_role_and_removes_a_member(client, store, family):
    login(client, CHILD)
    said = _text(member_action(client, "member-role", family["kid"], family["viewer"], "value", "guardian"))
    assert f"{VIEWER} 님의 역할을 보호자(으)로 바꿨습니다." in said
    said = _text(member_action(client, "member-remove", family["kid"], family["parent"], "n_clicks", 1))
    assert f"{PARENT} 님의 접근을 해제했습니다" in said
    with store.read() as db:
        roles = dict(db.execute(select(LineMember.user_id, LineMember.role)).all())
    assert roles == {family["viewer"]: "guardian"}
    login(client, PARENT)
    assert "아이 폰" not in cards(client)  # access ended at once


def test_a_role_that_is_none_of_the_two_is_refused(client, store, family):
    login(client, CHILD)
    said = _text(member_action(client, "member-role", family["kid"], family["viewer"], "value", "owner"))
    assert "역할은 보호자 또는 보기 전용 중에서 고르세요" in said
    with store.read() as db:
        assert db.scalar(select(LineMember.role).where(LineMember.user_id == family["viewer"])) == "viewer"


def test_the_owner_revokes_a_pending_invitation(client, store, family):
    login(client, CHILD)
    _text(invite(client, family["kid"], "uncle@example.com", "viewer"))
    with store.read() as db:
        invitation = db.scalar(select(LineInvitation.id))
    assert "uncle@example.com" in cards(client)
    card = {"line": family["kid"]}
    button = {**card, "type": "invite-revoke", "invitation": invitation}
    state = [{"id": {**card, "type": "invite-email"}, "property": "value", "value": ""},
             {"id": {**card, "type": "invite-role"}, "property": "value", "value": "guardian"}, PREFS]
    said = _text(_post(client, "invite-result",
                       [{"id": {**card, "type": "invite-send"}, "property": "n_clicks", "value": None},
                        [{"id": button, "property": "n_clicks", "value": 1}]], state, f"{_key(button)}.n_clicks"))
    assert "초대를 취소했습니다" in said and "대기 중인 초대가 없습니다" in said
    with store.read() as db:
        assert db.get(LineInvitation, invitation).revoked_at is not None
    assert "uncle@example.com" not in cards(client)


def test_a_guardian_cannot_remove_another_member(client, store, family):
    login(client, PARENT)
    said = _text(member_action(client, "member-remove", family["kid"], family["viewer"], "n_clicks", 1))
    assert "이 작업은 회선 주인만 할 수 있습니다" in said
    with store.read() as db:
        assert db.scalar(select(LineMember).where(LineMember.user_id == family["viewer"])) is not None


def test_a_member_leaves_a_shared_line(client, store, family):
    login(client, VIEWER)
    button = {"type": "member-leave", "line": family["kid"]}
    state = [PREFS, {"id": "family-refresh", "property": "data", "value": 0},
             {"id": "line-picker", "property": "value", "value": family["kid"]}]
    inputs = [[{"id": button, "property": "n_clicks", "value": 1}]]
    said = _text(_post(client, ("line-picker.value", "family-refresh"), inputs, state, f"{_key(button)}.n_clicks"))
    assert "회선에서 나왔습니다" in said and "아이 폰" not in said
    assert "아이 폰" not in cards(client)

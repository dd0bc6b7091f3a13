"""Roles on a line (data/access.py) and what follows from them in the store: who sees a line, who gets its
alerts, whose block-now link works. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from dashboard.alerts import block_links
from dashboard.services.access import permitted_line
from dashboard.services.errors import Forbidden, NotFound
from data.access import GUARDIAN, OWNER, ROLE_PERMISSIONS, VIEWER, Permission, allows, line_with, lines_visible
from data.alerts_store import detail_of
from data.models import Alert, BlockLink, Line, LineMember
from tests.helpers import make_line, make_user
from tests.unit.test_alerts_engine import cfg, charge, kst  # noqa: F401  (cfg is a fixture)

SECRET = "k"  # the cfg fixture's secret
TTL = timedelta(hours=24)


@pytest.fixture
def family(store_for_url):
    """An owner with a child's line; a guardian and a viewer of it (each with a line of their own); a stranger."""
    store = store_for_url
    ids = {name: make_user(store, f"{name}@example.com") for name in ("owner", "guardian", "viewer", "stranger")}
    child = make_line(store, ids["owner"], nickname="민지 폰", is_minor=True, number="010-****-1111")
    own = {name: make_line(store, ids[name], number=f"010-****-{2000 + i}")
           for i, name in enumerate(("guardian", "viewer"))}
    with store.write() as db:
        db.add_all([LineMember(line_id=child, user_id=ids["guardian"], role=GUARDIAN),
                    LineMember(line_id=child, user_id=ids["viewer"], role=VIEWER)])
    return {"store": store, "child": child, "own": own, **ids}


def test_the_role_table_says_what_each_role_may_do():
    assert ROLE_PERMISSIONS[OWNER] == frozenset(Permission)
    assert allows(GUARDIAN, Permission.BLOCK) and allows(GUARDIAN, Permission.UNBLOCK)
    assert allows(GUARDIAN, Permission.RAISE_LIMIT) and allows(GUARDIAN, Permission.SET_BUDGET)
    assert not allows(GUARDIAN, Permission.MANAGE)
    assert [p for p in Permission if allows(VIEWER, p)] == [Permission.VIEW]
    assert not allows(None, Permission.VIEW) and not allows("admin", Permission.VIEW)


def test_each_person_has_their_role_and_a_stranger_none(family):
    with family["store"].read() as db:
        roles = {name: line_with(db, family[name], family["child"], Permission.BLOCK)
                 for name in ("owner", "guardian", "viewer", "stranger")}
    assert {name: access.role for name, access in roles.items()} == {
        "owner": OWNER, "guardian": GUARDIAN, "viewer": VIEWER, "stranger": None}
    assert [name for name, access in roles.items() if access.allowed] == ["owner", "guardian"]
    assert roles["stranger"].line is None  # not even the row: nothing of it reaches a stranger


@pytest.mark.parametrize("line_id", [None, "1 OR 1=1", True, 1.5, [1], -1, 10**30, float("inf")])
def test_a_malformed_id_is_no_line(family, line_id):
    with family["store"].read() as db:
        assert line_with(db, family["owner"], line_id, Permission.VIEW).line is None


def test_a_person_sees_their_own_lines_first_then_the_shared_ones(family):
    with family["store"].read() as db:
        seen = [(line.id, role) for line, role in lines_visible(db, family["guardian"])]
        stranger = lines_visible(db, family["stranger"])
    assert seen == [(family["own"]["guardian"], OWNER), (family["child"], GUARDIAN)]
    assert stranger == []


def test_a_role_without_the_permission_is_403_and_no_role_404(family):
    with family["store"].read() as db:
        assert permitted_line(db, family["guardian"], family["child"], Permission.BLOCK).id == family["child"]
        with pytest.raises(Forbidden) as refused:
            permitted_line(db, family["viewer"], family["child"], Permission.BLOCK)
        assert refused.value.key == "members.not_allowed.viewer" and refused.value.status == 403
        with pytest.raises(Forbidden):
            permitted_line(db, family["guardian"], family["child"], Permission.MANAGE)
        with pytest.raises(NotFound):
            permitted_line(db, family["stranger"], family["child"], Permission.VIEW)


def dawn_burst(family, cfg) -> None:  # noqa: F811
    for minute in (0, 2, 4):
        charge(family["store"], cfg, family["child"], kst(2026, 11, 25, 3, minute), 50_000)


def test_a_fraud_alert_reaches_the_owner_and_each_guardian_with_their_own_block_link(family, cfg):  # noqa: F811
    dawn_burst(family, cfg)
    with family["store"].read() as db:
        alerts = db.scalars(select(Alert).where(Alert.kind == "fraud_burst").order_by(Alert.id)).all()
        links = {alert.user_id: db.get(BlockLink, detail_of(alert)["block_link_id"]) for alert in alerts}
    assert [alert.user_id for alert in alerts] == [family["owner"], family["guardian"]]  # not the viewer
    assert {user: link.user_id for user, link in links.items()} == {u: u for u in links}
    assert len({link.id for link in links.values()}) == 2


def test_a_removed_guardians_link_no_longer_blocks_the_owners_still_does(family, cfg):  # noqa: F811
    dawn_burst(family, cfg)
    store = family["store"]
    with store.read() as db:
        link_of = {a.user_id: detail_of(a)["block_link_id"] for a in db.scalars(select(Alert))}
    tokens = {user: block_links.sign(link_id, SECRET) for user, link_id in link_of.items()}
    with store.write() as db:
        db.execute(delete(LineMember).where(LineMember.user_id == family["guardian"]))
    with store.write() as db:
        assert block_links.use(db, tokens[family["guardian"]], SECRET, TTL).status == "invalid"
    with store.read() as db:
        assert db.get(Line, family["child"]).status == "active"
    with store.write() as db:
        assert block_links.use(db, tokens[family["owner"]], SECRET, TTL).status == "ok"
    with store.read() as db:
        assert db.get(Line, family["child"]).status == "blocked"


def test_a_guardians_link_blocks_and_the_audit_names_the_guardian(family, cfg):  # noqa: F811
    from data.models import AuditLog

    dawn_burst(family, cfg)
    store = family["store"]
    with store.read() as db:
        alert = db.scalar(select(Alert).where(Alert.user_id == family["guardian"]))
    token = block_links.sign(detail_of(alert)["block_link_id"], SECRET)
    with store.write() as db:
        assert block_links.use(db, token, SECRET, TTL).status == "ok"
    with store.read() as db:
        entry = db.scalar(select(AuditLog).where(AuditLog.action == "line.block"))
    assert entry.user_id == family["guardian"] and entry.line_id == family["child"]

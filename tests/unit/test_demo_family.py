"""The demo's family: a second user, guardian of the child line, whose credentials the demo prints."""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import func, select

from dashboard.cli import main
from dashboard.services.lines import lines_of_user
from data import accounts
from data.access import GUARDIAN, OWNER, role_on
from data.models import Line, LineMember, User
from data.seed import DEMO_EMAIL, DEMO_GUARDIAN_EMAIL, seed_demo
from tests.helpers import login


def _user_id(store, email: str) -> int:
    with store.read() as db:
        return db.scalar(select(User.id).where(User.email == email))


def test_the_seeded_guardian_sees_the_child_line_as_guardian(store):
    with store.write() as db:
        account = seed_demo(db, seed=7, password="owner pw for tests", guardian_password="guardian pw for tests")
    assert account.guardian is not None and account.guardian.email == DEMO_GUARDIAN_EMAIL
    assert account.guardian.password == "guardian pw for tests" and account.guardian.created
    owner, guardian = _user_id(store, DEMO_EMAIL), _user_id(store, DEMO_GUARDIAN_EMAIL)

    seen = lines_of_user(store, guardian)
    assert [(line.nickname, line.is_minor) for line in seen] == [("아이 폰", True)]  # only the child's line
    assert [line.user_id for line in seen] == [owner]  # still the owner's line, shared
    with store.read() as db:
        assert role_on(db, guardian, seen[0].id) == GUARDIAN
        assert role_on(db, owner, seen[0].id) == OWNER
        others = db.scalars(select(Line.id).where(Line.user_id == owner, Line.is_minor.is_(False))).all()
        assert len(others) == 2 and all(role_on(db, guardian, line_id) is None for line_id in others)
        assert accounts.authenticate(db, DEMO_GUARDIAN_EMAIL, "guardian pw for tests") is not None
    assert len(lines_of_user(store, owner)) == 3  # the owner's view is unchanged


def test_seeding_again_resets_both_passwords_and_keeps_one_membership(store):
    with store.write() as db:
        seed_demo(db, seed=7, password="first owner pw", guardian_password="first guardian pw")
    with store.write() as db:
        again = seed_demo(db, seed=7, password="second owner pw", guardian_password="second guardian pw")
    assert not again.created and again.guardian is not None and not again.guardian.created
    with store.read() as db:
        assert db.scalar(select(func.count()).select_from(LineMember)) == 1
        assert accounts.authenticate(db, DEMO_GUARDIAN_EMAIL, "first guardian pw") is None
        assert accounts.authenticate(db, DEMO_GUARDIAN_EMAIL, "second guardian pw") is not None
        assert accounts.authenticate(db, DEMO_EMAIL, "second owner pw") is not None


def test_a_demo_seeded_before_families_gains_its_guardian(store):
    """An existing demo database (owner and lines, no guardian yet): the next seed adds the guardian."""
    with store.write() as db:
        seed_demo(db, seed=7, password="owner pw for tests")
        db.delete(db.scalar(select(User).where(User.email == DEMO_GUARDIAN_EMAIL)))
    with store.write() as db:
        account = seed_demo(db, seed=7, password="owner pw for tests")
    assert account.guardian is not None and account.guardian.created
    assert [line.nickname for line in lines_of_user(store, _user_id(store, DEMO_GUARDIAN_EMAIL))] == ["아이 폰"]


def test_the_demo_command_prints_both_users_who_can_log_in(database_url, store_for_url, app, tmp_path):
    env = {"MICROBILL_DATABASE_URL": database_url, "MICROBILL_INSTANCE_PATH": str(tmp_path / "cli"),
           "MICROBILL_SECRET_KEY": "cli-test"}
    result = CliRunner().invoke(main, ["seed-demo", "--seed", "3"], env=env)
    assert result.exit_code == 0, result.output
    printed = dict(re.findall(r"email:\s+(\S+)\s+password:\s+(\S+)", result.output))
    assert set(printed) == {DEMO_EMAIL, DEMO_GUARDIAN_EMAIL}
    assert "Guardian of the child line created" in result.output
    for email, password in printed.items():  # what a person would do with them: log in
        client = app.server.test_client()
        assert login(client, email, password).status_code == 302, email
        assert client.get("/_dash-layout").status_code == 200, email

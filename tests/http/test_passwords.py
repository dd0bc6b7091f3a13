"""Changing the password on /account (the Dash callback, as the renderer calls it), on SQLite and PostgreSQL."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from callbacks.account_password import INPUT_IDS
from dashboard.cli.commands import main
from dashboard.services import accounts
from data.db import Store
from data.models import AuditLog, User, UserSession
from tests.helpers import PASSWORD, csrf_header, dash_update, login, make_user
from tests.http.test_cli import _env

NEW_PASSWORD = "wonderful kimchi stew"


def outputs(ids: list[str], *props: tuple[str, str]) -> str:
    """The renderer's output string of the password callback (invalid ×3, errors ×3, result, values ×3)."""
    parts = ([f"{i}.invalid" for i in ids] + [f"{i}-error.children" for i in ids] + [f"{a}.{b}" for a, b in props]
             + [f"{i}.value" for i in ids])
    return ".." + "...".join(parts) + ".."


CHANGE = outputs(INPUT_IDS, ("pw-change-result", "children"))


def change(client, current: str, new: str, repeat: str | None = None):
    inputs = [{"id": "pw-change-submit", "property": "n_clicks", "value": 1}]
    state = [{"id": "pw-current", "property": "value", "value": current},
             {"id": "pw-new", "property": "value", "value": new},
             {"id": "pw-repeat", "property": "value", "value": new if repeat is None else repeat},
             {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}]
    response = dash_update(client, CHANGE, inputs, state, headers=csrf_header(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]


def field_errors(answer: dict) -> dict[str, str]:
    return {i: answer[f"{i}-error"]["children"] for i in INPUT_IDS if answer[i]["invalid"]}


def api_token(app, store, uid: int) -> str:
    return accounts.create_token(store, uid, "phone automation", days=90)


def api_status(app, token: str) -> int:
    """A call of the API with the token alone (no cookie: a session cookie would be used first)."""
    return app.server.test_client().get("/api/v1/lines", headers={"Authorization": f"Bearer {token}"}).status_code


def test_change_kills_a_copied_cookie_of_another_session_and_the_old_api_tokens(app, client, store):
    uid = make_user(store)
    token = api_token(app, store, uid)
    other = app.server.test_client()
    login(other)
    copied = other.get_cookie("session").value
    login(client)
    assert api_status(app, token) == 200

    answer = change(client, PASSWORD, NEW_PASSWORD)
    assert "비밀번호를 바꿨습니다" in str(answer["pw-change-result"]["children"])
    assert field_errors(answer) == {}

    thief = app.server.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/_dash-layout").status_code == 401
    assert api_status(app, token) == 401
    assert client.get("/_dash-layout").status_code == 200  # this browser stays logged in (under a new id)
    with store.read() as db:
        assert db.query(UserSession).count() == 1
        assert db.scalar(select(AuditLog.action).where(AuditLog.action == "password.change")) is not None
    assert login(app.server.test_client()).status_code == 401  # the old password is gone
    assert login(app.server.test_client(), password=NEW_PASSWORD).status_code == 302


def test_common_passwords_are_refused_with_a_korean_message_on_the_field(app, client, store):
    make_user(store)
    login(client)
    for common in ("1234567890", "password12", "qwertyuiop"):
        answer = change(client, PASSWORD, common)
        assert field_errors(answer) == {"pw-new": "너무 흔하거나 추측하기 쉬운 비밀번호입니다. "
                                                  "여러 단어를 이어 더 길게 만들어 보세요."}
    assert field_errors(change(client, PASSWORD, "short")) == {"pw-new": "비밀번호는 10자 이상이어야 합니다."}
    assert field_errors(change(client, PASSWORD, NEW_PASSWORD, "typo")) == {"pw-repeat": "비밀번호가 서로 다릅니다."}
    assert login(app.server.test_client()).status_code == 302  # nothing changed


def test_the_current_password_is_needed(app, client, store):
    uid = make_user(store)
    token = api_token(app, store, uid)
    login(client)
    answer = change(client, "not my password", NEW_PASSWORD)
    assert list(field_errors(answer)) == ["pw-current"]
    answer = change(client, "", NEW_PASSWORD)
    assert list(field_errors(answer)) == ["pw-current"]
    assert api_status(app, token) == 200
    assert login(app.server.test_client()).status_code == 302


def test_english_messages(app, client, store):
    make_user(store)
    login(client)
    inputs = [{"id": "pw-change-submit", "property": "n_clicks", "value": 1}]
    state = [{"id": "pw-current", "property": "value", "value": PASSWORD},
             {"id": "pw-new", "property": "value", "value": "qwertyuiop"},
             {"id": "pw-repeat", "property": "value", "value": "qwertyuiop"},
             {"id": "prefs", "property": "data", "value": {"lang": "en", "theme": "dark"}}]
    answer = dash_update(client, CHANGE, inputs, state, headers=csrf_header(client)).get_json()["response"]
    assert "too common" in answer["pw-new-error"]["children"]


def test_an_api_token_alone_cannot_change_the_password(app, store):
    uid = make_user(store)
    token = api_token(app, store, uid)
    inputs = [{"id": "pw-change-submit", "property": "n_clicks", "value": 1}]
    state = [{"id": "pw-current", "property": "value", "value": PASSWORD},
             {"id": "pw-new", "property": "value", "value": NEW_PASSWORD},
             {"id": "pw-repeat", "property": "value", "value": NEW_PASSWORD},
             {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}]
    response = dash_update(app.server.test_client(), CHANGE, inputs, state,
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (204, 401)  # no update (or no Dash for tokens at all)
    assert api_status(app, token) == 200 and login(app.server.test_client()).status_code == 302


def test_the_cli_applies_the_same_policy_and_makes_confirmed_users(database_url, tmp_path):
    env, runner = _env(database_url, tmp_path), CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    for common in ("1234567890", "password12", "qwertyuiop"):
        refused = runner.invoke(main, ["create-user", "--email", "b@example.com", "--password", common], env=env)
        assert refused.exit_code != 0 and "추측하기 쉬운" in refused.output and "too common" in refused.output
    created = runner.invoke(main, ["create-user", "--email", "b@example.com", "--password", NEW_PASSWORD], env=env)
    assert created.exit_code == 0, created.output
    store = Store(database_url)
    try:
        with store.read() as db:
            assert db.scalar(select(User.email_confirmed_at).where(User.email == "b@example.com")) is not None
    finally:
        store.dispose()

"""API tokens (issue #12 point 4): expiry (default 90 days), revocation taking effect at once, last use written
at most once a minute, the account page's card (create shown once, list, revoke) and the operator's
`microbill create-token --expires-days N` / `microbill revoke-token` — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import time_machine
from click.testing import CliRunner
from sqlalchemy import select

from dashboard.cli import main
from data.models import ApiToken
from tests.helpers import PASSWORD, make_user
from tests.http.test_sessions import PREFS_EN, audits, callback, ids_of, prop_id, sign_in, texts

TOKENS_OUT = "tokens-list.children"


def api(client, token: str):
    return client.get("/api/v1/lines", headers={"Authorization": f"Bearer {token}"})


def refused(response) -> bool:
    """The API's own 401 JSON error, as an integration would see it."""
    return response.status_code == 401 and response.get_json()["error"] == "unauthorized"


def tokens_card(client, *, create: bool = False, revoke: object = None, name: str | None = None,
                days: str | None = "90", lang: str = "en", password: str | None = PASSWORD):
    """The tokens card after opening the page, pressing "create", or "revoke" on the token `revoke`."""
    buttons = [] if revoke is None else [{"id": {"index": revoke, "type": "token-revoke"}, "property": "n_clicks",
                                          "value": 1}]
    inputs = [{"id": "url", "property": "pathname", "value": "/account"},
              {"id": "tokens-create", "property": "n_clicks", "value": 1 if create else None}, buttons]
    state = [{"id": "tokens-name", "property": "value", "value": name},
             {"id": "tokens-days", "property": "value", "value": days},
             {"id": "tokens-password", "property": "value", "value": password},
             {**PREFS_EN, "value": {"lang": lang, "theme": "light"}}]
    changed = (["tokens-create.n_clicks"] if create
               else [prop_id({"index": revoke, "type": "token-revoke"}, "n_clicks")] if revoke is not None
               else ["url.pathname"])
    response = callback(client, TOKENS_OUT, inputs, state, changed)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["response"]


def _secret(shown: dict) -> str:
    (secret,) = [text for text in texts(shown["tokens-new"]["children"]) if text.startswith("mb_")]
    return secret


# ---- expiry and revocation at the API ------------------------------------------------------------------

def test_a_new_token_expires_after_90_days_by_default(app, client, store, clock):
    make_user(store)
    sign_in(client)
    token = _secret(tokens_card(client, create=True, name="가계부 앱", days="90"))
    with store.read() as db:
        row = db.scalars(select(ApiToken)).one()
    assert abs(row.expires_at - (clock + timedelta(days=90))) < timedelta(minutes=5)
    api_client = app.server.test_client()
    assert api(api_client, token).status_code == 200
    with time_machine.travel(clock + timedelta(days=89, hours=23), tick=True):
        assert api(api_client, token).status_code == 200
    with time_machine.travel(clock + timedelta(days=90, minutes=1), tick=True):
        assert refused(api(api_client, token))


def test_a_revoked_token_is_refused_at_once(app, client, store):
    make_user(store)
    sign_in(client)
    token = _secret(tokens_card(client, create=True, name="script"))
    integration = app.server.test_client()
    assert api(integration, token).status_code == 200
    (button,) = ids_of(tokens_card(client), "token-revoke")
    shown = tokens_card(client, revoke=button["index"])
    assert "Token revoked: it no longer works with the API." in texts(shown["tokens-result"]["children"])
    assert refused(api(integration, token))  # the very next call
    assert "Revoked" in texts(shown[TOKENS_OUT.split(".")[0]]["children"])
    assert ids_of(shown, "token-revoke") == []
    assert len(audits(store, "token.revoke")) == 1


def test_last_use_is_written_at_most_once_a_minute(app, client, store, clock):
    uid = make_user(store)
    sign_in(client)
    token = _secret(tokens_card(client, create=True))
    integration = app.server.test_client()

    def last_used():
        with store.read() as db:
            return db.scalar(select(ApiToken.last_used_at).where(ApiToken.user_id == uid))

    assert last_used() is None
    api(integration, token)
    first = last_used()
    assert first is not None
    for _ in range(3):
        api(integration, token)
    assert last_used() == first
    with time_machine.travel(clock + timedelta(minutes=2), tick=True):
        api(integration, token)
        assert last_used() > first + timedelta(minutes=1)


# ---- the account page's card ---------------------------------------------------------------------------

def test_the_card_shows_a_token_once_then_lists_name_dates_and_state(client, store):
    make_user(store)
    sign_in(client)
    opened = tokens_card(client, lang="ko")
    assert opened["tokens-days"]["value"] == "90"
    labels = [option["label"] for option in opened["tokens-days"]["options"]]
    assert labels[0] == "90일 (기본)" and labels[-1] == "만료 없음 (권장하지 않음)"
    assert texts(opened[TOKENS_OUT.split(".")[0]]["children"]) == ["만든 토큰이 없습니다."]
    created = tokens_card(client, create=True, name="가계부 앱", days="30", lang="ko")
    secret = _secret(created)
    assert created["tokens-name"]["value"] == ""
    listed = texts(created[TOKENS_OUT.split(".")[0]]["children"])
    assert listed[:2] == ["가계부 앱", "사용 중"]
    assert listed[2].startswith("만든 때 2026-11-18 ") and " · 쓴 적 없음 · 만료 2026-12-18 " in listed[2]
    again = tokens_card(client, lang="ko")  # the page opened again: the secret is gone for good
    assert again["tokens-new"]["children"] is None
    assert secret not in json.dumps(again, ensure_ascii=False)
    with store.read() as db:
        assert db.scalar(select(ApiToken.token_hash)) != secret  # only its hash is kept


def test_never_is_only_what_was_asked_for(client, store):
    make_user(store)
    sign_in(client)
    tokens_card(client, create=True, name="forever", days="0")
    with store.read() as db:
        assert db.scalars(select(ApiToken)).one().expires_at is None
    listed = texts(tokens_card(client)[TOKENS_OUT.split(".")[0]]["children"])
    assert listed[0] == "forever" and listed[2].endswith(" · Never used · Never expires")


def test_bad_input_gets_a_message_and_makes_no_token(client, store):
    make_user(store)
    sign_in(client)
    for days, name, message in (("99999", "x", "The validity is 0 (never expires) to 3650 days."),
                                ("-1", "x", "The validity is 0 (never expires) to 3650 days."),
                                ("abc", "x", "The validity is 0 (never expires) to 3650 days."),
                                (None, "x", "The validity is 0 (never expires) to 3650 days."),
                                ("90", "n" * 61, "A name has at most 60 characters.")):
        shown = tokens_card(client, create=True, name=name, days=days)
        assert texts(shown["tokens-result"]["children"]) == [message], days
    with store.read() as db:
        assert db.query(ApiToken).count() == 0


def test_making_a_token_needs_the_password(client, store):
    """A stolen session cannot mint a token that would outlive it."""
    make_user(store)
    sign_in(client)
    for password, said in ((None, "Enter your password to go on."),
                           ("not the password", "Wrong password. Please check and try again.")):
        shown = tokens_card(client, create=True, name="thief", password=password)
        assert texts(shown["tokens-result"]["children"]) == [said] and shown["tokens-password"]["value"] == ""
    with store.read() as db:
        assert db.query(ApiToken).count() == 0


def test_another_users_token_cannot_be_revoked_from_the_card(app, client, store):
    make_user(store)
    make_user(store, "other@example.com")
    victim = app.server.test_client()
    sign_in(victim, "other@example.com")
    token = _secret(tokens_card(victim, create=True, name="victim"))
    with store.read() as db:
        victims_id = db.scalar(select(ApiToken.id))
    sign_in(client)
    for probe in (victims_id, str(victims_id), 2**40, -1, "1 OR 1=1"):
        shown = tokens_card(client, revoke=probe)
        assert texts(shown["tokens-result"]["children"]) == ["No such token, or it is already revoked."], probe
    assert api(app.server.test_client(), token).status_code == 200
    assert texts(tokens_card(client)[TOKENS_OUT.split(".")[0]]["children"]) == ["No tokens yet."]


# ---- the operator's commands ---------------------------------------------------------------------------

def _env(database_url: str, tmp_path) -> dict[str, str]:
    return {"MICROBILL_DATABASE_URL": database_url, "MICROBILL_INSTANCE_PATH": str(tmp_path),
            "MICROBILL_SECRET_KEY": "cli-test"}


def test_cli_create_token_with_expiry_and_revoke_it_by_id_or_by_itself(app, store, database_url, tmp_path, clock):
    make_user(store, "cli@example.com")
    env, runner = _env(database_url, tmp_path), CliRunner()
    made = runner.invoke(main, ["create-token", "cli@example.com", "--name", "backup", "--expires-days", "7"],
                         env=env)
    assert made.exit_code == 0, made.output
    first = made.output.strip()
    default = runner.invoke(main, ["create-token", "--email", "cli@example.com"], env=env).output.strip()
    with store.read() as db:
        rows = {row.name: row for row in db.scalars(select(ApiToken))}
    assert abs(rows["backup"].expires_at - (clock + timedelta(days=7))) < timedelta(minutes=5)
    assert abs(rows["cli"].expires_at - (clock + timedelta(days=90))) < timedelta(minutes=5)
    client = app.server.test_client()
    assert api(client, first).status_code == 200 and api(client, default).status_code == 200

    listed = [json.loads(line) for line in runner.invoke(main, ["list-tokens", "--email", "cli@example.com"],
                                                         env=env).output.splitlines()]
    assert {item["name"] for item in listed} == {"backup", "cli"} and all(item["state"] == "active" for item in listed)
    assert not any(first in json.dumps(item) for item in listed)

    by_id = runner.invoke(main, ["revoke-token", "--email", "cli@example.com", "--id", str(rows["backup"].id)],
                          env=env)
    assert by_id.exit_code == 0 and json.loads(by_id.output) == {"revoked": rows["backup"].id}
    assert refused(api(client, first))
    by_secret = runner.invoke(main, ["revoke-token", default], env=env)
    assert by_secret.exit_code == 0 and json.loads(by_secret.output) == {"revoked": rows["cli"].id}
    assert refused(api(client, default))


def test_cli_refuses_bad_token_commands_clearly(store, database_url, tmp_path):
    make_user(store, "cli@example.com")
    make_user(store, "other@example.com")
    env, runner = _env(database_url, tmp_path), CliRunner()
    too_long = runner.invoke(main, ["create-token", "cli@example.com", "--expires-days", "5000"], env=env)
    assert too_long.exit_code != 0 and "3650" in too_long.output and "유효 기간" in too_long.output
    assert runner.invoke(main, ["revoke-token", "mb_not-a-token"], env=env).exit_code != 0
    assert runner.invoke(main, ["revoke-token"], env=env).exit_code != 0
    secret = runner.invoke(main, ["create-token", "cli@example.com"], env=env).output.strip()
    with store.read() as db:
        token_id = db.scalar(select(ApiToken.id))
    wrong_owner = runner.invoke(main, ["revoke-token", "--email", "other@example.com", "--id", str(token_id)],
                                env=env)
    assert wrong_owner.exit_code != 0 and "No such token" in wrong_owner.output
    with store.read() as db:
        assert db.scalar(select(ApiToken.revoked_at)) is None
    assert secret.startswith("mb_")

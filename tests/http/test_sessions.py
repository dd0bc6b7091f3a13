"""Login sessions a thief cannot keep (issue #12 point 1): idle timeout and absolute lifetime checked on the
server's row, "keep me signed in", the account page's device list with sign-out, and the session id rotating
at a privilege change — through the Flask test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select, update

from data.models import AuditLog, UserSession
from data.sessions import handle
from tests.helpers import PASSWORD, csrf_header, form_csrf, make_line, make_user

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
SESSIONS_OUT = "sessions-list.children"


# ---- helpers (also used by test_api_tokens.py) ------------------------------------------------------------

def sign_in(client, email: str = "owner@example.com", password: str = PASSWORD, *, agent: str = CHROME,
            ip: str = "198.51.100.7", remember: bool = False, code: str | None = None):
    """The login form as a browser posts it, from `ip` with the User-Agent `agent`."""
    env = {"REMOTE_ADDR": ip}
    headers = {"User-Agent": agent}
    token = form_csrf(client.get("/login", headers=headers, environ_base=env).get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "1"
    if code is not None:
        data["code"] = code
    return client.post("/login", data=data, headers=headers, environ_base=env)


def prop_id(component_id: object, prop: str) -> str:
    """How the renderer names a changed property (pattern ids as sorted compact JSON)."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":")) + "." + prop
    return f"{component_id}.{prop}"


def callback(client, output_contains: str, inputs: list, state: list, changed: list[str], **kw):
    """POST a callback the way the renderer does (its output spec from /_dash-dependencies); `inputs` items
    may be lists (an ALL pattern)."""
    deps = client.get("/_dash-dependencies").get_json()
    spec = next(d for d in deps if output_contains in d["output"])
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in spec["output"].strip(".").split("...")]
    body = {"output": spec["output"], "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": changed}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client), **kw)


def texts(node: object) -> list[str]:
    """Every string a user would read in a rendered component tree."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [text for item in node for text in texts(item)]
    if isinstance(node, dict):
        props = node.get("props", node)
        return [text for key in ("children", "label") if key in props for text in texts(props[key])]
    return []


def ids_of(node: object, kind: str) -> list[dict]:
    """The pattern ids {"type": kind, "index": …} of the buttons in a rendered tree."""
    found = []
    if isinstance(node, list):
        for item in node:
            found += ids_of(item, kind)
    elif isinstance(node, dict):
        props = node.get("props", node)
        if isinstance(props.get("id"), dict) and props["id"].get("type") == kind:
            found.append(props["id"])
        for value in props.values():
            if isinstance(value, dict | list):
                found += ids_of(value, kind)
    return found


PREFS_EN = {"id": "prefs", "property": "data", "value": {"lang": "en", "theme": "light"}}


def sessions_card(client, *, end: str | None = None, end_others: bool = False, lang: str = "en",
                  password: str | None = PASSWORD):
    """The sessions card as the page shows it, after clicking "sign out" on `end` (a handle) or "sign out
    everywhere else" with `password` typed in; → (status, {output id: rendered})."""
    buttons = [] if end is None else [{"id": {"index": end, "type": "session-end"}, "property": "n_clicks",
                                       "value": 1}]
    inputs = [{"id": "url", "property": "pathname", "value": "/account"}, buttons,
              {"id": "sessions-end-others", "property": "n_clicks", "value": 1 if end_others else None}]
    changed = ([prop_id({"index": end, "type": "session-end"}, "n_clicks")] if end
               else ["sessions-end-others.n_clicks"] if end_others else ["url.pathname"])
    prefs = {**PREFS_EN, "value": {"lang": lang, "theme": "light"}}
    typed = {"id": "sessions-password", "property": "value", "value": password}
    response = callback(client, SESSIONS_OUT, inputs, [typed, prefs], changed)
    return response.status_code, (response.get_json() or {}).get("response", {})


def the_row(store) -> UserSession:
    with store.read() as db:
        return db.scalars(select(UserSession)).one()


def audits(store, action: str) -> list[AuditLog]:
    with store.read() as db:
        return list(db.scalars(select(AuditLog).where(AuditLog.action == action)))


def answers(client) -> int:
    return client.get("/_dash-layout").status_code


# ---- idle timeout and absolute lifetime ---------------------------------------------------------------

def test_a_session_idle_past_the_timeout_is_refused_and_its_row_deleted(client, store, clock):
    make_user(store)
    assert sign_in(client).status_code == 302
    with time_machine.travel(clock + timedelta(minutes=29), tick=True):
        assert answers(client) == 200  # 29 minutes idle: still in
    with time_machine.travel(clock + timedelta(minutes=29 + 29), tick=True):
        assert answers(client) == 200  # activity at minute 29 restarted the idle clock
    with time_machine.travel(clock + timedelta(minutes=58 + 32), tick=True):
        assert answers(client) == 401  # 32 minutes without use (30 + the minute last_seen_at may lag)
        assert client.get("/").status_code == 302
    with store.read() as db:
        assert db.query(UserSession).count() == 0


def test_a_session_past_its_absolute_lifetime_is_refused_even_when_busy(client, store, clock):
    make_user(store)
    sign_in(client)
    for minutes in range(20, 12 * 60, 20):  # in use every 20 minutes for almost 12 hours
        with time_machine.travel(clock + timedelta(minutes=minutes), tick=True):
            assert answers(client) == 200, minutes
    with time_machine.travel(clock + timedelta(hours=12, minutes=1), tick=True):
        assert answers(client) == 401


def test_a_session_row_backdated_to_2020_no_longer_answers(client, store):
    make_user(store)
    sign_in(client)
    old = datetime(2020, 1, 1, tzinfo=UTC)
    with store.write() as db:
        db.execute(update(UserSession).values(created_at=old, authenticated_at=old, last_seen_at=old, expires_at=None))
    assert answers(client) == 401


def test_a_row_from_before_the_lifetimes_is_bounded_by_its_creation(client, store, clock):
    """Rows made before migration 0007 have no expires_at: created_at + the absolute lifetime bounds them,
    even when they were in use a minute ago."""
    make_user(store)
    sign_in(client)
    with store.write() as db:
        db.execute(update(UserSession).values(created_at=clock - timedelta(hours=12, minutes=1), expires_at=None))
    assert answers(client) == 401


def test_last_seen_is_written_at_most_once_a_minute(client, store, clock):
    make_user(store)
    sign_in(client)
    first = the_row(store).last_seen_at
    for _ in range(3):
        assert answers(client) == 200
    assert the_row(store).last_seen_at == first  # no write per request
    with time_machine.travel(clock + timedelta(seconds=70), tick=True):
        assert answers(client) == 200
    assert the_row(store).last_seen_at > first + timedelta(seconds=60)


def test_lifetimes_are_settings(app, store, clock):
    app.server.config["MICROBILL"] = app.server.config["MICROBILL"].__class__(
        **{**app.server.config["MICROBILL"].__dict__, "session_idle_minutes": 5, "session_absolute_hours": 1})
    make_user(store)
    client = app.server.test_client()
    sign_in(client)
    with time_machine.travel(clock + timedelta(minutes=7), tick=True):
        assert answers(client) == 401
    sign_in(client)
    with time_machine.travel(clock + timedelta(minutes=11), tick=True):  # the second login was at ~minute 0
        assert answers(client) == 401


# ---- keep me signed in --------------------------------------------------------------------------------

def test_keep_me_signed_in_is_a_30_day_persistent_cookie_and_session(client, store, clock):
    make_user(store)
    sign_in(client, remember=True)
    cookie = client.get_cookie("session")
    assert cookie.expires is not None
    assert timedelta(days=29) < cookie.expires - clock < timedelta(days=31)
    row = the_row(store)
    assert row.remember and row.expires_at - row.created_at == timedelta(days=30)
    with time_machine.travel(clock + timedelta(days=3), tick=True):
        assert answers(client) == 200  # no idle timeout: that is what the box asks for
    with time_machine.travel(clock + timedelta(days=30, minutes=1), tick=True):
        assert answers(client) == 401


def test_an_ordinary_session_cookie_ends_with_the_browser(client, store):
    make_user(store)
    sign_in(client)
    assert client.get_cookie("session").expires is None
    row = the_row(store)
    assert not row.remember and row.expires_at - row.created_at == timedelta(hours=12)


def test_the_session_row_records_device_and_address(client, store):
    make_user(store)
    sign_in(client, agent=IPHONE, ip="203.0.113.50")
    row = the_row(store)
    assert (row.user_agent, row.ip) == (IPHONE, "203.0.113.50")
    assert audits(store, "auth.login")[0].ip == "203.0.113.50"


# ---- the account page: my devices ---------------------------------------------------------------------

def test_the_device_list_shows_each_session_and_marks_this_one(app, client, store):
    make_user(store)
    sign_in(client, agent=CHROME, ip="198.51.100.7")
    phone = app.server.test_client()
    sign_in(phone, agent=IPHONE, ip="203.0.113.50")
    status, shown = sessions_card(client)
    assert status == 200
    words = texts(shown[SESSIONS_OUT.split(".")[0]]["children"])
    assert "Chrome 131 · Linux" in words and "Mobile Safari 17 · iOS" in words
    assert "198.51.100.7" in words and "203.0.113.50" in words
    assert words.count("This device") == 1
    assert words.index("This device") == words.index("Chrome 131 · Linux") + 1
    assert len(ids_of(shown, "session-end")) == 1  # only the other device has a button
    with store.read() as db:
        secret_ids = set(db.scalars(select(UserSession.id)))
    assert not any(secret in json.dumps(shown) for secret in secret_ids)  # handles, never session ids


def test_signing_out_another_device_kills_its_cookie_at_once(app, client, store):
    make_user(store)
    sign_in(client)
    phone = app.server.test_client()
    sign_in(phone, agent=IPHONE)
    assert answers(phone) == 200
    _, shown = sessions_card(client)
    (other,) = ids_of(shown, "session-end")
    status, shown = sessions_card(client, end=other["index"])
    assert status == 200 and "That device is signed out." in texts(shown["sessions-result"]["children"])
    assert answers(phone) == 401  # its very next request
    assert answers(client) == 200
    assert len(audits(store, "session.end")) == 1


def test_sign_out_everywhere_else_keeps_only_this_browser(app, client, store):
    make_user(store)
    sign_in(client)
    others = [app.server.test_client() for _ in range(3)]
    for other in others:
        sign_in(other, agent=IPHONE)
    status, shown = sessions_card(client, end_others=True, lang="ko")
    assert status == 200 and "다른 기기 3곳을 로그아웃시켰습니다." in texts(shown["sessions-result"]["children"])
    assert [answers(other) for other in others] == [401, 401, 401]
    assert answers(client) == 200
    assert shown["sessions-end-others"]["disabled"] is True  # nothing left to sign out
    assert json.loads(audits(store, "session.end_others")[0].detail)["count"] == 3


def test_signing_devices_out_needs_the_password(app, client, store):
    """A stolen session alone cannot throw the owner out of their other devices."""
    make_user(store)
    sign_in(client)
    phone = app.server.test_client()
    sign_in(phone, agent=IPHONE)
    _, shown = sessions_card(client)
    (other,) = ids_of(shown, "session-end")
    for password, said in ((None, "Enter your password to go on."),
                           ("not the password", "Wrong password. Please check and try again.")):
        for attempt in ({"end": other["index"]}, {"end_others": True}):
            status, shown = sessions_card(client, password=password, **attempt)
            assert status == 200 and texts(shown["sessions-result"]["children"]) == [said]
            assert shown["sessions-password"]["value"] == ""  # never left in the page
    assert answers(phone) == 200
    assert audits(store, "session.end") == [] and audits(store, "session.end_others") == []


def test_another_users_session_handle_signs_nothing_out(app, client, store):
    make_user(store)
    make_user(store, "other@example.com")
    victim = app.server.test_client()
    sign_in(victim, "other@example.com")
    with store.read() as db:
        victims = handle(db.scalars(select(UserSession.id)).one())  # as if the victim's handle had leaked
    sign_in(client)
    for probe in (victims, "x" * 24, "' OR 1=1 --"):
        status, shown = sessions_card(client, end=probe)
        assert status == 200
        assert texts(shown["sessions-result"]["children"]) == ["That session has already ended."]
    assert answers(victim) == 200
    assert audits(store, "session.end") == []


def test_the_session_asking_is_not_ended_from_the_list(client, store):
    make_user(store)
    sign_in(client)
    status, shown = sessions_card(client, end=handle(the_row(store).id))
    assert status == 200 and "Use Log out at the top" in " ".join(texts(shown["sessions-result"]["children"]))
    assert answers(client) == 200


# ---- the session id rotates at a privilege change -----------------------------------------------------

def _raise_limit(client, line: int):
    return callback(client, "limits-feedback.children",
                    [{"id": "limits-save", "property": "n_clicks", "value": 1}],
                    [{"id": "line-picker", "property": "value", "value": line},
                     {"id": "limits-bucket", "property": "value", "value": "micropayment"},
                     {"id": "limits-amount", "property": "value", "value": "400000"},
                     {"id": "limits-password", "property": "value", "value": PASSWORD},
                     {"id": "limits-version", "property": "data", "value": 0},
                     {"id": "prefs", "property": "data", "value": {"lang": "ko"}},
                     {"id": "limits-code", "property": "value", "value": None}],
                    ["limits-save.n_clicks"])


def test_password_reentry_in_a_callback_rotates_the_session_id(app, client, store):
    uid = make_user(store)
    line = make_line(store, uid)
    sign_in(client, remember=True)
    before_row = the_row(store)
    stolen = client.get_cookie("session").value
    csrf_before = client.get_cookie("_csrf_token").value
    response = _raise_limit(client, line)
    assert response.status_code == 200 and "400,000원" in json.dumps(response.get_json(), ensure_ascii=False)
    after_row = the_row(store)
    assert after_row.id != before_row.id
    assert (after_row.created_at, after_row.expires_at, after_row.remember, after_row.user_agent) == \
        (before_row.created_at, before_row.expires_at, True, before_row.user_agent)
    assert after_row.authenticated_at > before_row.authenticated_at
    assert client.get_cookie("session").value != stolen  # the callback's own response carried the new cookie
    assert client.get_cookie("_csrf_token").value != csrf_before
    assert answers(client) == 200
    assert _raise_limit(client, line).status_code == 200  # the renderer's next call, with the new CSRF token
    thief = app.server.test_client()
    thief.set_cookie("session", stolen)
    assert answers(thief) == 401  # the cookie from before the privilege change is worthless


def test_password_reentry_through_the_api_with_a_cookie_rotates_too(client, store):
    uid = make_user(store)
    line = make_line(store, uid)
    sign_in(client)
    before = the_row(store).id
    assert client.post(f"/api/v1/lines/{line}/block", headers=csrf_header(client)).status_code == 200
    response = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD},
                           headers=csrf_header(client))
    assert response.status_code == 200
    assert the_row(store).id != before and answers(client) == 200


def test_a_wrong_password_rotates_nothing(client, store):
    uid = make_user(store)
    line = make_line(store, uid)
    sign_in(client)
    before = the_row(store).id
    client.post(f"/api/v1/lines/{line}/block", headers=csrf_header(client))
    wrong = client.post(f"/api/v1/lines/{line}/unblock", json={"password": "not it"}, headers=csrf_header(client))
    assert wrong.status_code == 403 and the_row(store).id == before


def test_a_bearer_token_caller_has_no_session_to_rotate(client, store):
    from data.tokens import create_token

    uid = make_user(store)
    line = make_line(store, uid)
    with store.write() as db:
        token = create_token(db, uid)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post(f"/api/v1/lines/{line}/block", headers=bearer).status_code == 200
    response = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD}, headers=bearer)
    assert response.status_code == 200 and "session" not in response.headers.get("Set-Cookie", "")
    with store.read() as db:
        assert db.query(UserSession).count() == 0


# ---- the operator -------------------------------------------------------------------------------------

def test_the_operator_signs_a_user_out_everywhere(app, client, store, database_url, tmp_path):
    from click.testing import CliRunner

    from dashboard.cli import main

    make_user(store)
    make_user(store, "other@example.com")
    phone = app.server.test_client()
    sign_in(client)
    sign_in(phone, agent=IPHONE)
    bystander = app.server.test_client()
    sign_in(bystander, "other@example.com")
    env = {"MICROBILL_DATABASE_URL": database_url, "MICROBILL_INSTANCE_PATH": str(tmp_path),
           "MICROBILL_SECRET_KEY": "cli-test"}
    result = CliRunner().invoke(main, ["end-sessions", "--email", "owner@example.com"], env=env)
    assert result.exit_code == 0 and json.loads(result.output) == {"ended": 2}
    assert (answers(client), answers(phone), answers(bystander)) == (401, 401, 200)
    assert len(audits(store, "session.end_all")) == 1

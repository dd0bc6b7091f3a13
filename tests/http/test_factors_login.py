"""Signing in with a second factor (TOTP, a recovery code) through the real forms, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import time_machine

from dashboard.services import factors
from data.models import AuditLog, UserSession
from tests.helpers import PASSWORD, form_csrf, login, make_user


def enable_totp(app, store, user_id: int) -> tuple[str, list[str]]:
    """What a user does on /account: start, scan, confirm with a first code → (secret, recovery codes)."""
    with app.server.test_request_context():
        secret = factors.start_totp(store, user_id).secret
        codes = factors.confirm_totp(store, user_id, "", pyotp.TOTP(secret).now(), PASSWORD)
    return secret, codes


def next_code(secret: str) -> str:
    """The code of the next 30-second step (inside the ±1 window, and later than any step used so far)."""
    return pyotp.TOTP(secret).at(datetime.now(UTC), counter_offset=1)


def submit_factor(client, code: str):
    page = client.get("/login/factor")
    assert page.status_code == 200
    return client.post("/login/factor", data={"code": code, "csrf_token": form_csrf(page.get_data(as_text=True))})


def sessions(store) -> int:
    with store.read() as db:
        return db.query(UserSession).count()


def test_password_alone_opens_no_session_when_totp_is_on(app, client, store):
    uid = make_user(store)
    enable_totp(app, store, uid)
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/factor")
    assert sessions(store) == 0
    assert client.get("/_dash-layout").status_code == 401  # not logged in yet
    page = client.get("/login/factor").get_data(as_text=True)
    assert "인증 앱의 6자리 코드나 복구 코드를 입력하세요." in page


def test_totp_code_completes_the_login(app, client, store):
    uid = make_user(store)
    secret, _ = enable_totp(app, store, uid)
    login(client)
    response = submit_factor(client, next_code(secret))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/_dash-layout").status_code == 200
    with store.read() as db:
        row = db.query(UserSession).one()
        assert row.second_factor_at is not None


def test_wrong_code_is_refused_and_changes_nothing(app, client, store):
    uid = make_user(store)
    enable_totp(app, store, uid)
    login(client)
    response = submit_factor(client, "000000")
    assert response.status_code == 401
    assert "인증 코드가 올바르지 않거나 이미 사용되었습니다." in response.get_data(as_text=True)
    assert sessions(store) == 0
    for junk in ("", "x" * 5000, "12345", "<script>"):
        assert submit_factor(client, junk).status_code == 401
    assert sessions(store) == 0


def test_the_same_totp_code_cannot_be_used_twice(app, store):
    uid = make_user(store)
    secret, _ = enable_totp(app, store, uid)
    code = next_code(secret)
    first, second = app.server.test_client(), app.server.test_client()
    login(first)
    assert submit_factor(first, code).status_code == 302
    login(second)  # a thief who saw the code over the owner's shoulder, within the same 30 seconds
    assert submit_factor(second, code).status_code == 401
    assert sessions(store) == 1


def test_a_code_of_an_earlier_step_than_the_last_used_is_refused(app, client, store):
    uid = make_user(store)
    secret, _ = enable_totp(app, store, uid)  # used the current step
    login(client)
    previous = pyotp.TOTP(secret).at(datetime.now(UTC), counter_offset=-1)
    assert submit_factor(client, previous).status_code == 401


def test_a_code_from_two_minutes_ago_is_refused(app, client, store):
    uid = make_user(store)
    secret, _ = enable_totp(app, store, uid)
    old = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=60))
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=3), tick=True):
        login(client)
        assert submit_factor(client, old).status_code == 401


def test_a_recovery_code_works_once(app, store):
    uid = make_user(store)
    _, codes = enable_totp(app, store, uid)
    assert len(codes) == len(set(codes)) == 10
    first, second = app.server.test_client(), app.server.test_client()
    login(first)
    assert submit_factor(first, codes[3].upper()).status_code == 302  # typed in capitals: still the code
    login(second)
    assert submit_factor(second, codes[3]).status_code == 401
    with store.read() as db:
        kinds = [a.detail for a in db.query(AuditLog).filter(AuditLog.action == "factor.used")]
    assert any('"recovery"' in k for k in kinds)


def test_the_factor_step_expires(app, client, store):
    uid = make_user(store)
    enable_totp(app, store, uid)
    login(client)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=True):
        page = client.get("/login/factor")
        assert page.status_code == 302 and page.headers["Location"] == "/login"
        assert sessions(store) == 0


def test_factor_page_without_a_password_first_goes_to_login(client, store):
    make_user(store)
    response = client.get("/login/factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_next_is_kept_through_the_factor_step(app, client, store):
    uid = make_user(store)
    secret, _ = enable_totp(app, store, uid)
    page = client.get("/login?next=/limits")
    client.post("/login?next=/limits", data={"email": "owner@example.com", "password": PASSWORD,
                                              "csrf_token": form_csrf(page.get_data(as_text=True))})
    response = submit_factor(client, next_code(secret))
    assert response.headers["Location"] == "/limits"


def test_users_without_a_factor_log_in_as_before(client, store):
    make_user(store)
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/_dash-layout").status_code == 200


def test_guessing_codes_is_throttled_per_user(app, store):
    uid = make_user(store)
    secret, _ = enable_totp(app, store, uid)
    client = app.server.test_client()
    login(client)
    for guess in ("111111", "222222", "333333", "444444", "555555"):  # MICROBILL_LOGIN_RATE_PER_ACCOUNT_IP: 5/min
        assert submit_factor(client, guess).status_code == 401
    other_device = app.server.test_client()  # a new cookie does not reset the count: it is the user's
    login(other_device)
    refused = submit_factor(other_device, next_code(secret))
    assert refused.status_code == 429
    assert "잘못된 코드가 너무 많습니다" in refused.get_data(as_text=True)
    assert sessions(store) == 0
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2), tick=True):
        login(other_device)
        assert submit_factor(other_device, pyotp.TOTP(secret).now()).status_code == 302

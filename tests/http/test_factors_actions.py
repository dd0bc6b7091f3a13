"""Unblocking and raising a limit need the second factor of a user who has one — on the /limits page (Dash
callbacks) and through the REST API — and turning a factor off needs the password and the factor."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyotp
import time_machine
from sqlalchemy import select

from dashboard.services import factors
from data.models import AuditLog, Line, RecoveryCode, User
from tests.helpers import PASSWORD, csrf_header, login, make_line, make_user
from tests.http.test_api_lines import bearer
from tests.http.test_factors_login import enable_totp, next_code, submit_factor

NEEDED = "2단계 인증 코드를 입력하세요."
WRONG = "인증 코드가 올바르지 않거나 이미 사용되었습니다."


def callback(client, output_contains: str, inputs: list, state: list):
    """POST a callback the way the renderer does, its output spec taken from /_dash-dependencies."""
    deps = client.get("/_dash-dependencies").get_json()
    spec = next(d for d in deps if output_contains in d["output"])
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}
               for part in spec["output"].strip(".").split("...")]
    flat = [i for item in inputs for i in (item if isinstance(item, list) else [item])]
    changed = [f"{json.dumps(i['id'], sort_keys=True, separators=(',', ':')) if isinstance(i['id'], dict) else i['id']}"
               f".{i['property']}" for i in flat if i.get("value")]
    body = {"output": spec["output"], "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": changed}
    return client.post("/_dash-update-component", json=body, headers=csrf_header(client))


def unblock(client, line: int, password: str | None, code: str | None = None) -> str:
    response = callback(client, "unblock-feedback.children",
                        [{"id": "unblock-button", "property": "n_clicks", "value": 1},
                         {"id": "unblock-password", "property": "n_submit", "value": 0}],
                        [{"id": "line-picker", "property": "value", "value": line},
                         {"id": "unblock-password", "property": "value", "value": password},
                         {"id": "line-status-version", "property": "data", "value": 0},
                         {"id": "prefs", "property": "data", "value": {"lang": "ko"}},
                         {"id": "unblock-code", "property": "value", "value": code}])
    assert response.status_code == 200
    return str(response.get_json()["response"])


def save_limit(client, line: int, amount: int, password: str | None, code: str | None = None) -> str:
    response = callback(client, "limits-feedback.children",
                        [{"id": "limits-save", "property": "n_clicks", "value": 1}],
                        [{"id": "line-picker", "property": "value", "value": line},
                         {"id": "limits-bucket", "property": "value", "value": "micropayment"},
                         {"id": "limits-amount", "property": "value", "value": str(amount)},
                         {"id": "limits-password", "property": "value", "value": password},
                         {"id": "limits-version", "property": "data", "value": 0},
                         {"id": "prefs", "property": "data", "value": {"lang": "ko"}},
                         {"id": "limits-code", "property": "value", "value": code}])
    assert response.status_code == 200
    return str(response.get_json()["response"])


def block(app, store, uid: int, line: int) -> None:
    """Blocked through the API, by another client (the page's cookie session would need a CSRF token)."""
    assert app.server.test_client().post(f"/api/v1/lines/{line}/block", headers=bearer(store, uid)).status_code == 200


def status(store, line: int) -> str:
    with store.read() as db:
        return db.get(Line, line).status


def limit_of(client, store, uid: int, line: int) -> int:
    lines = client.application.test_client().get("/api/v1/lines", headers=bearer(store, uid)).get_json()
    return next(item for item in lines if item["id"] == line)["limits"]["micropayment"]


def totp_user_logged_in(app, client, store):
    """A user with TOTP, logged in with a code (which counts as a recent factor for a few minutes)."""
    uid = make_user(store)
    secret, codes = enable_totp(app, store, uid)
    login(client)
    submit_factor(client, next_code(secret))
    return uid, secret, codes


def later(minutes: float):
    return time_machine.travel(datetime.now(UTC) + timedelta(minutes=minutes), tick=True)


def test_unblock_without_the_second_factor_is_refused(app, client, store):
    uid, secret, _ = totp_user_logged_in(app, client, store)
    line = make_line(store, uid)
    block(app, store, uid, line)
    with later(11):  # the factor entered at login counts for second_factor_fresh_minutes (10) only
        assert NEEDED in unblock(client, line, PASSWORD)
        assert status(store, line) == "blocked"
        assert WRONG in unblock(client, line, PASSWORD, "123456")
        assert status(store, line) == "blocked"
        assert "차단을 해제했습니다" in unblock(client, line, PASSWORD, pyotp.TOTP(secret).now())
    assert status(store, line) == "active"
    with store.read() as db:
        refused = db.scalars(select(AuditLog).where(AuditLog.action == "line.unblock_refused")).all()
    assert len(refused) == 2


def test_the_factor_entered_at_login_counts_for_a_few_minutes(app, client, store):
    uid, _, _ = totp_user_logged_in(app, client, store)
    line = make_line(store, uid)
    block(app, store, uid, line)
    with later(5):
        assert "차단을 해제했습니다" in unblock(client, line, PASSWORD)


def test_a_code_alone_is_not_enough_the_password_is_still_needed(app, client, store):
    uid, secret, _ = totp_user_logged_in(app, client, store)
    line = make_line(store, uid)
    block(app, store, uid, line)
    with later(11):
        assert "비밀번호" in unblock(client, line, None, pyotp.TOTP(secret).now())
        assert status(store, line) == "blocked"


def test_raising_a_limit_needs_the_factor_lowering_does_not(app, client, store):
    uid, _, codes = totp_user_logged_in(app, client, store)
    line = make_line(store, uid)  # 소액결제 300,000
    with later(11):
        assert "100,000원" in save_limit(client, line, 100_000, None)  # lowering: no password, no code
        assert NEEDED in save_limit(client, line, 500_000, PASSWORD)
        assert limit_of(client, store, uid, line) == 100_000
        assert "500,000원" in save_limit(client, line, 500_000, PASSWORD, codes[0])  # a recovery code works
        assert limit_of(client, store, uid, line) == 500_000
        assert WRONG in save_limit(client, line, 600_000, PASSWORD, codes[0])  # … once
        assert limit_of(client, store, uid, line) == 500_000


def test_api_unblock_and_raise_need_a_code_for_a_user_with_totp(app, client, store):
    uid = make_user(store)
    secret, _ = enable_totp(app, store, uid)
    line = make_line(store, uid)
    token = bearer(store, uid)
    client.post(f"/api/v1/lines/{line}/block", headers=token)
    refused = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD}, headers=token)
    assert refused.status_code == 403 and refused.get_json()["message"] == NEEDED
    raise_ = client.put(f"/api/v1/lines/{line}/limits/micropayment", json={"amount": 500_000, "password": PASSWORD},
                        headers=token)
    assert raise_.status_code == 403 and raise_.get_json()["message"] == NEEDED
    assert status(store, line) == "blocked"
    ok = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD, "code": next_code(secret)},
                     headers=token)
    assert ok.status_code == 200 and status(store, line) == "active"


def test_users_without_a_factor_unblock_with_the_password_only(app, client, store):
    uid = make_user(store)
    line = make_line(store, uid)
    login(client)
    block(app, store, uid, line)
    assert "차단을 해제했습니다" in unblock(client, line, PASSWORD)


# ---- the /account card: turning TOTP off -------------------------------------------------------

BUTTONS = ("totp-off", "recovery-new")
FIELDS = ("off-password", "off-code")


def press(client, action: str, values: dict[str, str | None]) -> str:
    inputs = [[{"id": {"type": "factors-btn", "action": a}, "property": "n_clicks", "value": 1 if a == action else None}
               for a in BUTTONS], []]
    state = [[{"id": {"type": "factors-field", "name": n}, "property": "value", "value": values.get(n)}
              for n in FIELDS], [], {"id": "prefs", "property": "data", "value": {"lang": "ko"}}]
    response = callback(client, "factors-notice.children", inputs, state)
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.get_json()["response"])


def totp_on(store, uid: int) -> bool:
    with store.read() as db:
        return db.get(User, uid).totp_enabled_at is not None


def test_turning_totp_off_needs_the_password_and_a_code(app, client, store):
    uid, secret, _ = totp_user_logged_in(app, client, store)
    with later(1):  # even right after a login with the factor: removing one needs it typed now
        assert "비밀번호를 입력하세요" in press(client, "totp-off", {"off-code": pyotp.TOTP(secret).now()})
        assert NEEDED in press(client, "totp-off", {"off-password": PASSWORD})
        assert "비밀번호가 올바르지 않습니다" in press(client, "totp-off", {"off-password": "wrong password!",
                                                                         "off-code": pyotp.TOTP(secret).now()})
        assert totp_on(store, uid)
    with later(2):
        said = press(client, "totp-off", {"off-password": PASSWORD, "off-code": pyotp.TOTP(secret).now()})
    assert "인증 앱을 껐습니다" in said
    assert not totp_on(store, uid)
    with store.read() as db:
        assert db.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == uid)) is None


def test_new_recovery_codes_replace_the_old_ones(app, client, store):
    _, secret, old = totp_user_logged_in(app, client, store)
    with later(1):
        said = press(client, "recovery-new", {"off-password": PASSWORD, "off-code": pyotp.TOTP(secret).now()})
    assert "이전 코드는 더 이상 쓸 수 없습니다" in said
    other = app.server.test_client()
    login(other)
    assert submit_factor(other, old[0]).status_code == 401


def test_turning_totp_on_needs_the_password(app, client, store):
    uid = make_user(store)
    login(client)
    with app.server.test_request_context():
        secret = factors.start_totp(store, uid).secret
    inputs = [[{"id": {"type": "factors-btn", "action": "totp-confirm"}, "property": "n_clicks", "value": 1}], []]

    def confirm(password):
        state = [[{"id": {"type": "factors-field", "name": "totp-code"}, "property": "value",
                   "value": pyotp.TOTP(secret).now()},
                  {"id": {"type": "factors-field", "name": "totp-password"}, "property": "value", "value": password}],
                 [], {"id": "prefs", "property": "data", "value": {"lang": "ko"}}]
        return str(callback(client, "factors-notice.children", inputs, state).get_json()["response"])

    assert "비밀번호를 입력하세요" in confirm(None)
    assert "비밀번호가 올바르지 않습니다" in confirm("wrong password!")
    assert not totp_on(store, uid)
    assert "factors-recovery-codes" in confirm(PASSWORD)
    assert totp_on(store, uid)

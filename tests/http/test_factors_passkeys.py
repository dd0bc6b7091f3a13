"""Passkeys over HTTP with a software authenticator (real P-256 keys, real CBOR, verified by py_webauthn):
adding one, signing in with it alone or as the second factor, the step-up before unblocking, removing it —
and every forged, replayed or someone else's assertion refused. SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import cbor2
import pyotp
import time_machine
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from data.models import Line, Passkey, UserSession
from tests.helpers import PASSWORD, csrf_header, login, make_line, make_user
from tests.http.test_api_lines import bearer
from tests.http.test_factors_actions import block, unblock

ORIGIN = "http://localhost"  # the Flask test client's host: the RP ID is "localhost"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Authenticator:
    """A platform authenticator with resident keys and user verification, as Chromium's virtual one."""

    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: os.urandom(16))
    counter: int = 0
    user_handle: bytes = b""

    def _cose(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def create(self, options: dict, origin: str = ORIGIN) -> dict:
        self.user_handle = unb64(options["user"]["id"])
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + self._cose()
        auth_data = hashlib.sha256(options["rp"]["id"].encode()).digest() + bytes([0x45]) + struct.pack(">I", 0) \
            + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id), "type": "public-key",
                "clientExtensionResults": {},
                "response": {"clientDataJSON": b64(client_data), "attestationObject": b64(attestation),
                             "transports": ["internal"]}}

    def get(self, options: dict, origin: str = ORIGIN, verified: bool = True) -> dict:
        self.counter += 1
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        flags = 0x05 if verified else 0x01
        auth_data = hashlib.sha256(options["rpId"].encode()).digest() + bytes([flags]) + struct.pack(">I", self.counter)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id), "type": "public-key",
                "clientExtensionResults": {},
                "response": {"clientDataJSON": b64(client_data), "authenticatorData": b64(auth_data),
                             "signature": b64(signature), "userHandle": b64(self.user_handle)}}


def post(client, path: str, body: dict | None = None):
    if client.get_cookie("_csrf_token") is None:
        client.get("/login")
    return client.post(path, json=body or {}, headers=csrf_header(client))


def options(client, path: str, body: dict | None = None) -> dict:
    response = post(client, path, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.get_json()["options"])


def add_passkey(client, authenticator: Authenticator, name: str = "내 노트북", code: str | None = None):
    created = authenticator.create(options(client, "/account/passkeys/options", {"password": PASSWORD, "code": code}))
    return post(client, "/account/passkeys", {"credential": created, "name": name})


def passkey_sign_in(client, authenticator: Authenticator, **kwargs):
    asked = options(client, "/login/passkey/options", {"mode": "first"})
    return post(client, "/login/passkey/verify", {"credential": authenticator.get(asked, **kwargs)})


def user_with_passkey(app, store, email: str = "owner@example.com") -> tuple[int, Authenticator]:
    uid = make_user(store, email)
    client, authenticator = app.server.test_client(), Authenticator()
    login(client, email)
    assert add_passkey(client, authenticator).status_code == 200
    return uid, authenticator


def logged_in(client) -> bool:
    return client.get("/_dash-layout").status_code == 200


def test_add_a_passkey_then_sign_in_with_it_alone(app, client, store):
    uid, authenticator = user_with_passkey(app, store)
    with store.read() as db:
        row = db.query(Passkey).one()
        assert (row.user_id, row.name, row.transports, row.last_used_at) == (uid, "내 노트북", "internal", None)
    asked = options(client, "/login/passkey/options", {"mode": "first"})
    assert asked["allowCredentials"] == [] and asked["userVerification"] == "required"  # no email needed
    response = post(client, "/login/passkey/verify", {"credential": authenticator.get(asked), "next": "/limits"})
    assert response.status_code == 200 and response.get_json() == {"next": "/limits"}
    assert logged_in(client)
    with store.read() as db:
        session = db.query(UserSession).filter(UserSession.user_id == uid).order_by(UserSession.created_at.desc()) \
            .first()
        assert session.second_factor_at is not None
        assert db.query(Passkey).one().last_used_at is not None and db.query(Passkey).one().sign_count == 1


def test_a_replayed_assertion_is_refused(app, client, store):
    _, authenticator = user_with_passkey(app, store)
    asked = options(client, "/login/passkey/options", {"mode": "first"})
    signed = authenticator.get(asked)
    assert post(client, "/login/passkey/verify", {"credential": signed}).status_code == 200
    thief = app.server.test_client()
    options(thief, "/login/passkey/options", {"mode": "first"})  # a new challenge of their own
    response = post(thief, "/login/passkey/verify", {"credential": signed})
    assert response.status_code == 401
    assert response.get_json()["message"] == "패스키를 확인하지 못했습니다. 다시 시도하세요."
    assert not logged_in(thief)
    assert post(client, "/login/passkey/verify", {"credential": signed}).status_code == 400  # challenge spent


def test_an_assertion_for_another_site_is_refused(app, client, store):
    _, authenticator = user_with_passkey(app, store)
    assert passkey_sign_in(client, authenticator, origin="https://phish.example").status_code == 401
    assert not logged_in(client)


def test_a_passkey_alone_needs_user_verification(app, client, store):
    _, authenticator = user_with_passkey(app, store)
    assert passkey_sign_in(client, authenticator, verified=False).status_code == 401
    assert not logged_in(client)


def test_an_unknown_or_garbage_credential_is_refused_without_a_500(app, client, store):
    make_user(store)
    for junk in ({}, {"id": "x"}, {"rawId": "a" * 5000}, {"rawId": "!!", "response": []}, "text", None, [1]):
        options(client, "/login/passkey/options", {"mode": "first"})
        response = post(client, "/login/passkey/verify", {"credential": junk})
        assert response.status_code in (400, 401) and response.is_json
    unknown = Authenticator()
    unknown.user_handle = b"1"
    assert passkey_sign_in(client, unknown).status_code == 401
    assert not logged_in(client)


def test_passkey_sign_in_still_works_after_a_password_step_left_half_way(app, client, store):
    _, authenticator = user_with_passkey(app, store)
    login(client)  # the password was right, then the user went back to the login page
    assert passkey_sign_in(client, authenticator).status_code == 200
    assert logged_in(client)


def test_password_then_passkey_as_the_second_factor(app, client, store):
    _, authenticator = user_with_passkey(app, store)
    response = login(client)
    assert response.headers["Location"].endswith("/login/factor") and not logged_in(client)
    page = client.get("/login/factor").get_data(as_text=True)
    assert 'data-passkey="second"' in page and 'name="code"' not in page  # no TOTP: only the passkey
    asked = options(client, "/login/passkey/options", {"mode": "second"})
    assert [c["id"] for c in asked["allowCredentials"]] == [b64(authenticator.credential_id)]
    assert post(client, "/login/passkey/verify", {"credential": authenticator.get(asked), "mode": "second"}) \
        .status_code == 200
    assert logged_in(client)


def test_someone_elses_passkey_does_not_finish_my_login(app, client, store):
    user_with_passkey(app, store, "owner@example.com")
    _, theirs = user_with_passkey(app, store, "other@example.com")
    login(client, "owner@example.com")
    asked = options(client, "/login/passkey/options", {"mode": "second"})
    assert post(client, "/login/passkey/verify", {"credential": theirs.get(asked), "mode": "second"}).status_code == 401
    assert not logged_in(client)


def test_the_same_authenticator_cannot_be_added_twice(app, client, store):
    make_user(store)
    login(client)
    authenticator = Authenticator()
    assert add_passkey(client, authenticator).status_code == 200
    again = add_passkey(client, authenticator)
    assert again.status_code == 409 and again.get_json()["message"] == "이미 등록된 패스키입니다."


def test_registration_with_a_forged_challenge_is_refused(app, client, store):
    make_user(store)
    login(client)
    asked = options(client, "/account/passkeys/options", {"password": PASSWORD})
    asked["challenge"] = b64(os.urandom(32))
    response = post(client, "/account/passkeys", {"credential": Authenticator().create(asked), "name": "x"})
    assert response.status_code == 422
    with store.read() as db:
        assert db.query(Passkey).count() == 0


def test_passkey_endpoints_of_the_account_need_a_login(app, client, store):
    make_user(store)
    for path in ("/account/passkeys/options", "/account/passkeys", "/account/passkeys/step-up/options",
                 "/account/passkeys/step-up"):
        response = post(client, path)
        assert response.status_code in (302, 401)
    with store.read() as db:
        assert db.query(Passkey).count() == 0


def test_step_up_with_a_passkey_then_unblock(app, client, store):
    uid, authenticator = user_with_passkey(app, store)
    line = make_line(store, uid)
    block(app, store, uid, line)
    login(client)
    asked = options(client, "/login/passkey/options", {"mode": "second"})
    post(client, "/login/passkey/verify", {"credential": authenticator.get(asked), "mode": "second"})
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11), tick=True):
        assert "2단계 인증 코드를 입력하세요" in unblock(client, line, PASSWORD)
        before = client.get_cookie("session").value
        asked = options(client, "/account/passkeys/step-up/options")
        stepped = post(client, "/account/passkeys/step-up", {"credential": authenticator.get(asked)})
        assert stepped.status_code == 200 and stepped.get_json()["message"] == "패스키로 확인되었습니다."
        assert client.get_cookie("session").value != before  # a privilege change: a new session id
        assert "차단을 해제했습니다" in unblock(client, line, PASSWORD)
    with store.read() as db:
        assert db.get(Line, line).status == "active"


def test_api_unblock_for_a_passkey_only_user_is_refused(app, client, store):
    uid, _ = user_with_passkey(app, store)
    line = make_line(store, uid)
    block(app, store, uid, line)
    response = client.post(f"/api/v1/lines/{line}/unblock", json={"password": PASSWORD}, headers=bearer(store, uid))
    assert response.status_code == 403 and response.get_json()["message"] == "2단계 인증 코드를 입력하세요."


def press_passkey(client, action: str, passkey_id: int, fields: dict[str, str | None], name: str = "") -> str:
    from tests.http.test_factors_actions import callback

    key = {"type": "factors-pk", "action": action, "key": passkey_id}
    inputs = [[], [{"id": key, "property": "n_clicks", "value": 1}]]
    state = [[{"id": {"type": "factors-field", "name": n}, "property": "value", "value": v} for n, v in fields.items()],
             [{"id": {"type": "factors-pk-name", "key": passkey_id}, "property": "value", "value": name}],
             {"id": "prefs", "property": "data", "value": {"lang": "ko"}}]
    response = callback(client, "factors-notice.children", inputs, state)
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.get_json()["response"])


def passkey_ids(store) -> list[int]:
    with store.read() as db:
        return [row.id for row in db.query(Passkey).order_by(Passkey.id)]


def test_removing_the_last_passkey_needs_the_password_and_a_fresh_factor(app, client, store):
    _, authenticator = user_with_passkey(app, store)
    [passkey] = passkey_ids(store)
    login(client)
    asked = options(client, "/login/passkey/options", {"mode": "second"})
    post(client, "/login/passkey/verify", {"credential": authenticator.get(asked), "mode": "second"})
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11), tick=True):
        assert "비밀번호를 입력하세요" in press_passkey(client, "remove", passkey, {})
        assert "2단계 인증 코드를 입력하세요" in press_passkey(client, "remove", passkey, {"pk-password": PASSWORD})
        assert passkey_ids(store) == [passkey]
        asked = options(client, "/account/passkeys/step-up/options")
        post(client, "/account/passkeys/step-up", {"credential": authenticator.get(asked)})
        assert "패스키를 삭제했습니다" in press_passkey(client, "remove", passkey, {"pk-password": PASSWORD})
    assert passkey_ids(store) == []
    assert login(app.server.test_client()).headers["Location"] == "/"  # no factor left: the password alone


def test_rename_and_remove_someone_elses_passkey_do_nothing(app, client, store):
    user_with_passkey(app, store, "other@example.com")
    [theirs] = passkey_ids(store)
    make_user(store)
    login(client)
    for probe in (theirs, "1 OR 1=1", 2**40, -1, True):
        assert "찾을 수 없습니다" in press_passkey(client, "rename", probe, {}, name="stolen")
        assert "찾을 수 없습니다" in press_passkey(client, "remove", probe, {"pk-password": PASSWORD})
    with store.read() as db:
        assert [(p.id, p.name) for p in db.query(Passkey)] == [(theirs, "내 노트북")]


def test_rename_a_passkey(app, client, store):
    make_user(store)
    login(client)
    add_passkey(client, Authenticator(), name="old")
    [passkey] = passkey_ids(store)
    assert "이름을 바꿨습니다" in press_passkey(client, "rename", passkey, {}, name="  회사   노트북 " + "x" * 100)
    with store.read() as db:
        assert db.get(Passkey, passkey).name == ("회사 노트북 " + "x" * 100)[:60]


def test_adding_a_passkey_needs_the_password(app, client, store):
    make_user(store)
    login(client)
    for body in ({}, {"password": "wrong password!"}, {"password": ["x"]}):
        response = post(client, "/account/passkeys/options", body)
        assert response.status_code == 403 and "비밀번호" in response.get_json()["message"]
    created = Authenticator().create({"challenge": b64(os.urandom(32)), "rp": {"id": "localhost"},
                                      "user": {"id": b64(b"1")}})
    assert post(client, "/account/passkeys", {"credential": created}).status_code == 400  # no challenge issued
    with store.read() as db:
        assert db.query(Passkey).count() == 0


def test_a_totp_user_adds_a_passkey_only_with_a_code(app, client, store):
    from tests.http.test_factors_login import enable_totp, next_code, submit_factor

    uid = make_user(store)
    secret, _ = enable_totp(app, store, uid)
    login(client)
    submit_factor(client, next_code(secret))
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11), tick=True):  # the login's factor is stale
        response = post(client, "/account/passkeys/options", {"password": PASSWORD})
        assert response.status_code == 403 and response.get_json()["message"] == "2단계 인증 코드를 입력하세요."
        assert add_passkey(client, Authenticator(), code=pyotp.TOTP(secret).now()).status_code == 200
    with store.read() as db:
        assert db.query(Passkey).count() == 1

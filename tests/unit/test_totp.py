"""TOTP (RFC 6238) and recovery codes in the store: the ±1 step window, no replay, single-use codes."""

from __future__ import annotations

import base64
import threading
from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from data import factors
from data.models import RecoveryCode, User
from tests.helpers import make_user

NOW = datetime(2026, 11, 18, 5, 0, 10, tzinfo=UTC)
STEP = timedelta(seconds=30)


@pytest.fixture
def secret() -> str:
    return factors.new_totp_secret()


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def test_rfc_6238_test_vector():
    # RFC 6238 appendix B, SHA-1, T = 59 s → 94287082 (8 digits); its last six digits are the 6-digit code.
    rfc_secret = base64.b32encode(b"12345678901234567890").decode()
    step = factors.matching_step(rfc_secret, "287082", datetime.fromtimestamp(59, UTC), None)
    assert step == 1


def test_the_window_is_one_step_either_side(secret):
    now_step = pyotp.TOTP(secret).timecode(NOW)
    for offset in (-1, 0, 1):
        assert factors.matching_step(secret, code_at(secret, NOW + offset * STEP), NOW, None) == now_step + offset
    for offset in (-3, -2, 2, 3):
        assert factors.matching_step(secret, code_at(secret, NOW + offset * STEP), NOW, None) is None


def test_a_step_at_or_before_the_last_one_used_is_refused(secret):
    now_step = pyotp.TOTP(secret).timecode(NOW)
    code = code_at(secret, NOW)
    assert factors.matching_step(secret, code, NOW, now_step) is None  # the same code again
    assert factors.matching_step(secret, code_at(secret, NOW - STEP), NOW, now_step) is None  # an older one
    assert factors.matching_step(secret, code_at(secret, NOW + STEP), NOW, now_step) == now_step + 1


@pytest.mark.parametrize("junk", ["", "12345", "1234567", "abcdef", "12 34 5", "١٢٣٤٥٦", "0" * 1000])
def test_malformed_codes_never_match(secret, junk):
    assert factors.matching_step(secret, junk, NOW, None) is None


def test_spaces_and_dashes_are_ignored(secret):
    code = code_at(secret, NOW)
    assert factors.matching_step(secret, f" {code[:3]} {code[3:]} ", NOW, None) is not None


def test_spend_totp_twice_in_one_step_wins_once(store, secret):
    uid = make_user(store)
    with store.write() as db:
        user = db.get(User, uid)
        assert factors.enable_totp(db, user, secret, code_at(secret, NOW), NOW)
    code = code_at(secret, NOW + STEP)
    with store.write() as db:
        assert factors.spend_totp(db, db.get(User, uid), code, NOW + STEP)
    with store.write() as db:
        assert not factors.spend_totp(db, db.get(User, uid), code, NOW + STEP)


def test_pending_secret_is_not_a_factor(store, secret):
    uid = make_user(store)
    with store.write() as db:
        db.get(User, uid).totp_secret = secret  # scanned but never confirmed
    with store.write() as db:
        assert not factors.has_any_factor(db, uid)
        assert not factors.spend_totp(db, db.get(User, uid), code_at(secret, NOW), NOW)


def test_recovery_codes_are_ten_hashed_and_single_use(store):
    uid = make_user(store)
    with store.write() as db:
        codes = factors.replace_recovery_codes(db, uid)
    assert len(set(codes)) == factors.RECOVERY_CODE_COUNT == 10
    with store.read() as db:
        stored = [row.code_hash for row in db.query(RecoveryCode).filter_by(user_id=uid)]
    assert not set(codes) & set(stored) and all(len(h) == 64 for h in stored)  # SHA-256, never the code
    with store.write() as db:
        assert factors.spend_recovery_code(db, uid, codes[0].upper().replace("-", " "))
    with store.write() as db:
        assert not factors.spend_recovery_code(db, uid, codes[0])
        assert factors.unused_recovery_codes(db, uid) == 9


def test_new_recovery_codes_void_the_old_ones(store):
    uid = make_user(store)
    with store.write() as db:
        old = factors.replace_recovery_codes(db, uid)
    with store.write() as db:
        factors.replace_recovery_codes(db, uid)
    with store.write() as db:
        assert not factors.spend_recovery_code(db, uid, old[1])


def test_another_users_recovery_code_does_not_work(store):
    owner, other = make_user(store, "owner@example.com"), make_user(store, "other@example.com")
    with store.write() as db:
        codes = factors.replace_recovery_codes(db, owner)
    with store.write() as db:
        assert not factors.spend_recovery_code(db, other, codes[0])


def test_racing_the_same_recovery_code_wins_once(store):
    uid = make_user(store)
    with store.write() as db:
        code = factors.replace_recovery_codes(db, uid)[0]
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def spend() -> None:
        barrier.wait()
        try:
            with store.write() as db:
                results.append(factors.spend_recovery_code(db, uid, code))
        except Exception:  # a serialisation failure is a loss too
            results.append(False)

    threads = [threading.Thread(target=spend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1

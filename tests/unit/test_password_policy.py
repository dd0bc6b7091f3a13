"""The password policy and the signed single-use links (data/passwords.py), without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from data import passwords
from data.models import User
from data.passwords import LinkStatus, Problem, password_problem

SECRET = "unit-secret"


@pytest.mark.parametrize("common", ["1234567890", "password12", "qwertyuiop", "iloveyou12", "abcdefghij",
                                    "1q2w3e4r5t", "qwerty1234", "aaaaaaaaaaaa"])
def test_common_and_patterned_passwords_are_refused(common):
    assert password_problem(common, "owner@example.com") is Problem.GUESSABLE


@pytest.mark.parametrize("good", ["correct horse battery", "wonderful-kimchi-7", "gochujang ramen",
                                  "밤하늘의 별을 세는 밤"])
def test_long_uncommon_passwords_pass(good):
    assert password_problem(good, "owner@example.com") is None


@pytest.mark.parametrize("guessable", ["microbill1234", "Microbill2026!", "마이크로빌비밀번호1", "mobilians2026"])
def test_the_services_own_words_are_refused(guessable):
    # each scores 3-4 on its own in zxcvbn: only the documented context words make them guessable
    assert password_problem(guessable) == Problem.GUESSABLE


def test_length_bounds():
    assert password_problem("Zq8#kL2!", "") is Problem.SHORT  # strong, but 8 characters
    assert password_problem("x" * 9 + "é", "") is not Problem.SHORT  # 10 characters count, not bytes
    assert password_problem("correct horse battery " * 6, "") is Problem.LONG  # 132 characters
    long_ok = "correct horse battery staple " * 4  # 116 characters: passphrases are welcome
    assert password_problem(long_ok, "") is None


def test_the_users_own_email_is_refused():
    assert password_problem("minsu.kim@example.com", "minsu.kim@example.com") is Problem.LIKE_EMAIL
    assert password_problem("MINSU.KIM!2026!", "minsu.kim@example.com") is Problem.LIKE_EMAIL


def _user(password_hash: str = "hash-1", confirmed: datetime | None = None) -> User:
    return User(id=7, email="owner@example.com", password_hash=password_hash, email_confirmed_at=confirmed)


def test_a_reset_link_is_bound_to_the_password_it_replaces():
    user = _user()
    token = passwords.sign_link(SECRET, passwords.RESET, user.id, passwords.reset_fingerprint(SECRET, user))
    claim = passwords.read_link(SECRET, passwords.RESET, token, 1800)
    assert claim.status is LinkStatus.OK and claim.user_id == 7
    assert passwords.matches(claim, passwords.reset_fingerprint(SECRET, user))
    user.password_hash = "hash-2"  # the link was used (or the password changed otherwise)
    assert not passwords.matches(claim, passwords.reset_fingerprint(SECRET, user))


def test_links_expire_and_do_not_cross_purposes_or_secrets():
    user = _user()
    with time_machine.travel(datetime(2026, 11, 18, 5, 0, tzinfo=UTC), tick=False):
        token = passwords.sign_link(SECRET, passwords.RESET, user.id, passwords.reset_fingerprint(SECRET, user))
    with time_machine.travel(datetime(2026, 11, 18, 5, 29, 59, tzinfo=UTC), tick=False):
        assert passwords.read_link(SECRET, passwords.RESET, token, 1800).status is LinkStatus.OK
    with time_machine.travel(datetime(2026, 11, 18, 5, 30, 1, tzinfo=UTC), tick=False):
        assert passwords.read_link(SECRET, passwords.RESET, token, 1800).status is LinkStatus.EXPIRED
        assert passwords.read_link(SECRET, passwords.CONFIRM, token, 10**6).status is LinkStatus.INVALID
        assert passwords.read_link("other", passwords.RESET, token, 10**6).status is LinkStatus.INVALID
        assert passwords.read_link(SECRET, passwords.RESET, token[:-2] + "xx", 10**6).status is LinkStatus.INVALID


def test_a_confirmation_link_is_spent_once_the_address_is_confirmed():
    user = _user(confirmed=None)
    fingerprint = passwords.confirm_fingerprint(SECRET, user)
    user.email_confirmed_at = datetime(2026, 11, 18, tzinfo=UTC)
    assert fingerprint != passwords.confirm_fingerprint(SECRET, user)

"""Throttling behind proxies (issue #12 point 5): with MICROBILL_TRUSTED_PROXIES the limits key on the real
client from X-Forwarded-For (and only then); a per-account limit across addresses (OWASP device cookies)
slows a stranger down without locking the owner out — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from data.models import AuditLog, UserSession
from tests.helpers import PASSWORD, form_csrf, make_user
from tests.http.test_factors_login import enable_totp
from tests.http.test_sessions import CHROME, answers, sign_in

PROXY = "10.0.0.2"  # the reverse proxy every request comes through
LOCKED_KO = "처음 보는 기기에서의 로그인을 잠시 막았습니다"


@pytest.fixture
def make_app(database_url, tmp_path):
    """An app on the test database with extra settings (e.g. trusted proxies)."""
    from dashboard.app import create_app

    made = []

    def make(**settings):
        app = create_app({"database_url": database_url, "instance_path": str(tmp_path / f"i{len(made)}"),
                          "secret_key": "test-secret-key", "env": "testing", **settings})
        made.append(app)
        return app

    yield make
    for app in made:
        app.server.extensions["microbill_store"].dispose()


def via_proxy(client, forwarded_for: str, email: str = "owner@example.com", password: str = "guess-guess"):
    """A login attempt that reached the app through the proxy, for the client `forwarded_for`."""
    env, headers = {"REMOTE_ADDR": PROXY}, {"X-Forwarded-For": forwarded_for}
    token = form_csrf(client.get("/login", headers=headers, environ_base=env).get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       headers=headers, environ_base=env)


def login_ips(store) -> list[str]:
    with store.read() as db:
        return list(db.scalars(select(AuditLog.ip).where(AuditLog.action == "auth.login")))


# ---- trusted proxies -----------------------------------------------------------------------------------

def test_behind_a_trusted_proxy_two_clients_are_limited_separately(make_app):
    app = make_app(trusted_proxies=1)
    store = app.server.extensions["microbill_store"]
    make_user(store)
    first, second = app.server.test_client(), app.server.test_client()
    statuses = [via_proxy(first, "198.51.100.1").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]  # this client's budget per (account, IP) is spent
    assert via_proxy(second, "198.51.100.2").status_code == 401  # the other one still just "wrong password"
    assert via_proxy(second, "198.51.100.2", password=PASSWORD).status_code == 302
    assert login_ips(store) == ["198.51.100.2"]  # the real client, not the proxy


def test_a_chain_of_proxies_takes_the_address_the_nearest_trusted_one_saw(make_app):
    app = make_app(trusted_proxies=2)
    store = app.server.extensions["microbill_store"]
    make_user(store)
    client = app.server.test_client()
    # The client itself wrote a fake first entry; the two proxies appended what they saw.
    assert via_proxy(client, "1.2.3.4, 203.0.113.9, 10.0.0.1", password=PASSWORD).status_code == 302
    assert login_ips(store) == ["203.0.113.9"]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(make_app):
    app = make_app()  # trusted_proxies = 0: anyone could send the header
    store = app.server.extensions["microbill_store"]
    make_user(store)
    client = app.server.test_client()
    statuses = [via_proxy(client, f"198.51.100.{i}").status_code for i in range(6)]
    assert statuses == [401] * 5 + [429]  # a new fake address per attempt buys nothing
    other = app.server.test_client()
    assert via_proxy(other, "203.0.113.1", password=PASSWORD).status_code == 429  # same proxy address
    assert via_proxy(other, "203.0.113.1", email="nobody@example.com").status_code == 401


# ---- one account, many addresses (device cookies) ----------------------------------------------------

def _guess_from_many_addresses(app, count: int, start: int = 1) -> list[int]:
    """A stranger's wrong passwords, each from a new address and a new client (no cookies)."""
    return [sign_in(app.server.test_client(), password="guess-guess", ip=f"203.0.113.{start + i}").status_code
            for i in range(count)]


def _owners_browser(app):
    """The owner's own browser: signed in once before (so it holds the device cookie), then logged out."""
    browser = app.server.test_client()
    assert sign_in(browser, ip="198.51.100.7").status_code == 302
    assert browser.get_cookie("mb_device") is not None
    browser.post("/logout", headers={"X-CSRFToken": browser.get_cookie("_csrf_token").value})
    return browser


def test_a_strangers_failures_from_many_addresses_do_not_lock_the_owner_out(app, store):
    make_user(store)
    browser = _owners_browser(app)
    assert _guess_from_many_addresses(app, 10) == [401] * 10  # no address reached its own limit
    stranger = app.server.test_client()
    locked = sign_in(stranger, ip="203.0.113.200")
    assert locked.status_code == 429  # the right password, but a client the account never saw
    assert int(locked.headers["Retry-After"]) > 0
    assert LOCKED_KO in locked.get_data(as_text=True) and 'id="code"' in locked.get_data(as_text=True)
    with store.read() as db:
        assert db.query(UserSession).count() == 0
    assert sign_in(browser, ip="198.51.100.7").status_code == 302  # the owner's browser still gets in
    assert answers(browser) == 200


def test_the_owner_on_a_new_device_gets_in_with_password_and_second_factor(app, store):
    _, recovery = enable_totp(app, store, make_user(store))
    _guess_from_many_addresses(app, 10)
    new_phone = app.server.test_client()
    assert sign_in(new_phone, ip="198.51.100.8").status_code == 429  # the password alone: no
    assert sign_in(new_phone, ip="198.51.100.8", code="000000").status_code == 429  # a wrong factor: no
    assert sign_in(new_phone, password="guess-guess", ip="198.51.100.8", code=recovery[0]).status_code == 429
    response = sign_in(new_phone, ip="198.51.100.8", code=recovery[1])
    assert response.status_code == 302 and answers(new_phone) == 200
    with store.read() as db:
        assert db.scalars(select(UserSession)).one().second_factor_at is not None


def test_the_lock_lifts_once_the_window_has_passed(app, store, clock):
    make_user(store)
    _guess_from_many_addresses(app, 10)
    assert sign_in(app.server.test_client(), ip="198.51.100.9").status_code == 429
    with time_machine.travel(clock + timedelta(minutes=16), tick=True):
        assert sign_in(app.server.test_client(), ip="198.51.100.9").status_code == 302


def test_other_accounts_are_not_affected(app, store):
    make_user(store)
    make_user(store, "other@example.com")
    _guess_from_many_addresses(app, 11)
    assert sign_in(app.server.test_client(), "other@example.com", ip="203.0.113.250").status_code == 302


def test_a_stolen_device_cookie_has_its_own_small_budget(app, store):
    make_user(store)
    browser = _owners_browser(app)
    thief = app.server.test_client()
    thief.set_cookie("mb_device", browser.get_cookie("mb_device").value)
    statuses = [sign_in(thief, password="guess-guess", ip=f"192.0.2.{i}").status_code for i in range(5)]
    assert statuses == [401] * 5
    # Its own budget spent, the cookie counts as nothing: the account's untrusted budget applies, then the lock.
    assert _guess_from_many_addresses(app, 10, start=100) == [401] * 10
    assert sign_in(thief, ip="192.0.2.99").status_code == 429
    # The copied cookie is the owner's own: it is spent for both until its window passes (OWASP's trade-off;
    # the owner still gets in with the password and a second factor).
    assert sign_in(browser, ip="198.51.100.7").status_code == 429


def test_a_forged_or_foreign_device_cookie_is_worth_nothing(app, store):
    make_user(store)
    make_user(store, "other@example.com")
    others = app.server.test_client()
    sign_in(others, "other@example.com")
    _guess_from_many_addresses(app, 10)
    forger = app.server.test_client()
    forger.set_cookie("mb_device", "eyJ1Ijp7IjEiOlsibm9uY2UiLDE3MDAwMDAwMDBdfX0.forged")
    assert sign_in(forger, ip="192.0.2.50").status_code == 429
    foreign = app.server.test_client()  # a real cookie, but for another account
    foreign.set_cookie("mb_device", others.get_cookie("mb_device").value)
    assert sign_in(foreign, ip="192.0.2.51").status_code == 429


def test_the_lock_page_speaks_english_too(app, store):
    make_user(store)
    _guess_from_many_addresses(app, 10)
    client = app.server.test_client()
    client.set_cookie("lang", "en")
    page = sign_in(client, ip="198.51.100.10").get_data(as_text=True)
    assert "sign-ins from new devices are paused" in page


def test_the_device_cookie_is_http_only_and_long_lived(app, client, store, clock):
    make_user(store)
    sign_in(client, agent=CHROME)
    cookie = client.get_cookie("mb_device")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert timedelta(days=179) < cookie.expires - clock < timedelta(days=181)

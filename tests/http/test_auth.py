"""Login, logout, the anonymous guard and CSRF, through the Flask test client."""

from __future__ import annotations

from data.models import UserSession
from tests.helpers import PASSWORD, csrf_header, dash_update, form_csrf, login, make_line, make_user, overview_inputs

OVERVIEW = "..overview-usage.children...monthly-chart.figure.."


def test_anonymous_dash_callback_is_401_json(client):
    response = client.post("/_dash-update-component", json={})
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"] == "unauthorized"
    for path in ("/_dash-layout", "/_dash-dependencies"):
        assert client.get(path).status_code == 401


def test_anonymous_page_redirects_to_login_but_assets_are_public(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get("/login").status_code == 200
    assert client.get("/assets/app.css").status_code == 200


def test_login_sets_session_and_layout_loads(client, store):
    make_user(store)
    response = login(client)
    assert response.status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    session_cookie = client.get_cookie("session")
    assert session_cookie.http_only and session_cookie.same_site == "Lax"
    csrf_cookie = client.get_cookie("_csrf_token")
    assert csrf_cookie is not None and not csrf_cookie.http_only


def test_wrong_password_and_unknown_user_get_the_same_error(client, store):
    make_user(store)
    wrong = login(client, password="not the password")
    unknown = login(client, email="nobody@example.com", password="whatever123")
    assert wrong.status_code == unknown.status_code == 401
    error = "이메일 또는 비밀번호가 올바르지 않습니다."
    assert error in wrong.get_data(as_text=True) and error in unknown.get_data(as_text=True)


def test_callback_without_csrf_header_is_400(client, store):
    uid = make_user(store)
    line = make_line(store, uid)
    login(client)
    inputs = overview_inputs(line)
    assert dash_update(client, OVERVIEW, inputs).status_code == 400
    assert dash_update(client, OVERVIEW, inputs, headers=csrf_header(client)).status_code == 200


def test_login_form_without_csrf_token_is_refused(client, store):
    make_user(store)
    response = client.post("/login", data={"email": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_logout_invalidates_the_copied_cookie(app, client, store):
    make_user(store)
    login(client)
    stolen = client.get_cookie("session").value
    headers = csrf_header(client)
    assert client.post("/logout", headers=headers).status_code == 302
    with store.read() as db:
        assert db.query(UserSession).count() == 0
    thief = app.server.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/_dash-layout").status_code == 401


def test_login_starts_a_new_session(client, store):
    make_user(store)
    client.get("/login")
    before = client.get_cookie("session")
    login(client)
    after = client.get_cookie("session")
    assert before is None or before.value != after.value
    with store.read() as db:
        assert db.query(UserSession).count() == 1


def test_register_creates_account_and_logs_in(app, client, store):
    page = client.get("/register")
    token = form_csrf(page.get_data(as_text=True))
    response = client.post("/register", data={"email": "new@example.com", "password": "a long password",
                                              "password2": "a long password", "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/_dash-layout").status_code == 200
    other = app.server.test_client()
    token = form_csrf(other.get("/register").get_data(as_text=True))
    again = other.post("/register", data={"email": "NEW@example.com", "password": "a long password",
                                          "password2": "a long password", "csrf_token": token})
    assert again.status_code == 400 and "이미 가입된 이메일" in again.get_data(as_text=True)


def test_open_redirect_after_login_is_ignored(client, store):
    make_user(store)
    page = client.get("/login")
    token = form_csrf(page.get_data(as_text=True))
    response = client.post("/login?next=//evil.example/x", data={"email": "owner@example.com",
                                                                  "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_login_throttle_per_account_and_ip_spares_the_owner_elsewhere(app, store):
    make_user(store)
    attacker = app.server.test_client()
    statuses = []
    for _ in range(7):
        page = attacker.get("/login", environ_base={"REMOTE_ADDR": "203.0.113.9"})
        token = form_csrf(page.get_data(as_text=True))
        statuses.append(attacker.post("/login", data={"email": "owner@example.com", "password": "guess-guess",
                                                       "csrf_token": token},
                                      environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    owner = app.server.test_client()
    page = owner.get("/login", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    token = form_csrf(page.get_data(as_text=True))
    response = owner.post("/login", data={"email": "owner@example.com", "password": PASSWORD, "csrf_token": token},
                          environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert response.status_code == 302

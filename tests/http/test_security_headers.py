"""Headers on every kind of response (issue #12 point 6): the CSP with object-src/base-uri/frame-ancestors, HSTS
only with secure cookies, the `__Host-` session cookie over HTTPS (and logging in still works with it), and no
Dash/Python/plotly/Werkzeug versions in a logged-in page or its headers."""

from __future__ import annotations

import re
import sys
import threading
import urllib.request
from importlib import metadata

import pytest

from tests.helpers import PASSWORD, form_csrf, make_line, make_user

DIRECTIVES = ("object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'")
HTTPS = "https://localhost"


def make_app(database_url, tmp_path, secure: bool):
    from dashboard.app import create_app

    return create_app({"database_url": database_url, "instance_path": str(tmp_path / "instance"),
                       "secret_key": "test-secret-key", "env": "testing", "session_cookie_secure": secure})


@pytest.fixture(params=[False, True], ids=["http", "secure"])
def site(request, database_url, tmp_path):
    """(app, client, base_url, secure): the app as deployed without and with secure cookies (HTTPS)."""
    secure = request.param
    app = make_app(database_url, tmp_path, secure)
    base = HTTPS if secure else "http://localhost"
    # Browsers send a same-origin Referer (Referrer-Policy: same-origin); Flask-WTF checks it over HTTPS.
    client = app.server.test_client()
    client.environ_base["HTTP_REFERER"] = f"{base}/"
    yield app, client, base, secure
    app.server.extensions["microbill_store"].dispose()


def log_in(client, base: str, email: str = "owner@example.com"):
    token = form_csrf(client.get("/login", base_url=base).get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, base_url=base)


def csrf(client, base: str) -> dict[str, str]:
    return {"X-CSRFToken": client.get_cookie("_csrf_token", domain="localhost").value}


def every_kind_of_response(app, client, base: str) -> dict[str, object]:
    """One response of each kind the app gives, as a logged-in user (and two anonymous ones)."""
    anonymous = app.server.test_client()
    anonymous.environ_base["HTTP_REFERER"] = f"{base}/"
    got = {"redirect to login": anonymous.get("/", base_url=base),
           "401 JSON callback": anonymous.post("/_dash-update-component", json={}, base_url=base)}
    store = app.server.extensions["microbill_store"]
    make_line(store, make_user(store))
    assert log_in(client, base).status_code == 302
    page = client.get("/", base_url=base)
    bundle = re.search(r'src="(/_dash-component-suites/[^"]+dash_renderer[^"]+)"', page.get_data(as_text=True))
    body = {"output": "..line-picker.options...line-picker.value..",
            "outputs": [{"id": "line-picker", "property": "options"}, {"id": "line-picker", "property": "value"}],
            "inputs": [{"id": "url", "property": "pathname", "value": "/"}],
            "state": [{"id": "line-picker", "property": "value", "value": None},
                      {"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}],
            "changedPropIds": ["url.pathname"]}
    got.update({
        "page": page,
        "login form": anonymous.get("/login", base_url=base),
        "Dash callback JSON": client.post("/_dash-update-component", json=body, headers=csrf(client, base),
                                          base_url=base),
        "Dash layout JSON": client.get("/_dash-layout", base_url=base),
        "component suite script": client.get(bundle.group(1), base_url=base),
        "asset": client.get("/assets/app.css", base_url=base),
        "API JSON": client.get("/api/v1/lines", base_url=base),
        "OpenAPI document": client.get("/api/v1/openapi.json", base_url=base),
        "ingest route": client.post("/ingest/not-a-token", data="x", base_url=base),
        "404": client.get("/assets/nothing-here.css", base_url=base),
        "API 404": client.get("/api/v1/lines/2147483647", base_url=base),
        "CSRF refusal": client.post("/_dash-update-component", json=body, base_url=base),
    })
    return got


def test_every_response_carries_the_csp_and_hsts_only_when_secure(site):
    app, client, base, secure = site
    responses = every_kind_of_response(app, client, base)
    statuses = {kind: response.status_code for kind, response in responses.items()}
    assert statuses["page"] == 200 and statuses["Dash callback JSON"] == 200, statuses
    assert statuses["component suite script"] == 200 and statuses["asset"] == 200, statuses
    assert statuses["redirect to login"] == 302 and statuses["404"] == 404 and statuses["ingest route"] == 404
    assert statuses["401 JSON callback"] == 401 and statuses["CSRF refusal"] == 400
    for kind, response in responses.items():
        policy = response.headers.get("Content-Security-Policy", "")
        assert all(directive in policy for directive in DIRECTIVES), f"{kind}: {policy!r}"
        hsts = response.headers.get("Strict-Transport-Security")
        assert (hsts == "max-age=31536000; includeSubDomains") if secure else hsts is None, kind


def test_the_session_cookie_is_host_prefixed_over_https_and_logging_in_works(database_url, tmp_path):
    app = make_app(database_url, tmp_path, secure=True)
    try:
        store = app.server.extensions["microbill_store"]
        make_line(store, make_user(store))
        client = app.server.test_client()
        client.environ_base["HTTP_REFERER"] = f"{HTTPS}/login"
        answer = log_in(client, HTTPS)
        assert answer.status_code == 302 and answer.headers["Location"] == "/"
        cookies = {c.split("=", 1)[0]: c for c in answer.headers.getlist("Set-Cookie")}
        session = cookies["__Host-session"]
        assert "Secure" in session and "Path=/" in session and "HttpOnly" in session
        assert "Domain" not in session and "session" not in {name for name in cookies if name != "__Host-session"}
        assert "Secure" in cookies["_csrf_token"]  # Dash still reads this one by name
        # Logged in: the page itself, not the login form, and a Dash callback with the CSRF cookie's token.
        page = client.get("/", base_url=HTTPS)
        assert page.status_code == 200 and "_dash-config" in page.get_data(as_text=True)
        body = {"output": "page.children", "outputs": {"id": "page", "property": "children"},
                "inputs": [{"id": "url", "property": "pathname", "value": "/import"}],
                "state": [{"id": "prefs", "property": "data", "value": {"lang": "ko", "theme": "light"}}],
                "changedPropIds": ["url.pathname"]}
        routed = client.post("/_dash-update-component", json=body, headers=csrf(client, HTTPS), base_url=HTTPS)
        assert routed.status_code == 200, routed.get_data(as_text=True)[:200]
    finally:
        app.server.extensions["microbill_store"].dispose()


def test_plain_http_keeps_the_plain_cookie_name(client, store):
    make_user(store)
    answer = log_in(client, "http://localhost")
    names = {c.split("=", 1)[0] for c in answer.headers.getlist("Set-Cookie")}
    assert "session" in names and "__Host-session" not in names


def _versions() -> list[str]:
    """The version strings a logged-in page must not show."""
    import dash

    found = [f"Dash/{dash.__version__}", dash.__version__, dash.__version__.replace(".", "_"),
             metadata.version("plotly"), sys.version.split()[0], f"Python/{sys.version_info.major}",
             "Werkzeug", metadata.version("werkzeug"), "python_version", "plotly_version", "dash_version",
             "dash-version.plotly.com"]
    for package in ("dash-bootstrap-components", "dash-ag-grid"):
        found.append("v" + metadata.version(package).replace(".", "_"))
    return found


def test_a_logged_in_page_names_no_versions(client, store):
    make_line(store, make_user(store))
    log_in(client, "http://localhost")
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True) + "\n".join(f"{k}: {v}" for k, v in page.headers.items())
    assert "_dash-config" in text and "dash_renderer" in text
    leaks = [version for version in _versions() if version in text]
    assert not leaks, leaks
    # The bundles still load under their hashed names (and are cached for a year, as before).
    for src in re.findall(r'src="(/_dash-component-suites/[^"]+)"', text):
        script = client.get(src)
        assert script.status_code == 200 and "max-age=31536000" in script.headers.get("Cache-Control", ""), src


def test_the_development_server_names_no_versions(app):
    from werkzeug.serving import make_server

    from dashboard.web.security import QuietRequestHandler

    server = make_server("127.0.0.1", 0, app.server, request_handler=QuietRequestHandler, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/login", timeout=10) as answer:
            assert answer.status == 200
            assert answer.headers["Server"] == "Microbill"
    finally:
        server.shutdown()
        thread.join(timeout=10)

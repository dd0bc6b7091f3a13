"""The application factory: Flask + Dash + store, security and callbacks, per app (no globals)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from dash import Dash
from flask import Flask, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFProtect, generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix

import callbacks
from callbacks.refusals import on_callback_error
from dashboard.api import init_api
from dashboard.observability.logs import init_request_ids
from dashboard.observability.metrics import init_metrics
from dashboard.settings import Settings, load_settings
from dashboard.text.i18n import pick_lang, t
from dashboard.web.auth import client_ip, init_auth
from dashboard.web.block_link_routes import init_block_links
from dashboard.web.callback_bodies import init_callback_bodies
from dashboard.web.dispute_routes import init_disputes
from dashboard.web.erasure_routes import init_erasure
from dashboard.web.export_routes import init_export
from dashboard.web.factor_routes import init_factor_routes
from dashboard.web.faults import init_faults
from dashboard.web.health_routes import init_health
from dashboard.web.invite_routes import init_invitations
from dashboard.web.json_bodies import UntrustedJsonProvider
from dashboard.web.password_routes import init_passwords
from dashboard.web.security import SECURE_SESSION_COOKIE, QuietDash, init_security
from data.db import Store
from layouts.shell import shell

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"

INDEX = """<!DOCTYPE html>
<html lang="ko">
<head>
{%metas%}
<title>{%title%}</title>
{%favicon%}
{%css%}
</head>
<body>
{%app_entry%}
<footer>
{%config%}
{%scripts%}
{%renderer%}
</footer>
</body>
</html>"""


def create_app(config: dict[str, Any] | None = None) -> Dash:
    settings = load_settings(config)
    server = _make_server(settings)
    app = QuietDash(
        __name__,
        server=server,
        assets_folder=str(ASSETS),
        title=t("app.title"),
        update_title=None,
        compress=True,
        serve_locally=True,
        suppress_callback_exceptions=True,  # pages are swapped in by the router
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        external_stylesheets=["/assets/vendor/bootstrap.min.css"],
        index_string=INDEX,
        on_error=on_callback_error,  # a service's refusal → the refusal toast (callbacks/refusals.py)
    )
    app.layout = _serve_layout
    for module in callbacks.modules():
        module.register(app)
    csp = _content_security_policy(app)
    init_security(server, server.extensions["csrf"], csp)
    init_callback_bodies(server, lambda: app.callback_map)  # a hand-made callback body is a 400, not Dash's 500
    init_metrics(server, lambda: set(app.callback_map))  # /metrics when MICROBILL_METRICS is on
    return app


def _make_server(settings: Settings) -> Flask:
    server = Flask("dashboard", instance_path=settings.instance_path, template_folder="web/templates")
    server.json = UntrustedJsonProvider(server)  # request bodies that cannot crash a worker (web/json_bodies.py)
    server.config.update(
        MICROBILL=settings,
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        # "Keep me signed in" makes the session cookie permanent, for as long as such a session lives on the
        # server (data.sessions.Lifetime); any other session cookie ends with the browser.
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.session_remember_days),
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in the guard, so bearer-token API calls can skip it
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        # An import file reaches Dash base64-encoded inside JSON (x4/3): leave room for the largest allowed.
        MAX_CONTENT_LENGTH=max(25 * 1024 * 1024, settings.import_max_bytes * 3 // 2),
    )
    if settings.session_cookie_secure:  # HTTPS only: a `__Host-` cookie needs Secure, Path=/ and no Domain
        server.config.update(SESSION_COOKIE_NAME=SECURE_SESSION_COOKIE, SESSION_COOKIE_PATH="/",
                             SESSION_COOKIE_DOMAIN=None)
    server.config.update(settings.extra)
    if settings.trusted_proxies > 0:
        # Behind N reverse proxies the client is the Nth address from the right of X-Forwarded-For: the limits
        # (per IP, per account and IP) then key on the real client, not on the proxy. Never without proxies:
        # anyone could send the header.
        n = settings.trusted_proxies
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    server.extensions["microbill_store"] = Store(settings.database_url)
    server.extensions["csrf"] = CSRFProtect(server)
    limiter = Limiter(client_ip, app=server, storage_uri=settings.ratelimit_storage_uri,
                      strategy="moving-window", headers_enabled=True)
    server.extensions["microbill_limiter"] = limiter
    init_auth(server, limiter)
    init_factor_routes(server, limiter)  # /login/factor and the passkey (WebAuthn) endpoints
    init_passwords(server, limiter)  # /forgot, /reset/<token>, /confirm/<token>
    init_api(server)
    init_block_links(server)  # the mailed block-now link (/b/<token>)
    init_invitations(server)  # the mailed invitation to share a line (/invite/<token>)
    init_export(server)
    init_erasure(server)  # /account/export.zip (everything of the user, before deleting the account)
    init_disputes(server)  # dispute-pack PDF/CSV downloads
    init_health(server, limiter)  # /healthz, /readyz
    init_faults(server)  # 503 + Retry-After when the database or its disk is away; the app's own 500
    init_request_ids(server)  # X-Request-ID on every answer; JSON logs when MICROBILL_LOG_FORMAT=json
    return server


def _serve_layout():
    lang = pick_lang(request.cookies.get("lang"))
    theme = "dark" if request.cookies.get("theme") == "dark" else "light"
    nav = [(page.path, t(page.label_key, lang)) for page in callbacks.pages() if page.in_nav]
    return shell(lang, theme, generate_csrf(), nav)


def _content_security_policy(app: Dash) -> str:
    # Dash's only inline script (the renderer bootstrap) is allowed by hash, not 'unsafe-inline'.
    hashes = " ".join(app.csp_hashes())  # already quoted: 'sha256-…'
    return (
        "default-src 'self'; "
        f"script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; "  # plotly.js injects style elements
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )

"""Security in the factory, not per page: the anonymous guard, CSRF, cookies and headers (docs/security.md)."""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from dash import Dash
from flask import Flask, jsonify, redirect, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.serving import WSGIRequestHandler

from dashboard.text.i18n import t

# Routes anonymous visitors may reach: the auth forms and static files (Dash's JS bundles are static).
PUBLIC_ENDPOINTS = {"auth.login", "auth.register", "static", "api-docs.openapi_json"}
# The mailed "block now" link works without a login (blocking is the safe direction; CSRF still applies).
PUBLIC_ENDPOINTS.add("block_link.page")
# Probes of load balancers and orchestrators (/healthz, /readyz) come without a login.
PUBLIC_ENDPOINTS |= {"health.healthz", "health.readyz"}
# The login's second step (TOTP / recovery code / passkey) and passkey sign-in: before any session exists.
PUBLIC_ENDPOINTS |= {"factor.login_factor", "factor.login_options", "factor.login_verify"}
# /metrics (when on) is for Prometheus: no login, optionally its own bearer token (observability/metrics.py).
PUBLIC_ENDPOINTS.add("metrics")
PROBE_PATHS = ("/healthz", "/readyz", "/metrics")
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")
# The line's secret intake URL: the token in the path is the credential (no cookie, so no CSRF to defend).
TOKEN_URL_PREFIXES = ("/ingest/",)
PUBLIC_PREFIXES += TOKEN_URL_PREFIXES
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_COOKIE = "_csrf_token"  # Dash's renderer copies it into the X-CSRFToken header
# With secure cookies (HTTPS): the browser keeps a `__Host-` cookie only if it is Secure, has Path=/ and no
# Domain, so no sibling subdomain can set or shadow the session.
SECURE_SESSION_COOKIE = "__Host-session"
HSTS = "max-age=31536000; includeSubDomains"


class QuietDash(Dash):
    """Dash whose pages name no versions: Dash writes Dash's, Python's and plotly's into the page config and
    each bundle's version into its URL (`….v4_4_1m….js`, `?v=4.4.1`), which tells an attacker which known
    holes to try. The config drops them (the renderer reads them only for the dev-tools menu, off here) and
    the URLs carry a keyed hash of the version instead, so caches still turn over on an upgrade."""

    _VERSION_KEYS = ("dash_version", "python_version", "plotly_version", "ddk_version", "dash_version_url")
    # build_fingerprint(path, version, mtime) → "<name>.v<version>m<mtime>.<ext>"; Dash's check_fingerprint
    # strips any "v<word>m<hex>" part again, so a hash in its place serves the same file.
    _FINGERPRINT = re.compile(r"(/_dash-component-suites/[^\"'?]*?\.)v[\w-]+?m(\d+)(\.[\w.]+)")
    _FAVICON_VERSION = re.compile(r"(_favicon\.ico\?v=)[^\"']+")

    def _config(self) -> dict[str, Any]:
        config = super()._config()
        for key in self._VERSION_KEYS:
            config.pop(key, None)
        return config

    def interpolate_index(self, **kwargs: str) -> str:
        for part in ("scripts", "css", "favicon"):
            if kwargs.get(part):
                kwargs[part] = self._unversioned(kwargs[part])
        return super().interpolate_index(**kwargs)

    def _unversioned(self, html: str) -> str:
        key = str(self.server.secret_key or "").encode()

        def tag(text: str) -> str:
            return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:16]

        html = self._FINGERPRINT.sub(lambda m: f"{m[1]}v0m{tag(m[0])}{m[3]}", html)
        return self._FAVICON_VERSION.sub(lambda m: f"{m[1]}{tag(m[0])}", html)


def wants_json() -> bool:
    return request.path.startswith(("/_dash-", "/_reload-hash", "/api/", *TOKEN_URL_PREFIXES))


def is_public() -> bool:
    return request.endpoint in PUBLIC_ENDPOINTS or request.path.startswith(PUBLIC_PREFIXES)


def wants_csrf_cookie() -> bool:
    """A browser page's requests get the CSRF cookie; static files, bearer-token API calls and the intake URL
    do not (a phone automation has no page to send it from, and making one would start a session per call)."""
    return not (request.path.startswith(("/assets/", "/_dash-component-suites/", *TOKEN_URL_PREFIXES))
                or request.path in PROBE_PATHS  # a probe every few seconds must not start a session each time
                or getattr(request, "bearer_authenticated", False))


def init_security(server: Flask, csrf: CSRFProtect, content_security_policy: str) -> None:
    @server.before_request
    def guard():
        if not (is_public() or current_user.is_authenticated):
            if wants_json():
                return jsonify(error="unauthorized", message=t("error.session")), 401
            return redirect(f"/login?next={request.full_path.rstrip('?')}" if request.path != "/" else "/login")
        # Bearer-token API calls carry no ambient credentials, so they need no CSRF token.
        if (request.method in UNSAFE_METHODS and not getattr(request, "bearer_authenticated", False)
                and not request.path.startswith(TOKEN_URL_PREFIXES)):
            csrf.protect()
        return None

    secure = bool(server.config["SESSION_COOKIE_SECURE"])

    @server.after_request
    def cookies_and_headers(response):
        if wants_csrf_cookie():
            # The token is signed and bound to the session, so this cookie needs no `__Host-` name of its own.
            response.set_cookie(CSRF_COOKIE, generate_csrf(), samesite="Lax", httponly=False, secure=secure)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # Every response, not only pages: a JSON answer, a script or an error opened on its own as a document
        # must not run script, embed plugins or be framed either.
        response.headers.setdefault("Content-Security-Policy", content_security_policy)
        if secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    @server.errorhandler(CSRFError)
    def csrf_failed(err):
        if wants_json():
            return jsonify(error="csrf", message=t("error.csrf")), 400
        return render_template("error.html", code=400, message=t("error.csrf"), t=t, lang="ko"), 400

    @server.errorhandler(429)
    def too_many(err):
        data = getattr(err, "data", None) or {}  # a route's own abort(429, message=…, headers={"Retry-After": …})
        if wants_json():
            return jsonify(error="rate_limited", message=data.get("message") or t("auth.too_many")), 429, \
                data.get("headers") or {}
        return render_template("error.html", code=429, message=t("auth.too_many"), t=t, lang="ko"), 429


class QuietRequestHandler(WSGIRequestHandler):
    """The development server (`microbill serve`) without its `Server: Werkzeug/… Python/…` header value."""

    def version_string(self) -> str:
        return "Microbill"

"""Security in the factory, not per page: the anonymous guard, CSRF, cookies and headers."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from dashboard.text.i18n import t

# Routes anonymous visitors may reach: the auth forms and static files (Dash's JS bundles are static).
PUBLIC_ENDPOINTS = {"auth.login", "auth.register", "static", "api-docs.openapi_json"}
# The mailed "block now" link works without a login (blocking is the safe direction; CSRF still applies).
PUBLIC_ENDPOINTS.add("block_link.page")
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")
# The line's secret intake URL: the token in the path is the credential (no cookie, so no CSRF to defend).
TOKEN_URL_PREFIXES = ("/ingest/",)
PUBLIC_PREFIXES += TOKEN_URL_PREFIXES
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_COOKIE = "_csrf_token"  # Dash's renderer copies it into the X-CSRFToken header


def wants_json() -> bool:
    return request.path.startswith(("/_dash-", "/_reload-hash", "/api/", *TOKEN_URL_PREFIXES))


def is_public() -> bool:
    return request.endpoint in PUBLIC_ENDPOINTS or request.path.startswith(PUBLIC_PREFIXES)


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

    @server.after_request
    def cookies_and_headers(response):
        if not request.path.startswith(("/assets/", "/_dash-component-suites/")):
            response.set_cookie(CSRF_COOKIE, generate_csrf(), samesite="Lax", httponly=False,
                                secure=server.config["SESSION_COOKIE_SECURE"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", content_security_policy)
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

"""Faults answered as faults (issue #13): the database away, its disk full or read-only, the shared rate-limit
Redis or the jobs' broker (MICROBILL_REDIS_URL) away → 503 with Retry-After; a bug → 500. JSON `{error, message}`
for the API and Dash callbacks, the app's own page for pages and forms — never Werkzeug's bare English page
(docs/operations.md)."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeout
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import InternalServerError

from dashboard.context import settings
from dashboard.text.i18n import t
from dashboard.web.auth import ui_lang
from dashboard.web.security import wants_json
from data.db import is_unavailable

# What a fault can surface as; is_unavailable() tells a fault from a bug among them.
DATABASE_ERRORS = (DBAPIError, DisconnectionError, PoolTimeout)
# Flask-Limiter asks Redis (MICROBILL_RATELIMIT_STORAGE_URI) on every rate-limited request, e.g. the login form.
REDIS_ERRORS = (RedisConnectionError, RedisTimeout)


def retry_after() -> dict[str, str]:
    return {"Retry-After": str(settings().unavailable_retry_after)}


def unavailable_response() -> tuple[Response | str, int, dict[str, str]]:
    """503 + Retry-After in the shape the caller reads."""
    lang = ui_lang()
    if wants_json():
        return jsonify(error="service_unavailable", message=t("fault.unavailable", lang)), 503, retry_after()
    return _page(503, t("fault.unavailable", lang), lang, retry=True), 503, retry_after()


def _page(code: int, message: str, lang: str, retry: bool) -> str:
    # flask-login puts `current_user` into every template and loads it from the database if it is not loaded
    # yet — which is what just failed. The error page shows no user, so it is rendered as an anonymous one.
    if "_login_user" not in g:
        g._login_user = current_app.login_manager.anonymous_user()
    # Retry reloads what was asked for (a GET); after a failed form POST the form's own page is a GET too.
    action = (request.full_path.rstrip("?") if retry else "/", t("fault.retry" if retry else "fault.home", lang))
    return render_template("error.html", code=code, message=message, t=t, lang=lang, action=action)


def init_faults(server: Flask) -> None:
    def database_fault(exc: Exception):
        if not is_unavailable(exc):
            raise exc  # a bug in a query: the 500 below (and its traceback in the log)
        server.logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
        return unavailable_response()

    def redis_fault(exc: Exception):
        server.logger.warning("rate-limit storage unavailable on %s %s: %s", request.method, request.path, exc)
        # Else Flask-Limiter asks the dead Redis again for its headers after this handler, and that is a 500.
        server.extensions["microbill_limiter"].context.reset()
        return unavailable_response()

    for error in DATABASE_ERRORS:
        server.register_error_handler(error, database_fault)
    for error in REDIS_ERRORS:
        server.register_error_handler(error, redis_fault)

    @server.errorhandler(BrokerUnavailable)
    def broker_fault(exc: Exception):
        # dashboard.jobs.submit could not hand a job to the worker: nothing started, the caller may retry.
        server.logger.warning("jobs broker unavailable on %s %s: %s", request.method, request.path, exc)
        return unavailable_response()

    @server.errorhandler(InternalServerError)
    def internal_error(err: InternalServerError):
        # Flask has logged the traceback already; the caller gets no detail of it.
        lang = ui_lang()
        if wants_json():
            return jsonify(error="internal_server_error", message=t("fault.internal", lang)), 500
        return _page(500, t("fault.internal", lang), lang, retry=False), 500

"""A request id on every request and, with MICROBILL_LOG_FORMAT=json, logs as one JSON object per line
(python-json-logger) carrying it (docs/operations.md).

The id is the caller's `X-Request-ID` when it is a plain token (a reverse proxy's `$request_id`), else a new
one; it is sent back in `X-Request-ID`, so a user's report, the proxy's log and the app's log meet on it.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

HEADER = "X-Request-ID"
_GOOD_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")  # nothing a log reader could mistake for another field
log = logging.getLogger("microbill.request")


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Adds request_id (or None outside a request) to every record, so any logger's line carries it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id()
        return True


JSON_HANDLER = "microbill-json"


def configure_json_logs() -> None:
    """One JSON handler on the root logger (added once per process, whatever else is attached there)."""
    root = logging.getLogger()
    if any(handler.get_name() == JSON_HANDLER for handler in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.set_name(JSON_HANDLER)
    handler.setFormatter(JsonFormatter("{asctime}{levelname}{name}{message}{request_id}", style="{",
                                       rename_fields={"asctime": "time", "levelname": "level"}))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def init_request_ids(server: Flask) -> None:
    json_logs = server.config["MICROBILL"].log_format == "json"
    if json_logs:
        configure_json_logs()

    def assign_id():
        given = request.headers.get(HEADER, "")
        g.request_id = given if _GOOD_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    # First of the hooks: an answer the login guard or the CSRF check gives carries an id too.
    server.before_request_funcs.setdefault(None, []).insert(0, assign_id)

    @server.after_request
    def send_id(response):
        response.headers[HEADER] = g.get("request_id") or ""
        if json_logs:  # one line per request: what gunicorn's access log says, plus the id and the user
            user = getattr(g.get("_login_user"), "user_id", None)  # only if loaded: never a query for a log line
            # The URL rule, not the path: /ingest/<token>'s path is a credential.
            route = request.url_rule.rule if request.url_rule is not None else "unmatched"
            log.info("request", extra={
                "method": request.method, "route": route, "status": response.status_code,
                "duration_ms": round(1000 * (time.perf_counter() - g.get("request_started", time.perf_counter())), 1),
                "user_id": user})
        return response

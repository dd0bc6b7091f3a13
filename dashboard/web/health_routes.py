"""/healthz (the process is up; touches nothing) and /readyz (its dependencies answer) for load balancers and
orchestrators: public, not rate-limited, no session started (docs/operations.md)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, current_app, jsonify
from flask_limiter import Limiter

from dashboard.context import settings, store
from dashboard.services.health import is_ready, readiness
from dashboard.web.faults import retry_after

REDIS_SCHEMES = ("redis://", "rediss://", "redis+")  # redis+sentinel://, redis+cluster:// (limits' URIs)


def healthz():
    return jsonify(status="ok")


def readyz():
    checks = readiness(store(), _redis_check())
    if is_ready(checks):
        return jsonify(status="ok", checks=checks)
    return jsonify(status="unavailable", checks=checks), 503, retry_after()


def _redis_check() -> Callable[[], bool] | None:
    # Only a shared (Redis) limit store is a dependency; memory:// lives and dies with the process.
    if not settings().ratelimit_storage_uri.startswith(REDIS_SCHEMES):
        return None
    return current_app.extensions["microbill_limiter"].storage.check  # PING, False on any error


def init_health(server: Flask, limiter: Limiter) -> None:
    bp = Blueprint("health", __name__)
    bp.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    bp.add_url_rule("/readyz", "readyz", readyz, methods=["GET"])
    limiter.exempt(bp)
    server.register_blueprint(bp)

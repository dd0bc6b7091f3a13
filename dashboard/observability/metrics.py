"""Prometheus metrics at /metrics, on when MICROBILL_METRICS is true (docs/operations.md).

prometheus_client is the maintained exporter; Flask needs only two request hooks, so no Flask wrapper is used.
Under gunicorn set PROMETHEUS_MULTIPROC_DIR (an empty directory, before the workers start) and every worker's
counts are summed at scrape time; without it one process's own counts are served.

- microbill_request_seconds{route, method, status}: the URL rule (`/api/v1/lines/<int:line_id>/…`), or
  `callback <output>` for a Dash callback — only outputs the app registered, so a crafted body cannot add labels.
- microbill_authorizations_total{outcome, reason}: approved / declined (and why).
- microbill_import_jobs_total{channel, outcome}: committed imports and refused ones.
- microbill_outbox_backlog, microbill_outbox_oldest_seconds: notifications due and not yet delivered, and how
  long the oldest has been due (read from the store at scrape time).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable

from flask import Flask, Response, abort, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from dashboard.context import settings, store
from dashboard.observability.counters import REQUEST_SECONDS
from dashboard.services.health import outbox_backlog

DASH_CALLBACK_PATH = "/_dash-update-component"


class OutboxCollector(Collector):
    """The notification outbox, read when Prometheus scrapes (one query), not kept in the process."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        backlog, oldest_seconds = outbox_backlog(store())
        yield GaugeMetricFamily("microbill_outbox_backlog", "Notifications due and not delivered yet.",
                                value=backlog)
        yield GaugeMetricFamily("microbill_outbox_oldest_seconds",
                                "How long the oldest undelivered notification has been due.", value=oldest_seconds)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


def metrics_page():
    token = settings().metrics_token
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and not hmac.compare_digest(given.encode(), token.encode()):
        abort(404)  # as if there were no such page
    registry = _registry()
    outbox = OutboxCollector()
    registry.register(outbox)
    try:
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    finally:
        registry.unregister(outbox)


def _route(known_outputs: Callable[[], set[str]]) -> str:
    if request.path == DASH_CALLBACK_PATH:
        body = request.get_json(silent=True)  # parsed once already by Dash (Flask caches it)
        output = body.get("output") if isinstance(body, dict) else None
        return f"callback {output}" if output in known_outputs() else "callback ?"
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def init_metrics(server: Flask, known_outputs: Callable[[], set[str]]) -> None:
    """Hooks and the page, when metrics are on; `known_outputs`: the Dash app's callback outputs."""
    if not server.config["MICROBILL"].metrics:
        return

    def start_clock():
        g.metrics_started = time.perf_counter()

    # First of the hooks, so a request the login guard answers (401, a redirect) is timed too.
    server.before_request_funcs.setdefault(None, []).insert(0, start_clock)

    @server.after_request
    def observe(response):
        started = g.pop("metrics_started", None)
        if started is not None and request.path != "/metrics":
            REQUEST_SECONDS.labels(_route(known_outputs), request.method, str(response.status_code)).observe(
                time.perf_counter() - started)
        return response

    server.add_url_rule("/metrics", "metrics", metrics_page, methods=["GET"])

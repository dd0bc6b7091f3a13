"""The app's Prometheus series (served by dashboard.observability.metrics); services count through the functions
here, which cost a dictionary lookup and an addition, metrics page or not."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Seconds: a callback or an API call is tens of milliseconds; an import or a cold forecast, seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

REQUEST_SECONDS = Histogram("microbill_request_seconds", "Time to answer a request, by route or Dash callback.",
                            ["route", "method", "status"], buckets=BUCKETS)
AUTHORIZATIONS = Counter("microbill_authorizations", "Payment authorizations decided.", ["outcome", "reason"])
IMPORT_JOBS = Counter("microbill_import_jobs", "History imports, committed or refused.", ["channel", "outcome"])


def count_authorization(approved: bool, reason: str | None) -> None:
    AUTHORIZATIONS.labels("approved" if approved else "declined", reason or "").inc()


def count_import(channel: str, outcome: str) -> None:
    IMPORT_JOBS.labels(channel, outcome).inc()

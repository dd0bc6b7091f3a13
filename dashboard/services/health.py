"""Readiness: can this process serve requests now? (/readyz; /healthz needs no service, docs/operations.md)"""

from __future__ import annotations

from collections.abc import Callable

from data.db import Store
from data.models import utcnow
from data.outbox_stats import due_notifications

OK, UNAVAILABLE = "ok", "unavailable"


def readiness(store: Store, rate_limit_storage: Callable[[], bool] | None) -> dict[str, str]:
    """Each dependency's state: the database answers `SELECT 1`; the shared rate-limit storage (Redis), when there
    is one, answers PING (`rate_limit_storage` is its check, None for per-process memory)."""
    checks = {"database": OK if _database_answers(store) else UNAVAILABLE}
    if rate_limit_storage is not None:
        checks["redis"] = OK if rate_limit_storage() else UNAVAILABLE
    return checks


def is_ready(checks: dict[str, str]) -> bool:
    return all(state == OK for state in checks.values())


def _database_answers(store: Store) -> bool:
    try:
        store.ping()
    except Exception:  # any failure to answer is "not ready"; the reason belongs in the database's own log
        return False
    return True


def outbox_backlog(store: Store) -> tuple[int, float]:
    """Notifications due and not delivered, and the seconds since the oldest became due (0 when none)."""
    now = utcnow()
    with store.read() as db:
        count, oldest = due_notifications(db, now)
    return count, (now - oldest).total_seconds() if oldest else 0.0

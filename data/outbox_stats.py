"""The notification outbox as operators see it (dashboard.observability.metrics)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Notification


def due_notifications(session: Session, now: datetime) -> tuple[int, datetime | None]:
    """How many pending notifications are due, and the earliest due time (ix_notifications_pending)."""
    count, oldest = session.execute(
        select(func.count(), func.min(Notification.next_attempt_at))
        .where(Notification.status == "pending", Notification.next_attempt_at <= now)).one()
    return count, oldest

"""The Notification outbox: rows written with their alert, sent after commit, retried with backoff.

Sending never happens inside a database transaction (SQLite's write lock would stall every
authorization while an SMTP server thinks). Each delivery is: claim (a short write transaction
pushing `next_attempt_at` a lease ahead — a conditional UPDATE, so two workers never both claim
a row), send, then record the result. A worker that dies mid-send leaves the row to be retried when
the lease runs out (`microbill deliver-notifications`): delivery is at least once. Right after commit the
job "deliver_notifications" (dashboard.jobs: the Celery worker with Redis, else a thread) sends them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select, update

from dashboard.alerts.block_links import link_url, sign
from dashboard.alerts.delivery import mailer, webhook
from dashboard.alerts.delivery.content import compose_mail, webhook_payload
from dashboard.jobs import submit
from dashboard.settings import Settings
from data.alerts_store import detail_of
from data.db import Store
from data.models import Alert, BlockLink, Line, Notification, User, utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the n-th failure, at most 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Job:
    notification_id: int
    channel: str
    attempts: int
    alert: Alert
    line: Line
    email: str
    block_link: BlockLink | None


def deliver_pending(store: Store, settings: Settings, *, alert_ids: Iterable[int] | None = None,
                    limit: int = 100, now: datetime | None = None) -> DeliveryReport:
    """Send every due notification (or only those of `alert_ids`); returns what happened."""
    report = DeliveryReport()
    for job in _claim(store, alert_ids, limit, now or utcnow()):
        error = _send(job, settings)
        _finish(store, job, error, settings, report)
    return report


def _claim(store: Store, alert_ids: Iterable[int] | None, limit: int, now: datetime) -> list[_Job]:
    query = (select(Notification.id).where(Notification.status == "pending", Notification.next_attempt_at <= now)
             .order_by(Notification.id).limit(limit))
    if alert_ids is not None:
        ids = list(alert_ids)
        if not ids:
            return []
        query = query.where(Notification.alert_id.in_(ids))
    claimed: list[int] = []
    with store.write() as session:
        for notification_id in session.scalars(query).all():
            taken = session.execute(
                update(Notification)
                .where(Notification.id == notification_id, Notification.status == "pending",
                       Notification.next_attempt_at <= now)
                .values(attempts=Notification.attempts + 1, next_attempt_at=now + LEASE)
            ).rowcount
            if taken == 1:
                claimed.append(notification_id)
    if not claimed:
        return []
    with store.read() as session:
        return [job for nid in claimed if (job := _load(session, nid)) is not None]


def _load(session, notification_id: int) -> _Job | None:
    notification = session.get(Notification, notification_id)
    alert = session.get(Alert, notification.alert_id) if notification else None
    if alert is None:
        return None
    line = session.get(Line, alert.line_id)
    email = session.scalar(select(User.email).where(User.id == alert.user_id)) or ""
    link_id = detail_of(alert).get("block_link_id")
    link = session.get(BlockLink, link_id) if link_id else None
    return _Job(notification.id, notification.channel, notification.attempts, alert, line, email, link)


def _send(job: _Job, settings: Settings) -> str | None:
    """None on success, else the error text (kept in last_error)."""
    try:
        if job.channel == "email":
            if not settings.smtp_host or not job.email:
                return "mail not configured"
            block_url = expires = None
            # A link already spent or expired is left out rather than mailed dead.
            if job.block_link is not None and job.block_link.used_at is None and job.block_link.expires_at > utcnow():
                block_url = link_url(settings.base_url, sign(job.block_link.id, settings.secret_key))
                expires = job.block_link.expires_at
            subject, text, body_html = compose_mail(job.alert, job.line, base_url=settings.base_url,
                                                    block_url=block_url, expires_at=expires)
            mailer.send(mailer.build_message(settings.smtp_sender, job.email, subject, text, body_html), settings)
        elif job.channel == "webhook":
            if not settings.webhook_url:
                return "webhook not configured"
            webhook.post_json(settings.webhook_url, webhook_payload(job.alert, job.line, job.notification_id),
                              settings.webhook_secret, attempts=settings.webhook_attempts,
                              backoff=settings.webhook_backoff,
                              headers={"X-Microbill-Event": "alert.created",
                                       "X-Microbill-Delivery": str(job.notification_id)})
        else:
            return f"unknown channel {job.channel}"
    except Exception as exc:  # any failure is recorded and retried, never raised into a request
        log.warning("notification %s (%s) failed: %s", job.notification_id, job.channel, exc)
        return f"{type(exc).__name__}: {exc}"[:1000]
    return None


def _finish(store: Store, job: _Job, error: str | None, settings: Settings, report: DeliveryReport) -> None:
    now = utcnow()
    with store.write() as session:
        notification = session.get(Notification, job.notification_id)
        if notification is None:
            return
        if error is None:
            notification.status, notification.sent_at, notification.last_error = "sent", now, None
            report.sent.append(notification.id)
        elif notification.attempts >= settings.notify_max_attempts:
            notification.status, notification.last_error = "failed", error
            report.failed.append(notification.id)
        else:
            notification.last_error = error
            notification.next_attempt_at = now + backoff(notification.attempts)
            report.retrying.append(notification.id)


def deliver_after_commit(server: Flask, alert_ids: Iterable[int]) -> threading.Thread | None:
    """Send these alerts' notifications after the request that raised them (an authorization), which
    answers without waiting for SMTP: on the Celery worker when MICROBILL_REDIS_URL is set, else in a
    background thread of this process. Returns the thread (tests join it), None when the worker has it."""
    ids = list(alert_ids)
    if not ids:
        return None
    try:
        return submit(server, "deliver_notifications", ids)
    except Exception:  # Redis away: the charge is committed all the same; the cron command sends them later
        log.exception("could not hand alerts %s to the worker", ids)
        return None


def deliver_alerts(store: Store, settings: Settings, alert_ids: list[int]) -> DeliveryReport | None:
    """The "deliver_notifications" job: these alerts' due notifications, once. A failure is left to the
    outbox's retries (`microbill deliver-notifications`), never raised into the worker."""
    try:
        return deliver_pending(store, settings, alert_ids=[int(i) for i in alert_ids])
    except Exception:  # the CLI retries whatever is left pending
        log.exception("delivering notifications for alerts %s failed", alert_ids)
        return None

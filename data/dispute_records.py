"""What a dispute pack and the cancellation windows read: a user's charges by id, which of them were cancelled,
a line's block history (from the audit log) and the alerts about given charges. Every query names the user."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.alerts_store import detail_of
from data.models import Alert, AuditLog, Line, Transaction
from data.vocab import DB_INT_MAX

BLOCK_ACTIONS = ("line.block", "line.unblock")


def valid_ids(values: Iterable[object]) -> list[int] | None:
    """Distinct ids in order; None when any is not a database id (ids from the browser are untrusted)."""
    ids: list[int] = []
    for value in values:
        try:
            number = int(str(value).strip())
        except ValueError:
            return None
        if not 0 < number <= DB_INT_MAX:
            return None
        if number not in ids:
            ids.append(number)
    return ids


def owned_charges(session: Session, user_id: int, ids: Sequence[int]) -> list[Transaction]:
    """The user's transactions among `ids`, oldest first (anyone else's are simply absent)."""
    if not ids:
        return []
    return list(session.scalars(
        select(Transaction).join(Line, Line.id == Transaction.line_id)
        .where(Transaction.id.in_(list(ids)), Line.user_id == user_id)
        .order_by(Transaction.occurred_at, Transaction.id)))


def cancellations(session: Session, user_id: int, payment_ids: Sequence[int]) -> dict[int, Transaction]:
    """{payment id: its cancellation row} for those of the user's payments that were cancelled."""
    if not payment_ids:
        return {}
    rows = session.scalars(
        select(Transaction).join(Line, Line.id == Transaction.line_id)
        .where(Transaction.cancels_id.in_(list(payment_ids)), Line.user_id == user_id))
    return {row.cancels_id: row for row in rows if row.cancels_id is not None}


def block_history(session: Session, line_id: int, limit: int = 20) -> list[tuple[datetime, bool, str | None]]:
    """(when, blocked? (else unblocked), reason) for the line's latest blocks and unblocks, oldest first."""
    rows = session.scalars(
        select(AuditLog).where(AuditLog.line_id == line_id, AuditLog.action.in_(BLOCK_ACTIONS))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit))
    events = []
    for row in rows:
        try:
            reason = json.loads(row.detail or "{}").get("reason")
        except (ValueError, AttributeError):
            reason = None
        events.append((row.at, row.action == "line.block", reason if isinstance(reason, str) else None))
    return events[::-1]


def alert_charge_ids(alert: Alert) -> list[int]:
    """The transactions an alert is about (a fraud burst lists several, a single-charge alert names one)."""
    detail = detail_of(alert)
    ids = detail.get("transaction_ids")
    if not isinstance(ids, list):
        ids = [detail.get("transaction_id")]
    return [i for i in ids if isinstance(i, int) and not isinstance(i, bool)]


def alerts_about(session: Session, user_id: int, line_id: int, charge_ids: Iterable[int], since: datetime,
                 also_kinds: Sequence[str] = (), limit: int = 500) -> list[tuple[Alert, list[int]]]:
    """The line's alerts since `since` that name any of `charge_ids` (with the ones they name), plus those of
    `also_kinds` (attempts on the blocked line, say), oldest first."""
    wanted = set(charge_ids)
    rows = session.scalars(
        select(Alert).where(Alert.user_id == user_id, Alert.line_id == line_id, Alert.created_at >= since)
        .order_by(Alert.created_at, Alert.id).limit(limit))
    found = []
    for alert in rows:
        named = [i for i in alert_charge_ids(alert) if i in wanted]
        if named or alert.kind in also_kinds:
            found.append((alert, named))
    return found


def owned_alerts(session: Session, user_id: int, alert_ids: Sequence[int]) -> list[Alert]:
    if not alert_ids:
        return []
    return list(session.scalars(select(Alert).where(Alert.id.in_(list(alert_ids)), Alert.user_id == user_id)))


def line_carriers(session: Session, user_id: int, line_ids: Iterable[int]) -> dict[int, str]:
    ids = list(line_ids)
    if not ids:
        return {}
    return dict(session.execute(select(Line.id, Line.carrier).where(Line.id.in_(ids), Line.user_id == user_id)).all())

"""Alerts in the store: idempotent creation on the (line_id, rule_key) unique key, lists, read marks.

Creation is `INSERT … ON CONFLICT DO NOTHING RETURNING id` on SQLite and PostgreSQL: a concurrent
transaction that inserted the same key first makes ours a no-op (PostgreSQL waits for it to commit
or roll back), so a rule fires exactly once however many requests race. Other dialects use a
SAVEPOINT and treat the IntegrityError as "already fired".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.access import visible_line_ids
from data.models import Alert, Line, utcnow

_UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def create_alert(session: Session, *, user_id: int, line_id: int, kind: str, rule_key: str, message: str,
                 detail: dict[str, Any] | None = None, now: datetime | None = None) -> Alert | None:
    """The new alert, or None when this recipient already has one with `rule_key` on this line."""
    values = {"user_id": user_id, "line_id": line_id, "kind": kind, "rule_key": rule_key, "message": message,
              "detail": json.dumps(detail or {}, ensure_ascii=False, default=str), "created_at": now or utcnow()}
    dialect = session.get_bind().dialect.name
    if dialect in _UPSERT:
        stmt = (_UPSERT[dialect](Alert).values(**values)
                .on_conflict_do_nothing(index_elements=["line_id", "rule_key", "user_id"]).returning(Alert.id))
        new_id = session.execute(stmt).scalar()
    else:
        try:
            with session.begin_nested():
                new_id = session.execute(insert(Alert).values(**values).returning(Alert.id)).scalar()
        except IntegrityError:
            new_id = None
    return session.get(Alert, new_id) if new_id is not None else None


def fired_keys(session: Session, line_id: int, keys: Iterable[str] = (), like: Iterable[str] = ()) -> set[str]:
    """Which of `keys` (exact) or `like` patterns (SQL LIKE) already fired on the line."""
    keys, like = list(keys), list(like)
    if not keys and not like:
        return set()
    conditions = [Alert.rule_key.in_(keys)] if keys else []
    conditions += [Alert.rule_key.like(pattern) for pattern in like]
    return set(session.scalars(select(Alert.rule_key).where(Alert.line_id == line_id, or_(*conditions))))


def detail_of(alert: Alert) -> dict[str, Any]:
    try:
        value = json.loads(alert.detail or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def list_alerts(session: Session, user_id: int, *, line_id: int | None = None, kind: str | None = None,
                unread: bool | None = None, limit: int = 100) -> list[Alert]:
    """The user's alerts, newest first (only theirs: the user id is part of every query)."""
    query = select(Alert).where(Alert.user_id == user_id)
    if line_id is not None:
        query = query.where(Alert.line_id == line_id)
    if kind:
        query = query.where(Alert.kind == kind)
    if unread is True:
        query = query.where(Alert.read_at.is_(None))
    elif unread is False:
        query = query.where(Alert.read_at.is_not(None))
    return list(session.scalars(query.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit)))


def unread_count(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Alert)
                              .where(Alert.user_id == user_id, Alert.read_at.is_(None))) or 0)


def unread_kinds(session: Session, user_id: int, kinds: Iterable[str], line_id: int | None = None) -> int:
    query = select(func.count()).select_from(Alert).where(
        Alert.user_id == user_id, Alert.read_at.is_(None), Alert.kind.in_(list(kinds)))
    if line_id is not None:
        query = query.where(Alert.line_id == line_id)
    return int(session.scalar(query) or 0)


def owned_alert(session: Session, user_id: int, alert_id: object) -> Alert | None:
    try:
        alert_id = int(alert_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return session.scalar(select(Alert).where(Alert.id == alert_id, Alert.user_id == user_id))


def mark_read(session: Session, user_id: int, alert_id: object, now: datetime | None = None) -> Alert | None:
    """Mark one of the user's alerts read (idempotent); None for anyone else's id."""
    alert = owned_alert(session, user_id, alert_id)
    if alert is not None and alert.read_at is None:
        alert.read_at = now or utcnow()
    return alert


def mark_all_read(session: Session, user_id: int, line_id: int | None = None, now: datetime | None = None) -> int:
    query = update(Alert).where(Alert.user_id == user_id, Alert.read_at.is_(None))
    if line_id is not None:
        query = query.where(Alert.line_id == line_id)
    return session.execute(query.values(read_at=now or utcnow())).rowcount or 0


def line_names(session: Session, user_id: int) -> dict[int, str]:
    """{line id: "nickname (010-****-5678)"} for labelling alert lists."""
    rows = session.execute(select(Line.id, Line.nickname, Line.number_masked)
                           .where(Line.id.in_(visible_line_ids(user_id))))  # a guardian's alerts name shared lines
    return {lid: f"{nick} ({number})" if nick else number for lid, nick, number in rows}

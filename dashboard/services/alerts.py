"""Alerts a user has: the list (rows for the API, display items for the pages), read marks, the bell's
summary and the overview's banners. Only the user's own alerts and lines are ever read or marked.

    list_alerts(store, user_id, *, line_id=None, kind=None, unread=None, limit=100) -> list[Alert]
    alert_items(store, user_id, lang, *, line_id=None, kind=None, unread=None, limit=100) -> list[dict]
    mark_read(store, user_id, alert_id) -> Alert
    mark_all_read(store, user_id, line_id=None) -> int
    bell(store, user_id, lang, *, with_items) -> Bell
    banners(store, user_id) -> Banners

A `line_id` that is not one of the user's lines is NotFound("actions.line_not_found"); an alert id that is
not theirs is NotFound("alerts.not_found"). Rows come back detached: read their columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from dashboard.alerts.rules import KINDS, kst_text
from dashboard.alerts.text import alert_text, kind_label, line_label
from dashboard.services.errors import NotFound
from data import alerts_store, budgets
from data.access import viewable_line
from data.db import Store
from data.models import Alert
from data.vocab import kst_today

BELL_ITEMS = 10
URGENT_KINDS = ("fraud_burst", "blocked_attempt")


@dataclass(frozen=True)
class Bell:
    count: int  # the user's unread alerts
    items: list[dict] | None  # the latest (display items), when asked for


@dataclass(frozen=True)
class OverBudget:
    line_id: int
    line: str  # the line's nickname or masked number
    used: int
    budget: int


@dataclass(frozen=True)
class Banners:
    urgent: int  # unread possible-fraud / blocked-attempt alerts
    over: list[OverBudget]  # lines whose spending this month has reached their budget


def list_alerts(store: Store, user_id: int, *, line_id: int | None = None, kind: str | None = None,
                unread: bool | None = None, limit: int = 100) -> list[Alert]:
    """The user's alerts, newest first; `kind` outside the vocabulary means every kind."""
    with store.read() as db:
        return _alerts(db, user_id, line_id, kind, unread, limit)


def alert_items(store: Store, user_id: int, lang: str, *, line_id: object = None, kind: object = None,
                unread: bool | None = None, limit: int = 100) -> list[dict]:
    """list_alerts as display-ready dicts (layouts.bell.alert_item), each labelled with its line."""
    with store.read() as db:
        rows = _alerts(db, user_id, line_id, kind, unread, limit)
        return _items(db, user_id, rows, lang)


def mark_read(store: Store, user_id: int, alert_id: object) -> Alert:
    """Mark one of the user's alerts read (idempotent)."""
    with store.write() as db:
        alert = alerts_store.mark_read(db, user_id, alert_id)
        if alert is None:
            raise NotFound("alerts.not_found")
        return alert


def mark_all_read(store: Store, user_id: int, line_id: object = None) -> int:
    """Mark every unread alert of the user (of one of their lines) read; returns how many."""
    with store.write() as db:
        return alerts_store.mark_all_read(db, user_id, _own_line_id(db, user_id, line_id))


def bell(store: Store, user_id: int, lang: str, *, with_items: bool) -> Bell:
    with store.read() as db:
        count = alerts_store.unread_count(db, user_id)
        if not with_items:  # the list only matters while it is shown
            return Bell(count, None)
        return Bell(count, _items(db, user_id, alerts_store.list_alerts(db, user_id, limit=BELL_ITEMS), lang))


def banners(store: Store, user_id: int) -> Banners:
    """Over any of the user's lines, like the bell."""
    with store.read() as db:
        urgent = alerts_store.unread_kinds(db, user_id, URGENT_KINDS)
        over = budgets.over_budget(db, user_id, kst_today().strftime("%Y-%m"))
        return Banners(urgent, [OverBudget(line.id, line_label(line), used, amount) for line, used, amount in over])


def _alerts(db: Session, user_id: int, line_id: object, kind: object, unread: bool | None,
            limit: int) -> list[Alert]:
    return alerts_store.list_alerts(db, user_id, line_id=_own_line_id(db, user_id, line_id),
                                    kind=kind if kind in KINDS else None, unread=unread, limit=limit)


def _own_line_id(db: Session, user_id: int, line_id: object) -> int | None:
    if line_id is None:
        return None
    line = viewable_line(db, user_id, line_id)
    if line is None:
        raise NotFound("actions.line_not_found")
    return line.id


def _items(db: Session, user_id: int, rows: list[Alert], lang: str) -> list[dict]:
    names = alerts_store.line_names(db, user_id)
    return [{"id": alert.id, "kind": alert.kind, "kind_label": kind_label(alert.kind, lang),
             "time": kst_text(alert.created_at), "line": names.get(alert.line_id, ""),
             "text": alert_text(alert, lang), "read": alert.read_at is not None} for alert in rows]

"""Disputes: the cancellation window of the user's charges (the transactions grid, the alerts) and the dispute
pack of chosen charges or of an alert, as a PDF or a CSV for the carrier, the gateway and the police.

    grid_windows(store, user_id, rows, now=None) -> {transaction id: CancelWindow}
    alert_windows(store, user_id, alert_ids, now=None) -> {alert id: AlertWindow}
    charge_summaries(store, user_id, ids) -> list[dict]
    pack_for_charges(store, user_id, ids, lang="ko", now=None) -> DisputePack
    pack_for_alert(store, user_id, alert_id, lang="ko", now=None) -> DisputePack
    pack_file(store, user_id, fmt, *, charge_ids=None, alert_id=None, lang="ko", ip=None) -> PackFile

Only the user's own charges and alerts are read: anyone else's id is NotFound, exactly like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from dashboard.alerts.text import alert_text
from dashboard.disputes.csv_file import pack_csv
from dashboard.disputes.model import BlockEvent, DisputePack, PackAlert, PackCharge
from dashboard.disputes.pdf import pack_pdf
from dashboard.services.errors import Invalid, NotFound
from data import dispute_records as records
from data.audit import audit
from data.cancellation_window import CancelWindow, cancel_window, is_cancellable, most_urgent
from data.db import Store
from data.models import Alert, Line, Transaction, utcnow
from data.vocab import usage_month

MAX_CHARGES = 200  # per pack: a burst is a handful; more is a sign the user picked the wrong filter
FRAUD_KINDS = ("fraud_burst", "blocked_charge")  # shown with the steps, prominently
PACK_KINDS = (*FRAUD_KINDS, "large_charge")  # offer a pack: the charge may not be the owner's
MONTH_KINDS = ("budget_threshold", "forecast_over_budget")  # about a month; their trigger charge is incidental
ALSO_IN_PACK = ("blocked_attempt",)  # tries on the blocked line belong in a police report
FORMATS: dict[str, tuple[str, Callable[[DisputePack, str], bytes]]] = {
    "pdf": ("application/pdf", pack_pdf),
    "csv": ("text/csv; charset=utf-8", pack_csv),
}


@dataclass(frozen=True)
class AlertWindow:
    window: CancelWindow | None  # the alert's charges' most urgent window; None: nothing left to cancel
    open: int  # of its charges, how many can still be cancelled off the bill
    count: int  # its charges
    fraud: bool
    pack: bool  # offer a dispute pack
    carrier: str
    pgs: tuple[str | None, ...]


@dataclass(frozen=True)
class PackFile:
    filename: str
    mimetype: str
    body: bytes


# ---- the window --------------------------------------------------------------------------------

def grid_windows(store: Store, user_id: int, rows: Iterable[Mapping[str, Any]],
                 now: datetime | None = None) -> dict[int, CancelWindow]:
    """The open windows among grid rows (ROW_FIELDS dicts of one of the user's lines): this month's approved
    payments not cancelled yet. Rows of earlier months need no query at all."""
    now = now or utcnow()
    month = usage_month(now)
    candidates = {row["id"]: row for row in rows if is_cancellable(row["status"], row.get("cancels_id"), False)
                  and usage_month(row["occurred_at"]) == month}
    if not candidates:
        return {}
    with store.read() as db:
        cancelled = records.cancellations(db, user_id, list(candidates))
    return {tx_id: cancel_window(row["occurred_at"], now) for tx_id, row in candidates.items()
            if tx_id not in cancelled}


def alert_windows(store: Store, user_id: int, alert_ids: Sequence[object],
                  now: datetime | None = None) -> dict[int, AlertWindow]:
    """For each of the user's charge alerts among `alert_ids`: its charges' window and what to offer."""
    ids = records.valid_ids(alert_ids) or []
    now = now or utcnow()
    with store.read() as db:
        alerts = [a for a in records.owned_alerts(db, user_id, ids) if a.kind not in MONTH_KINDS]
        named = {a.id: records.alert_charge_ids(a) for a in alerts}
        charges = {c.id: c for c in records.owned_charges(db, user_id, [i for v in named.values() for i in v])}
        cancelled = records.cancellations(db, user_id, list(charges))
        carriers = records.line_carriers(db, user_id, {a.line_id for a in alerts})
    found = {}
    for alert in alerts:
        own = [charges[i] for i in named[alert.id] if i in charges]
        if own:
            found[alert.id] = _alert_window(alert, own, cancelled, carriers.get(alert.line_id, ""), now)
    return found


def _alert_window(alert: Alert, charges: list[Transaction], cancelled: Mapping[int, Transaction], carrier: str,
                  now: datetime) -> AlertWindow:
    live = [c for c in charges if is_cancellable(c.status, c.cancels_id, c.id in cancelled)]
    windows = [cancel_window(c.occurred_at, now) for c in live]
    return AlertWindow(most_urgent(windows), sum(w.is_open for w in windows), len(charges),
                       alert.kind in FRAUD_KINDS, alert.kind in PACK_KINDS, carrier,
                       tuple(dict.fromkeys(c.pg for c in charges)))


def charge_summaries(store: Store, user_id: int, ids: Sequence[object]) -> list[dict[str, Any]]:
    """The user's charges among `ids` (the page's dispute basket), oldest first: id, line_id, occurred_at,
    merchant, amount."""
    with store.read() as db:
        return [{"id": c.id, "line_id": c.line_id, "occurred_at": c.occurred_at, "merchant": c.merchant,
                 "amount": c.amount} for c in records.owned_charges(db, user_id, records.valid_ids(ids) or [])]


# ---- the pack ----------------------------------------------------------------------------------

def pack_for_charges(store: Store, user_id: int, ids: Sequence[object], lang: str = "ko",
                     now: datetime | None = None) -> DisputePack:
    """The pack of chosen charges: all must be the user's and on one line."""
    wanted = records.valid_ids(ids)
    if wanted is None:
        raise NotFound("disputes.err.not_found")
    if not wanted:
        raise Invalid("disputes.err.empty")
    if len(wanted) > MAX_CHARGES:
        raise Invalid("disputes.err.too_many", max=MAX_CHARGES)
    with store.read() as db:
        charges = records.owned_charges(db, user_id, wanted)
        if len(charges) != len(wanted):
            raise NotFound("disputes.err.not_found")
        return _pack(db, user_id, charges, lang, now or utcnow())


def pack_for_alert(store: Store, user_id: int, alert_id: object, lang: str = "ko",
                   now: datetime | None = None) -> DisputePack:
    """The pack of the charges an alert of the user's is about."""
    ids = records.valid_ids([alert_id])
    with store.read() as db:
        alerts = records.owned_alerts(db, user_id, ids or [])
        if not alerts:
            raise NotFound("alerts.not_found")
        charges = records.owned_charges(db, user_id, records.alert_charge_ids(alerts[0])[:MAX_CHARGES])
        if not charges:
            raise NotFound("disputes.err.empty")
        return _pack(db, user_id, charges, lang, now or utcnow())


def pack_file(store: Store, user_id: int, fmt: str, *, charge_ids: Sequence[object] | None = None,
              alert_id: object = None, lang: str = "ko", ip: str | None = None) -> PackFile:
    """The pack as a file (`fmt`: pdf or csv), from chosen charges or an alert; the download is audited."""
    if fmt not in FORMATS:
        raise NotFound("disputes.err.not_found")
    if alert_id is not None:
        pack = pack_for_alert(store, user_id, alert_id, lang)
    else:
        pack = pack_for_charges(store, user_id, charge_ids or [], lang)
    mimetype, build = FORMATS[fmt]
    body = build(pack, lang)
    with store.write() as db:
        audit(db, "disputes.pack", user_id=user_id, line_id=pack.line_id, ip=ip, format=fmt,
              alert_id=alert_id, transaction_ids=[c.id for c in pack.charges][:50])
    stamp = pack.prepared_at.strftime("%Y%m%d-%H%M")
    return PackFile(f"dispute-{pack.line_id}-{stamp}.{fmt}", mimetype, body)


def _pack(db: Session, user_id: int, charges: list[Transaction], lang: str, now: datetime) -> DisputePack:
    lines = {c.line_id for c in charges}
    if len(lines) != 1:
        raise Invalid("disputes.err.one_line")
    line = db.get(Line, lines.pop())
    cancelled = records.cancellations(db, user_id, [c.id for c in charges])
    since = charges[0].occurred_at - timedelta(hours=1)  # alerts follow their charges; a margin for clocks
    alerts = records.alerts_about(db, user_id, line.id, [c.id for c in charges], since, ALSO_IN_PACK)
    return DisputePack(
        line_id=line.id, number_masked=line.number_masked, nickname=line.nickname or "", carrier=line.carrier,
        line_status=line.status,
        charges=tuple(_pack_charge(c, cancelled.get(c.id), now) for c in charges),
        alerts=tuple(PackAlert(a.created_at, a.kind, alert_text(a, lang), tuple(named)) for a, named in alerts),
        blocks=tuple(BlockEvent(at, blocked, reason) for at, blocked, reason in records.block_history(db, line.id)),
        prepared_at=now,
    )


def _pack_charge(tx: Transaction, cancellation: Transaction | None, now: datetime) -> PackCharge:
    window = None
    if tx.cancels_id is not None:
        status = "refund" if tx.refund else "cancellation"
    elif tx.status == "declined":
        status = "declined"
    elif tx.status == "cancelled" or cancellation is not None:
        status = "refunded" if cancellation is not None and cancellation.refund else "cancelled"
    else:
        window = cancel_window(tx.occurred_at, now)
        status = "approved" if window.is_open else "billed"
    return PackCharge(tx.id, tx.occurred_at, tx.merchant, tx.pg, tx.product, tx.amount, status, tx.external_id,
                      window)

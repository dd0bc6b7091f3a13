"""The dispute pack as a CSV: one row per charge, with the line, its blocks and the alerts on every row so
that any row stands on its own. UTF-8 with BOM and formula-escaped cells (data.exporting.to_csv). Pure."""

from __future__ import annotations

from typing import Any

from dashboard.alerts.text import kind_label
from dashboard.disputes.model import DisputePack, PackCharge
from dashboard.text.cancellation import carrier_name, window_sentence
from dashboard.text.i18n import t
from data.exporting import DATETIME_FORMAT, to_csv
from data.vocab import to_kst

COLUMNS = (  # (row key, header message key)
    ("line", "disputes.csv.line"),
    ("carrier", "disputes.csv.carrier"),
    ("id", "disputes.csv.id"),
    ("occurred_at", "tx.col.when"),
    ("merchant", "tx.col.merchant"),
    ("pg", "tx.col.pg"),
    ("product", "tx.col.product"),
    ("amount", "tx.col.amount"),
    ("status", "tx.col.status"),
    ("window", "disputes.doc.window"),
    ("alerts", "disputes.csv.alerts"),
    ("blocked", "disputes.csv.blocked"),
)


def pack_csv(pack: DisputePack, lang: str = "ko") -> bytes:
    columns = [(key, t(header, lang)) for key, header in COLUMNS]
    blocked = ", ".join(to_kst(b.at).strftime(DATETIME_FORMAT) for b in pack.blocks if b.blocked)
    common = {"line": pack.number_masked, "carrier": carrier_name(pack.carrier, lang), "blocked": blocked}
    return to_csv([{**common, **_charge(pack, charge, lang)} for charge in pack.charges], columns)


def _charge(pack: DisputePack, charge: PackCharge, lang: str) -> dict[str, Any]:
    return {
        "id": charge.external_id,
        "occurred_at": charge.occurred_at,  # KST wall time, as the importer reads it
        "merchant": charge.merchant,
        "pg": charge.pg,
        "product": charge.product,
        "amount": charge.amount,
        "status": t(f"disputes.status.{charge.status}", lang),
        "window": window_sentence(charge.window, lang) if charge.window else "",
        "alerts": ", ".join(kind_label(kind, lang) for kind in pack.alert_kinds_of(charge.id)),
    }

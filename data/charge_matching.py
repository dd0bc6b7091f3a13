"""One charge, two roads: a payment read from a text message and the same payment in an imported file.

The carrier's table and the PG's message describe the same payment with the same line and amount, a
merchant name that normalises to the same key (or, in the message, only the PG's name) and times a few
minutes apart (the message is timed to the minute, sometimes by the phone's clock; the table to the
second, by the carrier). Within `window` of each other they are one transaction (docs/ingest.md).
Each stored row matches at most one incoming row, so two real purchases of the same thing a minute
apart that arrive by both roads still count twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from data.importing.normalize import merchant_key
from data.models import Transaction

DEFAULT_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Candidate:
    id: int
    occurred_at: datetime
    amount: int
    merchant_key: str
    pg_key: str  # merchant_key of the PG's name: what a message that names no merchant is stored under


def same_merchant(message_key: str, message_pg_key: str, other_key: str) -> bool:
    """Keys equal, or the message named only its PG (its merchant is the PG's name)."""
    return bool(other_key) and (message_key == other_key or (bool(message_pg_key) and message_key == message_pg_key))


# Built once with bind parameters: every message and every imported row runs it.
_CANDIDATES = (
    select(Transaction.id, Transaction.occurred_at, Transaction.amount, Transaction.merchant_key, Transaction.pg)
    .where(Transaction.line_id == bindparam("line_id"), Transaction.occurred_at >= bindparam("start"),
           Transaction.occurred_at <= bindparam("end"), Transaction.status == bindparam("status"),
           Transaction.cancels_id.is_(None), Transaction.source.in_(bindparam("sources", expanding=True)))
)


def candidates(session: Session, line_id: int, start: datetime, end: datetime, *, sources: Sequence[str],
               status: str = "approved") -> list[Candidate]:
    """The line's stored payments from `sources` between start and end (indexed on line_id, occurred_at)."""
    # Core on the session's connection: the rows looked for were committed by earlier requests, never pending.
    rows = session.connection().execute(_CANDIDATES, {"line_id": line_id, "start": start, "end": end,
                                                      "status": status, "sources": list(sources)})
    return [Candidate(id_, at, amount, key or "", merchant_key(pg) if pg else "") for id_, at, amount, key, pg in rows]


def match_one(stored: Iterable[Candidate], at: datetime, amount: int, key: str, pg_key: str, window: timedelta,
              *, incoming_is_message: bool) -> Candidate | None:
    """The nearest stored payment of the same amount and merchant within `window` of `at`."""
    best: Candidate | None = None
    for row in stored:
        if row.amount != amount or abs(row.occurred_at - at) > window:
            continue
        ok = (same_merchant(key, pg_key, row.merchant_key) if incoming_is_message
              else same_merchant(row.merchant_key, row.pg_key, key))
        if ok and (best is None or abs(row.occurred_at - at) < abs(best.occurred_at - at)):
            best = row
    return best

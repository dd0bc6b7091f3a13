"""Writing parsed import rows into a line: dedupe, partial-cancellation links, all or nothing.

`import_rows` runs inside the caller's `store.write()` transaction and only adds rows, so any error
(a constraint, a lost connection, an exception in a hook) rolls the whole import back.

Duplicates: the unique (line_id, external_id) decides. The ids already stored for the file's time
span are read with one bounded query and those rows are never sent; the insert itself is
`ON CONFLICT DO NOTHING`, so an id stored outside that span (a carrier id whose time was edited)
is also counted as a duplicate instead of failing the import.

Cancellations: a row the carrier shows as 취소 is the payment itself, cancelled: it stays unlinked
and nets to zero (data.usage.NET_AMOUNT). A 부분취소 row (partial=True, `amount` = the cancelled
part) becomes a cancellation entry linked to its payment: same merchant_key, not later, amount
(minus what is already cancelled) ≥ the partial amount, the nearest such payment in the file or the
store. Same KST month → it reduces that month's bill; a later month → a bank refund (refund=True).
With no such payment it stays an unlinked cancelled row (zero), like a full 취소.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import charge_matching
from data.audit import audit
from data.categorize import apply_rules
from data.importing.model import ImportedRow
from data.models import Line, Transaction
from data.vocab import usage_month

CHUNK_ROWS = 10_000  # rows per executemany: bounded memory per statement, and progress steps
SQLITE_CACHE_KIB = 131_072  # page cache while a large import runs (128 MB at most, only as used)
# How far back a partial cancellation looks for its payment: the 13 months a carrier page shows.
PARTIAL_LOOKBACK = timedelta(days=400)
MAX_FILENAME = 200

Progress = Callable[[int, int], None]  # (rows stored so far, rows to store)
AfterInsert = Callable[[Session, Line, list[Any], datetime], Any]


@dataclass(frozen=True)
class ImportSummary:
    added: int
    duplicates: int
    linked: int = 0  # partial cancellations linked to their payment
    months: tuple[str, ...] = field(default=())  # usage months that got new rows, oldest first

    def as_dict(self) -> dict[str, int]:
        return {"added": self.added, "duplicates": self.duplicates}


def import_rows(
    session: Session,
    line: Line,
    rows: Sequence[ImportedRow],
    source: str = "import",
    *,
    user_id: int | None = None,
    filename: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    after_insert: AfterInsert | None = None,
    channel: str | None = None,
) -> ImportSummary:
    """Add the rows that are not already stored; returns how many were added and skipped.

    `after_insert(session, line, txs, now)` runs in the same transaction with the added rows
    (id, occurred_at, usage_month, amount, merchant, merchant_key, category, bucket, status,
    line_id, decline_reason, cancels_id, refund): the alerts engine's hook. The audit row keeps
    counts and the file name, never cell contents; `channel` says where it came from (web/api/cli).
    """
    now = now or datetime.now(UTC)
    fresh = apply_rules(session, line.user_id, new_rows(session, line.id, rows))
    month_of = _MonthCache()
    links = _link_partials(session, line.id, fresh, month_of)
    writer = _BulkInsert(session, line.id, source, now, month_of)
    unlinked = [row for index, row in enumerate(fresh) if index not in links]
    plain = writer.values(unlinked)
    added = writer.insert(plain, progress, total=len(fresh))
    sent = list(zip(unlinked, plain, strict=True))
    if links:
        linked = _linked_values(session, writer, fresh, links, month_of)
        added += writer.insert([value for _, value in linked])
        sent += linked
    if progress is not None:
        progress(len(fresh), len(fresh))  # every row sent; what follows is the alerts hook and the audit
    months = tuple(sorted({value[2] for value in plain} | {month_of(fresh[i].occurred_at) for i in links}))
    if after_insert is not None and added:
        after_insert(session, line, _added_rows(session, line.id, sent, now), now)
    audit(session, "import", user_id=user_id if user_id is not None else line.user_id, line_id=line.id,
          rows=len(rows), added=added, duplicates=len(rows) - added, linked=len(links), months=list(months),
          filename=(filename or "")[:MAX_FILENAME], source=source, channel=channel)
    return ImportSummary(added, len(rows) - added, len(links), months)


def new_rows(session: Session, line_id: int, rows: Sequence[ImportedRow]) -> list[ImportedRow]:
    """The rows whose external_id is neither stored for the line nor earlier in `rows`."""
    if not rows:
        return []
    stamps = [row.occurred_at for row in rows]
    stored = set(session.scalars(
        select(Transaction.external_id).where(
            Transaction.line_id == line_id,
            Transaction.occurred_at >= min(stamps),
            Transaction.occurred_at <= max(stamps),
        )
    ))
    fresh = []
    for row in rows:
        if row.external_id not in stored:
            stored.add(row.external_id)  # a repeated id later in the same list is a duplicate too
            fresh.append(row)
    return _without_message_charges(session, line_id, fresh)


def _without_message_charges(session: Session, line_id: int, rows: list[ImportedRow]) -> list[ImportedRow]:
    """Drop the payments a forwarded text message already recorded (data.charge_matching): the file's row
    and the message's are one transaction, and the import counts it as a duplicate."""
    payments = [row for row in rows if row.status == "approved" and not row.partial]
    if not payments:
        return rows
    window = charge_matching.DEFAULT_WINDOW
    stored = charge_matching.candidates(session, line_id, min(r.occurred_at for r in payments) - window,
                                        max(r.occurred_at for r in payments) + window, sources=("message",))
    if not stored:
        return rows
    taken: set[int] = set()  # stored message rows already matched: each stands for one payment
    duplicates: set[int] = set()  # positions in `rows`
    for index, row in enumerate(rows):
        if row.status != "approved" or row.partial:
            continue
        found = charge_matching.match_one((c for c in stored if c.id not in taken), row.occurred_at, row.amount,
                                          row.merchant_key, "", window, incoming_is_message=False)
        if found is not None:
            taken.add(found.id)
            duplicates.add(index)
    return [row for index, row in enumerate(rows) if index not in duplicates]


# ---- the bulk insert ----------------------------------------------------------------------------

COLUMNS = ("line_id", "occurred_at", "usage_month", "merchant", "merchant_key", "pg", "product", "category",
           "bucket", "amount", "status", "pay_type", "source", "external_id", "cancels_id", "refund", "created_at")


class _BulkInsert:
    """One prepared INSERT … ON CONFLICT DO NOTHING run as a driver executemany per chunk.

    Measured on 100k rows (SQLite): the ORM-enabled insert(Transaction) regroups rows by which
    values are None and sends thousands of statements (~20 s); a Core insert of dicts spends
    most of its time building parameters per row (~3.5 s CPU); tuples straight to the driver take
    ~1.5 s. So values are converted here exactly as the column types would: UTC datetimes, naive,
    and on SQLite the text SQLAlchemy stores (tests/unit/test_import_store.py pins the equality).
    """

    def __init__(self, session: Session, line_id: int, source: str, now: datetime,
                 month_of: Callable[[datetime], str]) -> None:
        self.connection = session.connection()
        self.sqlite = self.connection.dialect.name == "sqlite"
        self.month_of = month_of
        marks = ", ".join(["?" if self.sqlite else "%s"] * len(COLUMNS))
        # Only module constants go into this text; every value travels as a bound parameter.
        self.sql = (f"INSERT INTO transactions ({', '.join(COLUMNS)}) VALUES ({marks}) "  # noqa: S608
                    "ON CONFLICT (line_id, external_id) DO NOTHING")
        self.line_id, self.source = line_id, source
        self.created = _sqlite_text(now) if self.sqlite else _naive_utc(now)

    def values(self, rows: Sequence[ImportedRow]) -> list[tuple[Any, ...]]:
        """Insert parameters in COLUMNS order (the hot loop of an import: kept flat on purpose)."""
        line_id, source, created, month_of = self.line_id, self.source, self.created, self.month_of
        moments = [row.occurred_at for row in rows]
        stamps = _sqlite_texts(moments) if self.sqlite else [_naive_utc(moment) for moment in moments]
        return [
            (line_id, stamp, month_of(row.occurred_at), row.merchant, row.merchant_key, row.pg,
             row.product, row.category, row.bucket, row.amount, row.status, row.pay_type or "one_off", source,
             row.external_id, None, False, created)
            for row, stamp in zip(rows, stamps, strict=True)
        ]

    def linked(self, row: ImportedRow, cancels_id: int, refund: bool, bucket: str) -> tuple[Any, ...]:
        """A partial cancellation's parameters: linked to its payment, in the payment's bucket."""
        [value] = self.values([row])
        return (*value[:8], bucket, *value[9:14], cancels_id, refund, value[16])

    def insert(self, values: list[tuple[Any, ...]], progress: Progress | None = None, total: int = 0) -> int:
        """Returns the rows actually inserted (conflicting ids are skipped)."""
        added = 0
        with self._big_cache(len(values)):
            for start in range(0, len(values), CHUNK_ROWS):
                chunk = values[start : start + CHUNK_ROWS]
                result = self.connection.exec_driver_sql(self.sql, chunk)
                added += _rowcount(result, len(chunk))
                if progress is not None:
                    progress(start + len(chunk), total)
        return added

    @contextmanager
    def _big_cache(self, rows: int) -> Iterator[None]:
        """SQLite: a page cache that holds the whole insert, so dirty index pages are not spilled to
        the WAL mid-transaction (~10% faster for 100k rows); put back afterwards (pooled connection)."""
        if not self.sqlite or rows <= CHUNK_ROWS:
            yield
            return
        before = self.connection.exec_driver_sql("PRAGMA cache_size").scalar()
        self.connection.exec_driver_sql(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
        try:
            yield
        finally:
            self.connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _sqlite_texts(moments: list[datetime]) -> list[str]:
    """_sqlite_text of each, vectorised when all are UTC (every parsed row is): half the time."""
    if not moments or any(moment.tzinfo is not UTC for moment in moments):
        return [_sqlite_text(moment) for moment in moments]
    micros = pd.DatetimeIndex(moments).tz_convert(None).to_numpy().astype("datetime64[us]")
    return [text.replace("T", " ") for text in np.datetime_as_string(micros, unit="us").tolist()]


def _sqlite_text(moment: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME storage format ("2025-05-11 05:23:05.000000")."""
    if moment.tzinfo is not UTC:  # the parser's rows are UTC already: skip two conversions for them
        moment = _naive_utc(moment)
    return moment.isoformat(" ", "microseconds")[:26]  # without the "+00:00"


class _MonthCache:
    """usage_month once per UTC hour: KST is a whole-hour offset, so the hour decides the month."""

    def __init__(self) -> None:
        self.months: dict[tuple[int, int, int, int], str] = {}

    def __call__(self, moment: datetime) -> str:
        if moment.tzinfo is not UTC:
            moment = moment.astimezone(UTC)
        key = (moment.year, moment.month, moment.day, moment.hour)
        month = self.months.get(key)
        if month is None:
            month = self.months[key] = usage_month(moment)
        return month


def _rowcount(result: Any, sent: int) -> int:
    count = getattr(result, "rowcount", -1)
    return sent if count is None or count < 0 else int(count)


class AddedRow(NamedTuple):
    """A row this import stored, as the alerts hook reads it (engine.TxRow)."""

    id: int
    occurred_at: datetime  # aware, as parsed (the insert parameter is the store's text/naive form)
    decline_reason: str | None  # imports never decline
    # The rest in _HOOK_COLUMNS order, taken from the insert parameters by name.
    line_id: int
    usage_month: str
    amount: int
    merchant: str
    merchant_key: str
    category: str
    bucket: str
    status: str
    cancels_id: int | None
    refund: bool


_HOOK_COLUMNS = itemgetter(*(COLUMNS.index(name) for name in AddedRow._fields[3:]))
_EXTERNAL_ID = COLUMNS.index("external_id")


def _added_rows(session: Session, line_id: int, sent: Sequence[tuple[ImportedRow, tuple[Any, ...]]],
                now: datetime) -> list[AddedRow]:
    """The rows this import stored (created_at is this import's stamp), for the alerts hook. Only
    their ids are read back: the values are the ones just sent (reading 100k rows back, with
    their datetimes, took longer than inserting them)."""
    stamps = [row.occurred_at for row, _ in sent]
    ids = dict(session.execute(
        select(Transaction.external_id, Transaction.id).where(
            Transaction.line_id == line_id,
            Transaction.occurred_at >= min(stamps),
            Transaction.occurred_at <= max(stamps),
            Transaction.created_at == now,
        )
    ).all())
    added = [AddedRow(ids[value[_EXTERNAL_ID]], row.occurred_at, None, *_HOOK_COLUMNS(value))
             for row, value in sent if value[_EXTERNAL_ID] in ids]
    added.sort(key=lambda tx: (tx.occurred_at, tx.id))
    return added


# ---- partial cancellations --------------------------------------------------------------------


@dataclass
class _Payment:
    occurred_at: datetime
    month: str
    bucket: str
    remaining: int
    store_id: int | None = None  # a stored payment
    external_id: str | None = None  # a payment from this file (id known after the insert)


def _link_partials(
    session: Session, line_id: int, rows: Sequence[ImportedRow], month_of: Callable[[datetime], str]
) -> dict[int, _Payment]:
    """{index of a partial cancellation in `rows`: the payment it cancels part of}."""
    partials = [i for i, row in enumerate(rows) if row.partial and row.status == "cancelled"]
    if not partials:
        return {}
    keys = {rows[i].merchant_key for i in partials}
    candidates = _stored_payments(session, line_id, keys, [rows[i].occurred_at for i in partials])
    for row in rows:
        if row.status == "approved" and row.merchant_key in keys:
            candidates.setdefault(row.merchant_key, []).append(_Payment(
                row.occurred_at, month_of(row.occurred_at), row.bucket, row.amount, external_id=row.external_id))
    for payments in candidates.values():
        payments.sort(key=lambda p: p.occurred_at)
    links: dict[int, _Payment] = {}
    for index in sorted(partials, key=lambda i: rows[i].occurred_at):
        row = rows[index]
        payments = candidates.get(row.merchant_key, [])
        # The nearest payment not later than the cancellation that still has enough left.
        end = bisect.bisect_right([p.occurred_at for p in payments], row.occurred_at)
        for payment in reversed(payments[:end]):
            if payment.remaining >= row.amount:
                payment.remaining -= row.amount
                links[index] = payment
                break
    return links


def _stored_payments(
    session: Session, line_id: int, keys: set[str], moments: list[datetime]
) -> dict[str, list[_Payment]]:
    """Approved payments of these merchants before the latest cancellation, minus what is cancelled."""
    cancelled = (
        select(Transaction.cancels_id, func.sum(Transaction.amount).label("done"))
        .where(Transaction.line_id == line_id, Transaction.cancels_id.is_not(None))
        .group_by(Transaction.cancels_id)
        .subquery()
    )
    query = (
        select(Transaction.id, Transaction.merchant_key, Transaction.occurred_at, Transaction.usage_month,
               Transaction.bucket, Transaction.amount, func.coalesce(cancelled.c.done, 0))
        .outerjoin(cancelled, cancelled.c.cancels_id == Transaction.id)
        .where(
            Transaction.line_id == line_id,
            Transaction.status == "approved",
            Transaction.cancels_id.is_(None),
            Transaction.merchant_key.in_(sorted(keys)),
            Transaction.occurred_at >= min(moments) - PARTIAL_LOOKBACK,
            Transaction.occurred_at <= max(moments),
        )
    )
    found: dict[str, list[_Payment]] = {}
    for tx_id, key, moment, month, bucket, amount, done in session.execute(query):
        found.setdefault(key, []).append(_Payment(moment, month, bucket, amount - int(done), store_id=tx_id))
    return found


def _linked_values(
    session: Session, writer: _BulkInsert, rows: Sequence[ImportedRow], links: Mapping[int, _Payment],
    month_of: Callable[[datetime], str],
) -> list[tuple[ImportedRow, tuple[Any, ...]]]:
    """The linked partial cancellations' parameters, once their payments have ids."""
    pending = {p.external_id for p in links.values() if p.store_id is None}
    ids: dict[str, int] = {}
    if pending:
        ids = dict(session.execute(
            select(Transaction.external_id, Transaction.id).where(
                Transaction.line_id == writer.line_id, Transaction.external_id.in_(sorted(pending)))
        ).all())
    values = []
    for index, payment in links.items():
        row = rows[index]
        payment_id = payment.store_id if payment.store_id is not None else ids[payment.external_id]
        # After the payment's month it is a bank refund; it offsets the payment's bucket.
        refund = month_of(row.occurred_at) != payment.month
        values.append((row, writer.linked(row, payment_id, refund, payment.bucket)))
    return values

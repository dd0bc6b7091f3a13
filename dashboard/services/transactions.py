"""A line's transactions: the grid's pages and counts, one row, the API's month, and the user's changes —
a manual entry (with its alerts), a cancellation, a new category (optionally as a rule for the merchant).

    months(store, user_id, line_id) -> list[str]
    grid_page(store, user_id, line_id, controls, request) -> Page | None
    count(store, user_id, line_id, controls, filter_model=None) -> Counted | None
    selected_row(store, user_id, transaction_id) -> dict | None
    month_rows(store, user_id, line_id, month=None) -> list[Transaction]
    recategorise(store, user_id, transaction_id, category, *, always=False) -> Recategorized
    cancel(store, user_id, transaction_id, *, ip=None) -> Transaction
    add_manual(store, settings, user_id, line_id, values, *, ip=None) -> Transaction

`controls` are the page's filters as sent (month, bucket, status, category, quick search), untrusted:
values outside the vocabulary mean "all". Reading another user's line gives nothing (None / []); changing
it is refused. Rows come back detached: read their columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dashboard.alerts.engine import evaluate
from dashboard.services.access import line_if_allowed
from dashboard.services.errors import Conflict, Invalid, NotFound
from dashboard.settings import Settings
from data.access import Permission, line_of_transaction, viewable_line, visible_transaction
from data.authorize import CancelRefused, cancel_payment
from data.categorize import Recategorized, RuleError, recategorize
from data.db import Store
from data.manual import ManualEntry, ManualError
from data.manual import add_manual as store_manual
from data.models import Transaction, utcnow
from data.transactions_query import Page, TxFilters, count_rows, fetch_page, months_of
from data.vocab import kst_today

MANUAL_FIELDS = ("when", "merchant", "amount", "bucket", "category", "status", "pg", "product")
ROW_FIELDS = ("id", "occurred_at", "merchant", "pg", "product", "category", "bucket", "amount", "status",
              "cancels_id", "refund")
CANCEL_REFUSALS = {"not_found": NotFound, "not_payment": Conflict, "already_cancelled": Conflict}


class ManualRefused(Invalid):
    """A manual entry was not stored. `errors`: {form field ("" for the whole form): message key}; the
    amount's message takes `max` (the legal maximum, in won)."""

    def __init__(self, errors: dict[str, str], max_amount: int) -> None:
        super().__init__("tx.err.form", max=max_amount)
        self.errors = errors


def filters_of(controls: Sequence[object]) -> TxFilters:
    return TxFilters.of(*controls)


def months(store: Store, user_id: int, line_id: object) -> list[str]:
    """The line's usage months with rows, newest first."""
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        return months_of(db, line.id) if line is not None else []


def grid_page(store: Store, user_id: int, line_id: object, controls: Sequence[object],
              request: Mapping[str, Any]) -> Page | None:
    """One block for AG Grid's infinite model (`request`: its getRowsRequest); None for a foreign line."""
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            return None
        return fetch_page(db, line.id, filters_of(controls), request.get("filterModel"), request.get("sortModel"),
                          request.get("startRow", 0), request.get("endRow", 100))


@dataclass(frozen=True)
class Counted:
    line_id: int  # the owned line's id (the browser's value, checked)
    rows: int


def count(store: Store, user_id: int, line_id: object, controls: Sequence[object],
          filter_model: object = None) -> Counted | None:
    """How many rows the filters match; None for a foreign line."""
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            return None
        return Counted(line.id, count_rows(db, line.id, filters_of(controls), filter_model))


def selected_row(store: Store, user_id: int, transaction_id: object) -> dict[str, Any] | None:
    """One of the user's rows as a dict of ROW_FIELDS; None for anyone else's id (or none)."""
    if transaction_id is None:
        return None
    with store.read() as db:
        tx = visible_transaction(db, user_id, transaction_id)
        return {name: getattr(tx, name) for name in ROW_FIELDS} if tx is not None else None


def month_rows(store: Store, user_id: int, line_id: object, month: str | None = None) -> list[Transaction]:
    """Every row of the KST usage month (default: this one), newest first."""
    month = month or kst_today().strftime("%Y-%m")
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            raise NotFound("actions.line_not_found")
        return list(db.scalars(
            select(Transaction).where(Transaction.line_id == line.id, Transaction.usage_month == month)
            .order_by(Transaction.occurred_at.desc(), Transaction.id.desc())))


def recategorise(store: Store, user_id: int, transaction_id: object, category: object, *,
                 always: bool = False) -> Recategorized:
    """File one of the user's rows under `category`; with `always`, as a rule for its merchant too (their
    past rows on every line follow). Refusals: NotFound / Invalid with a tx.err.* key."""
    try:
        with store.write() as db:
            line_if_allowed(db, user_id, line_of_transaction(db, transaction_id), Permission.MANAGE)
            return recategorize(db, user_id, transaction_id, str(category or ""), always=always)
    except RuleError as refused:
        raise (NotFound if refused.key == "tx.err.not_found" else Invalid)(refused.key) from None


def cancel(store: Store, user_id: int, transaction_id: object, *, ip: str | None = None) -> Transaction:
    """The cancellation row of one of the user's approved payments (refund=True after its month ended).
    Refusals carry tx.err.<code>: NotFound not_found, Conflict not_payment / already_cancelled."""
    try:
        tx_id = int(transaction_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise NotFound("tx.err.not_found") from None
    try:
        with store.write() as db:
            line_if_allowed(db, user_id, line_of_transaction(db, tx_id), Permission.MANAGE)
            return cancel_payment(db, user_id, tx_id, ip=ip)
    except CancelRefused as refused:
        raise CANCEL_REFUSALS[refused.code](f"tx.err.{refused.code}") from None
    except IntegrityError:  # the cancellation's unique external_id: a concurrent cancel of the same payment won
        raise Conflict("tx.err.already_cancelled") from None


def add_manual(store: Store, settings: Settings, user_id: int, line_id: object, values: Mapping[str, object], *,
               ip: str | None = None, now: datetime | None = None) -> Transaction:
    """Validate and store a hand-written row on the user's line, and raise its alerts, in one transaction.
    `values`: the form's MANUAL_FIELDS (untrusted). Raises ManualRefused."""
    entry = ManualEntry(**{name: value for name, value in values.items() if name in MANUAL_FIELDS})
    try:
        with store.write() as db:
            line_if_allowed(db, user_id, line_id, Permission.MANAGE)
            row = store_manual(db, user_id, line_id, entry, max_amount=settings.legal_max, now=now, ip=ip)
            evaluate(db, row.line, row, now or utcnow(), settings)  # the alert rules, in this transaction
            return row
    except ManualError as refused:
        raise ManualRefused(refused.errors, settings.legal_max) from None

"""Category rules: "always file merchant X under Y", per user, keyed by the normalised merchant.

A rule is applied three ways:
- to the user's past rows on every line when it is set (`set_rule`, one UPDATE),
- to rows about to be stored (`apply_rules`, for the importer before its bulk insert),
- to one new row (`category_for`, for an authorization or a manual entry).
`apply_rules_to_stored` re-applies every rule to rows already in the store (after a raw insert).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from data.audit import audit
from data.importing.normalize import merchant_key as normalise
from data.models import CategoryRule, Line, Transaction, utcnow
from data.vocab import CATEGORIES

Row = TypeVar("Row")


class RuleError(ValueError):
    """A refused change; `key` is a message key (tx.err.*) the UI translates."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Recategorized:
    transaction_id: int
    merchant: str
    merchant_key: str
    category: str
    rule: bool  # a rule was set
    rows_changed: int  # rows whose category changed (this one included)


def rules_of(session: Session, user_id: int) -> dict[str, str]:
    """{merchant_key: category} for one user (a handful of rows, loaded whole)."""
    rows = session.execute(
        select(CategoryRule.merchant_key, CategoryRule.category).where(CategoryRule.user_id == user_id)
    )
    return {key: category for key, category in rows}


_RULE = select(CategoryRule.category).where(CategoryRule.user_id == bindparam("user_id"),
                                            CategoryRule.merchant_key == bindparam("merchant_key"))


def category_for(session: Session, user_id: int, merchant_key: str) -> str | None:
    """The user's rule for this merchant key, or None (then keep the inferred category)."""
    if not merchant_key:
        return None
    # Core on the session's connection: rules are written by their own use case, never pending here.
    return session.connection().scalar(_RULE, {"user_id": user_id, "merchant_key": merchant_key})


def apply_rules(session: Session, user_id: int, rows: Sequence[Row]) -> list[Row]:
    """The rows with the user's rules applied, for rows not yet stored.

    Accepts mappings (a changed copy is returned), frozen dataclasses such as ImportedRow
    (dataclasses.replace) and mutable objects such as a new Transaction (changed in place).
    A row's key is its `merchant_key`, or normalise(merchant) when that is empty.
    """
    rules = rules_of(session, user_id)
    if not rules:
        return list(rows)
    return [_with_category(row, rules.get(_key_of(row))) for row in rows]


def set_rule(session: Session, user_id: int, merchant_key: str, category: str, *, line_id: int | None = None) -> int:
    """Create or change the rule and re-file the user's past rows; returns rows changed."""
    if not merchant_key:
        raise RuleError("tx.err.no_merchant_key")
    if category not in CATEGORIES:
        raise RuleError("tx.err.category")
    _upsert_rule(session, user_id, merchant_key, category)
    changed = _apply_to_stored(session, user_id, merchant_key, category)
    audit(session, "category.rule", user_id=user_id, line_id=line_id, merchant_key=merchant_key,
          category=category, rows_changed=changed)
    return changed


def recategorize(session: Session, user_id: int, transaction_id: object, category: str, *,
                 always: bool = False) -> Recategorized:
    """File one of the user's rows under `category`; with `always`, as a rule for its merchant too."""
    if category not in CATEGORIES:
        raise RuleError("tx.err.category")
    tx = owned_transaction(session, user_id, transaction_id, lock=True)
    if tx is None:
        raise RuleError("tx.err.not_found")
    if not tx.merchant_key:  # rows stored before keys existed: key them now so the rule finds them
        tx.merchant_key = normalise(tx.merchant)
    changed = int(tx.category != category)
    tx.category = category
    if always:
        session.flush()
        changed += set_rule(session, user_id, tx.merchant_key, category, line_id=tx.line_id)
    else:
        audit(session, "transaction.recategorize", user_id=user_id, line_id=tx.line_id,
              transaction_id=tx.id, category=category)
    return Recategorized(tx.id, tx.merchant, tx.merchant_key, category, always, changed)


def apply_rules_to_stored(session: Session, user_id: int) -> int:
    """Re-apply every rule of the user to their stored rows (e.g. after a bulk insert)."""
    rules = rules_of(session, user_id)
    return sum(_apply_to_stored(session, user_id, key, category) for key, category in rules.items())


def owned_transaction(session: Session, user_id: int, transaction_id: object, *, lock: bool = False
                      ) -> Transaction | None:
    """The transaction if it is on one of the user's lines; None for anything else (ids are untrusted)."""
    try:
        tx_id = int(transaction_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    query = (
        select(Transaction)
        .join(Line, Line.id == Transaction.line_id)
        .where(Transaction.id == tx_id, Line.user_id == user_id)
    )
    if lock:
        query = query.with_for_update(of=Transaction)
    return session.scalar(query)


# ---- helpers -------------------------------------------------------------------------------


def _upsert_rule(session: Session, user_id: int, merchant_key: str, category: str) -> None:
    # One statement, so two tabs setting the same rule at once cannot trip the unique constraint.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(CategoryRule).values(user_id=user_id, merchant_key=merchant_key, category=category,
                                            created_at=utcnow())
    session.execute(statement.on_conflict_do_update(
        index_elements=[CategoryRule.user_id, CategoryRule.merchant_key],
        set_={"category": category, "created_at": utcnow()},
    ))


def _apply_to_stored(session: Session, user_id: int, merchant_key: str, category: str) -> int:
    own_lines = select(Line.id).where(Line.user_id == user_id).scalar_subquery()
    result = session.execute(
        update(Transaction)
        .where(Transaction.line_id.in_(own_lines), Transaction.merchant_key == merchant_key,
               Transaction.category != category)
        .values(category=category)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _key_of(row: Any) -> str:
    get = row.get if isinstance(row, Mapping) else (lambda name: getattr(row, name, None))
    return get("merchant_key") or normalise(get("merchant") or "")


def _with_category(row: Row, category: str | None) -> Row:
    if category is None:
        return row
    if isinstance(row, Mapping):
        return {**row, "category": category}  # type: ignore[return-value]
    if dataclasses.is_dataclass(row) and row.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        return dataclasses.replace(row, category=category)  # type: ignore[type-var]
    row.category = category  # type: ignore[attr-defined]
    return row


"""Rows the user writes by hand: a manual payment entry, and marking a payment as cancelled.

Validation answers with message keys (tx.err.*) per form field, so the page can show every problem
at once in the user's language. Cancellation is data.authorize.cancel_payment (the API's rule:
same KST month → the bill goes down; a later month → recorded as a bank refund, bill unchanged).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from data.audit import audit
from data.authorize import CancelRefused, cancel_payment
from data.categorize import category_for
from data.importing.keywords import infer_category
from data.importing.normalize import merchant_key
from data.lines import owned_line
from data.models import Transaction, utcnow
from data.vocab import BUCKETS, CATEGORIES, KST, MANUAL_STATUSES

AUTOMATIC = (None, "", "auto")  # category choices meaning "decide for me"
FUTURE_SLACK = timedelta(minutes=5)  # a phone clock a little ahead is not a typo
EARLIEST = datetime(2000, 1, 1, tzinfo=KST)  # "0025-05-11" from a mistyped year
TEXT_LIMITS = {"merchant": 200, "pg": 60, "product": 200}  # the store's column widths


class ManualError(ValueError):
    """Refused; `errors` maps a form field ("" for the whole form) to a message key."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{field}: {key}" for field, key in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ManualEntry:
    """What the form sends; every field is untrusted text or None."""

    when: object  # "YYYY-MM-DDTHH:MM[:SS]" in KST (an <input type="datetime-local">)
    merchant: object
    amount: object
    bucket: object
    category: object = None  # None / "" / "auto" → the user's rule, else inferred from the merchant
    status: object = "approved"
    pg: object = None
    product: object = None


@dataclass(frozen=True)
class Cancelled:
    cancellation_id: int
    refund: bool  # True: after month end, a bank refund that leaves the bill unchanged


def validate(entry: ManualEntry, *, max_amount: int, now: datetime | None = None) -> dict[str, str]:
    """{field: message key} for every problem; empty when the entry can be stored."""
    errors: dict[str, str] = {}
    when = parse_kst(entry.when)
    if when is None:
        errors["when"] = "tx.err.when"
    elif when > (now or utcnow()) + FUTURE_SLACK:
        errors["when"] = "tx.err.future"
    elif when < EARLIEST:
        errors["when"] = "tx.err.when"
    for field, limit in TEXT_LIMITS.items():
        value = getattr(entry, field)
        if value is not None and not isinstance(value, str):
            errors[field] = "tx.err.text"
        elif isinstance(value, str) and len(value.strip()) > limit:
            errors[field] = "tx.err.too_long"
    if "merchant" not in errors and not _text(entry.merchant):
        errors["merchant"] = "tx.err.merchant"
    amount = _amount(entry.amount)
    if amount is None or amount <= 0:
        errors["amount"] = "tx.err.amount"
    elif amount > max_amount:
        errors["amount"] = "tx.err.amount_max"
    if entry.bucket not in BUCKETS:
        errors["bucket"] = "tx.err.bucket"
    if entry.category not in (*AUTOMATIC, *CATEGORIES):
        errors["category"] = "tx.err.category"
    if entry.status not in MANUAL_STATUSES:
        errors["status"] = "tx.err.status"
    return errors


def add_manual(session: Session, user_id: int, line_id: object, entry: ManualEntry, *, max_amount: int,
               now: datetime | None = None, ip: str | None = None) -> Transaction:
    """Validate and store one hand-written row on the user's line (ManualError when refused)."""
    errors = validate(entry, max_amount=max_amount, now=now)
    if errors:
        raise ManualError(errors)
    line = owned_line(session, user_id, line_id)
    if line is None:
        raise ManualError({"": "tx.err.not_found"})
    merchant = _text(entry.merchant)
    key = merchant_key(merchant)
    product = _text(entry.product) or None
    chosen = entry.category if entry.category in CATEGORIES else None
    category = chosen or category_for(session, user_id, key) or infer_category(merchant, product)
    row = Transaction(
        line_id=line.id, merchant=merchant, merchant_key=key, pg=_text(entry.pg) or None, product=product,
        category=str(category), bucket=str(entry.bucket), amount=_amount(entry.amount), status=str(entry.status),
        pay_type="one_off", source="manual", external_id=f"manual:{uuid.uuid4().hex}", refund=False,
    )
    row.set_time(parse_kst(entry.when))  # type: ignore[arg-type]  # validated above
    session.add(row)
    session.flush()
    audit(session, "transaction.manual_add", user_id=user_id, line_id=line.id, ip=ip, transaction_id=row.id,
          amount=row.amount, bucket=row.bucket, status=row.status)
    return row


def mark_cancelled(session: Session, user_id: int, transaction_id: object, *, now: datetime | None = None,
                   ip: str | None = None) -> Cancelled:
    """Record the cancellation of one of the user's approved payments (audited by cancel_payment)."""
    try:
        tx_id = int(transaction_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ManualError({"": "tx.err.not_found"}) from None
    try:
        row = cancel_payment(session, user_id, tx_id, ip=ip, now=now)
    except CancelRefused as refused:
        raise ManualError({"": f"tx.err.{refused.code}"}) from None
    return Cancelled(row.id, bool(row.refund))


def parse_kst(value: object) -> datetime | None:
    """'2025-05-11T14:23' (datetime-local) or '2025-05-11 14:23:05', read as KST wall time."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    return moment.replace(tzinfo=KST).astimezone(UTC)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _amount(value: object) -> int | None:
    """Whole won from a number or text like "12,300" / "12,300원"; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        digits = value.strip().removesuffix("원").replace(",", "").strip()
        return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 12 else None
    return None


"""Paying bills: by card (settled at once) or by virtual account (pending until the deposit is confirmed).

Guarantees, on SQLite (`BEGIN IMMEDIATE`) and PostgreSQL (the line row locked `FOR UPDATE`, the same
lock month close and authorizations take):
- Idempotency: (user_id, idempotency_key) is unique. A retry with the same key and payload replays the
  first answer (status code and body, kept in `response_json`); the same key with another payload is
  refused ("key_reused", 422). Refusals are not stored: nothing happened, so a retry may still succeed.
- A bill is paid once: a conditional `UPDATE bills SET status='paid' WHERE status IN ('open','overdue')`
  plus the partial unique index `uq_payments_bill_succeeded`. A second payer gets "already_paid" (409).
- A declined card leaves a "declined" row under its key; a new key may try again.
- Only a card's last 4 digits are stored. The request fingerprint is an HMAC keyed by the app secret,
  so not even a (brute-forceable) plain hash of the full number is kept.
- The caller verifies the password first (dashboard.web.reauth): argon2 must never run inside the write lock.

"Pay overdue" pays every overdue bill of a line with one key: one payment row per bill under the derived
key "<key>|<bill id>" ("|" is not allowed in client keys, so derived keys never collide with them).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.audit import audit
from data.billing import (
    PAYABLE,
    BillingRules,
    carried_into,
    mark_paid,
    overdue_bills,
    refresh_bills,
    sync_restriction,
)
from data.db import Store
from data.line_actions import lock_line
from data.models import Bill, Line, Payment, utcnow

METHODS = ("card", "virtual_account")
KEY_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,80}")
DERIVED = "|"

# Refusal code → HTTP status (messages: dashboard/text/messages/billing.py "pay.error.<code>").
ERRORS = {
    "not_found": 404,
    "key_reused": 422,
    "already_paid": 409,
    "carried": 409,
    "nothing_overdue": 409,
    "deposit_pending": 409,
    "not_deposit": 409,
    "deposit_expired": 409,
}


class PaymentRefused(Exception):
    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code, self.values, self.status = code, values, ERRORS[code]


@dataclass(frozen=True)
class CardCharge:
    approved: bool
    last4: str
    reason: str | None = None  # decline reason code


class CardGateway(Protocol):
    def charge(self, card_number: str, amount: int) -> CardCharge: ...


class AccountIssuer(Protocol):
    def issue(self, amount: int) -> tuple[str, str]:
        """(bank, account number) of a fresh deposit account for exactly `amount`."""
        ...


@dataclass(frozen=True)
class Processors:
    card: CardGateway
    accounts: AccountIssuer
    secret: str = field(repr=False)  # keys the request fingerprint


@dataclass(frozen=True)
class Target:
    kind: str  # "bill" (id = bill id) | "overdue" (id = line id: all its overdue bills)
    id: int


@dataclass(frozen=True)
class PayRequest:
    user_id: int
    idempotency_key: str
    method: str
    card_number: str | None = field(default=None, repr=False)
    ip: str | None = None


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict
    replayed: bool = False


def valid_key(key: str | None) -> bool:
    return bool(key) and KEY_PATTERN.fullmatch(key) is not None


def fingerprint(request: PayRequest, target: Target, secret: str) -> str:
    card = re.sub(r"\D", "", request.card_number or "") if request.method == "card" else ""
    payload = json.dumps([target.kind, target.id, request.method, card])
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def target_line(session: Session, user_id: int, target: Target) -> int | None:
    """The line the target belongs to, if it is the user's (anyone else's bill or line → None → 404)."""
    if target.kind == "bill":
        return session.scalar(select(Bill.line_id).join(Line, Line.id == Bill.line_id)
                              .where(Bill.id == target.id, Line.user_id == user_id))
    return session.scalar(select(Line.id).where(Line.id == target.id, Line.user_id == user_id))


def pending_deposits(session: Session, bill_ids: list[int]) -> dict[int, Payment]:
    """The pending virtual-account payment of each bill that has one."""
    rows = session.scalars(select(Payment).where(Payment.bill_id.in_(bill_ids), Payment.status == "pending"))
    return {p.bill_id: p for p in rows}


# ---- paying -------------------------------------------------------------------------------------

def pay(store: Store, request: PayRequest, target: Target, processors: Processors, rules: BillingRules,
        now: datetime | None = None) -> Outcome:
    """Pay a bill, or all overdue bills of a line. Raises PaymentRefused; the password is already checked.
    The line's bills are first brought up to date (month close, late fee; committed on their own, so a
    refusal does not undo them): a payment always pays what is owed now."""
    if request.method not in METHODS or not valid_key(request.idempotency_key):
        raise ValueError("invalid payment request")
    with store.read() as session:
        line_id = target_line(session, request.user_id, target)
    if line_id is None:
        raise PaymentRefused("not_found")
    now = now or utcnow()
    refresh_bills(store, line_id, now, rules)
    digest = fingerprint(request, target, processors.secret)
    return _retrying(store, lambda session: _pay_locked(session, request, target, line_id, digest, processors,
                                                        now))


def _retrying(store: Store, work: Callable[[Session], Outcome]) -> Outcome:
    try:
        return store.write_retrying(work)
    except IntegrityError:
        # The same key committed concurrently by a request on another line, or (the index as the last
        # guard) a second success: run again, and the answer is a replay or a refusal.
        return store.write_retrying(work)


def _pay_locked(session: Session, request: PayRequest, target: Target, line_id: int, digest: str,
                processors: Processors, now: datetime) -> Outcome:
    line = lock_line(session, line_id, request.user_id)
    if line is None:
        raise PaymentRefused("not_found")
    earlier = _rows_for_key(session, request.user_id, request.idempotency_key)
    if earlier:
        return _replay(earlier, digest)
    bills = _bills_to_pay(session, target, line.id)
    keys = ([request.idempotency_key] if target.kind == "bill"
            else [f"{request.idempotency_key}{DERIVED}{b.id}" for b in bills])
    if request.method == "card":
        payments, reason = _card_payments(request, bills, keys, digest, processors.card)
    else:
        payments, reason = _deposit_payments(session, request, bills, keys, digest, processors.accounts), None
    session.add_all(payments)
    session.flush()  # ids, and uq_payments_bill_succeeded checked here
    if payments[0].status == "succeeded":
        for bill in bills:
            if not mark_paid(session, bill, now):
                raise PaymentRefused("already_paid")
        sync_restriction(session, line)
    body = _single_body(payments[0], line, reason) if target.kind == "bill" else _overdue_body(payments, line, reason)
    stored = json.dumps({"status_code": 201, "body": body}, ensure_ascii=False)
    for payment in payments:
        payment.response_json = stored
        audit(session, "payment.create", user_id=request.user_id, line_id=line.id, ip=request.ip,
              payment_id=payment.id, bill_id=payment.bill_id, method=payment.method, status=payment.status,
              amount=payment.amount, card_last4=payment.card_last4, decline_reason=reason)
    return Outcome(201, body)


def _rows_for_key(session: Session, user_id: int, key: str) -> list[Payment]:
    return list(session.scalars(
        select(Payment)
        .where(Payment.user_id == user_id,
               or_(Payment.idempotency_key == key,
                   Payment.idempotency_key.startswith(key + DERIVED, autoescape=True)))
        .order_by(Payment.id)
    ))


def _replay(rows: list[Payment], digest: str) -> Outcome:
    if any(not hmac.compare_digest(row.request_hash, digest) for row in rows):
        raise PaymentRefused("key_reused")
    stored = json.loads(rows[0].response_json)
    return Outcome(stored["status_code"], stored["body"], replayed=True)


def _bills_to_pay(session: Session, target: Target, line_id: int) -> list[Bill]:
    if target.kind == "overdue":
        bills = overdue_bills(session, line_id)
        if not bills:
            raise PaymentRefused("nothing_overdue")
        return bills
    bill = session.get(Bill, target.id, populate_existing=True)
    if bill is None:
        raise PaymentRefused("not_found")
    if bill.status == "carried":
        raise PaymentRefused("carried", into=carried_into(session, bill.id))
    if bill.status not in PAYABLE:
        raise PaymentRefused("already_paid")
    return [bill]


def _card_payments(request: PayRequest, bills: list[Bill], keys: list[str], digest: str,
                   gateway: CardGateway) -> tuple[list[Payment], str | None]:
    # One charge for the whole amount; the rows split it per bill.
    charge = gateway.charge(request.card_number or "", sum(b.total for b in bills))
    status = "succeeded" if charge.approved else "declined"
    return [Payment(bill_id=b.id, user_id=request.user_id, method="card", amount=b.total, status=status,
                    card_last4=charge.last4, idempotency_key=key, request_hash=digest)
            for b, key in zip(bills, keys, strict=True)], charge.reason


def _deposit_payments(session: Session, request: PayRequest, bills: list[Bill], keys: list[str], digest: str,
                      issuer: AccountIssuer) -> list[Payment]:
    pending = pending_deposits(session, [b.id for b in bills])
    if pending:
        # Two open deposit accounts for one bill would invite two deposits.
        first = next(iter(pending.values()))
        raise PaymentRefused("deposit_pending", bank=first.va_bank, account=first.va_account)
    payments = []
    for bill, key in zip(bills, keys, strict=True):
        bank, account = issuer.issue(bill.total)
        payments.append(Payment(bill_id=bill.id, user_id=request.user_id, method="virtual_account",
                                amount=bill.total, status="pending", va_bank=bank, va_account=account,
                                idempotency_key=key, request_hash=digest))
    return payments


def payment_view(payment: Payment, reason: str | None = None) -> dict:
    view: dict[str, Any] = {"payment_id": payment.id, "bill_id": payment.bill_id, "method": payment.method,
                            "status": payment.status, "amount": payment.amount}
    if payment.card_last4:
        view["card_last4"] = payment.card_last4
    if payment.va_account:
        view["virtual_account"] = {"bank": payment.va_bank, "account": payment.va_account}
    if reason and payment.status == "declined":
        view["decline_reason"] = reason
    return view


def _single_body(payment: Payment, line: Line, reason: str | None) -> dict:
    return {**payment_view(payment, reason), "line_status": line.status}


def _overdue_body(payments: list[Payment], line: Line, reason: str | None) -> dict:
    return {"status": payments[0].status, "amount": sum(p.amount for p in payments), "line_status": line.status,
            "payments": [payment_view(p, reason) for p in payments]}


# ---- deposit confirmation -------------------------------------------------------------------------

def confirm_deposit(store: Store, user_id: int, payment_id: int, rules: BillingRules, now: datetime | None = None,
                    ip: str | None = None) -> Outcome:
    """The bank's "deposit received" for a virtual account: the payment succeeds and its bill is paid.
    Repeated notices answer 200 again (banks retry webhooks). The line is brought up to date first: an
    account whose bill has since gained a late fee is expired, and the deposit is refused (a real PG
    would refund it)."""
    now = now or utcnow()
    with store.read() as session:
        line_id = session.scalar(
            select(Bill.line_id).join(Payment, Payment.bill_id == Bill.id).join(Line, Line.id == Bill.line_id)
            .where(Payment.id == payment_id, Line.user_id == user_id))
    if line_id is None:
        raise PaymentRefused("not_found")
    refresh_bills(store, line_id, now, rules)
    return store.write_retrying(lambda session: _confirm_locked(session, user_id, line_id, payment_id, now, ip))


def _confirm_locked(session: Session, user_id: int, line_id: int, payment_id: int, now: datetime,
                    ip: str | None) -> Outcome:
    line = lock_line(session, line_id, user_id)
    payment = session.get(Payment, payment_id, populate_existing=True)
    if line is None or payment is None:
        raise PaymentRefused("not_found")
    if payment.method != "virtual_account":
        raise PaymentRefused("not_deposit")
    if payment.status == "succeeded":
        return Outcome(200, {**payment_view(payment), "line_status": line.status}, replayed=True)
    if payment.status != "pending":
        raise PaymentRefused("deposit_expired")
    bill = session.get(Bill, payment.bill_id, populate_existing=True)
    payment.status, payment.confirmed_at = "succeeded", now
    session.flush()  # before mark_paid, which expires the bill's other pending accounts
    if bill is None or bill.total != payment.amount or not mark_paid(session, bill, now):
        raise PaymentRefused("already_paid")
    sync_restriction(session, line)
    audit(session, "payment.confirm", user_id=user_id, line_id=line.id, ip=ip, payment_id=payment.id,
          bill_id=bill.id, amount=payment.amount)
    return Outcome(200, {**payment_view(payment), "line_status": line.status})

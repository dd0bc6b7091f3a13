"""Payment authorizations and cancellations: approve or decline atomically, answer retries the same way.

`authorize()` runs inside the caller's write transaction on a line the caller has locked
(`data.line_actions.lock_line`), so other rules (alerts) can look at the result in that same
transaction. `authorize_owned()` is the whole unit of work the API uses: lock, decide, hook, commit,
and the duplicate-`external_id` fallback.

Per request: one lock query, one query for (earlier answer, month usage, limit, arrears) and one insert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from data.audit import audit
from data.db import Store
from data.importing.normalize import merchant_key
from data.limits_policy import LimitSettings, effective_limit
from data.line_actions import lock_line
from data.models import Bill, CategoryRule, Line, LineLimit, Transaction, utcnow
from data.usage import NET_AMOUNT
from data.vocab import kst_today, usage_month

DECLINE_REASONS = ("blocked", "restricted_nonpayment", "limit_exceeded")
# Cancellation rows get their own external_id, so the (line_id, external_id) unique constraint
# also refuses a second cancellation of the same payment. Clients may not use the prefix.
CANCEL_PREFIX = "mb-cancel:"


@dataclass(frozen=True)
class AuthorizationRequest:
    merchant: str
    amount: int
    bucket: str
    external_id: str
    occurred_at: datetime | None = None  # None → now
    pg: str | None = None
    category: str = "other"
    product: str | None = None
    pay_type: str = "one_off"


@dataclass(frozen=True)
class AuthorizationResult:
    transaction_id: int
    approved: bool
    reason: str | None  # None | "blocked" | "restricted_nonpayment" | "limit_exceeded"
    created: bool  # False: a retry answered with the first decision
    transaction: Transaction
    usage_before: int | None = None  # the bucket's net usage that month before this one (new rows)
    limit: int | None = None  # the limit enforced (new rows)

    def body(self) -> dict:
        """The API answer; identical for a request and its retries."""
        return {"approved": self.approved, "reason": self.reason, "transaction_id": self.transaction_id}


def replay(row: Transaction) -> AuthorizationResult:
    return AuthorizationResult(row.id, row.status != "declined", row.decline_reason, False, row)


def _decide(line: Line, overdue: bool, usage: int, limit: int, amount: int) -> str | None:
    if line.status == "blocked":
        return "blocked"  # checked first: an attempt on a blocked line is the fraud signal to keep
    if line.status == "restricted" or overdue:
        return "restricted_nonpayment"
    if usage + amount > limit:
        return "limit_exceeded"
    return None


# One round trip after the lock, built once (statement construction costs more than the query):
# the earlier answer for this external_id, the bucket's net usage that month (aggregated on the
# (line_id, usage_month, bucket, status) index), the limit in force, and an overdue bill.
# It must run *after* the lock, as its own statement, so PostgreSQL's READ COMMITTED snapshot
# includes every decision committed while this request waited for the line.
_LINE = bindparam("line_id")
_CONTEXT = select(
    select(Transaction.id)
    .where(Transaction.line_id == _LINE, Transaction.external_id == bindparam("external_id"))
    .scalar_subquery(),
    select(func.coalesce(func.sum(NET_AMOUNT), 0))
    .where(Transaction.line_id == _LINE, Transaction.usage_month == bindparam("month"),
           Transaction.bucket == bindparam("bucket"))
    .scalar_subquery(),
    select(LineLimit.amount)
    .where(LineLimit.line_id == _LINE, LineLimit.bucket == bindparam("bucket"),
           LineLimit.effective_from <= bindparam("moment"))
    .order_by(LineLimit.effective_from.desc(), LineLimit.id.desc())
    .limit(1)
    .scalar_subquery(),
    # In arrears: an overdue bill, or an open one whose due date has passed although no close has run yet
    # (a laptop install has no cron; pages and the daily close apply the fee and the status later).
    exists().where(Bill.line_id == _LINE, or_(Bill.status == "overdue",
                                              and_(Bill.status == "open", Bill.due_date < bindparam("today")))),
    # The owner's "always file this merchant under …" rule (data.categorize), if any.
    select(CategoryRule.category)
    .where(CategoryRule.user_id == bindparam("user_id"), CategoryRule.merchant_key == bindparam("merchant_key"))
    .scalar_subquery(),
)


def authorize(session: Session, line: Line, request: AuthorizationRequest, rules: LimitSettings,
              now: datetime | None = None) -> AuthorizationResult:
    """Approve or decline `request` on `line`, which must already be locked in this transaction."""
    moment = request.occurred_at or now or utcnow()
    key = merchant_key(request.merchant)
    earlier_id, usage, limit_row, overdue, ruled = session.execute(_CONTEXT, {
        "line_id": line.id, "external_id": request.external_id, "month": usage_month(moment),
        "bucket": request.bucket, "moment": moment, "user_id": line.user_id, "merchant_key": key,
        "today": kst_today(moment),
    }).one()
    if earlier_id is not None:
        return replay(session.get(Transaction, earlier_id))
    limit = effective_limit(limit_row, rules, is_minor=line.is_minor)
    reason = _decide(line, bool(overdue), int(usage), limit, request.amount)
    row = _insert(session, line.id, request, moment, reason, key, ruled or request.category)
    return AuthorizationResult(row.id, reason is None, reason, True, row, int(usage), limit)


_INSERT = Transaction.__table__.insert()


def _insert(session: Session, line_id: int, request: AuthorizationRequest, moment: datetime,
            reason: str | None, key: str, category: str) -> Transaction:
    """INSERT the decision and return it as a persistent ORM row (for hooks) without a unit-of-work
    flush: a Core insert costs about half as much on this hot path."""
    values = {
        "line_id": line_id, "occurred_at": moment, "usage_month": usage_month(moment), "merchant": request.merchant,
        "merchant_key": key, "pg": request.pg, "product": request.product,
        "category": category, "bucket": request.bucket, "amount": request.amount,
        "status": "declined" if reason else "approved", "pay_type": request.pay_type, "source": "api",
        "external_id": request.external_id, "cancels_id": None, "refund": False, "decline_reason": reason,
        "created_at": utcnow(),
    }
    new_id = session.execute(_INSERT, values).inserted_primary_key[0]
    row = Transaction(id=new_id, **values)
    make_transient_to_detached(row)  # it exists in the database: attach it as such, no second INSERT
    session.add(row)
    return row


Hook = Callable[[Session, Line, AuthorizationResult], None]


def authorize_owned(store: Store, user_id: int, line_id: int, request: AuthorizationRequest,
                    rules: LimitSettings, *, now: datetime | None = None,
                    hook: Hook | None = None) -> AuthorizationResult | None:
    """The full unit of work: None when the line is not the user's. `hook` runs on new decisions
    inside the same transaction (alerts)."""
    try:
        with store.write() as session:
            line = lock_line(session, line_id, user_id)
            if line is None:
                return None
            result = authorize(session, line, request, rules, now)
            if hook is not None and result.created:
                hook(session, line, result)
            return result
    except IntegrityError:
        # A concurrent request with the same external_id committed first. The line lock makes
        # this rare, but the unique constraint is the guarantee: answer with the stored decision.
        with store.read() as session:
            row = session.scalar(select(Transaction).join(Line).where(
                Transaction.line_id == line_id, Transaction.external_id == request.external_id,
                Line.user_id == user_id))
            if row is None:
                raise
            return replay(row)


# ---- cancellation ------------------------------------------------------------------------------

class CancelRefused(Exception):
    def __init__(self, code: str) -> None:  # "not_found" | "not_payment" | "already_cancelled"
        super().__init__(code)
        self.code = code


def cancel_payment(session: Session, user_id: int, transaction_id: int, *, ip: str | None = None,
                   now: datetime | None = None, source: str = "api") -> Transaction:
    """Record a cancellation of an approved payment and return the cancellation row.

    Same KST month: the row offsets the payment (usage and the bill go down, limit comes back).
    A later month: a bank refund (`refund=True`) that leaves that month's bill alone.
    """
    now = now or utcnow()
    line_id = session.scalar(select(Transaction.line_id).join(Line).where(
        Transaction.id == transaction_id, Line.user_id == user_id))
    if line_id is None or lock_line(session, line_id, user_id) is None:
        raise CancelRefused("not_found")
    payment = session.get(Transaction, transaction_id, populate_existing=True)
    if payment is None or payment.status != "approved" or payment.cancels_id is not None:
        raise CancelRefused("not_payment")
    if session.scalar(select(Transaction.id).where(Transaction.cancels_id == payment.id).limit(1)):
        raise CancelRefused("already_cancelled")
    cancellation = Transaction(
        line_id=line_id, merchant=payment.merchant, merchant_key=payment.merchant_key, pg=payment.pg,
        product=payment.product, category=payment.category, bucket=payment.bucket, amount=payment.amount,
        status="cancelled", pay_type=payment.pay_type, source=source, external_id=f"{CANCEL_PREFIX}{payment.id}",
        cancels_id=payment.id, refund=usage_month(now) != payment.usage_month,
    )
    cancellation.set_time(now)
    session.add(cancellation)
    session.flush()
    audit(session, "transaction.cancel", user_id=user_id, line_id=line_id, ip=ip, transaction_id=payment.id,
          refund=cancellation.refund, amount=payment.amount)
    return cancellation

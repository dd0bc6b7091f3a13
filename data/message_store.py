"""Forwarded text messages in the store: the message row (intake audit and inbox), the charge or
cancellation it records, and the user's sender templates. Runs inside the caller's write transaction.

Fingerprint (what makes "the same message posted twice" one row and one charge): the whitespace-collapsed
text and the charge time to the minute — not the sender, which forwarding apps spell differently. A retry
from the phone carries the same text and the same received time; an identical text with no time in it that
arrives minutes later is a second purchase at the same price and counts again (docs/ingest.md).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import Insert, Table, and_, bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from data.categorize import category_for
from data.charge_matching import candidates, match_one
from data.importing.keywords import infer_category
from data.importing.message_templates import Template
from data.importing.messages import ParsedMessage
from data.importing.normalize import merchant_key
from data.models import Base, InboundMessage, Line, MessageTemplate, Transaction, utcnow

MESSAGE_SOURCE = "message"
IMPORT_SOURCE = "import"
EXTERNAL_PREFIX = "msg:"
# How far back a cancellation message looks for its payment: the 13 months a carrier page shows.
CANCEL_LOOKBACK = timedelta(days=400)
INBOX_LIMIT = 50
_SPACES = re.compile(r"\s+")


def fingerprint(text: str, occurred_at: datetime | None) -> str:
    minute = occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") if occurred_at else ""
    body = "\x1f".join((_SPACES.sub(" ", text).strip(), minute))
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


_EARLIER = select(InboundMessage.id).where(InboundMessage.line_id == bindparam("line_id"),
                                           InboundMessage.fingerprint == bindparam("print"))


def earlier_message(session: Session, line_id: int, print_: str) -> InboundMessage | None:
    # The id through Core first (the ORM's entity query costs more, and nearly every message is new).
    found = session.connection().scalar(_EARLIER, {"line_id": line_id, "print": print_})
    return None if found is None else session.get(InboundMessage, found)


def templates_for(session: Session, user_id: int, sender: str) -> list[Template]:
    """The user's templates for this normalised sender ("" too: MacroDroid forwards no sender)."""
    rows = session.execute(select(MessageTemplate.sender, MessageTemplate.pattern, MessageTemplate.bucket)
                           .where(MessageTemplate.user_id == user_id, MessageTemplate.sender == sender)
                           .order_by(MessageTemplate.id.desc()).limit(20))
    return [Template(sender=s, pattern=p, bucket=b) for s, p, b in rows]


def save_template(session: Session, user_id: int, template: Template) -> None:
    known = session.scalar(select(MessageTemplate.id).where(
        MessageTemplate.user_id == user_id, MessageTemplate.sender == template.sender,
        MessageTemplate.pattern == template.pattern))
    if known is None:
        session.add(MessageTemplate(user_id=user_id, sender=template.sender, pattern=template.pattern,
                                    bucket=template.bucket))


def same_charge(session: Session, line_id: int, parsed: ParsedMessage, at: datetime,
                window: timedelta) -> int | None:
    """An imported payment that is this message's charge and no earlier message's (data.charge_matching).
    Two messages are never one charge by this rule: a repeated purchase — a fraud burst — is several texts;
    the same text posted twice is caught by its fingerprint instead."""
    stored = candidates(session, line_id, at - window, at + window, sources=(IMPORT_SOURCE,))
    if not stored:
        return None
    claimed = set(session.scalars(select(InboundMessage.transaction_id).where(
        InboundMessage.line_id == line_id, InboundMessage.outcome == "duplicate",
        InboundMessage.transaction_id.in_([c.id for c in stored]))))
    found = match_one((c for c in stored if c.id not in claimed), at, parsed.amount or 0,
                      merchant_key(stored_merchant(parsed)), merchant_key(parsed.pg) if parsed.pg else "", window,
                      incoming_is_message=True)
    return found.id if found else None


def stored_merchant(parsed: ParsedMessage) -> str:
    """What the charge is filed under: the merchant, or the PG when the message names only the PG."""
    return (parsed.merchant or parsed.pg or "?")[:200]


def add_charge(session: Session, line: Line, parsed: ParsedMessage, at: datetime, print_: str) -> Transaction:
    """The payment the message reports, as approved: the carrier already took it (even on a line blocked
    here, or over the limit — the alerts say so)."""
    merchant = stored_merchant(parsed)
    key = merchant_key(merchant)
    tx = Transaction(
        line_id=line.id, merchant=merchant, merchant_key=key, pg=(parsed.pg or None), product=parsed.product,
        category=category_for(session, line.user_id, key) or infer_category(merchant, parsed.product),
        bucket=parsed.bucket, amount=parsed.amount, status="approved", pay_type=parsed.pay_type,
        source=MESSAGE_SOURCE, external_id=f"{EXTERNAL_PREFIX}{print_[:40]}", cancels_id=None, refund=False,
    )
    tx.set_time(at)
    insert_row(session, tx)
    return tx


def insert_row(session: Session, row: Base) -> int:
    """INSERT … RETURNING id of a new row that stays out of the session, through Core: the ORM's flush of one
    object costs about a sixth of a whole message. Columns left None take their defaults. The row's attributes
    stay readable (the alert rules read the charge) but later changes to it are not saved."""
    table = type(row).__table__
    values = {column.key: value for column in table.columns
              if column.key != "id" and (value := getattr(row, column.key)) is not None}
    row.id = session.connection().execute(_insert_returning_id(table), values).scalar_one()
    return row.id


@cache
def _insert_returning_id(table: Table) -> Insert:
    return table.insert().returning(table.c.id)  # built once per table: building it costs its cache key again


def payment_to_cancel(session: Session, line_id: int, parsed: ParsedMessage, at: datetime) -> int | None:
    """The latest payment, not yet cancelled, of this amount and merchant before the cancellation."""
    cancelled = aliased(Transaction)
    rows = session.execute(
        select(Transaction.id, Transaction.merchant_key)
        .where(Transaction.line_id == line_id, Transaction.amount == parsed.amount,
               Transaction.status == "approved", Transaction.cancels_id.is_(None),
               Transaction.occurred_at <= at + timedelta(minutes=5), Transaction.occurred_at >= at - CANCEL_LOOKBACK,
               ~exists().where(and_(cancelled.cancels_id == Transaction.id)))
        .order_by(Transaction.occurred_at.desc()).limit(50))
    wanted = {merchant_key(parsed.merchant)} if parsed.merchant else set()
    if parsed.pg:
        wanted.add(merchant_key(parsed.pg))
    for tx_id, key in rows:
        if not wanted or key in wanted:
            return tx_id
    return None


def new_message(line_id: int, *, received_at: datetime, sender: str | None, text: str, print_: str, channel: str,
                kind: str, amount: int | None = None, merchant: str | None = None,
                occurred_at: datetime | None = None) -> InboundMessage:
    """The message's row, not yet stored: the caller stores it (insert_row) once its outcome is known."""
    return InboundMessage(line_id=line_id, received_at=received_at, sender=(sender or None) and sender[:40],
                          text=text, fingerprint=print_, channel=channel, kind=kind, outcome="inbox",
                          amount=amount, merchant=merchant and merchant[:200], occurred_at=occurred_at,
                          created_at=utcnow())


def auth_codes_since(session: Session, line_id: int, start: datetime, end: datetime) -> list[datetime]:
    """Earlier authentication-code messages of the line (the one being handled is not stored yet)."""
    return list(session.scalars(select(InboundMessage.occurred_at).where(
        InboundMessage.line_id == line_id, InboundMessage.kind == "auth_code",
        InboundMessage.received_at >= start - timedelta(hours=1), InboundMessage.occurred_at >= start,
        InboundMessage.occurred_at <= end).limit(100)))


def inbox_messages(session: Session, line_id: int) -> list[InboundMessage]:
    return list(session.scalars(select(InboundMessage).where(
        InboundMessage.line_id == line_id, InboundMessage.outcome == "inbox")
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc()).limit(INBOX_LIMIT)))


def owned_message(session: Session, user_id: int, message_id: object) -> InboundMessage | None:
    try:
        message_id = int(message_id)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return session.scalar(select(InboundMessage).join(Line, Line.id == InboundMessage.line_id)
                          .where(InboundMessage.id == message_id, Line.user_id == user_id))

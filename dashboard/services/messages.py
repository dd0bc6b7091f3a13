"""Payment text messages forwarded from the phone: read, record, alert — in one transaction per message.

    receive_message(store, settings, user_id, line_id, text, *, sender=None, received_at=None, channel="api")
        -> MessageResult                      # the API route
    receive_by_token(store, settings, token, text, *, sender=None, received_at=None) -> MessageResult
                                              # /ingest/<token>: the token names the line
    try_message(store, settings, user_id, line_id, text, sender=None, received_at=None) -> MessageResult
                                              # the set-up page's "send a test message": nothing stored
    inbox(store, user_id, line_id) -> list[InboxItem]     # what the parser could not read, newest first
    teach_message(store, settings, user_id, message_id, amount_text, merchant_text, bucket="micropayment")
        -> MessageResult                      # the user marks amount and merchant once: a template + the charge
    dismiss_message(store, user_id, message_id) -> None

A charge message becomes an approved transaction (source "message") unless the same payment is already stored
(a file import, or the message posted before): then it is a duplicate. The alert rules run on it inside the same
transaction, and their mail and webhooks go out right after commit (dashboard.alerts.engine). A cancellation
message cancels the matching payment; an authentication code, a smishing text and a charge on a line blocked here
raise their own alerts (dashboard.alerts.message_rules). Refusals: Invalid("messages.err.*") for a text that is
empty, binary or too long; NotFound for another user's line or message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dashboard.alerts import message_rules
from dashboard.alerts.engine import charge_of, evaluate, store_findings
from dashboard.alerts.rules import FraudParams
from dashboard.alerts.text import line_label
from dashboard.services.access import line_if_allowed
from dashboard.services.errors import Invalid, NotFound
from dashboard.settings import Settings
from data import intake_tokens, message_store
from data.access import Permission
from data.authorize import CancelRefused, cancel_payment
from data.charge_matching import DEFAULT_WINDOW
from data.db import Store
from data.importing.message_templates import learn_template
from data.importing.messages import ParsedMessage, normalise_sender, parse_message
from data.line_actions import lock_line
from data.models import InboundMessage, Line, utcnow
from data.vocab import BUCKETS, to_kst

LINE_NOT_FOUND = "actions.line_not_found"
MESSAGE_NOT_FOUND = "messages.err.not_found"
MAX_SENDER = 40
# Control characters a real text message never has (tabs and newlines are fine): a sign of binary input.
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}


@dataclass(frozen=True)
class MessageResult:
    kind: str  # data.vocab.MESSAGE_KINDS
    transaction_id: int | None
    amount: int | None
    merchant: str | None
    occurred_at: datetime | None
    outcome: str  # stored | duplicate | unmatched | event | ignored | smishing | inbox | learned | preview
    created: bool  # False: this message was posted before (the first answer again), or a preview
    message_id: int | None = None
    alert_ids: tuple[int, ...] = ()
    flags: tuple[str, ...] = ()  # "blocked_line": the carrier charged a line that is blocked here

    def body(self) -> dict:
        """The API answer (the same for a message and its repeats)."""
        return {"kind": self.kind, "transaction_id": self.transaction_id, "amount": self.amount,
                "merchant": self.merchant,
                "occurred_at": to_kst(self.occurred_at).isoformat() if self.occurred_at else None,
                "outcome": self.outcome, "flags": list(self.flags)}


@dataclass(frozen=True)
class InboxItem:
    id: int
    received_at: datetime
    sender: str | None
    text: str


@dataclass
class _Recorded:
    """What handling one parsed message produced (filled by the per-kind handlers)."""

    outcome: str
    transaction_id: int | None = None
    alerts: list = field(default_factory=list)
    flags: tuple[str, ...] = ()


# ---- validation ---------------------------------------------------------------------------------

def check_text(text: object, sender: object, settings: Settings) -> tuple[str, str | None]:
    """The message text and sender, or Invalid with the reason (nothing is stored for a refusal)."""
    if not isinstance(text, str) or not text.strip():
        raise Invalid("messages.err.empty")
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: not text a phone sends
        raise Invalid("messages.err.binary") from None
    if size > settings.ingest_max_bytes:
        raise Invalid("messages.err.too_large", limit=settings.ingest_max_bytes // 1024)
    if any(ch in _CONTROL for ch in text):
        raise Invalid("messages.err.binary")
    if sender is not None and (not isinstance(sender, str) or len(sender) > MAX_SENDER or not _encodes(sender)
                               or any(ch in _CONTROL or ch in "\t\n\r" for ch in sender)):
        raise Invalid("messages.err.sender", limit=MAX_SENDER)
    return text, (sender.strip() or None) if isinstance(sender, str) else None


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: PostgreSQL would refuse it (a 500)
        return False
    return True


def _moment(received_at: datetime | None, now: datetime) -> datetime:
    if received_at is None:
        return now
    if received_at > now + timedelta(minutes=5):
        raise Invalid("actions.future_time")
    return received_at


# ---- the use cases ------------------------------------------------------------------------------

def receive_message(store: Store, settings: Settings, user_id: int, line_id: object, text: object, *,
                    sender: object = None, received_at: datetime | None = None, channel: str = "api",
                    now: datetime | None = None) -> MessageResult:
    return _receive(store, settings, lambda db, now: _locked_line(db, user_id, line_id), text, sender,
                    received_at, channel, now)


def receive_by_token(store: Store, settings: Settings, token: str, text: object, *, sender: object = None,
                     received_at: datetime | None = None, now: datetime | None = None) -> MessageResult:
    """/ingest/<token>: the token names the line, inside the message's own transaction (NotFound
    "messages.err.token" for a wrong or revoked one)."""
    return _receive(store, settings, lambda db, now: _token_line(db, token, now), text, sender, received_at,
                    "ingest", now)


def _receive(store: Store, settings: Settings, find_line: Callable[[Session, datetime], Line], text: object,
             sender: object, received_at: datetime | None, channel: str, now: datetime | None) -> MessageResult:
    now = now or utcnow()
    with store.write() as db:
        line = find_line(db, now)  # first: another user's line or a wrong token is a 404 whatever the text
        text, sender = check_text(text, sender, settings)
        received = _moment(received_at, now)
        parsed = _parse(db, line, text, sender, received)
        at = parsed.occurred_at or received
        print_ = message_store.fingerprint(text, at if parsed.kind != "ignored" else None)
        earlier = message_store.earlier_message(db, line.id, print_)
        if earlier is not None:
            return _replay(earlier)
        # Built before the handlers run, stored after them: one INSERT, with its outcome.
        message = message_store.new_message(line.id, received_at=received, sender=sender, text=text,
                                            print_=print_, channel=channel, kind=parsed.kind, amount=parsed.amount,
                                            merchant=parsed.merchant, occurred_at=at)
        done = _handle(db, line, parsed, at, message, settings, now)
        message.outcome, message.transaction_id = done.outcome, done.transaction_id
        message_store.insert_row(db, message)
        return _result(parsed.kind, message, done)


def _parse(db: Session, line: Line, text: str, sender: str | None, received: datetime) -> ParsedMessage:
    """The built-in reading first; the user's templates for this sender only for a text it cannot read."""
    parsed = parse_message(text, received_at=received, sender=sender)
    if parsed.kind != "unrecognised":
        return parsed
    templates = message_store.templates_for(db, line.user_id, normalise_sender(sender))
    return parse_message(text, received_at=received, sender=sender, templates=templates) if templates else parsed


def try_message(store: Store, settings: Settings, user_id: int, line_id: object, text: object,
                sender: object = None, received_at: datetime | None = None) -> MessageResult:
    now = utcnow()
    text, sender = check_text(text, sender, settings)
    received = _moment(received_at, now)
    with store.read() as db:
        line = line_if_allowed(db, user_id, line_id, Permission.MANAGE)
        if line is None:
            raise NotFound(LINE_NOT_FOUND)
        parsed = _parse(db, line, text, sender, received)  # read as a posted message would be
    return MessageResult(parsed.kind, None, parsed.amount, parsed.merchant or parsed.pg,
                         parsed.occurred_at or received, "preview", False)


def inbox(store: Store, user_id: int, line_id: object) -> list[InboxItem]:
    with store.read() as db:
        line = line_if_allowed(db, user_id, line_id, Permission.MANAGE)
        if line is None:
            raise NotFound(LINE_NOT_FOUND)
        return [InboxItem(m.id, m.received_at, m.sender, m.text) for m in message_store.inbox_messages(db, line.id)]


def teach_message(store: Store, settings: Settings, user_id: int, message_id: object, amount_text: str,
                  merchant_text: str, bucket: str = "micropayment", *, now: datetime | None = None) -> MessageResult:
    """Learn the sender's template from this inbox message and record its charge."""
    now = now or utcnow()
    if bucket not in BUCKETS:
        raise Invalid("messages.err.bucket")
    with store.write() as db:
        message = message_store.owned_message(db, user_id, message_id)
        if message is None or message.outcome != "inbox":
            raise NotFound(MESSAGE_NOT_FOUND)
        line = _locked_line(db, user_id, message.line_id)
        try:
            template = learn_template(message.text, message.sender, (amount_text or "").strip(),
                                      (merchant_text or "").strip(), bucket)
        except ValueError as bad:
            raise Invalid(str(bad)) from None
        parsed = parse_message(message.text, received_at=message.received_at, sender=message.sender,
                               templates=[template])
        if parsed.kind != "charge" or not parsed.amount:
            raise Invalid("messages.err.template_unread")
        message_store.save_template(db, line.user_id, template)
        at = parsed.occurred_at or message.received_at
        done = _charge(db, line, parsed, at, message, settings, now)
        done.outcome = "learned" if done.outcome == "stored" else done.outcome
        message.kind, message.outcome, message.transaction_id = "charge", done.outcome, done.transaction_id
        message.amount, message.merchant, message.occurred_at = parsed.amount, parsed.merchant, at
        return _result("charge", message, done)


def dismiss_message(store: Store, user_id: int, message_id: object) -> None:
    with store.write() as db:
        message = message_store.owned_message(db, user_id, message_id)
        if message is None or message.outcome != "inbox":
            raise NotFound(MESSAGE_NOT_FOUND)
        message.outcome = "dismissed"


# ---- handling one message -----------------------------------------------------------------------

def _token_line(db: Session, token: str, now: datetime) -> Line:
    line = intake_tokens.use_token(db, token, now)
    if line is None:
        raise NotFound("messages.err.token")
    return line


def _locked_line(db: Session, user_id: int, line_id: object) -> Line:
    try:
        line = lock_line(db, int(line_id), user_id)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        line = None
    if line is None:  # not the caller's line; only then is their role read
        line_if_allowed(db, user_id, line_id, Permission.MANAGE)  # a member: 403, not 404
        raise NotFound(LINE_NOT_FOUND)
    return line


def _handle(db: Session, line: Line, parsed: ParsedMessage, at: datetime, message: InboundMessage,
            settings: Settings, now: datetime) -> _Recorded:
    if parsed.kind == "charge" and parsed.amount:
        return _charge(db, line, parsed, at, message, settings, now)
    if parsed.kind == "cancellation" and parsed.amount:
        return _cancellation(db, line, parsed, at)
    if parsed.kind == "auth_code":
        return _auth_code(db, line, at, message, settings)
    if parsed.kind == "ignored" and parsed.reason == "smishing":
        finding = message_rules.smishing_warning(line_label(line), at, message.sender or "")
        return _Recorded("smishing", alerts=store_findings(db, line, [finding], settings))
    if parsed.kind in ("ignored", "subscription_notice"):
        return _Recorded("ignored" if parsed.kind == "ignored" else "event")
    return _Recorded("inbox")  # unrecognised (or a charge without an amount): the user reads it once


def _charge(db: Session, line: Line, parsed: ParsedMessage, at: datetime, message: InboundMessage,
            settings: Settings, now: datetime) -> _Recorded:
    same = message_store.same_charge(db, line.id, parsed, at, DEFAULT_WINDOW)
    if same is not None:
        return _Recorded("duplicate", same)
    tx = message_store.add_charge(db, line, parsed, at, message.fingerprint)
    alerts = evaluate(db, line, tx, now, settings)
    flags: tuple[str, ...] = ()
    if line.status == "blocked":
        flags = ("blocked_line",)
        alerts += store_findings(db, line, [message_rules.blocked_charge(line_label(line), charge_of(tx))], settings)
    return _Recorded("stored", tx.id, alerts, flags)


def _cancellation(db: Session, line: Line, parsed: ParsedMessage, at: datetime) -> _Recorded:
    payment_id = message_store.payment_to_cancel(db, line.id, parsed, at)
    if payment_id is None:
        return _Recorded("unmatched")
    try:
        row = cancel_payment(db, line.user_id, payment_id, now=at, source=message_store.MESSAGE_SOURCE)
    except CancelRefused:
        return _Recorded("duplicate", payment_id)
    return _Recorded("stored", row.id)


def _auth_code(db: Session, line: Line, at: datetime, message: InboundMessage, settings: Settings) -> _Recorded:
    params = message_rules.AuthCodeParams.from_settings(settings)
    earlier = message_store.auth_codes_since(db, line.id, at - params.window, at)
    finding = message_rules.auth_code_signal(line_label(line), at, earlier, FraudParams.from_settings(settings),
                                             params)
    return _Recorded("event", alerts=store_findings(db, line, [finding], settings) if finding else [])


def _result(kind: str, message: InboundMessage, done: _Recorded) -> MessageResult:
    return MessageResult(kind, done.transaction_id, message.amount, message.merchant, message.occurred_at,
                         done.outcome, True, message.id, tuple(alert.id for alert in done.alerts), done.flags)


def _replay(message: InboundMessage) -> MessageResult:
    return MessageResult(message.kind, message.transaction_id, message.amount, message.merchant,
                         message.occurred_at, message.outcome, False, message.id)

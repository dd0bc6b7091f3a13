"""SQLAlchemy 2 typed models. Amounts are integer won; times are stored in UTC.

The schema is created only by Alembic migrations (data/migrations), never by `create_all`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from data.vocab import usage_month

# Stable constraint names so migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC — SQLite keeps no offsets, so we normalise on both ends."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


# The largest value an `Integer` column holds on every backend (PostgreSQL INTEGER is 32-bit): ids and amounts
# that arrive from outside are bounded by it, or the database refuses them with an error instead of "not found".


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_day: Mapped[int | None] = mapped_column(Integer)  # None → settings.due_day
    # Accounts (issue #12). None: not confirmed yet (registration with MICROBILL_REQUIRE_EMAIL_CONFIRMATION).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # TOTP (RFC 6238): the base32 secret; enabled only once a first code was entered.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last TOTP time step accepted: a code is never accepted twice (replay), even within its window.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    lines: Mapped[list[Line]] = relationship(back_populates="owner", order_by="Line.id")


class UserSession(Base):
    """A server-side login session: logout deletes the row, so a copied cookie stops working."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last password entry: unblocking and raising limits need a recent one.
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Idle timeout and absolute lifetime (issue #12): refused once either has passed.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # Last second-factor entry (TOTP, recovery code or passkey): unblock and raising a limit need a recent one.
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Line(Base):
    __tablename__ = "lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(8))
    # Only the masked form (010-****-5678) is kept: nothing here needs the full number.
    number_masked: Mapped[str] = mapped_column(String(20))
    nickname: Mapped[str] = mapped_column(String(40), default="")
    is_minor: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    block_reason: Mapped[str | None] = mapped_column(String(40))

    owner: Mapped[User] = relationship(back_populates="lines")
    limits: Mapped[list[LineLimit]] = relationship(
        back_populates="line", order_by="LineLimit.effective_from", cascade="all, delete-orphan"
    )


class LineLimit(Base):
    """A monthly limit per bucket, effective from a moment: the history of limits is kept."""

    __tablename__ = "line_limits"
    __table_args__ = (Index("ix_line_limits_line_bucket_from", "line_id", "bucket", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    bucket: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[Line] = relationship(back_populates="limits")


class Transaction(Base):
    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("line_id", "external_id", name="uq_transactions_line_external"),
        Index("ix_transactions_line_occurred", "line_id", "occurred_at"),
        # Covers the monthly sums (overview, bills) without touching the table: measured 198 → 36 ms p95
        # for a 100k-row line (benchmarks/overview_callbacks.py). bucket before status, or SQLite skips it.
        Index("ix_transactions_line_month_cover", "line_id", "usage_month", "bucket", "status", "amount", "refund",
              "cancels_id", "category", "occurred_at"),
        # Grid sorting/filtering and category-rule updates on big lines (benchmarks/transactions_page.py).
        Index("ix_transactions_line_amount", "line_id", "amount"),
        # Quick search (LIKE over merchant and product) is an index-only scan of this one (migration 0004).
        Index("ix_transactions_line_merchant_product", "line_id", "merchant", "product"),
        Index("ix_transactions_line_category", "line_id", "category", "occurred_at"),
        Index("ix_transactions_line_merchant_key", "line_id", "merchant_key"),
        # A merchant's latest charges, newest first: the subscription alerts' history (migration 0006).
        Index("ix_transactions_line_merchant_occurred", "line_id", "merchant", "occurred_at"),
        # Charges read from text messages: an import looks them up to drop the same payment (data.charge_matching).
        Index("ix_transactions_line_message_occurred", "line_id", "occurred_at",
              sqlite_where=text("source = 'message'"), postgresql_where=text("source = 'message'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # KST calendar month of occurred_at, kept so monthly sums use the index instead of date maths.
    usage_month: Mapped[str] = mapped_column(String(7))
    merchant: Mapped[str] = mapped_column(String(200))
    merchant_key: Mapped[str] = mapped_column(String(200), default="")
    pg: Mapped[str | None] = mapped_column(String(60))
    product: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20), default="other")
    bucket: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    pay_type: Mapped[str] = mapped_column(String(12), default="one_off")
    source: Mapped[str] = mapped_column(String(8))
    external_id: Mapped[str] = mapped_column(String(100))
    # For a cancellation entry: the payment it cancels. A same-month one reduces the bill;
    # a later one is a bank refund (`refund`) and leaves the bill alone.
    cancels_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id", ondelete="SET NULL"))
    refund: Mapped[bool] = mapped_column(Boolean, default=False)
    decline_reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line: Mapped[Line] = relationship()

    def set_time(self, moment: datetime) -> None:
        self.occurred_at = moment
        self.usage_month = usage_month(moment)


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_line_at", "line_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    ip: Mapped[str | None] = mapped_column(String(45))


class ApiToken(Base):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: never (only if asked for)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Base):
    """One of ten single-use second-factor recovery codes; only its SHA-256 is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Passkey(Base):
    """A WebAuthn credential (passkey) of a user: first or second factor."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(String(700), unique=True)  # base64url
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # COSE key
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    transports: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    name: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LineMember(Base):
    """A person other than the owner who may see a line: `role` guardian | viewer (docs/families.md)."""

    __tablename__ = "line_members"
    __table_args__ = (UniqueConstraint("line_id", "user_id", name="uq_line_members_line_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LineInvitation(Base):
    """An invitation by e-mail to become a member of a line; the mailed token is signed and single-use."""

    __tablename__ = "line_invitations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # random; the signed token carries it
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    invited_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Bill(Base):
    """One line's bill for one usage month: per-bucket usage + unpaid carried over + late fee."""

    __tablename__ = "bills"
    __table_args__ = (UniqueConstraint("line_id", "usage_month", name="uq_bills_line_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    usage_month: Mapped[str] = mapped_column(String(7))
    micropayment_amount: Mapped[int] = mapped_column(Integer, default=0)
    content_amount: Mapped[int] = mapped_column(Integer, default=0)
    carried_over: Mapped[int] = mapped_column(Integer, default=0)
    # The bill whose unpaid total was carried into this one (it is settled by paying this one).
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id", ondelete="SET NULL"))
    late_fee: Mapped[int] = mapped_column(Integer, default=0)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | paid | overdue | carried
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def total(self) -> int:
        return self.micropayment_amount + self.content_amount + self.carried_over + self.late_fee


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_payments_user_key"),
        # At most one successful payment per bill, enforced by the database itself.
        Index("uq_payments_bill_succeeded", "bill_id", unique=True,
              sqlite_where=text("status = 'succeeded'"), postgresql_where=text("status = 'succeeded'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(20))  # card | virtual_account
    amount: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # succeeded | pending | declined
    card_last4: Mapped[str | None] = mapped_column(String(4))
    va_bank: Mapped[str | None] = mapped_column(String(20))
    va_account: Mapped[str | None] = mapped_column(String(30))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Budget(Base):
    """A line's monthly budget (≤ its limit) and alert thresholds."""

    __tablename__ = "budgets"

    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)
    thresholds: Mapped[str] = mapped_column(String(60))  # percents; new budgets take Settings.budget_thresholds
    large_charge: Mapped[int | None] = mapped_column(Integer)  # "single charge over X" won
    notify_new_merchant: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(Base):
    """An alert of one recipient (the line's owner or a guardian, docs/families.md); `rule_key` (rule,
    threshold, month) is unique per line and recipient so each fires once for each of them."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("line_id", "rule_key", "user_id", name="uq_alerts_line_rule"),
        Index("ix_alerts_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    rule_key: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(Base):
    """Outbox: written with the alert, delivered (mail/webhook) after commit, retried on failure."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))  # email | webhook
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BlockLink(Base):
    """A single-use "block now" link sent with an alert; the signed token carries this id."""

    __tablename__ = "block_links"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whose mail carries it (the owner or a guardian); the link works only while they may block the line.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))


class CategoryRule(Base):
    """"Always file merchant X under Y", per user, applied to past and future rows."""

    __tablename__ = "category_rules"
    __table_args__ = (UniqueConstraint("user_id", "merchant_key", name="uq_category_rules_user_merchant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    merchant_key: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportMapping(Base):
    """A remembered column mapping for files whose headers we did not recognise."""

    __tablename__ = "import_mappings"
    __table_args__ = (UniqueConstraint("user_id", "signature", name="uq_import_mappings_user_signature"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    signature: Mapped[str] = mapped_column(String(64))  # hash of the header row
    mapping: Mapped[str] = mapped_column(Text)  # JSON {raw header: field}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecurringExclusion(Base):
    """A recurring charge the user marked: "cancelled" (left out of the forecast) or "not_subscription"
    (not listed as a subscription, no subscription alerts: data/subscriptions.py)."""

    __tablename__ = "recurring_exclusions"
    __table_args__ = (UniqueConstraint("line_id", "merchant", name="uq_recurring_exclusions_line_merchant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    merchant: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(20), default="cancelled", server_default="cancelled")


class IntakeToken(Base):
    """A line's secret intake URL (/ingest/<token>) for phone automations that cannot send headers.
    Only the SHA-256 is stored; the token is shown once. Rotating revokes the old one."""

    __tablename__ = "intake_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundMessage(Base):
    """Every text message forwarded for a line, with what came of it: the intake's audit and the inbox
    (outcome "inbox": not understood, waiting for the user to mark amount and merchant)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        # The same message posted twice is one row (and one charge): fingerprint of sender, text and time.
        UniqueConstraint("line_id", "fingerprint", name="uq_inbound_messages_line_fingerprint"),
        Index("ix_inbound_messages_line_received", "line_id", "received_at"),
        Index("ix_inbound_messages_line_outcome", "line_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sender: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))  # api | ingest
    kind: Mapped[str] = mapped_column(String(20))  # data.vocab.MESSAGE_KINDS
    # stored | duplicate | unmatched (a cancellation of nothing known) | event | ignored | smishing | inbox | learned
    outcome: Mapped[str] = mapped_column(String(12))
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id", ondelete="SET NULL"))
    amount: Mapped[int | None] = mapped_column(Integer)
    merchant: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageTemplate(Base):
    """A sender's message shape, taught once from an inbox message (amount and merchant marked):
    the sender's next messages are read by it (data/importing/messages.py)."""

    __tablename__ = "message_templates"
    __table_args__ = (Index("ix_message_templates_user_sender", "user_id", "sender"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sender: Mapped[str] = mapped_column(String(40))  # normalised: digits of a number, or the name
    pattern: Mapped[str] = mapped_column(Text)  # a regular expression with groups `amount` and `merchant`
    bucket: Mapped[str] = mapped_column(String(16), default="micropayment")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportJob(Base):
    """An API history import run in the background (issue #13): the upload waits here (every host sees the
    database) until a worker claims it; the answer the inline route would have given is kept as `result`."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_user_id", "user_id"), Index("ix_import_jobs_line_id", "line_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    line_id: Mapped[int] = mapped_column(ForeignKey("lines.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(8), default="queued")  # queued | running | done | failed
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # the upload; dropped once the job ends
    mapping: Mapped[str | None] = mapped_column(Text)  # JSON {raw header: field}, already checked
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    lang: Mapped[str] = mapped_column(String(2), default="ko")  # the language of the result's messages
    result_status: Mapped[int | None] = mapped_column(Integer)  # 201 | 200 | 422 | 404 | 403 | 500
    result: Mapped[str | None] = mapped_column(Text)  # JSON: the body the inline route would have answered
    rows_stored: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int | None] = mapped_column(Integer)  # known once the file is read
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

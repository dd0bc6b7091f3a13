"""SQLAlchemy 2 typed models. Amounts are integer won; times are stored in UTC.

The schema is created only by Alembic migrations (data/migrations), never by `create_all`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
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

    lines: Mapped[list[Line]] = relationship(back_populates="owner", order_by="Line.id")


class UserSession(Base):
    """A server-side login session: logout deletes the row, so a copied cookie stops working."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last password entry: unblocking and raising limits need a recent one.
    authenticated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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
        Index("ix_transactions_line_month", "line_id", "usage_month", "bucket", "status"),
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

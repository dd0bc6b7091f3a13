"""Everything the store holds of one user: read it all (the export) and remove it all (the erasure).

OWNED lists every table with rows of a user and how they are found (directly by user_id, through the user's
lines, or through the user's alerts / bills). Deleting goes child-first, table by table, in the caller's one
transaction, so it does not lean on ON DELETE CASCADE (the same on SQLite and PostgreSQL, and counted per
table). The audit log is kept for the record of what happened, anonymised: no user id, line id, address or
details. Columns that are secrets (hashes of passwords, tokens and codes, the TOTP secret, session ids,
public keys) are never exported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from data.models import (
    Alert,
    ApiToken,
    AuditLog,
    Base,
    Bill,
    BlockLink,
    Budget,
    CategoryRule,
    ImportJob,
    ImportMapping,
    InboundMessage,
    IntakeToken,
    Line,
    LineInvitation,
    LineLimit,
    LineMember,
    MessageTemplate,
    Notification,
    Passkey,
    Payment,
    RecoveryCode,
    RecurringExclusion,
    Transaction,
    User,
    UserSession,
)

SECRET_COLUMNS = {"password_hash", "totp_secret", "token_hash", "code_hash", "public_key"}
SECRET_BY_TABLE = {"user_sessions": {"id"}}  # a session id is the cookie's credential


def _lines(user_id: int):
    return select(Line.id).where(Line.user_id == user_id).scalar_subquery()


def _alerts(user_id: int):
    return select(Alert.id).where((Alert.user_id == user_id) | Alert.line_id.in_(_lines(user_id))).scalar_subquery()


def _bills(user_id: int):
    return select(Bill.id).where(Bill.line_id.in_(_lines(user_id))).scalar_subquery()


@dataclass(frozen=True)
class Owned:
    model: type[Base]
    rows_of: Callable[[int], ColumnElement[bool]]


# Children before parents: the order rows are deleted in.
OWNED: tuple[Owned, ...] = (
    Owned(Notification, lambda u: Notification.alert_id.in_(_alerts(u))),
    Owned(BlockLink, lambda u: BlockLink.line_id.in_(_lines(u)) | (BlockLink.user_id == u)),
    Owned(Alert, lambda u: (Alert.user_id == u) | Alert.line_id.in_(_lines(u))),  # guardians' copies too
    Owned(LineInvitation, lambda u: LineInvitation.line_id.in_(_lines(u)) | (LineInvitation.invited_by == u)),
    Owned(LineMember, lambda u: LineMember.line_id.in_(_lines(u)) | (LineMember.user_id == u)),
    Owned(Payment, lambda u: (Payment.user_id == u) | Payment.bill_id.in_(_bills(u))),
    Owned(Bill, lambda u: Bill.line_id.in_(_lines(u))),
    Owned(InboundMessage, lambda u: InboundMessage.line_id.in_(_lines(u))),
    Owned(Transaction, lambda u: Transaction.line_id.in_(_lines(u))),
    Owned(LineLimit, lambda u: LineLimit.line_id.in_(_lines(u))),
    Owned(Budget, lambda u: Budget.line_id.in_(_lines(u))),
    Owned(RecurringExclusion, lambda u: RecurringExclusion.line_id.in_(_lines(u))),
    Owned(IntakeToken, lambda u: IntakeToken.line_id.in_(_lines(u))),
    Owned(MessageTemplate, lambda u: MessageTemplate.user_id == u),
    Owned(CategoryRule, lambda u: CategoryRule.user_id == u),
    Owned(ImportJob, lambda u: (ImportJob.user_id == u) | ImportJob.line_id.in_(_lines(u))),
    Owned(ImportMapping, lambda u: ImportMapping.user_id == u),
    Owned(ApiToken, lambda u: ApiToken.user_id == u),
    Owned(RecoveryCode, lambda u: RecoveryCode.user_id == u),
    Owned(Passkey, lambda u: Passkey.user_id == u),
    Owned(UserSession, lambda u: UserSession.user_id == u),
    Owned(Line, lambda u: Line.user_id == u),
    Owned(User, lambda u: User.id == u),
)


def _audit_rows(user_id: int) -> ColumnElement[bool]:
    return (AuditLog.user_id == user_id) | AuditLog.line_id.in_(_lines(user_id))


def exported_columns(model: type[Base]) -> list[str]:
    table = model.__table__
    hidden = SECRET_COLUMNS | SECRET_BY_TABLE.get(table.name, set())
    return [column.name for column in table.columns if column.name not in hidden]


def export_columns() -> dict[str, list[str]]:
    """{table name: exported columns}, also for tables where the user has no rows (a CSV of headers only)."""
    return {owned.model.__tablename__: exported_columns(owned.model) for owned in (*reversed(OWNED), Owned(
        AuditLog, _audit_rows))}


def export_tables(session: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """{table name: rows as dicts} of everything of the user, the audit log included; secrets left out."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for owned in (*reversed(OWNED), Owned(AuditLog, _audit_rows)):
        table = owned.model.__table__
        columns = [table.c[name] for name in exported_columns(owned.model)]
        query = select(*columns).where(owned.rows_of(user_id)).order_by(*table.primary_key.columns)
        tables[table.name] = [dict(row._mapping) for row in session.execute(query)]
    return tables


def erase_user(session: Session, user_id: int) -> dict[str, int]:
    """Delete every row of the user and anonymise their audit rows, in the caller's transaction.
    Returns the rows removed per table (and "audit_log": rows anonymised)."""
    anonymised = session.execute(update(AuditLog).where(_audit_rows(user_id))
                                 .values(user_id=None, line_id=None, ip=None, detail="{}")).rowcount or 0
    removed = {owned.model.__tablename__: session.execute(delete(owned.model).where(owned.rows_of(user_id))
                                                          .execution_options(synchronize_session=False)).rowcount
               or 0 for owned in OWNED}
    return {**removed, AuditLog.__tablename__: anonymised}

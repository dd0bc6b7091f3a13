"""Who may do what on a line: the owner, a guardian or a viewer (docs/families.md).

The one place roles turn into permissions. Every service asks `line_with(db, user_id, line_id, permission)`;
no handler compares roles itself.

    role_on(db, user_id, line_id) -> "owner" | "guardian" | "viewer" | None
    line_with(db, user_id, line_id, permission) -> Access      # .line None: no role (404); .allowed False: 403
    visible_line_ids(user_id) -> SQL subquery                  # the lines a user sees: own + shared
    lines_visible(db, user_id) -> list[(Line, role)]           # own lines first, then shared ones
    guardians_of(db, line_id) -> list[User]
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, select, union_all
from sqlalchemy.orm import Session

from data.lines import as_row_id
from data.models import Bill, Line, LineMember, Payment, Transaction, User
from data.vocab import LINE_ROLES

OWNER, GUARDIAN, VIEWER = LINE_ROLES
MEMBER_ROLES = (GUARDIAN, VIEWER)


class Permission(StrEnum):
    VIEW = "view"  # charts, transactions, bills, forecasts, exports, its alerts
    BLOCK = "block"  # no password: blocking must be easy for anyone who watches the line
    LOWER_LIMIT = "lower_limit"
    RAISE_LIMIT = "raise_limit"  # with the asker's own fresh password (+ second factor)
    UNBLOCK = "unblock"  # with the asker's own password (+ second factor)
    SET_BUDGET = "set_budget"
    RECEIVE_ALERTS = "receive_alerts"  # in the app and by mail, with a block-now link
    MANAGE = "manage"  # everything else that changes the line: imports, messages, payments, members, categories


_GUARDIAN = frozenset({Permission.VIEW, Permission.BLOCK, Permission.LOWER_LIMIT, Permission.RAISE_LIMIT,
                       Permission.UNBLOCK, Permission.SET_BUDGET, Permission.RECEIVE_ALERTS})
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    OWNER: frozenset(Permission),
    GUARDIAN: _GUARDIAN,
    VIEWER: frozenset({Permission.VIEW}),
}


def allows(role: str | None, permission: Permission) -> bool:
    return role is not None and permission in ROLE_PERMISSIONS.get(role, frozenset())


@dataclass(frozen=True)
class Access:
    """The line (None when the user has no role on it, or the id is malformed) and the user's role."""

    line: Line | None
    role: str | None
    permission: Permission

    @property
    def allowed(self) -> bool:
        return self.line is not None and allows(self.role, self.permission)


def line_with(db: Session, user_id: int, line_id: object, permission: Permission) -> Access:
    """The line and the user's role on it, in one query; Access.line None for anyone else's line."""
    row_id = as_row_id(line_id)
    if row_id is None:
        return Access(None, None, permission)
    row = db.execute(
        select(Line, LineMember.role)
        .outerjoin(LineMember, (LineMember.line_id == Line.id) & (LineMember.user_id == user_id))
        .where(Line.id == row_id, or_(Line.user_id == user_id, LineMember.id.is_not(None)))
    ).first()
    if row is None:
        return Access(None, None, permission)
    line, member_role = row
    return Access(line, OWNER if line.user_id == user_id else member_role, permission)


def role_on(db: Session, user_id: int, line_id: object) -> str | None:
    return line_with(db, user_id, line_id, Permission.VIEW).role


def visible_line_ids(user_id: int):
    """SQL: the ids of the lines a user sees (their own and those shared with them)."""
    return union_all(select(Line.id).where(Line.user_id == user_id),
                     select(LineMember.line_id).where(LineMember.user_id == user_id))


def lines_visible(db: Session, user_id: int) -> list[tuple[Line, str]]:
    """(line, role) for every line the user sees: their own oldest first, then shared ones oldest first."""
    own = [(line, OWNER) for line in db.scalars(select(Line).where(Line.user_id == user_id).order_by(Line.id))]
    shared = db.execute(select(Line, LineMember.role).join(LineMember, LineMember.line_id == Line.id)
                        .where(LineMember.user_id == user_id).order_by(Line.id)).all()
    return own + [(line, role) for line, role in shared]


def guardians_of(db: Session, line_id: int) -> list[User]:
    return list(db.scalars(select(User).join(LineMember, LineMember.user_id == User.id)
                           .where(LineMember.line_id == line_id, LineMember.role == GUARDIAN)
                           .order_by(LineMember.id)))


def members_of(db: Session, line_id: int) -> list[tuple[LineMember, User]]:
    return [(member, user) for member, user in db.execute(
        select(LineMember, User).join(User, User.id == LineMember.user_id)
        .where(LineMember.line_id == line_id).order_by(LineMember.id)).all()]


def viewable_line(db: Session, user_id: int, line_id: object) -> Line | None:
    """The line if the user has any role on it (every role may view); None otherwise — the read paths' check."""
    return line_with(db, user_id, line_id, Permission.VIEW).line


def line_of_transaction(db: Session, transaction_id: object) -> int | None:
    row_id = as_row_id(transaction_id)
    return None if row_id is None else db.scalar(select(Transaction.line_id).where(Transaction.id == row_id))


def line_of_bill(db: Session, bill_id: object) -> int | None:
    row_id = as_row_id(bill_id)
    return None if row_id is None else db.scalar(select(Bill.line_id).where(Bill.id == row_id))


def line_of_payment(db: Session, payment_id: object) -> int | None:
    row_id = as_row_id(payment_id)
    return None if row_id is None else db.scalar(
        select(Bill.line_id).join(Payment, Payment.bill_id == Bill.id).where(Payment.id == row_id))


def visible_transaction(db: Session, user_id: int, transaction_id: object) -> Transaction | None:
    """A row on a line the user sees (the transactions page's detail); None for anything else."""
    line_id = line_of_transaction(db, transaction_id)
    if line_id is None or viewable_line(db, user_id, line_id) is None:
        return None
    return db.get(Transaction, as_row_id(transaction_id))

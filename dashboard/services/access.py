"""The asker's permission on a line, as a service's refusal: no role is NotFound (404, like a line that does not
exist), a role without the permission is Forbidden (403, "members.not_allowed.<role>"). Every service
reaches a line through these two functions (docs/families.md)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dashboard.services.errors import Forbidden, NotFound
from data import line_actions
from data.access import Permission, line_with
from data.db import Store
from data.models import Line

LINE_NOT_FOUND = "actions.line_not_found"
NOT_ALLOWED = "members.not_allowed"


def permitted_line(db: Session, user_id: int, line_id: object, permission: Permission) -> Line:
    """The line, if the user's role on it grants `permission`."""
    access = line_with(db, user_id, line_id, permission)
    if access.line is None:
        raise NotFound(LINE_NOT_FOUND)
    if not access.allowed:
        raise Forbidden(f"{NOT_ALLOWED}.{access.role}")
    return access.line


def locked_line(db: Session, user_id: int, line_id: object, permission: Permission) -> Line:
    """permitted_line, then the row locked until commit (a write transaction's first step)."""
    line = line_actions.lock_line(db, permitted_line(db, user_id, line_id, permission).id)
    if line is None:  # deleted between the two statements
        raise NotFound(LINE_NOT_FOUND)
    return line


def line_if_allowed(db: Session, user_id: int, line_id: object, permission: Permission) -> Line | None:
    """For services with their own not-found refusal: None when the user has no role on the line (the caller
    refuses as before), Forbidden when their role lacks `permission`."""
    access = line_with(db, user_id, line_id, permission)
    if access.line is not None and not access.allowed:
        raise Forbidden(f"{NOT_ALLOWED}.{access.role}")
    return access.line if access.allowed else None


def managed_line(store: Store, user_id: int, line_id: object) -> Line | None:
    """line_if_allowed(MANAGE) in a read of its own (the import wizard's steps)."""
    with store.read() as db:
        return line_if_allowed(db, user_id, line_id, Permission.MANAGE)

"""Audit rows, always written in the same transaction as the action they record."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from data.models import AuditLog


def audit(
    session: Session,
    action: str,
    *,
    user_id: int | None,
    line_id: int | None = None,
    ip: str | None = None,
    **detail: Any,
) -> AuditLog:
    row = AuditLog(
        action=action,
        user_id=user_id,
        line_id=line_id,
        ip=ip,
        detail=json.dumps(detail, ensure_ascii=False, default=str),
    )
    session.add(row)
    return row

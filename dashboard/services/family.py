"""The family overview (/family): every line the user sees — their own and those shared with them — as one
card each, read in one store session.

    family_overview(store, settings, user_id) -> list[dict]     # one plain dict per visible line

Each dict: id, label parts (nickname, carrier, number_masked), role ("owner" | "guardian" | "viewer"), status,
is_minor, minor_cap (the legal cap for a minor's line, else None), guardians (their e-mails), this KST month's
net use and the total limit in force, the forecast (LineForecast.to_dict) with `over_limit`, the asker's unread
alerts on the line, what the asker may do there (can_block, can_manage), for every role the line's members (any
role may see who else watches the line) and for the owner the pending invitations — the shapes of
services/members.py's members() and invitations(), read in the same session; changes go through that module.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashboard.services.forecast import forecast_line_for_page
from dashboard.services.overview import current_month
from dashboard.settings import Settings
from data import access
from data import members as member_store
from data.access import Permission
from data.db import Store
from data.models import Alert, Line
from data.usage import monthly_usage


def family_overview(store: Store, settings: Settings, user_id: int) -> list[dict]:
    """One card's data per line the user sees (own lines first, then shared ones), nothing of anyone else's."""
    month, now = current_month(), datetime.now(UTC)
    with store.read() as db:
        visible = access.lines_visible(db, user_id)
        unread = _unread_by_line(db, user_id, [line.id for line, _role in visible])
        return [_card(db, settings, line, role, month, now, unread.get(line.id, 0)) for line, role in visible]


def _unread_by_line(db: Session, user_id: int, line_ids: list[int]) -> dict[int, int]:
    """The asker's own unread alerts per line, in one GROUP BY (alerts are per recipient)."""
    if not line_ids:
        return {}
    rows = db.execute(select(Alert.line_id, func.count()).where(
        Alert.user_id == user_id, Alert.read_at.is_(None), Alert.line_id.in_(line_ids)).group_by(Alert.line_id))
    return {line_id: int(count) for line_id, count in rows}


def _invitations(db: Session, line: Line, now: datetime) -> list[dict]:
    return [{"id": row.id, "email": row.email, "role": row.role, "expires_at": row.expires_at}
            for row in member_store.pending_invitations(db, line.id, now)]


def _card(db: Session, settings: Settings, line: Line, role: str, month: str, now: datetime, unread: int) -> dict:
    # The memoised page forecast: the overview's card and burn-up ask for the same one, so a family page
    # visit after them costs no second model run. Its limit is the total in force now.
    forecast = forecast_line_for_page(db, line, now, settings).to_dict()
    used = sum(monthly_usage(db, line.id, [month])[month].values())
    limit, can_manage = forecast["limit"], access.allows(role, Permission.MANAGE)
    return {
        "id": line.id, "nickname": line.nickname, "carrier": line.carrier, "number_masked": line.number_masked,
        "role": role, "status": line.status, "is_minor": line.is_minor,
        "minor_cap": settings.minor_cap if line.is_minor else None,
        "guardians": [user.email for user in access.guardians_of(db, line.id)],
        "month": month, "used": used, "limit": limit,
        "forecast": forecast, "over_limit": limit is not None and forecast["expected"] > limit,
        "unread_alerts": unread,
        "can_block": access.allows(role, Permission.BLOCK),
        "can_manage": can_manage,
        "members": [{"user_id": user.id, "email": user.email, "role": member.role, "since": member.created_at}
                    for member, user in access.members_of(db, line.id)],
        "invitations": _invitations(db, line, now) if can_manage else [],
    }

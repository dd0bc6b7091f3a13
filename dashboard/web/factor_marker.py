"""The half-way state of a login: the password was right, the second factor is still to come.

Kept in the signed Flask session (no server row: nothing is logged in yet), for MARKER_TTL only; the
factor step (dashboard.web.factor_routes) reads it and opens the real session, which clears it.
"""

from __future__ import annotations

from datetime import timedelta

from flask import redirect, session

from data.models import utcnow

MARKER = "factor_login"
MARKER_TTL = timedelta(minutes=5)


def ask_for_factor(user_id: int, *, remember: bool, next_path: str):
    """The password was right for `user_id`, who has a factor: no session yet, off to /login/factor."""
    session.pop(MARKER, None)
    session[MARKER] = {"uid": user_id, "remember": bool(remember), "next": next_path,
                       "at": utcnow().timestamp()}
    return redirect("/login/factor")


def pending_login() -> dict | None:
    """The marker when it is still fresh (a signed cookie: its values were written by us)."""
    marker = session.get(MARKER)
    if not isinstance(marker, dict) or not isinstance(marker.get("uid"), int):
        return None
    if utcnow().timestamp() - float(marker.get("at", 0)) > MARKER_TTL.total_seconds():
        session.pop(MARKER, None)
        return None
    return marker

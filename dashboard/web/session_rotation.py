"""A new session id at every privilege change (password re-entry, a second factor, a password change).

The session row is replaced by an identical one under a new id (the old id answers nothing afterwards), the
cookie is rewritten to carry it and the CSRF token is renewed, all in the response of the request that
raised the privilege — in a Dash callback too: Flask writes the session cookie on whatever response the
request ends with, and the CSRF cookie is written after this (dashboard.web.security), so the renderer's
next call already sends the new token.
"""

from __future__ import annotations

from flask import after_this_request, g, session
from flask_login import current_user

from dashboard.context import store
from dashboard.services import sessions

_PENDING = "microbill_rotate_second_factor"  # flag in g: a rotation is registered for the end of this request


def _session_id() -> str | None:
    """The cookie session's id; None for anonymous and bearer-token callers (they have no session to rotate)."""
    if not current_user.is_authenticated or current_user.is_token:
        return None
    return current_user.id


def _carried() -> dict:
    # Our own keys survive (e.g. a step's state); flask-login's (_user_id, _id, _fresh) and the CSRF token
    # are made anew.
    return {key: value for key, value in session.items() if not key.startswith("_") and key != "csrf_token"}


def rotate_current_session(*, second_factor: bool = False) -> None:
    """Inside a request of a logged-in session user: the same session under a new id (second_factor: its
    second_factor_at stamped now). Nothing for a bearer-token caller or a session ended meanwhile."""
    session_id = _session_id()
    if session_id is None:
        return
    # Imported here: auth → services.factors → web.reauth → this module.
    from dashboard.web.auth import start_session

    login = sessions.rotate(store(), session_id, second_factor=second_factor)
    if login is not None:
        start_session(login, _carried(), trust_device=False)


def rotate_at_end_of_request(*, second_factor: bool = False) -> None:
    """Rotate once this request's work is done (for code running inside the transaction that raised the
    privilege, e.g. reauth.mark_reauthenticated: the new row must see that transaction's commit). Runs
    before the app's after_request hooks, so the CSRF cookie they write belongs to the new session."""
    if _session_id() is None:
        return
    if _PENDING in g:  # already registered: one rotation, with the second factor if any caller asked
        setattr(g, _PENDING, getattr(g, _PENDING) or second_factor)
        return
    setattr(g, _PENDING, second_factor)

    @after_this_request
    def rotate(response):
        if response.status_code < 500:  # a fault's answer stays the fault's (the store may be away)
            rotate_current_session(second_factor=getattr(g, _PENDING))
        return response

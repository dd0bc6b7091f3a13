"""Card-style authorizations: a merchant/PG asks to charge a line; approved or declined at once.

    authorize_charge(store, settings, user_id, line_id, request, *, now=None) -> AuthorizationResult

One write transaction (data.authorize.authorize_owned: lock the caller's line, decide, insert) in which the
alert rules look at a new decision (their mail goes out after commit); a retry of an answered `external_id`
gets the first decision back (`created` False). Declines are answers, not refusals. Refusals: a time past
FUTURE_TOLERANCE is Invalid("actions.future_time"); a line that is not the user's, NotFound.

The hot path of the API (benchmarks/authorize_http.py): nothing here adds a query or a session.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from dashboard.alerts.engine import AlertHook
from dashboard.observability.counters import count_authorization
from dashboard.services.access import line_if_allowed
from dashboard.services.errors import Invalid, NotFound
from dashboard.settings import Settings
from data.access import Permission
from data.authorize import CANCEL_PREFIX as CANCEL_PREFIX  # re-exported: the API's schema refuses the prefix
from data.authorize import DECLINE_REASONS as DECLINE_REASONS  # re-exported: the API's documented reasons
from data.authorize import AuthorizationRequest, AuthorizationResult, authorize_owned
from data.db import Store
from data.models import utcnow

# Clock skew a PG may have; anything later is a client bug, not a payment.
FUTURE_TOLERANCE = timedelta(minutes=5)


def authorize_charge(store: Store, settings: Settings, user_id: int, line_id: int, request: Mapping[str, Any], *,
                     now: datetime | None = None) -> AuthorizationResult:
    """Approve or decline `request` (the fields of data.authorize.AuthorizationRequest) on the user's line."""
    now = now or utcnow()
    occurred_at = request.get("occurred_at")
    if occurred_at is not None and occurred_at > now + FUTURE_TOLERANCE:
        raise Invalid("actions.future_time")
    alerts = AlertHook(settings, now)  # alert rules in this transaction; their mail goes after commit
    result = authorize_owned(store, user_id, line_id, AuthorizationRequest(**request), settings, now=now, hook=alerts)
    if result is None:  # not the caller's line; only then is their role read (the hot path stays as it was)
        with store.read() as db:
            line_if_allowed(db, user_id, line_id, Permission.MANAGE)  # a member: 403, not 404
        raise NotFound("actions.line_not_found")
    if result.created:  # a retry is the same decision, counted once
        count_authorization(result.approved, result.reason)
    return result

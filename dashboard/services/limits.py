"""A line's monthly limits: what the limits page shows, and changing one.

    limits_of(store, settings, user_id, line_id) -> LimitsView     # limits in force, caps, usage, step choices
    set_limit(store, settings, user_id, line_id, bucket, amount, password, *, ip=None, code=None) -> LimitOutcome
    limit_advice(store, settings, user_id, line_id) -> Advice    # the advisor's suggestion per bucket

The advisor (dashboard.forecasting.limit_advice, docs/limits.md) only suggests; applying a suggestion is
set_limit like any other change, so lowering applies at once and raising needs the password.

Lowering applies at once; raising needs the password again (정보통신망법 58조⑤, dashboard.web.reauth). The
rules (steps, the legal maximum, the minor and arrears caps) are data/limits_policy.py's, enforced in the
store's transaction (data.line_actions.change_limit).

Order of set_limit's checks: bucket (Invalid 422 "actions.bad_bucket") → password (verified before the
transaction) → ownership (NotFound 404) → amount (LimitRefused 400: not a step, over a cap) → a raise
without the right password (Forbidden 403, Throttled 429), or without the second factor of a user who has one
(Forbidden 403 "factor.needed" / "factor.wrong", 429 "factor.throttled"; dashboard.services.factors).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from dashboard.forecasting.limit_advice import HISTORY_MONTHS, VOUCHER_CATEGORY, Advice, MonthFigures, advise
from dashboard.services import factors
from dashboard.services.access import locked_line, permitted_line
from dashboard.services.errors import Invalid, NotFound, ServiceError
from dashboard.services.lines import LINE_NOT_FOUND
from dashboard.settings import Settings
from dashboard.web.reauth import Reauth, mark_reauthenticated, refusal, verify_password
from data import line_actions
from data.access import Permission, viewable_line
from data.analytics import category_totals, first_month
from data.db import Store
from data.limits_history import limits_by_month
from data.limits_policy import cap_for, effective_limit, step_choices
from data.line_actions import LimitOutcome
from data.models import Line, utcnow
from data.usage import monthly_usage
from data.vocab import BUCKETS, months_back, previous_month, usage_month

__all__ = ["Advice", "LimitOutcome", "LimitRefused", "LimitsView", "limit_advice", "limits_of", "set_limit"]


class LimitRefused(ServiceError):
    """The amount breaks a limit rule (data.limits_policy.check_amount's key and values). The API answers 400."""

    status = 400


@dataclass(frozen=True)
class LimitsView:
    """Per bucket (BUCKETS order): `stored` (None: never set), `limit` (in force), `cap`, `cap_reason`
    ("arrears" | "minor" | "legal") and `used` this KST month; the line's cap and the amounts it may pick."""

    rows: list[dict]
    cap: int
    choices: list[int]

    def current(self, bucket: object) -> int | None:
        return next((row["limit"] for row in self.rows if row["bucket"] == bucket), None)


def _limits_in_force(db: Session, user_id: int, line_id: object, now: datetime) -> tuple[Line, bool, dict]:
    """The user's line (NotFound for anyone else's), whether it is in arrears, and its stored limit per bucket."""
    line = viewable_line(db, user_id, line_id)
    if line is None:
        raise NotFound(LINE_NOT_FOUND)
    return line, line_actions.in_arrears(db, line), {b: line_actions.stored_limit(db, line.id, b, now)
                                                     for b in BUCKETS}


def limits_of(store: Store, settings: Settings, user_id: int, line_id: object) -> LimitsView:
    now = utcnow()
    month = usage_month(now)
    with store.read() as db:
        line, arrears, stored = _limits_in_force(db, user_id, line_id, now)
        usage = monthly_usage(db, line.id, [month])[month]
    cap = cap_for(settings, is_minor=line.is_minor, in_arrears=arrears)
    reason = "arrears" if arrears else "minor" if line.is_minor else "legal"
    rows = [{"bucket": b, "stored": stored[b], "cap": cap, "cap_reason": reason, "used": usage[b],
             "limit": effective_limit(stored[b], settings, is_minor=line.is_minor, in_arrears=arrears)}
            for b in BUCKETS]
    return LimitsView(rows, cap, step_choices(settings, cap))


def set_limit(store: Store, settings: Settings, user_id: int, line_id: object, bucket: str, amount: int,
              password: str | None, *, ip: str | None = None, code: str | None = None) -> LimitOutcome:
    """Set a bucket's limit from now on (audited, as are refused raises); returns amount, previous and cap.
    A raise by a user with a second factor also needs `code` or a factor entered recently on this session."""
    if bucket not in BUCKETS:
        raise Invalid("actions.bad_bucket")
    verdict = verify_password(user_id, password, store)
    factor = factors.factor_for_action(store, user_id, code) if verdict is Reauth.OK else None
    with store.write() as db:
        line = locked_line(db, user_id, line_id, Permission.LOWER_LIMIT)
        outcome = line_actions.change_limit(db, line, bucket, amount, user_id=user_id, rules=settings, ip=ip,
                                            password_ok=factor is factors.FactorVerdict.OK)
        if outcome.kind == "ok" and outcome.amount > outcome.previous:
            permitted_line(db, user_id, line.id, Permission.RAISE_LIMIT)  # Forbidden rolls the raise back
        if verdict is Reauth.OK:
            mark_reauthenticated(db)
    if outcome.kind == "invalid" and outcome.problem is not None:
        raise LimitRefused(outcome.problem.key, **outcome.problem.values)
    if outcome.kind == "reauth":
        raise refusal(verdict, "limits.raise_needs_password") if factor is None else factors.factor_refusal(factor)
    return outcome


def limit_advice(store: Store, settings: Settings, user_id: int, line_id: object) -> Advice:
    """The advisor's suggestion per bucket from the last HISTORY_MONTHS complete KST months and this month
    so far; another user's line (or none) raises NotFound, as limits_of does."""
    now = utcnow()
    month = usage_month(now)
    history = months_back(previous_month(month), HISTORY_MONTHS)
    with store.read() as db:
        line, arrears, stored = _limits_in_force(db, user_id, line_id, now)
        usage = monthly_usage(db, line.id, [*history, month])
        # Seven small grouped queries (the six months and this one): the card is drawn once per visit.
        vouchers = {m: category_totals(db, line.id, m).get(VOUCHER_CATEGORY, {}) for m in [*history, month]}
        then = limits_by_month(db, line.id, history)
        first = first_month(db, line.id)
    cap = cap_for(settings, is_minor=line.is_minor, in_arrears=arrears)
    current = {b: effective_limit(stored[b], settings, is_minor=line.is_minor, in_arrears=arrears) for b in BUCKETS}

    def figures(m: str, b: str) -> MonthFigures:
        limit = effective_limit(then[m][b], settings, is_minor=line.is_minor) if m in then else None
        return MonthFigures(m, usage[m][b], vouchers[m].get(b, 0), limit)

    seen = [m for m in history if first is not None and m >= first]  # before the first row: no history
    return advise({b: [figures(m, b) for m in seen] for b in BUCKETS}, current=current, cap=cap,
                  step=settings.limit_step, this_month={b: figures(month, b) for b in BUCKETS})

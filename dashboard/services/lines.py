"""Lines: which of them a user may see, adding one, blocking and unblocking. Every page, API route and CLI
command asks here first.

    line_of_user(store, user_id, line_id) -> Line | None
    lines_of_user(store, user_id) -> list[Line]                 # own, then shared with them (docs/families.md)
    lines_with_roles(store, user_id) -> list[(Line, role)]
    line_summaries(store, user_id) -> list[dict]            # the API's view: limits and this month's usage
    line_summary(store, user_id, line_id) -> dict
    add_line(store, user_id, carrier, number, limits, nickname=None, is_minor=False) -> dict
    block_line(store, user_id, line_id, *, reason="loss_theft", ip=None) -> Blocked      # no password
    block_all(store, user_id, *, reason="loss_theft", ip=None) -> list[Blocked]
    unblock_line(store, user_id, line_id, password, *, ip=None, code=None) -> Unblocked  # password (+ factor)
    block_link_preview(store, settings, token) -> LinkView     # the mailed /b/<token> page (GET)
    block_by_link(store, settings, token, *, ip=None) -> LinkView                         # (POST)

The rows come back detached (the store's sessions do not expire on commit): read their columns, pass their
ids to other services; never lazy-load a relationship from them.

Refusals: another user's line (or a malformed id) is NotFound("actions.line_not_found"); unblocking without
the right password is Forbidden (429 Throttled after too many), and for a user with a second factor without
it Forbidden("factor.needed" | "factor.wrong", 429 "factor.throttled"); unblocking a line that is not blocked is
Conflict("block.not_blocked"); a bad number or carrier for a new line is LineRefused (400, with its field).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from dashboard.alerts import block_links
from dashboard.services import factors
from dashboard.services.access import locked_line
from dashboard.services.errors import Conflict, NotFound, ServiceError
from dashboard.settings import Settings
from dashboard.text.formatting import mask_number
from dashboard.web.reauth import Reauth, mark_reauthenticated, refusal, verify_password
from data import access, line_actions
from data import lines as line_store
from data.access import Permission
from data.db import Store
from data.line_actions import BLOCK_REASONS as BLOCK_REASONS  # re-exported: the API's schema offers them
from data.models import Alert, Line
from data.usage import monthly_usage
from data.vocab import kst_today

LINE_NOT_FOUND = "actions.line_not_found"


class LineRefused(ServiceError):
    """A new line's number or carrier is not acceptable; `field` names which ("number" | "carrier")."""

    status = 400

    def __init__(self, key: str, field: str, **values: object) -> None:
        super().__init__(key, **values)
        self.field = field


def line_of_user(store: Store, user_id: int, line_id: object) -> Line | None:
    """The line if the user may see it (their own, or shared with them); None for anyone else's id or a
    malformed one (never their data). What they may change on it, each service checks (services/access.py)."""
    with store.read() as db:
        return access.viewable_line(db, user_id, line_id)


def lines_of_user(store: Store, user_id: int) -> list[Line]:
    """The lines the user sees: their own oldest first, then those shared with them (the line picker's order)."""
    return [line for line, _role in lines_with_roles(store, user_id)]


def lines_with_roles(store: Store, user_id: int) -> list[tuple[Line, str]]:
    """lines_of_user with the user's role on each ("owner" | "guardian" | "viewer")."""
    with store.read() as db:
        return access.lines_visible(db, user_id)


# ---- the API's view of a line, adding one -------------------------------------------------------

def _summary(db: Session, line: Line, role: str = access.OWNER) -> dict:
    month = kst_today().strftime("%Y-%m")
    usage = monthly_usage(db, line.id, [month])[month]
    return {
        "id": line.id, "carrier": line.carrier, "number_masked": line.number_masked,
        "nickname": line.nickname, "is_minor": line.is_minor, "status": line.status,
        "limits": line_store.current_limits(db, line.id), "usage": {"month": month, **usage}, "role": role,
    }


def line_summaries(store: Store, user_id: int) -> list[dict]:
    """Each line the user sees (own, then shared) with its limits in force, this KST month's net usage and the
    user's role on it."""
    with store.read() as db:
        return [_summary(db, line, role) for line, role in access.lines_visible(db, user_id)]


def line_summary(store: Store, user_id: int, line_id: object) -> dict:
    with store.read() as db:
        line = access.viewable_line(db, user_id, line_id)
        if line is None:
            raise NotFound(LINE_NOT_FOUND)
        return _summary(db, line, access.role_on(db, user_id, line.id) or access.OWNER)


def add_line(store: Store, user_id: int, carrier: str, number: str, limits: dict[str, int] | None,
             nickname: str | None = None, is_minor: bool = False) -> dict:
    """Add a line (number stored masked; audited) and return its summary. Checks the number, then the carrier."""
    try:
        masked = mask_number(number)
    except ValueError:
        raise LineRefused("lines.bad_number", "number") from None
    try:
        code = line_store.normalise_carrier(carrier)
    except ValueError:
        raise LineRefused("lines.bad_carrier", "carrier", carrier=carrier) from None
    with store.write() as db:
        line = line_store.create_line(db, user_id=user_id, carrier=code, number_masked=masked,
                                      nickname=nickname or "", is_minor=is_minor, limits=limits or None)
        return _summary(db, line)


# ---- block / unblock --------------------------------------------------------------------------

@dataclass(frozen=True)
class Blocked:
    """A line after a block: `already_blocked` when it had been blocked before (nothing changed)."""

    line_id: int
    status: str
    reason: str | None
    blocked_at: datetime | None
    already_blocked: bool
    carrier: str
    nickname: str
    number_masked: str


@dataclass(frozen=True)
class Unblocked:
    """A line after an unblock: "active", or "restricted" when an overdue bill keeps it restricted."""

    line_id: int
    status: str

    @property
    def message_key(self) -> str:
        return "block.unblocked_restricted" if self.status == "restricted" else "block.unblocked"


def _blocked(line: Line, changed: bool) -> Blocked:
    return Blocked(line.id, line.status, line.block_reason, line.blocked_at, not changed, line.carrier,
                   line.nickname, line.number_masked)


def block_line(store: Store, user_id: int, line_id: object, *, reason: str = "loss_theft",
               ip: str | None = None) -> Blocked:
    """Block at once (no password: blocking must be easy), audited; authorizations decline from now on."""
    with store.write() as db:
        line = locked_line(db, user_id, line_id, Permission.BLOCK)
        changed = line_actions.block_line(db, line, user_id=user_id, reason=reason, ip=ip)
        return _blocked(line, changed)


def block_all(store: Store, user_id: int, *, reason: str = "loss_theft", ip: str | None = None) -> list[Blocked]:
    """Every line the user owns, blocked in one transaction (empty: the user has none). Lines shared with
    them are blocked one by one (the family overview): "block all" is for one's own lost phone."""
    with store.write() as db:
        before = {line.id: line.status for line in line_store.lines_of(db, user_id)}
        lines = line_actions.block_all(db, user_id, reason=reason, ip=ip)
        return [_blocked(line, before.get(line.id) != "blocked") for line in lines]


def unblock_line(store: Store, user_id: int, line_id: object, password: str | None, *,
                 ip: str | None = None, code: str | None = None) -> Unblocked:
    """Lift a block after the password and, for a user with a second factor, `code` (TOTP or recovery code) or
    a factor entered recently on this session (checked first, refusals audited); an overdue bill keeps it
    restricted."""
    verdict = verify_password(user_id, password, store)
    factor = factors.factor_for_action(store, user_id, code) if verdict is Reauth.OK else None
    with store.write() as db:
        line = locked_line(db, user_id, line_id, Permission.UNBLOCK)
        outcome = line_actions.unblock_line(db, line, user_id=user_id, ip=ip,
                                            password_ok=factor is factors.FactorVerdict.OK)
        if verdict is Reauth.OK:
            mark_reauthenticated(db)
    if outcome.kind == "refused":
        raise refusal(verdict, "actions.password_needed") if factor is None else factors.factor_refusal(factor)
    if outcome.kind == "not_blocked":
        raise Conflict("block.not_blocked")
    return Unblocked(line.id, outcome.status)


# ---- the mailed block-now link ----------------------------------------------------------------

@dataclass(frozen=True)
class LinkView:
    """What a block link stands for (`status`: ok | invalid | expired | used), its line and alert (detached);
    after block_by_link, `blocked_now` is False when the line had been blocked before."""

    status: str
    line: Line | None = None
    alert: Alert | None = None
    blocked_now: bool = False


def _ttl(settings: Settings) -> timedelta:
    return timedelta(hours=settings.block_link_ttl_hours)


def block_link_preview(store: Store, settings: Settings, token: str) -> LinkView:
    """Read-only: what pressing the link's button would do (mail scanners prefetch GETs)."""
    with store.read() as db:
        state = block_links.inspect(db, token, settings.secret_key, _ttl(settings))
        alert_id = state.link.alert_id if state.status == "ok" and state.link is not None else None
        alert = db.get(Alert, alert_id) if alert_id else None
        return LinkView(state.status, state.line, alert)


def block_by_link(store: Store, settings: Settings, token: str, *, ip: str | None = None) -> LinkView:
    """Spend the single-use link and block its line (the owner is the actor), in one transaction."""
    with store.write() as db:
        state = block_links.use(db, token, settings.secret_key, _ttl(settings), ip=ip)
        return LinkView(state.status, state.line, blocked_now=state.blocked_now)

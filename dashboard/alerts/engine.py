"""Evaluating the alert rules on a new transaction, inside the transaction that wrote it.

`evaluate()` runs in the caller's write transaction (authorization, manual add, import) after the
transaction row is added: what it stores (alerts, block links, outbox rows) commits or rolls back
with the charge itself. Rules are pure (rules.py); this module gathers their inputs with a few
bounded, indexed queries and stores the findings idempotently (data.alerts_store).
Mail and webhooks are only queued here (Notification rows); once the session commits, a listener
hands them to dashboard.alerts.delivery.outbox as a background job (`deliver_on_commit`: the Celery worker
with MICROBILL_REDIS_URL, else a thread).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app, has_app_context
from sqlalchemy import and_, bindparam, event, func, or_, select
from sqlalchemy.orm import Session

from dashboard.alerts import rules, subscription_rules
from dashboard.alerts.block_links import create_link
from dashboard.alerts.delivery.outbox import deliver_after_commit
from dashboard.alerts.rules import Charge, Finding, FraudParams
from dashboard.alerts.text import line_label, render
from dashboard.forecasting.memo import Memo, db_key
from dashboard.settings import Settings
from data.access import guardians_of
from data.alerts_store import create_alert, detail_of, fired_keys
from data.budgets import parse_threshold_text
from data.forecast_input import excluded_merchants, history_frame, not_subscription_merchants
from data.models import Alert, Budget, Line, Notification, Transaction, User, utcnow
from data.subscriptions import merchant_history
from data.usage import NET_AMOUNT
from data.vocab import to_kst, usage_month

_CHARGE_COLUMNS = (Transaction.id, Transaction.occurred_at, Transaction.amount, Transaction.merchant,
                   Transaction.merchant_key, Transaction.category, Transaction.status,
                   Transaction.decline_reason, Transaction.cancels_id)
NEARBY_LIMIT = 500  # rows within the fraud windows: far more than any burst needs
FORECAST_STEPS = 20  # near the budget, the forecast reruns after each 1/20 of the budget is spent
# A level read in a transaction that later rolled back (a failed import) is forgotten this soon.
FIRED_TTL = timedelta(minutes=10)


class TxRow(Protocol):
    """A stored transaction: an ORM Transaction or a Row with these columns (the importer's hook)."""

    id: int
    line_id: int
    occurred_at: datetime
    usage_month: str
    amount: int
    merchant: str
    merchant_key: str
    category: str
    status: str
    decline_reason: str | None
    cancels_id: int | None


def charge_of(tx: TxRow) -> Charge:
    return Charge(tx.id, tx.occurred_at, tx.amount, tx.merchant, tx.merchant_key or "", tx.category,
                  tx.status, tx.decline_reason, tx.cancels_id)


# ---- the entry points --------------------------------------------------------------------------

def evaluate(session: Session, line: Line, tx: TxRow, now: datetime, settings: Settings) -> list[Alert]:
    """Run every rule for `tx` (already added to `session`) and store what fires; returns the new alerts.

    `now` decides which month is current: budget and forecast rules only look at charges of the
    current KST month (an old charge added today is history, not news). Large-charge and new-merchant
    rules also take a charge of the last `alert_news_hours` (23:59 on the last day, recorded after
    midnight, is still news).
    """
    if tx.status == "cancelled" or tx.cancels_id is not None:
        return []  # a cancellation only lowers spending
    session.flush()
    return store_findings(session, line, findings_for(session, line, tx, now, settings), settings)


def findings_for(session: Session, line: Line, tx: TxRow, now: datetime, settings: Settings) -> list[Finding]:
    charge, label = charge_of(tx), line_label(line)
    if tx.decline_reason == "blocked":
        found = rules.blocked_attempt(label, charge)
        return [found] if found else []
    fraud = _fraud(session, line, charge, label, FraudParams.from_settings(settings))
    findings = [fraud]
    this_month = tx.usage_month == usage_month(now)
    if tx.status == "approved" and (this_month or tx.occurred_at >= now - timedelta(hours=settings.alert_news_hours)):
        findings += _budget_rules(session, line, tx, charge, label, now, settings, this_month=this_month)
        findings += subscription_rules.findings(label, charge, getattr(tx, "pay_type", None),
                                                *merchant_history(session, line.id, tx))
    if fraud is not None:  # the fraud alert names this charge and carries the block link already
        findings = [f for f in findings if f is None or f.kind != "large_charge"]
    return [f for f in findings if f is not None]


def evaluate_import(session: Session, line: Line, txs: Sequence[TxRow], now: datetime,
                    settings: Settings) -> list[Alert]:
    """Imported rows: the current month's are evaluated like live charges; earlier months' findings
    become at most ONE summary alert, so importing 13 months of history never sends a storm."""
    session.flush()
    month = usage_month(now)
    current = sorted((tx for tx in txs if tx.usage_month == month), key=lambda tx: (tx.occurred_at, tx.id))
    past = [tx for tx in txs if tx.usage_month != month and tx.cancels_id is None and tx.status != "cancelled"]
    alerts = [alert for tx in current for alert in evaluate(session, line, tx, now, settings)]
    if past:
        summary = _past_summary(session, line, past, txs, now, settings)
        if summary is not None:
            alerts += store_findings(session, line, [summary], settings)
    return alerts


@dataclass
class AlertHook:
    """`hook=` for data.authorize.authorize_owned: evaluates the new decision in its transaction.
    `alert_ids` tells the caller what was raised (their mail goes out by itself after commit)."""

    settings: Settings
    now: datetime | None = None
    alert_ids: list[int] = field(default_factory=list)

    def __call__(self, session: Session, line: Line, result) -> None:
        alerts = evaluate(session, line, result.transaction, self.now or utcnow(), self.settings)
        self.alert_ids += [alert.id for alert in alerts]


# ---- storing -----------------------------------------------------------------------------------

def store_findings(session: Session, line: Line, findings: Iterable[Finding], settings: Settings) -> list[Alert]:
    """Insert each finding once (unique rule key) for the owner and once for each guardian (docs/families.md);
    each new alert gets its recipient's own block link and outbox rows."""
    created: list[Alert] = []
    recipients: list[int] | None = None
    for finding in findings:
        if recipients is None:  # read only when something fired: most charges raise nothing
            recipients = [line.user_id] + [user.id for user in guardians_of(session, line.id)]
        created += _store_finding(session, line, finding, recipients, settings)
    if created:
        deliver_on_commit(session, [alert.id for alert in created])
    return created


_PENDING = "microbill.alerts_to_deliver"


def _store_finding(session: Session, line: Line, finding: Finding, recipients: list[int],
                   settings: Settings) -> list[Alert]:
    detail = {**finding.detail, "msg": {"key": finding.message_key, "values": finding.values}}
    message = render(finding.message_key, finding.values)
    created = []
    for user_id in recipients:
        alert = create_alert(session, user_id=user_id, line_id=line.id, kind=finding.kind,
                             rule_key=finding.rule_key, message=message, detail=detail)
        if alert is None:
            if user_id == line.user_id:
                return []  # fired before (or by a concurrent request): guardians had theirs then too
            continue  # this guardian's copy exists already (a concurrent request)
        if finding.block_link and line.status != "blocked":
            link = create_link(session, line.id, alert.id, timedelta(hours=settings.block_link_ttl_hours),
                               user_id=user_id)
            alert.detail = json.dumps({**detail, "block_link_id": link.id}, ensure_ascii=False, default=str)
        queue_notifications(session, alert, settings)
        created.append(alert)
    return created


def deliver_on_commit(session: Session, alert_ids: list[int]) -> None:
    """Once this session commits, send these alerts' mail/webhooks in the background (the request that
    raised them answers without waiting for SMTP). Every path that evaluates — authorization, manual
    add, import — gets delivery this way; a rollback drops them with the alerts. Outside a Flask app
    (CLI import) they stay queued for `microbill deliver-notifications`."""
    pending = session.info.setdefault(_PENDING, [])
    if not pending:
        event.listen(session, "after_commit", _deliver_pending_alerts, once=True)
        event.listen(session, "after_soft_rollback", _forget_pending_alerts, once=True)
    pending.extend(alert_ids)


def _deliver_pending_alerts(session: Session) -> None:
    ids = session.info.pop(_PENDING, [])
    if ids and has_app_context():
        deliver_after_commit(current_app._get_current_object(), ids)


def _forget_pending_alerts(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


def queue_notifications(session: Session, alert: Alert, settings: Settings) -> None:
    now = utcnow()
    if settings.smtp_host and session.scalar(select(User.email).where(User.id == alert.user_id)):
        session.add(Notification(alert_id=alert.id, channel="email", status="pending", attempts=0,
                                 next_attempt_at=now))
    if settings.webhook_url:
        session.add(Notification(alert_id=alert.id, channel="webhook", status="pending", attempts=0,
                                 next_attempt_at=now))


# ---- fraud -------------------------------------------------------------------------------------

# Built once with bind parameters: an authorization may not spend its budget constructing SQL.
_NEARBY = (
    select(*_CHARGE_COLUMNS)
    .where(Transaction.line_id == bindparam("line_id"), Transaction.occurred_at >= bindparam("start"),
           Transaction.occurred_at <= bindparam("end"))
    .order_by(Transaction.occurred_at)
    .limit(NEARBY_LIMIT)
)


def _nearby(session: Session, line_id: int, at: datetime, span: timedelta) -> list[Charge]:
    # Core on the session's connection (the ORM's execute costs more; evaluate() has flushed the charge).
    rows = session.connection().execute(_NEARBY, {"line_id": line_id, "start": at - span, "end": at + span})
    return [Charge(*row) for row in rows]


# Fraud keys known to be reported, per (database, line, days): during a burst every further charge finds the
# same bursts, and reading the day's fraud alerts again cost more than the rest of the rule. A reported key
# never un-reports; only keys read while this transaction had raised no alert of its own are kept (so none
# can vanish in a rollback), and for FIRED_TTL.
REPORTED = Memo()


def _reported(session: Session, line_id: int, bursts: Sequence[rules.Burst]) -> AbstractSet[str]:
    """Fraud keys already covered that day: the alerts' own keys and the patterns they named."""
    days = {burst.day for burst in bursts}
    memo_key = (db_key(session), line_id, frozenset(days))
    known = REPORTED.get(memo_key, FIRED_TTL)
    if known is not None and all(rules.fraud_key(burst) in known for burst in bursts):
        return known
    keys = _read_reported(session, line_id, days)
    if _PENDING not in session.info:  # every alert read is committed: none of them can roll back
        REPORTED.put(memo_key, frozenset(keys))
    return keys


def _read_reported(session: Session, line_id: int, days: set[str]) -> set[str]:
    found = session.scalars(select(Alert).where(
        Alert.line_id == line_id, Alert.kind == "fraud_burst",
        or_(*[Alert.rule_key.like(f"fraud\\_%:{day}", escape="\\") for day in days])))
    keys: set[str] = set()
    for alert in found:
        keys.add(alert.rule_key)
        keys.update(detail_of(alert).get("keys") or [])
    return keys


def _fraud(session: Session, line: Line, charge: Charge, label: str, params: FraudParams) -> Finding | None:
    if not rules.could_burst(charge, params):
        return None
    bursts = rules.fraud_bursts(charge, _nearby(session, line.id, charge.occurred_at, params.widest), params)
    if not bursts:
        return None
    return rules.fraud_finding(label, charge, bursts, _reported(session, line.id, bursts))


# ---- budget, forecast, large charge, new merchant ----------------------------------------------

_EARLIER = or_(Transaction.occurred_at < bindparam("at"),
               and_(Transaction.occurred_at == bindparam("at"), Transaction.id < bindparam("tx_id")))
_BEFORE = select(Transaction.id).where(Transaction.line_id == bindparam("line_id"),
                                       Transaction.id != bindparam("tx_id"), _EARLIER)
# One round trip: the budget, the month's net usage and the merchant history of this charge.
_STATE = select(
    Budget.amount, Budget.thresholds, Budget.large_charge, Budget.notify_new_merchant,
    select(func.coalesce(func.sum(NET_AMOUNT), 0))
    .where(Transaction.line_id == bindparam("line_id"), Transaction.usage_month == bindparam("month"))
    .scalar_subquery(),
    _BEFORE.where(Transaction.merchant_key == bindparam("merchant_key")).limit(1).scalar_subquery(),
    _BEFORE.limit(1).scalar_subquery(),
).where(Budget.line_id == bindparam("line_id"))


def _budget_rules(session: Session, line: Line, tx: TxRow, charge: Charge, label: str, now: datetime,
                  settings: Settings, *, this_month: bool) -> list[Finding | None]:
    """Budget levels, forecast, large charge and new merchant: the rules a Budget row switches on
    (budget levels and forecast only for a charge of the current month)."""
    month = tx.usage_month
    row = session.connection().execute(_STATE, {"line_id": line.id, "month": month, "at": tx.occurred_at,
                                                "tx_id": tx.id, "merchant_key": tx.merchant_key or ""}).first()
    if row is None:
        return []  # no budget on this line
    amount, threshold_text, large, notify_new, used, seen_id, any_id = row
    used = int(used or 0)
    thresholds = parse_threshold_text(threshold_text) or []
    out: list[Finding | None] = [rules.large_charge(label, charge, large)]
    fired: set[str] | None = None
    reached = [pct for pct in thresholds if used * 100 >= amount * pct] if this_month else []
    memo_key = (db_key(session), line.id, month)
    if reached and max(reached) > (FIRED_LEVELS.get(memo_key, FIRED_TTL) or 0):  # reached: did it fire?
        fired = fired_keys(session, line.id, keys=[f"forecast:{month}"], like=[f"budget:%:{month}"])
        pcts = [int(key.split(":")[1]) for key in fired if key.startswith("budget:")]
        if pcts:
            FIRED_LEVELS.put(memo_key, max(pcts))
        out.append(rules.with_trigger(rules.budget_threshold(label, month, used, amount, thresholds, pcts), charge))
    if this_month and used < amount and to_kst(now).day >= settings.forecast_from_day:
        forecast = _forecast(session, line, label, month, used, amount, max(now, tx.occurred_at), settings, fired)
        out.append(rules.with_trigger(forecast, charge))
    if notify_new:
        out.append(rules.new_merchant(label, charge, seen_before=seen_id is not None, has_history=any_id is not None))
    return out


# Two per-process memos keep an authorization within its budget (keys: database URL, line id, month):
# - FORECAST_MEMO: a line's forecast "still to come this month" (expected − spent) and the spending it was
#   computed at, reused for `forecast_cache_minutes`. A forecast costs milliseconds; with the memo most
#   charges only add their amount to the remembered rest, and the full forecast reruns when the memo is
#   old or the sum nears the budget (at most every 1/FORECAST_STEPS of it).
# - FIRED_LEVELS: the highest budget level known to have fired that month. A fired key never un-fires,
#   so once known, charges past that level skip the query for it.
FORECAST_MEMO = Memo()
FIRED_LEVELS = Memo()


def _forecast(session: Session, line: Line, label: str, month: str, used: int, budget: int, as_of: datetime,
              settings: Settings, fired: set[str] | None) -> Finding | None:
    key = (db_key(session), line.id, month)
    memo = FORECAST_MEMO.get(key, timedelta(minutes=settings.forecast_cache_minutes))
    # Skip while the remembered rest keeps the month under budget, or nearly nothing changed since.
    if memo is not None and (used + memo[0] <= budget or used - memo[1] < budget // FORECAST_STEPS):
        return None
    if fired is None:
        fired = fired_keys(session, line.id, keys=[f"forecast:{month}"])
    if f"forecast:{month}" in fired:
        FORECAST_MEMO.put(key, (0, used))  # already told this month: skip until the memo ages
        return None
    try:
        from dashboard.forecasting import forecast_bill
    except ImportError:  # the forecast is optional: the other rules still run
        return None
    as_of += timedelta(seconds=1)  # the history up to and including this charge
    forecast = forecast_bill(history_frame(session, line.id, as_of), as_of, limit=budget,
                             exclude_merchants=excluded_merchants(session, line.id),
                             not_recurring=not_subscription_merchants(session, line.id))
    FORECAST_MEMO.put(key, (max(forecast.expected - forecast.spent_to_date, 0), used))
    return rules.forecast_over_budget(label, month, used, budget, forecast.expected, forecast.p_exceed_limit,
                                      settings.forecast_alert_probability)


# ---- imports: one summary for the past ----------------------------------------------------------

def _past_summary(session: Session, line: Line, past: Sequence[TxRow], txs: Sequence[TxRow], now: datetime,
                  settings: Settings) -> Finding | None:
    params = FraudParams.from_settings(settings)
    imported = {tx.id for tx in past}
    history = _history_around(session, line.id, past, txs, now, params.widest)
    bursts = [b for b in rules.bursts_in(history, params) if any(c.id in imported for c in b.charges)]
    fired = fired_keys(session, line.id, keys=[rules.fraud_key(b) for b in bursts])
    bursts = [b for b in bursts if rules.fraud_key(b) not in fired]
    budget = session.get(Budget, line.id)
    large = ([tx for tx in past if tx.status == "approved" and tx.amount >= budget.large_charge]
             if budget is not None and budget.large_charge else [])
    over = _months_over_budget(session, line.id, sorted({tx.usage_month for tx in past}), budget)
    counts = [("fraud", len(_incidents(bursts))), ("large", len(large)), ("over", len(over))]
    findings = [(name, n) for name, n in counts if n]
    if not findings:
        return None
    months = sorted({tx.usage_month for tx in past})
    keys = sorted([rules.fraud_key(b) for b in bursts] + [f"large:{tx.id}" for tx in large] + over)
    digest = hashlib.sha256("|".join(keys).encode()).hexdigest()[:16]
    return Finding(
        "import_summary", f"import:{digest}", "alerts.msg.import_summary",
        {"line": line_label(line), "months": f"{months[0]}~{months[-1]}", "findings": findings},
        {"months": months, "fraud": _incidents(bursts)[:50],
         "large_transaction_ids": [tx.id for tx in large][:50], "months_over_budget": over},
    )


def _history_around(session: Session, line_id: int, past: Sequence[TxRow], txs: Sequence[TxRow],
                    now: datetime, widest: timedelta) -> list[Charge]:
    """The charges within the fraud windows around `past`: the imported rows at hand plus the stored
    ones. Rows this import stored (created_at = now) are not read back: for a 100k-row import that
    read cost more than the burst scan. Rows given and also read (another caller) count once."""
    start = min(tx.occurred_at for tx in past) - widest
    end = max(tx.occurred_at for tx in past) + widest
    rows = session.execute(select(*_CHARGE_COLUMNS).where(
        Transaction.line_id == line_id, Transaction.occurred_at >= start, Transaction.occurred_at <= end,
        Transaction.created_at != now))
    history = {row.id: Charge(*row) for row in rows}
    history.update((tx.id, charge_of(tx)) for tx in txs if start <= tx.occurred_at <= end)
    return list(history.values())


def _incidents(bursts: Sequence[rules.Burst]) -> list[dict]:
    """Bursts grouped by KST day: a dawn voucher burst is one incident with two patterns."""
    days: dict[str, dict] = {}
    for burst in sorted(bursts, key=lambda b: b.start):
        item = days.setdefault(burst.day, {"day": burst.day, "patterns": [], "ids": set()})
        item["patterns"].append(burst.pattern)
        item["ids"].update(c.id for c in burst.charges)
    return [{"day": d["day"], "patterns": d["patterns"], "count": len(d["ids"])} for d in days.values()]


def _months_over_budget(session: Session, line_id: int, months: list[str], budget: Budget | None) -> list[str]:
    if budget is None or not months:
        return []
    rows = session.execute(
        select(Transaction.usage_month, func.sum(NET_AMOUNT))
        .where(Transaction.line_id == line_id, Transaction.usage_month.in_(months))
        .group_by(Transaction.usage_month))
    return sorted(month for month, total in rows if int(total or 0) >= budget.amount)

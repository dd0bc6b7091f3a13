"""The subscriptions (자동결제) of one line, for /subscriptions, and the user's marks on them.

    subscriptions_of(store, user_id, line_id, now=None) -> dict | None   # None: not the user's line
    mark(store, user_id, line_id, merchant, mark) -> bool               # "cancelled" | "not_subscription" | None

Detection is dashboard.forecasting.subscriptions.find over the forecast's own history window
(data.forecast_input.history_frame, ≤ 13 months). Marks are the forecast's recurring exclusions: a
subscription marked cancelled is left out of the forecast, exactly as the overview's "해지했어요" does
(services.forecast.set_recurring); "not a subscription" hides it here and stops its alerts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from dashboard.forecasting import subscriptions as detection
from dashboard.forecasting.frame import Payments, kst_date, kst_day_of, payments_before
from dashboard.services import forecast
from dashboard.services.errors import Invalid
from dashboard.text.carriers import CONTACTS, app_store_of, pg_phone
from data.access import viewable_line
from data.db import Store
from data.forecast_input import history_frame
from data.subscriptions import MARKS, marks
from data.vocab import days_in_month, kst_today, month_start, usage_month

LINE_NOT_FOUND = "actions.line_not_found"
MAX_MERCHANT = 200  # the column's length: a longer name cannot be one of the line's merchants


def subscriptions_of(store: Store, user_id: int, line_id: object, now: datetime | None = None) -> dict | None:
    """Every subscription found in the line's history with its marks, contacts and this month's calendar."""
    now = now or datetime.now(UTC)
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            return None
        frame = history_frame(db, line.id, now, extra=("pg", "pay_type"))
        marked_by = marks(db, line.id)
    payments = payments_before(frame, now)
    found = _found(frame, payments, now)
    items = [_item(frame, payments, sub, marked_by.get(sub.merchant)) for sub in found]
    shown = [item for item in items if item["mark"] != "not_subscription"]
    hidden = sorted({item["merchant"] for item in items if item["mark"] == "not_subscription"})
    counted = [item for item in shown if item["active"] and item["mark"] is None]
    contacts = CONTACTS.get(line.carrier, CONTACTS["MVNO"])
    return {
        "carrier": line.carrier,
        "carrier_hotline": contacts.hotline,
        "carrier_landline": contacts.landline,
        "month": usage_month(now),
        "today": kst_today(now).isoformat(),
        "items": sorted(shown, key=_order),
        "not_subscriptions": hidden,
        "yearly_total": sum(item["yearly_cost"] for item in counted),
        "calendar": _calendar(payments, [s for s, i in zip(found, items, strict=True)
                                         if i["active"] and i["mark"] is None], now),
    }


def mark(store: Store, user_id: int, line_id: object, merchant: object, value: str | None) -> bool:
    """Mark a merchant's subscription as cancelled or as not a subscription, or (None) take the mark back.
    False when nothing changed; NotFound for another user's line; Invalid for anything else."""
    if value is not None and value not in MARKS:
        raise Invalid("subscriptions.bad_mark")
    if not isinstance(merchant, str) or not 0 < len(merchant) <= MAX_MERCHANT:
        raise Invalid("subscriptions.bad_mark")
    return forecast.set_recurring(store, user_id, line_id, merchant, excluded=value is not None,
                                  reason=value or "cancelled")


# ---- the parts -----------------------------------------------------------------------------------

def _found(frame: pd.DataFrame, payments: Payments, now: datetime) -> list[detection.Subscription]:
    if not len(payments):
        return []
    marked = frame["pay_type"].to_numpy()[payments.rows] == "recurring"
    return detection.find(payments, kst_day_of(now), marked)


def _item(frame: pd.DataFrame, payments: Payments, sub: detection.Subscription, mark: str | None) -> dict:
    """One subscription as plain data (ISO dates, won)."""
    last = sub.members[-1]
    pg = frame["pg"].iloc[payments.rows[last]]
    pg = pg if isinstance(pg, str) and pg else None
    phone = pg_phone(pg)
    pending = None if sub.pending is None else {"on": _day(payments, sub.pending),
                                                 "amount": int(payments.amount[sub.pending])}
    return {
        "merchant": sub.merchant,
        "pg": pg,
        "pg_phone": phone[1] if phone else None,
        "store": app_store_of(sub.merchant) if pg is None else None,
        "cadence": sub.cadence,
        "amount": sub.amount,
        "charges": len(sub.members),
        "first": _day(payments, sub.members[0]),
        "last": _day(payments, last if sub.pending is None else max(last, sub.pending)),
        "next_date": sub.next_date.isoformat() if sub.next_date else None,
        "active": sub.active,
        "yearly_cost": sub.yearly_cost,
        "changes": [{"on": c.on.isoformat(), "old": c.old, "new": c.new} for c in sub.changes],
        "pending": pending,
        "mark": mark,
    }


def _calendar(payments: Payments, running: list[detection.Subscription], now: datetime) -> list[dict]:
    """This month's charges of the running subscriptions: those made, then those still expected."""
    month = usage_month(now)
    last = month_start(month).date() + timedelta(days=days_in_month(month) - 1)
    month_t0 = kst_day_of(month_start(month))
    entries = []
    for sub in running:
        made = [int(i) for i in sub.members if payments.t[i] >= month_t0]
        made += [sub.pending] if sub.pending is not None and payments.t[sub.pending] >= month_t0 else []
        entries += [{"date": _day(payments, i), "merchant": sub.merchant, "amount": int(payments.amount[i]),
                     "paid": True} for i in made]
        entries += [{"date": when.isoformat(), "merchant": sub.merchant, "amount": sub.amount, "paid": False}
                    for when in sub.dates_in(kst_today(now), last)]
    return sorted(entries, key=lambda e: (e["date"], e["merchant"]))


def _day(payments: Payments, index: int | np.integer) -> str:
    return kst_date(float(payments.t[index])).isoformat()


def _order(item: dict) -> tuple:
    """Running ones first, by their next charge; then the stopped, the latest first."""
    if item["active"] and item["mark"] is None:
        return (0, item["next_date"], item["merchant"])
    return (1, _negated(item["last"]), item["merchant"])


def _negated(iso: str) -> int:
    return -date.fromisoformat(iso).toordinal()

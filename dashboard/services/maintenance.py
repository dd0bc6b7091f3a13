"""The operator's units of work (`microbill db upgrade`, `seed-demo`, `close-month`, `deliver-notifications`).

    upgrade_database(store) -> None                                  # Alembic to head
    seed_demo(store, settings, seed=None) -> DemoAccount             # migrate, then the demo user and its lines
    close_month(store, settings, as_of=None) -> dict                 # bill ended months, late fees, restrictions
    deliver_notifications(store, settings, limit=100) -> dict        # send (or retry) pending mail and webhooks
    line_owner(store, line_id) -> int | None                         # whose line an operator's --line is

Each is safe to run again, and close_month and deliver_notifications concurrently. The heavy modules
(Alembic, the demo generator) are imported when a command runs, not when the app starts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dashboard.settings import Settings
from data.db import Store
from data.models import Line

if TYPE_CHECKING:
    from data.seed import DemoAccount


def upgrade_database(store: Store) -> None:
    from data.migrate import upgrade

    upgrade(store.engine)


def seed_demo(store: Store, settings: Settings, seed: int | None = None) -> DemoAccount:
    """Migrate, then create the demo user with 3 lines of history (`seed` default MICROBILL_DEMO_SEED); on
    later runs only its password is reset. The account's password comes back in clear, to be printed once."""
    from data.seed import seed_demo as seed_store

    upgrade_database(store)
    with store.write() as db:
        account = seed_store(db, seed if seed is not None else settings.demo_seed, rules=settings)
        if account.created:
            _demo_alerts(db, account.email, settings)
    return account


def _demo_alerts(db, email: str, settings: Settings) -> None:
    """The seeded history through the alert rules as an import would be (this month's charges one by one, the
    earlier months as one summary alert): a first run's /alerts page shows the demo's dawn burst and budget
    crossings instead of nothing. Mail stays queued (no SMTP in a demo) for `deliver-notifications`."""
    from sqlalchemy import select

    from dashboard.alerts.engine import evaluate_import
    from data.models import Transaction, User

    now = datetime.now(UTC)
    for line in db.scalars(select(Line).join(User, User.id == Line.user_id).where(User.email == email)):
        charges = list(db.scalars(select(Transaction).where(Transaction.line_id == line.id)
                                  .order_by(Transaction.occurred_at, Transaction.id)))
        evaluate_import(db, line, charges, now, settings)


def close_month(store: Store, settings: Settings, as_of: datetime | None = None) -> dict:
    """Every line's ended months as of `as_of` (default now), one transaction per line:
    {"as_of": ISO time, "lines", "created", "overdue", "carried"}."""
    from data.billing import close_all

    moment = as_of or datetime.now(UTC)
    return {"as_of": moment.isoformat(), **close_all(store, moment, settings)}


def deliver_notifications(store: Store, settings: Settings, limit: int = 100) -> dict[str, int]:
    """At most `limit` due notifications sent: {"sent", "retrying", "failed"} (counts)."""
    from dashboard.alerts.delivery.outbox import deliver_pending

    report = deliver_pending(store, settings, limit=limit)
    return {"sent": len(report.sent), "retrying": len(report.retrying), "failed": len(report.failed)}


def line_owner(store: Store, line_id: int) -> int | None:
    """The user a line belongs to (the operator names lines by id); None when there is no such line."""
    with store.read() as db:
        line = db.get(Line, line_id)
        return None if line is None else line.user_id

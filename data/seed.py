"""`microbill seed-demo`: a demo user with three lines and 14 months of seeded history, and a second user
who is guardian of the demo's child line (docs/families.md), so the family features show at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from data import accounts
from data.access import GUARDIAN
from data.billing import BillingRules, bills_of, bring_up_to_date, mark_paid
from data.demo import DemoCharge, demo_lines
from data.importing.normalize import merchant_key
from data.lines import create_line
from data.models import Line, LineMember, Transaction, User
from data.vocab import KST, month_bounds_utc, months_back, next_month, usage_month

DEMO_EMAIL = "demo@microbill.kr"
DEMO_GUARDIAN_EMAIL = "guardian@microbill.kr"  # guardian of the demo's child line


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    created: bool
    guardian: DemoAccount | None = None  # the second demo user (the owner's account carries it)


def seed_demo(session: Session, seed: int, now: datetime | None = None, password: str | None = None,
              rules: BillingRules | None = None, guardian_password: str | None = None) -> DemoAccount:
    """Create the demo user and lines once; on later runs reset the password and keep the data.
    With billing `rules`, the lines also get their bill history (see `_bill_history`). Either way the
    guardian of the child line is there afterwards (`.guardian`, its password reset too)."""
    now = now or datetime.now(UTC)
    password = password or secrets.token_urlsafe(9)
    user = session.scalar(select(User).where(User.email == DEMO_EMAIL))
    created = user is None
    if user is None:
        user = accounts.create_user(session, DEMO_EMAIL, password)
        _demo_history(session, user, seed, now, rules)
    else:
        user.password_hash = accounts._hasher.hash(password)
    guardian = _seed_guardian(session, user.id, guardian_password or secrets.token_urlsafe(9))
    return DemoAccount(DEMO_EMAIL, password, created=created, guardian=guardian)


def _demo_history(session: Session, user: User, seed: int, now: datetime, rules: BillingRules | None) -> None:
    first_month = months_back(usage_month(now), 14)[0]
    history_start = month_bounds_utc(first_month)[0]
    for demo in demo_lines(seed, now):
        line = create_line(
            session,
            user_id=user.id,
            carrier=demo.carrier,
            number_masked=_mask(demo.number),
            nickname=demo.nickname,
            is_minor=demo.is_minor,
            limits=demo.limits,
            effective_from=history_start,
        )
        insert_charges(session, line.id, demo.charges, source="demo")
        if rules is not None:
            _bill_history(session, line, history_start, now, rules)


def _seed_guardian(session: Session, owner_id: int, password: str) -> DemoAccount:
    """The guardian user, made (or its password reset) and made guardian of the owner's minor lines.
    Also run on a database seeded before families existed, so an old demo gains its guardian."""
    guardian = session.scalar(select(User).where(User.email == DEMO_GUARDIAN_EMAIL))
    created = guardian is None
    if guardian is None:
        guardian = accounts.create_user(session, DEMO_GUARDIAN_EMAIL, password)
    else:
        guardian.password_hash = accounts._hasher.hash(password)
    minors = session.scalars(select(Line.id).where(Line.user_id == owner_id, Line.is_minor.is_(True)))
    members = set(session.scalars(select(LineMember.line_id).where(LineMember.user_id == guardian.id)))
    for line_id in minors:
        if line_id not in members:  # an owner may have changed the role since: never overwritten
            session.add(LineMember(line_id=line_id, user_id=guardian.id, role=GUARDIAN))
    session.flush()
    return DemoAccount(DEMO_GUARDIAN_EMAIL, password, created=created)


def _bill_history(session: Session, line: Line, since: datetime, now: datetime, rules: BillingRules) -> None:
    """Close every ended month as the carrier would have, each bill paid by auto-debit three days before
    its due date; a bill whose due date is still ahead stays open, so the bills page has one to pay."""
    line.created_at = since  # billed from the first month of its history
    month = usage_month(since)
    while month < usage_month(now):
        bring_up_to_date(session, line, month_bounds_utc(next_month(month))[0], rules)
        bill = bills_of(session, line.id)[0]
        paid_at = datetime.combine(bill.due_date - timedelta(days=3), time(9), KST)
        if paid_at <= now:
            mark_paid(session, bill, paid_at)
        month = next_month(month)
    bring_up_to_date(session, line, now, rules)


def _mask(number: str) -> str:
    return f"{number[:3]}-****-{number[-4:]}"


def insert_charges(session: Session, line_id: int, charges: list[DemoCharge], source: str) -> int:
    """Bulk insert (one executemany), then link cancellations to their payments."""
    created = datetime.now(UTC)
    rows = [
        {
            "line_id": line_id,
            "occurred_at": c.occurred_at,
            "usage_month": usage_month(c.occurred_at),
            "merchant": c.merchant,
            "merchant_key": merchant_key(c.merchant),
            "pg": c.pg,
            "product": c.product,
            "category": c.category,
            "bucket": c.bucket,
            "amount": c.amount,
            "status": c.status,
            "pay_type": c.pay_type,
            "source": source,
            "external_id": c.external_id,
            "refund": False,
            "created_at": created,
        }
        for c in charges
    ]
    if rows:
        session.execute(insert(Transaction), rows)
    links = {c.external_id: c.cancels for c in charges if c.cancels}
    if links:
        ids = dict(session.execute(
            select(Transaction.external_id, Transaction.id).where(Transaction.line_id == line_id)
        ).all())
        for cancel_ext, payment_ext in links.items():
            session.execute(
                Transaction.__table__.update()
                .where(Transaction.id == ids[cancel_ext])
                .values(cancels_id=ids[payment_ext])
            )
    return len(rows)

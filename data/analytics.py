"""Overview analytics for one line and usage month, aggregated in SQL.

Every query filters on an index — (line_id, usage_month, …) or (line_id, occurred_at) — and groups in the database, so
what comes back is sized by the answer (days, categories, merchants, 7×24 cells), never by the
line's history. Results are plain dicts and lists; the pure helpers below turn them into what the
figures plot (burn-up series, month-over-month comparison).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from sqlalchemy import Integer, and_, case, cast, extract, func, literal, literal_column, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from data.importing.normalize import merchant_key
from data.models import Transaction
from data.usage import NET_AMOUNT
from data.vocab import BUCKETS, CATEGORIES, KST, month_bounds_utc

# Daily net spend: {month: {KST day of month: {bucket: net won}}}; days without rows are absent.
Daily = dict[str, dict[int, dict[str, int]]]

_SQLITE_FORMAT = {"day": "%d", "hour": "%H", "dow": "%w"}
# Korea has kept UTC+9 without DST since 1988, so SQLite's fixed modifier matches Asia/Seoul.
_SQLITE_KST = "'+9 hours'"


def kst_part(dialect: str, field: str, column: ColumnElement) -> ColumnElement[int]:
    """KST day / hour / weekday (0 = Sunday on both backends) of a naive-UTC timestamp column.

    Rendered with literals, not bound parameters: PostgreSQL only accepts the same expression in
    SELECT and GROUP BY when the two are textually identical.
    """
    if dialect == "sqlite":
        fmt = literal_column(f"'{_SQLITE_FORMAT[field]}'")
        return cast(func.strftime(fmt, column, literal_column(_SQLITE_KST)), Integer)
    local = func.timezone(literal_column(f"'{KST.key}'"), func.timezone(literal_column("'UTC'"), column))
    return cast(extract(field, local), Integer)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def daily_net(session: Session, line_id: int, months: list[str]) -> Daily:
    """Net spend per KST day and bucket for each month (one GROUP BY over the months' rows)."""
    day = kst_part(_dialect(session), "day", Transaction.occurred_at)
    rows = session.execute(
        select(Transaction.usage_month, day, Transaction.bucket, func.sum(NET_AMOUNT))
        .where(Transaction.line_id == line_id, Transaction.usage_month.in_(months))
        .group_by(Transaction.usage_month, day, Transaction.bucket)
    )
    result: Daily = {m: {} for m in months}
    for month, day_of_month, bucket, total in rows:
        per_day = result[month].setdefault(int(day_of_month), dict.fromkeys(BUCKETS, 0))
        if bucket in per_day:
            per_day[bucket] += int(total or 0)
    return result


def category_totals(session: Session, line_id: int, month: str) -> dict[str, dict[str, int]]:
    """{category: {bucket: net won}} for the month; unknown category codes count as "other"."""
    rows = session.execute(
        select(Transaction.category, Transaction.bucket, func.sum(NET_AMOUNT))
        .where(Transaction.line_id == line_id, Transaction.usage_month == month,
               Transaction.status != "declined")
        .group_by(Transaction.category, Transaction.bucket)
    )
    result: dict[str, dict[str, int]] = {}
    for category, bucket, total in rows:
        code = category if category in CATEGORIES else "other"
        if bucket not in BUCKETS:
            continue
        per_bucket = result.setdefault(code, dict.fromkeys(BUCKETS, 0))
        per_bucket[bucket] += int(total or 0)
    return {code: values for code, values in result.items() if any(values.values())}


def top_merchants(session: Session, line_id: int, month: str, limit: int = 8) -> list[dict]:
    """The month's biggest merchants by net spend, grouped by the normalised merchant key.

    Each item: key, label (the raw name seen most often), pg (most frequent, None = direct carrier
    billing), amount (net won) and count (approved payments). The SQL groups down to one row per
    spelling × PG, a handful per merchant; the key-level fold is done here so rows stored without a
    merchant_key still group with their siblings.
    """
    payments = func.sum(case((Transaction.status == "approved", 1), else_=0))
    rows = session.execute(
        select(Transaction.merchant_key, Transaction.merchant, Transaction.pg, func.sum(NET_AMOUNT), payments)
        .where(Transaction.line_id == line_id, Transaction.usage_month == month,
               Transaction.status != "declined")
        .group_by(Transaction.merchant_key, Transaction.merchant, Transaction.pg)
    )
    amounts: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    names: dict[str, Counter[str]] = defaultdict(Counter)
    pgs: dict[str, Counter[str | None]] = defaultdict(Counter)
    for key, merchant, pg, net, approved in rows:
        key = key or merchant_key(merchant)
        amounts[key] += int(net or 0)
        counts[key] += int(approved or 0)
        # +1 so a merchant seen only in cancellations still gets a label.
        names[key][merchant] += int(approved or 0) + 1
        pgs[key][pg or None] += int(approved or 0) + 1
    ranked = sorted((k for k, v in amounts.items() if v > 0), key=lambda k: (-amounts[k], k))[:limit]
    return [
        {"key": k, "label": _most_common(names[k]), "pg": _most_common(pgs[k]), "amount": amounts[k],
         "count": counts[k]}
        for k in ranked
    ]


def _most_common(counter: Counter) -> object:
    # Ties go to the smallest value so the label does not change between requests.
    return min(counter.items(), key=lambda item: (-item[1], str(item[0])))[0]


def hour_heatmap(session: Session, line_id: int, month: str) -> list[list[int]]:
    """Net spend per KST weekday (rows, Monday first) × hour (columns 0–23).

    A same-month cancellation is counted at its payment's time, so a cancelled purchase leaves no
    trace instead of a negative cell at the hour it was cancelled.
    """
    payments = select(Transaction.occurred_at.label("at"), Transaction.amount.label("amount")).where(
        Transaction.line_id == line_id, Transaction.usage_month == month, Transaction.status == "approved")
    paid = aliased(Transaction)
    cancels = (
        select(paid.occurred_at.label("at"), (-Transaction.amount).label("amount"))
        .join(paid, paid.id == Transaction.cancels_id)
        .where(Transaction.line_id == line_id, Transaction.usage_month == month,
               and_(Transaction.status == "cancelled", Transaction.refund.is_(False)))
    )
    moments = union_all(payments, cancels).subquery()
    dialect = _dialect(session)
    dow, hour = kst_part(dialect, "dow", moments.c.at), kst_part(dialect, "hour", moments.c.at)
    grid = [[0] * 24 for _ in range(7)]
    for weekday, hour_of_day, total in session.execute(
        select(dow, hour, func.sum(moments.c.amount)).group_by(dow, hour)
    ):
        grid[(int(weekday) + 6) % 7][int(hour_of_day)] += int(total or 0)  # Sunday=0 → Monday first
    return grid


def first_month(session: Session, line_id: int) -> str | None:
    """The line's earliest usage month with any row: months before it are "no history", not zero."""
    return session.scalar(select(func.min(Transaction.usage_month)).where(Transaction.line_id == line_id))


def spent_through_days(session: Session, line_id: int, months: list[str], through_day: int) -> dict[str, int]:
    """Net spend of days 1…through_day of each month, all buckets.

    Each month is a range on the (line_id, occurred_at) index cut at the day, so comparing the
    current month's first days reads only those days of the earlier months, not the whole months.
    """
    parts = []
    for month in months:
        start, end = month_bounds_utc(month)
        cutoff = min(end, start + timedelta(days=through_day))
        parts.append(
            select(literal(month).label("month"), func.sum(NET_AMOUNT).label("net"))
            .where(Transaction.line_id == line_id, Transaction.occurred_at >= start, Transaction.occurred_at < cutoff)
        )
    totals = dict.fromkeys(months, 0)
    if parts:
        for month, net in session.execute(union_all(*parts)):
            totals[month] = int(net or 0)
    return totals


# ---- pure helpers ---------------------------------------------------------------------------------

def burnup(days: dict[int, dict[str, int]], through_day: int) -> dict[str, list[int]]:
    """Cumulative net spend per bucket at the end of day 0 (= 0), 1, … through_day."""
    series: dict[str, list[int]] = {}
    for bucket in BUCKETS:
        running, values = 0, [0]
        for day in range(1, through_day + 1):
            running += days.get(day, {}).get(bucket, 0)
            values.append(running)
        series[bucket] = values
    return series


def spent_through(days: dict[int, dict[str, int]], through_day: int) -> int:
    """Net spend of days 1…through_day, all buckets."""
    return sum(sum(per_bucket.values()) for day, per_bucket in days.items() if day <= through_day)


def month_comparison(current: int, earlier: dict[str, int], first: str | None, through_day: int,
                     complete: bool) -> dict:
    """The chosen month's days 1…through_day against the same days of the month before and the
    average of the earlier months (`earlier`: newest first, spend through the same day).

    Months before the line's first recorded month (`first`) had no history yet: they are left out
    instead of pulling the average towards zero; `previous`/`average` are None without history.
    """
    known = {m: spent for m, spent in earlier.items() if first is not None and m >= first}
    previous = known.get(next(iter(earlier), ""))
    average = round(sum(known.values()) / len(known)) if known else None
    return {"current": current, "previous": previous, "average": average, "day": through_day,
            "complete": complete}


def percent_change(current: int, reference: int | None) -> int | None:
    """Rounded % change; None when there is no positive reference to compare with."""
    if reference is None or reference <= 0:
        return None
    return round((current - reference) / reference * 100)

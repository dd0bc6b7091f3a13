"""One line's transactions, filtered, sorted and paged in SQL for the grid and the export.

AG Grid's infinite row model sends a sort model and a filter model (JSON from the browser, so
untrusted). They are translated against a whitelist of columns and operators; every value goes in
as a bound parameter and LIKE patterns are escaped, so nothing the browser sends becomes SQL text.
Anything unknown (a column, an operator, a value of the wrong type) is dropped, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select, and_, func, literal, not_, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from data.models import Transaction
from data.vocab import BUCKETS, CATEGORIES, KST, TX_STATUSES

MAX_PAGE = 500  # rows per getRows request; AG Grid asks for cacheBlockSize (100) at a time
MAX_TEXT = 100  # longest filter / search text we act on
MAX_CONDITIONS = 4  # AG Grid joins at most a handful of conditions per column

# Grid column id → (store column, filter kind). Only these can be sorted or filtered.
COLUMNS: dict[str, tuple[Any, str]] = {
    "occurred_at": (Transaction.occurred_at, "date"),
    "merchant": (Transaction.merchant, "text"),
    "pg": (Transaction.pg, "text"),
    "product": (Transaction.product, "text"),
    "category": (Transaction.category, "code"),
    "bucket": (Transaction.bucket, "code"),
    "amount": (Transaction.amount, "number"),
    "status": (Transaction.status, "code"),
}
# What a page row carries (codes, not labels: the UI translates).
ROW_COLUMNS = (
    Transaction.id,
    Transaction.occurred_at,
    Transaction.merchant,
    Transaction.merchant_key,
    Transaction.pg,
    Transaction.product,
    Transaction.category,
    Transaction.bucket,
    Transaction.amount,
    Transaction.status,
    Transaction.pay_type,
    Transaction.cancels_id,
    Transaction.refund,
)


@dataclass(frozen=True)
class TxFilters:
    """The controls above the grid. Values outside the vocabulary are treated as "all"."""

    month: str | None = None
    bucket: str | None = None
    status: str | None = None
    category: str | None = None
    quick: str = ""

    @classmethod
    def of(cls, month: object = None, bucket: object = None, status: object = None,
           category: object = None, quick: object = None) -> TxFilters:
        return cls(
            month=month if _is_month(month) else None,
            bucket=bucket if bucket in BUCKETS else None,
            status=status if status in TX_STATUSES else None,
            category=category if category in CATEGORIES else None,
            quick=quick.strip()[:MAX_TEXT] if isinstance(quick, str) else "",
        )


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    count: int | None  # rows matching in all; None when counting would cost a scan (see fetch_page)


def fetch_page(
    session: Session,
    line_id: int,
    filters: TxFilters,
    filter_model: object = None,
    sort_model: object = None,
    start: object = 0,
    end: object = 100,
) -> Page:
    """Rows [start, end) of the filtered, sorted list.

    The total is counted only when that is cheap (an index-only count) or known from a short last
    page. A text search or category filter over a 100,000-row line would need a second full scan,
    so the grid gets "unknown" (AG Grid's infinite model then grows as it scrolls) and the page's
    count label asks `count_rows` in its own request.
    """
    first, last = _window(start, end)
    conditions = where_clauses(line_id, filters, filter_model)
    query = select(*ROW_COLUMNS).where(*conditions).order_by(*order_by(sort_model))
    rows = [dict(row._mapping) for row in session.execute(query.offset(first).limit(last - first))]
    if len(rows) < last - first and (rows or first == 0):
        return Page(rows, first + len(rows))
    if count_is_cheap(filters, filter_model):
        return Page(rows, _count(session, conditions))
    return Page(rows, None)


def count_rows(session: Session, line_id: int, filters: TxFilters, filter_model: object = None) -> int:
    return _count(session, where_clauses(line_id, filters, filter_model))


def count_is_cheap(filters: TxFilters, filter_model: object) -> bool:
    """Only line / month / bucket / status: answered from ix_transactions_line_month alone."""
    return not (filters.quick or filters.category or column_filters(filter_model))


def _count(session: Session, conditions: list[ColumnElement[bool]]) -> int:
    return int(session.scalar(select(func.count()).select_from(Transaction).where(*conditions)) or 0)


def iter_rows(
    session: Session,
    line_id: int,
    filters: TxFilters,
    filter_model: object = None,
    sort_model: object = None,
    limit: int | None = None,
    columns: Sequence[Any] = ROW_COLUMNS,
) -> Iterator[dict[str, Any]]:
    """Every matching row in grid order, streamed (the export of a 100,000-row line)."""
    query: Select = select(*columns).where(*where_clauses(line_id, filters, filter_model))
    query = query.order_by(*order_by(sort_model))
    if limit is not None:
        query = query.limit(limit)
    for row in session.execute(query.execution_options(yield_per=2000)):
        yield dict(row._mapping)


def months_of(session: Session, line_id: int) -> list[str]:
    """Usage months that have rows, newest first (reads only the (line, month, …) index)."""
    query = (
        select(Transaction.usage_month)
        .where(Transaction.line_id == line_id)
        .group_by(Transaction.usage_month)
        .order_by(Transaction.usage_month.desc())
    )
    return list(session.scalars(query))


# ---- translation ---------------------------------------------------------------------------


def where_clauses(line_id: int, filters: TxFilters, filter_model: object) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [Transaction.line_id == line_id]
    if filters.month:
        clauses.append(Transaction.usage_month == filters.month)
    if filters.bucket:
        clauses.append(Transaction.bucket == filters.bucket)
    if filters.status:
        clauses.append(Transaction.status == filters.status)
    if filters.category:
        clauses.append(Transaction.category == filters.category)
    if filters.quick:
        clauses.append(quick_search(filters.quick))
    clauses.extend(column_filters(filter_model))
    return clauses


def quick_search(text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match on merchant and product.

    A search that matches nothing reads all the line's rows (~50 ms for 100,000 on SQLite) and
    every searched column adds a LIKE per row, so the PG (결제대행사) is left to its column filter.
    """
    pattern = f"%{_escape_like(text[:MAX_TEXT])}%"
    return or_(like_ci(Transaction.merchant, pattern), like_ci(Transaction.product, pattern))


def order_by(sort_model: object) -> list[Any]:
    """AG Grid sortModel → ORDER BY, always ending in id so paging is stable across requests."""
    terms: list[Any] = []
    seen: set[str] = set()
    direction = "desc"
    for item in sort_model if isinstance(sort_model, list) else []:
        if not isinstance(item, Mapping):
            continue
        col_id, sort = item.get("colId"), item.get("sort")
        if not isinstance(col_id, str) or col_id not in COLUMNS or col_id in seen or sort not in ("asc", "desc"):
            continue
        seen.add(col_id)
        direction = str(sort)
        column = COLUMNS[col_id][0]
        terms.append(column.asc() if direction == "asc" else column.desc())
    if not terms:
        return [Transaction.occurred_at.desc(), Transaction.id.desc()]
    return [*terms, Transaction.id.asc() if direction == "asc" else Transaction.id.desc()]


def column_filters(filter_model: object) -> list[ColumnElement[bool]]:
    """AG Grid filterModel ({colId: model}) → WHERE clauses; unknown columns and kinds are ignored."""
    if not isinstance(filter_model, Mapping):
        return []
    clauses = []
    for col_id, model in filter_model.items():
        if not isinstance(col_id, str) or col_id not in COLUMNS or not isinstance(model, Mapping):
            continue
        column, kind = COLUMNS[col_id]
        clause = _combined(column, kind, model)
        if clause is not None:
            clauses.append(clause)
    return clauses


def _combined(column: Any, kind: str, model: Mapping) -> ColumnElement[bool] | None:
    conditions = model.get("conditions")
    if not isinstance(conditions, list):
        return _condition(column, kind, model)
    parts = [c for c in (_condition(column, kind, m) for m in conditions[:MAX_CONDITIONS]
                         if isinstance(m, Mapping)) if c is not None]
    if not parts:
        return None
    return or_(*parts) if model.get("operator") == "OR" else and_(*parts)


def _condition(column: Any, kind: str, model: Mapping) -> ColumnElement[bool] | None:
    op = model.get("type")
    if op == "blank":
        return or_(column.is_(None), column == "") if kind == "text" else column.is_(None)
    if op == "notBlank":
        return and_(column.is_not(None), column != "") if kind == "text" else column.is_not(None)
    if kind == "text":
        return _text(column, op, model.get("filter"))
    if kind == "number":
        return _number(column, op, model.get("filter"), model.get("filterTo"))
    if kind == "date":
        return _date(column, op, model.get("dateFrom"), model.get("dateTo"))
    if kind == "code":
        return _code(column, op, model.get("filter"))
    return None


def _text(column: Any, op: object, value: object) -> ColumnElement[bool] | None:
    if not isinstance(value, str) or not value:
        return None
    value = value[:MAX_TEXT]
    escaped = _escape_like(value)
    match op:
        case "contains":
            return like_ci(column, f"%{escaped}%")
        case "notContains":
            return or_(column.is_(None), not_(like_ci(column, f"%{escaped}%")))
        case "startsWith":
            return like_ci(column, f"{escaped}%")
        case "endsWith":
            return like_ci(column, f"%{escaped}")
        case "equals":
            return func.lower(column) == value.lower()
        case "notEqual":
            return or_(column.is_(None), func.lower(column) != value.lower())
    return None


def _number(column: Any, op: object, value: object, value_to: object) -> ColumnElement[bool] | None:
    low, high = _as_int(value), _as_int(value_to)
    if low is None:
        return None
    match op:
        case "equals":
            return column == low
        case "notEqual":
            return column != low
        case "lessThan":
            return column < low
        case "lessThanOrEqual":
            return column <= low
        case "greaterThan":
            return column > low
        case "greaterThanOrEqual":
            return column >= low
        case "inRange":
            return and_(column >= min(low, high), column <= max(low, high)) if high is not None else None
    return None


def _date(column: Any, op: object, value: object, value_to: object) -> ColumnElement[bool] | None:
    """Dates are KST calendar days (what the grid shows); both ends of a range are included."""
    day, day_to = _as_day(value), _as_day(value_to)
    if day is None:
        return None
    start, end = _day_bounds(day)
    match op:
        case "equals":
            return and_(column >= start, column < end)
        case "notEqual":
            return or_(column < start, column >= end)
        case "lessThan":
            return column < start
        case "greaterThan":
            return column >= end
        case "inRange":
            if day_to is None:
                return None
            first, last = sorted((day, day_to))
            return and_(column >= _day_bounds(first)[0], column < _day_bounds(last)[1])
    return None


def _code(column: Any, op: object, value: object) -> ColumnElement[bool] | None:
    """category / bucket / status: exact codes only (the dropdowns above the grid send these)."""
    allowed = {"category": CATEGORIES, "bucket": BUCKETS, "status": TX_STATUSES}.get(column.key, ())
    if op != "equals" or value not in allowed:
        return None
    return column == value


# ---- case-insensitive LIKE ------------------------------------------------------------------


class ci_like(FunctionElement):
    """`column LIKE pattern` ignoring case, with "/" escaping the pattern's wildcards.

    SQLAlchemy's icontains() wraps both sides in lower() on SQLite, which costs 2-3x on a 100,000-row
    scan; SQLite's own LIKE already ignores ASCII case (Hangul has none), PostgreSQL has ILIKE.
    """

    type = Boolean()
    inherit_cache = True
    name = "ci_like"

    def __init__(self, column: Any, pattern: str) -> None:
        super().__init__(column, literal(pattern))


@compiles(ci_like)
def _ci_like_default(element: ci_like, compiler: Any, **kw: Any) -> str:
    column, pattern = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({column} LIKE {pattern} ESCAPE '/')"


@compiles(ci_like, "postgresql")
def _ci_like_postgresql(element: ci_like, compiler: Any, **kw: Any) -> str:
    column, pattern = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({column} ILIKE {pattern} ESCAPE '/')"


def like_ci(column: Any, pattern: str) -> ColumnElement[bool]:
    """Case-insensitive LIKE, as cheap as the pattern allows.

    Hangul, digits and symbols have no case: plain LIKE matches them the same and PostgreSQL
    compares bytes instead of lower-casing every row (ILIKE on Korean text costs ~3x).
    """
    if pattern.lower() == pattern.upper():
        return column.like(pattern, escape="/")
    return ci_like(column, pattern)


def _escape_like(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


# ---- value parsing -------------------------------------------------------------------------


def _window(start: object, end: object) -> tuple[int, int]:
    first = start if isinstance(start, int) and not isinstance(start, bool) and start >= 0 else 0
    last = end if isinstance(end, int) and not isinstance(end, bool) and end > first else first + 100
    return first, min(last, first + MAX_PAGE)


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return None


def _as_day(value: object) -> date | None:
    """AG Grid sends "YYYY-MM-DD HH:MM:SS" (midnight) for a picked date."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=KST)
    return start, start + timedelta(days=1)


def _is_month(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 7:
        return False
    try:
        datetime.strptime(value, "%Y-%m")  # a label check; no instant involved
    except ValueError:
        return False
    return True


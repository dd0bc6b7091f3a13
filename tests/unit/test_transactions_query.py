"""Grid queries: sort/filter models → SQL (whitelisted, bound, escaped), paging and counts, both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from data.importing.normalize import merchant_key
from data.models import Transaction
from data.transactions_query import (
    MAX_PAGE,
    TxFilters,
    _window,
    count_rows,
    fetch_page,
    iter_rows,
    months_of,
    where_clauses,
)
from data.vocab import KST
from tests.helpers import make_line, make_user

BASE = datetime(2025, 5, 11, 14, 30, tzinfo=UTC)  # 23:30 KST, 11 May
# (merchant, product, pg, category, bucket, amount, status, minutes after BASE)
ROWS = [
    ("(주)다날_넥슨", "넥슨캐시", "다날", "game", "micropayment", 12_300, "approved", 0),
    ("Google Play", "앱 내 구매", None, "app_store", "content", 4_900, "approved", 40),  # 00:10 KST, 12 May
    ("컬쳐랜드", "문화상품권 5만원", "갤럭시아머니트리", "gift_voucher", "micropayment", 50_000, "approved", 60 * 24),
    ("100%_할인몰", "특가", "KCP", "shopping", "micropayment", 1_100, "declined", 60 * 48),
    ("<img src=x onerror=alert(1)>", None, "다날", "other", "micropayment", 3_300, "approved", 60 * 24 * 30),
    ('=HYPERLINK("http://x")', "상품", "다날", "other", "micropayment", 2_200, "cancelled", 60 * 24 * 31),
]


def _insert(store, line_id: int, rows=ROWS, prefix: str = "r") -> None:
    with store.write() as db:
        for index, (merchant, product, pg, category, bucket, amount, status, minutes) in enumerate(rows):
            tx = Transaction(line_id=line_id, merchant=merchant, merchant_key=merchant_key(merchant), pg=pg,
                             product=product, category=category, bucket=bucket, amount=amount, status=status,
                             source="manual", external_id=f"{prefix}{index}", refund=False)
            tx.set_time(BASE + timedelta(minutes=minutes))
            db.add(tx)


@pytest.fixture
def line(store) -> int:
    owner = make_user(store)
    line_id = make_line(store, owner)
    _insert(store, line_id)
    other = make_line(store, make_user(store, "other@example.com"), number="010-****-0000")
    _insert(store, other, prefix="o")  # the same rows on someone else's line never show up
    return line_id


def page(store, line_id, filters=None, filter_model=None, sort_model=None, start=0, end=100):
    with store.read() as db:
        return fetch_page(db, line_id, filters or TxFilters(), filter_model, sort_model, start, end)


def merchants(result) -> list[str]:
    return [row["merchant"] for row in result.rows]


def test_default_order_is_newest_first_and_only_this_line(store, line):
    result = page(store, line)
    assert merchants(result) == [r[0] for r in reversed(ROWS)]
    assert result.count == len(ROWS)
    assert {row["id"] for row in result.rows}.isdisjoint(_ids_of_other_line(store, line))


def _ids_of_other_line(store, line_id) -> set[int]:
    with store.read() as db:
        return set(db.scalars(select(Transaction.id).where(Transaction.line_id != line_id)))


def test_paging_windows_and_counts(store, line):
    first = page(store, line, start=0, end=2)
    second = page(store, line, start=2, end=4)
    last = page(store, line, start=4, end=6)
    assert [len(p.rows) for p in (first, second, last)] == [2, 2, 2]
    assert len(set(merchants(first) + merchants(second) + merchants(last))) == len(ROWS)
    assert first.count == len(ROWS)  # cheap count: line only
    beyond = page(store, line, start=6, end=8)
    assert beyond.rows == [] and beyond.count == len(ROWS)


def test_bad_windows_fall_back_and_are_capped(store, line):
    assert len(page(store, line, start=-5, end="x").rows) == len(ROWS)
    assert len(page(store, line, start=True, end=None).rows) == len(ROWS)
    assert _window(0, 10**9) == (0, MAX_PAGE)
    assert _window("0", 5) == (0, 5)
    assert _window(10, 3) == (10, 110)


def test_count_is_unknown_for_scans_until_the_last_page(store, line):
    filters = TxFilters.of(quick="e")  # Google Play, onerror, HYPERLINK (any case): three rows
    first = page(store, line, filters, start=0, end=2)
    assert first.count is None  # a text search would need a second scan: the grid keeps asking
    tail = page(store, line, filters, start=2, end=4)
    assert len(tail.rows) == 1 and tail.count == 3  # a short page is the end
    with store.read() as db:
        assert count_rows(db, line, filters) == 3


def test_sort_model_whitelist_and_directions(store, line):
    by_amount = page(store, line, sort_model=[{"colId": "amount", "sort": "asc"}])
    assert [r["amount"] for r in by_amount.rows] == sorted(r[5] for r in ROWS)
    desc = page(store, line, sort_model=[{"colId": "amount", "sort": "desc"}])
    assert [r["amount"] for r in desc.rows] == sorted((r[5] for r in ROWS), reverse=True)
    two = page(store, line, sort_model=[{"colId": "bucket", "sort": "asc"}, {"colId": "amount", "sort": "desc"}])
    assert two.rows[0]["bucket"] == "content"


HOSTILE_SORTS = [
    [{"colId": "amount; DROP TABLE transactions; --", "sort": "asc"}],
    [{"colId": "line_id", "sort": "asc"}],
    [{"colId": "amount", "sort": "asc; DELETE FROM users"}],
    [{"colId": "amount", "sort": "ASC"}],
    [{"colId": ["amount"], "sort": "asc"}],
    ["amount"],
    {"colId": "amount"},
    "amount desc",
    None,
]


def test_hostile_or_unknown_sort_models_fall_back_to_newest_first(store, line):
    for sort_model in HOSTILE_SORTS:
        assert merchants(page(store, line, sort_model=sort_model)) == [r[0] for r in reversed(ROWS)], sort_model
    assert count_rows_in_db(store) == 2 * len(ROWS)


def count_rows_in_db(store) -> int:
    with store.read() as db:
        return len(db.scalars(select(Transaction.id)).all())


def text_filter(column: str, op: str, value) -> dict:
    return {column: {"filterType": "text", "type": op, "filter": value}}


TEXT_CASES = [
    ("contains", "넥슨", ["(주)다날_넥슨"]),
    ("contains", "google", ["Google Play"]),  # case-insensitive
    ("contains", "%", ["100%_할인몰"]),  # LIKE wildcards are literal
    ("contains", "_", ["(주)다날_넥슨", "100%_할인몰"]),
    ("startsWith", "100%", ["100%_할인몰"]),
    ("endsWith", "play", ["Google Play"]),
    ("equals", "google play", ["Google Play"]),
    ("contains", "' OR 1=1 --", []),
    ("contains", "<img", ["<img src=x onerror=alert(1)>"]),
]


def test_text_filters(store, line):
    for op, value, expected in TEXT_CASES:
        result = page(store, line, filter_model=text_filter("merchant", op, value))
        assert sorted(merchants(result)) == sorted(expected), (op, value)


def test_negative_and_blank_text_filters(store, line):
    not_contains = page(store, line, filter_model=text_filter("pg", "notContains", "다날"))
    assert sorted(merchants(not_contains)) == sorted(["Google Play", "컬쳐랜드", "100%_할인몰"])  # NULL pg counts
    blank = page(store, line, filter_model={"product": {"filterType": "text", "type": "blank"}})
    assert merchants(blank) == ["<img src=x onerror=alert(1)>"]
    not_blank = page(store, line, filter_model={"product": {"filterType": "text", "type": "notBlank"}})
    assert len(not_blank.rows) == len(ROWS) - 1


def test_combined_conditions(store, line):
    either = {"merchant": {"filterType": "text", "operator": "OR", "conditions": [
        {"filterType": "text", "type": "contains", "filter": "넥슨"},
        {"filterType": "text", "type": "contains", "filter": "컬쳐"}]}}
    assert sorted(merchants(page(store, line, filter_model=either))) == ["(주)다날_넥슨", "컬쳐랜드"]
    both = {"merchant": {**either["merchant"], "operator": "AND"}}
    assert merchants(page(store, line, filter_model=both)) == []


NUMBER_CASES = [
    ({"type": "equals", "filter": 12_300}, [12_300]),
    ({"type": "greaterThan", "filter": 12_300}, [50_000]),
    ({"type": "greaterThanOrEqual", "filter": 12_300}, [12_300, 50_000]),
    ({"type": "lessThan", "filter": 2_200}, [1_100]),
    ({"type": "inRange", "filter": 5_000, "filterTo": 2_000}, [2_200, 3_300, 4_900]),
    ({"type": "notEqual", "filter": 50_000.0}, [1_100, 2_200, 3_300, 4_900, 12_300]),
]


def test_number_filters(store, line):
    for model, amounts in NUMBER_CASES:
        result = page(store, line, filter_model={"amount": {"filterType": "number", **model}})
        assert sorted(r["amount"] for r in result.rows) == amounts, model
    for value in ["12300", "1 OR 1=1", True, None, [1], {"x": 1}, 1.5, float("nan")]:
        model = {"amount": {"filterType": "number", "type": "equals", "filter": value}}
        assert len(page(store, line, filter_model=model).rows) == len(ROWS), value


def test_date_filter_uses_kst_days(store, line):
    def day(op, date_from, date_to=None):
        model = {"occurred_at": {"filterType": "date", "type": op, "dateFrom": date_from, "dateTo": date_to}}
        return merchants(page(store, line, filter_model=model))

    # 14:30 UTC on 11 May is 23:30 KST on 11 May; 40 minutes later it is 12 May in Seoul.
    assert day("equals", "2025-05-11 00:00:00") == ["(주)다날_넥슨"]
    assert day("equals", "2025-05-12 00:00:00") == ["컬쳐랜드", "Google Play"]  # 컬쳐랜드: 23:30 KST
    assert day("lessThan", "2025-05-12 00:00:00") == ["(주)다날_넥슨"]
    assert sorted(day("inRange", "2025-05-13 00:00:00", "2025-05-11 00:00:00")) == sorted(
        ["(주)다날_넥슨", "Google Play", "컬쳐랜드", "100%_할인몰"])  # both ends included
    assert len(day("equals", "not a date")) == len(ROWS)
    assert len(day("equals", "2025-05-11'; DROP TABLE lines; --")) == 1  # only the date part is read


HOSTILE_FILTERS = [
    {"merchant) OR 1=1 --": {"filterType": "text", "type": "contains", "filter": "x"}},
    {"line_id": {"filterType": "number", "type": "equals", "filter": 2}},
    {"merchant": {"filterType": "text", "type": "regex", "filter": ".*"}},
    {"merchant": {"filterType": "text", "type": "contains", "filter": {"$ne": 1}}},
    {"merchant": "contains x"},
    {"amount": {"filterType": "number", "type": "equals; DROP TABLE users", "filter": 1}},
    {"category": {"filterType": "text", "type": "equals", "filter": "' OR ''='"}},
    ["merchant"],
    "merchant=1",
]


def test_hostile_filter_models_are_ignored(store, line):
    for filter_model in HOSTILE_FILTERS:
        assert len(page(store, line, filter_model=filter_model).rows) == len(ROWS), filter_model
    assert count_rows_in_db(store) == 2 * len(ROWS)


def test_code_columns_accept_exact_codes_only(store, line):
    model = {"status": {"filterType": "text", "type": "equals", "filter": "declined"}}
    assert merchants(page(store, line, filter_model=model)) == ["100%_할인몰"]


def test_user_text_never_reaches_the_sql_string():
    hostile = "x'); DROP TABLE transactions; --"
    clauses = where_clauses(1, TxFilters.of(quick=hostile),
                            text_filter("merchant", "contains", hostile) | text_filter("pg", "equals", hostile))
    query = select(Transaction.id).where(*clauses)
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        compiled = query.compile(dialect=dialect)
        assert "DROP" not in str(compiled)
        assert any("DROP" in str(v) for v in compiled.params.values())


def test_page_controls(store, line):
    assert merchants(page(store, line, TxFilters.of(category="gift_voucher"))) == ["컬쳐랜드"]
    assert merchants(page(store, line, TxFilters.of(bucket="content"))) == ["Google Play"]
    assert merchants(page(store, line, TxFilters.of(status="declined"))) == ["100%_할인몰"]
    month = page(store, line, TxFilters.of(month="2025-06"))
    assert sorted(merchants(month)) == sorted(["<img src=x onerror=alert(1)>", '=HYPERLINK("http://x")'])
    assert month.count == 2  # month/bucket/status counts come from the index


def test_quick_search_merchant_and_product(store, line):
    assert merchants(page(store, line, TxFilters.of(quick="상품권"))) == ["컬쳐랜드"]  # product
    assert merchants(page(store, line, TxFilters.of(quick="갤럭시아"))) == []  # PG: its column filter
    assert merchants(page(store, line, TxFilters.of(quick="  GOOGLE "))) == ["Google Play"]
    assert merchants(page(store, line, TxFilters.of(quick="%"))) == ["100%_할인몰"]
    assert merchants(page(store, line, TxFilters.of(quick="' OR 1=1 --"))) == []


def test_filters_outside_the_vocabulary_mean_all():
    assert TxFilters.of("2025-13", "card", "paid", "food", 42) == TxFilters()
    assert TxFilters.of("2025-05", "content", "approved", "game", " x ") == TxFilters(
        "2025-05", "content", "approved", "game", "x")
    assert len(TxFilters.of(quick="가" * 500).quick) == 100


def test_months_and_export_iteration(store, line):
    with store.read() as db:
        assert months_of(db, line) == ["2025-06", "2025-05"]
        rows = list(iter_rows(db, line, TxFilters(), None, [{"colId": "amount", "sort": "desc"}]))
        assert [r["amount"] for r in rows] == sorted((r[5] for r in ROWS), reverse=True)
        assert count_rows(db, line, TxFilters()) == len(rows)
        cheapest = rows[-1]
        assert cheapest["merchant"] == "100%_할인몰"
        assert cheapest["occurred_at"].astimezone(KST).strftime("%Y-%m-%d %H:%M") == "2025-05-13 23:30"

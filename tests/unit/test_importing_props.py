"""Property tests: all-or-nothing, stable ids, export -> import round trip."""

from __future__ import annotations

import csv
import dataclasses
import io
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from data.exporting import transactions_csv, transactions_xlsx
from data.importing import ImportedRow, parse_file
from data.importing.keywords import squash
from data.importing.parse import escape_formula, unescape
from data.vocab import KST
from tests.conftest import SUITE_NOW

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOTAL_WORDS = {"합계", "총합계", "총계", "소계", "총액", "total", "sum"}
HEADERS = ["결제일시", "이용업체명", "구매상품", "금액", "상태"]

# Hangul syllables are all in CP949 (not in EUC-KR's 2,350), so every file below can be CP949.
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
OTHER = st.sampled_from(string.ascii_letters + string.digits + ' ()&.-_=+@<>/";,')
TEXT = (
    st.text(alphabet=st.one_of(HANGUL, OTHER), min_size=1, max_size=12)
    .map(str.strip)
    .filter(lambda t: t and squash(t) not in TOTAL_WORDS)
)
# Up to the suite clock's day: a history row after tomorrow is a row error (data/importing/parse.py).
MOMENTS = st.datetimes(min_value=datetime(2015, 1, 1), max_value=SUITE_NOW.replace(tzinfo=None)).map(
    lambda d: d.replace(microsecond=0)
)
STATUSES = {"승인": ("approved", False), "취소": ("cancelled", False), "부분취소": ("cancelled", True), "": None}


@dataclass(frozen=True)
class Row:
    moment: datetime  # KST wall time
    date_style: int
    merchant: str
    product: str
    amount: int
    amount_style: int
    negative: bool
    status: str
    invalid: str | None  # which cell is broken, if any


def date_cell(row: Row, native: bool) -> object:
    if row.invalid == "date":
        # Unreadable, impossible, or out of 1990..tomorrow (never rewritten: "0099" is not 2099).
        return ["2025-13-01 10:00", "어제", "2025/02/30", "0099-05-05 10:00", "2100-12-31 10:00"][row.date_style]
    m = row.moment
    if native and row.date_style == 0:
        return m
    meridiem, hour12 = ("오후" if m.hour >= 12 else "오전"), (m.hour % 12 or 12)
    return [
        m.strftime("%Y.%m.%d %H:%M:%S"),
        m.strftime("%Y-%m-%d %H:%M"),
        f"{m:%Y/%m/%d} {meridiem} {hour12}:{m:%M}",
        m.strftime("%Y%m%d%H%M%S"),
        m.strftime("%Y-%m-%d"),
    ][row.date_style]


def expected_moment(row: Row, native: bool) -> datetime:
    m = row.moment
    if row.date_style in (1, 2) and not (native and row.date_style == 0):
        m = m.replace(second=0)
    if row.date_style == 4:
        m = m.replace(hour=0, minute=0, second=0)
    return m.replace(tzinfo=KST).astimezone(UTC)


def amount_cell(row: Row, native: bool) -> object:
    if row.invalid == "amount":
        return ["abc", "12.5", "0", "1,2"][row.amount_style % 4]
    value = -row.amount if row.negative else row.amount
    if native and row.amount_style == 0:
        return value
    if native and row.amount_style == 1:
        return float(value)
    sign = "-" if row.negative else ""
    return [f"{value:,}", f"{value:,}원", f"{sign}￦{row.amount:,}", str(value), f"{value}.0"][row.amount_style]


def cells(row: Row, native: bool) -> list[object]:
    merchant = "" if row.invalid == "merchant" else row.merchant
    return [date_cell(row, native), merchant, row.product, amount_cell(row, native), row.status]


rows_strategy = st.builds(
    Row,
    moment=MOMENTS,
    date_style=st.integers(0, 4),
    merchant=TEXT,
    product=st.one_of(st.just(""), TEXT),
    amount=st.integers(1, 2_000_000),
    amount_style=st.integers(0, 4),
    negative=st.booleans(),
    status=st.sampled_from(list(STATUSES)),
    invalid=st.sampled_from([None] * 6 + ["amount", "date", "merchant"]),
)


@dataclass(frozen=True)
class Table:
    rows: list[Row]
    title: bool
    kind: str  # "csv" | "xlsx"
    encoding: str
    delimiter: str

    @property
    def header_row(self) -> int:
        return 3 if self.title else 1

    def content(self) -> bytes:
        return self._xlsx() if self.kind == "xlsx" else self._csv()

    def _csv(self) -> bytes:
        buffer = io.StringIO()
        if self.title:
            buffer.write("휴대폰 결제 이용내역\r\n\r\n")
        writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator="\r\n")
        writer.writerow(HEADERS)
        writer.writerows(cells(row, native=False) for row in self.rows)
        return buffer.getvalue().encode(self.encoding)

    def _xlsx(self) -> bytes:
        workbook = Workbook()
        sheet = workbook.active
        lines: list[list[object]] = [["휴대폰 결제 이용내역"], []] if self.title else []
        lines += [HEADERS, *(cells(row, native=True) for row in self.rows)]
        for number, values in enumerate(lines, start=1):
            for column, value in enumerate(values, start=1):
                cell = sheet.cell(number, column, value)
                if isinstance(value, str):
                    cell.data_type = "s"  # like typed text in Excel, never a formula
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


tables = st.builds(
    Table,
    rows=st.lists(rows_strategy, min_size=1, max_size=15),
    title=st.booleans(),
    kind=st.sampled_from(["csv", "csv", "xlsx"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp949"]),
    delimiter=st.sampled_from([",", "\t", ";"]),
)


def strip_numbers(rows: list[ImportedRow]) -> list[ImportedRow]:
    return [dataclasses.replace(row, source_row=0) for row in rows]


@SETTINGS
@given(tables)
def test_every_row_or_none(table: Table) -> None:
    result = parse_file(table.content(), f"t.{table.kind}")
    native = table.kind == "xlsx"
    invalid_rows = {table.header_row + 1 + i for i, row in enumerate(table.rows) if row.invalid}
    if not invalid_rows:
        assert result.errors == []
        assert len(result.rows) == len(table.rows)
        for parsed, row in zip(result.rows, table.rows, strict=True):
            assert parsed.merchant == row.merchant
            assert parsed.product == (row.product or None)
            assert parsed.amount == row.amount
            assert parsed.occurred_at == expected_moment(row, native)
            status, partial = STATUSES[row.status] or ("approved", False)
            if row.negative and status == "approved":
                status = "cancelled"
            assert (parsed.status, parsed.partial) == (status, partial)
    else:
        assert result.rows == []
        reported = {error.row for error in result.errors}
        assert reported == invalid_rows, result.errors


@SETTINGS
@given(tables)
def test_same_bytes_same_ids(table: Table) -> None:
    content = table.content()
    first, second = parse_file(content, "a"), parse_file(content, "a")
    assert [r.external_id for r in first.rows] == [r.external_id for r in second.rows]
    assert len({r.external_id for r in first.rows}) == len(first.rows)


@SETTINGS
@given(tables, st.sampled_from([transactions_csv, transactions_xlsx]))
def test_export_import_round_trip(table: Table, export) -> None:  # type: ignore[no-untyped-def]
    valid = dataclasses.replace(table, rows=[dataclasses.replace(r, invalid=None) for r in table.rows])
    imported = parse_file(valid.content(), "a").rows
    again = parse_file(export(imported), "export")
    assert again.errors == []
    assert strip_numbers(again.rows) == strip_numbers(imported)


@settings(max_examples=200)
@given(st.text(max_size=8))
def test_unescape_undoes_escape(text: str) -> None:
    assert unescape(escape_formula(text)) == text
    assert not escape_formula(text).startswith(("=", "+", "-", "@", "\t", "\r"))


@settings(max_examples=100, deadline=None)
@given(MOMENTS, st.integers(0, 100_000))
def test_microseconds_survive_the_round_trip(moment: datetime, micros: int) -> None:
    when = (moment + timedelta(microseconds=micros)).replace(tzinfo=KST)
    lines = ["결제일시,이용업체명,금액", f"{when:%Y-%m-%d %H:%M:%S.%f},넥슨,1000"]
    rows = parse_file("\r\n".join(lines).encode(), "a.csv").rows
    assert rows[0].occurred_at == when.astimezone(UTC)
    for export in (transactions_csv, transactions_xlsx):
        assert parse_file(export(rows), "b").rows[0].occurred_at == rows[0].occurred_at

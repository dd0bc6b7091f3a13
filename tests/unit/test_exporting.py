"""CSV/XLSX export: injection escaping, types, Korean in Excel, and the round trip through parse_file."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from data.exporting import (
    DEFAULT_COLUMNS,
    display_row,
    to_csv,
    to_xlsx,
    transactions_csv,
    transactions_xlsx,
)
from data.importing import ImportedRow, parse_file

DANGEROUS = [
    '=HYPERLINK("http://x")',
    "+1",
    "-2",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "＝1+1",
    "'=already quoted",
]
COLUMNS = [("text", "내용"), ("amount", "금액")]


def csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def sample_rows() -> list[ImportedRow]:
    lines = [
        "결제일시,이용업체명,결제대행사,구매상품,이용서비스,금액,상태,통신사,구분",
        '2025.05.11 14:23:05,(주)다날_넥슨,다날,넥슨캐시,게임,"12,300원",승인,KTF,자동',
        '2025.05.11 14:23:06.250000,"<img src=x onerror=alert(1)>",,"=HYPERLINK(""http://x"")",,-1100,,LGT,',
        "2025/05/12 오후 2:23,Google Play,,@SUM(1),+1,5500,부분취소,,콘텐츠이용료",
        "2025/05/12 오후 2:23,Google Play,,@SUM(1),+1,5500,부분취소,,콘텐츠이용료",
        "2025-05-13 09:00,쿠팡,NHN KCP,-2,,2000,거절,알뜰폰,",
    ]
    result = parse_file(("\r\n".join(lines)).encode("cp949"), "a.csv")
    assert result.errors == []
    return result.rows


def without_row_numbers(rows: list[ImportedRow]) -> list[ImportedRow]:
    return [dataclasses.replace(row, source_row=0) for row in rows]


def test_csv_is_utf8_with_bom_and_korean_headers() -> None:
    content = to_csv([{"text": "넥슨", "amount": 1000}], COLUMNS)
    assert content.startswith(b"\xef\xbb\xbf")
    assert csv_cells(content) == [["내용", "금액"], ["넥슨", "1000"]]
    assert content.endswith(b"\r\n")


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_escapes_formula_cells(text: str) -> None:
    cells = csv_cells(to_csv([{"text": text, "amount": -2}], COLUMNS))
    assert cells[1] == ["'" + text, "-2"]  # the number is not text and stays unescaped


def test_csv_leaves_harmless_text_alone() -> None:
    rows = [{"text": t, "amount": None} for t in ["넥슨", "a=b", "1-2", "'quoted", "<b>x</b>"]]
    cells = csv_cells(to_csv(rows, COLUMNS))
    assert [row[0] for row in cells[1:]] == ["넥슨", "a=b", "1-2", "'quoted", "<b>x</b>"]
    assert all(row[1] == "" for row in cells[1:])


def test_csv_escapes_headers_too() -> None:
    cells = csv_cells(to_csv([], [("a", "=cmd|' /C calc'!A0")]))
    assert cells == [["'=cmd|' /C calc'!A0"]]


def test_xlsx_escaped_cells_are_strings_and_numbers_stay_numbers() -> None:
    rows = [{"text": text, "amount": 1000 + i} for i, text in enumerate(DANGEROUS)]
    workbook = load_workbook(io.BytesIO(to_xlsx(rows, COLUMNS)))
    sheet = workbook.active
    values = list(sheet.iter_rows(min_row=2))
    for (text_cell, amount_cell), text in zip(values, DANGEROUS, strict=True):
        assert text_cell.data_type == "s"
        assert text_cell.value == "'" + text
        assert amount_cell.data_type == "n"
        assert isinstance(amount_cell.value, int)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert sheet.freeze_panes == "A2"


def test_xlsx_datetimes_are_kst_date_cells() -> None:
    moment = datetime(2025, 5, 11, 5, 23, 5, tzinfo=UTC)
    workbook = load_workbook(io.BytesIO(to_xlsx([{"when": moment}], [("when", "결제일시")])))
    cell = workbook.active["A2"]
    assert cell.is_date
    assert cell.value == datetime(2025, 5, 11, 14, 23, 5)


def test_xlsx_drops_characters_xml_cannot_hold() -> None:
    workbook = load_workbook(io.BytesIO(to_xlsx([{"text": "a\x00b\x1fc", "amount": 1}], COLUMNS)))
    assert workbook.active["A2"].value == "abc"


def test_display_row_uses_korean_labels() -> None:
    row = sample_rows()[0]
    shown = display_row(row)
    assert shown["status"] == "승인"
    assert shown["category"] == "게임"
    assert shown["bucket"] == "소액결제"
    assert shown["pay_type"] == "자동"
    assert shown["carrier"] == "KT"
    assert display_row({"status": "cancelled", "partial": True})["status"] == "부분취소"
    assert display_row({"carrier": "LGU+"})["carrier"] == "LG U+"
    assert [header for _key, header in DEFAULT_COLUMNS][:7] == [
        "결제일시",
        "이용업체명",
        "결제대행사",
        "구매상품",
        "이용서비스",
        "금액",
        "상태",
    ]


@pytest.mark.parametrize("export", [transactions_csv, transactions_xlsx])
def test_export_then_import_gives_the_same_rows(export) -> None:  # type: ignore[no-untyped-def]
    rows = sample_rows()
    result = parse_file(export(rows), "export")
    assert result.errors == []
    assert without_row_numbers(result.rows) == without_row_numbers(rows)
    by_merchant = {row.merchant: row for row in result.rows}
    assert "<img src=x onerror=alert(1)>" in by_merchant  # plain text, untouched
    assert by_merchant["<img src=x onerror=alert(1)>"].product == '=HYPERLINK("http://x")'


def test_exported_file_reimported_twice_keeps_ids() -> None:
    content = transactions_csv(sample_rows())
    first, second = parse_file(content, "a.csv").rows, parse_file(content, "a.csv").rows
    assert [r.external_id for r in first] == [r.external_id for r in second]
    assert len({r.external_id for r in first}) == len(first)


def test_naive_datetimes_are_taken_as_utc() -> None:
    naive = datetime(2025, 5, 11, 5, 23, 5)
    cells = csv_cells(to_csv([{"when": naive}], [("when", "결제일시")]))
    assert cells[1] == ["2025-05-11 14:23:05"]

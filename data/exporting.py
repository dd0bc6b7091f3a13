"""CSV and XLSX export of tables (transactions by default), safe to open in a spreadsheet.

Formula injection (OWASP "CSV Injection"): any text cell starting with = + - @ tab or CR (and their
full-width forms, which some spreadsheet IMEs turn into formulas) gets a leading "'" in both formats;
XLSX cells are also typed as strings, so nothing is ever evaluated. Numbers stay numbers.
The importer strips exactly that quote again (data.importing.parse.escape_formula/unescape: one
leading "'" when quotes are followed by one of those characters), so an export re-imports to the
same rows. Datetimes are written as KST wall time, the way the importer reads them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from data.importing.keywords import CATEGORY_DISPLAY
from data.importing.parse import escape_formula
from data.vocab import KST

Columns = Sequence[tuple[str, str]]  # (row key, header text)

# Headers the importer recognises, so an export round-trips through parse_file.
DEFAULT_COLUMNS: list[tuple[str, str]] = [
    ("occurred_at", "결제일시"),
    ("merchant", "이용업체명"),
    ("pg", "결제대행사"),
    ("product", "구매상품"),
    ("service", "이용서비스"),
    ("amount", "금액"),
    ("status", "상태"),
    ("category", "분류"),
    ("bucket", "구분"),
    ("pay_type", "결제유형"),
    ("carrier", "통신사"),
    ("external_id", "거래ID"),
]
STATUS_DISPLAY = {"approved": "승인", "cancelled": "취소", "declined": "거절"}
BUCKET_DISPLAY = {"micropayment": "소액결제", "content": "콘텐츠이용료"}
PAY_TYPE_DISPLAY = {"one_off": "일반", "recurring": "자동"}
CARRIER_DISPLAY = {"LGU+": "LG U+", "MVNO": "알뜰폰"}
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def display_row(row: Mapping[str, Any] | Any) -> dict[str, Any]:
    """A transaction (mapping, ImportedRow or ORM object) as Korean values for DEFAULT_COLUMNS."""
    get = row.get if isinstance(row, Mapping) else (lambda key, default=None: getattr(row, key, default))
    status = get("status")
    shown = {key: get(key) for key, _header in DEFAULT_COLUMNS}
    shown["status"] = "부분취소" if status == "cancelled" and get("partial") else STATUS_DISPLAY.get(status, status)
    shown["category"] = CATEGORY_DISPLAY.get(get("category"), get("category"))
    shown["bucket"] = BUCKET_DISPLAY.get(get("bucket"), get("bucket"))
    shown["pay_type"] = PAY_TYPE_DISPLAY.get(get("pay_type"), get("pay_type"))
    shown["carrier"] = CARRIER_DISPLAY.get(get("carrier"), get("carrier"))
    return shown


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Columns = DEFAULT_COLUMNS) -> bytes:
    """UTF-8 with BOM (Excel then shows Korean), CRLF lines, every text cell injection-escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(header) for _key, header in columns])
    for row in rows:
        writer.writerow([_csv_cell(row.get(key)) for key, _header in columns])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(
    rows: Iterable[Mapping[str, Any]],
    columns: Columns = DEFAULT_COLUMNS,
    sheet_title: str = "결제내역",
) -> bytes:
    """One sheet, header frozen; datetimes as real date cells (KST), text always string-typed."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    sheet.freeze_panes = "A2"
    for index, (_key, header) in enumerate(columns):
        sheet.column_dimensions[_letter(index)].width = max(12, min(40, len(header) * 3))

    def cell(value: Any) -> WriteOnlyCell:
        value = _xlsx_value(value)
        out = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            out.data_type = "s"  # never "f": even an unescaped "=..." would stay text
        elif isinstance(value, datetime):
            out.number_format = _XLSX_DATETIME_FORMAT
        return out

    sheet.append([cell(header) for _key, header in columns])
    for row in rows:
        sheet.append([cell(row.get(key)) for key, _header in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def transactions_csv(rows: Iterable[Mapping[str, Any] | Any]) -> bytes:
    return to_csv(map(display_row, rows), DEFAULT_COLUMNS)


def transactions_xlsx(rows: Iterable[Mapping[str, Any] | Any]) -> bytes:
    return to_xlsx(map(display_row, rows), DEFAULT_COLUMNS)


def _csv_cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return value  # type: ignore[return-value]
    if isinstance(value, datetime):
        return _kst_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return escape_formula(str(value))


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        if value.microsecond:
            return _kst_text(value)  # Excel keeps milliseconds at best: text keeps the exact instant
        return _to_kst(value).replace(tzinfo=None)  # Excel has no time zones: KST wall time
    if isinstance(value, date):
        return value
    return _clean_xml(escape_formula(str(value)))


def _to_kst(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the store keeps naive datetimes as UTC
    return moment.astimezone(KST)


def _kst_text(moment: datetime) -> str:
    local = _to_kst(moment)
    text = local.strftime(DATETIME_FORMAT)
    return f"{text}.{local.microsecond:06d}" if local.microsecond else text


def _clean_xml(text: str) -> str:
    """XML 1.0 cannot hold most control characters; openpyxl would raise on them."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)

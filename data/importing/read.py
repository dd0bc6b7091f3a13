"""Bytes -> a table of cells: format and encoding detection, delimiter sniffing, CSV/XLSX reading.

The table keeps every record, title lines and blank lines included, so index + 1 is the row number
the user sees in Excel. CSV cells are str; XLSX cells keep openpyxl's types (datetime, int, float).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
from charset_normalizer import from_bytes

from data.importing.model import Message

# How many leading records may hold titles/notes before the header row.
HEAD_ROWS = 30
_HEAD_CHARS = 256 * 1024
MAX_ROWS = 1_000_000
# An XLSX is a zip: refuse archives that inflate far beyond the upload limit (zip bombs).
MAX_XLSX_INFLATION = 20
DELIMITERS = (",", "\t", ";")

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .hwp, .doc)
_BINARY_MAGIC = {  # magic -> (message key, its `kind` value)
    b"%PDF": ("import.err.pdf", None),
    b"\x89PNG": ("import.err.image", "PNG"),
    b"\xff\xd8\xff": ("import.err.image", "JPEG"),
    b"GIF8": ("import.err.image", "GIF"),
}


class FileError(Exception):
    """The file as a whole cannot be read. `message`: what to tell the user (a key and its values)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.message = Message(key, values)


@dataclass(frozen=True)
class Table:
    cells: pd.DataFrame  # columns 0..n-1, one row per spreadsheet row
    file_format: str  # "csv" | "xlsx"
    encoding: str | None = None
    delimiter: str | None = None


HeaderScore = Callable[[Sequence[object]], int]


def read_table(content: bytes, filename: str, header_score: HeaderScore) -> Table:
    """Read a CSV or XLSX upload. `header_score` helps pick the CSV delimiter."""
    if detect_format(content, filename) == "xlsx":
        return Table(_read_xlsx(content, len(content)), "xlsx")
    text, encoding = decode(content)
    delimiter = sniff_delimiter(text, header_score)
    return Table(_read_csv(text, delimiter), "csv", encoding, delimiter)


def detect_format(content: bytes, filename: str) -> str:
    """By magic bytes, not the name: a CSV renamed .xlsx (or the reverse) still opens.

    `filename` is only used to word the error for a legacy .xls.
    """
    if content.startswith(_ZIP):
        if _is_xlsx(content):
            return "xlsx"
        raise FileError("import.err.zip")
    if content.startswith(_OLE):
        raise FileError("import.err.xls" if filename.lower().endswith(".xls") else "import.err.ole")
    for magic, (key, kind) in _BINARY_MAGIC.items():
        if content.startswith(magic):
            raise FileError(key, **({"kind": kind} if kind else {}))
    if b"\x00" in content[:8192] and not content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileError("import.err.not_csv")
    return "csv"  # whatever the name says: a CSV saved as "내역.xlsx" is still a CSV


def decode(content: bytes) -> tuple[str, str]:
    """Text and encoding name. UTF-8 (BOM or not) first, strictly; then CP949; then a guess."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "유니코드 텍스트" is UTF-16 TSV
        return _strict(content, "utf-16"), "utf-16"
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        if encoding == "utf-8-sig" and not content.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"
        return text, encoding
    best = from_bytes(content).best()
    if best is None or "\x00" in str(best):
        raise FileError("import.err.encoding")
    return str(best), best.encoding


def sniff_delimiter(text: str, header_score: HeaderScore) -> str:
    """The delimiter under which the leading rows look most like a header plus a regular table."""

    def score(delimiter: str) -> tuple[int, int]:
        rows = _head_records(text, delimiter)
        widths = [len(row) for row in rows if len(row) > 1]
        modal = max(widths.count(w) for w in set(widths)) if widths else 0
        return max((header_score(row) for row in rows), default=0), modal

    return max(DELIMITERS, key=score)  # ties keep the order of DELIMITERS (comma first)


def _head_records(text: str, delimiter: str) -> list[list[str]]:
    """The first HEAD_ROWS records. Reads a slice: wrapping the whole text would copy megabytes."""
    head = text[:_HEAD_CHARS]
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= HEAD_ROWS:
                break
    except csv.Error:
        pass  # a malformed line: judge by what we have
    if len(rows) < HEAD_ROWS and len(head) < len(text) and rows:
        rows.pop()  # the slice may have cut the last record short
    return rows


def _read_csv(text: str, delimiter: str) -> pd.DataFrame:
    width = max((len(row) for row in _head_records(text, delimiter)), default=0)
    if width == 0:
        return pd.DataFrame()
    try:
        # The C parser is the fast path. Blank lines stay (row numbers); every cell stays text.
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            names=range(width),
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError):
        frame = _read_csv_ragged(text, delimiter)
    _check_rows(len(frame))
    return frame


def _read_csv_ragged(text: str, delimiter: str) -> pd.DataFrame:
    """Rows wider than the leading ones (stray trailing commas): csv copes, padding with ''."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise FileError("import.err.csv", detail=str(exc)) from exc
    return pd.DataFrame(rows, dtype=object).fillna("")


def _is_xlsx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def _read_xlsx(content: bytes, size: int) -> pd.DataFrame:
    from openpyxl import load_workbook  # imported lazily: CSV imports never pay for it

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        inflated = sum(info.file_size for info in archive.infolist())
    if inflated > MAX_XLSX_INFLATION * max(size, 1_000_000):
        raise FileError("import.err.xlsx_inflated")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise FileError("import.err.xlsx_damaged") from exc
    try:
        sheets = [workbook.active, *workbook.worksheets]
        for sheet in sheets:
            rows = _sheet_rows(sheet)
            if rows:
                return pd.DataFrame(rows, dtype=object)
        return pd.DataFrame()
    finally:
        workbook.close()


def _sheet_rows(sheet: object) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    if sheet is None or not hasattr(sheet, "iter_rows"):
        return rows  # chart sheets have no cells
    for row in sheet.iter_rows(values_only=True):
        rows.append(row)
        _check_rows(len(rows))
    while rows and all(cell is None or cell == "" for cell in rows[-1]):
        rows.pop()
    return rows


def _check_rows(count: int) -> None:
    if count > MAX_ROWS:
        raise FileError("import.err.too_many_rows", max=MAX_ROWS)


def _strict(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileError("import.err.encoding") from exc

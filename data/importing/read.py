"""Bytes -> a table of cells: format and encoding detection, delimiter sniffing, CSV/XLSX reading.

The table keeps every record, title lines and blank lines included, so index + 1 is the row number
the user sees in Excel. CSV cells are str; XLSX cells keep openpyxl's types (datetime, int, float).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
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
# XLSX budgets (docs/security.md). openpyxl reads ~30-60k cells/s on the 2-core server, so past these a
# workbook is refused, not read: any upload under the size limit is answered within ~5 s and ~100 MB.
MAX_XLSX_CELLS = 100_000  # rows x used columns read (a history of ~14,000 payments x 7 columns)
MAX_XLSX_COLUMNS = 64  # a value further right than this is not a payment history
MAX_XLSX_CELL_TAGS = MAX_XLSX_CELLS * 5 // 4  # <c> elements openpyxl parses, empty formatted ones included
MAX_XLSX_ELEMENTS = MAX_XLSX_CELLS * 4  # all XML elements (a cell is 2-4, with its row and shared string)
MAX_XLSX_OTHER_ELEMENTS = 100_000  # in parts other than sheets and shared strings (styles are slow to build)
MAX_XLSX_XML_BYTES = 48_000_000  # inflated XML openpyxl may read
MAX_XLSX_SHEETS = 32
MAX_XLSX_PARTS = 2_000  # files in the zip
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
        _check_parts(archive)
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
    except FileError:
        raise
    except Exception as exc:  # a cell openpyxl cannot convert, XML broken past the part it checked
        raise FileError("import.err.xlsx_damaged") from exc
    finally:
        workbook.close()


# ---- XLSX budgets ---------------------------------------------------------------------------------
# openpyxl parses a whole row before handing it over, builds every style at load, and when a sheet has no
# <dimension> it parses the sheet once more at load, per sheet entry that names it. So before openpyxl sees
# the file, its XML is counted from the zip stream at C speed (bytes.count; "<" inside text is always
# escaped, so each "<" that opens no end tag, declaration or comment starts an element); then the rows are
# read with a budget (_sheet_rows).

_CHUNK = 1 << 20
_OVERLAP = 256  # longer than any start tag of a cell, so one split between two chunks is seen whole
_NAME = rb"<(?:[A-Za-z_][\w.-]*:)?"  # a start tag, with or without a namespace prefix
_ROOT = re.compile(_NAME + rb"([A-Za-z_][\w.-]*)")
_SHEET_ENTRY = re.compile(_NAME + rb"sheet[\s/>]")
_CELL = re.compile(_NAME + rb"c[\s/>]")
_DIMENSION = re.compile(_NAME + rb"dimension[\s/>]")
_SHEET_DATA = re.compile(_NAME + rb"sheetData[\s/>]")
# A cell with content (not self-closing) whose reference has 2-3 letters: checked against MAX_XLSX_COLUMNS.
_WIDE_CELL = re.compile(_NAME + rb"c\s[^<>]*?\br=[\"']([A-Z]{2,3})([0-9]+)[\"'][^<>]*(?<!/)>")


@dataclass
class _PartCount:
    elements: int = 0
    cells: int = 0
    root: bytes = b""
    sheet_entries: int = 0  # <sheet> entries (the workbook part)
    dimension_first: bool = False  # a worksheet's <dimension> comes before its <sheetData>
    data_seen: bool = False


@dataclass
class _Totals:
    elements: int = 0
    cells: int = 0
    other: int = 0
    sheets: int = 0
    undimensioned: int = 0  # cells of the largest worksheet openpyxl parses again at load

    def add(self, part: _PartCount) -> None:
        self.elements += part.elements
        self.cells += part.cells
        self.sheets += part.sheet_entries
        if part.root == b"worksheet" and not part.dimension_first:
            self.undimensioned = max(self.undimensioned, part.cells)
        elif part.root not in (b"worksheet", b"sst"):
            self.other += part.elements
        if self.other > MAX_XLSX_OTHER_ELEMENTS or self.sheets > MAX_XLSX_SHEETS:
            raise FileError("import.err.xlsx_complex")


def _check_parts(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose XML would take openpyxl too long or too much memory (FileError). Every part
    that holds XML is counted, whatever its name: the workbook's relationships may point anywhere."""
    infos = archive.infolist()
    if len(infos) > MAX_XLSX_PARTS:
        raise FileError("import.err.xlsx_complex")
    parts = [info for info in infos if _holds_xml(archive, info)]
    if sum(info.file_size for info in parts) > MAX_XLSX_XML_BYTES:
        raise FileError("import.err.xlsx_inflated")
    totals = _Totals()
    for info in parts:
        totals.add(_count_part(archive, info, totals))
    # The rescan at load only parses (no cells built): about a third of the cost of reading the rows.
    if totals.cells + max(totals.sheets, 1) * totals.undimensioned // 3 > MAX_XLSX_CELL_TAGS:
        raise FileError("import.err.xlsx_cells", max=MAX_XLSX_CELLS)


def _holds_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    if info.is_dir() or info.file_size == 0:
        return False
    try:
        with archive.open(info) as stream:
            head = stream.read(64)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise FileError("import.err.xlsx_damaged") from exc
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _count_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, before: _Totals) -> _PartCount:
    count = _PartCount()
    tail = b""
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                if b"<!DOCTYPE" in chunk or b"<!ENTITY" in chunk:
                    raise FileError("import.err.xlsx_damaged")  # no part of a workbook declares entities
                count.elements += chunk.count(b"<") - chunk.count(b"</") - chunk.count(b"<?") - chunk.count(b"<!")
                _look_at(count, tail + chunk, len(tail))
                if (before.elements + count.elements > MAX_XLSX_ELEMENTS
                        or before.cells + count.cells > MAX_XLSX_CELL_TAGS):
                    raise FileError("import.err.xlsx_cells", max=MAX_XLSX_CELLS)
                tail = chunk[-_OVERLAP:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        raise FileError("import.err.xlsx_damaged") from exc
    return count


def _look_at(count: _PartCount, data: bytes, fresh: int) -> None:
    """The part's root, its <sheet> entries or cells, whether a <dimension> leads, and a value beyond the
    last column. `data` is the previous chunk's tail and the new chunk, which starts at `fresh`."""
    if not count.root:
        root = _ROOT.search(data)
        count.root = root.group(1) if root else b""
    if count.root == b"workbook":
        count.sheet_entries += sum(1 for entry in _SHEET_ENTRY.finditer(data) if entry.end() > fresh)
    if count.root != b"worksheet":
        return
    count.cells += sum(1 for cell in _CELL.finditer(data) if cell.end() > fresh)
    if not count.data_seen:
        data_at = _SHEET_DATA.search(data)
        dimension = _DIMENSION.search(data)
        if dimension and (data_at is None or dimension.start() < data_at.start()):
            count.dimension_first = True
        count.data_seen = data_at is not None
    for wide in _WIDE_CELL.finditer(data):
        if column_index(wide.group(1)) > MAX_XLSX_COLUMNS:
            raise FileError("import.err.xlsx_columns", max=MAX_XLSX_COLUMNS, row=int(wide.group(2)))


def column_index(letters: bytes) -> int:
    """1 for A, 27 for AA, 16384 for XFD."""
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index


def _sheet_rows(sheet: object) -> list[tuple[object, ...]]:
    """The sheet's rows, each cut after its last value; refused past the row, cell or column budget."""
    rows: list[tuple[object, ...]] = []
    if sheet is None or not hasattr(sheet, "iter_rows"):
        return rows  # chart sheets have no cells
    declared = sheet.max_column if isinstance(sheet.max_column, int) else 0
    # The declared <dimension> may be wrong either way (openpyxl would cut rows past a short one): read on
    # without it, at most one column past the bound, and keep it only to pad the width as before.
    sheet.reset_dimensions()
    width = 0
    for row in sheet.iter_rows(values_only=True, max_col=MAX_XLSX_COLUMNS + 1):
        width = _widest(row, width)
        if width > MAX_XLSX_COLUMNS:
            raise FileError("import.err.xlsx_columns", max=MAX_XLSX_COLUMNS, row=len(rows) + 1)
        rows.append(row[:width])
        _check_rows(len(rows))
        if len(rows) * max(width, 1) > MAX_XLSX_CELLS:
            raise FileError("import.err.xlsx_cells", max=MAX_XLSX_CELLS)
    while rows and all(cell is None or cell == "" for cell in rows[-1]):
        rows.pop()
    width = max(width, min(declared, MAX_XLSX_COLUMNS))
    # Rows were cut at the width so far: pad them to one width (pandas will refuse ragged rows).
    return [row + (None,) * (width - len(row)) if len(row) < width else row for row in rows]


def _widest(row: tuple[object, ...], width: int) -> int:
    """The widest row so far: `width`, or 1 + the index of this row's last value if that is further right."""
    beyond = row[width:]
    if beyond.count(None) == len(beyond):  # the usual case, at C speed
        return width
    for index in range(len(row) - 1, width - 1, -1):
        if row[index] is not None:
            return index + 1
    return width


def _check_rows(count: int) -> None:
    if count > MAX_ROWS:
        raise FileError("import.err.too_many_rows", max=MAX_ROWS)


def _strict(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileError("import.err.encoding") from exc

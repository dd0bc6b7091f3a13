"""Text pasted from a carrier's history page -> the same Table the file readers produce. Pure.

A browser copies an HTML table as text/plain with a tab between cells and a newline between rows
(Excel's copy is the same). A page that lays its history out without a real table gives runs of
spaces instead (often &nbsp;s). We split both ways and keep the split under which the leading rows
look most like a header over a regular table (the judgement read.sniff_delimiter makes for CSV);
single spaces never separate cells, so "2025.05.11 14:23" and "LG U+" stay whole.

Forgiving where a copy is messy: non-breaking and ideographic spaces count as spaces, lines above
the header (menus of a whole-page copy) are left out, a cell the page broke over two lines
(a date over its time) is joined again, one-cell notes under the table (조회 결과 3건, 이전 1 2 다음)
are skipped. Strict where it matters: text that is not a table (empty, binary, one column, data
without its header row) is refused with a message key, and a line that might be a payment is never
skipped (the parser reports it). The frame's index is the pasted line's index, so a row error names
the line as pasted.

    table = paste_table(text, header_score)         # raises FileError(import_paste.err.*)
    parse_file(text.encode(), PASTE_NAME, reader=read_paste)   # what the staged paste goes through
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import pandas as pd

from data.importing.parse import parse_amount, parse_datetime
from data.importing.read import FileError, HeaderScore, Table

PASTE_FORMAT = "paste"  # Table.file_format of a paste (the preview names it)
PASTE_NAME = "붙여넣기"  # the "file name" a paste is staged and audited under
TAB, SPACES = "\t", "  "  # Table.delimiter: a tab, or a run of two or more spaces

EMPTY = "import_paste.err.empty"
BINARY = "import_paste.err.binary"
NO_TABLE = "import_paste.err.no_table"
NO_HEADER = "import_paste.err.no_header"
NO_ROWS = "import_paste.err.no_rows"

HEAD_LINES = 200  # non-blank lines looked at to choose the split and find the header
MIN_HEADER_SCORE = 2  # a row naming two fields (date, amount…) is a header
_ODD_SHARE, _ODD_FEW = 0.01, 2  # more control characters than this (share, count) is not copied text
_SPACE_RUN = re.compile(r" {2,}")
_ODD = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")  # controls (not tab/newlines) and U+FFFD
# Spaces a web page uses (&nbsp;, figure, narrow and ideographic spaces) and invisible ones (zero-width, BOM).
_AS_SPACE, _INVISIBLE = "\xa0\u2007\u202f\u3000", "\u200b\u2060\ufeff"
_DATE_START = re.compile(r"^\d{2,4}\s*[-./년]")  # how a payment row's first cell begins

Rows = list[list[str]]


def read_paste(content: bytes, filename: str, header_score: HeaderScore) -> Table:
    """The reader parse_file takes for a staged paste (kept as UTF-8 bytes). `filename` is unused."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise FileError(BINARY) from None
    return paste_table(text, header_score)


def paste_table(text: str, header_score: HeaderScore) -> Table:
    """The pasted table from its header row down. Raises FileError: empty, binary, no_table
    (nothing with two cells side by side), no_header (rows of data without their header), no_rows."""
    lines = _clean(text).splitlines()
    if not any(line.strip() for line in lines):
        raise FileError(EMPTY)
    delimiter = _choose_split(lines, header_score)
    rows = [_split(line, delimiter) for line in lines]
    if max(len(row) for row in rows) < 2:
        raise FileError(NO_TABLE)
    start = _header_index(rows, header_score)
    _check_header(rows[start], header_score)
    if delimiter == TAB:
        _join_broken_cells(rows, start, len(rows[start]))
    _skip_notes(rows, start)
    if not any(any(row) for row in rows[start + 1 :]):
        raise FileError(NO_ROWS)
    return Table(_frame(rows, start), PASTE_FORMAT, None, delimiter)


def _clean(text: str) -> str:
    """Spaces a web page uses (&nbsp;, U+3000) as spaces; binary-looking text refused."""
    odd = len(_ODD.findall(text))
    if "\x00" in text or odd > max(_ODD_FEW, _ODD_SHARE * len(text)):
        raise FileError(BINARY)
    if odd:
        text = _ODD.sub("", text)  # a stray control character does not spoil a table
    for char in _AS_SPACE + _INVISIBLE:  # str.replace is many times quicker than translate on megabytes
        if char in text:
            text = text.replace(char, " " if char in _AS_SPACE else "")
    return text


def _split(line: str, delimiter: str) -> list[str]:
    if not line.strip():
        return []
    if delimiter == TAB:
        cells = line.split(TAB)
        padded = line[0] == " " or line[-1] == " " or " \t" in line or "\t " in line  # quick: most lines are not
        return [cell.strip() for cell in cells] if padded else cells
    return _SPACE_RUN.split(line.strip())


def _choose_split(lines: Sequence[str], header_score: HeaderScore) -> str:
    """Tab or runs of spaces: the best header, then the most rows of the same width (ties: tab)."""
    head = [line for line in lines if line.strip()][:HEAD_LINES]

    def score(delimiter: str) -> tuple[int, int]:
        rows = [_split(line, delimiter) for line in head]
        widths = Counter(len(row) for row in rows if len(row) > 1)
        return max(header_score(row) for row in rows), max(widths.values(), default=0)

    return max((TAB, SPACES), key=score)


def _header_index(rows: Rows, header_score: HeaderScore) -> int:
    """The first row naming the most fields (at least two); else the first row of two cells or more
    (unknown headers: the page will ask which column is which)."""
    scored = [(header_score(row), index) for index, row in enumerate(rows[: _head_end(rows)]) if len(row) > 1]
    if not scored:  # two cells side by side only far below a page of one-cell lines
        raise FileError(NO_TABLE)
    best = max(score for score, _ in scored)
    if best >= MIN_HEADER_SCORE:
        return next(index for score, index in scored if score == best)
    return scored[0][1]


def _head_end(rows: Rows) -> int:
    """The index after the HEAD_LINES-th non-blank row."""
    seen = 0
    for index, row in enumerate(rows):
        seen += bool(row)
        if seen >= HEAD_LINES:
            return index + 1
    return len(rows)


def _check_header(row: Sequence[str], header_score: HeaderScore) -> None:
    """Refuse a paste that starts with payments rather than headers (the header row was not copied):
    no header names a field, and a cell reads as a date or an amount."""
    if header_score(row) == 0 and any(_is_value(cell) for cell in row):
        raise FileError(NO_HEADER)


def _is_value(cell: str) -> bool:
    return bool(cell) and (parse_datetime(cell)[1] is None or parse_amount(cell)[1] is None)


def _join_broken_cells(rows: Rows, start: int, width: int) -> None:
    """A cell the page broke over two lines ("2025.05.11" / "14:23:05<tab>넷마블…") leaves two short
    rows whose cells add up to the header's (less the one shared cell): join them in place, the
    second line left blank so the lines below keep their numbers."""
    for index in range(start + 1, len(rows) - 1):
        row, after = rows[index], rows[index + 1]
        if row and after and len(row) < width and len(row) + len(after) - 1 == width:
            rows[index] = [*row[:-1], f"{row[-1]} {after[0]}".strip(), *after[1:]]
            rows[index + 1] = []


def _skip_notes(rows: Rows, start: int) -> None:
    """One-cell lines under the header (counts, page links, footnotes) cannot be payments: blank
    them, unless one starts like a date (then it is a payment row the parser should report)."""
    for index in range(start + 1, len(rows)):
        cells = [cell for cell in rows[index] if cell]
        if len(cells) == 1 and not _DATE_START.match(cells[0]):
            rows[index] = []


def _frame(rows: Rows, start: int) -> pd.DataFrame:
    """Rows from the header down, padded to one width, without columns empty in every row; the
    index is each row's line index in the paste."""
    body = rows[start:]
    width = max(len(row) for row in body)
    padded = [row if len(row) == width else row + [""] * (width - len(row)) for row in body]
    frame = pd.DataFrame(padded, index=range(start, len(rows)), dtype=object)
    frame = frame.loc[:, (frame != "").any().to_numpy()]
    frame.columns = range(frame.shape[1])
    return frame

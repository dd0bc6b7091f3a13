"""parse_file: bytes in, every row parsed or every problem listed. No database here."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import numpy as np
import pandas as pd

from data.importing.columns import apply_mapping, display_headers, header_score, missing_required
from data.importing.keywords import infer_bucket, infer_category, squash
from data.importing.model import FIELDS_BY_NAME, REQUIRED_FIELDS, ImportedRow, Message, ParseResult, RowError
from data.importing.normalize import merchant_key
from data.importing.parse import (
    Distinct,
    blank_mask,
    by_distinct,
    category_from_cell,
    cell_text,
    ns_to_datetimes,
    ns_to_iso,
    parse_amounts,
    parse_carriers,
    parse_datetimes,
    parse_kinds,
    parse_statuses,
    text_column,
)
from data.importing.read import HEAD_ROWS, FileError, HeaderScore, Table, read_table

SAMPLE_ROWS = 5
TOO_LARGE = "import.too_large"  # the message key of a file over the size limit
_SUMMARY_WORDS = ("합계", "총합계", "총계", "소계", "총액", "total", "sum")
_TEXT_FIELDS = ("merchant", "pg", "product", "service", "external_id")
# Bytes -> a table of cells: read_table for files; paste.read_paste for text pasted on the /import page.
Reader = Callable[[bytes, str, HeaderScore], Table]


def parse_file(
    content: bytes,
    filename: str,
    mapping: Mapping[str, str] | None = None,
    max_bytes: int = 20_000_000,
    reader: Reader | None = None,
) -> ParseResult:
    """Read a carrier-history copy (CSV or XLSX, or what `reader` reads). All rows or none: see ParseResult."""
    if len(content) > max_bytes:
        return _fail(Message(TOO_LARGE, {"limit": size_text(max_bytes)}))
    if not content.strip():
        return _fail(Message("import.err.empty"))
    try:
        table = (reader or read_table)(content, filename, header_score)
    except FileError as exc:
        return _fail(exc.message)
    return _parse_table(table, mapping)


def fingerprint(
    occurred_at: datetime,
    merchant: str,
    amount: int,
    status: str,
    product: str | None,
    occurrence: int = 0,
) -> str:
    """Content id for a row without one: the same row in another copy of the history gets the
    same id.

    `occurrence` counts identical rows earlier in the same file, so two real ₩1,100 purchases in the
    same minute stay two rows, while a re-imported or overlapping file matches them one to one.
    (_external_ids computes exactly this, vectorised.)
    """
    moment = occurred_at.astimezone(UTC).isoformat()
    text = "\x1f".join((moment, merchant, str(amount), status, product or "", str(occurrence)))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def size_text(max_bytes: int) -> str:
    """The size limit as the messages show it ("20MB")."""
    return f"{max_bytes / 1_000_000:g}MB"


def _fail(message: Message, **extra: Any) -> ParseResult:
    return ParseResult(errors=[RowError.at(0, message)], **extra)


# ---------------------------------------------------------------- table -> header + body


def _parse_table(table: Table, mapping: Mapping[str, str] | None) -> ParseResult:
    cells = table.cells
    meta: dict[str, Any] = {
        "file_format": table.file_format,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
    }
    head = [list(row) for row in cells.head(HEAD_ROWS).itertuples(index=False, name=None)]
    header_index = _find_header(head, mapping)
    if header_index is None:
        return _fail(Message("import.err.no_content"), **meta)
    headers = display_headers(head[header_index])
    columns, problems = apply_mapping(headers, mapping)
    raw_body = cells.iloc[header_index + 1 :]
    meta["header_row"] = int(cells.index[header_index]) + 1  # a paste's frame starts at its header line
    meta["mapping"] = {headers[c]: name for c, name in sorted(columns.items())}
    missing = missing_required(columns)
    meta["unmapped_headers"] = _unmapped_headers(head, mapping) if mapping else (headers if missing else [])
    if problems or missing:
        if missing:
            problems = [*problems, Message("import.err.missing_columns", {"fields": missing})]
        return ParseResult(
            errors=[RowError.at(0, message) for message in problems],
            needs_mapping=True,
            columns=headers,
            sample_rows=_samples(raw_body),
            **meta,
        )
    return _parse_body(_data_rows(raw_body, columns), columns, headers, meta)


def _unmapped_headers(head: list[list[object]], mapping: Mapping[str, str]) -> list[str]:
    """The header row as a parse without `mapping` finds it, when that parse would ask for a mapping
    (a remembered mapping is filed under this row); [] when the headers are known without one."""
    index = _find_header(head, None)
    plain = display_headers(head[index]) if index is not None else []
    return plain if missing_required(apply_mapping(plain, None)[0]) else []


def _find_header(head: list[list[object]], mapping: Mapping[str, str] | None) -> int | None:
    """First leading row naming every required field; else a best guess, to ask for a mapping."""
    filled = [sum(1 for c in row if cell_text(c).strip()) for row in head]
    if not any(filled):
        return None
    for index, row in enumerate(head):
        if filled[index] >= 2:
            columns, _ = apply_mapping(display_headers(row), mapping)
            if not missing_required(columns):
                return index
    scores = [header_score(row) for row in head]
    if max(scores) >= 2:
        return scores.index(max(scores))
    return filled.index(max(filled))  # title lines have one cell; the header is the first wide row


def _data_rows(rows: pd.DataFrame, columns: Mapping[int, str]) -> pd.DataFrame:
    """The mapped columns; the index is the spreadsheet row number."""
    frame = pd.DataFrame({name: rows[c] for c, name in columns.items()}, index=rows.index)
    frame.index = frame.index + 1
    return frame


def _skippable(frame: pd.DataFrame, undated: np.ndarray) -> np.ndarray:
    """Blank rows and 합계/총계 lines. Both lack a date, so only `undated` rows are looked at."""
    skip = np.zeros(len(frame), dtype=bool)
    for position in np.flatnonzero(undated):
        texts = [squash(cell_text(v)).rstrip(":") for v in frame.iloc[position]]
        # Exact words only: "Summit Games" with a bad date is an error, not a total line.
        skip[position] = not any(texts) or any(t in _SUMMARY_WORDS for t in texts)
    return skip


def _samples(rows: pd.DataFrame) -> list[list[str]]:
    samples: list[list[str]] = []
    for row in rows.itertuples(index=False, name=None):
        texts = [cell_text(v).strip() for v in row]
        if any(texts):
            samples.append(texts)
        if len(samples) == SAMPLE_ROWS:
            break
    return samples


# ---------------------------------------------------------------- cells -> values or errors


class _Collector:
    """RowErrors gathered column by column, reported in row order (column order within a row)."""

    def __init__(self, row_numbers: np.ndarray) -> None:
        self.row_numbers = row_numbers
        self.items: list[tuple[int, int, Message]] = []
        self.column = 0

    def add(self, errors: np.ndarray, skip: np.ndarray | None = None) -> None:
        self.column += 1
        mask = np.not_equal(errors, None)
        if skip is not None:
            mask &= ~skip
        for position in np.flatnonzero(mask):
            self.items.append((int(self.row_numbers[position]), self.column, errors[position]))

    def add_where(self, mask: np.ndarray, message: Message) -> None:
        errors = np.full(len(mask), None, dtype=object)
        errors[mask] = message
        self.add(errors)

    def sorted(self) -> list[RowError]:
        ordered = sorted(self.items, key=lambda item: item[:2])  # one error per column and row at most
        return [RowError.at(row, message) for row, _column, message in ordered]


@dataclass
class _Parsed:
    """Row-aligned results of the cell parsers (object arrays unless noted)."""

    text: dict[str, Distinct]
    stamps: np.ndarray  # int64 UTC nanoseconds
    amounts: np.ndarray  # signed
    status: np.ndarray
    partial: np.ndarray
    bucket: np.ndarray  # None = infer
    pay_type: np.ndarray
    carrier: np.ndarray


def _parse_body(
    body: pd.DataFrame,
    columns: Mapping[int, str],
    headers: Sequence[str],
    meta: dict[str, Any],
) -> ParseResult:
    # Dates first: rows without a readable date are the only candidates for blank or 합계 lines.
    dates = parse_datetimes(_date_cells(body))
    keep = ~_skippable(body, dates[2] | np.not_equal(dates[1], None))
    if not keep.all():
        body, dates = body[keep], (dates[0][keep], dates[1][keep], dates[2][keep])
    if body.empty:
        return _fail(Message("import.err.no_rows"), columns=list(headers), **meta)
    errors = _Collector(body.index.to_numpy())
    parsed = _parse_cells(body, dates, {name: headers[c] for c, name in columns.items()}, errors)
    problems = errors.sorted()
    if problems:
        return ParseResult(errors=problems, **meta)
    with _gc_paused():
        rows = _build_rows(body, parsed)
    return ParseResult(rows=rows, **meta)


def _parse_cells(
    body: pd.DataFrame,
    dates: tuple[np.ndarray, np.ndarray, np.ndarray],
    header_of: Mapping[str, str],
    errors: _Collector,
) -> _Parsed:
    """Every column through its parser; every problem into `errors`."""
    stamps, date_errors, undated = dates
    empty = {"occurred_at": undated, "merchant": blank_mask(body["merchant"]), "amount": blank_mask(body["amount"])}
    for name in REQUIRED_FIELDS:
        errors.add_where(empty[name], Message("import.err.required_empty", {"column": header_of[name]}))
    text = {name: text_column(body[name]) for name in _TEXT_FIELDS if name in body}
    for name, column in text.items():  # the store's column widths
        limit = FIELDS_BY_NAME[name].max_length
        if limit is not None:
            too_long = column.map(lambda v, n=limit: len(v) > n).rows().astype(bool)
            errors.add_where(too_long, Message("import.err.too_long", {"max": limit, "column": header_of[name]}))
    errors.add(date_errors)
    amounts, amount_errors = parse_amounts(body["amount"])
    errors.add(amount_errors, skip=empty["amount"])
    count = len(body)
    status, partial = np.full(count, "approved", dtype=object), np.zeros(count, dtype=bool)
    if "status" in body:
        (status, partial), status_errors = parse_statuses(body["status"])
        errors.add(status_errors)
    bucket, pay_type = _kinds(body, errors)
    carrier = np.full(count, None, dtype=object)
    if "carrier" in body:
        carrier, carrier_errors = parse_carriers(body["carrier"])
        errors.add(carrier_errors)
    return _Parsed(text, stamps, amounts, status, partial, bucket, pay_type, carrier)


def _date_cells(body: pd.DataFrame) -> pd.Series:
    """The date column, joined with a separate time column when the file has one."""
    dates = body["occurred_at"]
    if "time" not in body:
        return dates
    joined = [_join_date_time(d, t) for d, t in zip(dates, body["time"], strict=True)]
    return pd.Series(joined, index=body.index, dtype=object)


def _join_date_time(day: object, clock: object) -> object:
    if not cell_text(clock).strip():
        return day
    if isinstance(clock, time):  # an XLSX time cell
        clock_text = clock.isoformat()
    elif isinstance(clock, float) and 0 <= clock < 1:  # an Excel time serial (fraction of a day)
        seconds = round(clock * 86400)
        clock_text = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    else:
        clock_text = cell_text(clock).strip()
    if isinstance(day, datetime):
        day = day.date()
    return f"{cell_text(day).strip()} {clock_text}"


def _kinds(body: pd.DataFrame, errors: _Collector) -> tuple[np.ndarray, np.ndarray]:
    """Bucket and pay type may come from a 구분 and/or a 결제유형 column; either may hold either."""
    bucket = np.full(len(body), None, dtype=object)
    pay_type = np.full(len(body), None, dtype=object)
    for name in ("bucket", "pay_type"):
        if name in body:
            (found_bucket, found_pay_type), kind_errors = parse_kinds(body[name])
            errors.add(kind_errors)
            bucket = np.where(np.equal(bucket, None), found_bucket, bucket)
            pay_type = np.where(np.equal(pay_type, None), found_pay_type, pay_type)
    return bucket, pay_type


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building 100k small objects triggers repeated full collections that find nothing to free."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---------------------------------------------------------------- values -> ImportedRow


def _build_rows(body: pd.DataFrame, parsed: _Parsed) -> list[ImportedRow]:
    count = len(body)
    text = parsed.text
    merchants = text["merchant"]
    optional = {
        name: text[name].map(lambda v: v or None).rows().tolist() if name in text else [None] * count
        for name in ("pg", "product", "service")
    }
    signed = parsed.amounts.astype(np.int64)
    status = parsed.status.copy()
    status[(signed < 0) & (status == "approved")] = "cancelled"  # a negative line is a cancellation
    amounts = np.abs(signed)
    inferred = np.array(_Combos(merchants, text.get("pg")).map(infer_bucket), dtype=object)
    columns = (
        ns_to_datetimes(parsed.stamps),
        merchants.rows().tolist(),
        merchants.map(merchant_key).rows().tolist(),
        optional["pg"],
        optional["product"],
        optional["service"],
        _categories(body, text),
        np.where(np.equal(parsed.bucket, None), inferred, parsed.bucket).tolist(),
        amounts.tolist(),
        status.tolist(),
        parsed.partial.astype(bool).tolist(),
        _external_ids(text, parsed.stamps, amounts, status),
        parsed.carrier.tolist(),
        body.index.tolist(),
        parsed.pay_type.tolist(),
    )
    return ImportedRow.bulk(columns)


class _Combos:
    """Rows grouped by their combination of distinct text values, to infer once per combination."""

    def __init__(self, *columns: Distinct | None) -> None:
        self.columns = columns
        present = [c for c in columns if c is not None]
        key = np.zeros(len(present[0].codes), dtype=np.int64)
        for column in present:
            key = key * (len(column.values) + 1) + column.codes
        _, self.first, self.inverse = np.unique(key, return_index=True, return_inverse=True)

    def map(self, func: Callable[..., Any]) -> list[Any]:
        results = np.empty(len(self.first), dtype=object)
        for slot, row in enumerate(self.first):
            args = [(c.values[c.codes[row]] or None) if c is not None else None for c in self.columns]
            results[slot] = func(*args)
        return results[self.inverse.reshape(-1)].tolist()


def _categories(body: pd.DataFrame, text: dict[str, Distinct]) -> list[str]:
    inferred = _Combos(text["merchant"], text.get("product"), text.get("service")).map(infer_category)
    if "category" not in body:
        return inferred
    given = by_distinct(body["category"], category_from_cell)
    return [g or i for g, i in zip(given, inferred, strict=True)]


def _external_ids(
    text: dict[str, Distinct], stamps: np.ndarray, amounts: np.ndarray, statuses: np.ndarray
) -> list[str]:
    """The file's id column where filled, else fingerprint() of the row (computed in bulk)."""
    count = len(stamps)
    merchants = text["merchant"]
    products = text.get("product")
    product_codes = products.codes if products is not None else np.zeros(count, dtype=np.int64)
    keys = pd.DataFrame(
        {
            "t": stamps,
            "m": merchants.codes,
            "a": amounts,
            "s": pd.factorize(statuses)[0],
            "p": product_codes,
        }
    )
    occurrence = keys.groupby(list(keys.columns), sort=False).cumcount().tolist()
    product_text = products.rows().tolist() if products is not None else [""] * count
    sha1 = hashlib.sha1
    ids = [
        sha1(f"{t}\x1f{m}\x1f{a}\x1f{s}\x1f{p}\x1f{o}".encode(), usedforsecurity=False).hexdigest()
        for t, m, a, s, p, o in zip(
            ns_to_iso(stamps),
            merchants.rows().tolist(),
            amounts.tolist(),
            statuses.tolist(),
            product_text,
            occurrence,
            strict=True,
        )
    ]
    if "external_id" not in text:
        return ids
    # The file's own ids win; a repeated one gets "#2", "#3" in file order so ids stay unique.
    own = pd.Series(text["external_id"].rows())
    repeat = own.groupby(own, sort=False).cumcount().tolist()
    return [
        fallback if not value else (f"{value}#{seen + 1}" if seen else value)
        for fallback, value, seen in zip(ids, own.tolist(), repeat, strict=True)
    ]

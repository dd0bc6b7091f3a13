"""What the importer returns: parsed rows, row errors and the mapping description for the UI."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ImportedRow:
    """One payment as read from a user's file. Pure data: the store decides what to keep."""

    occurred_at: datetime  # tz-aware UTC (the file holds KST wall time)
    merchant: str  # exactly as written (stripped); never interpreted
    merchant_key: str  # normalize.merchant_key(merchant), for grouping
    pg: str | None
    product: str | None
    service: str | None
    category: str  # vocab.CATEGORIES
    bucket: str  # vocab.BUCKETS
    amount: int  # won, always positive
    status: str  # "approved" | "cancelled" (| "declined" when a file says 거절)
    partial: bool  # 부분취소: `amount` is the cancelled part
    external_id: str  # from the file's id column, else a content fingerprint
    carrier: str | None  # vocab.CARRIERS
    source_row: int  # 1-based spreadsheet row (header row counts)
    pay_type: str | None = None  # vocab.PAY_TYPES when the file says 일반/자동, else unknown

    @classmethod
    def bulk(cls, columns: Sequence[Iterable[Any]]) -> list[ImportedRow]:
        """Rows from one iterable per field (in field order); much faster than calling the class.

        The frozen __init__ sets each field through object.__setattr__; filling __dict__ directly
        gives equal objects (same eq/hash/repr, still frozen). Keep this class free of
        __post_init__ and __slots__, or drop this method (test_importing checks the equivalence).
        """
        names = _ROW_FIELDS
        new = object.__new__
        rows: list[ImportedRow] = []
        append = rows.append
        for values in zip(*columns, strict=True):
            row = new(cls)
            row.__dict__.update(zip(names, values, strict=True))
            append(row)
        return rows


_ROW_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ImportedRow))


@dataclass(frozen=True)
class Message:
    """A text for the user, not yet in a language: a message key (dashboard/text/messages/importing.py)
    and the values it is formatted with. A value named `field` holds a field name, `fields` a list of
    them: the interface shows their labels in its language."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    """A problem in the file. `row` is the spreadsheet row the user sees; 0 means the whole file.
    `key` and `values` are the problem's Message (translated by the interface)."""

    row: int
    key: str
    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def at(cls, row: int, message: Message) -> RowError:
        return cls(row, message.key, message.values)


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # Korean label (the API's field list; the interface uses the message import.field.<name>)
    required: bool = False
    max_length: int | None = None  # text columns: the store's column width


# Order = order shown in the mapping UI. `time` lets a file keep date and time in two columns.
FIELDS: tuple[Field, ...] = (
    Field("occurred_at", "결제일시", required=True),
    Field("time", "결제시간 (날짜와 따로 있을 때)"),
    Field("merchant", "이용업체명", required=True, max_length=200),
    Field("amount", "금액", required=True),
    Field("status", "상태 (승인/취소/부분취소)"),
    Field("pg", "결제대행사", max_length=60),
    Field("product", "구매상품", max_length=200),
    Field("service", "이용서비스", max_length=200),
    Field("category", "분류"),
    Field("bucket", "구분 (소액결제/콘텐츠이용료)"),
    Field("pay_type", "결제유형 (일반/자동)"),
    Field("carrier", "통신사"),
    Field("external_id", "거래ID", max_length=100),
)
FIELDS_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
REQUIRED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
# A mapping value that tells the importer to leave a column out.
IGNORE = ""


@dataclass(frozen=True)
class ParseResult:
    """Outcome of parse_file: `rows` holds every data row, or is empty and `errors` says why."""

    rows: list[ImportedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # True when the required columns could not be recognised: show `columns`/`sample_rows` and
    # call parse_file again with `mapping` ({raw header: field name, or "" to ignore}).
    needs_mapping: bool = False
    columns: list[str] = field(default_factory=list)
    sample_rows: list[list[str]] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # raw header -> field actually used
    file_format: str | None = None  # "csv" | "xlsx"
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only
    header_row: int | None = None  # 1-based
    # The header row a parse without a mapping finds, when it needs one (else []): the layout a
    # mapping is remembered under (data.import_mappings.header_signature).
    unmapped_headers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.needs_mapping

    def summary(self) -> dict[str, Any]:
        """Small dict for logs and audit rows (no cell contents)."""
        return {
            "rows": len(self.rows),
            "errors": len(self.errors),
            "needs_mapping": self.needs_mapping,
            "format": self.file_format,
            "encoding": self.encoding,
        }

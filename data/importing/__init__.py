"""Importing payment history files (CSV/XLSX copies of carrier history pages). Pure: no database.

    result = parse_file(content, "내역.csv")
    if result.needs_mapping: show result.columns / result.sample_rows, ask which column is which
        (FIELDS), then parse_file(content, name, mapping={raw header: field name or ""})
    elif result.errors: show them (RowError.row is the spreadsheet row, 0 = the whole file; RowError.key
        and .values: a message of dashboard/text/messages/importing.py, never text in one language)
    else: store result.rows, all of them, in one transaction (dedupe on external_id)

`merchant_key` (normalize.py) is the grouping key for merchant names, shared with analytics.
parse_file and fingerprint load lazily so that importing merchant_key does not pull in pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from data.importing.model import (
    FIELDS,
    FIELDS_BY_NAME,
    IGNORE,
    REQUIRED_FIELDS,
    Field,
    ImportedRow,
    Message,
    ParseResult,
    RowError,
)
from data.importing.normalize import merchant_key

if TYPE_CHECKING:
    from data.importing.pipeline import fingerprint, parse_file

__all__ = [
    "FIELDS",
    "FIELDS_BY_NAME",
    "IGNORE",
    "REQUIRED_FIELDS",
    "Field",
    "ImportedRow",
    "Message",
    "ParseResult",
    "RowError",
    "fingerprint",
    "merchant_key",
    "parse_file",
]


def __getattr__(name: str) -> Any:
    if name in ("parse_file", "fingerprint"):
        from data.importing import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

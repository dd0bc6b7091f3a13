"""Downloads of a line's filtered transaction list (CSV / XLSX), and the links the page offers for them.

    export_file(store, user_id, line_id, fmt, controls, filter_model, sort_model, *, ip=None) -> ExportFile
    export_hrefs(line_id, controls, request, count) -> {fmt: href or None}

The filters are the page's (month, bucket, status, category, quick search) and the grid's sort/filter
models, translated by data.transactions_query exactly as for the grid; the files come from data.exporting
(UTF-8 BOM CSV, string-typed XLSX, formula cells escaped). An unknown format or another user's line is
NotFound; a list longer than MAX_ROWS[fmt] is TooManyRows (never a silently cut file).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import orjson

from dashboard.services.errors import NotFound, ServiceError
from data.access import viewable_line
from data.audit import audit
from data.db import Store
from data.exporting import transactions_csv, transactions_xlsx
from data.models import Transaction
from data.transactions_query import ROW_COLUMNS, TxFilters, iter_rows

# Beyond these the user is asked to narrow the filter. openpyxl writes ~3,000 rows/s, so an XLSX of
# 50,000 rows already takes ~15 s; CSV is ~10x faster.
MAX_ROWS = {"csv": 200_000, "xlsx": 50_000}
FORMATS: dict[str, tuple[str, Callable[[list[dict[str, Any]]], bytes]]] = {
    "csv": ("text/csv; charset=utf-8", transactions_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", transactions_xlsx),
}
EXPORT_COLUMNS = (*ROW_COLUMNS, Transaction.external_id)


class TooManyRows(ServiceError):
    """More rows than the format allows: narrow the filter (message tx.export.too_many, `max`)."""

    status = 413


@dataclass(frozen=True)
class ExportFile:
    filename: str
    mimetype: str
    body: bytes


def export_file(store: Store, user_id: int, line_id: object, fmt: str, controls: Sequence[object],
                filter_model: object = None, sort_model: object = None, *, ip: str | None = None) -> ExportFile:
    """The file of the user's line's matching rows, in grid order; the download is audited."""
    if fmt not in FORMATS:
        raise NotFound("actions.line_not_found")
    filters = TxFilters.of(*controls)
    with store.read() as db:
        line = viewable_line(db, user_id, line_id)
        if line is None:
            raise NotFound("actions.line_not_found")
        rows = [{**row, "carrier": line.carrier} for row in iter_rows(
            db, line.id, filters, filter_model, sort_model, limit=MAX_ROWS[fmt] + 1, columns=EXPORT_COLUMNS)]
    if len(rows) > MAX_ROWS[fmt]:
        raise TooManyRows("tx.export.too_many", max=f"{MAX_ROWS[fmt]:,}")
    mimetype, render = FORMATS[fmt]
    body = render(rows)
    with store.write() as db:
        audit(db, "transactions.export", user_id=user_id, line_id=line.id, ip=ip, format=fmt, rows=len(rows),
              month=filters.month, category=filters.category)
    return ExportFile(f"transactions-{line.id}-{filters.month or 'all'}.{fmt}", mimetype, body)


def export_hrefs(line_id: int, controls: Sequence[object], request: Mapping[str, Any],
                 count: int) -> dict[str, str | None]:
    """The download link of each format for an owned line's list of `count` rows (None: too many for it).
    The query string is what the export route reads back: the filters and the grid's models as JSON."""
    filters = TxFilters.of(*controls)
    params: dict[str, str] = {"line": str(line_id)}
    for name in ("month", "bucket", "status", "category"):
        if getattr(filters, name):
            params[name] = getattr(filters, name)
    if filters.quick:
        params["q"] = filters.quick
    for param, model in (("sort", "sortModel"), ("filter", "filterModel")):
        if request.get(model):
            params[param] = orjson.dumps(request[model]).decode()
    query = urlencode(params)
    return {fmt: f"/export/transactions.{fmt}?{query}" if count <= limit else None
            for fmt, limit in MAX_ROWS.items()}

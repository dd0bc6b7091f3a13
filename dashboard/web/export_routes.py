"""Downloads of a line's filtered transaction list: GET /export/transactions.csv|.xlsx?line=…

The query string carries the page's filters (month, bucket, status, category, q) and the grid's
sort/filter models as JSON, translated by data.transactions_query exactly as for the grid. The
files come from data.exporting (UTF-8 BOM CSV, string-typed XLSX, formula cells escaped).
Another user's line, or no line, is a 404: the response never says whether the line exists.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, abort, request
from flask_login import current_user

from dashboard.context import store
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip, ui_lang
from data.audit import audit
from data.exporting import transactions_csv, transactions_xlsx
from data.lines import owned_line
from data.models import Transaction
from data.transactions_query import ROW_COLUMNS, TxFilters, iter_rows

# Beyond these the user is asked to narrow the filter (never a silently cut file). openpyxl writes
# ~3,000 rows/s, so an XLSX of 50,000 rows already takes ~15 s; CSV is ~10x faster.
MAX_ROWS = {"csv": 200_000, "xlsx": 50_000}
MAX_MODEL_CHARS = 4_000  # sort/filter JSON larger than any real grid state is refused
FORMATS = {
    "csv": ("text/csv; charset=utf-8", transactions_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", transactions_xlsx),
}
EXPORT_COLUMNS = (*ROW_COLUMNS, Transaction.external_id)

bp = Blueprint("export", __name__)


@bp.get("/export/transactions.<fmt>")
def transactions(fmt: str) -> Response:
    if fmt not in FORMATS or not current_user.is_authenticated:
        abort(404)
    uid = current_user.user_id
    with store().read() as db:
        line = owned_line(db, uid, request.args.get("line"))
        if line is None:
            abort(404)
        carrier = line.carrier
        filters = _filters()
        rows = [{**row, "carrier": carrier} for row in iter_rows(
            db, line.id, filters, _json_arg("filter"), _json_arg("sort"), limit=MAX_ROWS[fmt] + 1,
            columns=EXPORT_COLUMNS)]
    if len(rows) > MAX_ROWS[fmt]:
        message = t("tx.export.too_many", ui_lang(), max=f"{MAX_ROWS[fmt]:,}")
        return Response(message, status=413, mimetype="text/plain")
    mimetype, render = FORMATS[fmt]
    body = render(rows)
    with store().write() as db:
        audit(db, "transactions.export", user_id=uid, line_id=line.id, ip=client_ip(), format=fmt, rows=len(rows),
              month=filters.month, category=filters.category)
    name = f"transactions-{line.id}-{filters.month or 'all'}.{fmt}"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    })


def _filters() -> TxFilters:
    args = request.args
    return TxFilters.of(args.get("month"), args.get("bucket"), args.get("status"), args.get("category"),
                        args.get("q"))


def _json_arg(name: str) -> Any:
    raw = request.args.get(name)
    if not raw or len(raw) > MAX_MODEL_CHARS:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def init_export(server: Flask) -> None:
    server.register_blueprint(bp)

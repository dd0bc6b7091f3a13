"""Downloads of a line's filtered transaction list: GET /export/transactions.csv|.xlsx?line=…

The query string carries the page's filters (month, bucket, status, category, q) and the grid's
sort/filter models as JSON (written by dashboard.services.exports.export_hrefs); the file is
dashboard.services.exports.export_file's. Another user's line, or no line, is a 404: the response
never says whether the line exists.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, request
from flask_login import current_user

from dashboard.context import store
from dashboard.services import exports
from dashboard.services.errors import NotFound
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip, ui_lang
from data import untrusted_json

MAX_ROWS = exports.MAX_ROWS  # the same dict: a test that lowers a limit lowers it for the service
MAX_MODEL_CHARS = 4_000  # sort/filter JSON larger than any real grid state is refused
FILTER_ARGS = ("month", "bucket", "status", "category", "q")

bp = Blueprint("export", __name__)


@bp.get("/export/transactions.<fmt>")
def transactions(fmt: str) -> Response:
    if not current_user.is_authenticated:
        abort(404)
    controls = [request.args.get(name) for name in FILTER_ARGS]
    try:
        file = exports.export_file(store(), current_user.user_id, request.args.get("line"), fmt, controls,
                                   _json_arg("filter"), _json_arg("sort"), ip=client_ip())
    except NotFound:
        abort(404)
    except exports.TooManyRows as refused:
        return Response(t(refused.key, ui_lang(), **refused.values), status=refused.status, mimetype="text/plain")
    return Response(file.body, mimetype=file.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{file.filename}"',
        "Cache-Control": "no-store",
    })


def _json_arg(name: str) -> Any:
    raw = request.args.get(name)
    if not raw or len(raw) > MAX_MODEL_CHARS:
        return None
    try:
        return untrusted_json.loads(raw)
    except ValueError:
        return None


def init_export(server: Flask) -> None:
    server.register_blueprint(bp)

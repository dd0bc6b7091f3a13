"""Dispute-pack downloads: GET /disputes/charges.<pdf|csv>?tx=<id>&tx=… (charges chosen on the transactions
page) and GET /disputes/alert/<id>.<pdf|csv> (the charges of an alert). The file is
dashboard.services.disputes.pack_file's. Another user's charge or alert, or none, is a 404: the response never
says whether it exists. The pack is in Korean by default (for Korean carriers, gateways and police);
`?lang=en` gives it in English.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, request
from flask_login import current_user

from dashboard.context import store
from dashboard.services import disputes
from dashboard.services.errors import Invalid, NotFound
from dashboard.text.i18n import pick_lang, t
from dashboard.web.auth import client_ip, ui_lang

MAX_ID_ARGS = disputes.MAX_CHARGES + 1  # read one more than allowed, so "too many" is said, not cut

bp = Blueprint("disputes", __name__)


@bp.get("/disputes/charges.<fmt>")
def charges(fmt: str) -> Response:
    return _download(fmt, charge_ids=request.args.getlist("tx")[:MAX_ID_ARGS])


@bp.get("/disputes/alert/<int:alert_id>.<fmt>")
def alert(alert_id: int, fmt: str) -> Response:
    return _download(fmt, alert_id=alert_id)


def _download(fmt: str, **chosen: object) -> Response:
    if not current_user.is_authenticated:
        abort(404)
    lang = pick_lang(request.args.get("lang"))
    try:
        file = disputes.pack_file(store(), current_user.user_id, fmt, lang=lang, ip=client_ip(), **chosen)
    except NotFound:
        abort(404)
    except Invalid as refused:
        return Response(t(refused.key, ui_lang(), **refused.values), status=refused.status, mimetype="text/plain")
    return Response(file.body, mimetype=file.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{file.filename}"',
        "Cache-Control": "no-store",
    })


def init_disputes(server: Flask) -> None:
    server.register_blueprint(bp)

"""GET /account/export.zip: everything of the logged-in user, before deleting the account.

Only the session's own user's rows (dashboard.services.erasure.export_zip takes the id from the session,
never from the request). Bearer tokens get a 404: a leaked API token must not carry the whole account away.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort
from flask_login import current_user

from dashboard.context import store
from dashboard.services import erasure
from dashboard.web.auth import client_ip

bp = Blueprint("erasure", __name__)


@bp.get("/account/export.zip")
def export() -> Response:
    if not current_user.is_authenticated or str(current_user.id).startswith("token:"):
        abort(404)
    file = erasure.export_zip(store(), current_user.user_id, ip=client_ip())
    return Response(file.body, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{file.filename}"',
        "Cache-Control": "no-store",
    })


def init_erasure(server: Flask) -> None:
    server.register_blueprint(bp)

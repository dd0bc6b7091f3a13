"""/api/v1/lines: the caller's phone lines with their limits and this month's usage."""

from __future__ import annotations

from flask_smorest import abort

from dashboard.api.bodies import Blueprint
from dashboard.api.common import caller_id
from dashboard.api.schemas import LineIn, LineOut
from dashboard.context import store
from dashboard.services import lines as lines_service
from dashboard.services.errors import ServiceError
from dashboard.text.i18n import t

blp = Blueprint("lines", __name__, description="Phone lines")


def refused(error: ServiceError):
    """Korean, as these answers always were."""
    abort(error.status, message=t(error.key, "ko", **error.values))


@blp.route("/lines", methods=["GET"])
@blp.response(200, LineOut(many=True))
def list_lines():
    return lines_service.line_summaries(store(), caller_id())


@blp.route("/lines", methods=["POST"])
@blp.arguments(LineIn)
@blp.response(201, LineOut)
@blp.alt_response(400, description="Unknown carrier, or not a mobile number.")
def add_line(body: dict):
    try:
        return lines_service.add_line(store(), caller_id(), body["carrier"], body["number"], None,
                                      nickname=body["nickname"], is_minor=body["is_minor"])
    except ServiceError as error:
        refused(error)


@blp.route("/lines/<int:line_id>")
@blp.response(200, LineOut)
def get_line(line_id: int):
    try:
        return lines_service.line_summary(store(), caller_id(), line_id)
    except ServiceError as error:
        refused(error)

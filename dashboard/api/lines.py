"""/api/v1/lines: the caller's phone lines with their limits and this month's usage."""

from __future__ import annotations

from flask_smorest import Blueprint, abort

from dashboard.api.common import caller_id, own_line_or_404
from dashboard.api.schemas import LineIn, LineOut
from dashboard.context import store
from dashboard.text.formatting import mask_number
from data.lines import create_line, current_limits, lines_of
from data.models import Line
from data.usage import monthly_usage
from data.vocab import kst_today

blp = Blueprint("lines", __name__, description="Phone lines")


def line_view(db, line: Line) -> dict:
    month = kst_today().strftime("%Y-%m")
    usage = monthly_usage(db, line.id, [month])[month]
    return {
        "id": line.id, "carrier": line.carrier, "number_masked": line.number_masked,
        "nickname": line.nickname, "is_minor": line.is_minor, "status": line.status,
        "limits": current_limits(db, line.id), "usage": {"month": month, **usage},
    }


@blp.route("/lines", methods=["GET"])
@blp.response(200, LineOut(many=True))
def list_lines():
    with store().read() as db:
        return [line_view(db, line) for line in lines_of(db, caller_id())]


@blp.route("/lines", methods=["POST"])
@blp.arguments(LineIn)
@blp.response(201, LineOut)
@blp.alt_response(400, description="Unknown carrier, or not a mobile number.")
def add_line(body: dict):
    try:
        masked = mask_number(body["number"])
    except ValueError as exc:
        abort(400, message=str(exc))
    try:
        with store().write() as db:
            line = create_line(db, user_id=caller_id(), carrier=body["carrier"], number_masked=masked,
                               nickname=body["nickname"], is_minor=body["is_minor"])
            return line_view(db, line)
    except ValueError as exc:
        abort(400, message=str(exc))


@blp.route("/lines/<int:line_id>")
@blp.response(200, LineOut)
def get_line(line_id: int):
    own_line_or_404(line_id)
    with store().read() as db:
        return line_view(db, db.get(Line, line_id))

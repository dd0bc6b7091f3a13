"""/api/v1/lines/<id>/forecast and the recurring charges the user marked as cancelled (dashboard.services.forecast).
Another user's line (or none) is a 404."""

from __future__ import annotations

from datetime import UTC

from flask_smorest import abort
from marshmallow import Schema, fields

from dashboard.api.bodies import Blueprint
from dashboard.api.common import caller_id
from dashboard.api.schemas import Moment, text_field
from dashboard.context import settings, store
from dashboard.services import forecast as forecast_service
from dashboard.services.errors import NotFound
from dashboard.text.i18n import t

blp = Blueprint("forecast", __name__, description="Next bill forecast")


class UpcomingOut(Schema):
    merchant = fields.String()
    amount = fields.Integer()
    expected_date = fields.String()


class ForecastOut(Schema):
    billing_month = fields.String()
    spent_to_date = fields.Integer()
    expected = fields.Integer()
    low = fields.Integer()
    high = fields.Integer()
    limit = fields.Integer(allow_none=True)
    p_exceed_limit = fields.Float(allow_none=True)
    limit_hit_date = fields.String(allow_none=True)
    upcoming_recurring = fields.List(fields.Nested(UpcomingOut))
    recurring_due = fields.Integer()
    variable_expected = fields.Integer()
    due_date = fields.String()
    excluded_recurring = fields.List(fields.String())


class ForecastQuery(Schema):
    as_of = Moment(load_default=None, default_timezone=UTC,
                   metadata={"description": "ISO time; default now. From 1990-01-01 to tomorrow (KST)."})


class ExclusionIn(Schema):
    merchant = text_field(200, required=True)


@blp.route("/lines/<int:line_id>/forecast", methods=["GET"])
@blp.arguments(ForecastQuery, location="query")
@blp.response(200, ForecastOut)
def get_forecast(query: dict, line_id: int):
    try:
        return forecast_service.forecast_of(store(), settings(), caller_id(), line_id, query.get("as_of"))
    except NotFound as refused:
        abort(404, message=t(refused.key, "ko"))


@blp.route("/lines/<int:line_id>/recurring-exclusions", methods=["POST"])
@blp.arguments(ExclusionIn)
@blp.response(200, ExclusionIn)
def add_exclusion(body: dict, line_id: int):
    _set_recurring(line_id, body["merchant"], excluded=True)
    return body


@blp.route("/lines/<int:line_id>/recurring-exclusions", methods=["DELETE"])
@blp.arguments(ExclusionIn)
@blp.response(204)
def remove_exclusion(body: dict, line_id: int):
    _set_recurring(line_id, body["merchant"], excluded=False)


def _set_recurring(line_id: int, merchant: str, *, excluded: bool) -> None:
    try:
        forecast_service.set_recurring(store(), caller_id(), line_id, merchant, excluded=excluded)
    except NotFound as refused:
        abort(404, message=t(refused.key, "ko"))

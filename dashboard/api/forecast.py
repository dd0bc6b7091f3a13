"""/api/v1/lines/<id>/forecast and the recurring charges the user marked as cancelled."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from dashboard.api.common import caller_id, own_line_or_404
from dashboard.api.schemas import text_field
from dashboard.context import settings, store
from dashboard.services.forecast import forecast_line
from data.forecast_input import exclude_recurring, include_recurring
from data.models import Line

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
    as_of = fields.AwareDateTime(load_default=None, default_timezone=UTC,
                                 metadata={"description": "ISO time; default now"})


class ExclusionIn(Schema):
    merchant = text_field(200, required=True)


@blp.route("/lines/<int:line_id>/forecast", methods=["GET"])
@blp.arguments(ForecastQuery, location="query")
@blp.response(200, ForecastOut)
def get_forecast(query: dict, line_id: int):
    own_line_or_404(line_id)
    as_of = query.get("as_of") or datetime.now(UTC)
    with store().read() as db:
        return forecast_line(db, db.get(Line, line_id), as_of, settings()).to_dict()


@blp.route("/lines/<int:line_id>/recurring-exclusions", methods=["POST"])
@blp.arguments(ExclusionIn)
@blp.response(200, ExclusionIn)
def add_exclusion(body: dict, line_id: int):
    own_line_or_404(line_id)
    with store().write() as db:
        exclude_recurring(db, line_id, body["merchant"], caller_id())
    return body


@blp.route("/lines/<int:line_id>/recurring-exclusions", methods=["DELETE"])
@blp.arguments(ExclusionIn)
@blp.response(204)
def remove_exclusion(body: dict, line_id: int):
    own_line_or_404(line_id)
    with store().write() as db:
        include_recurring(db, line_id, body["merchant"], caller_id())

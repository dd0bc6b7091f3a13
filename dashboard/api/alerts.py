"""/api/v1 budgets and alerts: set a line's budget, list alerts, mark them read.

Ownership as everywhere: a line or alert of another user is a 404, never a 403 (no existence leak).
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import Schema, fields, validate

from dashboard.api.bodies import Blueprint
from dashboard.api.common import caller_id
from dashboard.api.schemas import DB_INT_MAX, id_field
from dashboard.context import settings, store
from dashboard.services import alerts as alerts_service
from dashboard.services import budgets as budget_service
from dashboard.services.errors import ServiceError
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from data.vocab import ALERT_KINDS

blp = Blueprint("alerts", __name__, description="Budgets and alerts")


INT_COLUMN = validate.Range(min=-DB_INT_MAX, max=DB_INT_MAX)

class BudgetIn(Schema):
    # Bounded by the INTEGER columns they are stored in; the rules of a budget are the service's (a 400).
    amount = fields.Integer(required=True, strict=True, metadata={"example": 200_000}, validate=INT_COLUMN)
    thresholds = fields.List(fields.Integer(strict=True, validate=INT_COLUMN), load_default=None,
                             metadata={"example": [50, 80, 100]})
    large_charge = fields.Integer(strict=True, allow_none=True, load_default=None, metadata={"example": 50_000},
                                  validate=INT_COLUMN)
    notify_new_merchant = fields.Boolean(load_default=False)


class BudgetOut(Schema):
    line_id = fields.Integer()
    amount = fields.Integer()
    thresholds = fields.List(fields.Integer())
    large_charge = fields.Integer(allow_none=True)
    notify_new_merchant = fields.Boolean()
    updated_at = fields.String(allow_none=True)


class AlertOut(Schema):
    id = fields.Integer()
    line_id = fields.Integer()
    kind = fields.String()
    message = fields.String()
    created_at = fields.DateTime()
    read = fields.Boolean()


class AlertQuery(Schema):
    unread = fields.Boolean(load_default=None)
    line_id = id_field(load_default=None)
    kind = fields.String(load_default=None, validate=validate.OneOf(ALERT_KINDS))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


def alert_view(alert) -> dict:
    return {"id": alert.id, "line_id": alert.line_id, "kind": alert.kind, "message": alert.message,
            "created_at": alert.created_at, "read": alert.read_at is not None}


def refused(error: ServiceError):
    """The service's refusal as the API's error body (Korean, as it always was)."""
    abort(error.status, message=t(error.key, "ko", **error.values))


@blp.route("/lines/<int:line_id>/budget", methods=["GET"])
@blp.response(200, BudgetOut)
def get_budget(line_id: int):
    try:
        view = budget_service.budget_of(store(), settings(), caller_id(), line_id).budget
    except ServiceError as error:
        refused(error)
    if view is None:
        abort(404, message=t("budget.none"))
    return view


@blp.route("/lines/<int:line_id>/budget", methods=["PUT"])
@blp.arguments(BudgetIn)
@blp.response(200, BudgetOut)
@blp.alt_response(400, description="Not a positive amount within the line's total limit, or bad thresholds.")
def put_budget(body: dict, line_id: int):
    try:
        return budget_service.set_budget(store(), settings(), caller_id(), line_id, **body, ip=client_ip())
    except budget_service.BudgetRefused as error:
        abort(400, message=" ".join(t(p.key, "ko", **p.values) for p in error.problems),
              errors={"budget": [p.key for p in error.problems]})
    except ServiceError as error:
        refused(error)


@blp.route("/lines/<int:line_id>/budget", methods=["DELETE"])
@blp.response(204)
def delete_budget(line_id: int):
    try:
        removed = budget_service.delete_budget(store(), caller_id(), line_id, ip=client_ip())
    except ServiceError as error:
        refused(error)
    if not removed:
        abort(404, message=t("budget.none"))


@blp.route("/alerts", methods=["GET"])
@blp.arguments(AlertQuery, location="query")
@blp.response(200, AlertOut(many=True))
@blp.alt_response(404, description="`line_id` is not one of the caller's lines.")
def list_alerts(query: dict):
    try:
        return [alert_view(alert) for alert in alerts_service.list_alerts(store(), caller_id(), **query)]
    except ServiceError as error:
        refused(error)


@blp.route("/alerts/<int:alert_id>/read", methods=["POST"])
@blp.response(200, AlertOut)
def mark_read(alert_id: int):
    try:
        return alert_view(alerts_service.mark_read(store(), caller_id(), alert_id))
    except ServiceError as error:
        refused(error)


class ReadAllQuery(Schema):
    line_id = id_field(load_default=None, metadata={"description": "Only this line's alerts"})


class MarkedOut(Schema):
    marked = fields.Integer()


@blp.route("/alerts/read-all", methods=["POST"])
@blp.arguments(ReadAllQuery, location="query")
@blp.response(200, MarkedOut)
@blp.alt_response(404, description="`line_id` is not one of the caller's lines.")
def mark_all_read(query: dict):
    # A malformed line_id is a 422, not "every line": request.args.get(type=int) used to drop it silently.
    try:
        return {"marked": alerts_service.mark_all_read(store(), caller_id(), query["line_id"])}
    except ServiceError as error:
        refused(error)

"""/api/v1 budgets and alerts: set a line's budget, list alerts, mark them read.

Ownership as everywhere: a line or alert of another user is a 404, never a 403 (no existence leak).
"""

from __future__ import annotations

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from dashboard.alerts.rules import KINDS
from dashboard.api.common import caller_id, own_line_or_404
from dashboard.api.schemas import id_field
from dashboard.context import settings, store
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from data import alerts_store, budgets
from data.lines import owned_line
from data.models import DB_INT_MAX, Alert

blp = Blueprint("alerts", __name__, description="Budgets and alerts")


class BudgetIn(Schema):
    amount = fields.Integer(required=True, strict=True, metadata={"example": 200_000})
    thresholds = fields.List(fields.Integer(strict=True), load_default=None, metadata={"example": [50, 80, 100]})
    large_charge = fields.Integer(strict=True, allow_none=True, load_default=None, metadata={"example": 50_000},
                                  validate=validate.Range(max=DB_INT_MAX))  # stored in an INTEGER column
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
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


def alert_view(alert: Alert) -> dict:
    return {"id": alert.id, "line_id": alert.line_id, "kind": alert.kind, "message": alert.message,
            "created_at": alert.created_at, "read": alert.read_at is not None}


@blp.route("/lines/<int:line_id>/budget", methods=["GET"])
@blp.response(200, BudgetOut)
def get_budget(line_id: int):
    own_line_or_404(line_id)
    with store().read() as db:
        view = budgets.budget_view(budgets.get_budget(db, line_id))
    if view is None:
        abort(404, message=t("budget.none"))
    return view


@blp.route("/lines/<int:line_id>/budget", methods=["PUT"])
@blp.arguments(BudgetIn)
@blp.response(200, BudgetOut)
@blp.alt_response(400, description="Not a positive amount within the line's total limit, or bad thresholds.")
def put_budget(body: dict, line_id: int):
    own_line_or_404(line_id)
    thresholds = body["thresholds"] if body["thresholds"] is not None else settings().budget_thresholds
    with store().write() as db:
        line = owned_line(db, caller_id(), line_id)
        if line is None:
            abort(404, message=t("actions.line_not_found"))
        problems = budgets.validate(body["amount"], thresholds, body["large_charge"],
                                    budgets.total_limit(db, line, settings()))
        if problems:
            abort(400, message=" ".join(t(p.key, "ko", **p.values) for p in problems),
                  errors={"budget": [p.key for p in problems]})
        budget = budgets.save_budget(
            db, line, amount=body["amount"], thresholds=budgets.parse_threshold_text(thresholds) or [],
            large_charge=body["large_charge"], notify_new_merchant=body["notify_new_merchant"],
            user_id=caller_id(), ip=client_ip())
        db.flush()
        return budgets.budget_view(budget)


@blp.route("/lines/<int:line_id>/budget", methods=["DELETE"])
@blp.response(204)
def delete_budget(line_id: int):
    own_line_or_404(line_id)
    with store().write() as db:
        line = owned_line(db, caller_id(), line_id)
        if line is None or not budgets.delete_budget(db, line, user_id=caller_id(), ip=client_ip()):
            abort(404, message=t("budget.none"))


@blp.route("/alerts", methods=["GET"])
@blp.arguments(AlertQuery, location="query")
@blp.response(200, AlertOut(many=True))
@blp.alt_response(404, description="`line_id` is not one of the caller's lines.")
def list_alerts(query: dict):
    if query["line_id"] is not None:
        own_line_or_404(query["line_id"])
    with store().read() as db:
        rows = alerts_store.list_alerts(db, caller_id(), line_id=query["line_id"], kind=query["kind"],
                                        unread=query["unread"], limit=query["limit"])
        return [alert_view(alert) for alert in rows]


@blp.route("/alerts/<int:alert_id>/read", methods=["POST"])
@blp.response(200, AlertOut)
def mark_read(alert_id: int):
    with store().write() as db:
        alert = alerts_store.mark_read(db, caller_id(), alert_id)
        if alert is None:
            abort(404, message=t("alerts.not_found"))
        return alert_view(alert)


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
    line_id = query["line_id"]
    if line_id is not None:
        own_line_or_404(line_id)
    with store().write() as db:
        return {"marked": alerts_store.mark_all_read(db, caller_id(), line_id)}

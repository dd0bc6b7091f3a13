"""/api/v1 transactions: a line's month of rows, and cancelling an approved payment.

Cancel: 200 with the cancellation row; 404 for another user's (or no) transaction; 409 when the row is
not an approved payment or is already cancelled.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import Schema, fields, validate

from dashboard.api.bodies import Blueprint
from dashboard.api.common import caller_id
from dashboard.context import store
from dashboard.services import transactions as tx_service
from dashboard.services.errors import ServiceError
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip, ui_lang

blp = Blueprint("transactions", __name__, description="Transactions and cancellations")

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
# The service's refusals (the page's words) as the API has always said them.
API_MESSAGES = {
    "tx.err.not_found": "actions.tx_not_found",
    "tx.err.not_payment": "actions.not_payment",
    "tx.err.already_cancelled": "actions.already_cancelled",
}


class MonthQuery(Schema):
    month = fields.String(load_default=None, validate=validate.Regexp(MONTH_PATTERN, error=t("actions.bad_month")),
                          metadata={"description": "KST usage month YYYY-MM (default: this month)"})


class TransactionOut(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime(format="iso")
    usage_month = fields.String()
    merchant = fields.String()
    pg = fields.String(allow_none=True)
    product = fields.String(allow_none=True)
    category = fields.String()
    bucket = fields.String()
    amount = fields.Integer()
    status = fields.String()
    pay_type = fields.String()
    decline_reason = fields.String(allow_none=True)
    cancels_id = fields.Integer(allow_none=True)
    refund = fields.Boolean()


@blp.route("/lines/<int:line_id>/transactions", methods=["GET"])
@blp.arguments(MonthQuery, location="query")
@blp.response(200, TransactionOut(many=True))
def list_transactions(query: dict, line_id: int):
    """Every row of the month, newest first: payments, declined attempts and cancellations."""
    try:
        return tx_service.month_rows(store(), caller_id(), line_id, query["month"])
    except ServiceError as refused:
        abort(refused.status, message=t(refused.key))


@blp.route("/transactions/<int:transaction_id>/cancel", methods=["POST"])
@blp.response(200, TransactionOut, description="The cancellation row (refund=true after the month ended).")
@blp.alt_response(404, description="Not the caller's transaction.")
@blp.alt_response(409, description="Not an approved payment, or already cancelled.")
def cancel(transaction_id: int):
    try:
        return tx_service.cancel(store(), caller_id(), transaction_id, ip=client_ip())
    except ServiceError as refused:
        abort(refused.status, message=t(API_MESSAGES.get(refused.key, refused.key), ui_lang()))

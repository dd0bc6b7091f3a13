"""/api/v1 transactions: a line's month of rows, and cancelling an approved payment.

Cancel: 200 with the cancellation row; 404 for another user's (or no) transaction; 409 when the row is
not an approved payment or is already cancelled.
"""

from __future__ import annotations

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dashboard.api.common import caller_id, own_line_or_404
from dashboard.context import store
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip, ui_lang
from data.authorize import CancelRefused, cancel_payment
from data.models import Transaction
from data.vocab import kst_today

blp = Blueprint("transactions", __name__, description="Transactions and cancellations")

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
CANCEL_ERRORS = {
    "not_found": (404, "actions.tx_not_found"),
    "not_payment": (409, "actions.not_payment"),
    "already_cancelled": (409, "actions.already_cancelled"),
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
    own_line_or_404(line_id)
    month = query["month"] or kst_today().strftime("%Y-%m")
    with store().read() as db:
        return list(db.scalars(
            select(Transaction)
            .where(Transaction.line_id == line_id, Transaction.usage_month == month)
            .order_by(Transaction.occurred_at.desc(), Transaction.id.desc())
        ))


@blp.route("/transactions/<int:transaction_id>/cancel", methods=["POST"])
@blp.response(200, TransactionOut, description="The cancellation row (refund=true after the month ended).")
@blp.alt_response(404, description="Not the caller's transaction.")
@blp.alt_response(409, description="Not an approved payment, or already cancelled.")
def cancel(transaction_id: int):
    user_id = caller_id()
    try:
        with store().write() as db:
            return cancel_payment(db, user_id, transaction_id, ip=client_ip())
    except CancelRefused as refused:
        status, key = CANCEL_ERRORS[refused.code]
        abort(status, message=t(key, ui_lang()))
    except IntegrityError:
        # The cancellation's unique external_id: a concurrent cancel of the same payment won.
        abort(409, message=t("actions.already_cancelled", ui_lang()))

"""/api/v1 bills and payments.

- GET  /lines/<id>/bills → 200 [Bill] (ended months are closed first)
- POST /bills/<id>/payments (header Idempotency-Key) {method, card_number?, password}
  → 201 {payment_id, bill_id, method, status: succeeded | pending | declined, amount, card_last4?,
         virtual_account?: {bank, account}, decline_reason?, line_status}
  A retry with the same key and body replays the first answer (same status and body, header
  `Idempotency-Replayed: true`). 400 no/invalid key · 403 wrong password · 404 not the caller's bill ·
  409 already paid / carried into a later bill / a deposit account is already waiting ·
  422 bad body or card number, or the key reused for a different request · 429 too many wrong passwords.
  A declined card is a 201 with status "declined" (the attempt happened and is stored); retry with a new key.
- POST /lines/<id>/bills/pay-overdue (Idempotency-Key) same body → 201 {status, amount, line_status,
  payments: [one per overdue bill]}; 409 when nothing is overdue.
- POST /payments/<id>/confirm-deposit → 200 {status: "succeeded", …}. Stands in for the bank's deposit
  webhook: the owner calls it (session + CSRF, or a bearer token). Repeats answer 200 again;
  409 when the account expired or the bill was paid another way.
Every error body is {error, message}.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Response, jsonify, request
from flask_smorest import abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from dashboard.api.bodies import Blueprint
from dashboard.api.common import caller_id
from dashboard.context import settings, store
from dashboard.services import bills as bills_service
from dashboard.services.errors import NotFound
from dashboard.services.payments import KEY_PATTERN, METHODS, Outcome, Refused, Target, confirm, submit, valid_key
from dashboard.sim.card_gateway import InvalidCard, card_digits
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip, ui_lang

blp = Blueprint("bills", __name__, description="Bills and payments")

IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": True,
    "description": "One per payment attempt (e.g. a UUID). A retry with the same key replays the first answer.",
    "schema": {"type": "string", "pattern": f"^{KEY_PATTERN.pattern}$"},
}


class BillOut(Schema):
    id = fields.Integer()
    line_id = fields.Integer()
    usage_month = fields.String(metadata={"example": "2025-05"})
    micropayment_amount = fields.Integer()
    content_amount = fields.Integer()
    carried_over = fields.Integer()
    carried_from_id = fields.Integer(allow_none=True)
    late_fee = fields.Integer()
    total = fields.Integer()
    due_date = fields.Date()
    status = fields.String(metadata={"enum": ["open", "paid", "overdue", "carried"]})
    paid_at = fields.DateTime(format="iso", allow_none=True)


class PayIn(Schema):
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    card_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40),
                                metadata={"example": "4111111111111111",
                                          "description": "Required for card. Test cards: 4111111111111111 "
                                                         "approves, 4000000000000002 declines."})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1000),
                             metadata={"description": "The account password (re-authentication)."})

    @validates_schema
    def card_number_for_cards(self, data: dict, **_kwargs) -> None:
        if data.get("method") != "card":
            return
        try:
            card_digits(data.get("card_number"))
        except InvalidCard:
            # The message never echoes the number.
            raise ValidationError(t("pay.error.invalid_card", ui_lang()), field_name="card_number") from None


class VirtualAccountOut(Schema):
    bank = fields.String()
    account = fields.String()


class PaymentOut(Schema):
    payment_id = fields.Integer()
    bill_id = fields.Integer()
    method = fields.String()
    status = fields.String(metadata={"enum": ["succeeded", "pending", "declined"]})
    amount = fields.Integer()
    card_last4 = fields.String()
    virtual_account = fields.Nested(VirtualAccountOut)
    decline_reason = fields.String()
    line_status = fields.String()


class OverduePaymentOut(Schema):
    status = fields.String()
    amount = fields.Integer()
    line_status = fields.String()
    payments = fields.List(fields.Nested(PaymentOut))


def _json(status: int, body: dict, replayed: bool = False) -> Response:
    response = jsonify(body)
    response.status_code = status
    if replayed:
        response.headers["Idempotency-Replayed"] = "true"
    return response


def _answer(outcome: Outcome) -> Response:
    return _json(outcome.status_code, outcome.body, outcome.replayed)


def needs_idempotency_key(view: Callable) -> Callable:
    """400 before the body is even parsed: a payment without a key could not be retried safely."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not valid_key(key):
            return _json(400, Refused(400, "idempotency_key", t("pay.error.idempotency_key", ui_lang())).body())
        return view(*args, idempotency_key=key, **kwargs)
    return wrapper


def _pay(target: Target, body: dict, key: str) -> Response:
    try:
        outcome = submit(store(), settings(), caller_id(), target, key=key, method=body["method"],
                         card_number=body["card_number"], password=body["password"], lang=ui_lang(), ip=client_ip())
    except Refused as refused:
        return _json(refused.status, refused.body())
    return _answer(outcome)


@blp.route("/lines/<int:line_id>/bills", methods=["GET"])
@blp.response(200, BillOut(many=True))
def list_bills(line_id: int):
    """The line's bills, newest first; months that have ended are closed on the way."""
    try:
        return bills_service.line_bills(store(), settings(), caller_id(), line_id)
    except NotFound as refused:
        abort(404, message=t(refused.key, "ko"))


@blp.route("/bills/<int:bill_id>/payments", methods=["POST"])
@needs_idempotency_key
@blp.arguments(PayIn)
@blp.response(201, PaymentOut)
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
@blp.alt_response(400, description="Missing or malformed Idempotency-Key.")
@blp.alt_response(403, description="Wrong password.")
@blp.alt_response(404, description="Not the caller's bill.")
@blp.alt_response(409, description="Already paid, carried into a later bill, or a deposit account is waiting.")
@blp.alt_response(429, description="Too many wrong passwords.")
def pay_bill(body: dict, bill_id: int, idempotency_key: str):
    """Pay one bill by card (at once) or virtual account (pending until the deposit is confirmed)."""
    return _pay(Target("bill", bill_id), body, idempotency_key)


@blp.route("/lines/<int:line_id>/bills/pay-overdue", methods=["POST"])
@needs_idempotency_key
@blp.arguments(PayIn)
@blp.response(201, OverduePaymentOut)
@blp.doc(parameters=[IDEMPOTENCY_HEADER])
@blp.alt_response(400, description="Missing or malformed Idempotency-Key.")
@blp.alt_response(403, description="Wrong password.")
@blp.alt_response(409, description="Nothing is overdue (or it was just paid with another key), or a deposit "
                                   "account is waiting.")
@blp.alt_response(429, description="Too many wrong passwords.")
def pay_overdue(body: dict, line_id: int, idempotency_key: str):
    """Pay every overdue bill of the line at once (one payment per bill, all or nothing); lifts the restriction."""
    return _pay(Target("overdue", line_id), body, idempotency_key)


@blp.route("/payments/<int:payment_id>/confirm-deposit", methods=["POST"])
@blp.response(200, PaymentOut)
@blp.alt_response(404, description="Not the caller's payment.")
@blp.alt_response(409, description="Not a virtual account, expired, or the bill was paid another way.")
def confirm_deposit(payment_id: int):
    """The deposit into a virtual account arrived (simulated bank webhook): the bill is paid."""
    try:
        outcome = confirm(store(), settings(), caller_id(), payment_id, ui_lang(), client_ip())
    except Refused as refused:
        return _json(refused.status, refused.body())
    return _answer(outcome)

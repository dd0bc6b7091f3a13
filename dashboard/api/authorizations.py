"""/api/v1/lines/<id>/authorizations: a merchant/PG asks to charge a line; approved or declined at once.

201 with the decision for a new external_id; 200 with the *same* body (and `Idempotency-Replayed: true`, the
payments' header too) for a retry of an external_id already answered. Declines are answers, not errors (still 201).
The old `Idempotent-Replayed: true` is sent as well for one more release (deprecated; docs/operations.md).
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from dashboard.api.bodies import Blueprint
from dashboard.api.common import caller_id, refuse
from dashboard.api.schemas import Moment, printable, text_field
from dashboard.context import settings, store
from dashboard.services.authorizations import CANCEL_PREFIX, DECLINE_REASONS, authorize_charge
from dashboard.services.errors import ServiceError
from dashboard.text.i18n import t
from dashboard.web.auth import ui_lang
from data.vocab import BUCKETS, CATEGORIES, KST, PAY_TYPES

blp = Blueprint("authorizations", __name__, description="Payment authorizations (merchants/PGs)")

REPLAYED = {"Idempotency-Replayed": "true", "Idempotent-Replayed": "true"}  # the second: deprecated alias
REPLAYED_DOC = {
    "Idempotency-Replayed": {"description": "`true`: this answers a retry.", "required": True,
                             "schema": {"type": "string", "enum": ["true"]}},
    "Idempotent-Replayed": {"description": "Deprecated alias of Idempotency-Replayed, removed in the next release.",
                            "deprecated": True, "schema": {"type": "string", "enum": ["true"]}},
}

# The external_id rules as an OpenAPI pattern too, so the document says what `printable`/`not_reserved` refuse
# (tests/http/test_api_schemathesis.py checks that the two agree).
EXTERNAL_ID_PATTERN = r"^(?!" + CANCEL_PREFIX + r")[^\x00-\x1f\x7f]*$"  # the prefix has no regex syntax


def not_reserved(value: str) -> None:
    if value.startswith(CANCEL_PREFIX):
        raise ValidationError(t("actions.reserved_id"))


class AuthorizationIn(Schema):
    merchant = text_field(200, required=True, metadata={"example": "넥슨코리아"})
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000_000),
                            metadata={"example": 10_000})
    bucket = fields.String(required=True, validate=validate.OneOf(BUCKETS))
    external_id = fields.String(required=True, validate=[validate.Length(min=1, max=100), printable, not_reserved],
                                metadata={"description": "The PG's id for this payment; retries reuse it. "
                                                         f"The prefix {CANCEL_PREFIX} is reserved.",
                                          "pattern": EXTERNAL_ID_PATTERN})
    occurred_at = Moment(load_default=None, default_timezone=KST,
                         metadata={"description": "ISO 8601; without an offset it is KST. Default now. "
                                                  "From 1990-01-01 to tomorrow (KST)."})
    pg = text_field(60, load_default=None, allow_none=True, metadata={"example": "다날"})
    category = fields.String(load_default="other", validate=validate.OneOf(CATEGORIES))
    product = text_field(200, load_default=None, allow_none=True)
    pay_type = fields.String(load_default="one_off", validate=validate.OneOf(PAY_TYPES))


class AuthorizationOut(Schema):
    approved = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={"enum": [None, *DECLINE_REASONS]})
    transaction_id = fields.Integer()


# Schema instances, not classes: webargs builds a class anew on every request (a deep copy of its fields).
@blp.route("/lines/<int:line_id>/authorizations", methods=["POST"])
@blp.arguments(AuthorizationIn())
@blp.response(201, AuthorizationOut, description="A new decision (approved or declined).")
@blp.alt_response(200, schema=AuthorizationOut, description="A retry: the first decision, unchanged.",
                  headers=REPLAYED_DOC)
def create_authorization(body: dict, line_id: int):
    try:
        result = authorize_charge(store(), settings(), caller_id(), line_id, body)
    except ServiceError as refused:
        refuse(refused, ui_lang())
    if not result.created:
        return result.body(), 200, REPLAYED
    return result.body()

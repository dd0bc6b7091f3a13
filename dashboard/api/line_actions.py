"""/api/v1/lines/<id>: change a limit, block, unblock.

- PUT  /limits/<bucket> {amount, password?, code?} → 200 | 400 (not a step, over the cap) | 403 (a raise without
  or with a wrong password) | 422 (bad body or bucket) | 429 (too many wrong passwords)
- POST /block {reason?} → 200 {status: "blocked", instructions} — never asks for a password
- POST /unblock {password, code?} → 200 | 403 (missing/wrong password) | 409 (not blocked) | 429
Another user's line is a 404 everywhere.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import Schema, fields, validate

from dashboard.api.bodies import Blueprint
from dashboard.api.common import caller_id
from dashboard.context import settings, store
from dashboard.services import limits as limits_service
from dashboard.services import lines as lines_service
from dashboard.services.errors import ServiceError
from dashboard.text.carriers import instructions
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip, ui_lang
from data.vocab import BUCKETS

blp = Blueprint("line_actions", __name__, description="Limits, block and unblock")
# A token carries no second factor of its own (no session, no passkey ceremony): for a user who turned two-step
# verification on, unblocking and raising a limit through the API need a current TOTP or recovery code.
FACTOR_CODE = ("For users with two-step verification: a current authenticator (TOTP) code or a recovery code; "
               "without it unblocking and raising a limit are refused (403).")


class LimitIn(Schema):
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(min=-1_000_000_000, max=1_000_000_000),
                            metadata={"example": 300_000})
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000),
                             metadata={"description": "Required to raise the limit."})
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40),
                         metadata={"description": FACTOR_CODE})


class LimitOut(Schema):
    line_id = fields.Integer()
    bucket = fields.String()
    amount = fields.Integer()
    previous = fields.Integer()
    cap = fields.Integer()


class BlockIn(Schema):
    reason = fields.String(load_default="loss_theft", validate=validate.OneOf(lines_service.BLOCK_REASONS))


class InstructionsOut(Schema):
    carrier = fields.String()
    title = fields.String()
    why = fields.String()
    hotline = fields.String(allow_none=True)
    landline = fields.String(allow_none=True)
    loss_theft = fields.String(allow_none=True)
    app_path = fields.String()
    steps = fields.List(fields.String())
    charges = fields.List(fields.String())
    pg_contacts = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))


class BlockOut(Schema):
    line_id = fields.Integer()
    status = fields.String()
    reason = fields.String(allow_none=True)
    blocked_at = fields.DateTime(format="iso", allow_none=True)
    already_blocked = fields.Boolean()
    instructions = fields.Nested(InstructionsOut)


class UnblockIn(Schema):
    # Not `required`: a missing password is the documented 403, like a wrong one.
    password = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40),
                         metadata={"description": FACTOR_CODE})


class StatusOut(Schema):
    line_id = fields.Integer()
    status = fields.String()


def refused(error: ServiceError):
    """A service's refusal as the API's error body, in the caller's language."""
    abort(error.status, message=t(error.key, ui_lang(), **error.values))


@blp.route("/lines/<int:line_id>/limits/<bucket>", methods=["PUT"])
@blp.arguments(LimitIn)
@blp.response(200, LimitOut)
# The route takes any string (an unknown bucket is a 422, not a 404): the document says which are valid.
@blp.doc(parameters=[{"in": "path", "name": "bucket", "required": True,
                      "schema": {"type": "string", "enum": list(BUCKETS)}}])
@blp.alt_response(400, description="Not a 10,000-won step, or over the line's cap.")
@blp.alt_response(403, description="A raise without the correct password (or second-factor code).")
@blp.alt_response(429, description="Too many wrong passwords or codes.")
def put_limit(body: dict, line_id: int, bucket: str):
    """Lowering applies at once; raising needs `password` (정보통신망법 58조⑤). Audited either way."""
    try:
        outcome = limits_service.set_limit(store(), settings(), caller_id(), line_id, bucket, body["amount"],
                                           body["password"], ip=client_ip(), code=body.get("code"))
    except ServiceError as error:
        refused(error)
    return {"line_id": line_id, "bucket": bucket, "amount": outcome.amount, "previous": outcome.previous,
            "cap": outcome.cap}


@blp.route("/lines/<int:line_id>/block", methods=["POST"])
@blp.arguments(BlockIn, required=False)
@blp.response(200, BlockOut)
def block(body: dict, line_id: int):
    """Block at once (no password): authorizations are declined from the next request on."""
    try:
        done = lines_service.block_line(store(), caller_id(), line_id, reason=body.get("reason", "loss_theft"),
                                        ip=client_ip())
    except ServiceError as error:
        refused(error)
    return {"line_id": done.line_id, "status": done.status, "reason": done.reason, "blocked_at": done.blocked_at,
            "already_blocked": done.already_blocked, "instructions": instructions(done.carrier, ui_lang())}


@blp.route("/lines/<int:line_id>/unblock", methods=["POST"])
@blp.arguments(UnblockIn)
@blp.response(200, StatusOut)
@blp.alt_response(403, description="Missing or wrong password (or second-factor code).")
@blp.alt_response(409, description="The line is not blocked.")
@blp.alt_response(429, description="Too many wrong passwords or codes.")
def unblock_route(body: dict, line_id: int):
    """Needs the password again; a line with an overdue bill comes back "restricted", not "active"."""
    try:
        done = lines_service.unblock_line(store(), caller_id(), line_id, body["password"], ip=client_ip(),
                                          code=body.get("code"))
    except ServiceError as error:
        refused(error)
    return {"line_id": line_id, "status": done.status}

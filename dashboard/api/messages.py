"""Payment text messages from the phone: `POST /api/v1/lines/<id>/messages` (bearer token or session) and
`POST /ingest/<token>` (the line's secret intake URL, for phone automations that cannot set headers).

Both answer 201 with what the message was (and the charge it recorded), or 200 with the same body when the
same message was posted before. docs/ingest.md has the recipes and the rules.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_smorest import abort
from limits import parse
from limits.strategies import FixedWindowRateLimiter
from marshmallow import Schema, ValidationError, fields, validate
from werkzeug.exceptions import HTTPException

from dashboard.api.bodies import Blueprint
from dashboard.api.common import caller_id, refuse
from dashboard.api.schemas import Moment, text_field
from dashboard.context import settings, store
from dashboard.services.errors import ServiceError
from dashboard.services.intake_tokens import throttle_key, token_is_live
from dashboard.services.messages import MAX_SENDER, MessageResult, receive_by_token, receive_message
from dashboard.text.i18n import t
from dashboard.web.auth import ui_lang
from data.vocab import KST, MESSAGE_KINDS

blp = Blueprint("messages", __name__, description="Payment text messages forwarded from the phone")
ingest_blp = Blueprint("ingest", __name__, description="The line's secret intake URL (no headers needed)")
INGEST_PREFIX = "/ingest"
INTAKE_LIMITER = "microbill_intake_limiter"
OUTCOMES = ("stored", "duplicate", "unmatched", "event", "ignored", "smishing", "inbox", "learned")


# What a text message may hold: no control characters but tab and line breaks (services.messages.check_text).
MESSAGE_TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


class MessageIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1),
                         metadata={"example": "[Web발신]\n[다날] 12,300원 결제완료\n넥슨코리아\n11/18 14:23",
                                   "pattern": MESSAGE_TEXT_PATTERN})
    sender = text_field(MAX_SENDER, min_len=0, load_default=None, allow_none=True, metadata={"example": "15663355"})
    received_at = Moment(load_default=None, allow_none=True, default_timezone=KST,
                         metadata={"description": "When the phone received it (ISO 8601; without an offset it is "
                                                  "KST; 1990-01-01 to tomorrow). Default: now."})


_MESSAGE_IN = MessageIn()  # schemas hold no per-call state: one instance serves every request


class MessageOut(Schema):
    kind = fields.String(metadata={"enum": list(MESSAGE_KINDS)})
    transaction_id = fields.Integer(allow_none=True)
    amount = fields.Integer(allow_none=True)
    merchant = fields.String(allow_none=True)
    occurred_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    outcome = fields.String(metadata={"enum": list(OUTCOMES)})
    flags = fields.List(fields.String(metadata={"enum": ["blocked_line"]}))


def _answer(receive: Callable[..., MessageResult], *args: Any, body: dict[str, Any]):
    """The service's result as the API answers it (201 new, 200 a repeat), or its refusal."""
    try:
        result = receive(store(), settings(), *args, body["text"], sender=body.get("sender"),
                         received_at=body.get("received_at"))
    except ServiceError as refused:
        refuse(refused, ui_lang())
    return result.body(), (201 if result.created else 200)  # dumped by the route's MessageOut


@blp.route("/lines/<int:line_id>/messages", methods=["POST"])
@blp.arguments(_MESSAGE_IN)
@blp.response(201, MessageOut, description="A new message: what it was, and the charge it recorded.")
@blp.alt_response(200, schema=MessageOut, description="The same message again: the first answer, unchanged.")
@blp.alt_response(413, description="The body is larger than 16 KB.")
@blp.alt_response(422, description="The text is empty, binary or not text.")
def post_message(body: dict, line_id: int):
    _check_size()
    return _answer(receive_message, caller_id(), line_id, body=body)


# ---- /ingest/<token> ----------------------------------------------------------------------------

INGEST_BODY = {
    "required": True,
    "content": {
        "text/plain": {"schema": {"type": "string", "minLength": 1}},
        "application/json": {"schema": MessageIn},
        "application/x-www-form-urlencoded": {"schema": MessageIn},
    },
}


@ingest_blp.route("/<path:token>", methods=["POST"])  # any path: a wrong token is a 404, never a 405
@ingest_blp.doc(requestBody=INGEST_BODY, security=[])
@ingest_blp.response(201, MessageOut, description="A new message: what it was, and the charge it recorded.")
@ingest_blp.alt_response(200, schema=MessageOut, description="The same message again: the first answer.")
@ingest_blp.alt_response(404, description="A wrong or revoked token.")
@ingest_blp.alt_response(413, description="The body is larger than 16 KB.")
@ingest_blp.alt_response(415, description="Neither text/plain, JSON nor a form.")
@ingest_blp.alt_response(422, description="The text is empty, binary or not text.")
@ingest_blp.alt_response(429, description="Too many messages for this token: wait (Retry-After).")
def ingest(token: str):
    _check_size()
    _throttle(token)  # per token, before any store work: a wrong token is counted under its own hash
    try:
        body = _ingest_body()
    except HTTPException:
        if not token_is_live(store(), token):  # a wrong token is a 404 whatever its body
            abort(404, message=t("messages.err.token", ui_lang()))
        raise
    return _answer(receive_by_token, token, body=body)


def _check_size() -> None:
    """413 before anything is parsed or stored (a phone's text is a few hundred bytes)."""
    limit = settings().ingest_max_bytes
    if (request.content_length or 0) > limit or len(request.get_data(cache=True)) > limit:
        abort(413, message=t("messages.err.too_large", ui_lang(), limit=limit // 1024))


def init_intake_throttle(server: Flask, limiter: Limiter) -> None:
    """The intake URL counts per token in a fixed window of the app's rate-limit storage: one counter increment
    per message, where the login forms' moving window keeps a list per key. Flask-Limiter's own per-request
    checks skip the blueprint (it has no decorated limit; _throttle is its limit)."""
    server.extensions[INTAKE_LIMITER] = FixedWindowRateLimiter(limiter.storage)
    limiter.exempt(ingest_blp)
    # A request filter ends Flask-Limiter's check before it resolves the endpoint's limits (exempt alone
    # still resolves them on every request).
    limiter.request_filter(lambda: request.blueprint == ingest_blp.name)


_rate = cache(parse)  # the setting's text → its limit, parsed once (a regex per message otherwise)


def _throttle(token: str) -> None:
    """Per token (services.intake_tokens.throttle_key)."""
    limiter = current_app.extensions[INTAKE_LIMITER]
    rate = _rate(settings().ingest_rate)
    key = throttle_key(token)
    if not limiter.hit(rate, "ingest", key):
        reset = limiter.get_window_stats(rate, "ingest", key).reset_time
        abort(429, message=t("messages.err.rate", ui_lang()),
              headers={"Retry-After": str(max(1, int(reset - time.time())))})


def _ingest_body() -> dict[str, Any]:
    """text/plain, a form or JSON, as phone automations send them; validated like the API's body."""
    mimetype = request.mimetype
    if mimetype == "application/json":
        raw = request.get_json(silent=True)
        if not isinstance(raw, dict):
            abort(400, message=t("messages.err.json", ui_lang()))
    elif mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raw = {key: request.form.get(key) for key in ("text", "sender", "received_at") if key in request.form}
    elif mimetype in ("text/plain", ""):
        try:
            raw = {"text": request.get_data(cache=True).decode("utf-8")}
        except UnicodeDecodeError:
            abort(422, message=t("messages.err.binary", ui_lang()))
    else:
        abort(415, message=t("messages.err.media_type", ui_lang()))
    raw = {key: value for key, value in raw.items() if value not in (None, "") or key == "text"}
    try:
        return _MESSAGE_IN.load(raw)
    except ValidationError as bad:
        abort(422, message=t("messages.err.fields", ui_lang()), errors={"body": bad.messages})

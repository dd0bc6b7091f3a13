"""Marshmallow schemas shared by API modules (request validation and the OpenAPI document)."""

from __future__ import annotations

import re
from typing import ClassVar

from marshmallow import Schema, ValidationError, fields, validate

from data.vocab import BUCKETS, DB_INT_MAX, EARLIEST_DATE, LINE_ROLES, in_date_span

BucketField = fields.String(validate=validate.OneOf(BUCKETS))


# What a name or label may contain: no control characters. PostgreSQL refuses NUL in text (a 500 otherwise) and
# none of the others belongs in a name. The pattern documents the rule; `printable` enforces it with a message.
PRINTABLE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(value: str) -> None:
    if _CONTROL.search(value):
        raise ValidationError("control characters are not allowed")


def text_field(max_len: int, min_len: int = 1, **kwargs) -> fields.String:
    """A free-text input that is stored (merchant, nickname …): length-checked and printable."""
    metadata = {"pattern": PRINTABLE_PATTERN, **kwargs.pop("metadata", {})}
    return fields.String(validate=[validate.Length(min=min_len, max=max_len), printable], metadata=metadata,
                         **kwargs)


class Moment(fields.AwareDateTime):
    """An ISO 8601 date-time from outside, within data.vocab's span (1990-01-01 to tomorrow, KST): year 1 or
    9999 is a 422 here, where converting it to UTC would overflow (a 500)."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "span": f"must be between {EARLIEST_DATE.isoformat()} and tomorrow (KST)"}

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not in_date_span(moment):
            raise self.make_error("span")
        return moment


def id_field(**kwargs) -> fields.Integer:
    """A row id in a query or body: within the database's integer range (else PostgreSQL errors, a 500)."""
    return fields.Integer(validate=validate.Range(min=0, max=DB_INT_MAX), **kwargs)


class ErrorSchema(Schema):
    """Every API error body (dashboard.api.init_api's handler, and the routes' own refusals)."""

    error = fields.String(required=True, metadata={"description": "Stable error code", "example": "not_found"})
    message = fields.String(required=True, metadata={"description": "Human-readable, in the caller's language"})
    errors = fields.Dict(metadata={"description": "Validation details, by location and field"})


class LineIn(Schema):
    carrier = fields.String(required=True, metadata={"example": "KT"})
    number = fields.String(required=True, metadata={"example": "010-1234-5678"})
    nickname = text_field(40, min_len=0, load_default="")
    is_minor = fields.Boolean(load_default=False)


class LimitsOut(Schema):
    micropayment = fields.Integer(allow_none=True)
    content = fields.Integer(allow_none=True)


class UsageOut(Schema):
    month = fields.String()
    micropayment = fields.Integer()
    content = fields.Integer()


class LineOut(Schema):
    id = fields.Integer()
    carrier = fields.String()
    number_masked = fields.String()
    nickname = fields.String()
    is_minor = fields.Boolean()
    status = fields.String()
    limits = fields.Nested(LimitsOut)
    usage = fields.Nested(UsageOut)
    role = fields.String(validate=validate.OneOf(LINE_ROLES), metadata={
        "description": "The caller's role on the line: owner; guardian (may block, change limits and the budget); "
                       "viewer (reads only). Docs: docs/families.md."})

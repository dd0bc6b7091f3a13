"""Marshmallow schemas shared by API modules (request validation and the OpenAPI document)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from data.vocab import BUCKETS

BucketField = fields.String(validate=validate.OneOf(BUCKETS))


class ErrorSchema(Schema):
    error = fields.String()
    message = fields.String()


class LineIn(Schema):
    carrier = fields.String(required=True, metadata={"example": "KT"})
    number = fields.String(required=True, metadata={"example": "010-1234-5678"})
    nickname = fields.String(load_default="", validate=validate.Length(max=40))
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

"""Refusals a service raises: a message key (dashboard/text/messages) with its values, and the HTTP status
the API answers with. Pages translate the key; the API sends the key as `code` and the text as `message`."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key, self.values = key, values


class NotFound(ServiceError):
    """Missing, or someone else's: the two look the same to the caller."""

    status = 404


class Forbidden(ServiceError):
    status = 403


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    status = 422

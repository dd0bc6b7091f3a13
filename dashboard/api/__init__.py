"""REST API under /api/v1: flask-smorest blueprints, marshmallow validation, generated OpenAPI 3.

Every route finds resources through the caller's own lines, so another user's id is a 404.

The OpenAPI document lists every status code an operation can answer (no catch-all `default`), each error
with the body it really has, `{error, message, errors?}` (tests/http/test_api_schemathesis.py holds the
app to it): 401 on every operation (no or unknown bearer token), 404 on every operation with a path id,
400 wherever a JSON body is read (malformed JSON), 422 wherever a body or query is validated, 500 (a bug) and
503 with Retry-After (the database or its disk unavailable, dashboard/web/faults.py) on every operation;
anything else a route documents itself.
"""

from __future__ import annotations

from apispec import BasePlugin
from flask import Flask, abort, jsonify, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import IntegerConverter

from dashboard.api.messages import INGEST_PREFIX, ingest_blp, init_intake_throttle
from dashboard.api.registry import blueprints
from dashboard.api.schemas import ErrorSchema
from dashboard.services.errors import ServiceError
from dashboard.text.i18n import LANGS, pick_lang, t
from data.vocab import DB_INT_MAX

API_PREFIX = "/api/v1"
ERROR_REF = {"$ref": "#/components/schemas/Error"}
# Every operation reaches the database (the bearer token is looked up there too), so every one can meet a fault.
FAULTS = {
    "500": {"description": "An unexpected error (a bug); nothing of it is shown."},
    "503": {"description": "The database or its disk is unavailable for now (stopped, unreachable, full or "
                           "read-only); retry after the given seconds.",
            "headers": {"Retry-After": {"description": "Seconds to wait before retrying.", "required": True,
                                        "schema": {"type": "integer", "minimum": 0}}}},
}


class DatabaseId(IntegerConverter):
    """`<int:…>` in a URL is a row id: past the database's integer range it matches no route (a 404), where a plain
    int would reach PostgreSQL and fail there ("integer out of range", a 500). The document shows the maximum."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


class MicrobillApi(Api):
    ERROR_SCHEMA = ErrorSchema  # what json_errors below really sends (flask-smorest's own is {code, status, …})
    DEFAULT_ERROR_RESPONSE_NAME = None  # no `default`: each operation lists its status codes


class ErrorResponses(BasePlugin):
    """The responses every operation shares, and the error body on those a route documents by description only."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            # flask-smorest keys some responses by int, some by str: one key per status code.
            responses = {str(status): response for status, response in operation.get("responses", {}).items()}
            if operation.get("security") != []:  # /ingest/<token>: the URL is the credential
                responses.setdefault("401", "UNAUTHORIZED")  # the guard: no session and no valid bearer token
                if path and "{" in path and method.lower() != "get":
                    _role_refusal(responses)
            if path and "{" in path:
                responses.setdefault("404", "NOT_FOUND")  # ids are looked up among the caller's own
            for status, response in FAULTS.items():
                responses.setdefault(status, {**response})  # a copy: content is added to it below
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                bad_json = "The body is not JSON."  # webargs refuses it before the route runs
                if isinstance(responses.get("400"), dict):
                    responses["400"]["description"] = f"{responses['400'].get('description', '')} {bad_json}".strip()
                else:
                    responses["400"] = {"description": bad_json}
            for status, response in responses.items():
                if status >= "400" and isinstance(response, dict) and "content" not in response:
                    response["content"] = {"application/json": {"schema": ERROR_REF}}
            operation["responses"] = responses


ROLE_REFUSAL = ("The caller's role on the line does not allow this (a viewer changes nothing; some changes are "
                "the owner's only): `members.not_allowed.<role>`. Roles: docs/families.md.")


def _role_refusal(responses: dict) -> None:
    """A change to a line shared with the caller can be refused for their role (dashboard/services/access.py)."""
    refusal = responses.get("403")
    if isinstance(refusal, dict):
        refusal["description"] = f"{refusal.get('description', '')} Or: {ROLE_REFUSAL}".strip()
    else:
        responses["403"] = {"description": ROLE_REFUSAL}


def init_api(server: Flask) -> Api:
    server.config.update(
        API_TITLE="Microbill API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    server.url_map.converters["int"] = DatabaseId  # before any rule is added
    api = MicrobillApi(server, spec_kwargs={"servers": [{"url": "/"}], "extra_plugins": [ErrorResponses()]})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    names = {"api-docs"}
    for blueprint in blueprints():
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)
        names.add(blueprint.name)
    api.register_blueprint(ingest_blp, url_prefix=INGEST_PREFIX)  # outside /api/v1, in the same document
    init_intake_throttle(server, server.extensions["microbill_limiter"])

    @server.before_request
    def unknown_api_paths():
        # Dash's catch-all `/<path:path>` would answer an unknown API path (or a malformed id, e.g. a negative
        # one the int converter refuses) with the app's HTML page and 200: an API path is the API's, or 404.
        if request.path.startswith(API_PREFIX + "/") and request.blueprint not in names:
            abort(404)

    @server.errorhandler(HTTPException)
    def json_errors(err: HTTPException):
        # API clients always get JSON, never an HTML error page.
        if not request.path.startswith((API_PREFIX, INGEST_PREFIX + "/")):
            return err
        data = getattr(err, "data", None) or {}  # flask-smorest's abort(..., message=…) and 422 details
        body = {"error": err.name.lower().replace(" ", "_"), "message": data.get("message") or err.description}
        if data.get("errors") or data.get("messages"):
            body["errors"] = data.get("errors") or data.get("messages")
        return jsonify(body), err.code, data.get("headers") or {}  # e.g. Retry-After on a 429

    @server.errorhandler(ServiceError)
    def refusals(error: ServiceError):
        # A refusal a route did not translate itself (e.g. a viewer's write, "members.not_allowed.viewer"):
        # its own status and message in the asker's language, never a 500.
        message = t(error.key, pick_lang(request.accept_languages.best_match(LANGS)), **error.values)
        if not request.path.startswith((API_PREFIX, INGEST_PREFIX + "/")):
            return message, error.status, {"Content-Type": "text/plain; charset=utf-8"}
        return jsonify({"error": HTTP_STATUS_CODES[error.status].lower().replace(" ", "_"), "message": message}), \
            error.status

    return api

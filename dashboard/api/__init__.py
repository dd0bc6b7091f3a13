"""REST API under /api/v1: flask-smorest blueprints, marshmallow validation, generated OpenAPI 3.

Every route finds resources through the caller's own lines, so another user's id is a 404.
"""

from __future__ import annotations

from flask import Flask, jsonify
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from dashboard.api.registry import blueprints

API_PREFIX = "/api/v1"


def init_api(server: Flask) -> Api:
    server.config.update(
        API_TITLE="Microbill API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = Api(server, spec_kwargs={"servers": [{"url": "/"}]})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    for blueprint in blueprints():
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)

    @server.errorhandler(HTTPException)
    def json_errors(err: HTTPException):
        # API clients always get JSON, never an HTML error page.
        from flask import request

        if not request.path.startswith(API_PREFIX):
            return err
        data = getattr(err, "data", None) or {}  # flask-smorest's abort(..., message=…) and 422 details
        body = {"error": err.name.lower().replace(" ", "_"), "message": data.get("message") or err.description}
        if data.get("errors") or data.get("messages"):
            body["errors"] = data.get("errors") or data.get("messages")
        return jsonify(body), err.code

    return api

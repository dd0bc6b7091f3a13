"""Request bodies that cannot hurt: every /api/v1 blueprint reads JSON through data.untrusted_json.

`Blueprint` is flask-smorest's, with a webargs parser whose JSON loader is orjson (flask-smorest's documented
way to change the parser is ARGUMENTS_PARSER on a Blueprint subclass). A body it refuses is the documented
400 "bad JSON", as for any malformed body.
"""

from __future__ import annotations

from typing import Any

import flask
import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from data.untrusted_json import loads


class SafeParser(FlaskParser):
    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        # orjson's error is a json.JSONDecodeError: webargs answers it with 400, and an empty body stays missing.
        return loads(req.get_data(cache=True))


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = SafeParser()

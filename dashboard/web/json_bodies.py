"""Flask's request.get_json (Dash callbacks, /ingest/<token>) reads through data.untrusted_json: 100,000-deep
nesting, a 5,000-digit number or a lone surrogate is a 400 (Flask answers its ValueError as a bad request),
where the standard library's parser raised RecursionError or ValueError deep in a callback (a 500).
Answers are still written by Flask's default provider."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider

from data import untrusted_json


class UntrustedJsonProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return untrusted_json.loads(s)

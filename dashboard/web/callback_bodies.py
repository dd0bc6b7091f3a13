"""A Dash callback request that does not match a callback the app registered is a 400, before Dash reads it.

Dash looks the body's `output` up in its callback map and indexes the inputs and state by the callback's
declaration: an unknown output, a missing `inputs` or one input too few was a KeyError or IndexError deep in
Dash, answered as a 500. The renderer never sends such a body; a hand-made one gets a clear 400 here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, jsonify, request

from dashboard.text.i18n import pick_lang, t

DASH_CALLBACK_PATH = "/_dash-update-component"


def shape_problem(body: object, callbacks: Mapping[str, Any]) -> str | None:
    """None when `body` is a request for a registered callback with its declared inputs and state."""
    if not isinstance(body, dict):
        return "not an object"
    spec = callbacks.get(body.get("output")) if isinstance(body.get("output"), str) else None
    if spec is None:
        return "unknown output"
    for part in ("inputs", "state"):
        given = body.get(part, [])
        if not isinstance(given, list) or len(given) != len(spec.get(part, [])):
            return f"{part} do not match the callback"
        if not all(isinstance(item, dict | list) for item in given):
            return f"{part} are not objects"
    return None


def init_callback_bodies(server: Flask, callbacks: Callable[[], Mapping[str, Any]]) -> None:
    """`callbacks`: the Dash app's callback map (read per request: pages register theirs at start-up)."""

    @server.before_request
    def refuse_malformed_callbacks():
        if request.path != DASH_CALLBACK_PATH or request.method != "POST":
            return None
        problem = shape_problem(request.get_json(silent=True), callbacks())
        if problem is None:
            return None
        lang = pick_lang(request.cookies.get("lang"))
        return jsonify(error="bad_request", message=t("error.bad_callback", lang), detail=problem), 400

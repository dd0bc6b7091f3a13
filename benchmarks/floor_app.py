"""The yardstick of issue #17: a minimal Flask endpoint doing one indexed SELECT and one INSERT on the same
store (Core, one transaction), nothing else — no login, no hooks. An authorization's server CPU is compared
with this one's (target ≤ 2.5×).

    gunicorn -w 2 'benchmarks.floor_app:server'     # MICROBILL_DATABASE_URL names the store
    POST /floor/<line_id>  →  201 {"ok": true}
"""

from __future__ import annotations

import os

from flask import Flask, jsonify
from sqlalchemy import select

from data.db import Store
from data.models import AuditLog, Line, utcnow

_LINES, _AUDIT = Line.__table__, AuditLog.__table__
_LINE = select(_LINES.c.id, _LINES.c.user_id)
_INSERT = _AUDIT.insert()


def make_floor(url: str) -> Flask:
    server = Flask("floor")
    store = Store(url)
    # SQLite: take the write lock up front, as the app's writers do (data.db).
    engine = store.engine.execution_options(sqlite_begin="IMMEDIATE") if store.is_sqlite else store.engine
    server.extensions["microbill_store"] = store

    @server.post("/floor/<int:line_id>")
    def floor(line_id: int):
        with engine.begin() as conn:
            line = conn.execute(_LINE.where(_LINES.c.id == line_id)).one()
            conn.execute(_INSERT, {"user_id": line.user_id, "line_id": line.id, "action": "floor",
                                   "detail": "{}", "at": utcnow()})
        return jsonify(ok=True), 201

    @server.get("/healthz")  # what benchmarks/authorize_http.py waits for
    def healthz():
        return "ok"

    return server


server = make_floor(os.environ["MICROBILL_DATABASE_URL"]) if os.environ.get("MICROBILL_DATABASE_URL") else None

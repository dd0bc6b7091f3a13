"""Per-app state reachable from a request: settings and the store (no module globals)."""

from __future__ import annotations

from flask import current_app

from dashboard.settings import Settings
from data.db import Store


def settings() -> Settings:
    return current_app.config["MICROBILL"]


def store() -> Store:
    return current_app.extensions["microbill_store"]

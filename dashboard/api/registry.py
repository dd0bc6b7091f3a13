"""Discovers the API blueprints: every module in dashboard/api/ that defines `blp`."""

from __future__ import annotations

import importlib
import pkgutil

from dashboard.api.bodies import Blueprint


def blueprints() -> list[Blueprint]:
    import dashboard.api as package

    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        blp = getattr(module, "blp", None)
        if isinstance(blp, Blueprint):
            found.append(blp)
    return found

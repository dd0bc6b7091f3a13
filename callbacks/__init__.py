"""Callback modules, one per page, each with register(app); a module with PAGE is routed and linked."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

SUPPORT_MODULES = {"common", "refusals"}


@dataclass(frozen=True)
class Page:
    path: str
    label_key: str  # message key for the nav link
    layout: Callable[[str], object]  # lang → component tree
    order: int = 50
    in_nav: bool = True


def modules() -> list[ModuleType]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name not in SUPPORT_MODULES:
            found.append(importlib.import_module(f"{__name__}.{info.name}"))
    return found


def pages() -> list[Page]:
    return sorted((m.PAGE for m in modules() if hasattr(m, "PAGE")), key=lambda p: p.order)

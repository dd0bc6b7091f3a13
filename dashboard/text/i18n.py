"""One message catalogue for the whole UI: Korean first, English as the switch.

Feature modules in dashboard/text/messages/ each contribute a MESSAGES dict; keys must not collide.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

LANGS = ("ko", "en")
DEFAULT_LANG = "ko"


@cache
def catalogue() -> dict[str, tuple[str, str]]:
    import dashboard.text.messages as package

    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        messages = importlib.import_module(f"{package.__name__}.{info.name}").MESSAGES
        clash = merged.keys() & messages.keys()
        if clash:
            raise RuntimeError(f"duplicate message keys in {info.name}: {sorted(clash)}")
        merged.update(messages)
    return merged


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    ko, en = catalogue()[key]
    text = en if lang == "en" else ko
    return text.format(**values) if values else text


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else DEFAULT_LANG

"""A service's refusal raised inside any callback (a viewer pressing block, a guardian changing what only the
owner may) becomes the shell's refusal toast in the asker's language, never a silent no-op or a 500.
Callbacks that show a refusal in place catch it themselves; this is the net under all the others."""

from __future__ import annotations

from dash import callback_context, set_props

from dashboard.services.errors import ServiceError
from dashboard.text.i18n import pick_lang, t


def on_callback_error(error: Exception) -> None:
    if not isinstance(error, ServiceError):
        raise error
    prefs = callback_context.states.get("prefs.data") or {}
    lang = pick_lang(prefs.get("lang") if isinstance(prefs, dict) else None)
    set_props("refusal-toast", {"children": t(error.key, lang, **error.values), "is_open": True})
    # None: the callback's outputs stay as they were

"""Alert text in either language: an alert keeps its message key and values, so the English UI can
render it again; the stored Korean `message` is the fallback (and what mail and the API show)."""

from __future__ import annotations

from typing import Any

from dashboard.text.i18n import t
from data.alerts_store import detail_of
from data.models import Alert, Line


def line_label(line: Line) -> str:
    return line.nickname or line.number_masked


def render(message_key: str, values: dict[str, Any], lang: str = "ko") -> str:
    values = dict(values)
    if isinstance(values.get("patterns"), list):
        values["patterns"] = ", ".join(t(f"alerts.pattern.{p}", lang) for p in values["patterns"])
    if isinstance(values.get("findings"), list):
        values["findings"] = ", ".join(t(f"alerts.finding.{k}", lang, n=n) for k, n in values["findings"])
    return t(message_key, lang, **values)


def alert_text(alert: Alert, lang: str = "ko") -> str:
    msg = detail_of(alert).get("msg")
    if lang != "ko" and isinstance(msg, dict):
        try:
            return render(msg["key"], msg.get("values") or {}, lang)
        except (KeyError, IndexError, ValueError):
            pass  # an alert stored by an older catalogue: the Korean text is still right
    return alert.message


def kind_label(kind: str, lang: str = "ko") -> str:
    try:
        return t(f"alerts.kind.{kind}", lang)
    except KeyError:
        return kind

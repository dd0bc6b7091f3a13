"""The account page's sessions section (placeholder until built)."""

from __future__ import annotations

from dash import html

from dashboard.text.i18n import t


def sessions_section(lang: str) -> html.Section:
    return html.Section([html.H2(t("account.sessions", lang), className="h5")], className="card card-body mb-3")


def tokens_section(lang: str) -> html.Section:
    return html.Section([html.H2(t("account.tokens", lang), className="h5")], className="card card-body mb-3")

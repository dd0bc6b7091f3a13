"""The account page's factors section (placeholder until built)."""

from __future__ import annotations

from dash import html

from dashboard.text.i18n import t


def factors_section(lang: str) -> html.Section:
    return html.Section([html.H2(t("account.factors", lang), className="h5")], className="card card-body mb-3")

"""The account page's delete section (placeholder until built)."""

from __future__ import annotations

from dash import html

from dashboard.text.i18n import t


def delete_section(lang: str) -> html.Section:
    return html.Section([html.H2(t("account.delete", lang), className="h5")], className="card card-body mb-3")

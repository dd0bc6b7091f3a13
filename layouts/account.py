"""The account page (/account): one card per section, each from its own layout module."""

from __future__ import annotations

from dash import html

from dashboard.text.i18n import t
from layouts.account_delete import delete_section
from layouts.account_factors import factors_section
from layouts.account_password import password_section
from layouts.account_sessions import sessions_section, tokens_section


def page(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("account.title", lang), className="h4 mb-3"),
            sessions_section(lang),
            factors_section(lang),
            password_section(lang),
            tokens_section(lang),
            delete_section(lang),
        ],
        className="account-page",
    )

"""Overview page: this month per bucket, and 13 months of spending against the limit."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.i18n import t
from layouts.components import graph, section


def page(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("nav.overview", lang), className="visually-hidden"),
            dbc.Row(
                [
                    dbc.Col(section(t("overview.this_month", lang), html.Div(id="overview-usage")), lg=4),
                    dbc.Col(section(None, graph("monthly-chart", lang=lang)), lg=8),
                ]
            ),
        ]
    )

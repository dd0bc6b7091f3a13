"""Overview page: this month per bucket, 13 months against the limit, and one chosen month in detail
(burn-up, month over month, categories, top merchants, weekday × hour)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.i18n import t
from data.vocab import kst_today, months_back
from layouts.components import graph, section

MONTHS_SHOWN = 13  # what carrier history pages show, and the 13-month chart above
ANALYTICS_GRAPHS = ("burnup-chart", "compare-chart", "category-chart", "merchant-chart", "heatmap-chart")


def recent_months() -> list[str]:
    """The months the picker offers, newest first (the current KST month is the default)."""
    return months_back(kst_today().strftime("%Y-%m"), MONTHS_SHOWN)[::-1]


def month_label(month: str, lang: str) -> str:
    """'2026-11' → '2026년 11월' / 'Nov 2026'."""
    year, number = month.split("-")
    name = t("analytics.month_names", lang).split(",")[int(number) - 1]
    return t("analytics.month_name", lang, year=year, name=name)


def chart(graph_id: str, lang: str, height: int = 320):
    """A graph without the plotly toolbar: on a touch screen it is always shown and covers the
    title, and these summary charts have nothing worth zooming (the figures disable dragging too)."""
    component = graph(graph_id, lang=lang, height=height)
    component.config = {**component.config, "displayModeBar": False}
    return component


def month_picker(lang: str, months: list[str]) -> html.Div:
    # A native <select>: the phone's own picker, and Bootstrap styles it in both themes.
    return html.Div(
        [
            dbc.Label(t("analytics.month", lang), html_for="overview-month", className="mb-0 text-nowrap"),
            dbc.Select(id="overview-month", value=months[0], style={"maxWidth": "12rem"},
                       options=[{"label": month_label(m, lang), "value": m} for m in months]),
        ],
        className="d-flex align-items-center gap-2",
    )


def page(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("nav.overview", lang), className="visually-hidden"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            section(t("overview.this_month", lang), html.Div(id="overview-usage")),
                            section(None, html.Div(id="forecast-card", **{"aria-live": "polite"}),
                                    dcc.Store(id="forecast-refresh", data=0)),
                        ],
                        lg=4,
                    ),
                    dbc.Col(section(None, chart("monthly-chart", lang)), lg=8),
                ]
            ),
            section(
                t("analytics.heading", lang),
                month_picker(lang, recent_months()),
                html.Div(id="overview-compare", className="mt-3", **{"aria-live": "polite"}),
            ),
            dbc.Row(
                [
                    dbc.Col(section(None, chart("burnup-chart", lang, height=340)), lg=8),
                    dbc.Col(section(None, chart("compare-chart", lang, height=340)), lg=4),
                ]
            ),
            dbc.Row(
                [
                    dbc.Col(section(None, chart("category-chart", lang, height=400)), lg=6),
                    dbc.Col(section(None, chart("merchant-chart", lang, height=400)), lg=6),
                ]
            ),
            section(None, chart("heatmap-chart", lang, height=340)),
        ]
    )

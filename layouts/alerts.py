"""The alert history page (/alerts): filters by line, kind and unread, and the list. Pure."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.i18n import t
from data.vocab import ALERT_KINDS
from layouts.components import section


def kind_options(lang: str) -> list[dict]:
    return [{"label": t(f"alerts.kind.{kind}", lang), "value": kind} for kind in ALERT_KINDS]


def page(lang: str) -> html.Div:
    filters = dbc.Row(
        [
            dbc.Col([dbc.Label(t("alerts.filter_line", lang), html_for="alerts-filter-line", className="small"),
                     dcc.Dropdown(id="alerts-filter-line", placeholder=t("alerts.all_lines", lang),
                                  searchable=False, className="line-picker")], xs=12, md=4),
            dbc.Col([dbc.Label(t("alerts.filter_kind", lang), html_for="alerts-filter-kind", className="small"),
                     dcc.Dropdown(id="alerts-filter-kind", options=kind_options(lang), searchable=False,
                                  placeholder=t("alerts.all_kinds", lang), className="line-picker")], xs=12, md=4),
            dbc.Col(dbc.Switch(id="alerts-filter-unread", label=t("alerts.filter_unread", lang), value=False,
                               className="mt-md-4 mb-0"), xs=12, md=4, className="d-flex align-items-center"),
        ],
        className="g-3 mb-3",
    )
    return html.Div(
        [
            html.H1(t("alerts.title", lang), className="h4 mb-3"),
            section(None, filters,
                    html.Div([html.Span(id="alerts-count", className="small text-body-secondary me-auto"),
                              dbc.Button(t("alerts.mark_all_read", lang), id="alerts-read-all", color="secondary",
                                         outline=True, size="sm")],
                             className="d-flex align-items-center gap-2")),
            html.Div(id="alerts-list", className="mb-3"),
        ],
        className="alerts-page",
    )

"""Overview: this month's usage per bucket and the 13-month chart, for the selected (owned) line."""

from __future__ import annotations

from dash import Dash, Input, Output, html

from callbacks import Page
from callbacks.common import line_for_user, prefs_of
from dashboard.context import store
from dashboard.i18n import t
from data.limits_history import limits_by_month
from data.usage import monthly_usage
from data.vocab import BUCKETS, kst_today, months_back
from layouts import overview as overview_layout
from layouts.components import usage_meter
from layouts.figures import monthly_bars

EMPTY_FIGURE = {"data": [], "layout": {}}
PAGE = Page("/", "nav.overview", overview_layout.page, order=0)


def register(app: Dash) -> None:
    @app.callback(
        Output("overview-usage", "children"),
        Output("monthly-chart", "figure"),
        Input("line-picker", "value"),
        Input("prefs", "data"),
    )
    def overview(line_id, prefs):
        lang, theme = prefs_of(prefs)
        line = line_for_user(line_id)
        if line is None:
            return html.P(t("line.none", lang), className="text-body-secondary"), EMPTY_FIGURE
        months = months_back(kst_today().strftime("%Y-%m"), 13)
        with store().read() as db:
            usage = monthly_usage(db, line.id, months)
            limits = limits_by_month(db, line.id, months)
        this_month = months[-1]
        texts = {k: t(f"overview.{k}", lang) for k in ("remaining", "limit", "of_limit", "no_limit")}
        meters = [
            usage_meter(t(f"bucket.{b}", lang), usage[this_month][b], limits[this_month][b], texts)
            for b in BUCKETS
        ]
        figure = monthly_bars(
            months,
            {b: [usage[m][b] for m in months] for b in BUCKETS},
            {b: t(f"bucket.{b}", lang) for b in BUCKETS},
            [_total(limits[m]) for m in months],
            {"limit": t("chart.limit", lang), "title": t("overview.monthly_title", lang)},
            theme,
        )
        return html.Div([html.Div(this_month, className="small text-body-secondary mb-2"), *meters]), figure


def _total(limits: dict[str, int | None]) -> int | None:
    values = [v for v in limits.values() if v is not None]
    return sum(values) if values else None

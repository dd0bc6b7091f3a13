"""Overview page: this month per bucket, 13 months against the limit, and one chosen month in detail
(burn-up, month over month, categories, top merchants, weekday × hour).

The page's frame, then the views its callbacks fill, each from the plain data of one
dashboard.services.overview read."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.vocab import BUCKETS, kst_today, months_back
from layouts import figures
from layouts.components import graph, section, usage_meter

EMPTY_FIGURE = {"data": [], "layout": {}}  # a line that is not the caller's: nothing at all

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


# ---- the views the callbacks fill ------------------------------------------------------------------

def bucket_labels(lang: str) -> dict[str, str]:
    return {b: t(f"bucket.{b}", lang) for b in BUCKETS}


def usage_meters(month: str, usage: dict[str, int], limits: dict[str, int | None], lang: str,
                 blocked: bool = False) -> html.Div:
    """This month's used / remaining / % of limit per bucket (a blocked line: no charge can pass, whatever is left)."""
    texts = {k: t(f"overview.{k}", lang) for k in ("remaining", "limit", "of_limit", "no_limit")}
    if blocked:
        texts["blocked"] = t("line_state.blocked_remaining", lang)
    meters = [usage_meter(t(f"bucket.{b}", lang), usage[b], limits[b], texts) for b in BUCKETS]
    return html.Div([html.Div(month_label(month, lang), className="small text-body-secondary mb-2"), *meters])


def monthly_figure(months: list[str], usage: dict[str, dict[str, int]],
                   limits: dict[str, dict[str, int | None]], lang: str, theme: str) -> dict:
    """Each month's spend per bucket against that bucket's limit in force then (`limits`: {month: {bucket: …}})."""
    return figures.monthly_bars(
        months,
        {b: [usage[m][b] for m in months] for b in BUCKETS},
        bucket_labels(lang),
        {b: [limits[m][b] for m in months] for b in BUCKETS},
        {"bucket_limit": t("chart.bucket_limit", lang), "title": t("overview.monthly_title", lang),
         "partial": t("chart.partial_month", lang)},
        theme,
    )


def pace_views(pace: Any, lang: str, theme: str) -> tuple[dict, dict, html.Div]:
    """(burn-up, month-over-month bars, the comparison in words) from a dashboard.services.overview.Pace."""
    text = comparison_text(pace.comparison, pace.month, lang)
    if pace.empty:
        empty = t("analytics.empty", lang)
        return (figures.empty_figure(t("analytics.burnup_title", lang), empty, theme),
                figures.empty_figure(t("analytics.compare_title", lang), empty, theme), text)
    return (burnup_figure(pace.cumulative, pace.month, pace.days, pace.limit, lang, theme, pace.fan),
            comparison_figure(pace.comparison, pace.month, pace.previous, lang, theme), text)


def burnup_figure(cumulative: dict[str, list[int]], month: str, days: int, limit: int | None, lang: str,
                  theme: str, fan: dict | None = None) -> dict:
    texts = {"title": t("analytics.burnup_title", lang), "limit": t("chart.limit", lang),
             "pace": t("analytics.pace", lang), "day": _day_format(month, lang), "start": month_label(month, lang),
             "tick": t("analytics.day", lang, day="{day}"), "fan": t("forecast.fan", lang),
             "fan_low": t("forecast.fan_low", lang), "forecast": t("forecast.expected_line", lang)}
    return figures.burnup(days, cumulative, bucket_labels(lang), limit, texts, theme, fan)


def _day_format(month: str, lang: str) -> str:
    # "11월 5일" / "Nov 2026 · Day 5": a format with {day} left for the figure to fill.
    return f"{month_label(month, lang)} {t('analytics.day', lang, day='{day}')}"


def comparison_figure(comparison: dict, month: str, previous: str, lang: str, theme: str) -> dict:
    labels, values = [month_label(month, lang)], [comparison["current"]]
    if comparison["previous"] is not None:
        labels.append(month_label(previous, lang))
        values.append(comparison["previous"])
    if comparison["average"] is not None:
        labels.append(t("analytics.average", lang))
        values.append(comparison["average"])
    title = (t("analytics.compare_title", lang) if comparison["complete"]
             else t("analytics.compare_title_partial", lang, day=comparison["day"]))
    return figures.comparison_bars(labels, values, {"title": title}, theme)


def comparison_text(comparison: dict, month: str, lang: str) -> html.Div:
    """"11월 1~25일 사용액 123,000원" and one sentence per reference ("지난달 같은 기간보다 12% 많아요")."""
    label = month_label(month, lang)
    if comparison["complete"]:
        headline = t("analytics.spent_month", lang, month=label, amount=won(comparison["current"]))
    else:
        period = t("analytics.period", lang, month=label, day=comparison["day"])
        headline = t("analytics.spent_so_far", lang, period=period, amount=won(comparison["current"]))
    suffix = "full" if comparison["complete"] else "partial"
    sentences = [
        _sentence(comparison["previous"], comparison["previous_change"], t(f"analytics.ref_prev_{suffix}", lang),
                  lang),
        _sentence(comparison["average"], comparison["average_change"], t(f"analytics.ref_avg_{suffix}", lang), lang),
    ]
    shown = [s for s in sentences if s is not None]
    if not shown:
        shown = [html.Span(t("analytics.no_history", lang), className="text-body-secondary")]
    return html.Div([
        html.P(headline, className="fw-semibold mb-1 amount"),
        html.Ul([html.Li(s) for s in shown], className="mb-0 ps-3 compare-sentences"),
    ])


def _sentence(reference: int | None, change: int | None, ref: str, lang: str) -> html.Span | None:
    """`change`: the rounded % against `reference`, None when the reference is not positive."""
    if reference is None:
        return None
    if change is None:
        return html.Span(t("analytics.none_in", lang, ref=ref))
    if change == 0:
        return html.Span(t("analytics.same", lang, ref=ref))
    key, tone = ("analytics.more", "text-danger-emphasis") if change > 0 else ("analytics.less",
                                                                               "text-success-emphasis")
    return html.Span(t(key, lang, ref=ref, pct=f"{abs(change):,}"), className=tone)


def category_figure(totals: dict[str, dict[str, int]], lang: str, theme: str) -> dict:
    """totals: {category: {bucket: won}}, in the order to show (largest first)."""
    title = t("analytics.category_title", lang)
    if not totals:
        return figures.empty_figure(title, t("analytics.empty", lang), theme)
    return figures.category_bars(
        [t(f"analytics.cat.{code}", lang) for code in totals],
        {b: [per_bucket[b] for per_bucket in totals.values()] for b in BUCKETS},
        bucket_labels(lang), {"title": title}, theme,
    )


def merchant_figure(top: list[dict], n: int, lang: str, theme: str) -> dict:
    title = t("analytics.merchant_title", lang, n=n)
    if not top:
        return figures.empty_figure(title, t("analytics.empty", lang), theme)
    texts = {"title": title, "no_pg": t("analytics.no_pg", lang), "count": t("analytics.count", lang)}
    return figures.merchant_bars(top, texts, theme)


def heatmap_figure(grid: list[list[int]], lang: str, theme: str) -> dict:
    title = t("analytics.heatmap_title", lang)
    if not any(any(row) for row in grid):
        return figures.empty_figure(title, t("analytics.empty", lang), theme)
    texts = {"title": title, "hour": t("analytics.hour", lang), "night": t("analytics.night", lang)}
    return figures.hour_heatmap(grid, t("analytics.weekdays", lang).split(","), texts, theme)

"""Overview: this month's usage per bucket and the 13-month chart, then one chosen month in detail
(burn-up, month over month, categories, top merchants, weekday × hour) for the selected (owned) line.

Every callback resolves the line through line_for_user first: a line id that is not the caller's
gets empty figures, never data. The detail figures are separate callbacks so the browser fetches
them in parallel and each stays one or two small GROUP BY queries.
"""

from __future__ import annotations

from dash import Dash, Input, Output, html

from callbacks import Page
from callbacks.common import forecast_now, line_for_user, prefs_of
from dashboard.context import store
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.analytics import (
    burnup,
    category_totals,
    daily_net,
    first_month,
    hour_heatmap,
    month_comparison,
    percent_change,
    spent_through,
    spent_through_days,
    top_merchants,
)
from data.limits_history import limits_by_month
from data.models import Line
from data.usage import monthly_usage
from data.vocab import BUCKETS, days_in_month, kst_today, months_back
from layouts import figures
from layouts import overview as overview_layout
from layouts.components import usage_meter
from layouts.overview import month_label, recent_months

EMPTY_FIGURE = {"data": [], "layout": {}}
PAGE = Page("/", "nav.overview", overview_layout.page, order=0)
TOP_MERCHANTS = 8
LINE, MONTH, PREFS = Input("line-picker", "value"), Input("overview-month", "value"), Input("prefs", "data")


def register(app: Dash) -> None:
    @app.callback(
        Output("overview-usage", "children"),
        Output("monthly-chart", "figure"),
        LINE,
        PREFS,
    )
    def overview(line_id, prefs):
        lang, theme = prefs_of(prefs)
        line = line_for_user(line_id)
        if line is None:
            return html.P(t("line.none", lang), className="text-body-secondary"), EMPTY_FIGURE
        months = months_back(current_month(), 13)
        with store().read() as db:
            usage = monthly_usage(db, line.id, months)
            limits = limits_by_month(db, line.id, months)
        this_month = months[-1]
        texts = {k: t(f"overview.{k}", lang) for k in ("remaining", "limit", "of_limit", "no_limit")}
        meters = [
            usage_meter(t(f"bucket.{b}", lang), usage[this_month][b], limits[this_month][b], texts)
            for b in BUCKETS
        ]
        figure = figures.monthly_bars(
            months,
            {b: [usage[m][b] for m in months] for b in BUCKETS},
            bucket_labels(lang),
            [_total(limits[m]) for m in months],
            {"limit": t("chart.limit", lang), "title": t("overview.monthly_title", lang)},
            theme,
        )
        label = html.Div(month_label(this_month, lang), className="small text-body-secondary mb-2")
        return html.Div([label, *meters]), figure

    @app.callback(
        Output("burnup-chart", "figure"),
        Output("compare-chart", "figure"),
        Output("overview-compare", "children"),
        LINE,
        MONTH,
        PREFS,
    )
    def pace(line_id, month, prefs):
        line, month, lang, theme = _scope(line_id, month, prefs)
        if line is None:
            return EMPTY_FIGURE, EMPTY_FIGURE, None
        earlier = months_back(month, 4)[-2::-1]  # the three months before, newest first
        through = through_day(month)
        with store().read() as db:
            days = daily_net(db, line.id, [month])[month]
            totals = spent_through_days(db, line.id, earlier, through)
            first = first_month(db, line.id)
            limit = _total(limits_by_month(db, line.id, [month])[month])
        comparison = month_comparison(spent_through(days, through), totals, first, through,
                                      complete=month != current_month())
        # This month with nothing spent yet (its first hours) still shows the limit and the forecast fan.
        if not days and (month != current_month() or first is None):
            empty = t("analytics.empty", lang)
            return (figures.empty_figure(t("analytics.burnup_title", lang), empty, theme),
                    figures.empty_figure(t("analytics.compare_title", lang), empty, theme),
                    comparison_text(comparison, month, lang))
        fan = forecast_now(line) if month == current_month() else None
        return (
            burnup_figure(burnup(days, through), month, limit, lang, theme, fan),
            comparison_figure(comparison, month, earlier[0], lang, theme),
            comparison_text(comparison, month, lang),
        )

    @app.callback(Output("category-chart", "figure"), LINE, MONTH, PREFS)
    def categories(line_id, month, prefs):
        line, month, lang, theme = _scope(line_id, month, prefs)
        if line is None:
            return EMPTY_FIGURE
        with store().read() as db:
            totals = category_totals(db, line.id, month)
        title = t("analytics.category_title", lang)
        if not totals:
            return figures.empty_figure(title, t("analytics.empty", lang), theme)
        order = sorted(totals, key=lambda code: (-sum(totals[code].values()), code))
        return figures.category_bars(
            [t(f"analytics.cat.{code}", lang) for code in order],
            {b: [totals[code][b] for code in order] for b in BUCKETS},
            bucket_labels(lang), {"title": title}, theme,
        )

    @app.callback(Output("merchant-chart", "figure"), LINE, MONTH, PREFS)
    def merchants(line_id, month, prefs):
        line, month, lang, theme = _scope(line_id, month, prefs)
        if line is None:
            return EMPTY_FIGURE
        with store().read() as db:
            top = top_merchants(db, line.id, month, TOP_MERCHANTS)
        title = t("analytics.merchant_title", lang, n=TOP_MERCHANTS)
        if not top:
            return figures.empty_figure(title, t("analytics.empty", lang), theme)
        texts = {"title": title, "no_pg": t("analytics.no_pg", lang), "count": t("analytics.count", lang)}
        return figures.merchant_bars(top, texts, theme)

    @app.callback(Output("heatmap-chart", "figure"), LINE, MONTH, PREFS)
    def heatmap(line_id, month, prefs):
        line, month, lang, theme = _scope(line_id, month, prefs)
        if line is None:
            return EMPTY_FIGURE
        with store().read() as db:
            grid = hour_heatmap(db, line.id, month)
        title = t("analytics.heatmap_title", lang)
        if not any(any(row) for row in grid):
            return figures.empty_figure(title, t("analytics.empty", lang), theme)
        texts = {"title": title, "hour": t("analytics.hour", lang), "night": t("analytics.night", lang)}
        return figures.hour_heatmap(grid, t("analytics.weekdays", lang).split(","), texts, theme)


# ---- helpers -------------------------------------------------------------------------------------

def current_month() -> str:
    return kst_today().strftime("%Y-%m")


def chosen_month(value: object) -> str:
    """The picker's value if it is one of the months offered; anything else means the current month."""
    return value if isinstance(value, str) and value in recent_months() else current_month()


def through_day(month: str) -> int:
    """Last day with data to plot: today for the current month, else the month's last day."""
    return kst_today().day if month == current_month() else days_in_month(month)


def bucket_labels(lang: str) -> dict[str, str]:
    return {b: t(f"bucket.{b}", lang) for b in BUCKETS}


def _scope(line_id: object, month: object, prefs: dict | None) -> tuple[Line | None, str, str, str]:
    lang, theme = prefs_of(prefs)
    return line_for_user(line_id), chosen_month(month), lang, theme


def _total(limits: dict[str, int | None]) -> int | None:
    values = [v for v in limits.values() if v is not None]
    return sum(values) if values else None


def burnup_figure(cumulative: dict[str, list[int]], month: str, limit: int | None, lang: str, theme: str,
                  fan: dict | None = None) -> dict:
    texts = {"title": t("analytics.burnup_title", lang), "limit": t("chart.limit", lang),
             "pace": t("analytics.pace", lang), "day": _day_format(month, lang), "start": month_label(month, lang),
             "tick": t("analytics.day", lang, day="{day}"), "fan": t("forecast.fan", lang),
             "fan_low": t("forecast.fan_low", lang), "forecast": t("forecast.expected_line", lang)}
    return figures.burnup(days_in_month(month), cumulative, bucket_labels(lang), limit, texts, theme, fan)


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
        _sentence(comparison["current"], comparison["previous"], t(f"analytics.ref_prev_{suffix}", lang), lang),
        _sentence(comparison["current"], comparison["average"], t(f"analytics.ref_avg_{suffix}", lang), lang),
    ]
    shown = [s for s in sentences if s is not None]
    if not shown:
        shown = [html.Span(t("analytics.no_history", lang), className="text-body-secondary")]
    return html.Div([
        html.P(headline, className="fw-semibold mb-1 amount"),
        html.Ul([html.Li(s) for s in shown], className="mb-0 ps-3 compare-sentences"),
    ])


def _sentence(current: int, reference: int | None, ref: str, lang: str) -> html.Span | None:
    if reference is None:
        return None
    change = percent_change(current, reference)
    if change is None:
        return html.Span(t("analytics.none_in", lang, ref=ref))
    if change == 0:
        return html.Span(t("analytics.same", lang, ref=ref))
    key, tone = ("analytics.more", "text-danger-emphasis") if change > 0 else ("analytics.less",
                                                                               "text-success-emphasis")
    return html.Span(t(key, lang, ref=ref, pct=f"{abs(change):,}"), className=tone)

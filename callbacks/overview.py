"""Overview: this month's usage per bucket and the 13-month chart, then one chosen month in detail
(burn-up, month over month, categories, top merchants, weekday × hour) for the selected (owned) line.

Each callback is one read of dashboard.services.overview (one session, the ownership check inside it):
a line id that is not the caller's gets empty figures, never data. The detail figures are separate
callbacks so the browser fetches them in parallel.
"""

from __future__ import annotations

from dash import Dash, Input, Output

from callbacks import Page
from callbacks.common import prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services import overview as service
from layouts import overview as layout
from layouts.components import no_line
from layouts.overview import EMPTY_FIGURE, recent_months

PAGE = Page("/", "nav.overview", layout.page, order=0)
TOP_MERCHANTS = 8
LINE, MONTH, PREFS = Input("line-picker", "value"), Input("overview-month", "value"), Input("prefs", "data")
STATUS = Input("line-status-version", "data")  # bumped by block/unblock: the meters say so at once


def chosen_month(value: object) -> str:
    """The picker's value if it is one of the months offered; anything else means the current month."""
    return value if isinstance(value, str) and value in recent_months() else service.current_month()


def overview(line_id, prefs, _status_version):
    lang, theme = prefs_of(prefs)
    found = service.usage(store(), user_id(), line_id)
    if found is None:
        return no_line(lang), EMPTY_FIGURE
    month = found.this_month
    return (layout.usage_meters(month, found.usage[month], found.limits[month], lang, found.status == "blocked"),
            layout.monthly_figure(found.months, found.usage, found.limits, lang, theme))


def pace(line_id, month, prefs):
    lang, theme = prefs_of(prefs)
    found = service.pace(store(), settings(), user_id(), line_id, chosen_month(month))
    return (EMPTY_FIGURE, EMPTY_FIGURE, None) if found is None else layout.pace_views(found, lang, theme)


def categories(line_id, month, prefs):
    lang, theme = prefs_of(prefs)
    totals = service.categories(store(), user_id(), line_id, chosen_month(month))
    return EMPTY_FIGURE if totals is None else layout.category_figure(totals, lang, theme)


def merchants(line_id, month, prefs):
    lang, theme = prefs_of(prefs)
    top = service.merchants(store(), user_id(), line_id, chosen_month(month), TOP_MERCHANTS)
    return EMPTY_FIGURE if top is None else layout.merchant_figure(top, TOP_MERCHANTS, lang, theme)


def heatmap(line_id, month, prefs):
    lang, theme = prefs_of(prefs)
    grid = service.heatmap(store(), user_id(), line_id, chosen_month(month))
    return EMPTY_FIGURE if grid is None else layout.heatmap_figure(grid, lang, theme)


def register(app: Dash) -> None:
    app.callback(Output("overview-usage", "children"), Output("monthly-chart", "figure"), LINE, PREFS,
                 STATUS)(overview)
    app.callback(Output("burnup-chart", "figure"), Output("compare-chart", "figure"),
                 Output("overview-compare", "children"), LINE, MONTH, PREFS)(pace)
    app.callback(Output("category-chart", "figure"), LINE, MONTH, PREFS)(categories)
    app.callback(Output("merchant-chart", "figure"), LINE, MONTH, PREFS)(merchants)
    app.callback(Output("heatmap-chart", "figure"), LINE, MONTH, PREFS)(heatmap)

"""Transactions page: filters, a server-paged AG Grid, the selected row's actions, manual entry. Pure.

Every cell is plain text: no cellRenderer, no HTML, no dangerously_allow_code. Amounts are
formatted in the browser by `dashAgGridFunctions.won` (assets/grid_formatters.js).
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.vocab import BUCKETS, CATEGORIES, MANUAL_STATUSES, TX_STATUSES, to_kst
from layouts.components import section
from layouts.disputes import add_button, basket_card, window_column

PAGE_SIZE = 100  # rows per server request (AG Grid's cacheBlockSize)
# dbc.Select keeps "" for its hidden placeholder option, so "everything" needs a value of its own.
ALL = "all"
AUTO = "auto"
_TEXT_FILTER = {
    "filter": "agTextColumnFilter",
    "filterParams": {
        "filterOptions": ["contains", "notContains", "equals", "notEqual", "startsWith", "endsWith",
                          "blank", "notBlank"],
        "maxNumConditions": 2, "debounceMs": 400, "buttons": ["reset"],
    },
}
_NUMBER_FILTER = {
    "filter": "agNumberColumnFilter",
    "filterParams": {
        "filterOptions": ["equals", "notEqual", "lessThan", "lessThanOrEqual", "greaterThan",
                          "greaterThanOrEqual", "inRange"],
        "maxNumConditions": 2, "debounceMs": 400, "buttons": ["reset"],
    },
}
_DATE_FILTER = {
    "filter": "agDateColumnFilter",
    "filterParams": {"filterOptions": ["equals", "notEqual", "lessThan", "greaterThan", "inRange"],
                     "inRangeInclusive": True, "maxNumConditions": 1, "buttons": ["reset"]},
}
# AG Grid's own words (filter menus, loading) in Korean; English is its default.
GRID_LOCALE_KO = {
    "contains": "포함", "notContains": "포함하지 않음", "equals": "같음", "notEqual": "같지 않음",
    "startsWith": "시작", "endsWith": "끝", "blank": "비어 있음", "notBlank": "비어 있지 않음",
    "lessThan": "미만", "lessThanOrEqual": "이하", "greaterThan": "초과", "greaterThanOrEqual": "이상",
    "inRange": "범위", "inRangeStart": "부터", "inRangeEnd": "까지", "before": "이전", "after": "이후",
    "filterOoo": "필터…", "resetFilter": "초기화", "applyFilter": "적용", "clearFilter": "지우기",
    "cancelFilter": "취소", "andCondition": "그리고", "orCondition": "또는", "loadingOoo": "불러오는 중…",
    "noRowsToShow": "표시할 내역이 없습니다", "dateFormatOoo": "yyyy-mm-dd", "ariaFilterValue": "필터 값",
}


def column_defs(lang: str) -> list[dict]:
    """colId = the server's whitelist key (data/transactions_query.COLUMNS)."""
    return [
        {"headerName": t("tx.col.when", lang), "field": "occurred_at", "minWidth": 96, "width": 160,
         "valueFormatter": {"function": "shortWhen(params.value)"}, **_DATE_FILTER},
        {"headerName": t("tx.col.merchant", lang), "field": "merchant", "flex": 2, "minWidth": 80, **_TEXT_FILTER},
        {"headerName": t("tx.col.pg", lang), "field": "pg", "flex": 1, "minWidth": 120, **_TEXT_FILTER},
        {"headerName": t("tx.col.product", lang), "field": "product", "flex": 2, "minWidth": 140, **_TEXT_FILTER},
        {"headerName": t("tx.col.category", lang), "colId": "category", "field": "category_label",
         "minWidth": 100, "width": 110 if lang == "ko" else 130},
        {"headerName": t("tx.col.bucket", lang), "colId": "bucket", "field": "bucket_label",
         "minWidth": 110, "width": 120 if lang == "ko" else 150},  # "Micropayments" needs room
        {"headerName": t("tx.col.amount", lang), "field": "amount", "type": "rightAligned", "minWidth": 88,
         "width": 120, "cellClass": "amount", "valueFormatter": {"function": "won(params.value)"},
         **_NUMBER_FILTER},
        {"headerName": t("tx.col.status", lang), "colId": "status", "field": "status_label",
         "minWidth": 110, "width": 130},
        window_column(lang),  # this month's charges: days left to cancel them off the bill
    ]


def grid(lang: str) -> dag.AgGrid:
    options = {
        "rowBuffer": 0,
        "cacheBlockSize": PAGE_SIZE,
        "maxBlocksInCache": 20,
        "infiniteInitialRowCount": 1,
        # One block at a time: dash-ag-grid answers only the latest request, and Dash drops a superseded
        # callback, so a second request in flight would leave the first block loading for ever.
        "maxConcurrentDatasourceRequests": 1,
        "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
        "suppressCellFocus": False,
        "animateRows": False,
        "enableCellTextSelection": True,
        # Bootstrap's colours (both themes) through AG Grid's theming API; see grid_formatters.js.
        "theme": {"function": "microbillGridTheme(agGrid)"},
    }
    if lang == "ko":
        options["localeText"] = GRID_LOCALE_KO
    return dag.AgGrid(
        id="tx-grid",
        rowModelType="infinite",
        columnDefs=column_defs(lang),
        defaultColDef={"sortable": True, "resizable": True, "filter": False, "suppressHeaderMenuButton": False},
        dashGridOptions=options,
        getRowId="params.data.id",
        eventListeners={"firstDataRendered": ["narrowColumns(params)"], "gridSizeChanged": ["narrowColumns(params)"]},
        style={"height": "560px", "width": "100%"},
        className="tx-grid",
    )


def _select(select_id: str, label: str, options: list[dict], value: str = ALL) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, html_for=select_id, className="small mb-1"),
         dbc.Select(id=select_id, options=options, value=value, size="sm")],
        xs=6, md=3, lg=2,
    )


def _labelled(prefix: str, codes: tuple[str, ...], lang: str) -> list[dict]:
    return [{"label": t(f"{prefix}.{code}", lang), "value": code} for code in codes]


def filters(lang: str) -> dbc.Row:
    every = {"label": t("tx.filter.all", lang), "value": ALL}
    return dbc.Row(
        [
            _select("tx-month", t("tx.filter.month", lang), [every]),
            _select("tx-bucket", t("tx.filter.bucket", lang), [every, *_labelled("bucket", BUCKETS, lang)]),
            _select("tx-status", t("tx.filter.status", lang), [every, *_labelled("tx.status", TX_STATUSES, lang)]),
            _select("tx-category", t("tx.filter.category", lang), [every, *_labelled("tx.cat", CATEGORIES, lang)]),
            dbc.Col(
                [dbc.Label(t("tx.search", lang), html_for="tx-search", className="small mb-1"),
                 dbc.Input(id="tx-search", type="search", debounce=True, size="sm", maxLength=100,
                           placeholder=t("tx.search.placeholder", lang), autoComplete="off")],
                xs=12, md=12, lg=4,
            ),
        ],
        className="g-2 mb-2 align-items-end",
    )


def toolbar(lang: str) -> html.Div:
    """Row count and the export links (their hrefs follow the filters; see callbacks)."""
    link = "btn btn-sm btn-outline-secondary"
    return html.Div(
        [
            html.Span(id="tx-count", className="small text-body-secondary me-auto", role="status",
                      **{"aria-live": "polite"}),
            html.Span(t("tx.export.hint", lang), className="small text-body-secondary d-none d-md-inline"),
            html.A(t("tx.export.csv", lang), id="tx-export-csv", className=link, download=""),
            html.A(t("tx.export.xlsx", lang), id="tx-export-xlsx", className=link, download=""),
        ],
        className="d-flex flex-wrap align-items-center gap-2 mb-2",
    )


def selected_panel(lang: str) -> dbc.Card:
    category_options = _labelled("tx.cat", CATEGORIES, lang)
    return section(
        t("tx.selected", lang),
        html.Div(t("tx.selected.none", lang), id="tx-selected", className="small mb-3"),
        html.Fieldset(
            [
                html.Legend(t("tx.recat.title", lang), className="h6"),
                dbc.Label(t("tx.col.category", lang), html_for="tx-recat-category", className="visually-hidden"),
                dbc.Select(id="tx-recat-category", options=category_options, size="sm", className="mb-2"),
                dbc.Checkbox(id="tx-recat-always", value=False, className="mb-2",
                             label=t("tx.recat.always", lang, merchant="…")),
                dbc.Button(t("tx.recat.save", lang), id="tx-recat-save", size="sm", color="primary"),
                html.Hr(),
                html.Legend(t("tx.cancel.title", lang), className="h6"),
                html.P(t("tx.cancel.help", lang), className="small text-body-secondary"),
                dbc.Button(t("tx.cancel.button", lang), id="tx-cancel", size="sm", color="warning", outline=True),
                *add_button(lang),
            ],
            id="tx-actions", disabled=True,
        ),
        html.Div(id="tx-action-msg", className="mt-3", role="status", **{"aria-live": "polite"}),
        id="tx-selected-card",
    )


def _field(field_id: str, label: str, control) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=field_id, className="small mb-1"), control], xs=12, sm=6)


def manual_form(lang: str) -> dbc.Card:
    buckets = _labelled("bucket", BUCKETS, lang)
    categories = [{"label": t("tx.manual.category_auto", lang), "value": AUTO}, *_labelled("tx.cat", CATEGORIES, lang)]
    statuses = _labelled("tx.status", MANUAL_STATUSES, lang)
    return section(
        t("tx.manual.title", lang),
        html.Details(
            [
                html.Summary(t("tx.manual.open", lang), className="mb-2"),
                dbc.Row(
                    [
                        _field("tx-manual-when", t("tx.manual.when", lang),
                               dbc.Input(id="tx-manual-when", type="datetime-local", size="sm", step=60)),
                        _field("tx-manual-merchant", t("tx.manual.merchant", lang),
                               dbc.Input(id="tx-manual-merchant", maxLength=200, size="sm", autoComplete="off")),
                        _field("tx-manual-amount", t("tx.manual.amount", lang),
                               dbc.Input(id="tx-manual-amount", type="number", min=1, step=1, size="sm",
                                         inputMode="numeric")),
                        _field("tx-manual-bucket", t("tx.manual.bucket", lang),
                               dbc.Select(id="tx-manual-bucket", options=buckets, value=BUCKETS[0], size="sm")),
                        _field("tx-manual-category", t("tx.manual.category", lang),
                               dbc.Select(id="tx-manual-category", options=categories, value=AUTO, size="sm")),
                        _field("tx-manual-status", t("tx.manual.status", lang),
                               dbc.Select(id="tx-manual-status", options=statuses, value=statuses[0]["value"],
                                          size="sm")),
                        _field("tx-manual-pg", t("tx.manual.pg", lang),
                               dbc.Input(id="tx-manual-pg", maxLength=60, size="sm", autoComplete="off")),
                        _field("tx-manual-product", t("tx.manual.product", lang),
                               dbc.Input(id="tx-manual-product", maxLength=200, size="sm", autoComplete="off")),
                    ],
                    className="g-2 mb-2",
                ),
                dbc.Button(t("tx.manual.submit", lang), id="tx-manual-submit", size="sm", color="primary"),
                html.Div(id="tx-manual-msg", className="mt-2", role="status", **{"aria-live": "polite"}),
            ],
            id="tx-manual",
        ),
    )


def page(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("tx.title", lang), className="h4 mb-3"),
            section(None, filters(lang), toolbar(lang), html.Div(grid(lang), className="tx-grid-wrap")),
            dbc.Row([dbc.Col(selected_panel(lang), lg=6), dbc.Col(manual_form(lang), lg=6)]),
            basket_card(lang),
            dcc.Store(id="tx-refresh", data=0),  # bumped after a write: the grid re-reads its blocks
            dcc.Store(id="tx-grid-reset", data=0),  # written by the clientside purge (an output is required)
        ],
        className="transactions-page",
    )


# ---- what the callbacks show -------------------------------------------------------------------


def status_label(row: dict[str, Any], lang: str) -> str:
    if row["status"] == "cancelled" and row.get("cancels_id"):
        return t("tx.status.refund" if row.get("refund") else "tx.status.cancellation", lang)
    return t(f"tx.status.{row['status']}", lang)


def grid_row(row: dict[str, Any], lang: str) -> dict[str, Any]:
    """A store row as the grid shows it: KST time, translated labels; text stays as stored."""
    return {
        "id": row["id"],
        "occurred_at": to_kst(row["occurred_at"]).strftime("%Y-%m-%d %H:%M"),
        "merchant": row["merchant"],
        "pg": row["pg"] or "",
        "product": row["product"] or "",
        "category": row["category"],
        "category_label": t(f"tx.cat.{row['category']}", lang),
        "bucket_label": t(f"bucket.{row['bucket']}", lang),
        "amount": row["amount"],
        "status": row["status"],
        "status_label": status_label(row, lang),
    }


def month_options(months: list[str], lang: str) -> list[dict]:
    return [{"label": t("tx.filter.all", lang), "value": ALL}, *({"label": m, "value": m} for m in months)]


def count_label(count: int, every_format: bool, max_rows: int, lang: str) -> str:
    """"N건", and why a download link is missing when a format cannot hold the list."""
    label = t("tx.count", lang, count=f"{count:,}")
    return label if every_format else label + " · " + t("tx.export.too_many", lang, max=f"{max_rows:,}")


def message(text: str, color: str) -> html.Div:
    return html.Div(text, className=f"alert alert-{color} py-2 small mb-0")


def form_errors(errors: dict[str, str], fields: tuple[str, ...], lang: str, max_amount: int) -> html.Div:
    """Every problem of the manual form ({field ("" for the whole form): message key})."""
    labels = {f: t(f"tx.manual.{f}", lang) for f in fields}
    items = [html.Li(f"{labels[f]}: {t(key, lang, max=won(max_amount))}" if f else t(key, lang))
             for f, key in errors.items()]
    return html.Div([html.Div(t("tx.err.form", lang), className="fw-semibold"), html.Ul(items, className="mb-0")],
                    className="alert alert-danger py-2 small mb-0")


def selected_summary(row: dict[str, Any], lang: str) -> html.Dl:
    """The selected row (as grid_row shows it): when, merchant, amount, status."""
    return html.Dl(
        [part for key, value in (("tx.col.when", row["occurred_at"]), ("tx.col.merchant", row["merchant"]),
                                 ("tx.col.amount", won(row["amount"])), ("tx.col.status", row["status_label"]))
         for part in (html.Dt(t(key, lang), className="col-4 fw-normal text-body-secondary"),
                      html.Dd(value, className="col-8 mb-1 text-break"))],
        className="row mb-0",
    )

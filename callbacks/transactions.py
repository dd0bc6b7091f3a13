"""Transactions page: server-side rows for AG Grid's infinite model, count and export links,
re-categorising (optionally as a rule), marking a cancellation and manual entry.

Every callback re-checks that the line (and any row id from the browser) is the user's: a foreign
line yields no rows, no count, no links and no writes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import orjson
from dash import ClientsideFunction, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from callbacks import Page
from callbacks.common import line_for_user, prefs_of, user_id
from dashboard.alerts.engine import evaluate
from dashboard.context import settings, store
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from dashboard.web.export_routes import MAX_ROWS
from data.categorize import RuleError, owned_transaction, recategorize
from data.manual import ManualEntry, ManualError, add_manual, mark_cancelled
from data.models import utcnow
from data.transactions_query import TxFilters, count_rows, fetch_page, months_of
from data.vocab import to_kst
from layouts import transactions as tx_layout

PAGE = Page("/transactions", "nav.transactions", tx_layout.page, order=10)

FILTER_IDS = ("tx-month", "tx-bucket", "tx-status", "tx-category", "tx-search")
GRID_OUTPUTS = "tx-grid.getRowsResponse"
MANUAL_FIELDS = ("when", "merchant", "amount", "bucket", "category", "status", "pg", "product")
EMPTY_PAGE = {"rowData": [], "rowCount": 0}


# ---- rows --------------------------------------------------------------------------------------


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


def rows_response(request: object, line_id: object, controls: tuple, lang: str) -> dict[str, Any]:
    """getRowsResponse for one block; rowCount is left out when unknown (the grid keeps asking)."""
    line = line_for_user(line_id)
    if line is None or not isinstance(request, dict):
        return EMPTY_PAGE
    with store().read() as db:
        page = fetch_page(db, line.id, TxFilters.of(*controls), request.get("filterModel"),
                          request.get("sortModel"), request.get("startRow", 0), request.get("endRow", 100))
    response: dict[str, Any] = {"rowData": [grid_row(row, lang) for row in page.rows]}
    if page.count is not None:
        response["rowCount"] = page.count
    return response


def export_href(fmt: str, line_id: int, controls: tuple, request: dict) -> str:
    filters = TxFilters.of(*controls)
    params: dict[str, str] = {"line": str(line_id)}
    for name in ("month", "bucket", "status", "category"):
        if getattr(filters, name):
            params[name] = getattr(filters, name)
    if filters.quick:
        params["q"] = filters.quick
    if request.get("sortModel"):
        params["sort"] = orjson.dumps(request["sortModel"]).decode()
    if request.get("filterModel"):
        params["filter"] = orjson.dumps(request["filterModel"]).decode()
    return f"/export/transactions.{fmt}?{urlencode(params)}"


# ---- actions -----------------------------------------------------------------------------------


def alert(text: str, color: str) -> html.Div:
    return html.Div(text, className=f"alert alert-{color} py-2 small mb-0")


def selected_id(rows: object) -> object:
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        return rows[0].get("id")
    return None


def save_category(tx_id: object, category: object, always: bool, lang: str) -> tuple[html.Div, bool]:
    """(message, stored?)"""
    try:
        with store().write() as db:
            done = recategorize(db, user_id(), tx_id, str(category or ""), always=always)
    except RuleError as refused:
        return alert(t(refused.key, lang), "danger"), False
    if done.rule:
        text = t("tx.recat.rule_done", lang, merchant=done.merchant, count=done.rows_changed)
    else:
        text = t("tx.recat.done", lang, category=t(f"tx.cat.{done.category}", lang))
    return alert(text, "success"), True


def cancel_selected(tx_id: object, lang: str) -> tuple[html.Div, bool]:
    """(message, stored?): a same-month cancellation, or a refund for an earlier month's payment."""
    try:
        with store().write() as db:
            done = mark_cancelled(db, user_id(), tx_id, ip=client_ip())
    except ManualError as refused:
        return alert(t(refused.errors[""], lang), "danger"), False
    if done.refund:
        return alert(t("tx.cancel.refund_done", lang), "warning"), True
    return alert(t("tx.cancel.done", lang), "success"), True


def manual_add(line_id: object, values: tuple, lang: str) -> tuple[html.Div, list[bool], bool]:
    """(message, invalid flag per field, stored?)."""
    entry = ManualEntry(**dict(zip(MANUAL_FIELDS, values, strict=True)))
    max_amount = settings().legal_max
    try:
        with store().write() as db:
            row = add_manual(db, user_id(), line_id, entry, max_amount=max_amount, ip=client_ip())
            evaluate(db, row.line, row, utcnow(), settings())  # alert rules, in this transaction
            merchant, amount = row.merchant, row.amount
    except ManualError as refused:
        return _form_errors(refused.errors, lang, max_amount), [f in refused.errors for f in MANUAL_FIELDS], False
    return alert(t("tx.manual.done", lang, merchant=merchant, amount=won(amount)), "success"), \
        [False] * len(MANUAL_FIELDS), True


def _form_errors(errors: dict[str, str], lang: str, max_amount: int) -> html.Div:
    labels = {f: t(f"tx.manual.{f}", lang) for f in MANUAL_FIELDS}
    items = [html.Li(f"{labels[f]}: {t(key, lang, max=won(max_amount))}" if f else t(key, lang))
             for f, key in errors.items()]
    return html.Div([html.Div(t("tx.err.form", lang), className="fw-semibold"), html.Ul(items, className="mb-0")],
                    className="alert alert-danger py-2 small mb-0")


def selection_summary(tx_id: object, lang: str) -> tuple[Any, str | None, str, bool]:
    """(summary, its category, the rule checkbox label, actions disabled?) re-read from the store."""
    with store().read() as db:
        tx = owned_transaction(db, user_id(), tx_id) if tx_id is not None else None
    if tx is None:
        return t("tx.selected.none", lang), None, t("tx.recat.always", lang, merchant="…"), True
    row = grid_row({c: getattr(tx, c) for c in ("id", "occurred_at", "merchant", "pg", "product", "category",
                                                 "bucket", "amount", "status", "cancels_id", "refund")}, lang)
    summary = html.Dl(
        [part for key, value in (("tx.col.when", row["occurred_at"]), ("tx.col.merchant", row["merchant"]),
                                 ("tx.col.amount", won(row["amount"])), ("tx.col.status", row["status_label"]))
         for part in (html.Dt(t(key, lang), className="col-4 fw-normal text-body-secondary"),
                      html.Dd(value, className="col-8 mb-1 text-break"))],
        className="row mb-0",
    )
    return summary, tx.category, t("tx.recat.always", lang, merchant=tx.merchant), False


# ---- wiring ------------------------------------------------------------------------------------


def register(app: Dash) -> None:
    controls = [State(i, "value") for i in FILTER_IDS]

    @app.callback(
        Output("tx-month", "options"),
        Output("tx-month", "value"),
        Input("line-picker", "value"),
        State("tx-month", "value"),
        State("prefs", "data"),
    )
    def month_options(line_id, current, prefs):
        lang, _ = prefs_of(prefs)
        line = line_for_user(line_id)
        months: list[str] = []
        if line is not None:
            with store().read() as db:
                months = months_of(db, line.id)
        every = {"label": t("tx.filter.all", lang), "value": tx_layout.ALL}
        value = current if current in months else tx_layout.ALL
        # An unchanged value must not count as a change: it would purge the grid once more.
        return [every, *({"label": m, "value": m} for m in months)], no_update if value == current else value

    @app.callback(
        Output("tx-grid", "getRowsResponse"),
        Input("tx-grid", "getRowsRequest"),
        State("line-picker", "value"),
        *controls,
        State("prefs", "data"),
    )
    def get_rows(request, line_id, *rest):
        *values, prefs = rest
        lang, _ = prefs_of(prefs)
        return rows_response(request, line_id, tuple(values), lang)

    @app.callback(
        Output("tx-count", "children"),
        Output("tx-export-csv", "href"),
        Output("tx-export-xlsx", "href"),
        Input("tx-grid", "getRowsRequest"),
        State("line-picker", "value"),
        *controls,
        State("prefs", "data"),
    )
    def count_and_links(request, line_id, *rest):
        # Its own request, beside getRows: only the first block of a new query needs a count.
        *values, prefs = rest
        lang, _ = prefs_of(prefs)
        if isinstance(request, dict) and request.get("startRow", 0) != 0:
            raise PreventUpdate
        request = request if isinstance(request, dict) else {}
        line = line_for_user(line_id)
        if line is None:
            return "", None, None
        with store().read() as db:
            count = count_rows(db, line.id, TxFilters.of(*values), request.get("filterModel"))
        # A list too big for a format gets no link (the route would refuse it) and says why.
        links = [export_href(fmt, line.id, tuple(values), request) if count <= MAX_ROWS[fmt] else None
                 for fmt in ("csv", "xlsx")]
        label = t("tx.count", lang, count=f"{count:,}")
        if None in links:
            label += " · " + t("tx.export.too_many", lang, max=f"{MAX_ROWS['xlsx']:,}")
        return label, *links

    app.clientside_callback(
        ClientsideFunction("transactions", "purge"),
        Output("tx-grid-reset", "data"),
        Input("line-picker", "value"),
        *(Input(i, "value") for i in FILTER_IDS),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("transactions", "refresh"),
        Output("tx-grid-reset", "data", allow_duplicate=True),
        Input("tx-refresh", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("tx-selected", "children"),
        Output("tx-recat-category", "value"),
        Output("tx-recat-always", "label"),
        Output("tx-actions", "disabled"),
        Input("tx-grid", "selectedRows"),
        Input("tx-refresh", "data"),
        State("prefs", "data"),
    )
    def on_select(rows, _version, prefs):
        lang, _ = prefs_of(prefs)
        return selection_summary(selected_id(rows), lang)

    @app.callback(
        Output("tx-action-msg", "children"),
        Output("tx-refresh", "data"),
        Input("tx-recat-save", "n_clicks"),
        Input("tx-cancel", "n_clicks"),
        State("tx-grid", "selectedRows"),
        State("tx-recat-category", "value"),
        State("tx-recat-always", "value"),
        State("line-picker", "value"),
        State("tx-refresh", "data"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )
    def on_action(_save, _cancel, rows, category, always, line_id, version, prefs):
        lang, _ = prefs_of(prefs)
        if line_for_user(line_id) is None:
            return alert(t("tx.err.no_line", lang), "danger"), no_update
        tx_id = selected_id(rows)
        if ctx.triggered_id == "tx-cancel":
            message, stored = cancel_selected(tx_id, lang)
        else:
            message, stored = save_category(tx_id, category, bool(always), lang)
        return message, (version or 0) + 1 if stored else no_update

    @app.callback(
        Output("tx-manual-msg", "children"),
        *(Output(f"tx-manual-{f}", "invalid") for f in MANUAL_FIELDS),
        Output("tx-refresh", "data", allow_duplicate=True),
        Input("tx-manual-submit", "n_clicks"),
        *(State(f"tx-manual-{f}", "value") for f in MANUAL_FIELDS),
        State("line-picker", "value"),
        State("tx-refresh", "data"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )
    def on_manual(_n, *rest):
        *values, line_id, version, prefs = rest
        lang, _ = prefs_of(prefs)
        if line_for_user(line_id) is None:
            return alert(t("tx.err.no_line", lang), "danger"), *([False] * len(MANUAL_FIELDS)), no_update
        message, invalid, stored = manual_add(line_id, tuple(values), lang)
        return message, *invalid, (version or 0) + 1 if stored else no_update

"""Transactions page: server-side rows for AG Grid's infinite model, count and export links,
re-categorising (optionally as a rule), marking a cancellation and manual entry.

Every handler goes through dashboard.services.transactions, which re-checks that the line (and any row
id from the browser) is the user's: a foreign line yields no rows, no count, no links and no writes.
"""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks import Page
from callbacks.common import line_for_user, prefs_of, user_id
from callbacks.disputes import grid_rows, selected_note
from dashboard.context import settings, store
from dashboard.services import exports
from dashboard.services import transactions as tx_service
from dashboard.services.errors import ServiceError
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from layouts import transactions as tx_layout

PAGE = Page("/transactions", "nav.transactions", tx_layout.page, order=10)

FILTER_IDS = ("tx-month", "tx-bucket", "tx-status", "tx-category", "tx-search")
GRID_OUTPUTS = "tx-grid.getRowsResponse"
MANUAL_FIELDS = tx_service.MANUAL_FIELDS
EMPTY_PAGE = {"rowData": [], "rowCount": 0}
NO_INVALID = [False] * len(MANUAL_FIELDS)


def selected_id(rows: object) -> object:
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        return rows[0].get("id")
    return None


def month_options(line_id, current, prefs):
    lang, _ = prefs_of(prefs)
    months = tx_service.months(store(), user_id(), line_id)
    value = current if current in months else tx_layout.ALL
    # An unchanged value must not count as a change: it would purge the grid once more.
    return tx_layout.month_options(months, lang), no_update if value == current else value


def get_rows(request, line_id, *rest):
    """getRowsResponse for one block; rowCount is left out when unknown (the grid keeps asking)."""
    *controls, prefs = rest
    lang, _ = prefs_of(prefs)
    page = tx_service.grid_page(store(), user_id(), line_id, controls, request) if isinstance(request, dict) else None
    if page is None:
        return EMPTY_PAGE
    rows = {"rowData": grid_rows(page.rows, [tx_layout.grid_row(row, lang) for row in page.rows], lang)}
    return rows if page.count is None else {**rows, "rowCount": page.count}


def count_and_links(request, line_id, *rest):
    # Its own request, beside getRows: only the first block of a new query needs a count.
    *controls, prefs = rest
    lang, _ = prefs_of(prefs)
    if isinstance(request, dict) and request.get("startRow", 0) != 0:
        raise PreventUpdate
    request = request if isinstance(request, dict) else {}
    counted = tx_service.count(store(), user_id(), line_id, controls, request.get("filterModel"))
    if counted is None:
        return "", None, None
    # A list too big for a format gets no link (the route would refuse it) and says why.
    links = exports.export_hrefs(counted.line_id, controls, request, counted.rows)
    label = tx_layout.count_label(counted.rows, None not in links.values(), exports.MAX_ROWS["xlsx"], lang)
    return label, links["csv"], links["xlsx"]


def on_select(rows, _version, prefs):
    """(summary, its category, the rule checkbox label, actions disabled?) re-read from the store."""
    lang, _ = prefs_of(prefs)
    row = tx_service.selected_row(store(), user_id(), selected_id(rows))
    if row is None:
        return t("tx.selected.none", lang), None, t("tx.recat.always", lang, merchant="…"), True
    summary = [tx_layout.selected_summary(tx_layout.grid_row(row, lang), lang), *selected_note(row, lang)]
    return summary, row["category"], t("tx.recat.always", lang, merchant=row["merchant"]), False


def save_category(tx_id: object, category: object, always: bool, lang: str):
    done = tx_service.recategorise(store(), user_id(), tx_id, category, always=always)
    if done.rule:
        return tx_layout.message(t("tx.recat.rule_done", lang, merchant=done.merchant, count=done.rows_changed),
                                 "success")
    return tx_layout.message(t("tx.recat.done", lang, category=t(f"tx.cat.{done.category}", lang)), "success")


def cancel_selected(tx_id: object, lang: str):
    """A same-month cancellation, or a refund for an earlier month's payment."""
    done = tx_service.cancel(store(), user_id(), tx_id, ip=client_ip())
    if done.refund:
        return tx_layout.message(t("tx.cancel.refund_done", lang), "warning")
    return tx_layout.message(t("tx.cancel.done", lang), "success")


def on_action(_save, _cancel, rows, category, always, line_id, version, prefs):
    lang, _ = prefs_of(prefs)
    if line_for_user(line_id) is None:
        return tx_layout.message(t("tx.err.no_line", lang), "danger"), no_update
    try:
        if ctx.triggered_id == "tx-cancel":
            return cancel_selected(selected_id(rows), lang), (version or 0) + 1
        return save_category(selected_id(rows), category, bool(always), lang), (version or 0) + 1
    except ServiceError as refused:
        return tx_layout.message(t(refused.key, lang), "danger"), no_update


def on_manual(_n, *rest):
    *values, line_id, version, prefs = rest
    lang, _ = prefs_of(prefs)
    if line_for_user(line_id) is None:
        return tx_layout.message(t("tx.err.no_line", lang), "danger"), *NO_INVALID, no_update
    entry = dict(zip(MANUAL_FIELDS, values, strict=True))
    try:
        row = tx_service.add_manual(store(), settings(), user_id(), line_id, entry, ip=client_ip())
    except tx_service.ManualRefused as refused:
        problems = tx_layout.form_errors(refused.errors, MANUAL_FIELDS, lang, refused.values["max"])
        return problems, *(f in refused.errors for f in MANUAL_FIELDS), no_update
    done = t("tx.manual.done", lang, merchant=row.merchant, amount=won(row.amount))
    return tx_layout.message(done, "success"), *NO_INVALID, (version or 0) + 1


def register(app: Dash) -> None:
    controls = [State(i, "value") for i in FILTER_IDS]
    prefs = State("prefs", "data")
    app.callback(Output("tx-month", "options"), Output("tx-month", "value"), Input("line-picker", "value"),
                 State("tx-month", "value"), prefs)(month_options)
    app.callback(Output("tx-grid", "getRowsResponse"), Input("tx-grid", "getRowsRequest"),
                 State("line-picker", "value"), *controls, prefs)(get_rows)
    app.callback(Output("tx-count", "children"), Output("tx-export-csv", "href"), Output("tx-export-xlsx", "href"),
                 Input("tx-grid", "getRowsRequest"), State("line-picker", "value"), *controls, prefs)(count_and_links)
    app.clientside_callback(ClientsideFunction("transactions", "purge"), Output("tx-grid-reset", "data"),
                            Input("line-picker", "value"), *(Input(i, "value") for i in FILTER_IDS),
                            prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("transactions", "refresh"),
                            Output("tx-grid-reset", "data", allow_duplicate=True), Input("tx-refresh", "data"),
                            prevent_initial_call=True)
    app.callback(Output("tx-selected", "children"), Output("tx-recat-category", "value"),
                 Output("tx-recat-always", "label"), Output("tx-actions", "disabled"),
                 Input("tx-grid", "selectedRows"), Input("tx-refresh", "data"), prefs)(on_select)
    app.callback(Output("tx-action-msg", "children"), Output("tx-refresh", "data"),
                 Input("tx-recat-save", "n_clicks"), Input("tx-cancel", "n_clicks"), State("tx-grid", "selectedRows"),
                 State("tx-recat-category", "value"), State("tx-recat-always", "value"),
                 State("line-picker", "value"), State("tx-refresh", "data"), prefs,
                 prevent_initial_call=True)(on_action)
    app.callback(Output("tx-manual-msg", "children"), *(Output(f"tx-manual-{f}", "invalid") for f in MANUAL_FIELDS),
                 Output("tx-refresh", "data", allow_duplicate=True), Input("tx-manual-submit", "n_clicks"),
                 *(State(f"tx-manual-{f}", "value") for f in MANUAL_FIELDS), State("line-picker", "value"),
                 State("tx-refresh", "data"), prefs, prevent_initial_call=True)(on_manual)

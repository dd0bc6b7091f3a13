"""The cancellation window and the dispute pack on other pages: the transactions grid's window cells and the
page's pack of chosen charges (its own callbacks, registered here), and the window on alert items (helpers the
alerts page and the bell call). Everything re-read through dashboard.services.disputes for the asking user."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from dash import Dash, Input, Output, State, ctx, no_update

from callbacks.common import prefs_of, user_id
from dashboard.context import store
from dashboard.services import disputes as disputes_service
from layouts import disputes as disputes_layout

MAX_CHARGES = disputes_service.MAX_CHARGES


def grid_rows(rows: list[Mapping[str, Any]], shown: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """`shown` (the grid's rows for the store `rows`) with each one's cancellation window."""
    windows = disputes_service.grid_windows(store(), user_id(), rows)
    return [{**cells, **disputes_layout.window_cells(windows.get(cells["id"]), lang)} for cells in shown]


def selected_note(row: Mapping[str, Any], lang: str) -> list:
    """The window of the selected charge, in a sentence (nothing when it cannot be cancelled off a bill)."""
    return disputes_layout.window_note(disputes_service.grid_windows(store(), user_id(), [row]).get(row["id"]), lang)


def with_windows(items: list[dict] | None, lang: str, *, full: bool) -> list[dict] | None:
    """Alert items (dashboard.services.alerts.alert_items) with their charges' window ("dispute"); `full`: the
    alerts page, which also shows the steps and the pack links."""
    if not items:
        return items
    found = disputes_service.alert_windows(store(), user_id(), [item["id"] for item in items])
    return [{**item, "dispute": found.get(item["id"]), "dispute_full": full} for item in items]


def pack_href(fmt: str, ids: Iterable[int]) -> str:
    return f"/disputes/charges.{fmt}?{urlencode([('tx', i) for i in ids])}"


# ---- the transactions page's pack --------------------------------------------------------------

def on_basket(_add, _clear, _line, rows, basket):
    """Add the selected charge (if it is the user's), or empty the pack (the button, or another line)."""
    if ctx.triggered_id != "tx-dispute-add":
        return []
    basket = [i for i in basket or [] if isinstance(i, int)][:MAX_CHARGES]
    chosen = rows[0].get("id") if isinstance(rows, list) and rows and isinstance(rows[0], dict) else None
    if len(basket) >= MAX_CHARGES or chosen in basket:
        return no_update
    found = disputes_service.charge_summaries(store(), user_id(), [chosen]) if chosen is not None else []
    return [*basket, found[0]["id"]] if found else no_update


def show_basket(basket, prefs):
    lang, _ = prefs_of(prefs)
    rows = disputes_service.charge_summaries(store(), user_id(), basket or [])
    listing = disputes_layout.basket_list(rows, lang, MAX_CHARGES)
    if not rows:
        return listing, None, None, disputes_layout.BASKET_HIDDEN
    ids = [r["id"] for r in rows]
    return listing, pack_href("pdf", ids), pack_href("csv", ids), disputes_layout.BASKET_SHOWN


def register(app: Dash) -> None:
    app.callback(Output("dispute-basket", "data"), Input("tx-dispute-add", "n_clicks"),
                 Input("dispute-basket-clear", "n_clicks"), Input("line-picker", "value"),
                 State("tx-grid", "selectedRows"), State("dispute-basket", "data"),
                 prevent_initial_call=True)(on_basket)
    app.callback(Output("dispute-basket-list", "children"), Output("dispute-pack-pdf", "href"),
                 Output("dispute-pack-csv", "href"), Output("dispute-basket-actions", "className"),
                 Input("dispute-basket", "data"), State("prefs", "data"))(show_basket)

"""The cancellation window and the dispute pack in the views: the grid's window column, the note under the
selected charge, the transactions page's pack card, and the window / steps / pack links on alert items. Pure.

Charges of a fraud alert show the window prominently with the steps (gateway, carrier, police) and the pack.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.cancellation import fraud_steps, window_badge, window_sentence
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.cancellation_window import CancelWindow
from data.vocab import to_kst
from layouts.components import section

SOON_DAYS = 3  # a window this short is shown in red
LINK = "btn btn-sm btn-outline-secondary"
BASKET_SHOWN, BASKET_HIDDEN = "d-flex flex-wrap align-items-end gap-2", "d-none"


# ---- the transactions grid and the selected charge ---------------------------------------------

def window_column(lang: str) -> dict[str, Any]:
    """Not a store column (the server neither sorts nor filters it): computed per row for this month."""
    return {"headerName": t("disputes.window.col", lang), "colId": "window", "field": "window", "sortable": False,
            "minWidth": 100, "width": 120 if lang == "ko" else 130,
            "cellClassRules": {"cancel-window-soon": f"params.data && params.data.window_days <= {SOON_DAYS}"}}


def window_cells(window: CancelWindow | None, lang: str) -> dict[str, Any]:
    """The grid row's window fields: blank for a charge nothing can take off the bill any more."""
    if window is None or not window.is_open:
        return {"window": "", "window_days": None}
    return {"window": window_badge(window, lang), "window_days": window.days_left}


def window_note(window: CancelWindow | None, lang: str) -> list:
    if window is None:
        return []
    return [html.P(window_sentence(window, lang), className=_window_class(window, False) + " small mt-2 mb-0",
                   id="tx-selected-window")]


def pack_links(pdf: str | None, csv: str | None, lang: str, *, ids: tuple[str, str] | None = None,
               danger: bool = False) -> html.Div:
    """The two downloads, with whom they are for."""
    style = "btn btn-sm btn-danger" if danger else LINK
    pdf_id, csv_id = ids or (None, None)
    links = [html.A(t("disputes.pack.pdf", lang), href=pdf, download="", className=style, **_id(pdf_id)),
             html.A(t("disputes.pack.csv", lang), href=csv, download="", className=LINK, **_id(csv_id)),
             html.Small(t("disputes.pack.for", lang), className="text-body-secondary")]
    return html.Div(links, className="d-flex flex-wrap align-items-center gap-2 mt-2 dispute-pack-links")


def _id(value: str | None) -> dict[str, str]:
    return {"id": value} if value else {}


def add_button(lang: str) -> list:
    """Inside the selected row's actions (disabled with them until a row is picked)."""
    return [html.Hr(), html.Legend(t("disputes.basket.title", lang), className="h6"),
            dbc.Button(t("disputes.basket.add", lang), id="tx-dispute-add", size="sm", color="danger", outline=True)]


def basket_card(lang: str) -> dbc.Card:
    """The charges chosen for a dispute pack (ids in dispute-basket; the list is re-read from the store)."""
    return section(
        t("disputes.basket.title", lang),
        html.P(t("disputes.basket.help", lang), className="small text-body-secondary"),
        html.Div(t("disputes.basket.empty", lang), id="dispute-basket-list", className="small mb-2"),
        html.Div(
            [pack_links(None, None, lang, ids=("dispute-pack-pdf", "dispute-pack-csv")),
             dbc.Button(t("disputes.basket.clear", lang), id="dispute-basket-clear", size="sm", color="secondary",
                        outline=True, className="mt-2")],
            id="dispute-basket-actions", className=BASKET_HIDDEN),
        dcc.Store(id="dispute-basket", data=[]),
        id="dispute-basket-card",
    )


def basket_list(rows: list[dict[str, Any]], lang: str, limit: int) -> html.Div:
    """The chosen charges (time KST, merchant as user text, amount), their count and total; a note once the
    pack holds `limit`."""
    if not rows:
        return html.Div(t("disputes.basket.empty", lang))
    items = [html.Li([html.Span(to_kst(r["occurred_at"]).strftime("%Y-%m-%d %H:%M"), className="me-2"),
                      html.Span(r["merchant"], className="user-text me-2 text-break"),
                      html.Span(won(r["amount"]), className="amount")],
                     **{"data-tx-id": str(r["id"])}) for r in rows]
    count = t("disputes.basket.count", lang, count=len(rows), total=won(sum(r["amount"] for r in rows)))
    notes = [html.Div(t("disputes.basket.full", lang, max=limit), className="text-warning-emphasis")] \
        if len(rows) >= limit else []
    return html.Div([html.Ul(items, className="list-unstyled mb-1"), html.Div(count, className="fw-semibold"),
                     *notes])


# ---- alert items -------------------------------------------------------------------------------

def alert_parts(item: dict[str, Any], lang: str) -> list:
    """Under an alert's text: its charges' window; for possible fraud, the steps; the pack's links. `item`
    carries "dispute" (dashboard.services.disputes.AlertWindow) when the alert is about charges, and
    "dispute_full" on the alerts page (the bell shows the window only)."""
    found = item.get("dispute")
    if found is None:
        return []
    parts = []
    if found.window is not None:
        text = window_sentence(found.window, lang)
        if found.count > 1 and found.window.is_open:
            text = f"{t('disputes.window.some_open', lang, count=found.count, open=found.open)}: {text}"
        parts.append(html.P(text, className=_window_class(found.window, found.fraud) + " small mb-0 mt-1 "
                            "alert-window"))
    if not item.get("dispute_full"):
        return parts
    if found.fraud:
        steps = html.Ol([html.Li(step) for step in fraud_steps(found.carrier, list(found.pgs), lang)],
                        className="small mb-0 ps-3")
        parts.append(html.Div([html.Div(t("disputes.fraud.title", lang), className="fw-semibold mb-1"), steps],
                              className="border border-danger-subtle bg-danger-subtle text-danger-emphasis "
                                        "rounded p-2 mt-2 dispute-steps"))
    if found.pack:
        base = f"/disputes/alert/{item['id']}"
        parts.append(pack_links(f"{base}.pdf", f"{base}.csv", lang, danger=found.fraud))
    return parts


def _window_class(window: CancelWindow, fraud: bool) -> str:
    if not window.is_open:
        return "text-body-secondary"
    if fraud or window.days_left <= SOON_DAYS:
        return "text-danger-emphasis fw-semibold"
    return "text-body"

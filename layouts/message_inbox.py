"""The import page's inbox: forwarded text messages the parser could not read, each waiting for the user to
mark its amount and merchant once (that becomes the sender's template). Pure: plain data in, components out."""

from __future__ import annotations

import re
from datetime import datetime

import dash_bootstrap_components as dbc
from dash import html

from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.vocab import BUCKETS, to_kst
from layouts.components import section

_AMOUNT = re.compile(r"(?:₩\s?)?\d{1,3}(?:,\d{3})+(?:\s?원)?|\d+\s?원")


def card(lang: str) -> dbc.Card:
    """The empty card of the initial layout; `items` fills it."""
    return section(t("inbox.title", lang),
                   html.P(t("inbox.intro", lang), className="small text-body-secondary mb-2"),
                   html.Div(id="inbox-status", role="status", className="small"),
                   html.Div(id="inbox-items"), id="inbox-card")


def amount_guess(text: str) -> str:
    """The first amount-looking run of the text, as shown there: a start the user usually keeps."""
    found = _AMOUNT.search(text)
    return found.group(0).replace("원", "").replace("₩", "").strip() if found else ""


def items(messages: list, lang: str) -> list:
    if not messages:
        return [html.P(t("inbox.empty", lang), className="text-body-secondary mb-0")]
    return [item(message, lang) for message in messages]


def item(message, lang: str) -> html.Div:
    key = {"index": message.id}
    when = to_kst(message.received_at).strftime("%Y-%m-%d %H:%M") if isinstance(message.received_at, datetime) else ""
    return html.Div([
        html.Div([html.Span(message.sender or t("inbox.no_sender", lang), className="fw-semibold me-2 user-text"),
                  html.Span(when, className="small text-body-secondary")], className="mb-1"),
        html.Pre(message.text, className="inbox-text user-text small border rounded p-2 mb-2",
                 style={"whiteSpace": "pre-wrap", "wordBreak": "break-word"}),
        dbc.Row([
            dbc.Col(labelled(t("inbox.amount", lang),
                             dbc.Input(id={"type": "inbox-amount", **key}, value=amount_guess(message.text),
                                       inputMode="numeric")), xs=12, md=3),
            dbc.Col(labelled(t("inbox.merchant", lang), dbc.Input(id={"type": "inbox-merchant", **key}, value="")),
                    xs=12, md=5),
            dbc.Col(labelled(t("inbox.bucket", lang),
                             dbc.Select(id={"type": "inbox-bucket", **key}, value="micropayment",
                                        options=[{"label": t(f"bucket.{b}", lang), "value": b} for b in BUCKETS])),
                    xs=12, md=4),
        ], className="g-2 mb-2"),
        html.P(t("inbox.hint", lang), className="small text-body-secondary mb-2"),
        html.Div([dbc.Button(t("inbox.save", lang), id={"type": "inbox-save", **key}, color="primary",
                             size="sm", className="me-2"),
                  dbc.Button(t("inbox.dismiss", lang), id={"type": "inbox-dismiss", **key}, color="secondary",
                             outline=True, size="sm")]),
    ], className="inbox-item border-bottom pb-3 mb-3")


def labelled(text: str, control) -> html.Label:
    """An implicit label: pattern-matching ids are objects, which `for=` cannot name."""
    return html.Label([html.Span(text, className="d-block small mb-1"), control], className="w-100")


def saved(result, lang: str) -> dbc.Alert:
    key = "inbox.saved_duplicate" if result.outcome == "duplicate" else "inbox.saved"
    return dbc.Alert(t(key, lang, merchant=result.merchant or "", amount=won(result.amount or 0)),
                     color="success", className="py-2 mb-2")


def refused(message: str) -> dbc.Alert:
    return dbc.Alert(message, color="danger", className="py-2 mb-2")

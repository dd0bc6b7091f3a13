"""Limits & block page: the line's status (with unblock) and the per-bucket limit form. Pure."""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.carriers import instructions
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.vocab import BUCKETS, to_kst
from layouts.block import instructions_view
from layouts.components import section


def _unblock_form(lang: str) -> html.Div:
    return html.Div(
        [
            dbc.Label(t("block.unblock_password", lang), html_for="unblock-password", className="small"),
            dbc.InputGroup([
                dbc.Input(id="unblock-password", type="password", autocomplete="current-password",
                          debounce=False, n_submit=0),
                dbc.Button(t("block.unblock", lang), id="unblock-button", color="primary"),
            ]),
        ],
        id="unblock-form", className="mt-3", hidden=True,
    )


def _limit_form(lang: str) -> html.Div:
    buckets = [{"label": t(f"bucket.{b}", lang), "value": b} for b in BUCKETS]
    return html.Div(
        [
            html.Div(id="limits-current", className="mb-3"),
            dbc.Row(
                [
                    dbc.Col([dbc.Label(t("limits.bucket", lang), html_for="limits-bucket", className="small"),
                             dbc.Select(id="limits-bucket", options=buckets, value=BUCKETS[0])], sm=6),
                    dbc.Col([dbc.Label(t("limits.amount", lang), html_for="limits-amount", className="small"),
                             dbc.Select(id="limits-amount", options=[])], sm=6),
                ],
                className="g-2 mb-2",
            ),
            dbc.Label(t("limits.password", lang), html_for="limits-password", className="small"),
            dbc.Input(id="limits-password", type="password", autocomplete="current-password", className="mb-2"),
            html.P(t("limits.raise_hint", lang), className="small text-body-secondary"),
            dbc.Button(t("limits.save", lang), id="limits-save", color="primary"),
            html.Div(id="limits-feedback", className="mt-2", role="status"),
            dcc.Store(id="limits-version", data=0),
        ]
    )


def page(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("nav.limits", lang), className="h4 mb-3"),
            dbc.Row(
                [
                    dbc.Col(section(t("block.status_title", lang), html.Div(id="limits-status"), _unblock_form(lang),
                                    html.Div(id="unblock-feedback", className="mt-2", role="status"),
                                    id="status-card"), lg=6),
                    dbc.Col(section(t("limits.title", lang), _limit_form(lang), id="limits-card"), lg=6),
                ]
            ),
        ]
    )


def status_view(lang: str, status: str, detail: str | None, steps: dict | None) -> html.Div:
    """The line's status badge, why, and (when blocked) the carrier's steps again."""
    color = {"active": "success", "blocked": "danger", "restricted": "warning"}.get(status, "secondary")
    hint = {"active": "block.active_hint", "restricted": "block.restricted_hint"}.get(status)
    return html.Div(
        [
            dbc.Badge(t(f"status.{status}", lang), color=color, className="fs-6 mb-2", id="line-status-badge"),
            html.P(detail, className="mb-1") if detail else None,
            html.P(t(hint, lang), className="small text-body-secondary mb-0") if hint else None,
            instructions_view(steps, lang) if steps else None,
        ]
    )


BLOCK_REASONS = ("loss_theft", "fraud", "other")  # those with words (block.reason.*); others are shown as they are
CAP_KEYS = {"arrears": "limits.cap_arrears", "minor": "limits.cap_minor", "legal": "limits.cap"}


def blocked_detail(lang: str, blocked_at: datetime | None, reason: str | None) -> str | None:
    """"Blocked since <KST time> (<why>)"; None without a block time."""
    if blocked_at is None:
        return None
    why = t(f"block.reason.{reason}", lang) if reason in BLOCK_REASONS else reason
    return t("block.blocked_since", lang, when=to_kst(blocked_at).strftime("%Y-%m-%d %H:%M"), reason=why)


def line_status(lang: str, status: str, blocked_at: datetime | None, reason: str | None,
                carrier: str) -> html.Div:
    """The status card of a line: blocked ones say since when and why, and show the carrier's steps again."""
    if status != "blocked":
        return status_view(lang, status, None, None)
    return status_view(lang, status, blocked_detail(lang, blocked_at, reason), instructions(carrier, lang))


def limits_view(lang: str, rows: list[dict]) -> html.Div:
    """Each bucket's limit in force, its cap (and why) and this month's usage."""
    items = []
    for row in rows:
        current = won(row["limit"]) if row["stored"] is not None else t("limits.none_set", lang, cap=won(row["limit"]))
        cap_text = t(CAP_KEYS[row["cap_reason"]], lang, cap=won(row["cap"]))
        items.append(html.Li(
            [html.Span(t(f"bucket.{row['bucket']}", lang), className="text-body-secondary me-2"),
             html.Span(current, className="fw-bold amount me-2"),
             html.Span(cap_text, className="small text-body-secondary me-2"),
             html.Span(t("limits.usage", lang, used=won(row["used"])), className="small text-body-secondary")],
            className="mb-1",
        ))
    return html.Ul(items, className="list-unstyled mb-0", id="limits-list")


def amount_options(choices: list[int]) -> list[dict]:
    return [{"label": won(amount), "value": str(amount)} for amount in choices]


def feedback(text: str, ok: bool) -> dbc.Alert:
    return dbc.Alert(text, color="success" if ok else "danger", className="py-2 mb-0")

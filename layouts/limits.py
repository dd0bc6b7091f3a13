"""Limits & block page: the line's status (with unblock) and the per-bucket limit form. Pure."""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.carriers import instructions
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.vocab import BUCKETS, to_kst
from layouts.account_factors import step_up_button
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
            factor_fields(lang, "unblock"),
        ],
        id="unblock-form", className="mt-3", hidden=True,
    )


def factor_fields(lang: str, prefix: str) -> html.Div:
    """The second factor next to a password prompt: a TOTP / recovery code, or a passkey step-up (for users
    who turned two-step verification on; others leave it empty)."""
    return html.Div(
        [
            dbc.Label(t("factor.code_if_on", lang), html_for=f"{prefix}-code", className="small mt-2"),
            dbc.Input(id=f"{prefix}-code", type="text", autocomplete="one-time-code", maxLength=40,
                      className="mb-2", debounce=False, n_submit=0),
            step_up_button(lang, f"{prefix}-stepup-status", f"{prefix}-stepup"),
        ],
        className="factor-fields",
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
            factor_fields(lang, "limits"),
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
            section(t("advice.title", lang), html.Div(id="advice-body"),
                    html.Div(id="advice-feedback", className="mt-2", role="status"), id="advice-card"),
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


ADVICE_APPLY = "advice-apply"  # pattern-matching id type of the advisor's per-bucket buttons
DIRECTION_COLORS = {"lower": "success", "raise": "warning", "keep": "secondary"}


def advice_reason(lang: str, row: dict) -> str:
    """The advisor's one sentence for a bucket (advice.* keys; amounts as won)."""
    values = row["values"]
    if row["basis_key"] is None:
        return t(row["reason_key"], lang, **values)
    basis = t(row["basis_key"], lang, value=won(values["basis"]))
    return t(row["reason_key"], lang, basis=basis, amount=won(values["amount"]), current=won(values["current"]),
             cap=won(values["cap"]))


def _advice_item(lang: str, row: dict) -> html.Li:
    bucket = row["bucket"]
    heading = [html.Span(t(f"bucket.{bucket}", lang), className="text-body-secondary me-2")]
    action = None
    if row["suggested"] is not None:
        suggested = t("advice.suggested", lang, amount=won(row["suggested"]))
        heading += [html.Span(suggested, className="fw-bold amount me-2"),
                    html.Span(t("advice.current", lang, amount=won(row["current"])),
                              className="small text-body-secondary me-2"),
                    dbc.Badge(t(f"advice.direction.{row['direction']}", lang),
                              color=DIRECTION_COLORS[row["direction"]], className="align-middle")]
    if row["direction"] in ("lower", "raise"):
        button = dbc.Button(t("advice.apply", lang), color="primary", size="sm", outline=row["direction"] == "raise",
                            id={"type": ADVICE_APPLY, "bucket": bucket, "amount": row["suggested"]})
        hint = html.P(t("advice.raise_hint", lang), className="small text-body-secondary mb-0 mt-1") \
            if row["direction"] == "raise" else None
        action = html.Div([button, hint], className="mt-1")
    return html.Li([html.Div(heading), html.P(advice_reason(lang, row), className="small mb-0 mt-1"), action],
                   className="mb-3", id=f"advice-{bucket}")


def advice_view(lang: str, advice: dict) -> html.Div:
    """The advisor card's body: the voucher warning (no link: nothing here helps with 현금화), then per bucket
    the suggestion, why in one sentence and a button to apply it (none to keep a limit as it is)."""
    warning = dbc.Alert(t("advice.voucher_warning", lang, months=advice["voucher_months"]), color="warning",
                        id="advice-voucher-warning", className="py-2") if advice["voucher_months"] else None
    intro = html.P(t("advice.intro", lang, months=advice["months"]), className="small text-body-secondary") \
        if any(row["suggested"] is not None for row in advice["rows"]) else None
    items = [_advice_item(lang, row) for row in advice["rows"]]
    return html.Div([warning, intro, html.Ul(items, className="list-unstyled mb-0", id="advice-list")])

"""The line-state banners at the top of every page of a line (dashboard/services/line_state.py gives the
state): what is true first — blocked, overdue/restricted, a budget forecast to be passed — each with the one
action that resolves it. Pure: plain data in, components out."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Output, html

from dashboard.text.formatting import won
from dashboard.text.i18n import t
from layouts.bills import month_label

SLOT = "line-state-banner"
OUTPUT = Output(SLOT, "children")


def slot() -> html.Div:
    """Where the banners go (layouts/shell.py), announced politely when they change."""
    return html.Div(id=SLOT, className="container-fluid page-container line-state-slot", **{"aria-live": "polite"})


def _banner(text: str, color: str, kind: str, action: tuple[str, str] | None = None,
            note: str | None = None, here: str | None = None) -> dbc.Alert:
    parts: list = [html.Span(text, className="fw-semibold me-2")]
    if note:
        parts.append(html.Span(note, className="small me-2"))
    if action and action[1] != here:  # on the page that resolves it, the page itself is the action
        label, href = action
        parts.append(dbc.Button(label, href=href, color=color, size="sm", className="ms-auto state-action"))
    return dbc.Alert(parts, color=color, className=f"d-flex flex-wrap align-items-center gap-1 py-2 mb-2 "
                                                   f"line-state line-state-{kind}")


def banners(state, arrears_cap: int, lang: str, here: str | None = None) -> list[dbc.Alert]:
    """`state`: a LineState (read by attribute); nothing for a calm line. `here`: the page's path."""
    found: list[dbc.Alert] = []
    if state.status == "blocked":
        action = (t("line_state.unblock", lang), "/limits") if state.may_unblock else None
        note = None if state.may_unblock else t("line_state.unblock_who", lang)
        found.append(_banner(t("line_state.blocked", lang), "danger", "blocked", action, note, here))
    if state.overdue_total:
        months = ", ".join(month_label(month, lang) for month in state.overdue_months)
        text = t("line_state.overdue", lang, amount=won(state.overdue_total), months=months, cap=won(arrears_cap))
        action = (t("line_state.pay", lang) if state.may_pay else t("line_state.see_bills", lang), "/bills")
        found.append(_banner(text, "warning", "overdue", action, here=here))
    elif state.status == "restricted":
        found.append(_banner(t("line_state.restricted", lang, cap=won(arrears_cap)), "warning", "restricted",
                             (t("line_state.see_bills", lang), "/bills"), here=here))
    if state.over_budget_forecast:
        text = t("line_state.over_budget", lang, forecast=won(state.forecast), budget=won(state.budget))
        found.append(_banner(text, "info", "budget", (t("line_state.see_budget", lang), "/budget"), here=here))
    return found

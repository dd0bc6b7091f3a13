"""The budget page (/budget): a line's monthly budget, alert levels and options. Pure."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from dashboard.text.i18n import t
from layouts.components import section, usage_meter


def _field(label: str, control, help_id: str | None = None, help_text: str = "", feedback_id: str = "") -> html.Div:
    return html.Div(
        [dbc.Label(label, html_for=control.id, className="fw-semibold"), control,
         dbc.FormFeedback(id=feedback_id, type="invalid") if feedback_id else None,
         dbc.FormText(help_text, **({"id": help_id} if help_id else {}))],
        className="mb-3",
    )


def thresholds_text(percents: list[int]) -> str:
    return ", ".join(map(str, percents))


def usage_card(month: str, used: int, budget: int | None, lang: str) -> html.Div:
    """This month's spending against the budget (the page's right-hand card)."""
    texts = {"remaining": t("budget.remaining", lang), "limit": t("budget.budget", lang),
             "of_limit": t("budget.of_budget", lang), "no_limit": t("budget.meter_none", lang)}
    return usage_meter(month, used, budget, texts)


def no_line(lang: str, color: str = "secondary") -> dbc.Alert:
    return dbc.Alert(t("budget.no_line", lang), color=color)


def no_budget(lang: str) -> html.P:
    return html.P(t("budget.none", lang), className="text-body-secondary")


def removed(done: bool, lang: str) -> dbc.Alert:
    return dbc.Alert(t("budget.deleted" if done else "budget.none", lang), color="secondary", dismissable=True)


def saved(lang: str) -> dbc.Alert:
    return dbc.Alert(t("budget.saved", lang), color="success", dismissable=True, id="budget-saved")


def problems(texts: list[str]) -> dbc.Alert:
    """Every reason the budget was refused (each is also shown next to its field)."""
    return dbc.Alert([html.Div(text) for text in texts], color="danger", id="budget-errors")


def page(lang: str) -> html.Div:
    form = html.Div(
        [
            _field(t("budget.amount", lang),
                   dbc.Input(id="budget-amount", type="number", min=0, step=1, inputMode="numeric"),
                   help_id="budget-amount-help", feedback_id="budget-amount-error"),
            _field(t("budget.thresholds", lang),
                   dbc.Input(id="budget-thresholds", type="text", inputMode="numeric"),
                   help_text=t("budget.thresholds_help", lang), feedback_id="budget-thresholds-error"),
            _field(t("budget.large_charge", lang),
                   dbc.Input(id="budget-large", type="number", min=0, step=1, inputMode="numeric"),
                   help_text=t("budget.large_help", lang), feedback_id="budget-large-error"),
            dbc.Switch(id="budget-new-merchant", label=t("budget.new_merchant", lang), value=False,
                       className="mb-3"),
            html.Div(
                [dbc.Button(t("budget.save", lang), id="budget-save", color="primary"),
                 dbc.Button(t("budget.delete", lang), id="budget-delete", color="secondary", outline=True)],
                className="d-flex gap-2 flex-wrap",
            ),
        ],
        className="budget-form",
    )
    return html.Div(
        [
            html.H1(t("budget.title", lang), className="h4 mb-2"),
            html.P(t("budget.intro", lang), className="text-body-secondary"),
            html.Div(id="budget-feedback", role="status", **{"aria-live": "polite"}),
            dbc.Row(
                [dbc.Col(section(None, form), xs=12, lg=7),
                 dbc.Col(section(t("budget.this_month", lang), html.Div(id="budget-usage")), xs=12, lg=5)],
                className="g-3",
            ),
        ],
        className="budget-page",
    )

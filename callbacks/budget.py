"""Budget settings (/budget) for the line picked in the top bar: load, validate in Korean, save, remove."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, html, no_update

from callbacks import Page
from callbacks.common import line_for_user, prefs_of, user_id
from dashboard.context import settings, store
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from data import budgets
from data.lines import owned_line
from data.usage import monthly_usage
from data.vocab import kst_today
from layouts import budget as budget_layout
from layouts.components import usage_meter

PAGE = Page("/budget", "nav.budget", budget_layout.page, order=50)
FIELDS = ("amount", "thresholds", "large")  # problem key prefix → form field


def field_of(problem_key: str) -> str:
    if problem_key.startswith("budget.amount"):
        return "amount"
    return "thresholds" if problem_key.startswith("budget.thresholds") else "large"


def usage_card(line, budget, lang: str):
    month = kst_today().strftime("%Y-%m")
    with store().read() as db:
        used = sum(monthly_usage(db, line.id, [month])[month].values())
    texts = {"remaining": t("budget.remaining", lang), "limit": t("budget.budget", lang),
             "of_limit": t("budget.of_budget", lang), "no_limit": t("budget.none", lang)}
    return usage_meter(month, used, budget.amount if budget else None, texts)


def register(app: Dash) -> None:
    @app.callback(
        Output("budget-amount", "value"),
        Output("budget-thresholds", "value"),
        Output("budget-large", "value"),
        Output("budget-new-merchant", "value"),
        Output("budget-amount-help", "children"),
        Output("budget-feedback", "children"),
        Output("budget-usage", "children"),
        Output("budget-amount", "invalid"),
        Output("budget-thresholds", "invalid"),
        Output("budget-large", "invalid"),
        Output("budget-amount-error", "children"),
        Output("budget-thresholds-error", "children"),
        Output("budget-large-error", "children"),
        Input("line-picker", "value"),
        Input("budget-save", "n_clicks"),
        Input("budget-delete", "n_clicks"),
        State("budget-amount", "value"),
        State("budget-thresholds", "value"),
        State("budget-large", "value"),
        State("budget-new-merchant", "value"),
        State("prefs", "data"),
    )
    def budget_form(line_id, _save, _delete, amount, thresholds, large, new_merchant, prefs):
        lang, _ = prefs_of(prefs)
        line = line_for_user(line_id)
        clean = (False, False, False, "", "", "")
        if line is None:
            notice = dbc.Alert(t("budget.no_line", lang), color="secondary")
            return (None, "50, 80, 100", None, False, "", notice, None, *clean)
        action = ctx.triggered_id
        with store().read() as db:
            limit_total = budgets.total_limit(db, line, settings())
        help_text = t("budget.amount_help", lang, limit=won(limit_total))
        if action == "budget-save":
            return _save_budget(line, amount, thresholds, large, new_merchant, limit_total, help_text, lang)
        if action == "budget-delete":
            with store().write() as db:
                owned = owned_line(db, user_id(), line.id)
                removed = owned is not None and budgets.delete_budget(db, owned, user_id=user_id(), ip=client_ip())
            notice = dbc.Alert(t("budget.deleted" if removed else "budget.none", lang), color="secondary",
                               dismissable=True)
            return (None, settings().budget_thresholds.replace(",", ", "), None, False, help_text, notice,
                    usage_card(line, None, lang), *clean)
        with store().read() as db:
            budget = budgets.get_budget(db, line.id)
        if budget is None:
            return (None, settings().budget_thresholds.replace(",", ", "), None, False, help_text,
                    html.P(t("budget.none", lang), className="text-body-secondary"),
                    usage_card(line, None, lang), *clean)
        return (budget.amount, ", ".join(map(str, budgets.thresholds_of(budget))), budget.large_charge,
                budget.notify_new_merchant, help_text, None, usage_card(line, budget, lang), *clean)


def _save_budget(line, amount, thresholds, large, new_merchant, limit_total: int, help_text: str, lang: str):
    problems = budgets.validate(amount, thresholds or "", large, limit_total)
    if problems:
        errors = {name: [] for name in FIELDS}
        for problem in problems:
            errors[field_of(problem.key)].append(t(problem.key, lang, **problem.values))
        notice = dbc.Alert([html.Div(t(p.key, lang, **p.values)) for p in problems], color="danger",
                           id="budget-errors")
        return (no_update, no_update, no_update, no_update, help_text, notice, no_update,
                *(bool(errors[name]) for name in FIELDS), *(" ".join(errors[name]) for name in FIELDS))
    with store().write() as db:
        owned = owned_line(db, user_id(), line.id)  # re-checked inside the write: the id came from the browser
        if owned is None:
            return (no_update,) * 5 + (dbc.Alert(t("budget.no_line", lang), color="danger"),) + (no_update,) * 7
        budget = budgets.save_budget(db, owned, amount=int(amount), thresholds=budgets.parse_threshold_text(thresholds),
                                     large_charge=int(large) if large not in (None, "") else None,
                                     notify_new_merchant=bool(new_merchant), user_id=user_id(), ip=client_ip())
        db.flush()
        saved = (budget.amount, ", ".join(map(str, budgets.thresholds_of(budget))), budget.large_charge)
    notice = dbc.Alert(t("budget.saved", lang), color="success", dismissable=True, id="budget-saved")
    with store().read() as db:
        card = usage_card(line, budgets.get_budget(db, line.id), lang)
    return (*saved, bool(new_merchant), help_text, notice, card, False, False, False, "", "", "")

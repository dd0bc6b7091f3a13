"""Budget settings (/budget) for the line picked in the top bar: load, validate in Korean, save, remove."""

from __future__ import annotations

from dash import Dash, Input, Output, State, ctx, no_update

from callbacks import Page
from callbacks.common import line_for_user, prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services import budgets as budget_service
from dashboard.services.errors import NotFound
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from layouts import budget as budget_layout

PAGE = Page("/budget", "nav.budget", budget_layout.page, order=50)
FIELDS = ("amount", "thresholds", "large")  # problem key prefix → form field
CLEAN = (False, False, False, "", "", "")  # no field invalid, no field message
FORM_INPUTS = ("budget-amount", "budget-thresholds", "budget-large", "budget-new-merchant")


def field_of(problem_key: str) -> str:
    if problem_key.startswith("budget.amount"):
        return "amount"
    return "thresholds" if problem_key.startswith("budget.thresholds") else "large"


def help_text(limit_total: int, lang: str) -> str:
    return t("budget.amount_help", lang, limit=won(limit_total))


def budget_form(line_id, _save, _delete, amount, thresholds, large, new_merchant, prefs):
    lang, _ = prefs_of(prefs)
    line = line_for_user(line_id)
    if line is None:
        defaults = budget_layout.thresholds_text(budget_service.default_thresholds(settings()))
        return (None, defaults, None, False, "", budget_layout.no_line(lang), None, *CLEAN)
    try:
        return on_action(line.id, ctx.triggered_id, (amount, thresholds, large, new_merchant), lang)
    except NotFound:  # the line went away between the two reads
        return (no_update,) * 5 + (budget_layout.no_line(lang, "danger"),) + (no_update,) * 7


def on_action(line_id: int, action: object, values: tuple, lang: str) -> tuple:
    if action == "budget-save":
        return save(line_id, values, lang)
    if action == "budget-delete":
        removed = budget_service.delete_budget(store(), user_id(), line_id, ip=client_ip())
        return shown(line_id, lang, budget_layout.removed(removed, lang))
    return shown(line_id, lang)


def shown(line_id: int, lang: str, notice=None) -> tuple:
    """The form as stored (or the defaults), its limit help and this month's usage; `notice` above it."""
    state = budget_service.budget_of(store(), settings(), user_id(), line_id)
    budget, help_ = state.budget, help_text(state.limit_total, lang)
    card = budget_layout.usage_card(state.month, state.used, budget["amount"] if budget else None, lang)
    if budget is None:
        defaults = budget_layout.thresholds_text(budget_service.default_thresholds(settings()))
        return (None, defaults, None, False, help_, notice or budget_layout.no_budget(lang), card, *CLEAN)
    return (budget["amount"], budget_layout.thresholds_text(budget["thresholds"]), budget["large_charge"],
            budget["notify_new_merchant"], help_, notice, card, *CLEAN)


def save(line_id: int, values: tuple, lang: str) -> tuple:
    amount, thresholds, large, new_merchant = values
    try:
        budget_service.set_budget(store(), settings(), user_id(), line_id, amount=amount, thresholds=thresholds or "",
                                  large_charge=large, notify_new_merchant=new_merchant, ip=client_ip())
    except budget_service.BudgetRefused as refused:
        return refusal(refused, lang)
    return shown(line_id, lang, budget_layout.saved(lang))


def refusal(refused: budget_service.BudgetRefused, lang: str) -> tuple:
    """Nothing changes in the form; every problem shows above it and next to its field."""
    texts = [(field_of(p.key), t(p.key, lang, **p.values)) for p in refused.problems]
    by_field = {name: [text for field, text in texts if field == name] for name in FIELDS}
    return (no_update, no_update, no_update, no_update, help_text(refused.limit_total, lang),
            budget_layout.problems([text for _, text in texts]), no_update,
            *(bool(by_field[name]) for name in FIELDS), *(" ".join(by_field[name]) for name in FIELDS))


def register(app: Dash) -> None:
    app.callback(
        *(Output(i, "value") for i in FORM_INPUTS),
        Output("budget-amount-help", "children"),
        Output("budget-feedback", "children"),
        Output("budget-usage", "children"),
        *(Output(f"budget-{name}", "invalid") for name in FIELDS),
        *(Output(f"budget-{name}-error", "children") for name in FIELDS),
        Input("line-picker", "value"),
        Input("budget-save", "n_clicks"),
        Input("budget-delete", "n_clicks"),
        *(State(i, "value") for i in FORM_INPUTS),
        State("prefs", "data"),
    )(budget_form)

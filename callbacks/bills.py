"""/bills: the selected line's bills, the non-payment notice, paying by card or virtual account.

The pay form gets a fresh Idempotency-Key (a UUID kept in the browser's `pay-key` store) each time it
opens: a double click sends the same key twice and the second request replays the first answer instead
of paying again. After a declined card the key is replaced, so the next try is a new attempt.
The bills come from dashboard.services.bills and payments go through dashboard.services.payments, the
same path (and rules) as the REST API.
"""

from __future__ import annotations

import uuid

from dash import ALL, Dash, Input, Output, State, ctx, no_update

from callbacks import Page
from callbacks.common import prefs_of, user_id
from dashboard.context import settings, store
from dashboard.services import bills as bills_service
from dashboard.services.payments import Refused, Target, confirm, submit
from dashboard.web.auth import client_ip
from layouts import bills as layout
from layouts.components import no_line
from layouts.shell import line_label

PAGE = Page("/bills", "nav.bills", layout.page, order=30)


def _clicked() -> bool:
    # Pattern-matched buttons also "fire" when the list re-renders (n_clicks None): not a click.
    return bool(ctx.triggered and ctx.triggered[0].get("value"))


def render(line_id, prefs, _refresh):
    lang, _ = prefs_of(prefs)
    page = bills_service.bills_page(store(), settings(), user_id(), line_id)
    if page is None:
        return no_line(lang), None, {}, None
    return (layout.bill_list(page.bills, settings().late_fee_rate, lang),
            layout.arrears_alert(page.line.status, page.overdue_total, lang), page.amounts(),
            {"value": page.line.id, "label": line_label(page.line, lang)})


def relabel(current, options):
    """Month close or a payment can restrict or free the line: its picker label follows (no DB)."""
    if not current or not options:
        return no_update
    updated = [{**o, "label": current["label"]} if o.get("value") == current["value"] else o for o in options]
    return updated if updated != options else no_update


def open_form(_clicks, amounts, prefs):
    if not _clicked():
        return (no_update,) * 7
    lang, _ = prefs_of(prefs)
    index = ctx.triggered_id["index"]
    shown = (amounts or {}).get(str(index), {"total": 0, "overdue": False})  # display only
    target = {"kind": "overdue" if index == "overdue" else "bill", "bill": index, "overdue": shown["overdue"]}
    title, summary = layout.pay_heading(index == "overdue", shown["total"], lang)
    return True, target, uuid.uuid4().hex, title, summary, None, False


def close_form(_n):
    return False


def card_fields(method):
    return "mb-3" if method == "card" else "d-none"


def pay(_n, target, key, method, card, password, line_id, refresh, prefs):
    lang, _ = prefs_of(prefs)
    if not target:
        return (no_update,) * 6
    try:
        outcome = submit(store(), settings(), user_id(), _target(target, line_id), key=key, method=method,
                         card_number=card, password=password, lang=lang, ip=client_ip())
    except Refused as refused:
        # Nothing was stored under the key: the same key may be sent again. The password is cleared.
        return layout.pay_result("error", refused.message), no_update, False, no_update, "", no_update
    kind, answer = layout.payment_answer(outcome.body, bool(target.get("overdue")), lang)
    new_key = uuid.uuid4().hex if kind == "declined" else no_update  # a declined card: the next try is new
    return answer, new_key, kind != "declined", (refresh or 0) + 1, "", ""


def confirm_deposit(_clicks, refresh, prefs):
    if not _clicked():
        return no_update, no_update
    lang, _ = prefs_of(prefs)
    try:
        outcome = confirm(store(), settings(), user_id(), _as_id(ctx.triggered_id["index"]), lang, client_ip())
    except Refused as refused:
        return layout.pay_result("error", refused.message), (refresh or 0) + 1
    return layout.deposit_confirmed(outcome.body, lang), (refresh or 0) + 1


def _target(target: dict, line_id: object) -> Target:
    """Browser data is untrusted: ids are coerced (junk → -1, nobody's) and ownership is checked downstream."""
    if target.get("kind") == "overdue":
        return Target("overdue", _as_id(line_id))
    return Target("bill", _as_id(target.get("bill")))


def _as_id(value: object) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return -1


def register(app: Dash) -> None:
    app.callback(
        Output("bills-list", "children"),
        Output("bills-alert", "children"),
        Output("bills-amounts", "data"),
        Output("bills-line-label", "data"),
        Input("line-picker", "value"),
        Input("prefs", "data"),
        Input("bills-refresh", "data"),
    )(render)
    app.callback(
        Output("line-picker", "options", allow_duplicate=True),
        Input("bills-line-label", "data"),
        State("line-picker", "options"),
        prevent_initial_call=True,
    )(relabel)
    app.callback(
        Output("pay-modal", "is_open"),
        Output("pay-target", "data"),
        Output("pay-key", "data"),
        Output("pay-title", "children"),
        Output("pay-summary", "children"),
        Output("pay-result", "children"),
        Output("pay-submit", "disabled"),
        Input({"type": "bill-pay", "index": ALL}, "n_clicks"),
        State("bills-amounts", "data"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )(open_form)
    app.callback(Output("pay-modal", "is_open", allow_duplicate=True), Input("pay-close", "n_clicks"),
                 prevent_initial_call=True)(close_form)
    app.callback(Output("pay-card-group", "className"), Input("pay-method", "value"))(card_fields)
    app.callback(
        Output("pay-result", "children", allow_duplicate=True),
        Output("pay-key", "data", allow_duplicate=True),
        Output("pay-submit", "disabled", allow_duplicate=True),
        Output("bills-refresh", "data"),
        Output("pay-password", "value"),
        Output("pay-card", "value"),
        Input("pay-submit", "n_clicks"),
        State("pay-target", "data"),
        State("pay-key", "data"),
        State("pay-method", "value"),
        State("pay-card", "value"),
        State("pay-password", "value"),
        State("line-picker", "value"),
        State("bills-refresh", "data"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )(pay)
    app.callback(
        Output("bills-notice", "children"),
        Output("bills-refresh", "data", allow_duplicate=True),
        Input({"type": "deposit-confirm", "index": ALL}, "n_clicks"),
        State("bills-refresh", "data"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )(confirm_deposit)

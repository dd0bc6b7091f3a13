"""/bills: the selected line's bills, the non-payment notice, paying by card or virtual account.

The pay form gets a fresh Idempotency-Key (a UUID kept in the browser's `pay-key` store) each time it
opens: a double click sends the same key twice and the second request replays the first answer instead
of paying again. After a declined card the key is replaced, so the next try is a new attempt.
Payments go through dashboard.services.payments, the same path (and rules) as the REST API.
"""

from __future__ import annotations

import uuid

from dash import ALL, Dash, Input, Output, State, ctx, html, no_update

from callbacks import Page
from callbacks.common import line_for_user, prefs_of, user_id
from callbacks.shell import line_label
from dashboard.context import settings, store
from dashboard.services.payments import Refused, bills_for, confirm, submit
from dashboard.text.formatting import won
from dashboard.text.i18n import t
from dashboard.web.auth import client_ip
from data.models import Bill
from data.payments import Outcome, Target, pending_deposits
from layouts import bills as layout

PAGE = Page("/bills", "nav.bills", layout.page, order=30)


def bill_view(bill: Bill, carried_into_month: str | None, deposit: dict | None) -> dict:
    return {"id": bill.id, "usage_month": bill.usage_month, "micropayment_amount": bill.micropayment_amount,
            "content_amount": bill.content_amount, "carried_over": bill.carried_over, "late_fee": bill.late_fee,
            "total": bill.total, "due_date": bill.due_date, "status": bill.status, "paid_at": bill.paid_at,
            "carried_into_month": carried_into_month, "deposit": deposit}


def bill_views(bills: list[Bill]) -> list[dict]:
    months = {b.carried_from_id: b.usage_month for b in bills if b.carried_from_id}
    with store().read() as db:
        deposits = pending_deposits(db, [b.id for b in bills])
    return [bill_view(b, months.get(b.id), _deposit(deposits.get(b.id))) for b in bills]


def _deposit(payment) -> dict | None:
    if payment is None:
        return None
    return {"payment_id": payment.id, "bank": payment.va_bank, "account": payment.va_account,
            "amount": payment.amount}


def _clicked() -> bool:
    # Pattern-matched buttons also "fire" when the list re-renders (n_clicks None): not a click.
    return bool(ctx.triggered and ctx.triggered[0].get("value"))


def outcome_message(outcome: Outcome, was_overdue: bool, lang: str) -> tuple[str, str]:
    """(kind, Korean/English text) for a payment answer (single bill or pay-overdue)."""
    body = outcome.body
    status = body["status"]
    first = body.get("payments", [body])[0]
    if status == "succeeded":
        text = t("pay.succeeded", lang, amount=won(body["amount"]), last4=first.get("card_last4", "-"))
        if was_overdue and body.get("line_status") == "active":
            text += " " + t("pay.lifted", lang)
        return status, text
    if status == "pending":
        account = first["virtual_account"]
        return status, t("pay.pending", lang, amount=won(body["amount"]), bank=account["bank"],
                         account=account["account"])
    reason = first.get("decline_reason", "card_declined")
    return status, t("pay.declined", lang, reason=t(f"pay.decline.{reason}", lang))


def register(app: Dash) -> None:
    @app.callback(
        Output("bills-list", "children"),
        Output("bills-alert", "children"),
        Output("bills-amounts", "data"),
        Output("bills-line-label", "data"),
        Input("line-picker", "value"),
        Input("prefs", "data"),
        Input("bills-refresh", "data"),
    )
    def render(line_id, prefs, _refresh):
        lang, _ = prefs_of(prefs)
        line = line_for_user(line_id)
        if line is None:
            return html.P(t("line.none", lang), className="text-body-secondary"), None, {}, None
        views = bill_views(bills_for(line.id))
        line = line_for_user(line.id) or line  # closing a month may just have restricted it
        overdue_total = sum(v["total"] for v in views if v["status"] == "overdue")
        amounts = {str(v["id"]): {"total": v["total"], "overdue": v["status"] == "overdue"} for v in views}
        amounts["overdue"] = {"total": overdue_total, "overdue": True}
        fee = f"{settings().late_fee_rate * 100:g}"
        alert = layout.arrears_alert(line.status, overdue_total, lang)
        label = {"value": line.id, "label": line_label(line, lang)}
        return layout.bill_list(views, fee, lang), alert, amounts, label

    @app.callback(
        Output("line-picker", "options", allow_duplicate=True),
        Input("bills-line-label", "data"),
        State("line-picker", "options"),
        prevent_initial_call=True,
    )
    def relabel(current, options):
        """Month close or a payment can restrict or free the line: its picker label follows (no DB)."""
        if not current or not options:
            return no_update
        updated = [{**o, "label": current["label"]} if o.get("value") == current["value"] else o for o in options]
        return updated if updated != options else no_update

    @app.callback(
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
    )
    def open_form(_clicks, amounts, prefs):
        if not _clicked():
            return (no_update,) * 7
        lang, _ = prefs_of(prefs)
        index = ctx.triggered_id["index"]
        shown = (amounts or {}).get(str(index), {"total": 0, "overdue": False})  # display only
        title = t("pay.title_overdue" if index == "overdue" else "pay.title", lang)
        target = {"kind": "overdue" if index == "overdue" else "bill", "bill": index, "overdue": shown["overdue"]}
        summary = t("pay.amount", lang, amount=won(shown["total"]))
        return True, target, uuid.uuid4().hex, title, summary, None, False

    @app.callback(
        Output("pay-modal", "is_open", allow_duplicate=True),
        Input("pay-close", "n_clicks"),
        prevent_initial_call=True,
    )
    def close_form(_n):
        return False

    @app.callback(Output("pay-card-group", "className"), Input("pay-method", "value"))
    def card_fields(method):
        return "mb-3" if method == "card" else "d-none"

    @app.callback(
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
    )
    def pay(_n, target, key, method, card, password, line_id, refresh, prefs):
        lang, _ = prefs_of(prefs)
        if not target:
            return (no_update,) * 6
        try:
            outcome = submit(user_id(), _target(target, line_id), key=key, method=method, card_number=card,
                             password=password, lang=lang, ip=client_ip())
        except Refused as refused:
            # Nothing was stored under the key: the same key may be sent again. The password is cleared.
            return layout.pay_result("error", refused.message), no_update, False, no_update, "", no_update
        kind, text = outcome_message(outcome, bool(target.get("overdue")), lang)
        new_key = uuid.uuid4().hex if kind == "declined" else no_update
        done = kind != "declined"
        return layout.pay_result(kind, text), new_key, done, (refresh or 0) + 1, "", ""

    @app.callback(
        Output("bills-notice", "children"),
        Output("bills-refresh", "data", allow_duplicate=True),
        Input({"type": "deposit-confirm", "index": ALL}, "n_clicks"),
        State("bills-refresh", "data"),
        State("prefs", "data"),
        prevent_initial_call=True,
    )
    def confirm_deposit(_clicks, refresh, prefs):
        if not _clicked():
            return no_update, no_update
        lang, _ = prefs_of(prefs)
        try:
            outcome = confirm(user_id(), _as_id(ctx.triggered_id["index"]), lang, client_ip())
        except Refused as refused:
            return layout.pay_result("error", refused.message), (refresh or 0) + 1
        message = t("pay.confirmed", lang, amount=won(outcome.body["amount"]))
        return layout.pay_result("succeeded", message), (refresh or 0) + 1


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

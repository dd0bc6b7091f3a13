"""Bills page: the selected line's bills as cards, the restriction notice, and the pay form (a modal).

Pure: everything arrives as plain data (see `dashboard.services.bills.bill_view` for a bill's keys).
"""

from __future__ import annotations

from datetime import date, datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.text.formatting import won
from dashboard.text.i18n import t
from data.vocab import to_kst

STATUS_COLORS = {"open": "primary", "paid": "success", "overdue": "danger", "carried": "secondary"}


def page(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("bills.title", lang), className="h4 mb-3"),
            html.Div(id="bills-alert"),
            html.Div(id="bills-notice"),
            html.Div(id="bills-list"),
            dcc.Store(id="bills-refresh", data=0),
            dcc.Store(id="bills-amounts"),
            dcc.Store(id="bills-line-label"),
            dcc.Store(id="pay-target"),
            dcc.Store(id="pay-key"),
            pay_modal(lang),
        ]
    )


def day(value: date | datetime | None) -> str:
    if value is None:
        return "-"
    return f"{(to_kst(value).date() if isinstance(value, datetime) else value):%Y.%m.%d}"


def month_label(month: str, lang: str) -> str:
    year, mon = (int(part) for part in month.split("-"))
    return t("bills.month", lang, year=year, month=mon)


def status_badge(status: str, lang: str) -> dbc.Badge:
    return dbc.Badge(t(f"bills.status.{status}", lang), color=STATUS_COLORS.get(status, "secondary"),
                     className="bill-status ms-auto", pill=True)


def _amount_row(label: str, amount: int, strong: bool = False) -> html.Div:
    return html.Div(
        [html.Span(label, className="text-body-secondary" if not strong else "fw-semibold"),
         html.Span(won(amount), className="ms-auto amount" + (" fs-5 fw-bold" if strong else ""))],
        className="d-flex align-items-baseline py-1" + (" border-top mt-1 pt-2" if strong else ""),
    )


def bill_card(bill: dict, lang: str) -> dbc.Card:
    rows = [_amount_row(t("bucket.micropayment", lang), bill["micropayment_amount"]),
            _amount_row(t("bucket.content", lang), bill["content_amount"])]
    if bill["carried_over"]:
        rows.append(_amount_row(t("bills.carried_over", lang), bill["carried_over"]))
    if bill["late_fee"]:
        rows.append(html.Div(_amount_row(t("bills.late_fee", lang), bill["late_fee"]), className="bill-late-fee"))
    rows.append(_amount_row(t("bills.total", lang), bill["total"], strong=True))
    return dbc.Card(
        dbc.CardBody([
            html.Div([html.H2(month_label(bill["usage_month"], lang), className="h6 mb-0"),
                      status_badge(bill["status"], lang)], className="d-flex align-items-center mb-2"),
            *rows,
            html.Div(_footer(bill, lang), className="small mt-2"),
        ]),
        className="mb-3 shadow-sm bill-card" + (" border-danger" if bill["status"] == "overdue" else ""),
        id=f"bill-{bill['id']}",
    )


def _footer(bill: dict, lang: str) -> list:
    status = bill["status"]
    parts: list = []
    if status == "paid":
        parts.append(html.Div(t("bills.paid_on", lang, date=day(bill["paid_at"])), className="text-success"))
    elif status == "carried":
        parts.append(html.Div(t("bills.carried_note", lang, amount=won(bill["total"]),
                                month=month_label(bill["carried_into_month"] or bill["usage_month"], lang)),
                              className="text-body-secondary"))
    else:
        parts.append(html.Div(t("bills.due", lang, date=day(bill["due_date"])),
                              className="text-danger fw-semibold" if status == "overdue" else "text-body-secondary"))
    deposit = bill.get("deposit")
    if deposit:
        parts.append(html.Div(
            [html.Span(t("bills.deposit_waiting", lang, bank=deposit["bank"], account=deposit["account"],
                         amount=won(deposit["amount"])), className="me-2"),
             dbc.Button(t("bills.confirm_deposit", lang), size="sm", color="secondary", outline=True,
                        id={"type": "deposit-confirm", "index": deposit["payment_id"]})],
            className="mt-2 d-flex flex-wrap align-items-center gap-1 deposit-waiting"))
    if status in ("open", "overdue"):
        parts.append(dbc.Button(t("bills.pay", lang), id={"type": "bill-pay", "index": bill["id"]},
                                color="danger" if status == "overdue" else "primary", size="sm",
                                className="mt-2 bill-pay"))
    return parts


def bill_list(bills: list[dict], late_fee_rate: float, lang: str) -> html.Div:
    if not bills:
        return html.P(t("bills.none", lang), className="text-body-secondary")
    cards = [dbc.Col(bill_card(bill, lang), md=6, xl=4) for bill in bills]
    return html.Div([dbc.Row(cards), html.P(t("bills.fee_rule", lang, rate=f"{late_fee_rate * 100:g}"),
                                            className="small text-body-secondary")])


def arrears_alert(line_status: str, overdue_total: int, lang: str) -> dbc.Alert | None:
    """The restriction notice with a "pay everything overdue" button; None without arrears."""
    if not overdue_total:
        return None
    key = "bills.blocked_overdue" if line_status == "blocked" else "bills.restricted"
    return dbc.Alert(
        [html.Div(t(key, lang, amount=won(overdue_total)), className="mb-2"),
         dbc.Button(t("bills.pay_overdue", lang, amount=won(overdue_total)),
                    id={"type": "bill-pay", "index": "overdue"}, color="danger", size="sm")],
        color="danger", className="restriction-alert", id="restriction-alert",
    )


def pay_modal(lang: str) -> dbc.Modal:
    methods = [{"label": t("pay.card", lang), "value": "card"},
               {"label": t("pay.virtual_account", lang), "value": "virtual_account"}]
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle(t("pay.title", lang), id="pay-title")),
            dbc.ModalBody([
                html.P(id="pay-summary", className="fw-semibold"),
                dbc.Label(t("pay.method", lang), html_for="pay-method"),
                dbc.RadioItems(id="pay-method", options=methods, value="card", inline=True, className="mb-3"),
                html.Div([
                    dbc.Label(t("pay.card_number", lang), html_for="pay-card"),
                    dbc.Input(id="pay-card", type="text", inputMode="numeric", autoComplete="cc-number",
                              placeholder="0000 0000 0000 0000", maxLength=23),
                    dbc.FormText(t("pay.card_help", lang)),
                ], id="pay-card-group", className="mb-3"),
                dbc.Label(t("pay.password", lang), html_for="pay-password"),
                dbc.Input(id="pay-password", type="password", autoComplete="current-password"),
                dbc.FormText(t("pay.password_help", lang)),
                html.Div(id="pay-result", className="mt-3", role="status", **{"aria-live": "polite"}),
            ]),
            dbc.ModalFooter([
                dbc.Button(t("pay.close", lang), id="pay-close", color="secondary", outline=True),
                dbc.Button(t("pay.submit", lang), id="pay-submit", color="primary"),
            ]),
        ],
        id="pay-modal", is_open=False, centered=True, fullscreen="sm-down",
    )


def pay_result(kind: str, message: str) -> dbc.Alert:
    colors = {"succeeded": "success", "pending": "info", "declined": "warning", "error": "danger"}
    return dbc.Alert(message, color=colors.get(kind, "secondary"), className="mb-0 pay-result", id="pay-message")


def pay_heading(overdue: bool, amount: int, lang: str) -> tuple[str, str]:
    """(the form's title, "납부 금액 …") for one bill or for everything overdue."""
    return t("pay.title_overdue" if overdue else "pay.title", lang), t("pay.amount", lang, amount=won(amount))


def outcome_message(body: dict, was_overdue: bool, lang: str) -> tuple[str, str]:
    """(kind, text) for a payment answer's body (single bill or pay-overdue)."""
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


def payment_answer(body: dict, was_overdue: bool, lang: str) -> tuple[str, dbc.Alert]:
    """(kind, the alert in the pay form) for a payment answer."""
    kind, text = outcome_message(body, was_overdue, lang)
    return kind, pay_result(kind, text)


def deposit_confirmed(body: dict, lang: str) -> dbc.Alert:
    return pay_result("succeeded", t("pay.confirmed", lang, amount=won(body["amount"])))

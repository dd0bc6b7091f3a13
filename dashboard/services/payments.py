"""Paying bills, shared by the REST API and the /bills page so both follow exactly the same rules.

Order of checks: Idempotency-Key (400) → method and card number (422) → password (403, 429 when
throttled; dashboard.web.reauth) → ownership (404) → replay / key reuse (422) / already paid (409) → pay.
"""

from __future__ import annotations

from dashboard.context import settings, store
from dashboard.sim.card_gateway import InvalidCard, SimulatedCardGateway, card_digits
from dashboard.sim.virtual_account import SimulatedAccountIssuer
from dashboard.text.i18n import t
from dashboard.web.reauth import FAILURES, Reauth, verify_password
from data import payments
from data.billing import refresh_bills
from data.models import Bill, utcnow
from data.payments import METHODS, Outcome, PaymentRefused, PayRequest, Processors, Target


class Refused(Exception):
    """A refusal as the user sees it: HTTP status, a stable error code and a translated message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict:
        return {"error": self.code, "message": self.message}


def processors() -> Processors:
    return Processors(SimulatedCardGateway(), SimulatedAccountIssuer(), settings().secret_key)


def bills_for(line_id: int) -> list[Bill]:
    """The line's bills, closing ended months first (the caller has checked ownership)."""
    return refresh_bills(store(), line_id, utcnow(), settings())


def submit(user_id: int, target: Target, *, key: str | None, method: str, card_number: str | None,
           password: str | None, lang: str, ip: str | None = None) -> Outcome:
    """Pay a bill or a line's overdue bills. Raises Refused."""
    if not payments.valid_key(key):
        raise Refused(400, "idempotency_key", t("pay.error.idempotency_key", lang))
    if method not in METHODS:
        raise Refused(422, "method", t("pay.error.method", lang))
    card = _card(card_number, lang) if method == "card" else None
    verdict = verify_password(user_id, password)
    if verdict is not Reauth.OK:
        message_key, status = FAILURES[verdict]
        raise Refused(status, f"password_{verdict.value}", t(message_key, lang))
    request = PayRequest(user_id=user_id, idempotency_key=key or "", method=method, card_number=card, ip=ip)
    try:
        return payments.pay(store(), request, target, processors(), settings())
    except PaymentRefused as exc:
        raise _translated(exc, lang) from None


def confirm(user_id: int, payment_id: int, lang: str, ip: str | None = None) -> Outcome:
    try:
        return payments.confirm_deposit(store(), user_id, payment_id, settings(), ip=ip)
    except PaymentRefused as exc:
        raise _translated(exc, lang) from None


def _card(card_number: str | None, lang: str) -> str:
    try:
        return card_digits(card_number)
    except InvalidCard:
        raise Refused(422, "invalid_card", t("pay.error.invalid_card", lang)) from None


def _translated(exc: PaymentRefused, lang: str) -> Refused:
    return Refused(exc.status, exc.code, t(f"pay.error.{exc.code}", lang, **exc.values))

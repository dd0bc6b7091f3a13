"""Paying bills, shared by the REST API and the /bills page so both follow exactly the same rules.

    submit(store, settings, user_id, target, *, key, method, card_number, password, lang, ip=None) -> Outcome
    confirm(store, settings, user_id, payment_id, lang, ip=None) -> Outcome

Order of checks: Idempotency-Key (400) → method and card number (422) → password (403, 429 when
throttled; dashboard.web.reauth) → ownership (404) → replay / key reuse (422) / already paid (409) → pay.
"""

from __future__ import annotations

from dashboard.services.access import line_if_allowed
from dashboard.settings import Settings
from dashboard.sim.card_gateway import InvalidCard, SimulatedCardGateway, card_digits
from dashboard.sim.virtual_account import SimulatedAccountIssuer
from dashboard.text.i18n import t
from dashboard.web.reauth import FAILURES, Reauth, verify_password
from data import payments
from data.access import Permission, line_of_bill, line_of_payment
from data.db import Store
from data.payments import KEY_PATTERN as KEY_PATTERN  # re-exported: the API documents the header's pattern
from data.payments import METHODS as METHODS  # re-exported: the API's schema offers them
from data.payments import Outcome as Outcome  # re-exported: what submit/confirm answer
from data.payments import PaymentRefused, PayRequest, Processors
from data.payments import Target as Target  # re-exported: what to pay (a bill, or a line's overdue bills)
from data.payments import valid_key as valid_key  # re-exported: the API checks the header first


class Refused(Exception):
    """A refusal as the user sees it: HTTP status, a stable error code and a translated message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict:
        return {"error": self.code, "message": self.message}


def processors(settings: Settings) -> Processors:
    return Processors(SimulatedCardGateway(), SimulatedAccountIssuer(), settings.secret_key)


def submit(store: Store, settings: Settings, user_id: int, target: Target, *, key: str | None, method: str,
           card_number: str | None, password: str | None, lang: str, ip: str | None = None) -> Outcome:
    """Pay a bill or a line's overdue bills. Raises Refused."""
    if not valid_key(key):
        raise Refused(400, "idempotency_key", t("pay.error.idempotency_key", lang))
    if method not in METHODS:
        raise Refused(422, "method", t("pay.error.method", lang))
    card = _card(card_number, lang) if method == "card" else None
    verdict = verify_password(user_id, password)
    if verdict is not Reauth.OK:
        message_key, status = FAILURES[verdict]
        raise Refused(status, f"password_{verdict.value}", t(message_key, lang))
    with store.read() as db:  # a member may see the bill, not pay it (the owner's money): 403, not 404
        line_if_allowed(db, user_id, line_of_bill(db, target.id) if target.kind == "bill" else target.id,
                        Permission.MANAGE)
    request = PayRequest(user_id=user_id, idempotency_key=key or "", method=method, card_number=card, ip=ip)
    try:
        return payments.pay(store, request, target, processors(settings), settings)
    except PaymentRefused as exc:
        raise _translated(exc, lang) from None


def confirm(store: Store, settings: Settings, user_id: int, payment_id: int, lang: str,
            ip: str | None = None) -> Outcome:
    """The deposit into a virtual account arrived (the simulated bank's notice). Raises Refused."""
    with store.read() as db:  # a member sees the bill, the owner's money is the owner's: 403, not 404
        line_if_allowed(db, user_id, line_of_payment(db, payment_id), Permission.MANAGE)
    try:
        return payments.confirm_deposit(store, user_id, payment_id, settings, ip=ip)
    except PaymentRefused as exc:
        raise _translated(exc, lang) from None


def _card(card_number: str | None, lang: str) -> str:
    try:
        return card_digits(card_number)
    except InvalidCard:
        raise Refused(422, "invalid_card", t("pay.error.invalid_card", lang)) from None


def _translated(exc: PaymentRefused, lang: str) -> Refused:
    return Refused(exc.status, exc.code, t(f"pay.error.{exc.code}", lang, **exc.values))

"""A simulated card gateway (no network, no real money): Luhn-checked numbers and fixed test cards.

Test numbers (also in docs/billing.md):

| number              | brand      | result                         |
|---------------------|------------|--------------------------------|
| 4111 1111 1111 1111 | Visa       | approved                       |
| 5555 5555 5555 4444 | Mastercard | approved                       |
| 4000 0000 0000 0002 | Visa       | declined: `card_declined`      |
| 4000 0000 0000 9995 | Visa       | declined: `insufficient_funds` |

Any other Luhn-valid number of 12–19 digits is approved. Spaces and dashes are ignored. A number that
fails the Luhn check is refused before any charge (`InvalidCard`; the API answers 422).
Only the last 4 digits ever leave this module.
"""

from __future__ import annotations

import re

from data.payments import CardCharge

DECLINING = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
}
_SEPARATORS = re.compile(r"[\s-]+")


class InvalidCard(ValueError):
    """Not a card number (wrong characters, length or Luhn check digit). Never carries the number."""


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_digits(raw: str | None) -> str:
    """The card number's digits, or InvalidCard."""
    digits = _SEPARATORS.sub("", raw or "")
    if not (digits.isascii() and digits.isdigit() and 12 <= len(digits) <= 19 and luhn_valid(digits)):
        raise InvalidCard("invalid card number")
    return digits


class SimulatedCardGateway:
    """Implements data.payments.CardGateway."""

    def charge(self, card_number: str, amount: int) -> CardCharge:
        digits = card_digits(card_number)
        reason = DECLINING.get(digits)
        return CardCharge(approved=reason is None, last4=digits[-4:], reason=reason)

"""Simulated virtual accounts (가상계좌): a fresh deposit account per payment, for its exact amount.

Real ones come from a PG or bank; the deposit notice arrives as a webhook. Here the owner confirms the
deposit through `POST /api/v1/payments/<id>/confirm-deposit` (or the 입금 확인 button on /bills).
An account stays valid while the bill's total is unchanged: a late fee, a carry-over or another
payment expires it (data.billing.expire_deposit_accounts).
"""

from __future__ import annotations

import secrets

# Banks that issue virtual accounts for PGs (display names, ≤ 20 characters for Payment.va_bank).
BANKS = ("KB국민은행", "신한은행", "우리은행", "하나은행", "NH농협은행", "IBK기업은행")


def account_number() -> str:
    """14 random digits shown as 3-6-5, the common virtual-account layout."""
    digits = "".join(secrets.choice("0123456789") for _ in range(14))
    return f"{digits[:3]}-{digits[3:9]}-{digits[9:]}"


class SimulatedAccountIssuer:
    """Implements data.payments.AccountIssuer."""

    def issue(self, amount: int) -> tuple[str, str]:
        return secrets.choice(BANKS), account_number()

"""Display formats shared by pages, figures, mail and the API."""

from __future__ import annotations

import re


def won(amount: int | float | None) -> str:
    """12300 → '12,300원' (no decimals; KRW has none)."""
    if amount is None:
        return "-"
    return f"{round(amount):,}원"


def percent(part: float, whole: float) -> str:
    if not whole:
        return "-"
    return f"{part / whole * 100:.0f}%"


_DIGITS = re.compile(r"\D")


def mask_number(number: str) -> str:
    """'010-1234-5678' or '01012345678' → '010-****-5678'. Raises ValueError for a non-mobile number."""
    digits = _DIGITS.sub("", number)
    if not re.fullmatch(r"01[016789]\d{7,8}", digits):
        raise ValueError("휴대폰 번호 형식이 아닙니다 (예: 010-1234-5678)")
    return f"{digits[:3]}-****-{digits[-4:]}"

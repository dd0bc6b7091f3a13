"""Limit rules (shared/DOMAIN.md), pure: no database, no Flask. Values come from `Settings`.

- A limit is a whole number of `limit_step` (1만원) steps in [0, legal_max].
- Minors are capped at `minor_cap`; lines in arrears (restricted, or an overdue bill) at `arrears_cap`.
- A bucket without a stored limit is treated as `legal_max`: the carrier's cap is the only bound the
  user has not narrowed (documented in docs/architecture.md terms: "no row = the legal maximum").
- Raising needs the user's consent (정보통신망법 58조⑤) → password re-entry; lowering never does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class LimitSettings(Protocol):
    legal_max: int
    limit_step: int
    minor_cap: int
    arrears_cap: int


@dataclass(frozen=True)
class LimitProblem:
    """Why an amount is refused: a message key (messages/actions.py) and its values."""

    key: str
    values: dict[str, int]


def cap_for(rules: LimitSettings, *, is_minor: bool, in_arrears: bool) -> int:
    """The highest limit this line may have right now."""
    cap = rules.legal_max
    if is_minor:
        cap = min(cap, rules.minor_cap)
    if in_arrears:
        cap = min(cap, rules.arrears_cap)
    return cap


def effective_limit(stored: int | None, rules: LimitSettings, *, is_minor: bool, in_arrears: bool = False) -> int:
    """The limit authorizations enforce: the stored one (missing → legal max), never above the cap.

    The cap also applies to limits stored before it did (a line flagged minor later, old imports).
    """
    base = rules.legal_max if stored is None else stored
    return min(base, cap_for(rules, is_minor=is_minor, in_arrears=in_arrears))


def check_amount(amount: int, rules: LimitSettings, *, cap: int) -> LimitProblem | None:
    """None when `amount` is a valid limit for a line whose cap is `cap`."""
    if amount < 0:
        return LimitProblem("limits.negative", {})
    if amount % rules.limit_step:
        return LimitProblem("limits.not_step", {"step": rules.limit_step})
    if amount > rules.legal_max:
        return LimitProblem("limits.over_legal", {"cap": rules.legal_max})
    if amount > cap:
        return LimitProblem("limits.over_cap", {"cap": cap})
    return None


def is_raise(current_effective: int, new_amount: int) -> bool:
    """Only an increase over what is enforced today needs consent."""
    return new_amount > current_effective


def step_choices(rules: LimitSettings, cap: int) -> list[int]:
    """Every allowed amount up to `cap`, for the UI's picker."""
    return list(range(0, cap + 1, rules.limit_step))

"""The limit advisor (issue #15): a suggested monthly limit per bucket from the line's own history. Pure.

    advise(history, *, current, cap, step, this_month=None) -> Advice

The rule (docs/limits.md):
- Look at the last HISTORY_MONTHS complete KST usage months that the line has history for (months before its
  first row are "no history", not zero). Fewer than MIN_MONTHS → no suggestion, and say so.
- The basis is the PERCENTILE (90th, linear interpolation like numpy's default) of those months' net usage.
  When this month's usage so far is already more, the month is not a usual one: lowering to just above it
  would stop the line within days, so the advice is to keep the limit (or raise it, when the limit is below
  what the month has already needed) and to look again after the month.
- The suggestion is the basis rounded UP to the limit step, at least one step, never above the line's cap.
  Below the limit in force → "lower" (applies at once); above → "raise" (needs the password); equal → "keep".
- Gift vouchers (상품권): a month counts when its voucher charges are what took the bucket to NEAR_LIMIT of
  the limit then (with them ≥ 90 %, without them < 90 %). In VOUCHER_MONTHS or more such months the advice
  warns (상품권 현금화 is illegal) and its basis leaves the voucher charges out, so the suggestion is lower
  on purpose.

Every figure is whole won; fractions stay exact (Fraction) so rounding up never lands a step too high.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction

HISTORY_MONTHS = 6
MIN_MONTHS = 3  # with fewer months of history a percentile says little
PERCENTILE = Fraction(9, 10)
NEAR_LIMIT = Fraction(9, 10)  # "near the limit": at least 90 % of it
VOUCHER_MONTHS = 2  # one month may be a gift; two look like a habit
VOUCHER_CATEGORY = "gift_voucher"  # data.vocab.CATEGORIES


@dataclass(frozen=True)
class MonthFigures:
    """One usage month of one bucket: net usage, of it gift vouchers, and the limit in force then."""

    month: str  # "YYYY-MM"
    used: int
    vouchers: int = 0
    limit: int | None = None  # None: unknown (the voucher check skips the month)


@dataclass(frozen=True)
class BucketAdvice:
    """`suggested` is None when there is too little history. `reason_key` (messages/limit_advice.py) is the
    sentence; `basis_key` names what it was measured on; `values` fill both (won amounts, month counts)."""

    bucket: str
    current: int
    suggested: int | None
    direction: str  # "lower" | "raise" | "keep" | "none"
    reason_key: str
    basis_key: str | None = None
    values: dict[str, int] = field(default_factory=dict)
    voucher_months: int = 0

    @property
    def voucher_warning(self) -> bool:
        return self.voucher_months >= VOUCHER_MONTHS


@dataclass(frozen=True)
class Advice:
    rows: tuple[BucketAdvice, ...]
    months: int  # months of history looked at

    @property
    def voucher_months(self) -> int:
        return max((row.voucher_months for row in self.rows if row.voucher_warning), default=0)

    def row(self, bucket: str) -> BucketAdvice | None:
        return next((row for row in self.rows if row.bucket == bucket), None)

    def to_dict(self) -> dict:
        """Plain data for the view (layouts may not import this package)."""
        return {"months": self.months, "voucher_months": self.voucher_months,
                "rows": [{**asdict(row), "voucher_warning": row.voucher_warning} for row in self.rows]}


def percentile(values: Sequence[int], q: Fraction = PERCENTILE) -> Fraction:
    """The q-quantile with linear interpolation between the closest ranks (numpy's default), exactly."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def round_up(amount: Fraction | int, step: int) -> int:
    """Up to the next whole step, at least one step."""
    return max(step, math.ceil(Fraction(amount) / step) * step)


def voucher_driven(month: MonthFigures) -> bool:
    """Vouchers took this month near the limit: with them ≥ NEAR_LIMIT of it, without them below."""
    if month.vouchers <= 0 or not month.limit or month.limit <= 0:
        return False
    near = month.limit * NEAR_LIMIT
    return month.used >= near > month.used - month.vouchers


def advise_bucket(bucket: str, history: Sequence[MonthFigures], *, current: int, cap: int, step: int,
                  this_month: MonthFigures | None = None) -> BucketAdvice:
    """One bucket's advice from its months of history (oldest first, months without history left out)."""
    if len(history) < MIN_MONTHS:
        return BucketAdvice(bucket, current, None, "none", "advice.too_little",
                            values={"months": len(history), "needed": MIN_MONTHS})
    voucher_months = sum(voucher_driven(month) for month in history)
    leave_out_vouchers = voucher_months >= VOUCHER_MONTHS

    def spent(month: MonthFigures) -> int:
        return max(0, month.used - (month.vouchers if leave_out_vouchers else 0))

    basis = percentile([spent(m) for m in history])
    basis_key = "advice.basis.no_vouchers" if leave_out_vouchers else "advice.basis.history"
    unusual = this_month is not None and spent(this_month) > basis
    if unusual:
        basis, basis_key = Fraction(spent(this_month)), "advice.basis.this_month"
    needed = round_up(basis, step)
    suggested = min(needed, cap)
    if unusual and suggested < current:
        suggested = current  # not on an unusual month's figures: see the module's docstring
    direction = "lower" if suggested < current else "raise" if suggested > current else "keep"
    reason_key = ("advice.capped" if needed > cap else "advice.unusual_month" if unusual and direction == "keep"
                  else f"advice.{direction}")
    values = {"basis": math.ceil(basis), "amount": suggested, "current": current, "cap": cap,
              "months": len(history)}
    return BucketAdvice(bucket, current, suggested, direction, reason_key, basis_key, values, voucher_months)


def advise(history: Mapping[str, Sequence[MonthFigures]], *, current: Mapping[str, int], cap: int, step: int,
           this_month: Mapping[str, MonthFigures] | None = None) -> Advice:
    """Per bucket (the order of `history`): `history[bucket]` is the bucket's months with history, oldest first
    (at most HISTORY_MONTHS are used: the latest); `current` the limits in force; `cap` the line's cap."""
    rows = []
    for bucket, months in history.items():
        recent = list(months)[-HISTORY_MONTHS:]
        rows.append(advise_bucket(bucket, recent, current=current[bucket], cap=cap, step=step,
                                  this_month=(this_month or {}).get(bucket)))
    return Advice(tuple(rows), max((len(list(m)[-HISTORY_MONTHS:]) for m in history.values()), default=0))

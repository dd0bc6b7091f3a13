"""The cancellation window: how long a charge can still be cancelled so that it never reaches a bill.

A charge is billed with its usage month, the KST calendar month it was made in. Cancelled within that month it
comes off the bill; cancelled later it is a bank refund, often minus a fee (docs/disputes.md). So the window of
a charge closes when its month ends (the 1st, 00:00 KST). Pure: the clock comes in as `now`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from data.vocab import kst_today, month_start, next_month, usage_month


@dataclass(frozen=True)
class CancelWindow:
    month: str  # the charge's usage month, "YYYY-MM"
    last_day: date  # the last KST day on which cancelling keeps the charge off the bill
    days_left: int  # whole days from today (KST) to last_day: 0 = today is the last day, < 0 = closed

    @property
    def is_open(self) -> bool:
        return self.days_left >= 0

    @property
    def closes_at(self) -> datetime:
        """The instant it closes: the next month's first moment (KST)."""
        return month_start(next_month(self.month))


def cancel_window(occurred_at: datetime, now: datetime) -> CancelWindow:
    """The window of a charge made at `occurred_at` (aware), seen at `now`."""
    month = usage_month(occurred_at)
    last_day = (month_start(next_month(month)) - timedelta(days=1)).date()
    return CancelWindow(month, last_day, (last_day - kst_today(now)).days)


def is_cancellable(status: str, cancels_id: int | None, cancelled: bool) -> bool:
    """An approved payment (not a cancellation entry) that has not been cancelled yet: the only kind of row a
    cancellation can still take off a bill."""
    return status == "approved" and cancels_id is None and not cancelled


def most_urgent(windows: Iterable[CancelWindow]) -> CancelWindow | None:
    """Of several charges' windows, the open one closing first; when all are closed, the latest closed one
    (the charges are then a refund matter); None for none."""
    windows = list(windows)
    still_open = [w for w in windows if w.is_open]
    if still_open:
        return min(still_open, key=lambda w: w.days_left)
    return max(windows, key=lambda w: w.days_left, default=None)

"""The generation context: one seeded random stream and the months it spans."""

from __future__ import annotations

from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import TypeVar

import numpy as np

from data.demo.model import _Item
from data.vocab import (
    KST,
)

_T = TypeVar("_T")


@dataclass
class _Ctx:
    rng: np.random.Generator
    months: list[str]
    days: list[list[date]]  # KST dates per month, the last month cut at `end`
    end: datetime  # KST
    force_limit: bool = False  # make one complete month drain a micropayment limit

    @property
    def n(self) -> int:
        return len(self.months)

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def chance(self, p: float) -> bool:
        return float(self.rng.random()) < p

    def pick(self, options: Sequence[_T], weights: Sequence[float] | None = None) -> _T:
        if weights is None:
            return options[int(self.rng.integers(len(options)))]
        cdf = list(accumulate(weights))
        return options[min(bisect(cdf, float(self.rng.random()) * cdf[-1]), len(options) - 1)]

    def poisson(self, lam: float) -> int:
        return int(self.rng.poisson(max(lam, 0.0)))

    def at(self, day: date, hours: tuple[float, ...]) -> datetime:
        """A random moment on `day`; `hours` is an hour-of-day CDF (see `_hour_cdf`)."""
        hour = min(bisect(hours, float(self.rng.random())), 23)
        minute, second = int(self.rng.integers(60)), int(self.rng.integers(60))
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=KST)

    def random_days(self, month: int, count: int) -> list[date]:
        days = self.days[month]
        if not days or count <= 0:
            return []
        return [days[int(i)] for i in self.rng.integers(len(days), size=count)]

    def active_days(self, month: int, p_weekday: float, p_weekend: float) -> list[date]:
        """Intermittent activity: each day independently, most days nothing."""
        days = self.days[month]
        probs = np.array([p_weekend if d.weekday() >= 5 else p_weekday for d in days])
        return [d for d, hit in zip(days, self.rng.random(len(days)) < probs, strict=True) if hit]

    def regimes(self, sigma: float) -> np.ndarray:
        """Month-to-month intensity: habits drift, so no two months look alike."""
        return self.rng.lognormal(0.0, sigma, self.n)


def _minutes(ctx: _Ctx, lo: float, hi: float) -> timedelta:
    return timedelta(seconds=int(ctx.uniform(lo, hi) * 60))


def _by_price(items: Sequence[_Item], power: float) -> list[float]:
    """Cheap denominations are bought more often than big ones."""
    return [it.price**-power for it in items]


# --------------------------------------------------------------------------- spending patterns



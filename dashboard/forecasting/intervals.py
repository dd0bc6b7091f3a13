"""Prediction interval and limit probability from calibrated residual quantiles (conformal).

The backtest measures residuals z = (actual − centre) / scale, with the `down` scale below the
centre and the `up` scale above it, on the calibration seeds; calibration.py keeps their
quantiles per forecast-day bucket and per class:

* class 0: the centre has room above spent-so-far: the interval is the central 80% (q10–q90);
* class 1: the centre sits on spent-so-far (no further spend is the likeliest outcome, e.g. a
  line that buys nothing most months). The bill cannot fall below what is already spent, so a
  central interval would cover ~90%: the 80% interval is [spent, q80] instead.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from dashboard.forecasting import calibration


class Scaled(Protocol):
    spent: int
    center: float
    down: float
    up: float

    @property
    def elapsed(self) -> float: ...


def bucket(elapsed: float) -> int:
    """Forecast-day bucket of `elapsed` days into the month."""
    edges = calibration.BUCKET_EDGES
    return min(int(np.searchsorted(edges, elapsed, side="right")), len(edges) - 1)


def residual_class(parts: Scaled) -> int:
    return int(parts.center - parts.spent <= calibration.FLOOR_ROOM * parts.up)


def residual(parts: Scaled, actual: float) -> float | None:
    """The calibration residual of one forecast, or None when its scale is zero."""
    gap = actual - parts.center
    scale = parts.down if gap < 0 else parts.up
    return gap / scale if scale > 0 else None


def _grid(parts: Scaled) -> np.ndarray:
    return np.asarray(calibration.QUANTILES[residual_class(parts)][bucket(parts.elapsed)])


def _at(parts: Scaled, level: float) -> float:
    z = float(np.interp(level, calibration.LEVELS, _grid(parts)))
    return parts.center + z * (parts.down if z < 0 else parts.up)


def interval(parts: Scaled) -> tuple[int, int]:
    """(low, high) of the 80% prediction interval, never below spent-so-far."""
    low_level, high_level = calibration.INTERVAL_LEVELS[residual_class(parts)]
    low = _at(parts, low_level) if low_level > 0 else parts.spent
    return max(parts.spent, round(low)), max(parts.spent, round(_at(parts, high_level)))


def p_at_least(parts: Scaled, threshold: float) -> float:
    """P(month total ≥ threshold)."""
    if parts.spent >= threshold:
        return 1.0
    gap = threshold - parts.center
    scale = parts.down if gap < 0 else parts.up
    if scale <= 0:
        return 1.0 if gap <= 0 else 0.0
    # Past the outermost calibrated quantiles we only know the tail is thinner than their level.
    grid = _grid(parts)
    # Ties (an atom at zero: "nothing more") would make the inverse ambiguous: the upper end.
    grid = grid + np.arange(len(grid)) * 1e-9
    level = np.interp(gap / scale, grid, calibration.LEVELS, left=0.0, right=1.0)
    return float(np.clip(1.0 - level, 0.0, 1.0))

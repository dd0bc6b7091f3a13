"""How far a better P(bill ≥ budget) gets on the issue's alert bar (precision and recall ≥ 0.8).

    pip install -e '.[bench]'      # scikit-learn, used only here
    python benchmarks/forecast_exceed_ceiling.py [--jobs 2] [--seeds N]

Measures, on the calibration seeds 0–299 only, the best min(precision, recall) of the "bill will
pass the budget" alert from day 15 on (days 15, 20, 25) for five sources of P(exceed):

    a. today's `p_exceed_limit` (the residual model), only the cut-off chosen;
    b. logistic regression on 18 features of the line's own history and this month;
    c. gradient-boosted trees on 34 such features;
    d. the trees + the generator's latent choices for the month (an oracle);
    e. ... + whether a rush / big night / dawn burst is still to come this month (an oracle).

Two folds by seed (first half / second half): each model is trained on one fold and scored on
the other. Training uses three budgets per line (the persona budget ×0.7, ×1, ×1.4) so a model
cannot just learn one number per persona; scoring uses the persona budget of the backtest.
Points already over the budget at `as_of` are not modelled: they count as alerts (and hits) in
every row. The cut-off is picked on the scored fold, so the figures are if anything optimistic.
The oracle reads the internal choices of data/demo/ by wrapping its functions while a history is
generated (analysis only; the generator is not modified and its output is unchanged).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.forecast_backtest import (
    BASE_KEYS,
    BUDGETS,
    CALIBRATION_SEEDS,
    MONTHS,
    Case,
    balanced_cut,
    history_end,
    monthly_totals,
    precision_recall,
    run,
)
from dashboard.forecasting import frame_from_charges, intervals, recurring
from dashboard.forecasting.engine import Parts, _variable_mask, forecast_parts
from data.demo import context, generate, personas
from data.demo import model as demo_model
from data.vocab import KST, month_start, months_back

DAYS = (15, 20, 25)  # the bar is "from day 15"
BUDGET_SCALES = {"mid": 1.0, "low": 0.7, "high": 1.4}  # "mid" is the one scored
RECENCY_HALF_LIFE_MONTHS = 12.0
BIG_DAY_SHARES = (1.0, 0.5, 0.25)  # of the gap to the budget

# The 18 features the logistic regression uses (all of them are among the trees' 34).
LINEAR_FEATURES = (
    "logit_p",
    "gap_positive",
    "cover_variable",
    "cover_all",
    "p_big_day_1.0",
    "p_big_day_0.5",
    "share_over",
    "weighted_share_over",
    "rank_to_date",
    "rank_variable_to_date",
    "share_left",
    "log_gap_vs_usual",
    "log_gap_vs_center",
    "log_months",
    "log_q90_rest",
    "log_median_rest",
    "spent_vs_budget",
    "log_raw_pace",
)
TREE_FEATURES = (
    *LINEAR_FEATURES,
    "z",
    "weighted_cover_variable",
    "cover_half_gap",
    "cover_twice_gap",
    "p_big_day_0.25",
    "log_max_day",
    "log_max_rest",
    "cover_busy_months",
    "log_pace",
    "active_day_share",
    "log_biggest_day_now",
    "last_month",
    "mean_3_months",
    "max_month",
    "mean_month",
    "log_q80_rest",
)
MONTH_LATENTS = ("latent_regime", "latent_break", "latent_active", "month_index")
BURST_LATENTS = ("burst_ahead", "burst_done")


@dataclass(frozen=True)
class Model:
    label: str
    kind: Literal["cut-off", "linear", "trees"]  # cut-off: the residual model's P as it is
    columns: tuple[str, ...]


MODELS = (
    Model("the residual model (today's `p_exceed_limit`, cut-off only)", "cut-off", ()),
    Model("logistic regression on 18 features of the line's own history and this month", "linear", LINEAR_FEATURES),
    Model("gradient-boosted trees on 34 such features", "trees", TREE_FEATURES),
    Model(
        "the same trees + the generator's latent choices for the month (oracle)",
        "trees",
        TREE_FEATURES + MONTH_LATENTS,
    ),
    Model(
        "… + whether a rush / big night / dawn burst is still to come this month (oracle)",
        "trees",
        TREE_FEATURES + MONTH_LATENTS + BURST_LATENTS,
    ),
)


# --------------------------------------------------------------------------- generator latents


@dataclass
class Latents:
    """What data/demo/ drew for one history, beyond the charges themselves."""

    regimes: np.ndarray | None = None  # month intensity/mood multipliers (gamer, child, owner, fraud)
    breaks: set[int] = field(default_factory=set)  # month indices a gamer pauses
    bursts: list[datetime] = field(default_factory=list)  # KST starts of rushes, big nights, dawn bursts
    active_months: set[str] = field(default_factory=set)  # "YYYY-MM" with any non-subscription event


@contextmanager
def recording_latents() -> Iterator[Latents]:
    """ANALYSIS ONLY — never do this in the app. Wraps private data/demo/ functions (where they are called) for the
    duration of the block to record the per-month choices the generator draws. Each wrapper calls
    the original with the same arguments and returns its result untouched (no extra random
    draws), so the history generated is the same as without; everything is restored on exit."""
    seen = Latents()
    regimes, breaks, big_night, apply_limits = (
        context._Ctx.regimes,
        personas._break_months,
        personas._big_night,
        generate._apply_limits,
    )

    def regimes_spy(self: context._Ctx, sigma: float) -> np.ndarray:
        out = regimes(self, sigma)
        if seen.regimes is None:  # a persona draws its month regimes at most once
            seen.regimes = out.copy()
        return out

    def breaks_spy(ctx: context._Ctx, keep: int | None) -> set[int]:
        out = breaks(ctx, keep)
        seen.breaks = set(out)
        return out

    def big_night_spy(ctx: context._Ctx, day: date, items: tuple) -> list:
        out = big_night(ctx, day, items)
        seen.bursts.append(out[0].at)
        return out

    def apply_limits_spy(ctx: context._Ctx, events: list, limits: dict[str, int]) -> tuple:
        # Rushes (buy until declined: gamer, child, the fraud's dawn burst) are only expanded here.
        seen.bursts += [event.at for event in events if isinstance(event, demo_model._Rush)]
        seen.active_months = {
            f"{event.at.year:04d}-{event.at.month:02d}"
            for event in events
            if not (isinstance(event, demo_model._Draft) and event.pay_type == "recurring")
        }
        return apply_limits(ctx, events, limits)

    context._Ctx.regimes = regimes_spy
    personas._break_months, personas._big_night = breaks_spy, big_night_spy
    generate._apply_limits = apply_limits_spy
    try:
        yield seen
    finally:
        context._Ctx.regimes = regimes
        personas._break_months, personas._big_night, generate._apply_limits = breaks, big_night, apply_limits


def latent_features(seen: Latents, month: str, index: int, as_of: datetime) -> dict[str, float]:
    """The oracle's inputs for month `index` ("YYYY-MM" `month`) seen at `as_of`."""
    in_month = [t for t in seen.bursts if t.strftime("%Y-%m") == month]
    regime = float(np.log(seen.regimes[index])) if seen.regimes is not None else 0.0
    return {
        "latent_regime": regime,
        "latent_break": float(index in seen.breaks),
        "latent_active": float(month in seen.active_months),
        "month_index": float(index),
        "burst_ahead": float(any(t >= as_of for t in in_month)),
        "burst_done": float(any(t < as_of for t in in_month)),
    }


# --------------------------------------------------------------------------- history features


@dataclass(frozen=True)
class PastMonths:
    """The line's months before this one, each cut at the same moment of the month as `as_of`."""

    total: np.ndarray  # month totals
    to_date: np.ndarray  # all spend before this moment of the month
    rest: np.ndarray  # all spend from this moment to the month's end
    rest_variable: np.ndarray  # the same, subscriptions left out
    variable_to_date: np.ndarray
    weights: np.ndarray  # recency
    daily_variable: np.ndarray  # variable spend per day before this month
    variable_now: float  # this month's variable spend so far
    biggest_day_now: float  # this month's biggest variable day


def past_months(parts: Parts) -> PastMonths:
    """Month-by-month history from the forecast's own payments (netted as known at `as_of`)."""
    pay = parts.payments
    series = recurring.detect(pay, parts.month_t0)
    variable = _variable_mask(pay, series, parts.dues, set())  # the forecast's own split
    now = parts.in_month & variable
    days_now = np.floor(pay.t[now]).astype(np.int64)
    biggest_now = float(np.bincount(days_now - days_now.min(), weights=pay.amount[now]).max()) if now.any() else 0.0
    variable_now = float(pay.amount[now].sum())
    if not (pay.t < parts.month_t0).any():
        empty = np.zeros(0)
        return PastMonths(empty, empty, empty, empty, empty, empty, empty, variable_now, biggest_now)
    this_month = int(np.datetime64(int(parts.month_t0), "D").astype("datetime64[M]").astype(np.int64))
    firsts = np.arange(int(pay.month[0]), this_month + 1).astype("datetime64[M]").astype("datetime64[D]")
    bounds = firsts.astype(np.int64).astype(float)  # month starts in KST days, this month's last
    starts, ends = bounds[:-1], bounds[1:]
    cuts = np.minimum(starts + parts.elapsed, ends)
    all_sum = np.concatenate(([0.0], np.cumsum(pay.amount * 1.0)))
    var_sum = np.concatenate(([0.0], np.cumsum(pay.amount * variable)))

    def between(cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return cum[np.searchsorted(pay.t, hi)] - cum[np.searchsorted(pay.t, lo)]

    first_day = int(starts[0])
    before = variable & (pay.t < parts.month_t0)
    n_days = int(parts.month_t0) - first_day
    daily = np.bincount(np.floor(pay.t[before]).astype(np.int64) - first_day, pay.amount[before], n_days)
    n = len(starts)
    return PastMonths(
        total=between(all_sum, starts, ends),
        to_date=between(all_sum, starts, cuts),
        rest=between(all_sum, cuts, ends),
        rest_variable=between(var_sum, cuts, ends),
        variable_to_date=between(var_sum, starts, cuts),
        weights=0.5 ** ((n - 1 - np.arange(n)) / RECENCY_HALF_LIFE_MONTHS),
        daily_variable=daily[:n_days],
        variable_now=variable_now,
        biggest_day_now=biggest_now,
    )


def _mean(flags: np.ndarray, default: float = 0.0, weights: np.ndarray | None = None) -> float:
    return float(np.average(flags, weights=weights)) if len(flags) else default


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)  # P is often exactly 0 or 1
    return float(np.log(p / (1 - p)))


def _log_ratio(amount: float, gap: float) -> float:
    """log of an amount against the gap, both floored at 1,000원 so tiny gaps do not explode."""
    return float(np.log((amount + 1000) / max(gap, 1000)))


def history_features(parts: Parts, past: PastMonths, budget: int) -> dict[str, float]:
    """The 34 features for one forecast point and budget; `gap` is what variable spend still has
    to add for the bill to reach the budget once the subscriptions due have come."""
    p = intervals.p_at_least(parts, budget)
    gap = budget - parts.spent - parts.recurring_due
    gap_spent = budget - parts.spent  # the same before subscriptions (for all-spend features)
    elapsed, days = parts.elapsed, parts.month_days
    left = days - elapsed
    daily = past.daily_variable
    usual = _mean(daily)
    rest, months = past.rest_variable, past.total
    busy = past.to_date >= 0.7 * parts.spent  # past months at least this busy by this day
    out = {
        "logit_p": _logit(p),
        "z": float(np.clip((budget - parts.center) / max(parts.up, 1.0), -5, 20)),
        "gap_positive": float(gap > 0),
        "log_gap_vs_usual": float(np.log(max(gap, 1) / max(usual * left, 100))),
        "log_gap_vs_center": float(np.log(max(gap, 1) / max(parts.variable.center, 100))),
        "share_left": left / days,
        "cover_variable": _mean(rest >= gap),
        "weighted_cover_variable": _mean(rest >= gap, weights=past.weights),
        "cover_all": _mean(past.rest >= gap_spent),
        "cover_half_gap": _mean(rest >= gap / 2),
        "cover_twice_gap": _mean(rest >= 2 * gap),
        "share_over": _mean(months >= budget),
        "weighted_share_over": _mean(months >= budget, weights=past.weights),
        "log_max_day": float(np.log1p(daily.max() / gap)) if len(daily) and gap > 0 else 0.0,
        "log_max_rest": float(np.log1p(min(rest.max() / gap if gap > 0 else 99.0, 99.0))) if len(rest) else 0.0,
        "cover_busy_months": _mean(past.rest[busy] >= gap_spent, default=-1.0),
        "rank_to_date": _mean(past.to_date <= parts.spent, default=0.5),
        "rank_variable_to_date": _mean(past.variable_to_date <= past.variable_now, default=0.5),
        "log_months": float(np.log1p(len(months))),
        "log_pace": float(np.log(parts.variable.pace)),
        "spent_vs_budget": parts.spent / budget,
        "active_day_share": _mean(daily > 0),
        "log_raw_pace": float(np.log((past.variable_now + 1000) / (usual * elapsed + 1000))),
        "log_biggest_day_now": float(np.log1p(past.biggest_day_now / budget)),
        "last_month": float(months[-1]) / budget if len(months) else 0.0,
        "mean_3_months": _mean(months[-3:]) / budget,
        "max_month": float(months.max()) / budget if len(months) else 0.0,
        "mean_month": _mean(months) / budget,
    }
    for label, level in (("q80", 0.8), ("q90", 0.9), ("median", 0.5)):
        out[f"log_{label}_rest"] = _log_ratio(float(np.quantile(rest, level)) if len(rest) else 0.0, gap)
    for share in BIG_DAY_SHARES:
        # Daily rate of past days worth this share of the gap → P(at least one in the days left).
        rate = float(np.sum(daily >= share * gap)) / max(len(daily), 1)
        out[f"p_big_day_{share}"] = float(1 - np.exp(-rate * left))
    return out


# --------------------------------------------------------------------------- points


def case_rows(case: Case) -> list[dict]:
    """Every (month, day 15/20/25, budget) point of one calibration history."""
    end = history_end(case.seed)
    with recording_latents() as seen:
        charges = generate.generate_history(case.persona, case.seed, end, months=MONTHS)
    frame = frame_from_charges(charges)
    months = months_back(end.astimezone(KST).strftime("%Y-%m"), MONTHS)
    totals = monthly_totals(frame, months)
    base = BUDGETS[case.persona]
    budgets = {tag: base if tag == "mid" else int(round(base * scale, -3)) for tag, scale in BUDGET_SCALES.items()}
    rows: list[dict] = []
    for index in range(1, MONTHS):
        month = months[index]
        for day in DAYS:
            as_of = month_start(month) + timedelta(days=day)
            parts = forecast_parts(frame, as_of)
            past = past_months(parts)
            point = {"persona": case.persona, "seed": case.seed, "month": index, "day": day}
            point.update(latent_features(seen, month, index, as_of))
            for tag, budget in budgets.items():
                rows.append(
                    {
                        **point,
                        "budget_tag": tag,
                        "over_now": parts.spent >= budget,
                        "exceeds": int(totals[index]) >= budget,
                        "p_residual": intervals.p_at_least(parts, budget),
                        **history_features(parts, past, budget),
                    }
                )
    return rows


# --------------------------------------------------------------------------- models


def fit_predict(model: Model, train: pd.DataFrame, score: pd.DataFrame) -> np.ndarray:
    """P(exceeds) for the `score` rows from a model fitted on the `train` rows."""
    if model.kind == "cut-off":
        return score["p_residual"].to_numpy()
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    columns = list(model.columns)
    if model.kind == "linear":
        classifier = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    else:  # random_state: early stopping holds out a random 10% of the training rows
        classifier = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=31, random_state=0)
    classifier.fit(train[columns].to_numpy(), train["exceeds"].to_numpy())
    return classifier.predict_proba(score[columns].to_numpy())[:, 1]


@dataclass(frozen=True)
class FoldScore:
    balanced: float  # max over cut-offs of min(precision, recall)
    cut: float
    precision: float
    recall: float


def fold_score(model: Model, points: pd.DataFrame, scored_seeds: pd.Series) -> FoldScore:
    """Train on the other fold's not-yet-over points (all budgets), score this fold's at the
    persona budget; points already over count as alerts."""
    train = points[~scored_seeds & ~points["over_now"]]
    score = points[scored_seeds & (points["budget_tag"] == "mid")]
    open_ = ~score["over_now"].to_numpy()
    p = np.ones(len(score))
    p[open_] = fit_predict(model, train, score[open_])
    happened = score["exceeds"].to_numpy()
    balanced, cut = balanced_cut(p, happened)
    precision, recall, _ = precision_recall(p >= cut, happened)
    return FoldScore(balanced, cut, precision, recall)


def two_folds(seeds: range) -> list[tuple[str, Callable[[pd.DataFrame], pd.Series]]]:
    middle = seeds.start + len(seeds) // 2
    return [
        (f"{seeds.start}–{middle - 1}", lambda frame: frame["seed"] < middle),
        (f"{middle}–{seeds.stop - 1}", lambda frame: frame["seed"] >= middle),
    ]


def report(points: pd.DataFrame, seeds: range) -> str:
    """The markdown table: one row per model, each fold scored out of fold, and their mean."""
    folds = two_folds(seeds)
    header = ["P(bill ≥ budget) from", *(f"scored on {name}" for name, _ in folds), "mean of the two folds"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * len(folds) + "---:|"]
    for model in MODELS:
        scores = [fold_score(model, points, in_fold(points)) for _, in_fold in folds]
        cells = [f"{s.balanced:.3f} (P {s.precision:.3f} / R {s.recall:.3f} at {s.cut:.2f})" for s in scores]
        mean = np.mean([s.balanced for s in scores])
        lines.append(f"| {model.label} | {' | '.join(cells)} | **{mean:.3f}** |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=None, help="seeds per persona (default: all 300)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    seeds = CALIBRATION_SEEDS[: args.seeds] if args.seeds else CALIBRATION_SEEDS
    started = time.perf_counter()
    points = run([Case(persona, seed) for persona in BASE_KEYS for seed in seeds], args.jobs, case_rows)
    built = time.perf_counter() - started
    table = report(points, seeds)
    scored = points[points["budget_tag"] == "mid"]
    print(
        f"Calibration seeds {seeds.start}–{seeds.stop - 1} ({len(seeds)} per persona), "
        f"days {'/'.join(map(str, DAYS))}: "
        f"{len(scored):,} points at the persona budget, {int(scored['exceeds'].sum()):,} of them over it at month end "
        f"({int((scored['exceeds'] & scored['over_now']).sum()):,} already at as_of); "
        f"{len(points):,} with the ×0.7 and ×1.4 budgets for training.\n"
        "min(precision, recall) out of fold, at the cut-off (P, R, cut) that maximises it.\n"
    )
    print(table)
    print(f"\n{time.perf_counter() - started:.0f} s ({built:.0f} s building the points, {args.jobs} jobs).")


if __name__ == "__main__":
    main()

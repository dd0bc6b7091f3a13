"""How long one forecast takes for a line with two years of history (budget: 5 ms).

    python benchmarks/forecast_speed.py [--runs 500]

Each line is 24 KST months of data/demo/ history passed as the raw frame the app would pass
(cancellation rows included, so netting is timed too). "heavy" stacks the gamer, child and owner
histories into one line. Every run forecasts at a different moment of the last month.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dashboard.forecasting import forecast_bill, frame_from_charges
from data.demo import PERSONAS, generate_history
from data.vocab import month_start

END_MONTH = "2025-11"
MONTHS = 24
BUDGET_MS = 5


def lines() -> dict[str, pd.DataFrame]:
    end = month_start(END_MONTH) + timedelta(days=29, hours=23)
    frames = {name: frame_from_charges(generate_history(name, 1, end, months=MONTHS)) for name in PERSONAS}
    heavy = pd.concat([frames["gamer"], frames["child"], frames["owner"]], ignore_index=True)
    frames["heavy"] = heavy.sort_values("occurred_at", ignore_index=True)
    return frames


def time_line(frame: pd.DataFrame, runs: int, rng: np.random.Generator) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (this thread) milliseconds per forecast. CPU time is what a forecast
    costs; wall time also counts waiting for a core, which on a busy machine is most of p95."""
    start = month_start(END_MONTH)
    limit = 500_000
    forecast_bill(frame, start + timedelta(days=10), limit=limit)  # warm caches and imports
    wall, cpu = [], []
    for _ in range(runs):
        as_of = start + timedelta(seconds=float(rng.uniform(0, 29 * 86_400)))
        began, began_cpu = time.perf_counter_ns(), time.thread_time_ns()
        forecast_bill(frame, as_of, limit=limit)
        cpu.append((time.thread_time_ns() - began_cpu) / 1e6)
        wall.append((time.perf_counter_ns() - began) / 1e6)
    return wall, cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.runs} forecasts per line, {MONTHS} months of history each, times in ms")
    print(f"({os.cpu_count()} cores, load average {load:.1f} at the start).\n")
    print("| line | rows | wall median | wall p95 | CPU median | CPU p95 |")
    print("|---|---:|---:|---:|---:|---:|")
    worst_wall = worst_cpu = 0.0
    for name, frame in lines().items():
        wall, cpu = time_line(frame, args.runs, rng)
        wall_p95, cpu_p95 = float(np.percentile(wall, 95)), float(np.percentile(cpu, 95))
        worst_wall, worst_cpu = max(worst_wall, wall_p95), max(worst_cpu, cpu_p95)
        cells = [statistics.median(wall), wall_p95, statistics.median(cpu), cpu_p95]
        print(f"| {name} | {len(frame):,} | " + " | ".join(f"{v:.2f}" for v in cells) + " |")
    verdict = "within" if worst_wall <= BUDGET_MS else "over"
    print(f"\nWorst p95: wall {worst_wall:.2f} ms ({verdict} the {BUDGET_MS} ms budget), CPU {worst_cpu:.2f} ms.")


if __name__ == "__main__":
    main()

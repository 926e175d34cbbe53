"""The replenishment lines' unit profiles (eligibility purchase plan): the runner after issue 16's
third round (profiles cached by content, the mix not projected under the multiples when the plan
projects each line, equal-weight periods sharing one plan profile) against the per-line
projections it replaced, alternating in one process. The plan's shared profiles are in both.

Run: .venv/bin/python benchmarks/bench_profiles.py [--runs 3] [--pool 1000000]

Four workloads on the Baitiao revolving example: (1) breakeven of every class × the 6 stresses
(every run_arrays call has new scenario multiples, so the cache only adds its key cost); (2) what
the demo does with one result: ``run`` and then the workbook's pool basis, which re-plans the
purchases of the same run (served from the cache); (3) a sweep of 1,000 scenarios (one chunk of
benchmarks/bench_scale.py's 10,000: its profiles are too large to keep); (4) the demo's
collection strategies (six runs under different assumptions). Each timed round starts with an empty cache.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import abs_model as am
import abs_model.runs.runner as runner
from abs_model.analytics.strategies import compare_strategies
from abs_model.deal.model import replenishment_pool
from abs_model.output.workbook_pool import pool_basis
from abs_model.projection.cashflows import STOCK_FIELDS
from abs_model.projection.engine import horizon_for, project_lines
from abs_model.projection.replines import profile_lines

DEAL = Path(__file__).resolve().parents[1] / "examples" / "baitiao_revolving.yaml"
GRID = {"prepay": list(np.linspace(0.5, 1.5, 10)), "default": list(np.linspace(0.5, 4.0, 10)), "recovery": list(np.linspace(0.5, 1.0, 10))}
CACHED = runner._line_profile
NEW_UNIT = runner._purchase_unit


def per_line(line: Any, deal: Any, a: Any, T: int, mults: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The runner's profile before the cache: one line projected on its own, every call."""
    one = dataclasses.replace(deal.revolving, replenishment=(dataclasses.replace(line, share=1.0),))
    lines = dataclasses.replace(profile_lines(replenishment_pool(one), a), count=np.array([1.0 / line.average_balance]))
    unit = project_lines(lines, a, horizon=max(T, horizon_for(lines, a)), **mults)
    return {f: runner._fit(unit.totals[f], T, stock=f in STOCK_FIELDS) for f in arrays}


def mix_unit(deal: Any, a: Any, mults: dict[str, Any]) -> tuple[Any, int]:
    """The runner's mix before: one unit of the mix projected under the run's multiples, every call."""
    unit_lines = profile_lines(replenishment_pool(deal.revolving), a)
    per_unit = np.array([ln.share / ln.average_balance for ln in deal.revolving.replenishment])
    unit = project_lines(dataclasses.replace(unit_lines, count=per_unit), a, horizon=None, **mults)
    return unit, unit.totals["closing_balance"].shape[1] - 1


def use(new: bool) -> None:
    runner._line_profile = CACHED if new else per_line  # type: ignore[assignment]
    runner._purchase_unit = NEW_UNIT if new else mix_unit  # type: ignore[assignment]


def timed(fn: Callable[[], Any], *, cached: bool) -> float:
    use(cached)
    runner._PROFILES.clear()
    runner._MIX_PERIODS.clear()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pool", type=int, default=1_000_000)
    args = ap.parse_args()
    deal = am.load_deal(DEAL, pool=am.synthetic_pool(args.pool, seed=1))
    print(f"deal: {deal.name}, {deal.pool.n:,} receivables; load average {os.getloadavg()[0]:.2f}; median of {args.runs}, alternating")
    work: dict[str, Callable[[], Any]] = {
        "breakeven (3 classes x 6 stresses x 2)": lambda: am.breakeven(deal),
        "run + workbook pool basis (demo)": lambda: pool_basis(am.run(deal)),
        "sweep 1,000 scenarios (one chunk)": lambda: am.sweep(deal, GRID, progress=False),
        "compare_strategies (demo)": lambda: compare_strategies(deal),
    }
    for name, fn in work.items():
        timed(fn, cached=True)  # warm both paths
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.runs):
            for cached in (False, True):
                times[cached].append(timed(fn, cached=cached))
        old, new = statistics.median(times[False]), statistics.median(times[True])
        print(f"  {name:42s} before {old:7.3f} s   after {new:7.3f} s   ratio {new / old:.2f}")
    use(True)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Issue 16, fourth round: breakeven and the sweep with the replenishment lines bought projected
together (one engine run, a block of scenario rows per line), scenarios sharing (prepay,
default) multiples sharing one state path, the pool projected over the run's T, purchases added
to every column in one step and (breakeven) the base case run with the first pass, two points
spread over a converging bracket and the default-timing variants in one waterfall run, and
weight tables kept across runs — against the paths of d219d15 (each line projected on its own,
bought or not, every scenario its own state path, the pool over its own horizon, purchases added
column by column, the base case a run of its own, every bracket its full share of points, a waterfall run
per timing variant, weight tables made for every run;
:mod:`tests.abs_model.runs.reference_runner`), alternating in one process. Every timed round
starts with empty profile caches.

Run: .venv/bin/python benchmarks/bench_profiles.py [--runs 3] [--pool 1000000] [--skip-sweep]

Workloads on the Baitiao revolving example: breakeven of every class × the 6 stresses; a sweep
of 1,000 scenarios (one chunk of benchmarks/bench_scale.py's 10,000: prepay 10 × default 10 ×
recovery 10); ``run`` of the demo deal (one scenario).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

import abs_model as am
import abs_model.analytics.breakeven as breakeven_mod
import abs_model.core.solve as solve
import abs_model.projection.engine as engine
import abs_model.runs.runner as runner
from abs_model.projection.rows import scenario_rows

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the d219d15 paths, kept for the tests
from tests.abs_model.runs.reference_runner import reference_line_profiles, reference_plan, reference_run_periods

DEAL = Path(__file__).resolve().parents[1] / "examples" / "baitiao_revolving.yaml"
GRID = {"prepay": list(np.linspace(0.5, 1.5, 10)), "default": list(np.linspace(0.5, 4.0, 10)), "recovery": list(np.linspace(0.5, 1.0, 10))}


def every_row(multiples: Any, *, parts: int = 1, share: bool = True) -> Any:
    """d219d15: every scenario its own state path."""
    return scenario_rows(multiples, parts=parts, share=False)


class OldRunner(breakeven_mod._Runner):
    """d219d15: the base case a run of its own, after the solve."""

    def __post_init__(self) -> None:
        self.base_row = None


def each_batch_alone(deal: Any, batches: Any, *, lines: Any = None) -> list[tuple[np.ndarray, Any]]:
    """d219d15: every default-timing variant its own waterfall run."""
    return [(np.array([i]), runner.run_arrays(deal, a, lines=lines, **m)) for i, (a, m) in enumerate(batches)]


@contextlib.contextmanager
def old_paths(on: bool) -> Iterator[None]:
    saved = (runner._line_profiles, runner.purchase_plan_of, runner._pool_horizon, engine.scenario_rows, breakeven_mod._Runner,
             runner._run_periods, solve.CONVERGING_SHRINK, breakeven_mod.run_arrays_batches, engine._TABLES_MAX)
    if on:
        runner._line_profiles = reference_line_profiles  # type: ignore[assignment]
        runner.purchase_plan_of = reference_plan  # type: ignore[assignment]
        runner._pool_horizon = lambda deal, lines, a: None  # type: ignore[assignment]
        engine.scenario_rows = every_row  # type: ignore[assignment]
        breakeven_mod._Runner = OldRunner  # type: ignore[misc]
        runner._run_periods = reference_run_periods  # type: ignore[assignment]
        solve.CONVERGING_SHRINK = -1.0
        breakeven_mod.run_arrays_batches = each_batch_alone  # type: ignore[assignment]
        engine._TABLES_MAX = 0  # weight tables made for every run
    try:
        yield
    finally:
        (runner._line_profiles, runner.purchase_plan_of, runner._pool_horizon, engine.scenario_rows, breakeven_mod._Runner,
         runner._run_periods, solve.CONVERGING_SHRINK, breakeven_mod.run_arrays_batches, engine._TABLES_MAX) = saved


def timed(fn: Callable[[], Any], *, old: bool) -> float:
    with old_paths(old):
        runner._PROFILES.clear()
        runner._MIX_PERIODS.clear()
        engine._TABLES.clear()
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pool", type=int, default=1_000_000)
    ap.add_argument("--skip-sweep", action="store_true")
    args = ap.parse_args()
    deal = am.load_deal(DEAL, pool=am.synthetic_pool(args.pool, seed=1))
    print(f"deal: {deal.name}, {deal.pool.n:,} receivables; load average {os.getloadavg()[0]:.2f}; median of {args.runs}, alternating")
    work: dict[str, Callable[[], Any]] = {"breakeven (3 classes x 6 stresses x 2)": lambda: am.breakeven(deal)}
    if not args.skip_sweep:
        work["sweep 1,000 scenarios (one chunk)"] = lambda: am.sweep(deal, GRID, progress=False)
    work["run (demo deal, one scenario)"] = lambda: am.run(deal)
    for name, fn in work.items():
        timed(fn, old=False)  # warm both paths
        timed(fn, old=True)
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.runs):
            for old in (True, False):
                times[old].append(timed(fn, old=old))
        before, after = statistics.median(times[True]), statistics.median(times[False])
        print(f"  {name:42s} before {before:7.3f} s   after {after:7.3f} s   ratio {after / before:.2f}")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

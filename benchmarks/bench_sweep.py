"""Sweeps and breakeven on the Baitiao example deal over a 1M-receivable synthetic pool.

Run: .venv/bin/python benchmarks/bench_sweep.py [--sizes 100,1000,10000] [--repeat 3]

- sweep of N scenarios (prepay × default × recovery multiples), in process, sweep's default chunks
  (``IN_PROCESS_CHUNK``, 2,500; 1,000 before issue 16's fifth round);
- one scenario at a time (``run_arrays`` with S = 1), extrapolated, for the speed-up;
- breakeven of every class across the 6 default stress scenarios, both variants, tol 1e-6.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

import abs_model as am
from abs_model.runs.runner import run_arrays

DEAL = Path(__file__).resolve().parents[1] / "examples" / "baitiao_revolving.yaml"


def grid(n: int) -> dict[str, list[float]]:
    k = 10 if n >= 1000 else 5  # prepay × recovery k × k, defaults fill the rest (100 → 5×5×4)
    j = max(1, n // (k * k))
    return {
        "prepay": list(np.linspace(0.5, 1.5, k)),
        "default": list(np.linspace(0.5, 4.0, j)),
        "recovery": list(np.linspace(0.5, 1.0, k)),
    }


def timed(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="100,1000,10000")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    t0 = time.perf_counter()
    pool = am.synthetic_pool(1_000_000, seed=1)
    deal = am.load_deal(DEAL, pool=pool)
    print(f"deal: {deal.name}, {deal.pool.n:,} receivables, {deal.periods} periods; setup {time.perf_counter() - t0:.1f} s")
    print(f"machine: {os.cpu_count()} cores, numpy {np.__version__}")
    a = deal.assumptions
    assert a is not None
    one = timed(lambda: run_arrays(deal, a, prepay_mult=np.ones(1), default_mult=np.ones(1), recovery_mult=np.ones(1)), 10)
    print(f"one scenario at a time (run_arrays, S = 1): {one * 1000:.1f} ms/scenario (median of 10)")
    for n in [int(s) for s in args.sizes.split(",")]:
        g = grid(n)
        size = int(np.prod([len(v) for v in g.values()]))
        t = timed(lambda g=g: am.sweep(deal, g, progress=False), args.repeat if size <= 1000 else max(1, args.repeat - 2))
        print(
            f"sweep {size:>6,} scenarios x {len(deal.tranche_names)} classes: {t:7.2f} s = {t / size * 1000:7.3f} ms/scenario; "
            f"one at a time {one * size:8.1f} s -> {one * size / t:6.1f}x faster"
        )
    tb = timed(lambda: am.breakeven(deal), args.repeat)
    res = am.breakeven(deal)
    print(f"breakeven, {len(deal.tranche_names)} classes x 6 scenarios x 2 variants, tol 1e-6: {tb:.2f} s (median of {args.repeat}), {int(res.frame['passes'].iloc[0])} passes")
    print(res.summary[["tranche", "variant", "breakeven_mult", "binding_scenario", "breakeven_default_rate", "implied_rating"]].to_string(index=False))


if __name__ == "__main__":
    main()

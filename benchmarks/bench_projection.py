"""Projection benchmark (issue: collateral engine).

1,000,000-receivable synthetic Baitiao tape, 24 periods, roll-rate delinquency with cures,
prepayment and recoveries: time from a Pool holding the receivables to the pool cash-flow table,
rep-line compression included (median of several runs). Also: the loan-level path, scaling from
10k to 1M loans, and 24 vs 60 periods.

Run: .venv/bin/python benchmarks/bench_projection.py [--quick]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import abs_model as am
from abs_model.assumptions.assumptions import RollRates


def assumptions(horizon: int) -> am.Assumptions:
    rr = RollRates.simple(roll=[0.01, 0.40, 0.55, 0.70, 0.85, 0.90, 1.0], cure=[0.40, 0.25, 0.10, 0.05, 0.03, 0.0])
    return am.Assumptions.make(cpr=0.20, roll_rates=rr, recovery_rate=0.10, recovery_lag=6, horizon=horizon)


def median_time(fn: object, runs: int) -> float:
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    ap.add_argument("--loan-level", action="store_true", help="also time the loan-level path on 1M loans")
    args = ap.parse_args()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    a24, a60 = assumptions(24), assumptions(60)
    print(f"{'loans':>10} {'periods':>7} {'rep-lines':>9} {'median ms':>10}")
    for n in sizes:
        pool = am.synthetic_pool(n, seed=1)
        am.project(pool, a24)  # warm-up
        for a, T in ((a24, 24), (a60, 60)):
            ms = 1000 * median_time(lambda a=a, pool=pool: am.project(pool, a), 7)
            lines = am.project(pool, a).n_lines
            print(f"{n:>10,} {T:>7} {lines:>9,} {ms:>10.1f}")
    if args.loan_level:
        pool = am.synthetic_pool(1_000_000, seed=1)
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            am.project(pool, a24, level="loan")
            runs.append(time.perf_counter() - t0)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"loan-level 1,000,000 × 24: median {statistics.median(runs):.2f} s of 3 "
            f"(first {runs[0]:.2f} s), peak RSS of the whole benchmark {peak:,.0f} MiB"
        )


if __name__ == "__main__":
    main()

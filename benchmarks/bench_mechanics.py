"""Borrower-mechanics benchmark (issue 11): the cost of late fees, three restructuring plan types
and collection stages against the plain roll-rate projection, in one process.

1,000,000-receivable synthetic Baitiao tape, 24 periods, roll-rate delinquency with cures, CPR
20 %, recoveries 10 % after 6 months. "plain": no mechanics; "mechanics": late fees (0.05 % a
day, 3 grace days, per-product rate), spread_arrears (M1), re_age (M2, per-receivable length) and
freeze (M3) plans with re-default and prepay, three collection stages with costs and cures.
Each timing runs ``am.project`` from the Pool (rep-line compression, projection, frame, checks):
"first call" on a fresh copy of the pool (``dataclasses.replace``: the compression, kept per pool
since issue 16, is done again), as issue 11 set the target; "pool compressed before" on the same
pool again, which isolates the per-period cost of the mechanics. The variants alternate so that
load drifts hit both; the ratio of medians is the result.

Run: .venv/bin/python benchmarks/bench_mechanics.py [--quick]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import abs_model as am
from abs_model.assumptions.assumptions import RollRates
from abs_model.assumptions.servicing import CollectionStage, CollectionStrategy, LateFees, Restructuring


def assumptions(*, mechanics: bool) -> am.Assumptions:
    rr = RollRates.simple(roll=[0.01, 0.40, 0.55, 0.70, 0.85, 0.90, 1.0], cure=[0.40, 0.25, 0.10, 0.05, 0.03, 0.0])
    if not mechanics:
        return am.Assumptions.make(cpr=0.20, roll_rates=rr, recovery_rate=0.10, recovery_lag=6, horizon=24)
    strategy = CollectionStrategy(
        "ladder",
        stages=(
            CollectionStage("reminders", (1,), cost_per_account=0.5),
            CollectionStage("lawyer's letter", (2,), cost_per_account=8.0, cure_to_current=0.30),
            CollectionStage("outsourced", (3,), contingency_fee=0.25),
        ),
        restructuring=(
            Restructuring(take_up={1: 0.05}, plan="spread_arrears", periods=3, redefault_rate=0.10, prepay_rate=0.02),
            Restructuring(take_up={2: 0.10}, plan="re_age", periods=12, fee_rate=0.005, redefault_rate=0.08),
            Restructuring(take_up={3: 0.05}, plan="freeze", periods=24, redefault_rate=0.06),
        ),
    )
    late = LateFees(daily_rate=0.0005, grace_days=3, product_rates={"level_payment": 0.0003})
    return am.Assumptions.make(
        cpr=0.20, roll_rates=rr, recovery_rate=0.10, recovery_lag=6, horizon=24, collections=strategy, late_fees=late
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="100k receivables, for a smoke run")
    args = ap.parse_args()
    n = 100_000 if args.quick else 1_000_000
    pool = am.synthetic_pool(n, seed=1)
    plain, mech = assumptions(mechanics=False), assumptions(mechanics=True)
    am.project(pool, plain)  # warm-up
    am.project(pool, mech)
    times: dict[str, list[float]] = {"plain first": [], "mechanics first": [], "plain": [], "mechanics": []}
    for _ in range(7):
        for name, a in (("plain", plain), ("mechanics", mech)):
            fresh = dataclasses.replace(pool)
            t0 = time.perf_counter()
            am.project(fresh, a)
            times[f"{name} first"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            am.project(pool, a)
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{n:,} receivables × 24 periods, median of 7 (alternating)")
    print("                   first call   pool compressed before")
    for name in ("plain", "mechanics"):
        print(f"{name:<12} {1000 * med[name + ' first']:10.1f} ms {1000 * med[name]:14.1f} ms")
    r1, r2 = med["mechanics first"] / med["plain first"], med["mechanics"] / med["plain"]
    print(f"ratio        {r1:10.2f}× {r2:15.2f}×   (issue 11 target ≤ 1.5×, first call from the Pool)")


if __name__ == "__main__":
    main()

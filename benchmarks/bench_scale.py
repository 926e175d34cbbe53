"""The issue-16 targets measured in one process: a 10,000-scenario sweep of the Baitiao deal on a
1M-receivable pool, in process, and breakeven of every class × the 6 stress scenarios.

Run: .venv/bin/python benchmarks/bench_scale.py [--repeat 3] [--workers 1,2,4] [--chunk N]

Prints medians of ``--repeat`` runs, each started with empty caches (unit profiles, mix periods,
weight tables: :func:`cold`), and the ratio to one scenario at a time (``run_arrays``
with S = 1, median of 5) measured in the same run. ``--workers`` also times the same sweep on a
``LocalCluster`` of N single-threaded worker processes (127.0.0.1), the cluster started before
the timing and stopped after (docs/cluster.md). The in-process sweep runs ``sweep``'s default chunks
(``IN_PROCESS_CHUNK``, 2,500) unless ``--chunk`` says otherwise; the cluster runs ``DISTRIBUTED_CHUNK``
(1,000). Each time is printed as wall-clock and CPU seconds of this process (on a shared machine the
CPU time is the steadier of the two).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import abs_model as am
from abs_model.analytics.sweep import IN_PROCESS_CHUNK
from abs_model.projection.engine import _TABLES
from abs_model.runs.runner import _MIX_PERIODS, _PROFILES, run_arrays

DEAL = Path(__file__).resolve().parents[1] / "examples" / "baitiao_revolving.yaml"
GRID = {
    "prepay": list(np.linspace(0.5, 1.5, 10)),
    "default": list(np.linspace(0.5, 4.0, 100)),
    "recovery": list(np.linspace(0.5, 1.0, 10)),
}


def cold() -> None:
    """Empty the caches kept across calls (unit profiles, mix periods, weight tables): every
    timed run starts as the first of a process would (its own calls still share them)."""
    _PROFILES.clear()
    _MIX_PERIODS.clear()
    _TABLES.clear()


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float]]:
    ts = []
    for _ in range(repeat):
        cold()
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), ts


def median_cpu(fn: Callable[[], Any], repeat: int) -> float:
    """Median CPU seconds of this process over ``repeat`` cold runs."""
    ts = []
    for _ in range(repeat):
        cold()
        t0 = time.process_time()
        fn()
        ts.append(time.process_time() - t0)
    return statistics.median(ts)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--workers", default="", help="comma-separated worker counts for LocalCluster runs")
    p.add_argument("--skip-breakeven", action="store_true")
    p.add_argument("--skip-in-process", action="store_true", help="time only the cluster runs (the ratio is then omitted)")
    p.add_argument("--chunk", type=int, default=None, help="scenarios per chunk in process (default: sweep's, 2,500)")
    args = p.parse_args()
    deal = am.load_deal(DEAL, pool=am.synthetic_pool(1_000_000, seed=1))
    a = deal.assumptions
    assert a is not None
    print(f"deal: {deal.name}, {deal.pool.n:,} receivables, {deal.periods} periods; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    def single() -> Any:
        return run_arrays(deal, a, prepay_mult=np.ones(1), default_mult=np.ones(1), recovery_mult=np.ones(1))

    one, _ = median_time(single, 5)
    print(f"one scenario at a time (run_arrays, S = 1): {one * 1000:.1f} ms")
    t = float("nan")
    if not args.skip_in_process:
        def in_process() -> Any:
            return am.sweep(deal, GRID, progress=False, chunk=args.chunk)

        in_process()  # warm
        t, ts = median_time(in_process, args.repeat)
        cpu = median_cpu(in_process, args.repeat)
        print(f"sweep 10,000 scenarios in process (chunk {args.chunk or IN_PROCESS_CHUNK:,}): median {t:.2f} s of {[round(x, 2) for x in ts]} "
              f"(CPU {cpu:.2f} s); {one * 10_000 / t:.0f}x one at a time")
    if not args.skip_breakeven:
        tb, tbs = median_time(lambda: am.breakeven(deal), args.repeat)
        res = am.breakeven(deal)
        print(f"breakeven 3 classes x 6 stresses x 2 variants, tol 1e-9 relative: median {tb:.2f} s of {[round(x, 2) for x in tbs]}, "
              f"{int(res.frame['passes'].iloc[0])} passes; = {tb / one:.0f} single-scenario runs")
    for n in [int(w) for w in args.workers.split(",") if w]:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=n, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0") as cl, Client(cl) as c:
            am.sweep(deal, GRID, progress=False, executor=c)  # warm: ships the deal once per worker
            tw, tws = median_time(lambda c=c: am.sweep(deal, GRID, progress=False, executor=c), args.repeat)
            rss = c.run(_rss)
        peak = max(rss.values()) / 2**20
        print(f"sweep 10,000 scenarios on {n} local worker(s): median {tw:.2f} s of {[round(x, 2) for x in tws]}; "
              f"in process / cluster = {t / tw:.2f}; worker peak RSS {peak:,.0f} MiB")


def _rss() -> int:
    """Peak resident memory of this process, bytes (Linux ru_maxrss is in KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if __name__ == "__main__":
    main()

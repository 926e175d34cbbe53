"""Monte Carlo on the Baitiao example deal over a 1M-receivable synthetic pool.

Run: .venv/bin/python benchmarks/bench_montecarlo.py [--loans 1000000] [--paths 10000] [--chunk 1000]

Times ``am.monte_carlo`` (one-factor shock model, all paths drawn up front, ``chunk`` paths per
vectorised ``run_arrays`` call) in this process and on a ``dask.distributed.LocalCluster`` with 2
worker processes × 1 thread (cluster start-up timed separately), and checks that both give
identical per-path numbers. Target: 10,000 paths ≤ 30 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

import abs_model as am
from abs_model.analytics.montecarlo import monte_carlo

DEAL = Path(__file__).resolve().parents[1] / "examples" / "baitiao_revolving.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--paths", type=int, default=10_000)
    ap.add_argument("--chunk", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args()

    print(f"machine: {os.cpu_count()} cores, python {platform.python_version()}, numpy {np.__version__}")
    t0 = time.perf_counter()
    pool = am.synthetic_pool(args.loans, seed=1)
    deal = am.load_deal(DEAL, pool=pool)
    print(
        f"pool {pool.n:,} receivables built and deal loaded in {time.perf_counter() - t0:.2f} s; {deal.periods} periods"
    )

    kw = dict(n_paths=args.paths, seed=0, chunk=args.chunk, progress=False)
    local_times = []
    local = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        local = monte_carlo(deal, **kw)
        local_times.append(time.perf_counter() - t0)
    assert local is not None
    med = statistics.median(local_times)
    print(
        f"in-process: {args.paths:,} paths, chunk {args.chunk:,}: median {med:.2f} s of {args.repeat} "
        f"(min {min(local_times):.2f}) = {1000 * med / args.paths:.3f} ms/path"
    )
    with_summary = local.summary()
    print(with_summary.round(5).to_string())

    if args.no_dask:
        return
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
    client = Client(cluster)
    print(f"LocalCluster (2 processes × 1 thread) started in {time.perf_counter() - t0:.2f} s")
    try:
        dask_times = []
        remote = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            remote = monte_carlo(deal, executor=client, **kw)
            dask_times.append(time.perf_counter() - t0)
        assert remote is not None
        dmed = statistics.median(dask_times)
        same = np.array_equal(
            remote.frame.drop(columns="tranche").to_numpy(float),
            local.frame.drop(columns="tranche").to_numpy(float),
            equal_nan=True,
        )
        print(
            f"LocalCluster: median {dmed:.2f} s of {args.repeat} (first {dask_times[0]:.2f} s, includes "
            f"shipping the deal to the workers; min {min(dask_times):.2f}); complete={remote.complete}; "
            f"identical to in-process: {same}"
        )
    finally:
        client.close()
        cluster.close()
    print(f"target <= 30 s for 10,000 paths: {'meets' if med <= 30 else 'misses'} (in-process)")


if __name__ == "__main__":
    main()

"""Whole-book benchmark: a partitioned Parquet tape read, validated and compressed on a LocalCluster.

Writes synthetic books of 1M, 5M and 20M receivables (1M per partition) with
``write_synthetic_dataset``, then times ``compress_dataset`` on a ``LocalCluster`` of 2 worker
processes (1 thread each, 127.0.0.1) and reports the peak resident memory of each worker process
(``ru_maxrss``) — the book is never held whole by anyone: each worker holds one partition at a time
and only rep-lines travel back. Time per million receivables should stay flat (linear growth).

Run: .venv/bin/python benchmarks/bench_book.py [--sizes 1,5,20] [--runs 3] [--dir /tmp/abs-book]
     [--scheduler tcp://HOST:8786]

``--scheduler`` runs the same code path on an existing Dask cluster (any number of machines)
instead of the LocalCluster: ``compress_dataset(..., executor=client)`` is unchanged; ``--dir``
must then be a path every worker sees (a shared file system) and the books are written there.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import shutil
import statistics
import time
from pathlib import Path

import distributed

import abs_model as am
from abs_model.analytics.book import compress_dataset
from abs_model.collateral.synthetic import write_synthetic_dataset


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _measure(client: distributed.Client, a: am.Assumptions, root: Path, sizes: str, runs: int) -> None:
    print(f"{'receivables':>12} {'partitions':>10} {'seconds':>8} {'s per 1M':>9} {'lines':>7} {'worker peak MB':>15}")
    for m in (int(s) for s in sizes.split(",")):
        folder = root / f"{m}M"
        if not folder.exists():
            write_synthetic_dataset(folder, m * 1_000_000, partitions=m, seed=1)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            book = compress_dataset(folder, a, cutoff_date="2026-06-30", executor=client, progress=False)
            times.append(time.perf_counter() - t0)
        peaks = client.run(_peak_rss_mb)
        sec = statistics.median(times)
        print(
            f"{book.n_loans:>12,} {len(book.partitions):>10} {sec:>8.2f} {sec / m:>9.2f} {len(book.lines):>7,} "
            f"{max(peaks.values()):>15,.0f}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,5,20", help="millions of receivables, comma-separated")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default="/tmp/abs-book")
    ap.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler (multi-machine)")
    args = ap.parse_args()
    rr = am.RollRates.simple(roll=[0.01, 0.40, 0.55, 0.70, 0.85, 0.90, 1.0], cure=[0.40, 0.25, 0.10, 0.05, 0.03, 0.0])
    a = am.Assumptions.make(cpr=0.20, roll_rates=rr, recovery_rate=0.10, recovery_lag=6)
    root = Path(args.dir)
    with contextlib.ExitStack() as stack:
        if args.scheduler:
            client = stack.enter_context(distributed.Client(args.scheduler))
            n = len(client.scheduler_info()["workers"])
            print(f"cluster {args.scheduler}: {n} workers; median of {args.runs} runs")
        else:
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=2,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    memory_limit="4GiB",
                )
            )
            client = stack.enter_context(distributed.Client(cluster))
            print(f"LocalCluster: 2 workers x 1 thread, memory_limit 4 GiB each; median of {args.runs} runs")
        _measure(client, a, root, args.sizes, args.runs)
    if args.dir == "/tmp/abs-book":
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

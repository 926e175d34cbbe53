"""Tape reading with validation: a 1,000,000-loan DataFrame with two bad rows, the same tape as a
CSV file and as a Parquet file (clean), and the same 1M loans as a partitioned Parquet dataset
(4 files) read through ``am.read_tape(folder)``. Median of ``--runs``; the files are written
once, outside the timing.

Run: .venv/bin/python benchmarks/bench_tape.py [--runs 3] [--loans 1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import abs_model as am
from abs_model.collateral.synthetic import synthetic_tape


def _time(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with contextlib.suppress(am.TapeError):
            fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--loans", type=int, default=1_000_000)
    a = ap.parse_args()
    n = a.loans
    print(f"load average {os.getloadavg()[0]:.2f}; median of {a.runs} (min)")
    clean = synthetic_tape(n, seed=4)
    big = clean.copy()
    big.loc[10, "rate"] = 6.0
    big.loc[n // 2, "loan_id"] = big.loc[n // 2 - 1, "loan_id"]
    m, lo = _time(lambda: am.read_tape(big), a.runs)
    print(f"  read_tape(DataFrame, {n:,} loans, 2 bad)        {m:6.2f} s ({lo:.2f})")
    with tempfile.TemporaryDirectory() as d:
        csv, pq, folder = Path(d) / "tape.csv", Path(d) / "tape.parquet", Path(d) / "parts"
        clean.to_csv(csv, index=False)
        clean.to_parquet(pq, index=False)
        folder.mkdir()
        step = -(-n // 4)
        for i in range(4):
            clean.iloc[i * step : (i + 1) * step].to_parquet(folder / f"part-{i}.parquet", index=False)
        m, lo = _time(lambda: am.read_tape(csv), a.runs)
        print(f"  read_tape(CSV, {n:,} loans)                     {m:6.2f} s ({lo:.2f})   target <= 1.5 s")
        m, lo = _time(lambda: am.read_tape(pq), a.runs)
        print(f"  read_tape(Parquet, {n:,} loans)                 {m:6.2f} s ({lo:.2f})   target <= 0.5 s")
        m, lo = _time(lambda: am.read_tape(folder), a.runs)
        print(f"  read_tape(folder of 4 Parquet files, {n:,})     {m:6.2f} s ({lo:.2f})")


if __name__ == "__main__":
    main()

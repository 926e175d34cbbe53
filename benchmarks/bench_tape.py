"""Tape reading with validation: a 1,000,000-loan DataFrame with two bad rows, the same tape as a
CSV file and as a Parquet file (clean), and the same 1M loans as a partitioned Parquet dataset
(4 files) read through ``am.read_tape(folder)``; then ``Pool.from_tape`` of the validated tape.
Median of ``--runs``; the files are written once, outside the timing.

``--plain`` also times the CSV and Parquet files with the fast readers off (pandas' CSV parser,
Parquet columns read as plain strings: ``readers.FAST_CSV = False``, ``readers._CODED = ()``),
alternating with the fast ones in this process, and checks both give the same validated tape.

Run: .venv/bin/python benchmarks/bench_tape.py [--runs 3] [--loans 1000000] [--plain]
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

import pandas as pd

import abs_model as am
from abs_model.collateral.synthetic import synthetic_tape
from abs_model.collateral.tape import readers


def _time(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with contextlib.suppress(am.TapeError):
            fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts)


_CODED = readers._CODED


def _fast(on: bool) -> None:
    readers.FAST_CSV = on
    readers._CODED = _CODED if on else ()


def _fast_vs_plain(label: str, path: Path, runs: int) -> None:
    """Fast and plain readers alternating in this process; the same validated tape from both."""
    ts: dict[bool, list[float]] = {True: [], False: []}
    out: dict[bool, pd.DataFrame] = {}
    for r in range(runs):
        for on in (True, False) if r % 2 == 0 else (False, True):
            _fast(on)
            t0 = time.perf_counter()
            out[on] = am.read_tape(path)
            ts[on].append(time.perf_counter() - t0)
    _fast(True)
    pd.testing.assert_frame_equal(out[True], out[False], check_exact=True)
    fast, plain = statistics.median(ts[True]), statistics.median(ts[False])
    print(f"  {label}: fast readers {fast:6.2f} s, plain readers {plain:6.2f} s, ratio {plain / fast:4.1f}x (same tape)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--plain", action="store_true", help="also time the plain pandas readers, alternating")
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
        tape = am.read_tape(pq)
        m, lo = _time(lambda: am.Pool.from_tape(tape), a.runs)
        print(f"  Pool.from_tape({n:,} loans)                     {m:6.2f} s ({lo:.2f})")
        if a.plain:
            _fast_vs_plain("CSV", csv, a.runs)
            _fast_vs_plain("Parquet", pq, a.runs)


if __name__ == "__main__":
    main()

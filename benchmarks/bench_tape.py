"""Tape benchmark: generating, writing and reading 1,000,000-receivable tapes with validation.

The tests check what these paths return (every bad row reported, the pool equal to the direct one);
the time they take is measured here, not asserted in tests (a loaded CI box changes seconds, not
results). Prints the median of several runs for: ``synthetic_pool`` (1M), ``read_tape`` on a 1M-row
DataFrame, a 1M-row CSV and a 1M-row Parquet file, and a 1M-row DataFrame with three bad rows.

Run: .venv/bin/python benchmarks/bench_tape.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import abs_model as am
from abs_model.collateral.synthetic import synthetic_tape


def median_seconds(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def refused(fn: Callable[[], object]) -> None:
    try:
        fn()
    except am.TapeError:
        return
    raise SystemExit("expected a TapeError")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    n = 1_000_000
    tape = synthetic_tape(n, seed=4)
    bad = tape.copy()
    bad.loc[10, "rate"] = 6.0
    bad.loc[500_000, "loan_id"] = bad.loc[499_999, "loan_id"]
    bad.loc[999_999, "original_term"] = 600
    with tempfile.TemporaryDirectory() as tmp:
        csv, parquet = Path(tmp) / "tape.csv", Path(tmp) / "tape.parquet"
        tape.to_csv(csv, index=False)
        tape.to_parquet(parquet, index=False)
        rows = [
            ("synthetic_pool(1M)", lambda: am.synthetic_pool(n, seed=0)),
            ("read_tape(DataFrame 1M)", lambda: am.read_tape(tape)),
            ("read_tape(DataFrame 1M, 3 bad rows) -> TapeError", lambda: refused(lambda: am.read_tape(bad))),
            ("read_tape(CSV 1M)", lambda: am.read_tape(csv)),
            ("read_tape(Parquet 1M)", lambda: am.read_tape(parquet)),
        ]
        print(f"median of {runs} runs, seconds")
        for name, fn in rows:
            print(f"{name:<52} {median_seconds(fn, runs):8.3f}")


if __name__ == "__main__":
    main()

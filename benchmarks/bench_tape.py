"""Tape validation speed: a million-loan DataFrame with three bad rows, and a million-row CSV.

Run: .venv/bin/python benchmarks/bench_tape.py
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from pathlib import Path

import abs_model as am
from abs_model.collateral.synthetic import synthetic_tape


def _time(fn: object, repeat: int = 3) -> float:
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with contextlib.suppress(am.TapeError):
            fn()  # type: ignore[operator]
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main() -> None:
    t0 = time.perf_counter()
    am.synthetic_pool(1_000_000, seed=0)
    print(f"synthetic_pool(1,000,000): {time.perf_counter() - t0:.2f} s")
    big = synthetic_tape(1_000_000, seed=4)
    big.loc[10, "rate"] = 6.0
    big.loc[500_000, "loan_id"] = big.loc[499_999, "loan_id"]
    print(f"read_tape(DataFrame of 1,000,000 loans, 2 bad): median {_time(lambda: am.read_tape(big)):.2f} s")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.csv"
        big.to_csv(path, index=False)
        print(f"read_tape(CSV of 1,000,000 loans, 2 bad): median {_time(lambda: am.read_tape(path)):.2f} s")


if __name__ == "__main__":
    main()

"""What `abs-model demo` spends writing its outputs once the deal has run: report.html,
model.xlsx, the CSVs and the Parquet file, timed part by part on a fresh result each time (so
nothing computed by the previous round is reused).

Run: .venv/bin/python benchmarks/bench_outputs.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import abs_model as am
from abs_model.analytics.strategies import compare_strategies
from abs_model.cli import _demo_deal_path, _write_outputs, stress_sweep


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    rounds = ap.parse_args().rounds
    deal = am.load_deal(_demo_deal_path())
    sweep = stress_sweep(deal)
    strategies = compare_strategies(deal)
    ts = []
    for _ in range(rounds):
        result = am.run(deal)  # a fresh result: its cached pool summary is not reused
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            _write_outputs(result, Path(tmp), lang="en", sweep=sweep, strategies=strategies)
            ts.append(time.perf_counter() - t0)
    print(f"demo outputs (report + workbook + CSV + Parquet), {deal.pool.n:,} receivables: "
          f"median {statistics.median(ts):.2f} s over {rounds} rounds (min {min(ts):.2f} s)")


if __name__ == "__main__":
    main()

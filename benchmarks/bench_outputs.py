"""What `abs-model demo` spends writing its outputs once the deal has run: report.html,
model.xlsx, the CSVs and the Parquet file, timed on a fresh result each time (so nothing computed
by the previous round is reused), then part by part: the pool summary (computed once per result,
shared by report and workbook), the report, the workbook.

Run: .venv/bin/python benchmarks/bench_outputs.py [--rounds 3]

Beside each wall time, the CPU time of this process (``cpu``): the steadier figure on a shared
machine.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import abs_model as am
from abs_model.analytics.strategies import compare_strategies
from abs_model.cli import _demo_deal_path, _write_outputs, stress_sweep
from abs_model.output.report import render_report
from abs_model.output.workbook import write_workbook


def _t(fn: Callable[[], Any]) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    rounds = ap.parse_args().rounds
    deal = am.load_deal(_demo_deal_path())
    sweep = stress_sweep(deal)
    strategies = compare_strategies(deal, as_run=True)
    times: dict[str, list[tuple[float, float]]] = {}
    for _ in range(rounds):
        result = am.run(deal)  # a fresh result: its cached pool summary is not reused
        with tempfile.TemporaryDirectory() as tmp:
            times.setdefault("all", []).append(
                _t(lambda: _write_outputs(result, Path(tmp), lang="en", sweep=sweep, strategies=strategies))  # noqa: B023
            )
        result = am.run(deal)
        with tempfile.TemporaryDirectory() as tmp:
            parts = {
                "pool summary": lambda: result.pool_summary,  # noqa: B023
                "report": lambda: render_report(result, Path(tmp) / "r.html", sweep=sweep, strategies=strategies),  # noqa: B023
                "workbook": lambda: write_workbook(result, Path(tmp) / "m.xlsx", sweep=sweep, strategies=strategies),  # noqa: B023
            }
            for name, fn in parts.items():
                times.setdefault(name, []).append(_t(fn))

    def med(name: str, i: int) -> float:
        return statistics.median(t[i] for t in times[name])

    print(f"demo outputs (report + workbook + CSV + Parquet), {deal.pool.n:,} receivables: "
          f"median {med('all', 0):.2f} s over {rounds} rounds (min {min(t[0] for t in times['all']):.2f} s), cpu {med('all', 1):.2f} s")
    for name in ("pool summary", "report", "workbook"):
        print(f"  {name:<13} {med(name, 0):.2f} s   cpu {med(name, 1):.2f} s")


if __name__ == "__main__":
    main()

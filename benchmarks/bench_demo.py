"""`abs-model demo` end to end: the whole command in a fresh interpreter (import included) and,
in one process, each stage of it (deal load, run, stress sweep, strategies, and the output stage
split into CSV + Parquet, report and workbook), each round on a fresh result so nothing cached by
the previous round is reused.

Run: .venv/bin/python benchmarks/bench_demo.py [--runs 3] [--no-subprocess]

Each stage prints its wall time and, beside it, the CPU time of this process (``cpu``): on a
shared machine the wall time grows with the other jobs' load, the CPU time much less, so it is
the steadier figure to compare (the demo is single-threaded apart from short numpy calls).

The whole-command time runs ``python -m abs_model.cli demo`` in a subprocess; set
``PYTHONDONTWRITEBYTECODE`` off in the environment (or run the command once) so the imports read
cached bytecode, as an installed package does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _t(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def stages(runs: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) seconds per stage of the demo, ``runs`` rounds in this process."""
    t_import, c_import, _ = _t(lambda: __import__("abs_model.cli"))
    import abs_model as am
    from abs_model.analytics.strategies import compare_strategies
    from abs_model.cli import _demo_deal_path, _write_outputs, stress_sweep
    from abs_model.output import report, workbook  # noqa: F401  (imported by the demo too)

    out: dict[str, list[tuple[float, float]]] = {"import abs_model.cli (first round only)": [(t_import, c_import)]}

    def rec(name: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        dt, dc, v = _t(lambda: fn(*args, **kw))
        out.setdefault(name, []).append((dt, dc))
        return v

    from abs_model.runs.runner import _PROFILES

    for _ in range(runs):
        _PROFILES.clear()  # a fresh command has no unit profiles yet (within a round they are reused, as in the demo)
        deal = rec("load_deal (500k synthetic pool)", am.load_deal, _demo_deal_path())
        result = rec("run", am.run, deal)
        sweep = rec("stress sweep (12 scenarios)", stress_sweep, deal)
        # as the demo runs it: the deal as run (the result above) first, then the baseline and three strategies
        strategies = rec("collection strategies", compare_strategies, deal, as_run=True, as_run_result=result)
        with tempfile.TemporaryDirectory() as tmp:
            rec(
                "outputs: CSV + Parquet + report + workbook",
                _write_outputs,
                result,
                Path(tmp),
                lang="en",
                sweep=sweep,
                strategies=strategies,
            )
    return out


def whole(runs: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of ``python -m abs_model.cli demo`` in a fresh interpreter."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    ts = []
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "abs_model.cli", "demo", "--out", tmp]
        subprocess.run(cmd, env=env, check=True, capture_output=True)  # bytecode cache warm
        for _ in range(runs):
            c0, t0 = os.times(), time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            c1 = os.times()
            ts.append((time.perf_counter() - t0, c1.children_user - c0.children_user + c1.children_system - c0.children_system))
    return ts


def _line(name: str, ts: list[tuple[float, float]]) -> None:
    wall, cpu = [t for t, _ in ts], [c for _, c in ts]
    print(f"  {name:<45} {statistics.median(wall):6.2f} s ({min(wall):.2f})   cpu {statistics.median(cpu):5.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-subprocess", action="store_true", help="skip the whole-command timing")
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; median of {a.runs} runs (min); cpu: median CPU seconds")
    for name, ts in stages(a.runs).items():
        _line(name, ts)
    if not a.no_subprocess:
        _line("whole `abs-model demo` (fresh interpreter)", whole(a.runs))
    print("targets: outputs <= 1.5 s, whole demo <= 3 s")


if __name__ == "__main__":
    main()

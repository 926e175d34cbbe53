"""`abs-model demo` end to end: the whole command in a fresh interpreter (import included) and,
in one process, each stage of it (deal load, run, stress sweep, strategies, and the output stage
split into CSV + Parquet, report and workbook), each round on a fresh result so nothing cached by
the previous round is reused.

Run: .venv/bin/python benchmarks/bench_demo.py [--runs 3] [--no-subprocess]

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


def _t(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def stages(runs: int) -> dict[str, list[float]]:
    """Seconds per stage of the demo, ``runs`` rounds in this process."""
    t_import, _ = _t(lambda: __import__("abs_model.cli"))
    import abs_model as am
    from abs_model.analytics.strategies import compare_strategies
    from abs_model.cli import _demo_deal_path, _write_outputs, stress_sweep
    from abs_model.output import report, workbook  # noqa: F401  (imported by the demo too)

    out: dict[str, list[float]] = {"import abs_model.cli (first round only)": [t_import]}

    def rec(name: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        dt, v = _t(lambda: fn(*args, **kw))
        out.setdefault(name, []).append(dt)
        return v

    from abs_model.runs.runner import _PROFILES

    for _ in range(runs):
        _PROFILES.clear()  # a fresh command has no unit profiles yet (within a round they are reused, as in the demo)
        deal = rec("load_deal (500k synthetic pool)", am.load_deal, _demo_deal_path())
        result = rec("run", am.run, deal)
        sweep = rec("stress sweep (12 scenarios)", stress_sweep, deal)
        strategies = rec("collection strategies", compare_strategies, deal)
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


def whole(runs: int) -> list[float]:
    """Wall seconds of ``python -m abs_model.cli demo`` in a fresh interpreter."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    ts = []
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "abs_model.cli", "demo", "--out", tmp]
        subprocess.run(cmd, env=env, check=True, capture_output=True)  # bytecode cache warm
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, env=env, check=True, capture_output=True)
            ts.append(time.perf_counter() - t0)
    return ts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-subprocess", action="store_true", help="skip the whole-command timing")
    a = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; median of {a.runs} runs (min)")
    for name, ts in stages(a.runs).items():
        print(f"  {name:<45} {statistics.median(ts):6.2f} s ({min(ts):.2f})")
    if not a.no_subprocess:
        ts = whole(a.runs)
        print(f"  {'whole `abs-model demo` (fresh interpreter)':<45} {statistics.median(ts):6.2f} s ({min(ts):.2f})")
    print("targets: outputs <= 1.5 s, whole demo <= 3 s")


if __name__ == "__main__":
    main()

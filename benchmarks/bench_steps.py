"""Issue 16, fifth round (the per-period cost of the collateral projection): breakeven and the
10,000-scenario sweep of benchmarks/bench_scale.py, this tree against an earlier revision of the
package, alternating in one process.

The earlier revision is exported with ``git archive REV abs_model`` into a temporary folder and
imported as ``abs_model_base`` (every ``abs_model`` name in it renamed); both use this tree's
``tranches``. Each timed call starts with empty caches (unit profiles, mix periods, weight
tables), as benchmarks/bench_scale.py's ``cold``. Also prints the largest difference between the
two results (breakeven's frame; the sweep's metric columns), which must be float64 noise.

Run: .venv/bin/python benchmarks/bench_steps.py [--against ba8ab21] [--repeat 5] [--pool 1000000] [--skip-sweep] [--skip-breakeven]
"""

from __future__ import annotations

import argparse
import functools
import importlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

import abs_model as am

ROOT = Path(__file__).resolve().parents[1]
DEAL = ROOT / "examples" / "baitiao_revolving.yaml"
GRID = {
    "prepay": list(np.linspace(0.5, 1.5, 10)),
    "default": list(np.linspace(0.5, 4.0, 100)),
    "recovery": list(np.linspace(0.5, 1.0, 10)),
}


def load_revision(rev: str, into: Path) -> ModuleType:
    """The package at ``rev`` as ``abs_model_base`` (exported under ``into``)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "abs_model"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    src, dst = into / "abs_model", into / "abs_model_base"
    src.rename(dst)
    word = re.compile(r"\babs_model\b")
    for path in dst.rglob("*.py"):
        path.write_text(word.sub("abs_model_base", path.read_text(encoding="utf-8")), encoding="utf-8")
    sys.path.insert(0, str(into))
    return importlib.import_module("abs_model_base")


def cold(pkg: ModuleType) -> None:
    runner = importlib.import_module(pkg.__name__ + ".runs.runner")
    engine = importlib.import_module(pkg.__name__ + ".projection.engine")
    runner._PROFILES.clear()
    runner._MIX_PERIODS.clear()
    engine._TABLES.clear()


def alternate(jobs: dict[str, Callable[[], Any]], cleanups: dict[str, Callable[[], None]], repeat: int) -> dict[str, list[float]]:
    """Seconds of each job, ``repeat`` times, alternating the order every round."""
    names = list(jobs)
    out: dict[str, list[float]] = {k: [] for k in names}
    for r in range(repeat):
        for k in names if r % 2 == 0 else names[::-1]:
            cleanups[k]()
            t0 = time.perf_counter()
            jobs[k]()
            out[k].append(time.perf_counter() - t0)
    return out


def _numbers(x: Any) -> pd.DataFrame:
    frame = x.frame if hasattr(x, "frame") else x
    return frame.select_dtypes("number").reset_index(drop=True)


def report(what: str, ts: dict[str, list[float]], results: dict[str, Any]) -> None:
    (old_name, old), (new_name, new) = ts.items()
    mo, mn = statistics.median(old), statistics.median(new)
    print(f"{what}: {old_name} median {mo:.3f} s {[round(x, 3) for x in old]}; "
          f"{new_name} median {mn:.3f} s {[round(x, 3) for x in new]}; new / old = {mn / mo:.2f}")
    a, b = _numbers(results[old_name]), _numbers(results[new_name])
    rel = ((b - a).abs() / a.abs().max().replace(0.0, 1.0)).max().max()
    print(f"  largest difference, relative to each column's largest magnitude: {rel:.1e}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--against", default="ba8ab21")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--pool", type=int, default=1_000_000)
    p.add_argument("--skip-sweep", action="store_true")
    p.add_argument("--skip-breakeven", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = load_revision(args.against, Path(tmp))
        pkgs = {args.against: base, "this tree": am}
        deals = {k: m.load_deal(DEAL, pool=m.synthetic_pool(args.pool, seed=1)) for k, m in pkgs.items()}
        cleanups: dict[str, Callable[[], None]] = {k: functools.partial(cold, m) for k, m in pkgs.items()}
        print(f"deal: {deals['this tree'].name}, {args.pool:,} receivables")
        if not args.skip_breakeven:
            be: dict[str, Callable[[], Any]] = {k: functools.partial(m.breakeven, deals[k]) for k, m in pkgs.items()}
            results = {k: f() for k, f in be.items()}  # warm
            report("breakeven, every class x the 6 stresses", alternate(be, cleanups, args.repeat), results)
        if not args.skip_sweep:
            sw: dict[str, Callable[[], Any]] = {k: functools.partial(m.sweep, deals[k], GRID, progress=False) for k, m in pkgs.items()}
            results = {k: f() for k, f in sw.items()}
            report("sweep, 10,000 scenarios in process", alternate(sw, cleanups, args.repeat), results)


if __name__ == "__main__":
    main()

"""Issue 16: breakeven of every class × the 6 stress scenarios (Baitiao revolving example on a
1M-receivable pool), the path of ba8ab21 (its solver; each variant's deal and assumptions built every pass) against
today's, alternating in one process.

Run: .venv/bin/python benchmarks/bench_breakeven.py [--repeat 5] [--pool 1000000]

Each timed run starts with empty caches (:func:`benchmarks.bench_scale.cold`). Prints the median
of each path, their ratio, the passes and (scenario, multiple) rows each path evaluated, and
checks that every bracket of today's solver holds the first-loss point found by the old one
(the brackets overlap) and is at most ``tol × upper_mult`` wide.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import abs_model as am
import abs_model.analytics.breakeven as breakeven_mod

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the ba8ab21 solver, kept for the tests
from benchmarks.bench_scale import DEAL, cold
from tests.abs_model.core.first_positive_reference import reference_first_positive

_LOSSES = breakeven_mod._losses


def uncached(deal: Any, a: Any, scen: Any, s_idx: np.ndarray, mult: np.ndarray, variants: Any = None) -> Any:
    """ba8ab21: every pass builds each variant's deal and assumptions again."""
    return _LOSSES(deal, a, scen, s_idx, mult)


def run(deal: am.Deal, *, old: bool) -> tuple[float, Any, list[int]]:
    """One cold breakeven; the ba8ab21 path (its solver, variants built every pass) when ``old``.
    Returns (seconds, result, rows per pass)."""
    rows: list[int] = []
    inner = breakeven_mod._Runner._rows

    def counted(self: Any, s: np.ndarray, m: np.ndarray) -> Any:
        rows.append(int(s.size))
        return inner(self, s, m)

    saved = breakeven_mod.first_positive, breakeven_mod._losses
    breakeven_mod._Runner._rows = counted  # type: ignore[method-assign]
    if old:
        breakeven_mod.first_positive = reference_first_positive  # type: ignore[assignment]
        breakeven_mod._losses = uncached  # type: ignore[assignment]
    try:
        cold()
        t0 = time.perf_counter()
        res = am.breakeven(deal)
        return time.perf_counter() - t0, res, rows
    finally:
        breakeven_mod._Runner._rows = inner  # type: ignore[method-assign]
        breakeven_mod.first_positive, breakeven_mod._losses = saved


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pool", type=int, default=1_000_000)
    args = ap.parse_args()
    deal = am.load_deal(DEAL, pool=am.synthetic_pool(args.pool, seed=1))
    run(deal, old=False)  # warm: imports, the deal's rep-lines
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(args.repeat):
        for old in (True, False):
            t, res, rows = run(deal, old=old)
            times[old].append(t)
            if old:
                want, old_rows = res.frame, rows
            else:
                got, new_rows = res.frame, rows
    t_old, t_new = statistics.median(times[True]), statistics.median(times[False])
    print(f"breakeven {args.pool:,} receivables, 3 classes x 6 stresses x 2 variants, tol 1e-9: "
          f"ba8ab21 solver median {t_old:.3f} s {[round(x, 3) for x in times[True]]}, "
          f"now {t_new:.3f} s {[round(x, 3) for x in times[False]]}; ratio {t_old / t_new:.2f}x (of the fastest runs "
          f"{min(times[True]) / min(times[False]):.2f}x)")
    print(f"passes {int(want['passes'].iloc[0])} -> {int(got['passes'].iloc[0])}; rows per pass {old_rows} "
          f"({sum(old_rows)}) -> {new_rows} ({sum(new_rows)})")
    width_ok = bool((got["upper_mult"] - got["breakeven_mult"] <= 1e-9 * got["upper_mult"]).all())
    overlap = bool((np.maximum(got["breakeven_mult"], want["breakeven_mult"]) < np.minimum(got["upper_mult"], want["upper_mult"])).all())
    rel = float((np.abs(got["breakeven_mult"] - want["breakeven_mult"]) / want["breakeven_mult"]).max())
    print(f"brackets within tol: {width_ok}; overlap the old ones: {overlap}; largest relative difference {rel:.1e}")


if __name__ == "__main__":
    main()

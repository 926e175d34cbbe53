"""Issue 16: ``abs-model run`` on a 1,000,000-receivable tape, by stage, in one process.

The tape (:func:`abs_model.collateral.synthetic.synthetic_tape`, cut-off 2026-06-30, the Baitiao example's) is written
once as Parquet in a temporary folder. Each round times, as ``cmd_run`` does them: reading the
deal with the tape (tape parsing and validation, ``load_deal(tape=…)``), the run, the outputs
(``_write_outputs``: CSV + Parquet + report + workbook, staged and swapped into place) and the
console summary; the import of the package and the CLI is timed once, first. The issue's target
excludes tape parsing: import + run + outputs + console ≤ 3 s, outputs ≤ 1.5 s.

Run: .venv/bin/python benchmarks/bench_run.py [--rounds 4] [--loans 1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()
import abs_model as am  # noqa: E402 - the import is timed
from abs_model import cli  # noqa: E402
from abs_model.collateral.synthetic import synthetic_tape  # noqa: E402

IMPORT_S = time.perf_counter() - T0
DEAL = Path(__file__).resolve().parents[1] / "examples" / "baitiao_revolving.yaml"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--loans", type=int, default=1_000_000)
    args = ap.parse_args()
    stages: dict[str, list[float]] = {"tape parsing (load_deal with the tape)": [], "run": [], "outputs": [], "console": []}
    with tempfile.TemporaryDirectory() as d:
        tape = Path(d) / "tape.parquet"
        synthetic_tape(args.loans, seed=4, cutoff_date="2026-06-30").to_parquet(tape, index=False)
        for _ in range(args.rounds):
            t = [time.perf_counter()]
            deal = am.load_deal(DEAL, tape=tape)
            t.append(time.perf_counter())
            res = am.run(deal)
            t.append(time.perf_counter())
            with tempfile.TemporaryDirectory() as out:
                cli._write_outputs(res, Path(out), lang="en")
            t.append(time.perf_counter())
            with contextlib.redirect_stdout(io.StringIO()):
                cli._print_summary(res, lang="en")
            t.append(time.perf_counter())
            for k, a, b in zip(stages, t, t[1:], strict=False):
                stages[k].append(b - a)
    print(f"abs-model run on a {args.loans:,}-receivable Parquet tape; load average {os.getloadavg()[0]:.2f}; "
          f"median of {args.rounds} rounds (all)")
    print(f"  import abs_model + cli (once)             {IMPORT_S:5.2f} s")
    med = {k: statistics.median(v) for k, v in stages.items()}
    for k, v in stages.items():
        print(f"  {k:40s} {med[k]:5.2f} s  {[round(x, 2) for x in v]}")
    rest = IMPORT_S + med["run"] + med["outputs"] + med["console"]
    print(f"  without tape parsing: import + run + outputs + console = {rest:.2f} s   targets: outputs <= 1.5 s, this <= 3 s")


if __name__ == "__main__":
    main()

"""``abs-model surveil DEAL.yaml --actuals FILE [--notes FILE] --out DIR``.

Reads the reported pool history (and note actuals), runs the pricing projection, and writes:

- ``observed_metrics.csv``: the standard observed metrics of the history, by period;
- ``actual_vs_expected.csv``: actual, expected and variance of every metric, by period;
- ``notes_actual_vs_expected.csv``: note balances (and payments) reported vs projected;
- ``reprojection_pool.csv`` / ``reprojection_tranches.csv``: the deal re-projected from its last
  reported period (or ``--period K``) under assumptions calibrated on the history (or the
  pricing assumptions with ``--reproject-with pricing``);
- ``reconciliation.csv``: note balances at ``k`` replayed by the waterfall vs reported;
- ``surveillance.html``: the comparison table of the last period and charts (CPR, cumulative net
  loss, pool balance reported then re-projected).

Text that would start a spreadsheet formula is written with a leading apostrophe, by the one rule
of :func:`abs_model.output.safe_text.csv_safe` (cells of every text dtype, column names, index
labels). The output folder is checked before the run; files are written atomically.
"""

from __future__ import annotations

import argparse
import shutil
from typing import Any

import pandas as pd

__all__ = ["add_surveil_parser", "cmd_surveil"]

def add_surveil_parser(sub: Any) -> None:
    """Register the ``surveil`` sub-command on the CLI's sub-parsers."""
    s = sub.add_parser("surveil", help="compare reported performance with the projection and re-project from the last period")
    s.add_argument("deal")
    s.add_argument("--actuals", required=True, help="pool performance history (CSV/XLSX/Parquet)")
    s.add_argument("--notes", help="note actuals: period, tranche, balance[, principal_paid, interest_paid]")
    s.add_argument("--tape")
    s.add_argument("--assumptions", help="pricing assumptions (default: the deal file's)")
    s.add_argument("--period", type=int, help="re-project from this reported period (default: the last)")
    s.add_argument("--reproject-with", choices=["calibrated", "pricing"], default="calibrated")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_surveil)


def cmd_surveil(args: argparse.Namespace) -> int:
    import abs_model as am
    from abs_model.analytics.surveillance import actual_vs_expected, pool_metrics, reproject
    from abs_model.collateral.actuals import read_note_actuals, read_pool_actuals
    from abs_model.output.atomic import (
        atomic_write,
        check_output_folder,
        prepare_output_folder,
        replace_all,
        staging_folder,
    )
    from abs_model.output.safe_text import csv_safe
    from abs_model.output.surveillance_report import render_surveillance

    check_output_folder(args.out)  # before the run: a file or an unwritable place is refused at once
    pool = am.Pool.from_tape(am.read_tape(args.tape)) if args.tape else None
    deal = am.load_deal(args.deal, pool=pool)
    from abs_model.cli import protect_inputs

    protect_inputs(args, deal)  # a tape the deal file names
    pricing = am.load_assumptions(args.assumptions) if args.assumptions else None
    history = read_pool_actuals(args.actuals)
    notes = read_note_actuals(args.notes, tranches=list(deal.tranche_names)) if args.notes else None
    expected = am.run(deal, pricing)
    frames = actual_vs_expected(expected, history, note_actuals=notes)
    rp = reproject(
        deal, history, note_actuals=notes, period=args.period,
        assumptions=expected.assumptions if args.reproject_with == "pricing" else None,
    )
    tranches = pd.concat(dict(rp.result.tranches), names=["tranche", "period"]).reset_index()
    outputs = {
        "observed_metrics.csv": (pool_metrics(history, original_balance=deal.pool.balance), True),
        "actual_vs_expected.csv": (frames.pool, True),
        "notes_actual_vs_expected.csv": (frames.notes, False),
        "reprojection_pool.csv": (rp.result.pool, True),
        "reprojection_tranches.csv": (tranches, False),
        "reconciliation.csv": (rp.reconciliation, False),
    }
    html = render_surveillance(frames, rp)  # rendered before anything is written
    out = prepare_output_folder(args.out)
    staging = staging_folder(out)
    try:  # the seven files as one set, like the outputs of run: a failure part-way leaves the old set
        for name, (df, index) in outputs.items():
            with atomic_write(staging / name, "w") as fh:
                csv_safe(df).to_csv(fh, index=index)
        with atomic_write(staging / "surveillance.html", "w") as fh:
            fh.write(html)
        replace_all([staging / name for name in (*outputs, "surveillance.html")], out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"{deal.name}: {len(history)} reported periods; re-projected from period {rp.period} (run-off scale {rp.scale:.6f})")
    print("\nWrote:")
    for name in (*outputs, "surveillance.html"):
        print(f"  {out / name}")
    return 0

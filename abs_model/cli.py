"""The ``abs-model`` command line.

``abs-model demo [--out DIR]``: the embedded Baitiao revolving example end to end — projection,
waterfall, a small stress sweep — writing report.html, model.xlsx and the cash flows as CSV and
Parquet; prints where they are.

``abs-model run DEAL.yaml [--tape FILE] [--assumptions FILE] --out DIR [--lang zh]``,
``abs-model validate DEAL.yaml [--tape FILE]``.

Errors are one clear message and exit code 2 (no traceback unless ``--debug``). Outputs are
written atomically: a failed run leaves no half-written file and never replaces a good one.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

import abs_model as am


def _demo_deal_path() -> Path:
    return Path(str(resources.files("abs_model.data").joinpath("baitiao_revolving.yaml")))


def _write_outputs(result: Any, out: Path, *, lang: str, sweep: pd.DataFrame | None = None) -> list[Path]:
    from abs_model.atomic import atomic_write

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    pool = result.pool
    p = out / "pool_cashflows.csv"
    with atomic_write(p, "w") as fh:
        pool.to_csv(fh)
    written.append(p)
    tranches = pd.concat({k: v for k, v in result.tranches.items()}, names=["tranche", "period"]).reset_index()
    p = out / "tranche_cashflows.csv"
    with atomic_write(p, "w") as fh:
        tranches.to_csv(fh, index=False)
    written.append(p)
    p = out / "cashflows.parquet"
    with atomic_write(p, "wb") as fh:
        pool.reset_index().to_parquet(fh, index=False)
    written.append(p)
    from abs_model.report import render_report
    from abs_model.workbook import write_workbook

    p = out / "report.html"
    render_report(result, p, lang=lang, sweep=sweep)
    written.append(p)
    p = out / "model.xlsx"
    write_workbook(result, p, lang=lang, sweep=sweep)
    written.append(p)
    return written


def stress_sweep(deal: Any, assumptions: Any = None) -> pd.DataFrame:
    """A small grid (prepayment × default multiples) run as one vectorised batch; one row per
    scenario and tranche with the tranche's loss and WAL."""
    import numpy as np

    from abs_model.runner import run_arrays
    from abs_model.yields import wal

    a = assumptions if assumptions is not None else (deal.assumptions or am.Assumptions.make())
    pm, dm = np.meshgrid([0.5, 1.0, 1.5], [1.0, 2.0, 3.0, 4.0], indexing="ij")
    _, _, _, liab = run_arrays(deal, a, prepay_mult=pm.ravel(), default_mult=dm.ravel())
    rows = []
    for name in deal.tranche_names:
        tr_res = liab.tranche(name)
        for s in range(pm.size):
            prin = tr_res.principal_paid[s]
            orig = float(tr_res.original_balance)
            rows.append(
                {
                    "prepay_multiple": float(pm.ravel()[s]),
                    "default_multiple": float(dm.ravel()[s]),
                    "tranche": name,
                    "loss_pct": float(tr_res.writedown[s].sum() / orig) if orig else 0.0,
                    "wal_years": float(wal(prin)) if prin.sum() > 0 else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def cmd_demo(args: argparse.Namespace) -> int:
    deal = am.load_deal(_demo_deal_path())
    result = am.run(deal)
    sweep = stress_sweep(deal)
    written = _write_outputs(result, Path(args.out), lang=args.lang, sweep=sweep)
    _print_summary(result)
    print("\nStress sweep (loss % of original balance):")
    print(sweep.pivot_table(index=["prepay_multiple", "default_multiple"], columns="tranche", values="loss_pct").to_string(float_format=lambda v: f"{v:.2%}"))
    print("\nWrote:")
    for p in written:
        print(f"  {p}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    pool = am.Pool.from_tape(am.read_tape(args.tape)) if args.tape else None
    deal = am.load_deal(args.deal, pool=pool)
    a = am.load_assumptions(args.assumptions) if args.assumptions else None
    result = am.run(deal, a)
    written = _write_outputs(result, Path(args.out), lang=args.lang)
    _print_summary(result)
    print("\nWrote:")
    for p in written:
        print(f"  {p}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    pool = am.Pool.from_tape(am.read_tape(args.tape)) if args.tape else None
    deal = am.load_deal(args.deal, pool=pool)
    print(f"{args.deal}: valid — {len(deal.tranche_names)} tranches, pool of {deal.pool.n:,} receivables, balance {deal.pool.balance:,.2f} {deal.currency}")
    return 0


def _print_summary(result: Any) -> None:
    print(f"{result.deal.name} — {result.assumptions.convention} convention, {len(result.pool) - 1} periods")
    s = result.summary()[["class", "original_balance", "wal_years", "first_principal_period", "last_principal_period", "loss_pct"]]
    print(s.to_string(float_format=lambda v: f"{v:,.4f}"))
    ps = result.pool_cf.summary
    print(
        f"Pool: collections {ps['total_collections']:,.2f}, defaults {ps['defaults']:,.2f}, "
        f"recoveries {ps['recoveries']:,.2f}, purchases {result.pool['purchases'].sum():,.2f}"
    )
    print("Checks passed: " + "; ".join(c.name for c in result.checks))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="abs-model", description="Asset-securitisation cash-flow modelling.")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="run the embedded Baitiao revolving example end to end")
    d.add_argument("--out", default="out/demo", help="output folder (default out/demo)")
    d.add_argument("--lang", default="en", choices=["en", "zh"])
    d.set_defaults(func=cmd_demo)
    r = sub.add_parser("run", help="run a deal file")
    r.add_argument("deal")
    r.add_argument("--tape")
    r.add_argument("--assumptions")
    r.add_argument("--out", required=True)
    r.add_argument("--lang", default="en", choices=["en", "zh"])
    r.set_defaults(func=cmd_run)
    v = sub.add_parser("validate", help="check a deal file (and a tape) without running it")
    v.add_argument("deal")
    v.add_argument("--tape")
    v.set_defaults(func=cmd_validate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, ArithmeticError, OSError) as exc:
        if args.debug:
            traceback.print_exc()
        print(f"abs-model: error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an internal error: still one line, the traceback on --debug
        if args.debug:
            traceback.print_exc()
        print(f"abs-model: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

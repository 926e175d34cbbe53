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
import dataclasses
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

import abs_model as am
from abs_model.output.safe_text import csv_safe


def _demo_deal_path() -> Path:
    return Path(str(resources.files("abs_model.data").joinpath("baitiao_revolving.yaml")))


def _write_outputs(
    result: Any, out: Path, *, lang: str, sweep: pd.DataFrame | None = None, strategies: pd.DataFrame | None = None
) -> list[Path]:
    """Write every output into a staging folder inside ``out``, then move them all into place:
    a run that fails or is interrupted part-way leaves the previous outputs as they were (not a
    mix of new CSVs and an old workbook) and no temporary files."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".abs-model-", suffix=".tmp", dir=out))
    try:
        staged = _write_staged(result, staging, lang=lang, sweep=sweep, strategies=strategies)
        written = []
        for p in staged:
            os.replace(p, out / p.name)
            written.append(out / p.name)
        return written
    except OSError as exc:  # name the output the user asked for, not the staging copy
        if exc.filename is not None and Path(exc.filename).parent == staging:
            raise OSError(exc.errno, exc.strerror or str(exc), str(out / Path(exc.filename).name)) from exc
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_staged(
    result: Any, out: Path, *, lang: str, sweep: pd.DataFrame | None = None, strategies: pd.DataFrame | None = None
) -> list[Path]:
    from abs_model.output.atomic import atomic_write

    written: list[Path] = []
    pool = result.pool
    p = out / "pool_cashflows.csv"
    with atomic_write(p, "w") as fh:
        csv_safe(pool).to_csv(fh)
    written.append(p)
    tranches = pd.concat({k: v for k, v in result.tranches.items()}, names=["tranche", "period"]).reset_index()
    p = out / "tranche_cashflows.csv"
    with atomic_write(p, "w") as fh:
        csv_safe(tranches).to_csv(fh, index=False)
    written.append(p)
    p = out / "cashflows.parquet"
    with atomic_write(p, "wb") as fh:
        pool.reset_index().to_parquet(fh, index=False)
    written.append(p)
    from abs_model.output.report import render_report
    from abs_model.output.workbook import write_workbook

    p = out / "report.html"
    render_report(result, p, lang=lang, sweep=sweep, strategies=strategies)
    written.append(p)
    p = out / "model.xlsx"
    write_workbook(result, p, lang=lang, sweep=sweep, strategies=strategies)
    written.append(p)
    return written


def stress_sweep(deal: Any, assumptions: Any = None) -> pd.DataFrame:
    """A small grid (prepayment × default multiples) run as one vectorised batch; one row per
    scenario and tranche with the tranche's loss and WAL (now :func:`abs_model.analytics.sweep.sweep`)."""
    from abs_model.analytics.sweep import sweep

    out = sweep(
        deal,
        {"prepay": [0.5, 1.0, 1.5], "default": [1.0, 2.0, 3.0, 4.0]},
        assumptions=assumptions,
        metrics=["loss_pct", "wal_years"],
        progress=False,
    )
    return out.rename(columns={"prepay": "prepay_multiple", "default": "default_multiple"})[
        ["prepay_multiple", "default_multiple", "tranche", "loss_pct", "wal_years"]
    ]


def cmd_demo(args: argparse.Namespace) -> int:
    deal = am.load_deal(_demo_deal_path())
    result = am.run(deal)
    sweep = stress_sweep(deal)
    from abs_model.analytics.strategies import compare_strategies

    strategies = compare_strategies(deal)
    written = _write_outputs(result, Path(args.out), lang=args.lang, sweep=sweep, strategies=strategies)
    _print_summary(result)
    print("\nStress sweep (loss % of original balance):")
    print(sweep.pivot_table(index=["prepay_multiple", "default_multiple"], columns="tranche", values="loss_pct").to_string(float_format=lambda v: f"{v:.2%}"))
    print("\nCollection strategies:")
    cols = ["npv_collections", "collection_costs", "cumulative_default_rate", "net_loss_rate", "peak_delinquency_30p"]
    print(strategies[cols].to_string(float_format=lambda v: f"{v:,.4f}"))
    print("\nWrote:")
    for p in written:
        print(f"  {p}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    pool = am.Pool.from_tape(am.read_tape(args.tape)) if args.tape else None
    deal = am.load_deal(args.deal, pool=pool)
    extra = tuple(f for f in (args.tape, args.assumptions) if f)
    if extra:
        deal = dataclasses.replace(deal, input_files=deal.input_files + extra)
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


def _parse_grid(items: Sequence[str]) -> dict[str, list[Any]]:
    """``["prepay=0.5,1,1.5", "timing=base,front"]`` → ``{"prepay": [0.5, 1.0, 1.5], "timing": [...]}``."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise am.AssumptionError(f"--grid: must look like NAME=V1,V2,...; got {item!r}")
        vals: list[Any] = []
        for v in values.split(","):
            v = v.strip()
            try:
                vals.append(float(v))
            except ValueError:
                vals.append(v)
        grid[name] = vals
    return grid


def cmd_sweep(args: argparse.Namespace) -> int:
    from abs_model.analytics.sweep import sweep
    from abs_model.output.atomic import atomic_write

    pool = am.Pool.from_tape(am.read_tape(args.tape)) if args.tape else None
    deal = am.load_deal(args.deal, pool=pool)
    a = am.load_assumptions(args.assumptions) if args.assumptions else None
    grid = _parse_grid(args.grid) if args.grid else {"prepay": [0.5, 1.0, 1.5], "default": [1.0, 2.0, 3.0]}
    df = sweep(deal, grid, assumptions=a, chunk=args.chunk, progress=False if args.quiet else None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    p = out / "sweep.csv"
    with atomic_write(p, "w") as fh:
        csv_safe(df).to_csv(fh, index=False)
    print(f"{deal.name}: {df['scenario_id'].nunique():,} scenarios × {len(deal.tranche_names)} tranches")
    print("\nLoss % of original balance:")
    print(df.pivot_table(index=list(grid), columns="tranche", values="loss_pct", sort=False).to_string(float_format=lambda v: f"{v:.2%}"))
    print(f"\nWrote:\n  {p}")
    return 0


def cmd_breakeven(args: argparse.Namespace) -> int:
    from abs_model.analytics.breakeven import breakeven
    from abs_model.output.atomic import atomic_write

    pool = am.Pool.from_tape(am.read_tape(args.tape)) if args.tape else None
    deal = am.load_deal(args.deal, pool=pool)
    a = am.load_assumptions(args.assumptions) if args.assumptions else None
    res = breakeven(deal, assumptions=a, upper=args.upper, unbracketed="nan")
    s = res.summary
    print(f"{deal.name}: breakeven default multiples (临界违约率), minimum over {res.frame['scenario'].nunique()} stress scenarios")
    print(f"base cumulative default rate {res.base_default_rate:.4%}; targets: " + ", ".join(f"{r} {v:.2%}" for r, v in res.target_rates.items()))
    fmt = s.copy()
    for c in ("breakeven_default_rate", "base_default_rate"):
        fmt[c] = fmt[c].map(lambda v: f"{v:.4%}")
    print(fmt.to_string(index=False, float_format=lambda v: f"{v:,.6f}"))
    unb = res.frame[res.frame["bracket"] != ""]
    if len(unb):
        print("\nNot bracketed (NaN above; raise --upper):")
        print(unb[["tranche", "scenario", "variant", "bracket"]].to_string(index=False))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in (("breakeven.csv", res.frame), ("breakeven_summary.csv", s)):
            p = out / name
            with atomic_write(p, "w") as fh:
                csv_safe(frame).to_csv(fh, index=False)
            written.append(p)
        print("\nWrote:")
        for p in written:
            print(f"  {p}")
    return 0


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
    sw = sub.add_parser("sweep", help="run a grid of stress scenarios (one vectorised batch per chunk)")
    sw.add_argument("deal")
    sw.add_argument("--grid", action="append", default=[], help='NAME=V1,V2,... (repeat; Cartesian product), e.g. "prepay=0.5,1,1.5"')
    sw.add_argument("--tape")
    sw.add_argument("--assumptions")
    sw.add_argument("--chunk", type=int, default=1000, help="scenarios per batch (default 1000)")
    sw.add_argument("--out", required=True)
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.set_defaults(func=cmd_sweep)
    be = sub.add_parser("breakeven", help="breakeven default multiples per class across the stress scenarios")
    be.add_argument("deal")
    be.add_argument("--tape")
    be.add_argument("--assumptions")
    be.add_argument("--upper", type=float, default=50.0, help="highest default multiple searched (default 50)")
    be.add_argument("--out")
    be.set_defaults(func=cmd_breakeven)
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
    except KeyboardInterrupt:
        if args.debug:
            traceback.print_exc()
        print("abs-model: interrupted; outputs already in place were left as they were", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error: still one line, the traceback on --debug
        if args.debug:
            traceback.print_exc()
        print(f"abs-model: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

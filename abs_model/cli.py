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


def _demo_deal_path() -> Path:
    return Path(str(resources.files("abs_model.data").joinpath("baitiao_revolving.yaml")))


def _write_outputs(
    result: am.DealResult, out: Path, *, lang: str, sweep: pd.DataFrame | None = None, strategies: pd.DataFrame | None = None
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
    result: am.DealResult, out: Path, *, lang: str, sweep: pd.DataFrame | None = None, strategies: pd.DataFrame | None = None
) -> list[Path]:
    from abs_model.output.atomic import atomic_write

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
    deal = _warn(am.load_deal(_demo_deal_path()))
    result = am.run(deal)
    sweep = stress_sweep(deal)
    from abs_model.analytics.strategies import compare_strategies

    strategies = compare_strategies(deal)
    written = _write_outputs(result, Path(args.out), lang=args.lang, sweep=sweep, strategies=strategies)
    from abs_model.output import console

    _print_summary(result)
    print("\nStress sweep: loss, % of original balance")
    print(console.sweep_table(sweep, ["prepay_multiple", "default_multiple"]))
    print("\nCollection strategies")
    print(console.strategies_table(strategies))
    print("\nWrote:")
    for p in written:
        print(f"  {p}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    pool = am.Pool.from_tape(am.read_tape(args.tape)) if args.tape else None
    deal = _warn(am.load_deal(args.deal, pool=pool))
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
    deal = _warn(am.load_deal(args.deal, pool=pool))
    print(f"{args.deal}: valid — {len(deal.tranche_names)} tranches, pool of {deal.pool.n:,} receivables, balance {deal.pool.balance:,.2f} {deal.currency}")
    return 0


def _warn(deal: am.Deal) -> am.Deal:
    """Print a warning for every implausible value of ``deal`` (see abs_model.deal.plausibility)."""
    from abs_model.deal.plausibility import implausible

    for msg in implausible(deal):
        print(f"abs-model: warning: {msg}", file=sys.stderr)
    return deal


def _print_summary(result: am.DealResult) -> None:
    from abs_model.output.console import deal_summary

    print(deal_summary(result))


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
    deal = _warn(am.load_deal(args.deal, pool=pool))
    a = am.load_assumptions(args.assumptions) if args.assumptions else None
    grid = _parse_grid(args.grid) if args.grid else {"prepay": [0.5, 1.0, 1.5], "default": [1.0, 2.0, 3.0]}
    df = sweep(deal, grid, assumptions=a, chunk=args.chunk, progress=False if args.quiet else None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    p = out / "sweep.csv"
    with atomic_write(p, "w") as fh:
        df.to_csv(fh, index=False)
    print(f"{deal.name}: {df['scenario_id'].nunique():,} scenarios × {len(deal.tranche_names)} tranches")
    from abs_model.output.console import sweep_table

    print("\nLoss % of original balance")
    print(sweep_table(df, list(grid)))
    print(f"\nWrote:\n  {p}")
    return 0


def cmd_breakeven(args: argparse.Namespace) -> int:
    from abs_model.analytics.breakeven import breakeven
    from abs_model.output.atomic import atomic_write

    pool = am.Pool.from_tape(am.read_tape(args.tape)) if args.tape else None
    deal = _warn(am.load_deal(args.deal, pool=pool))
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
                frame.to_csv(fh, index=False)
            written.append(p)
        print("\nWrote:")
        for p in written:
            print(f"  {p}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="abs-model", description="Asset-securitisation cash-flow modelling.")
    p.add_argument("--version", action="version", version=f"abs-model {am.__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    # Global options are accepted after the subcommand too (``abs-model run deal.yaml --debug``);
    # SUPPRESS keeps a value given before the subcommand.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks on errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".", parents=[common])

    lang = {"default": "en", "choices": ["en", "zh"], "help": "language of the report and workbook (default en)"}
    tape = "loan tape (CSV, Parquet or XLSX) replacing the deal file's pool"
    assumptions = "assumptions file (YAML) replacing the deal file's assumptions"
    d = add("demo", "run the embedded Baitiao revolving example end to end")
    d.add_argument("--out", default="out/demo", help="output folder (default out/demo)")
    d.add_argument("--lang", **lang)  # type: ignore[arg-type]
    d.set_defaults(func=cmd_demo)
    r = add("run", "run a deal file and write the report, workbook and cash flows")
    r.add_argument("deal", help="deal file (YAML)")
    r.add_argument("--tape", help=tape)
    r.add_argument("--assumptions", help=assumptions)
    r.add_argument("--out", required=True, help="output folder (created if missing)")
    r.add_argument("--lang", **lang)  # type: ignore[arg-type]
    r.set_defaults(func=cmd_run)
    v = add("validate", "check a deal file (and a tape) without running it")
    v.add_argument("deal", help="deal file (YAML)")
    v.add_argument("--tape", help=tape)
    v.set_defaults(func=cmd_validate)
    sw = add("sweep", "run a grid of stress scenarios (one vectorised batch per chunk)")
    sw.add_argument("deal", help="deal file (YAML)")
    sw.add_argument("--grid", action="append", default=[], help='NAME=V1,V2,... (repeat; Cartesian product), e.g. "prepay=0.5,1,1.5"')
    sw.add_argument("--tape", help=tape)
    sw.add_argument("--assumptions", help=assumptions)
    sw.add_argument("--chunk", type=int, default=1000, help="scenarios per batch (default 1000)")
    sw.add_argument("--out", required=True, help="output folder for sweep.csv")
    sw.add_argument("--quiet", action="store_true", help="no progress bar (it is off anyway when stderr is not a terminal)")
    sw.set_defaults(func=cmd_sweep)
    be = add("breakeven", "breakeven default multiples per class across the stress scenarios")
    be.add_argument("deal", help="deal file (YAML)")
    be.add_argument("--tape", help=tape)
    be.add_argument("--assumptions", help=assumptions)
    be.add_argument("--upper", type=float, default=50.0, help="highest default multiple searched (default 50)")
    be.add_argument("--out", help="output folder for breakeven.csv and breakeven_summary.csv (optional)")
    be.set_defaults(func=cmd_breakeven)
    return p


def _quiet_stdout() -> None:
    """After a closed pipe (``abs-model demo | head``): send what is left to /dev/null, so the
    interpreter's final flush does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout has no descriptor (captured): nothing to redirect
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        _quiet_stdout()
        return 141
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

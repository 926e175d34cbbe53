"""The ``abs-model`` command line.

``abs-model demo [--out DIR]``: the embedded Baitiao revolving example end to end — projection,
waterfall, a small stress sweep — writing report.html, model.xlsx and the cash flows as CSV and
Parquet; prints where they are.

``abs-model run DEAL.yaml [--tape FILE] [--assumptions FILE] --out DIR [--lang zh]``,
``abs-model validate DEAL.yaml [--tape FILE]``.

A failed integrity check (``DealResult.checks``) exits 4 after writing the outputs, unless
``--allow-failed-checks``. Errors are one clear message and exit code 2 (no traceback unless ``--debug``). Outputs are
written atomically: a failed run leaves no half-written file and never replaces a good one.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import signal
import sys
import traceback
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

import abs_model as am
from abs_model.cli_strategies import add_compare_command
from abs_model.cli_surveil import add_surveil_parser
from abs_model.collateral.tape.mapping import COLUMNS_HELP, column_mapping
from abs_model.output.phrases import phrase
from abs_model.output.safe_text import csv_safe
from tranches import compiled


def _demo_deal_path() -> Path:
    return Path(str(resources.files("abs_model.data").joinpath("baitiao_revolving.yaml")))


def _write_outputs(
    result: am.DealResult, out: Path, *, lang: str, sweep: pd.DataFrame | None = None, strategies: pd.DataFrame | None = None
) -> list[Path]:
    """Write every output into a staging folder inside ``out``, then swap them all into place as
    one set (:func:`abs_model.output.atomic.replace_all`): a run that fails or is interrupted
    part-way leaves the previous outputs as they were (not a mix of new CSVs and an old
    workbook) and no temporary files."""
    from abs_model.output.atomic import prepare_output_folder, replace_all, staging_folder

    out = prepare_output_folder(out)
    staging = staging_folder(out)
    try:
        staged = _write_staged(result, staging, lang=lang, sweep=sweep, strategies=strategies)
        return replace_all(staged, out)
    except OSError as exc:  # name the output the user asked for, not the staging copy
        if exc.filename is not None and staging in Path(exc.filename).parents:
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
        csv_safe(pool).to_csv(fh)
    written.append(p)
    tranches = pd.concat({k: v for k, v in result.tranches.items()}, names=["tranche", "period"]).reset_index()
    p = out / "tranche_cashflows.csv"
    with atomic_write(p, "w") as fh:
        csv_safe(tranches).to_csv(fh, index=False)
    written.append(p)
    from abs_model.core.optional import available

    if available("pyarrow"):  # the parquet extra; without it the CSVs carry the same numbers
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

    # the deal as run first (the result above, not run again), then the baseline (no strategy)
    strategies = compare_strategies(deal, as_run=True, as_run_result=result)
    written = _write_outputs(result, Path(args.out), lang=args.lang, sweep=sweep, strategies=strategies)
    from abs_model.output import console

    _print_summary(result, lang=args.lang)
    print("\n" + phrase("con_sweep", args.lang))
    print(console.sweep_table(sweep, ["prepay_multiple", "default_multiple"], lang=args.lang))
    print("\n" + phrase("con_strategies", args.lang))
    print(console.strategies_table(strategies, lang=args.lang))
    print("\n" + phrase("con_wrote", args.lang))
    for p in written:
        print(f"  {p}")
    return _checks_exit(result, args)


def _load_deal(args: argparse.Namespace) -> Any:
    """The deal of ``args.deal``; ``--tape`` replaces its tape, read with the deal's cut-off checks
    and the tape options (``--encoding``, ``--sheet``, ``--decimal``). A tape keeps its own balance
    unless ``--scale-tape`` scales it to the deal file's ``pool.scale_to``; the choice is stated."""
    options: dict[str, Any] = {"encoding": args.encoding, "decimal": args.decimal}
    if args.sheet is not None:
        options["sheet"] = int(args.sheet) if args.sheet.isdigit() else args.sheet
    if getattr(args, "columns", None):
        options["columns"] = column_mapping(args.columns, option="--columns")  # abs_model.collateral.tape.mapping
    scale = bool(getattr(args, "scale_tape", False))
    deal = am.load_deal(args.deal, tape=args.tape, tape_options=options, scale_pool=scale)
    protect_inputs(args, deal)  # a tape the deal file names
    if args.tape:
        if deal.pool_scale != 1.0:
            print(f"pool: tape {args.tape} scaled ×{deal.pool_scale:.9g} to the deal's scale_to ({deal.pool.balance:,.2f} {deal.currency})")
        else:
            print(f"pool: tape {args.tape} used at its own balance {deal.pool.balance:,.2f} {deal.currency} (--scale-tape scales it to the deal's scale_to)")
    return deal


def _add_tape_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--encoding", help="text encoding of a CSV tape, e.g. gbk (default UTF-8; UTF-16 is recognised)")
    p.add_argument("--sheet", help="XLSX tape: sheet name or 0-based index (default the first sheet)")
    p.add_argument("--decimal", default=".", choices=[".", ","], help="decimal mark of numbers written as text in the tape (default .)")
    p.add_argument("--columns", metavar="MAPPING", help=COLUMNS_HELP)


def _out_folder(value: str) -> str:
    if not value.strip():
        raise argparse.ArgumentTypeError("must name a folder; got an empty path (use --out . for the current folder)")
    return value


def cmd_run(args: argparse.Namespace) -> int:
    deal = _warn(_load_deal(args))
    extra = tuple(f for f in (args.assumptions,) if f)
    if extra:
        deal = dataclasses.replace(deal, input_files=deal.input_files + extra)
    a = _assumptions(args, deal)
    from abs_model.output.atomic import check_output_folder

    check_output_folder(args.out)
    result = am.run(deal, a)
    written = _write_outputs(result, Path(args.out), lang=args.lang)
    _print_summary(result, lang=args.lang)
    print("\n" + phrase("con_wrote", args.lang))
    for p in written:
        print(f"  {p}")
    return _checks_exit(result, args)


def _assumptions(args: argparse.Namespace, deal: Any) -> Any:
    """``--assumptions FILE`` merged over the deal's assumptions, the merge stated on stdout."""
    if not args.assumptions:
        return None
    from abs_model.runs.overrides import merged_assumptions

    merged = merged_assumptions(deal, args.assumptions)
    for note in merged.notes:
        print(note)
    return merged.assumptions


def _checks_exit(result: Any, args: argparse.Namespace) -> int:
    """Exit code 4 when a check failed (the outputs are written, marked failed), unless
    ``--allow-failed-checks``."""
    failed = result.failed_checks
    if not failed:
        return 0
    names = "; ".join(f"{c.name} (worst {c.max_abs_error:.6g})" for c in failed)
    if args.allow_failed_checks:
        print(f"abs-model: warning: {len(failed)} check(s) failed (allowed): {names}", file=sys.stderr)
        return 0
    print(f"abs-model: error: {len(failed)} check(s) failed: {names}; the outputs are written but must not be relied on (--allow-failed-checks to exit 0)", file=sys.stderr)
    return 4


def cmd_validate(args: argparse.Namespace) -> int:
    """Everything ``run`` would refuse, without writing anything: the deal, its tape, the
    assumptions file, the output folder, and the model itself (one run, whose checks must pass)."""
    deal = _warn(_load_deal(args))
    a = _assumptions(args, deal)
    if args.out is not None:
        from abs_model.output.atomic import check_output_folder

        check_output_folder(args.out)
    result = am.run(deal, a)
    print(
        f"{args.deal}: valid — {len(deal.tranche_names)} tranches, pool of {deal.pool.n:,} receivables, balance "
        f"{deal.pool.balance:,.2f} {deal.currency}; a run of {len(result.pool) - 1} periods passed {len(result.checks)} checks"
    )
    return 0


def _warn(deal: am.Deal) -> am.Deal:
    """Print a warning for every implausible value of ``deal`` (see abs_model.deal.plausibility)."""
    from abs_model.deal.plausibility import implausible

    for msg in implausible(deal):
        print(f"abs-model: warning: {msg}", file=sys.stderr)
    return deal


def _print_summary(result: am.DealResult, *, lang: str = "en") -> None:
    from abs_model.output.console import check_lines, deal_summary

    print(deal_summary(result, lang=lang))
    print(check_lines(result, lang=lang))


def _parse_grid(items: Sequence[str]) -> dict[str, list[Any]]:
    """``["prepay=0.5,1,1.5", "timing=base,front"]`` → ``{"prepay": [0.5, 1.0, 1.5], "timing": [...]}``."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise am.AssumptionError(f"--grid: must look like NAME=V1,V2,...; got {item!r}")
        if name in grid:  # the later one used to replace the earlier without a word
            raise am.AssumptionError(f"--grid: {name} given twice; list its values once ({name}=V1,V2,...); got {item!r} after {name}={','.join(map(str, grid[name]))}")
        vals: list[Any] = []
        for v in values.split(","):
            v = v.strip()
            try:
                vals.append(float(v))
            except ValueError:
                vals.append(v)
        grid[name] = vals
    return grid


def _recovery_caps(a: am.Assumptions, grid: dict[str, list[Any]]) -> list[str]:
    """The grid's recovery multiples that take a recovery rate (the pool's or a segment
    override's) above 100 %: the projection caps ``min(1, multiple × rate)``, so those scenarios
    recover alike. One message naming the multiples, the rate and the multiple the cap starts at."""
    values = [v for key in ("recovery", "recovery_mult") for v in grid.get(key, []) if isinstance(v, float)]
    rates = [a.recovery_rate, *(o.recovery_rate for o in a.segment_overrides if o.recovery_rate is not None)]
    top = max(rates)
    capped = sorted({v for v in values if v * top > 1.0})
    if not capped or top <= 0.0:
        return []
    shown = ", ".join(f"{v:g}" for v in capped)
    return [
        f"--grid recovery: multiple(s) {shown} take the recovery rate {top:.2%} above 100 %; it is capped at "
        f"100 %, so every multiple from {1.0 / top:.4g} recovers alike"
    ]


def cmd_sweep(args: argparse.Namespace) -> int:
    from abs_model.analytics.sweep import sweep
    from abs_model.output.atomic import atomic_write, check_output_folder, prepare_output_folder

    deal = _warn(_load_deal(args))
    a = _assumptions(args, deal)
    grid = _parse_grid(args.grid) if args.grid else {"prepay": [0.5, 1.0, 1.5], "default": [1.0, 2.0, 3.0]}
    check_output_folder(args.out)
    base = a if a is not None else deal.assumptions
    for msg in _recovery_caps(base, grid) if base is not None else ():
        print(f"abs-model: warning: {msg}", file=sys.stderr)
    with _executor(args) as ex:
        df = sweep(deal, grid, assumptions=a, chunk=args.chunk, progress=False if args.quiet else None, executor=ex)
    _report_lost(df.attrs.get("lost_workers", ()))
    out = prepare_output_folder(args.out)
    p = out / "sweep.csv"
    with atomic_write(p, "w") as fh:
        csv_safe(df).to_csv(fh, index=False)
    print(f"{deal.name}: {df['scenario_id'].nunique():,} scenarios × {len(deal.tranche_names)} tranches")
    from abs_model.output.console import sweep_table

    print("\nLoss % of original balance")
    print(sweep_table(df, list(grid)))
    print(f"\nWrote:\n  {p}")
    return 0


def cmd_breakeven(args: argparse.Namespace) -> int:
    from abs_model.analytics.breakeven import breakeven
    from abs_model.output.atomic import atomic_write

    deal = _warn(_load_deal(args))
    a = _assumptions(args, deal)
    if args.out:
        from abs_model.output.atomic import check_output_folder

        check_output_folder(args.out)
    with _executor(args) as ex:
        res = breakeven(deal, assumptions=a, upper=args.upper, unbracketed="nan", executor=ex, progress=False if args.quiet else None)
    _report_lost(res.lost_workers)
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
        from abs_model.output.atomic import prepare_output_folder, replace_all, staging_folder

        out = prepare_output_folder(args.out)
        staging = staging_folder(out)
        try:  # both files as one set, like the outputs of run
            staged = []
            for name, frame in (("breakeven.csv", res.frame), ("breakeven_summary.csv", s)):
                with atomic_write(staging / name, "w") as fh:
                    csv_safe(frame).to_csv(fh, index=False)
                staged.append(staging / name)
            written = replace_all(staged, out)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        print("\nWrote:")
        for p in written:
            print(f"  {p}")
    return 0


def _add_scale_out(p: argparse.ArgumentParser) -> None:
    """The options of every command that runs many scenarios: where they run, and quiet."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--scheduler", metavar="ADDRESS", help="run on a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (docs/cluster.md)")
    g.add_argument("--workers", type=int, metavar="N", help="start a local Dask cluster of N worker processes on 127.0.0.1 for this run")
    if not any(a.dest == "quiet" for a in p._actions):
        p.add_argument("--quiet", action="store_true", help="no progress bar")


def _executor(args: argparse.Namespace) -> Any:
    from abs_model.analytics.executors import cluster_executor

    return cluster_executor(scheduler=args.scheduler, workers=args.workers)


def _report_lost(workers: Sequence[str]) -> None:
    if workers:
        print(f"abs-model: {len(workers)} worker(s) lost during the run ({', '.join(workers)}); their chunks were re-run", file=sys.stderr)


def cmd_montecarlo(args: argparse.Namespace) -> int:
    from abs_model.analytics.montecarlo import monte_carlo
    from abs_model.output.atomic import atomic_write, check_output_folder, prepare_output_folder

    deal = _warn(_load_deal(args))
    a = _assumptions(args, deal)
    if args.out:
        check_output_folder(args.out)  # before the paths run, not after them
    with _executor(args) as ex:
        mc = monte_carlo(deal, n_paths=args.paths, seed=args.seed, sigma=args.sigma, assumptions=a, chunk=args.chunk,
                         executor=ex, progress=False if args.quiet else None)
    _report_lost(mc.lost_workers)
    if not mc.complete:
        why = "; ".join(f"chunk {i}: {e}" for i, e in list(mc.errors.items())[:5])
        raise am.AbsModelError(f"montecarlo: {len(mc.missing_chunks)} chunk(s) of {args.chunk} paths failed after their retries: {why}")
    print(f"{deal.name}: {mc.n_paths:,} paths, seed {mc.seed}, default-multiple volatility {args.sigma:g}")
    print(mc.summary().to_string(float_format=lambda v: f"{v:,.6f}"))
    if args.out:
        out = prepare_output_folder(args.out)
        p = out / "montecarlo_summary.csv"
        with atomic_write(p, "w") as fh:
            csv_safe(mc.summary().reset_index()).to_csv(fh, index=False)
        print(f"\nWrote:\n  {p}")
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

    lang = {"default": "en", "choices": ["en", "zh"], "help": "language of the report, workbook and console (default en)"}
    tape = "loan tape (CSV, Parquet or XLSX) replacing the deal file's pool, read with the deal's cut-off checks"
    assumptions = "assumptions file (YAML): its keys override the deal file's assumptions"
    d = add("demo", "run the embedded Baitiao revolving example end to end")
    d.add_argument("--out", default="out/demo", type=_out_folder, help="output folder (default out/demo)")
    d.add_argument("--lang", **lang)  # type: ignore[arg-type]
    d.add_argument("--allow-failed-checks", action="store_true", help="exit 0 even when an integrity check fails (the outputs are written either way)")
    d.set_defaults(func=cmd_demo)
    r = add("run", "run a deal file and write the report, workbook and cash flows")
    r.add_argument("deal", help="deal file (YAML)")
    r.add_argument("--tape", help=tape)
    r.add_argument("--assumptions", help=assumptions)
    r.add_argument("--out", required=True, type=_out_folder, help="output folder (created if missing)")
    r.add_argument("--lang", **lang)  # type: ignore[arg-type]
    r.add_argument("--allow-failed-checks", action="store_true", help="exit 0 even when an integrity check fails (the outputs are written either way)")
    r.add_argument("--scale-tape", action="store_true", help="scale the tape to the deal file's pool.scale_to (default: the tape's own balance)")
    _add_tape_options(r)
    r.set_defaults(func=cmd_run)
    v = add("validate", "check a deal file, its tape and assumptions: everything run would refuse, writing nothing")
    v.add_argument("deal", help="deal file (YAML)")
    v.add_argument("--tape", help=tape)
    v.add_argument("--scale-tape", action="store_true", help="scale the tape to the deal file's pool.scale_to (default: the tape's own balance)")
    v.add_argument("--assumptions", help=assumptions)
    v.add_argument("--out", type=_out_folder, help="also check that this output folder can be written")
    _add_tape_options(v)
    v.set_defaults(func=cmd_validate)
    sw = add("sweep", "run a grid of stress scenarios (one vectorised batch per chunk)")
    sw.add_argument("deal", help="deal file (YAML)")
    sw.add_argument("--grid", action="append", default=[], help='NAME=V1,V2,... (repeat; Cartesian product), e.g. "prepay=0.5,1,1.5"')
    sw.add_argument("--tape", help=tape)
    sw.add_argument("--assumptions", help=assumptions)
    sw.add_argument("--scale-tape", action="store_true", help="scale the tape to the deal file's pool.scale_to (default: the tape's own balance)")
    sw.add_argument("--chunk", type=int, default=None, help="scenarios per batch (default 2500 in process, 1000 on a cluster)")
    sw.add_argument("--out", required=True, type=_out_folder, help="output folder for sweep.csv")
    sw.add_argument("--quiet", action="store_true", help="no progress bar (it is off anyway when stderr is not a terminal)")
    _add_tape_options(sw)
    sw.set_defaults(func=cmd_sweep)
    be = add("breakeven", "breakeven default multiples per class across the stress scenarios")
    be.add_argument("deal", help="deal file (YAML)")
    be.add_argument("--tape", help=tape)
    be.add_argument("--assumptions", help=assumptions)
    be.add_argument("--scale-tape", action="store_true", help="scale the tape to the deal file's pool.scale_to (default: the tape's own balance)")
    be.add_argument("--upper", type=float, default=50.0, help="highest default multiple searched (default 50)")
    be.add_argument("--out", type=_out_folder, help="output folder for breakeven.csv and breakeven_summary.csv (optional)")
    _add_tape_options(be)
    be.set_defaults(func=cmd_breakeven)
    add_surveil_parser(sub)
    add_compare_command(sub)  # compare-strategies (abs_model.cli_strategies)
    mc = add("montecarlo", "Monte Carlo over a one-factor default shock: loss and WAL distribution per class")
    mc.add_argument("deal", help="deal file (YAML)")
    mc.add_argument("--tape", help=tape)
    mc.add_argument("--scale-tape", action="store_true", help="scale the tape to the deal file's pool.scale_to (default: the tape's own balance)")
    mc.add_argument("--assumptions", help=assumptions)
    mc.add_argument("--paths", type=int, default=10_000, help="number of paths (default 10000)")
    mc.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    mc.add_argument("--sigma", type=float, default=0.4, help="volatility of the log default multiple (default 0.4)")
    mc.add_argument("--chunk", type=int, default=1000, help="paths per batch (default 1000)")
    mc.add_argument("--out", type=_out_folder, help="output folder for montecarlo.csv (optional)")
    _add_tape_options(mc)
    mc.set_defaults(func=cmd_montecarlo)
    for cmd in (sw, be, mc):
        _add_scale_out(cmd)
    return p


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every ``finally`` (staging clean-up) runs."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated()


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
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        with compiled.default("off"):  # one deal per process: loading the JIT would cost more than it saves
            return _dispatch(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


#: The files each command writes into ``--out`` (compare-strategies writes ``--out`` itself).
OUTPUT_NAMES: dict[str, tuple[str, ...]] = {
    "run": ("pool_cashflows.csv", "tranche_cashflows.csv", "cashflows.parquet", "report.html", "model.xlsx"),
    "demo": ("pool_cashflows.csv", "tranche_cashflows.csv", "cashflows.parquet", "report.html", "model.xlsx"),
    "sweep": ("sweep.csv",),
    "breakeven": ("breakeven.csv", "breakeven_summary.csv"),
    "montecarlo": ("montecarlo_summary.csv",),
    "surveil": (
        "observed_metrics.csv", "actual_vs_expected.csv", "notes_actual_vs_expected.csv", "reprojection_pool.csv",
        "reprojection_tranches.csv", "reconciliation.csv", "surveillance.html",
    ),
}
_INPUT_OPTIONS = ("deal", "tape", "assumptions", "columns", "actuals", "notes", "strategies")


def protect_inputs(args: argparse.Namespace, deal: Any = None) -> None:
    """Refuse a run whose outputs would replace one of its inputs: the files named on the command
    line and, given the ``deal``, the files it read (a tape named in the deal file)."""
    from abs_model.output.atomic import refuse_overwriting_inputs

    out = getattr(args, "out", None)
    if not out or not str(out).strip():
        return
    names = OUTPUT_NAMES.get(getattr(args, "command", ""), ())
    targets = [Path(out) / n for n in names] if names else ([Path(out)] if args.command == "compare-strategies" else [])
    inputs = [str(v) for k in _INPUT_OPTIONS if isinstance(v := getattr(args, k, None), str) and v]
    inputs += list(deal.input_files) if deal is not None else []
    refuse_overwriting_inputs(targets, inputs)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        protect_inputs(args)
        return int(args.func(args))
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly
        _quiet_stdout()
        return 141
    except (ValueError, ArithmeticError, OSError) as exc:
        if args.debug:
            traceback.print_exc()
        print(f"abs-model: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        if args.debug:
            traceback.print_exc()
        print("abs-model: interrupted; outputs already in place were left as they were", file=sys.stderr)
        return 143 if isinstance(exc, _Terminated) else 130
    except Exception as exc:  # an internal error: still one line, the traceback on --debug
        if args.debug:
            traceback.print_exc()
        print(f"abs-model: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
        return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

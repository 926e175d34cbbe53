"""Benchmark: the liability waterfall alone, vectorised across scenarios.

10,000 scenarios × 36 monthly periods, 3 tranches (senior, mezzanine, subordinated), a VAT-style
tax and two fees, a cash reserve, a PDL and one trigger (cumulative default rate → accelerated
waterfall). Prints the median of several runs (time.perf_counter) and ms per scenario for batch
sizes 1, 100, 1000 and 10,000, and the speed-up over looping scenarios one at a time. Also the
memory floor at 10,000 (:func:`result_floor`: allocating the default result's buffers and writing
each element once) and the fixed cost of a batch (a batch of 1: the per-call overhead of every
period's calls, paid by any batch), timed alternating with the run: no arithmetic can take the
run below their sum.

Run:  .venv/bin/python benchmarks/bench_waterfall.py [--runs 7] [--skip-singles]

Before/after in one process: ``--baseline DIR`` loads another version of the engine from
``DIR/tranches`` (e.g. ``git archive d219d15 tranches | tar -x -C /tmp/base``) beside this one and
times both on the same batches, alternating runs, with the ratio; it also checks that both give
the same numbers bit for bit.
"""

from __future__ import annotations

import importlib
import os
import platform
import statistics
import sys
import time
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

import tranches
from tranches import Structure

T = 36
POOL0 = 1_000_000_000.0


def structure(m: ModuleType | None = None) -> Structure:
    """The benchmark deal (also used by the tests as a realistic structure); ``m``: the engine
    package to build it with (default ``tranches``)."""
    m = m if m is not None else tranches
    steps, Waterfall, Structure, Tranche = m.steps, m.Waterfall, m.Structure, m.Tranche
    Tax, Fee, ReserveAccount, Trigger = m.Tax, m.Fee, m.ReserveAccount, m.Trigger
    senior_expenses = [steps.DrawReserve(), steps.PayTax("vat"), steps.PayFee("trustee"), steps.PayFee("servicer")]
    amortising = Waterfall(
        [
            *senior_expenses,
            steps.PayInterest(("A",)),
            steps.PayInterest(("B",)),
            steps.FundReserve(),
            steps.CoverPDL(),
            steps.PayPrincipal(("A", "B", "Sub")),
            steps.PayInterest(("Sub",)),
            steps.PayResidual(),
        ]
    )
    accelerated = Waterfall(
        [
            *senior_expenses,
            steps.PayInterest(("A",)),
            steps.PayInterest(("B",)),
            steps.PayPrincipal(("A", "B"), source="principal_then_interest"),
            steps.PayPrincipal(("Sub",), source="principal_then_interest"),
            steps.PayResidual(),
        ]
    )
    return Structure(
        tranches=(
            Tranche("A", 800_000_000.0, 0.051),
            Tranche("B", 120_000_000.0, 0.073, tranche_class="mezzanine"),
            Tranche("Sub", 80_000_000.0, 0.0, tranche_class="subordinated"),
        ),
        fees=(Tax("vat", 0.0326), Fee("trustee", rate=0.0005), Fee("servicer", rate=0.01, basis="pool_balance")),
        reserve=ReserveAccount(basis="note_balance", rate=0.01, floor=2_000_000.0, initial=10_000_000.0),
        triggers=(
            Trigger(
                "cdr", "cumulative_default_rate", threshold=[0.01] * 12 + [0.03] * 12 + [0.05], effect="accelerate"
            ),
        ),
        waterfalls={"amortising": amortising, "accelerated": accelerated},
    )


def collections(n: int, seed: int = 7) -> dict[str, npt.NDArray[np.float64]]:
    """Random but plausible monthly pool flows, each (n, T)."""
    rng = np.random.default_rng(seed)
    smm = rng.uniform(0.02, 0.06, (n, 1))
    mdr = rng.uniform(0.0, 0.004, (n, 1))
    bal = np.empty((n, T + 1))
    bal[:, 0] = POOL0
    prin = np.empty((n, T))
    dflt = np.empty((n, T))
    for t in range(T):
        dflt[:, t] = bal[:, t] * mdr[:, 0]
        prin[:, t] = (bal[:, t] - dflt[:, t]) * (1.0 / (T - t) + smm[:, 0])
        prin[:, t] = np.minimum(prin[:, t], bal[:, t] - dflt[:, t])
        bal[:, t + 1] = bal[:, t] - dflt[:, t] - prin[:, t]
    return {
        "interest": bal[:, :-1] * 0.12 / 12.0,
        "principal": prin,
        "defaults": dflt,
        "recoveries": np.concatenate([np.zeros((n, 6)), dflt[:, :-6] * 0.2], axis=1),
        "begin": bal[:, :-1],
        "end": bal[:, 1:],
    }


DATES = np.arange(np.datetime64("2025-01"), np.datetime64("2025-01") + T, dtype="datetime64[M]").astype(
    "datetime64[D]"
) + np.timedelta64(27, "D")


def run_batch(
    st: Structure, flows: dict[str, npt.NDArray[np.float64]], *, out: list[Any] | None = None, m: Any = None
) -> float:
    """Run one batch; returns elapsed seconds (engine construction included). ``m``: the engine
    package (default ``tranches``)."""
    m = m if m is not None else tranches
    n = flows["begin"].shape[0]
    # slice the per-period inputs before timing: the caller's projection produces them anyway
    per = [
        m.PeriodInputs(
            interest_collected=np.ascontiguousarray(flows["interest"][:, c]),
            principal_collected=np.ascontiguousarray(flows["principal"][:, c]),
            recoveries=np.ascontiguousarray(flows["recoveries"][:, c]),
            new_defaults=np.ascontiguousarray(flows["defaults"][:, c]),
            pool_balance_begin=np.ascontiguousarray(flows["begin"][:, c]),
            pool_balance_end=np.ascontiguousarray(flows["end"][:, c]),
        )
        for c in range(T)
    ]
    t0 = time.perf_counter()
    engine = m.Engine(st, n_scenarios=n, period_end_dates=DATES, initial_pool_balance=POOL0)
    state = engine.start()
    for t in range(1, T + 1):
        engine.step(state, t, per[t - 1])
    result = engine.finish(state)
    elapsed = time.perf_counter() - t0
    if out is not None:
        out.append(result)
    return elapsed


def times(st: Structure, n: int, repeats: int) -> list[float]:
    flows = collections(n)
    run_batch(st, flows)  # warm-up
    return [run_batch(st, flows) for _ in range(repeats)]


def result_floor(st: Structure, n: int) -> tuple[float, float]:
    """Seconds to allocate the default result's buffers of a batch of ``n`` × T and write each
    element once (``Engine.allocate``: one zeroed block, then every buffer filled): what the
    engine cannot go below without storing less, whatever its arithmetic costs. Second: the
    same write again, the memory now resident: the bandwidth floor alone, which no reuse of
    buffers between batches (no page faults) could go below either."""
    engine = tranches.Engine(st, n_scenarios=n, period_end_dates=DATES, initial_pool_balance=POOL0)
    t0 = time.perf_counter()
    bufs = engine.allocate()
    # the period-end views (cash, balances, reserve, PDL) are parts of "end"
    parts = [
        b for k, b in bufs.items() if isinstance(b, np.ndarray) and (k == "end" or not np.shares_memory(b, bufs["end"]))
    ]
    for buf in parts:
        buf[...] = 1
    t1 = time.perf_counter()
    for buf in parts:
        buf[...] = 2
    return t1 - t0, time.perf_counter() - t1


def floor_line(st: Structure, runs: int) -> str:
    """The batch of 10,000 against two floors, alternating in this process: the memory floor
    (:func:`result_floor`) and the fixed cost of a batch — a batch of one scenario, whose time
    is the interpreter's and numpy's per-call overhead of every period's calls, which a batch of
    10,000 pays as well. Their sum bounds any run of this engine's design (a Python loop over
    periods calling numpy, the default result) from below, whatever its arithmetic costs."""
    flows, one = collections(10_000), collections(1)
    run_batch(st, flows)
    run_batch(st, one)
    result_floor(st, 10_000)
    run, floor, resident, fixed = [], [], [], []
    for _ in range(runs):
        run.append(run_batch(st, flows))
        first, again = result_floor(st, 10_000)
        floor.append(first)
        resident.append(again)
        fixed.append(statistics.median(run_batch(st, one) for _ in range(7)))
    r, f, c = statistics.median(run), statistics.median(floor), statistics.median(fixed)
    w = statistics.median(resident)
    mb = sum(b.nbytes for b in _result_parts(st)) / 1e6
    return (
        f"memory floor at 10,000 (allocate the default result's buffers, {mb:.0f} MB, and write each element once, "
        f"alternating with the run): {f * 1e3:.2f} ms = {f * 1e3 / 10_000:.5f} ms/scenario, "
        f"{f / r:.0%} of the run's {r * 1e3:.2f} ms\n"
        f"the same write to memory already resident (bandwidth alone, no page faults): {w * 1e3:.2f} ms "
        f"= {w * 1e3 / 10_000:.5f} ms/scenario\n"
        f"fixed cost of a batch (a batch of 1, same alternation): {c * 1e3:.2f} ms; "
        f"floor + fixed = {(f + c) * 1e3:.2f} ms = {(f + c) * 1e3 / 10_000:.5f} ms/scenario "
        f"before any arithmetic; the run's arithmetic above both: {(r - f - c) * 1e3:.2f} ms"
    )


def _result_parts(st: Structure) -> list[npt.NDArray[Any]]:
    """The default result's buffers at 10,000 scenarios (no view counted twice)."""
    bufs = tranches.Engine(st, n_scenarios=10_000, period_end_dates=DATES, initial_pool_balance=POOL0).allocate()
    return [
        b for k, b in bufs.items() if isinstance(b, np.ndarray) and (k == "end" or not np.shares_memory(b, bufs["end"]))
    ]


def load_baseline(path: str) -> ModuleType:
    """The ``tranches`` package found in ``path``, loaded beside the one in use (its modules are
    kept out of ``sys.modules``, so each package keeps its own classes)."""
    ours = {k: v for k, v in sys.modules.items() if k == "tranches" or k.startswith("tranches.")}
    for k in ours:
        del sys.modules[k]
    sys.path.insert(0, path)
    try:
        base = importlib.import_module("tranches")
    finally:
        sys.path.remove(path)
        for k in [k for k in sys.modules if k == "tranches" or k.startswith("tranches.")]:
            del sys.modules[k]
        sys.modules.update(ours)
    return base


def compare(path: str, runs: int) -> None:
    """Baseline vs this engine on the same batches, alternating, in this process."""
    base = load_baseline(path)
    print(f"baseline: {base.__file__}; this: {tranches.__file__}")
    for n, reps in ((1, 5 * runs), (100, 3 * runs), (1000, runs + 2), (10_000, runs)):
        flows = collections(n)
        sts = {"base": structure(base), "this": structure(tranches)}
        mods = {"base": base, "this": tranches}
        kept: dict[str, list[Any]] = {"base": [], "this": []}
        for who in ("base", "this"):  # warm-up, and the results to compare
            run_batch(sts[who], flows, m=mods[who], out=kept[who])
        same = all(
            np.array_equal(getattr(kept["base"][0].tranche(nm), f), getattr(kept["this"][0].tranche(nm), f))
            for nm in ("A", "B", "Sub")
            for f in ("interest_paid", "principal_paid", "writedown", "residual_paid", "balance_end")
        )
        del kept
        ts: dict[str, list[float]] = {"base": [], "this": []}
        for _ in range(reps):
            for who in ("base", "this"):
                ts[who].append(run_batch(sts[who], flows, m=mods[who]))
        b, t = statistics.median(ts["base"]), statistics.median(ts["this"])
        print(
            f"batch {n:>6,}: baseline {b * 1e3:8.2f} ms, this {t * 1e3:8.2f} ms (medians of {reps}; "
            f"mins {min(ts['base']) * 1e3:.2f} / {min(ts['this']) * 1e3:.2f}) = {t * 1e3 / n:.5f} ms/scenario; "
            f"{b / t:.2f}x faster; same numbers: {same}"
        )


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7, help="runs of the 10,000 batch (smaller batches run more)")
    ap.add_argument("--skip-singles", action="store_true", help="skip the one-at-a-time comparison")
    ap.add_argument("--baseline", metavar="DIR", help="also time the tranches package in DIR, alternating")
    args = ap.parse_args()
    if args.baseline:
        compare(args.baseline, args.runs)
        return
    st = structure()
    print(f"waterfall benchmark: {T} periods, 3 tranches, tax + 2 fees, reserve, PDL, 1 trigger")
    print(
        f"machine: {os.cpu_count()} cores, numpy {np.__version__}, python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}"
    )
    results = {}
    for n, reps in ((1, 7 * args.runs), (100, 3 * args.runs), (1000, args.runs + 2), (10_000, args.runs)):
        ts = times(st, n, reps)
        sec = statistics.median(ts)
        results[n] = sec
        print(
            f"batch {n:>6,}: median of {reps:>2} runs {sec * 1e3:8.2f} ms "
            f"(min {min(ts) * 1e3:.2f})  = {sec * 1e3 / n:.5f} ms/scenario"
        )
    kept: list[Any] = []
    run_batch(st, collections(10_000), out=kept)
    accelerated = (kept[0].arrays["phase"] == 2).any(axis=1).mean()
    print(f"scenarios switched to the accelerated waterfall by the trigger: {accelerated:.1%}")
    target = 0.003
    verdict = "meets" if results[10_000] * 1e3 / 10_000 <= target else "MISSES"
    print(f"target <= {target} ms/scenario at 10,000: {verdict}")
    print(floor_line(st, args.runs))
    if args.skip_singles:
        return
    # one scenario at a time, a few hundred times, extrapolated to 10,000
    loops = 300
    flows = collections(loops)
    singles = [{k: v[i : i + 1] for k, v in flows.items()} for i in range(loops)]
    run_batch(st, singles[0])
    t0 = time.perf_counter()
    for one in singles:
        run_batch(st, one)
    per_one = (time.perf_counter() - t0) / loops
    print(
        f"one at a time: {per_one * 1e3:.3f} ms/scenario ({loops} runs), extrapolated to "
        f"10,000: {per_one * 1e4:.1f} s; the batch of 10,000 is "
        f"{per_one * 1e4 / results[10_000]:.0f}x faster"
    )


if __name__ == "__main__":
    main()

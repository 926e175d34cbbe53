"""Projection benchmark (issue: collateral engine).

1,000,000-receivable synthetic Baitiao tape, 24 periods, roll-rate delinquency with cures,
prepayment and recoveries: time from a Pool holding the receivables to the pool cash-flow table,
rep-line compression included (median of several runs; "first" on a fresh copy of the pool, which
compresses it, the other on the pool compressed before). Also: the loan-level path, scaling from
10k to 1M loans, and 24 vs 60 periods.

``--vs-plain`` (issue 16): in one process, alternating, ``am.project`` of the 1M pool × 24 periods
(compression included) against a plain numpy loan-level projection of a *simpler* roll-rate model
(:func:`plain_projection`: one (loans × 8 states) matrix times the 8 × 8 roll matrix a period,
scheduled principal, prepayment and fee of the current state, no recoveries, fees or restructuring);
the ratio is the figure to read on a shared machine. The first call is timed on both compression
paths in the same runs: the compiled kernels (:mod:`abs_model.projection.replines_kernels`,
``tranches.compiled`` mode "on") and the numpy path (mode "off"); the output says which ran.

``--pieces`` (issue 16): where the first call's time goes at 1M × 24, each piece timed in one
process, alternating (:func:`pieces`): the dense sums built up a stage at a time (key, + count,
+ balance, + fee, + interest gather: each stage's cost is its increment over the one before),
the rest of the compression, the projection of the compressed pool, and a floor (one read of
the seven columns the compression reads, a block at a time); ``_dense_sums``, ``_compress`` and
the first call on both paths (compiled, numpy).

Run: .venv/bin/python benchmarks/bench_projection.py [--quick] [--runs 7] [--vs-plain | --pieces]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import statistics
import time
from collections.abc import Callable

import numpy as np

import abs_model as am
from abs_model.assumptions.assumptions import RollRates
from abs_model.projection import replines, replines_kernels
from abs_model.projection.replines import rep_lines
from tranches import compiled


def assumptions(horizon: int) -> am.Assumptions:
    rr = RollRates.simple(roll=[0.01, 0.40, 0.55, 0.70, 0.85, 0.90, 1.0], cure=[0.40, 0.25, 0.10, 0.05, 0.03, 0.0])
    return am.Assumptions.make(cpr=0.20, roll_rates=rr, recovery_rate=0.10, recovery_lag=6, horizon=horizon)


def plain_projection(pool: am.Pool, a: am.Assumptions, periods: int) -> dict[str, np.ndarray]:
    """The reference: a plain numpy loan-level roll-rate projection (expected values). State per
    loan: balance in each delinquency bucket M0…M6 and defaulted (8 columns). Each period the
    current balance pays its scheduled principal (balance / remaining term) and prepays at the
    SMM; then the whole state rolls through the roll matrix; the fee is ``rate × current balance``
    of the current bucket. Pool totals per period: principal, prepayment, fee, default."""
    assert a.roll_rates is not None
    P = np.asarray(a.roll_rates.matrix, dtype=np.float64).reshape(-1, 8, 8)[0]  # one matrix for every age
    smm = 1.0 - (1.0 - float(a.cpr.values[0])) ** (1.0 / 12.0)
    k = P.shape[0]
    state = np.zeros((k, pool.n))  # one row per state: contiguous columns of loans
    state[pool.bucket.astype(np.int64), np.arange(pool.n)] = pool.current_principal
    rem = pool.remaining_term.astype(np.float64)
    out = {f: np.zeros(periods) for f in ("principal", "prepayment", "fee", "default")}
    for t in range(periods):
        cur = state[0]
        sched = np.where(rem > 0, cur / np.maximum(rem, 1.0), cur)
        prepay = (cur - sched) * smm
        out["principal"][t] = sched.sum()
        out["prepayment"][t] = prepay.sum()
        out["fee"][t] = float((pool.rate * cur).sum())
        state[0] = cur - sched - prepay
        new = np.empty_like(state)  # balances move at most one bucket a period: a banded matrix
        new[0] = state[0] * P[0, 0]
        for i in range(1, k):
            new[0] += state[i] * P[i, 0]
        for j in range(1, k):
            new[j] = state[j] * P[j, j] + state[j - 1] * P[j - 1, j]
        out["default"][t] = new[-1].sum() - state[-1].sum()
        state = new
        rem = np.maximum(rem - 1.0, 0.0)
    return out


def in_mode(mode: str, fn: Callable[[am.Pool], object]) -> Callable[[am.Pool], object]:
    """``fn`` run under :mod:`tranches.compiled`'s ``mode`` (``"on"``: the compression's compiled
    kernel; ``"off"``: its numpy path)."""

    def call(pool: am.Pool) -> object:
        compiled.set_mode(mode)
        try:
            return fn(pool)
        finally:
            compiled.set_mode(None)

    return call


def paths() -> tuple[str, ...]:
    """The compression paths this process can time: the compiled one first (when numba is
    installed), then numpy's."""
    return ("on", "off") if compiled.available() else ("off",)


def path_line() -> str:
    if compiled.available():
        import numba

        return (f"  compression path timed first: compiled (numba {numba.__version__}, tranches.compiled mode 'on');"
                " then the numpy path (mode 'off') in the same runs")
    return "  compression path: numpy only (numba is not installed: the 'fast' extra)"


def vs_plain(runs: int) -> None:
    """``am.project`` (compression included) against :func:`plain_projection`, 1M × 24, alternating.

    A pool keeps its assumption-free rep-line compression once computed (``Pool.derived``), so
    ``am.project`` is timed on a fresh copy of the pool (``dataclasses.replace``: the same arrays,
    nothing kept; the first projection of a pool, compression included), once with the compiled
    compression kernel and once with the numpy path, and on the pool compressed before (every
    later projection of it)."""
    import os

    pool = am.synthetic_pool(1_000_000, seed=1)
    a = assumptions(24)
    for mode in paths():  # warm-up: numba imported and the kernel loaded (or compiled) once
        in_mode(mode, lambda p: am.project(p, a))(dataclasses.replace(pool))
    plain_projection(pool, a, 24)
    # name -> (function of a pool, whether it gets a fresh copy: nothing kept, compression included)
    fns: dict[str, tuple[Callable[[am.Pool], object], bool]] = {}
    for mode in paths():
        fns[f"first {mode}"] = in_mode(mode, lambda p: am.project(p, a)), True
        fns[f"comp {mode}"] = in_mode(mode, lambda p: rep_lines(p, a)), True
    fns["later"] = (lambda p: am.project(p, a)), False
    fns["plain"] = (lambda p: plain_projection(p, a, 24)), False
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(runs):
        for name, (fn, fresh) in fns.items():
            arg = dataclasses.replace(pool) if fresh else pool
            t0 = time.perf_counter()
            fn(arg)
            times[name].append(time.perf_counter() - t0)
    ms = {k: 1000 * statistics.median(v) for k, v in times.items()}
    print(f"1,000,000 receivables x 24 periods, median of {runs} alternating runs, load average {os.getloadavg()[0]:.2f}")
    print(path_line())
    for mode in paths():
        label = "compiled" if mode == "on" else "numpy   "
        print(f"  am.project, first call, {label}     {ms[f'first {mode}']:8.1f} ms  (of which rep-line compression "
              f"{ms[f'comp {mode}']:.1f} ms)")
    print(f"  am.project, pool compressed before   {ms['later']:8.1f} ms")
    print(f"  plain numpy loan-level roll-rate     {ms['plain']:8.1f} ms")
    for mode in paths():
        label = "compiled" if mode == "on" else "numpy"
        print(f"  ratio plain / ours, {label:<8}         {ms['plain'] / ms[f'first {mode}']:8.1f}x first call")
    print(f"  ratio plain / ours, later            {ms['plain'] / ms['later']:8.1f}x  (target >= 40x, ours <= 20 ms)")
    if compiled.available():
        print(f"  ratio first call numpy / compiled    {ms['first off'] / ms['first on']:8.2f}x")


STAGES = ("key", "count", "balance", "fee", "interest")


def dense_stages(pool: am.Pool, keying: replines.Keying, upto: str) -> None:
    """The loop of :func:`abs_model.projection.replines._dense_sums`, stopped after stage ``upto``
    of :data:`STAGES` (each stage adds one pass of that loop: the key, the count, balance and fee
    scatters, the interest-bearing loans gathered)."""
    stop = STAGES.index(upto)
    size, n, block = keying.space, pool.n, replines.BLOCK
    counts, balance, fee = np.zeros(size, dtype=np.int64), np.zeros(size), np.zeros(size)
    m = min(n, block)
    key, high, low, weight = np.empty(m, dtype=np.intp), np.empty(m, keying.high_dtype), np.empty(m, np.int16), np.empty(m)
    rank = keying.rank(high.dtype)
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        k, w, cur, rate = key[: hi - lo], weight[: hi - lo], pool.current_principal[lo:hi], pool.rate[lo:hi]
        keying.fill(pool, lo, hi, k, rank, high[: hi - lo], low[: hi - lo])
        if stop >= 1:
            np.add.at(counts, k, 1)
        if stop >= 2:
            np.add.at(balance, k, cur)
        if stop >= 3:
            np.multiply(rate, pool.original_principal[lo:hi], out=w)
            np.add.at(fee, k, w)
        if stop >= 4:
            at = np.flatnonzero(replines._is_interest(pool.product[lo:hi]))
            k[at], rate[at], cur[at]


def read_floor(pool: am.Pool) -> None:
    """One read of every column the compression reads, a block at a time."""
    cols = (pool.current_principal, pool.rate, pool.original_principal, pool.original_term, pool.remaining_term, pool.bucket, pool.product)
    for lo in range(0, pool.n, replines.BLOCK):
        for c in cols:
            c[lo : lo + replines.BLOCK].max()


def pieces(runs: int) -> None:
    """Each piece of the first call at 1M × 24 (see module doc): the median and the least of ``runs``
    alternating runs."""
    import os

    pool = am.synthetic_pool(1_000_000, seed=1)
    a = assumptions(24)
    for mode in paths():  # warm-up: numba imported and the kernel loaded (or compiled) once
        in_mode(mode, lambda p: am.project(p, a))(dataclasses.replace(pool))
    keying = replines._keying(pool, replines.DENSE_BINS, replines.RAW_TERM_BINS)
    assert keying is not None
    fns: dict[str, Callable[[], object]] = {
        "read floor": lambda: read_floor(pool),
        "keying": lambda: replines._keying(pool, replines.DENSE_BINS, replines.RAW_TERM_BINS),
        **{f"dense to {s}": (lambda s=s: dense_stages(pool, keying, s)) for s in STAGES},
        "project, compressed before": lambda: am.project(pool, a),
    }
    for mode in paths():
        fns[f"_dense_sums {mode}"] = lambda mode=mode: in_mode(mode, lambda p: replines._dense_sums(p, keying))(pool)
        fns[f"_compress {mode}"] = lambda mode=mode: in_mode(mode, replines._compress)(pool)
        fns[f"first {mode}"] = lambda mode=mode: in_mode(mode, lambda p: am.project(p, a))(dataclasses.replace(pool))
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    for label, pick in (("median", statistics.median), ("min", min)):  # min: the least disturbed run of each piece
        ms = {k: 1000 * pick(v) for k, v in times.items()}
        print(f"1,000,000 receivables x 24 periods, {label} of {runs} alternating runs, load average {os.getloadavg()[0]:.2f}")
        print(path_line())
        print(f"  floor: one read of the 7 columns        {ms['read floor']:7.2f} ms")
        print(f"  keying (column maxima)                  {ms['keying']:7.2f} ms")
        before = 0.0
        for s in STAGES:
            print(f"  dense sums (numpy), + {s:<18}{ms[f'dense to {s}'] - before:7.2f} ms   (to here {ms[f'dense to {s}']:.2f})")
            before = ms[f"dense to {s}"]
        for mode in paths():
            name = "compiled" if mode == "on" else "numpy"
            rest = ms[f"_compress {mode}"] - ms[f"_dense_sums {mode}"] - ms["keying"]
            print(f"  {name:<8} _dense_sums                    {ms[f'_dense_sums {mode}']:7.2f} ms")
            print(f"  {name:<8} rest of _compress (rates, pairs, lines) {rest:7.2f} ms   (_compress {ms[f'_compress {mode}']:.2f})")
        print(f"  am.project, pool compressed before      {ms['project, compressed before']:7.2f} ms")
        for mode in paths():
            name = "compiled" if mode == "on" else "numpy"
            print(f"  am.project, first call on the pool, {name:<8} {ms[f'first {mode}']:7.2f} ms")
        if compiled.available():
            print(f"  ratio numpy / compiled: _dense_sums {ms['_dense_sums off'] / ms['_dense_sums on']:.2f}x, "
                  f"first call {ms['first off'] / ms['first on']:.2f}x")


def median_time(fn: object, runs: int) -> float:
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    ap.add_argument("--loan-level", action="store_true", help="also time the loan-level path on 1M loans")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--vs-plain", action="store_true", help="only the 1M x 24 ratio against a plain numpy loan-level projection")
    ap.add_argument("--pieces", action="store_true", help="only where the first call's time goes at 1M x 24, piece by piece")
    args = ap.parse_args()
    if args.vs_plain:
        vs_plain(args.runs)
        return
    if args.pieces:
        pieces(args.runs)
        return
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    a24, a60 = assumptions(24), assumptions(60)
    # "first ms": on a fresh copy of the pool each run (compression included); "median ms": the
    # pool compressed before (a pool keeps its compression, Pool.derived)
    # "compression": the path the first call's compression took under tranches.compiled's mode in
    # force (default "auto": compiled from replines_kernels.THRESHOLD loans when numba is installed)
    print(f"{'loans':>10} {'periods':>7} {'rep-lines':>9} {'first ms':>9} {'median ms':>10}  compression")
    for n in sizes:
        pool = am.synthetic_pool(n, seed=1)
        am.project(pool, a24)  # warm-up
        for a, T in ((a24, 24), (a60, 60)):
            first = 1000 * median_time(lambda a=a, pool=pool: am.project(dataclasses.replace(pool), a), args.runs)
            ms = 1000 * median_time(lambda a=a, pool=pool: am.project(pool, a), args.runs)
            lines = am.project(pool, a).n_lines
            path = "compiled" if replines_kernels.use(n) else "numpy"
            print(f"{n:>10,} {T:>7} {lines:>9,} {first:>9.1f} {ms:>10.1f}  {path}")
    if args.loan_level:
        pool = am.synthetic_pool(1_000_000, seed=1)
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            am.project(pool, a24, level="loan")
            runs.append(time.perf_counter() - t0)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"loan-level 1,000,000 × 24: median {statistics.median(runs):.2f} s of 3 "
            f"(first {runs[0]:.2f} s), peak RSS of the whole benchmark {peak:,.0f} MiB"
        )


if __name__ == "__main__":
    main()

"""Breakeven default multiples (临界违约率) and tranche sizing.

For each tranche and each stress scenario, :func:`breakeven` finds the first-loss point: the
multiple ``m*`` of the base default rate up to which the class still receives all it is owed and
beyond which it does not. With ``L(m)`` the class's loss at multiple ``m`` — a nondecreasing curve,
0 up to ``m*`` and positive beyond:

- ``"first_dollar"``: ``L = Σ writedown + max_t carried interest shortfall``;
- ``"principal"``: ``L = Σ writedown``;

and "positive" means above the noise floor ``ε = 10⁻¹² × max(original balance, 1)``
(:data:`LOSS_RTOL`: float64 sums of the waterfall's flows carry errors near 10⁻¹⁵ of the balance;
a loss of a millionth of the balance is a loss). The multiple is also reported as the implied
cumulative default rate of the initial pool at that multiple, ``Σ_t defaults_t / initial pool
balance`` (purchased receivables' defaults included) — the Chinese 临界违约率.

Solver: :func:`abs_model.core.solve.first_positive`, vectorised over every tranche × scenario ×
variant: pass 0 evaluates a grid ``0 … upper`` spaced in ``√m``; each later pass evaluates, in
one batched run per deal variant (spread compression and event stresses; its default-timing
variants' collateral projected apart, one waterfall for all:
:func:`~abs_model.runs.runner.run_arrays_batches`; each variant's deal and assumptions built once
per call), the root of the parabola through the three lowest losing multiples seen (exact where
``L`` is quadratic just above ``m*``; the secant through two of them says how far off it may be)
with points ``± 0.9 × tol`` either side of it (they close the bracket when it is that close) and
a short geometric ladder out to three times its possible error, and a few points spread over the
bracket (the safeguard); rows already solved are not run again, and a (scenario, multiple) row
serves every tranche and variant. It stops when ``upper_mult − breakeven_mult ≤ tol × upper_mult``
(default ``tol`` 10⁻⁹). A class that loses even at multiple 0, or survives at ``upper``, raises
:class:`~abs_model.errors.SolverError` ("cannot bracket", naming which) instead of returning a bound.

Where ``L`` is not nondecreasing the bracket holds a point where the class starts to lose, not
necessarily the first: a trigger tripped earlier by more defaults can trap excess spread that
repays a junior class in full (the Baitiao example on a 2,000-receivable pool, subordinated,
back-loaded defaults: a loss from 2.1807 ×, none again at 2.1844 ×, a loss from 2.18446 ×, which
is the multiple reported; ``tests/abs_model/runs/test_batched_runs.py``).

Ratings: the summary takes the minimum across scenarios and compares it with a target default
rate per rating, ``target_rate[r] = targets[r] × base cumulative default rate`` (the base case's
realised rate; :data:`abs_model.analytics.scenarios.TARGET_DEFAULT_MULTIPLES`), or with the absolute
``target_rates`` you give. :func:`size_tranches` finds the largest senior (then mezzanine) size
that survives its rating's stress, by bisection on the size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from abs_model.analytics.executors import cluster_client, map_chunks
from abs_model.analytics.scenarios import (
    RATING_MULTIPLES,
    TARGET_DEFAULT_MULTIPLES,
    Scenario,
    VariantKey,
    scenario_set,
    variant_key,
    variant_of,
)
from abs_model.assumptions.assumptions import Assumptions
from abs_model.core.solve import bisect_predicate, first_positive
from abs_model.deal.model import Deal
from abs_model.errors import DealError, SolverError, must
from abs_model.runs.runner import _deal_lines as deal_lines
from abs_model.runs.runner import run_arrays_batches

__all__ = [
    "BREAKEVEN_RTOL",
    "LOSS_RTOL",
    "BreakevenResult",
    "Variant",
    "breakeven",
    "size_tranches",
]

Variant = Literal["first_dollar", "principal"]
VARIANTS: tuple[str, ...] = ("first_dollar", "principal")

#: A class "loses" when its loss (writedowns, plus the shortfall for first-dollar) exceeds this
#: share of its original balance: a noise floor for float64 sums, not a tolerance on the answer.
LOSS_RTOL = 1e-12
#: The default solver tolerance: ``upper_mult − breakeven_mult ≤ tol × upper_mult``.
BREAKEVEN_RTOL = 1e-9


@dataclass(frozen=True, slots=True)
class BreakevenResult:
    """The breakevens of every tranche × scenario × variant (``frame``) and the minimum across
    scenarios per tranche and variant, compared with the rating targets (``summary``).

    ``frame`` columns: tranche, class, scenario, variant, breakeven_mult (the highest multiple
    found to survive), upper_mult (the lowest found to fail; ``upper_mult − breakeven_mult ≤
    tol × upper_mult``), breakeven_default_rate (implied cumulative default rate at
    ``breakeven_mult``), bracket ("" or why the pair could not be bracketed, then NaN), passes
    (solver passes, the first grid included).

    ``lost_workers``: workers lost from the cluster during the run (their chunks were re-run).

    ``summary`` columns: tranche, class, variant, breakeven_mult (minimum over scenarios),
    binding_scenario (the scenario with the lowest breakeven_default_rate),
    breakeven_default_rate (the minimum — 临界违约率), base_default_rate, coverage
    (``breakeven_default_rate / base_default_rate``, 覆盖倍数; the minima skip unbracketed
    scenarios, see ``frame.bracket``), implied_rating (the highest rating
    whose target rate the class covers, "" when none), and with ``ratings`` given:
    target_rating, target_default_rate, passes_target.
    """

    frame: pd.DataFrame
    summary: pd.DataFrame
    base_default_rate: float
    target_rates: Mapping[str, float]
    lost_workers: tuple[str, ...] = ()


def _losses(
    deal: Deal,
    a: Assumptions,
    scen: Sequence[Scenario],
    s_idx: np.ndarray,
    mult: np.ndarray,
    variants: dict[VariantKey, tuple[Deal, Assumptions]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run rows ``(scenario s_idx[r], default multiple mult[r])``; return, per row and tranche
    (R, n_tranches), the first-dollar and the principal loss above the noise floor (``L − ε``,
    see the module doc; ``> 0``: the class loses) and the realised cumulative default rate (R,).
    One batch per variant key, the batches of one deal variant in one waterfall run; ``variants``
    keeps each key's deal and assumptions (:func:`variant_of`, a pure function) across calls."""
    variants = {} if variants is None else variants
    names = deal.tranche_names
    pool_balance = deal.pool.balance
    R = s_idx.size
    fd = np.zeros((R, len(names)))
    pl = np.zeros((R, len(names)))
    cdr = np.zeros(R)
    keys = [variant_key(scen[i]) for i in s_idx]
    lines = deal_lines(deal, a)  # the deal's own when they fit; shared by every batch (variants keep segments and convention)
    for group in dict.fromkeys(_batch_key(k) for k in keys):  # variants of one deal: one waterfall run
        vkeys = [k for k in dict.fromkeys(keys) if _batch_key(k) == group]
        rows_of = [np.array([r for r, k in enumerate(keys) if k == key], dtype=np.int64) for key in vkeys]
        batches = []
        for key, rows in zip(vkeys, rows_of, strict=True):
            if key not in variants:
                variants[key] = variant_of(deal, a, key)
            d, av = variants[key]
            sc = [scen[i] for i in s_idx[rows]]
            mults = {
                "prepay_mult": np.array([s.prepay_mult for s in sc]),
                "default_mult": mult[rows] * np.array([s.default_mult for s in sc]),
                "recovery_mult": np.array([s.recovery_mult for s in sc]),
            }
            batches.append((av, mults))
        for which, ra in run_arrays_batches(d, batches, lines=lines):
            rows = np.concatenate([rows_of[i] for i in which])
            cdr[rows] = ra.pool["defaults"][:, 1:].sum(axis=1) / pool_balance
            for j, nm in enumerate(names):
                t = ra.liabilities.tranche(nm)
                eps = LOSS_RTOL * max(float(t.original_balance), 1.0)
                loss = t.writedown.sum(axis=1)
                pl[rows, j] = loss - eps
                fd[rows, j] = loss + t.interest_shortfall.max(axis=1, initial=0.0) - eps
    return fd, pl, cdr


def _batch_key(key: VariantKey) -> tuple[object, ...]:
    """What of a variant key changes the deal (spread, event stresses): variants equal in it but
    their default timing run one waterfall together (:func:`~abs_model.runs.runner.run_arrays_batches`)."""
    return tuple(key[1:])


def _loss_chunk(
    deal: Deal, a: Assumptions, scen: Sequence[Scenario], rows: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_losses` of one chunk of rows ``(scenario indices, multiples)``: a pure top-level
    function, so a Dask worker can run it."""
    return _losses(deal, a, scen, rows[0], rows[1])


@dataclass
class _Runner:
    """Evaluates rows of (scenario, multiple) in this process or on an executor, one chunk per
    deal variant (:func:`_batch_key`) — the runs :func:`_losses` makes in process, so the numbers
    are identical — and remembers the workers lost along the way."""

    deal: Deal
    a: Assumptions
    scen: Sequence[Scenario]
    executor: Any = None
    timeout: float | None = None
    progress: bool | None = None
    lost: set[str] = field(default_factory=set)
    base_row: int | None = None
    base_cdr: float | None = None
    variants: dict[VariantKey, tuple[Deal, Assumptions]] = field(default_factory=dict)

    def __call__(self, s_idx: np.ndarray, mult: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Losses and default rates of the rows; the first call also runs the base case (scenario
        ``base_row`` at multiple 1, when given) among them and keeps its default rate in
        ``base_cdr`` — in the run of its deal variant, no run of its own."""
        if self.base_row is None or self.base_cdr is not None:
            return self._rows(s_idx, mult)
        fd, pl, cdr = self._rows(np.append(s_idx, self.base_row), np.append(mult, 1.0))
        self.base_cdr = float(cdr[-1])
        return fd[:-1], pl[:-1], cdr[:-1]

    def _rows(self, s_idx: np.ndarray, mult: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.executor is None:
            return _losses(self.deal, self.a, self.scen, s_idx, mult, self.variants)
        keys = [_batch_key(variant_key(self.scen[i])) for i in s_idx]
        groups = [np.array([r for r, k in enumerate(keys) if k == key], dtype=np.int64) for key in dict.fromkeys(keys)]
        run = map_chunks(
            _loss_chunk,
            [(s_idx[g], mult[g]) for g in groups],
            shared=(self.deal, self.a, tuple(self.scen)),
            executor=self.executor,
            timeout=self.timeout,
            progress=self.progress,
            desc="breakeven",
        )
        self.lost.update(run.lost_workers)
        parts = run.require_complete()
        n = len(self.deal.tranche_names)
        fd, pl, cdr = np.zeros((s_idx.size, n)), np.zeros((s_idx.size, n)), np.zeros(s_idx.size)
        for g, (f, p, c) in zip(groups, parts, strict=True):
            fd[g], pl[g], cdr[g] = f, p, c
        return fd, pl, cdr


def _survival(
    deal: Deal, a: Assumptions, scen: Sequence[Scenario], s_idx: np.ndarray, mult: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`_losses`, as booleans: first-dollar and principal survival, and the default rate."""
    fd, pl, cdr = _losses(deal, a, scen, s_idx, mult)
    return fd <= 0, pl <= 0, cdr


def _solve(
    deal: Deal,
    runner: _Runner,
    scen: Sequence[Scenario],
    pairs: list[tuple[int, int, int]],
    *,
    upper: float,
    tol: float,
    points: int,
    raise_unbracketed: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """The first-loss multiple of every pair of (tranche index, scenario index, variant index)."""
    tj = np.array([p[0] for p in pairs])
    si = np.array([p[1] for p in pairs])
    vi = np.array([p[2] for p in pairs])
    names = deal.tranche_names

    def loss(rows: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # deduplicate (scenario, multiple) rows: one run serves every tranche and variant
        owner = np.repeat(rows, m.shape[1])
        key = np.stack([si[owner].astype(np.float64), m.ravel()])
        uniq, inv = np.unique(key, axis=1, return_inverse=True)
        inv = inv.ravel()
        fd, pl, cdr = runner(uniq[0].astype(np.int64), uniq[1])
        value = np.where(vi[owner] == 0, fd[inv, tj[owner]], pl[inv, tj[owner]])
        return value.reshape(m.shape), cdr[inv].reshape(m.shape)

    res = first_positive(loss, len(pairs), 0.0, upper, points=points, rtol=tol)
    status = np.where(res.status == "positive at lo", "loses at 0", res.status)
    status = np.where(status == "not positive at hi", f"survives at {upper:g}", status).astype(object)
    if raise_unbracketed and (status != "").any():
        p = int(np.flatnonzero(status != "")[0])
        where = f"tranche {names[tj[p]]!r}, scenario {scen[si[p]].name!r}, variant {VARIANTS[vi[p]]!r}"
        if status[p] == "loses at 0":
            raise SolverError(f"breakeven: cannot bracket — {where} loses even at default multiple 0")
        raise SolverError(
            f"breakeven: cannot bracket — {where} survives at the upper bound, default multiple {upper:g} "
            "(raise upper=, or pass unbracketed='nan')"
        )
    return res.lo, res.hi, res.payload, status, res.passes


def breakeven(
    deal: Deal,
    *,
    assumptions: Assumptions | None = None,
    scenarios: str | Iterable[str | Scenario] = "stress",
    variants: Sequence[Variant] = ("first_dollar", "principal"),
    tranches: Sequence[str] | None = None,
    upper: float = 50.0,
    tol: float = BREAKEVEN_RTOL,
    points: int = 15,
    targets: Mapping[str, float] = TARGET_DEFAULT_MULTIPLES,
    target_rates: Mapping[str, float] | None = None,
    ratings: Mapping[str, str] | None = None,
    unbracketed: Literal["raise", "nan"] = "raise",
    executor: Any = None,
    timeout: float | None = None,
    progress: bool | None = None,
) -> BreakevenResult:
    """Breakeven default multiples and 临界违约率 for every tranche × scenario × variant.

    ``scenarios``: a set name or scenarios (:func:`abs_model.analytics.scenarios.scenario_set`; default the
    six stress scenarios); their default multiples multiply the solved one. ``upper`` bounds the
    search, ``tol`` is the bracket width relative to the multiple (``upper_mult − breakeven_mult
    ≤ tol × upper_mult``), ``points`` the grid's interior points in the first pass (spaced in
    ``√m``). ``targets`` (multiples of the base cumulative default rate per rating)
    or ``target_rates`` (absolute, per rating) give the rating targets; ``ratings`` maps tranche →
    target rating. ``unbracketed="raise"`` (default) raises :class:`SolverError` for a class that
    cannot be bracketed; ``"nan"`` reports NaN for it with the reason in the ``bracket`` column.
    ``executor`` (see :func:`abs_model.analytics.executors.map_chunks`) runs each pass's batches
    on a cluster, with the same numbers as in process; a chunk still failing after its retries
    raises :class:`~abs_model.analytics.executors.IncompleteRunError`. See the module doc.
    """
    a, scen, pairs = _checked(deal, assumptions, scenarios, variants, tranches, upper, tol, points, unbracketed)
    names = deal.tranche_names
    # the base case (its default rate, the rating targets' base) runs with the first pass
    runner = _Runner(deal, a, (*scen, Scenario("base")), executor=executor, timeout=timeout, progress=progress, base_row=len(scen))
    with cluster_client(executor) as client:
        runner.executor = client
        lo, hi, lo_cdr, status, passes = _solve(
            deal, runner, scen, pairs, upper=float(upper), tol=float(tol), points=points, raise_unbracketed=unbracketed == "raise"
        )
    classes = {t.name: t.tranche_class for t in deal.structure.tranches}
    frame = pd.DataFrame(
        {
            "tranche": [names[p[0]] for p in pairs],
            "class": [classes[names[p[0]]] for p in pairs],
            "scenario": [scen[p[1]].name for p in pairs],
            "variant": [VARIANTS[p[2]] for p in pairs],
            "breakeven_mult": lo,
            "upper_mult": hi,
            "breakeven_default_rate": lo_cdr,
            "bracket": status,
            "passes": passes,
        }
    )
    base_rate = runner.base_cdr
    if base_rate is None:  # pragma: no cover - the first pass always runs
        base_rate = float(_survival(deal, a, (Scenario("base"),), np.array([0]), np.array([1.0]))[2][0])
    rates = dict(target_rates) if target_rates is not None else {r: float(m) * base_rate for r, m in targets.items()}
    summary = _summary(frame, classes, base_rate, rates, ratings)
    return BreakevenResult(
        frame=frame, summary=summary, base_default_rate=base_rate, target_rates=rates, lost_workers=tuple(sorted(runner.lost))
    )


def _checked(
    deal: Deal,
    assumptions: Assumptions | None,
    scenarios: str | Iterable[str | Scenario],
    variants: Sequence[Variant],
    tranches: Sequence[str] | None,
    upper: float,
    tol: float,
    points: int,
    unbracketed: str,
) -> tuple[Assumptions, tuple[Scenario, ...], list[tuple[int, int, int]]]:
    """:func:`breakeven`'s options checked: the assumptions, the scenarios and the (tranche,
    scenario, variant) index triples to solve."""
    if not isinstance(deal, Deal):
        raise DealError(f"deal: must be an abs_model.Deal (use load_deal(path)); got {type(deal).__name__}")
    a = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    if not isinstance(a, Assumptions):
        raise must("assumptions", "must be an abs_model.Assumptions", type(a).__name__)
    if isinstance(upper, bool | np.bool_) or not (np.isfinite(upper) and upper > 0):
        raise must("upper", "must be a finite default multiple > 0", upper)
    if isinstance(tol, bool | np.bool_) or not (np.isfinite(tol) and 0 < tol < 1):
        raise must("tol", "must be a relative bracket width > 0 and < 1", tol)
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise must("points", "must be a whole number ≥ 1", points)
    bad = [v for v in variants if v not in VARIANTS]
    if bad or not variants:
        raise must("variants", f"must be a non-empty selection of {list(VARIANTS)}", list(variants))
    names = deal.tranche_names
    chosen = list(names) if tranches is None else list(tranches)
    unknown = [t for t in chosen if t not in names]
    if unknown or not chosen:
        raise must("tranches", f"must name tranches of the deal ({list(names)})", unknown or chosen)
    if unbracketed not in ("raise", "nan"):
        raise must("unbracketed", "must be 'raise' or 'nan'", unbracketed)
    scen = tuple(scenario_set(scenarios))
    pairs = [(names.index(t), s, VARIANTS.index(v)) for t in chosen for s in range(len(scen)) for v in variants]
    return a, scen, pairs


def _summary(
    frame: pd.DataFrame,
    classes: Mapping[str, str],
    base_rate: float,
    rates: Mapping[str, float],
    ratings: Mapping[str, str] | None,
) -> pd.DataFrame:
    """One row per tranche and variant: the minimum over scenarios against the rating targets."""
    order = sorted(rates, key=lambda r: rates[r], reverse=True)
    rows = []
    for (tname, var), g in frame.groupby(["tranche", "variant"], sort=False):
        rates_g = g["breakeven_default_rate"].to_numpy()
        if np.isnan(rates_g).all():
            i, rate = 0, float("nan")
        else:
            i = int(np.nanargmin(rates_g))
            rate = float(rates_g[i])
        row: dict[str, object] = {
            "tranche": tname,
            "class": classes[str(tname)],
            "variant": var,
            "breakeven_mult": float(g["breakeven_mult"].min()),  # NaN-skipping: bracketed scenarios only
            "binding_scenario": g["scenario"].iloc[i],
            "breakeven_default_rate": rate,
            "base_default_rate": base_rate,
            "coverage": rate / base_rate if base_rate > 0 else float("nan"),
            "implied_rating": next((r for r in order if rate >= rates[r]), ""),
        }
        if ratings is not None:
            target = ratings.get(str(tname))
            row["target_rating"] = target or ""
            tr_rate = rates.get(target) if target else None
            if target and tr_rate is None:
                raise must(f"ratings[{tname!r}]", f"must be a rating of the target table ({list(rates)})", target)
            row["target_default_rate"] = float("nan") if tr_rate is None else tr_rate
            row["passes_target"] = bool(tr_rate is not None and rate >= tr_rate)
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ sizing
def _resized(deal: Deal, sizes: Mapping[str, float]) -> Deal:
    """The deal with the named tranches at ``sizes`` (amounts); the most junior class absorbs the
    difference so the notes add up to the same total."""
    ts = deal.structure.tranches
    junior = ts[-1]
    delta = sum(sizes[t.name] - t.balance for t in ts if t.name in sizes)
    new = []
    for t in ts:
        if t.name in sizes:
            new.append(replace(t, balance=float(sizes[t.name])))
        elif t is junior:
            new.append(replace(t, balance=max(0.0, float(t.balance - delta))))
        else:
            new.append(t)
    return replace(deal, structure=replace(deal.structure, tranches=tuple(new)))


def size_tranches(
    deal: Deal,
    ratings: Mapping[str, str],
    *,
    assumptions: Assumptions | None = None,
    multiples: Mapping[str, float] = RATING_MULTIPLES,
    scenarios: str | Iterable[str | Scenario] = "base",
    variant: Variant = "first_dollar",
    tol: float = 1e-6,
) -> pd.DataFrame:
    """The largest size of each rated class that survives its rating stress.

    For each class in ``ratings`` (tranche → rating), most senior first, bisect on its size
    ``x`` (share of the initial pool) for the largest ``x`` at which it survives ``variant`` with
    the default rate at ``multiples[rating] ×`` base in every scenario of ``scenarios``; the most
    junior class absorbs the change, and each class is sized with the ones above already at their
    new sizes. Bracket ``[0, x_max]``, ``x_max`` = the class plus the junior class today; raises
    :class:`SolverError` when the class fails even at a size of ``tol`` or survives at ``x_max``.
    Returns one row per sized class: tranche, rating, stress_mult, size (share), balance,
    original_size.
    """
    if not isinstance(deal, Deal):
        raise DealError(f"deal: must be an abs_model.Deal (use load_deal(path)); got {type(deal).__name__}")
    a = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    if variant not in VARIANTS:
        raise must("variant", f"must be one of {list(VARIANTS)}", variant)
    names = deal.tranche_names
    junior = names[-1]
    for t, r in ratings.items():
        if t not in names or t == junior:
            raise must("ratings", f"must name rated tranches above the most junior ({list(names[:-1])})", t)
        if r not in multiples:
            raise must(f"ratings[{t!r}]", f"must be a rating of the multiples table ({list(multiples)})", r)
        m = multiples[r]
        if isinstance(m, bool) or not isinstance(m, int | float) or not math.isfinite(m) or m < 0:
            raise must(f"multiples[{r!r}]", "must be a finite default multiple ≥ 0", m)
    if isinstance(tol, bool) or not isinstance(tol, int | float) or not 0 < tol < 1:
        raise must("tol", "must be a size tolerance in (0, 1) (a share of the pool)", tol)
    scen = scenario_set(scenarios)
    pool = deal.pool.balance
    vi = VARIANTS.index(variant)
    sizes: dict[str, float] = {}
    rows = []
    for tname in [n for n in names if n in ratings]:
        j = names.index(tname)
        m = float(multiples[ratings[tname]])
        current = _resized(deal, sizes)
        bal = {t.name: t.balance for t in current.structure.tranches}
        x_max = (bal[tname] + bal[junior]) / pool

        def survives(x: float, tname: str = tname, j: int = j, m: float = m) -> bool:
            d = _resized(deal, {**sizes, tname: x * pool})
            fd, pl, _ = _survival(d, a, scen, np.arange(len(scen)), np.full(len(scen), m))
            return bool((fd if vi == 0 else pl)[:, j].all())

        lo, hi = float(tol), float(x_max)
        if not survives(lo):
            raise SolverError(f"size_tranches: cannot bracket — {tname!r} loses at {ratings[tname]} stress ({m:g}×) even at a size of {lo:g} of the pool")
        if survives(hi):
            raise SolverError(
                f"size_tranches: cannot bracket — {tname!r} survives its {ratings[tname]} stress ({m:g}×) at the "
                f"upper bound {hi:.6f} of the pool (the junior class {junior!r} is used up)"
            )
        lo = bisect_predicate(survives, lo, hi, tol=float(tol))
        sizes[tname] = lo * pool
        rows.append(
            {
                "tranche": tname,
                "rating": ratings[tname],
                "stress_mult": m,
                "size": lo,
                "balance": lo * pool,
                "original_size": float(deal.structure.tranches[j].balance) / pool,
            }
        )
    return pd.DataFrame(rows)

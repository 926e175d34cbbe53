"""Breakeven default multiples (临界违约率) and tranche sizing.

For each tranche and each stress scenario, :func:`breakeven` finds the highest multiple ``m`` of
the base default rate at which the class still receives all interest and principal:

- ``"first_dollar"``: fails when ``Σ writedown > ε`` or the carried interest shortfall exceeds
  ``ε`` in any period;
- ``"principal"``: fails when ``Σ writedown > ε``;

with ``ε = 10⁻⁶ × original balance`` (:data:`LOSS_RTOL`). The multiple is also reported as the
implied cumulative default rate of the initial pool at that multiple, ``Σ_t defaults_t / initial
pool balance`` (purchased receivables' defaults included) — the Chinese 临界违约率.

Solver: a vectorised k-section (bisection with ``points`` interior points per pass). Every pass
evaluates all tranches × scenarios × variants at once — one batched
:func:`~abs_model.runs.runner.run_arrays` call per ``(timing, spread_bp)`` group of scenarios — and
narrows each bracket ``[lo, hi]`` (``lo`` survives, ``hi`` fails) to the sub-interval before its
first failing point, until ``hi − lo ≤ tol``. Pass 0 evaluates ``0 … upper``; a class that loses
even at multiple 0, or survives at ``upper``, raises :class:`~abs_model.errors.SolverError`
("cannot bracket", naming which) instead of returning a bound.

Ratings: the summary takes the minimum across scenarios and compares it with a target default
rate per rating, ``target_rate[r] = targets[r] × base cumulative default rate`` (the base case's
realised rate; :data:`abs_model.analytics.scenarios.TARGET_DEFAULT_MULTIPLES`), or with the absolute
``target_rates`` you give. :func:`size_tranches` finds the largest senior (then mezzanine) size
that survives its rating's stress, by bisection on the size.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from abs_model.analytics.scenarios import RATING_MULTIPLES, TARGET_DEFAULT_MULTIPLES, Scenario, scenario_set, variant
from abs_model.assumptions.assumptions import Assumptions
from abs_model.deal.model import Deal
from abs_model.errors import DealError, SolverError, must
from abs_model.projection.replines import rep_lines
from abs_model.runs.runner import run_arrays

__all__ = [
    "LOSS_RTOL",
    "BreakevenResult",
    "Variant",
    "breakeven",
    "size_tranches",
]

Variant = Literal["first_dollar", "principal"]
VARIANTS: tuple[str, ...] = ("first_dollar", "principal")

#: A class "loses" when a writedown (or a shortfall) exceeds this share of its original balance.
LOSS_RTOL = 1e-6


@dataclass(frozen=True, slots=True)
class BreakevenResult:
    """The breakevens of every tranche × scenario × variant (``frame``) and the minimum across
    scenarios per tranche and variant, compared with the rating targets (``summary``).

    ``frame`` columns: tranche, class, scenario, variant, breakeven_mult (the highest multiple
    found to survive), upper_mult (the lowest found to fail; ``upper_mult − breakeven_mult ≤
    tol``), breakeven_default_rate (implied cumulative default rate at ``breakeven_mult``),
    bracket ("" or why the pair could not be bracketed, then NaN), passes (k-section passes).

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


def _survival(
    deal: Deal,
    a: Assumptions,
    scen: Sequence[Scenario],
    s_idx: np.ndarray,
    mult: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run rows ``(scenario s_idx[r], default multiple mult[r])``; return, per row and tranche,
    first-dollar survival and principal survival (R, n_tranches) and the realised cumulative
    default rate (R,)."""
    names = deal.tranche_names
    R = s_idx.size
    fd = np.zeros((R, len(names)), dtype=bool)
    pl = np.zeros((R, len(names)), dtype=bool)
    cdr = np.zeros(R)
    keys = [(scen[i].timing, scen[i].spread_bp) for i in s_idx]
    lines = rep_lines(deal.pool, a)  # shared by every batch: variants keep segments and convention
    for key in dict.fromkeys(keys):
        rows = np.array([r for r, k in enumerate(keys) if k == key], dtype=np.int64)
        d, av = variant(deal, a, timing=key[0], spread_bp=key[1])
        sc = [scen[i] for i in s_idx[rows]]
        ra = run_arrays(
            d,
            av,
            prepay_mult=np.array([s.prepay_mult for s in sc]),
            default_mult=mult[rows] * np.array([s.default_mult for s in sc]),
            recovery_mult=np.array([s.recovery_mult for s in sc]),
            lines=lines,
        )
        cdr[rows] = ra.pool["defaults"][:, 1:].sum(axis=1) / deal.pool.balance
        for j, nm in enumerate(names):
            t = ra.liabilities.tranche(nm)
            eps = LOSS_RTOL * max(float(t.original_balance), 1.0)
            no_loss = t.writedown.sum(axis=1) <= eps
            pl[rows, j] = no_loss
            fd[rows, j] = no_loss & (t.interest_shortfall.max(axis=1, initial=0.0) <= eps)
    return fd, pl, cdr


def _solve(
    deal: Deal,
    a: Assumptions,
    scen: Sequence[Scenario],
    pairs: list[tuple[int, int, int]],
    *,
    upper: float,
    tol: float,
    points: int,
    raise_unbracketed: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """k-section over ``pairs`` of (tranche index, scenario index, variant index)."""
    P = len(pairs)
    tj = np.array([p[0] for p in pairs])
    si = np.array([p[1] for p in pairs])
    vi = np.array([p[2] for p in pairs])
    names = deal.tranche_names

    def fails(rows_s: np.ndarray, rows_m: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # deduplicate (scenario, multiple) rows: one run serves every tranche and variant
        key = np.stack([rows_s.astype(np.float64), rows_m])
        uniq, inv = np.unique(key, axis=1, return_inverse=True)
        fd, pl, cdr = _survival(deal, a, scen, uniq[0].astype(np.int64), uniq[1])
        surv = np.where(vi[owner] == 0, fd[inv, tj[owner]], pl[inv, tj[owner]])
        return ~surv, cdr[inv]

    # pass 0: 0 … upper on one grid shared by every pair
    grid = np.linspace(0.0, upper, points + 2)
    G = grid.size
    owner = np.repeat(np.arange(P), G)
    f, c = fails(si[owner], np.tile(grid, P), owner)
    f = f.reshape(P, G)
    c = c.reshape(P, G)
    bad0 = f[:, 0]
    bad_up = ~f[:, -1]
    status = np.full(P, "", dtype=object)
    status[bad0] = "loses at 0"
    status[bad_up & ~bad0] = f"survives at {upper:g}"
    if raise_unbracketed and (bad0 | bad_up).any():
        p = int(np.flatnonzero(bad0 | bad_up)[0])
        where = f"tranche {names[tj[p]]!r}, scenario {scen[si[p]].name!r}, variant {VARIANTS[vi[p]]!r}"
        if bad0[p]:
            raise SolverError(f"breakeven: cannot bracket — {where} loses even at default multiple 0")
        raise SolverError(
            f"breakeven: cannot bracket — {where} survives at the upper bound, default multiple {upper:g} "
            "(raise upper=, or pass unbracketed='nan')"
        )
    ok = ~(bad0 | bad_up)
    first = np.where(ok, f.argmax(axis=1), 1)
    lo = np.where(ok, grid[first - 1], 0.0)
    hi = np.where(ok, grid[first], 0.0)
    lo_cdr = np.where(ok, c[np.arange(P), first - 1], np.nan)
    passes = 1
    inner = np.arange(1, points + 1) / (points + 1)
    while float(np.max(hi - lo)) > tol:  # unbracketed pairs sit at [0, 0] and cost one row each
        m = lo[:, None] + (hi - lo)[:, None] * inner[None, :]  # (P, points)
        owner = np.repeat(np.arange(P), points)
        f, c = fails(si[owner], m.ravel(), owner)
        f = f.reshape(P, points)
        c = c.reshape(P, points)
        anyf = f.any(axis=1)
        k = np.where(anyf, f.argmax(axis=1), points)  # first failing interior point (points: none)
        new_hi = np.where(anyf, m[np.arange(P), np.minimum(k, points - 1)], hi)
        has_lo = k > 0
        new_lo = np.where(has_lo, m[np.arange(P), np.maximum(k - 1, 0)], lo)
        lo_cdr = np.where(has_lo, c[np.arange(P), np.maximum(k - 1, 0)], lo_cdr)
        lo, hi = new_lo, new_hi
        passes += 1
    lo = np.where(ok, lo, np.nan)
    hi = np.where(ok, hi, np.nan)
    lo_cdr = np.where(ok, lo_cdr, np.nan)
    return lo, hi, lo_cdr, status, passes


def breakeven(
    deal: Deal,
    *,
    assumptions: Assumptions | None = None,
    scenarios: str | Iterable[str | Scenario] = "stress",
    variants: Sequence[Variant] = ("first_dollar", "principal"),
    tranches: Sequence[str] | None = None,
    upper: float = 50.0,
    tol: float = 1e-6,
    points: int = 15,
    targets: Mapping[str, float] = TARGET_DEFAULT_MULTIPLES,
    target_rates: Mapping[str, float] | None = None,
    ratings: Mapping[str, str] | None = None,
    unbracketed: Literal["raise", "nan"] = "raise",
) -> BreakevenResult:
    """Breakeven default multiples and 临界违约率 for every tranche × scenario × variant.

    ``scenarios``: a set name or scenarios (:func:`abs_model.analytics.scenarios.scenario_set`; default the
    six stress scenarios); their default multiples multiply the solved one. ``upper`` bounds the
    search, ``tol`` is the bracket width on the multiple, ``points`` the interior points per pass.
    ``targets`` (multiples of the base cumulative default rate per rating) or ``target_rates``
    (absolute, per rating) give the rating targets; ``ratings`` maps tranche → target rating.
    ``unbracketed="raise"`` (default) raises :class:`SolverError` for a class that cannot be
    bracketed; ``"nan"`` reports NaN for it with the reason in the ``bracket`` column. See the
    module doc.
    """
    if not isinstance(deal, Deal):
        raise DealError(f"deal: must be an abs_model.Deal (use load_deal(path)); got {type(deal).__name__}")
    a = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    if not isinstance(a, Assumptions):
        raise must("assumptions", "must be an abs_model.Assumptions", type(a).__name__)
    if not (np.isfinite(upper) and upper > 0):
        raise must("upper", "must be a finite default multiple > 0", upper)
    if not (np.isfinite(tol) and 0 < tol < upper):
        raise must("tol", f"must be > 0 and < upper ({upper:g})", tol)
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
    scen = scenario_set(scenarios)
    pairs = [(names.index(t), s, VARIANTS.index(v)) for t in chosen for s in range(len(scen)) for v in variants]
    if unbracketed not in ("raise", "nan"):
        raise must("unbracketed", "must be 'raise' or 'nan'", unbracketed)
    lo, hi, lo_cdr, status, passes = _solve(
        deal, a, scen, pairs, upper=float(upper), tol=float(tol), points=points, raise_unbracketed=unbracketed == "raise"
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
    _, _, base_cdr = _survival(deal, a, (Scenario("base"),), np.array([0]), np.array([1.0]))
    base_rate = float(base_cdr[0])
    rates = dict(target_rates) if target_rates is not None else {r: float(m) * base_rate for r, m in targets.items()}
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
    return BreakevenResult(frame=frame, summary=pd.DataFrame(rows), base_default_rate=base_rate, target_rates=rates)


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
        while hi - lo > tol:
            mid = 0.5 * (lo + hi)
            if survives(mid):
                lo = mid
            else:
                hi = mid
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

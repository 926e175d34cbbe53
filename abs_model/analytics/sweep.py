"""Scenario sweeps: ``sweep(deal, grid) -> DataFrame``, one row per scenario × tranche.

A grid is a dict of lists (their Cartesian product) or a DataFrame of scenarios (one row each).
Its columns name assumption levers:

==========================  =====================================================================
column                      meaning
==========================  =====================================================================
``prepay`` / ``prepay_mult``      multiple of the base CPR (capped at CPR 1)
``default`` / ``default_mult``    multiple of the base default rate (CDR, cumulative default or the
                                  roll-forward rates of a roll-rate matrix)
``recovery`` / ``recovery_mult``  multiple of the base recovery rate
``cpr``                     absolute CPR; becomes ``prepay_mult = cpr / base CPR`` (the base must
                            be one constant CPR)
``cdr``                     absolute CDR; ``default_mult = cdr / base CDR`` (constant base CDR)
``cumulative_default``      absolute 累计违约率; ``default_mult = value / base cumulative default``
``recovery_rate``           absolute; ``recovery_mult = value / base recovery rate``
``timing``                  ``"base"``, ``"front"`` or ``"back"`` (:func:`abs_model.analytics.scenarios.with_timing`)
``spread_bp``               spread compression in bp a year (:func:`abs_model.analytics.scenarios.with_spread_compression`)
``scenario``                a named scenario (:mod:`abs_model.analytics.scenarios`); its multipliers multiply
                            the other columns' and its timing/spread apply unless given
==========================  =====================================================================

Every scenario sharing ``(timing, spread_bp)`` runs in one vectorised batch
(:func:`abs_model.runs.runner.run_arrays`), ``chunk`` scenarios at a time to bound memory.
:func:`evaluate_chunk` is a pure top-level function, so a chunk can be shipped to another process
or a Dask worker (``executor=``).

Metrics, per scenario and tranche (arrays ``P, I, R, W, SF, B`` = principal, interest, residual,
writedown, carried interest shortfall, ending balance by period ``k = 1 … T``):

- ``loss = Σ W_k``, ``loss_pct = loss / original balance``;
- ``interest_shortfall = SF_T`` (interest still unpaid at the end), ``max_interest_shortfall = max_k SF_k``;
- ``wal_years = Σ k P_k / Σ P_k / 12`` (principal paid at period ends, as :func:`abs_model.core.yields.wal`);
- ``first_principal_period`` / ``last_principal_period``: first and last ``k`` with ``P_k > 10⁻⁹``
  (0 when none); ``principal_window = last − first + 1`` months (0 when none);
- ``yield_at_par``: the bond-equivalent cash-flow yield ``y`` with
  ``original balance = Σ (I_k + P_k + R_k) / (1 + y/2)^(2k/12)`` (:func:`abs_model.core.yields.cash_flow_yield`
  at price 1.0, no delay), solved for all rows at once (Illinois regula falsi); NaN where no ``y`` in
  [−99 %, 1000 %] exists;
- ``complete``: the class is retired within the deal's periods, ``B_T ≤ 10⁻⁶ × original balance``;
  ``paid_in_full``: complete, no loss and no interest left unpaid (each ``≤ 10⁻⁶ ×`` original);
- ``cumulative_default_rate``: pool defaults over the deal's periods (purchased receivables
  included) ``/ initial pool balance`` — the same for every tranche of a scenario.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from abs_model.analytics.executors import ChunkRun, map_chunks
from abs_model.analytics.scenarios import EVENT_COLUMNS, TIMINGS, scenario_set, variant_of
from abs_model.assumptions.assumptions import Assumptions
from abs_model.core.metrics import principal_windows, wal_years
from abs_model.core.solve import root_rows
from abs_model.core.yields import YIELD_HIGH, YIELD_LOW
from abs_model.deal.model import Deal
from abs_model.errors import AssumptionError, DealError, must
from abs_model.runs.runner import _deal_lines as deal_lines
from abs_model.runs.runner import run_arrays

__all__ = [
    "METRICS",
    "SCENARIO_COLUMNS",
    "evaluate_chunk",
    "scenario_grid",
    "sweep",
    "tranche_metrics",
]

#: Every metric :func:`sweep` can return, in column order.
METRICS: tuple[str, ...] = (
    "loss",
    "loss_pct",
    "interest_paid",
    "principal_paid",
    "residual_paid",
    "interest_shortfall",
    "max_interest_shortfall",
    "wal_years",
    "first_principal_period",
    "last_principal_period",
    "principal_window",
    "yield_at_par",
    "ending_balance",
    "complete",
    "paid_in_full",
    "cumulative_default_rate",
)

#: The normalised scenario columns every chunk carries.
SCENARIO_COLUMNS: tuple[str, ...] = ("prepay_mult", "default_mult", "recovery_mult", "timing", "spread_bp")

#: Relative tolerance for "retired", "no loss", "no shortfall" (of the original balance).
PAID_RTOL = 1e-6
#: Principal below this is not a principal payment when finding the window (as DealResult.summary).
PRINCIPAL_EPS = 1e-9
#: Step (or bracket width) at which the yields at par stop.
PAR_YIELD_XTOL = 1e-13
#: Scenarios a chunk by default in this process: the collateral projection and the waterfall of
#: the Baitiao deal over a 1M pool both cost least per scenario about here (fewer period loops
#: than 1,000 a chunk; at 10,000 the pool columns no longer stay in the cache). A scenario's
#: numbers can move in the last bits with the batch it runs in (the waterfall's write-down loop
#: stops when no scenario of the batch has a loss left to write down), so a chunk size of its
#: own can move a threshold metric of a rare row (e.g. a principal period of 1e-9).
IN_PROCESS_CHUNK = 2_500
#: Scenarios a chunk by default on a cluster or an executor (more, smaller tasks to share out).
DISTRIBUTED_CHUNK = 1_000

_ALIASES = {
    "prepay": "prepay_mult",
    "prepay_mult": "prepay_mult",
    "default": "default_mult",
    "default_mult": "default_mult",
    "recovery": "recovery_mult",
    "recovery_mult": "recovery_mult",
}
_ABSOLUTE = {"cpr": "prepay_mult", "cdr": "default_mult", "cumulative_default": "default_mult", "recovery_rate": "recovery_mult"}
_KNOWN = (*_ALIASES, *_ABSOLUTE, "timing", "spread_bp", "scenario")


# ------------------------------------------------------------------------------------ the grid
def _grid_frame(grid: Mapping[str, Sequence[Any]] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(grid, pd.DataFrame):
        frame = grid.reset_index(drop=True).copy()
    elif isinstance(grid, Mapping):
        cols = list(grid)
        values = []
        for c in cols:
            v = grid[c]
            vals = [v] if isinstance(v, str | int | float) else list(v)
            if not vals:
                raise must(f"grid[{c!r}]", "must list at least one value", v, error=AssumptionError)
            values.append(vals)
        frame = _product_frame(cols, values)
    else:
        raise must("grid", "must be a dict of lists or a DataFrame of scenarios", type(grid).__name__)
    if frame.empty:
        raise must("grid", "must hold at least one scenario", "0 rows")
    unknown = [c for c in frame.columns if c not in _KNOWN]
    if unknown:
        raise must("grid", f"columns must be assumption levers {list(_KNOWN)}", unknown)
    return frame


def _product_frame(cols: Sequence[str], values: Sequence[list[Any]]) -> pd.DataFrame:
    """The Cartesian product of ``values`` (one list per column of ``cols``) as a frame, in the
    order of :func:`itertools.product` (the last column fastest): row ``i`` takes value
    ``(i // stride_c) % len_c`` of column ``c``, ``stride_c`` the product of the later lengths. Each
    column's dtype is pandas' inference from its values, as for the frame of the product's tuples
    (made without them: ten thousand tuples cost more than the whole frame)."""
    sizes = [len(v) for v in values]
    n = int(np.prod(sizes, dtype=np.int64)) if sizes else 0
    i = np.arange(n, dtype=np.int64)
    data: dict[str, Any] = {}
    stride = n
    for c, vals, size in zip(cols, values, sizes, strict=True):
        stride //= size
        data[c] = pd.Series(vals).take((i // stride) % size).reset_index(drop=True)
    return pd.DataFrame(data, columns=list(cols))


def _constant(name: str, values: np.ndarray | None) -> float:
    if values is None or values.size == 0:
        raise must(name, "the base assumptions must state it to convert an absolute value to a multiple", None)
    if np.ptp(values) > 0:
        raise must(
            name,
            "an absolute value needs a constant base curve (use the multiple instead)",
            f"a curve from {values.min():g} to {values.max():g}",
        )
    v = float(values[0])
    if v <= 0:
        raise must(name, "the base must be > 0 to convert an absolute value to a multiple", v)
    return v


def _no_booleans(frame: pd.DataFrame, col: str) -> None:
    """A grid column of numbers holds no boolean: ``{"prepay": [True, False]}`` ran as the multiples
    1 and 0 (and the sweep's rows showed True and False as the lever's values)."""
    s = frame[col]
    if pd.api.types.is_bool_dtype(s) or (s.dtype == object and any(isinstance(x, bool | np.bool_) for x in s)):
        raise must(f"grid[{col!r}]", "must be numbers, not booleans", s.tolist()[:5])


def scenario_grid(grid: Mapping[str, Sequence[Any]] | pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    """The grid as one row per scenario: the given columns, then ``scenario_id`` and the
    normalised columns :data:`SCENARIO_COLUMNS` (absolute values converted to multiples of
    ``assumptions``; see the module doc)."""
    frame = _grid_frame(grid)
    n = len(frame)
    mult = {"prepay_mult": np.ones(n), "default_mult": np.ones(n), "recovery_mult": np.ones(n)}
    source: dict[str, str] = {}
    for col in frame.columns:
        target = _ALIASES.get(col) or _ABSOLUTE.get(col)
        if target is None:
            continue
        if target in source:
            raise must("grid", f"give {target} once (as {source[target]!r} or {col!r})", [source[target], col])
        source[target] = col
        _no_booleans(frame, col)
        try:
            v = frame[col].to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise must(f"grid[{col!r}]", "must be numbers", frame[col].tolist()[:5]) from None
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            raise must(f"grid[{col!r}]", "must be finite numbers ≥ 0", float(v[~(np.isfinite(v) & (v >= 0))][0]))
        if col in ("cpr", "cdr", "cumulative_default", "recovery_rate") and np.any(v > 1):
            raise must(f"grid[{col!r}]", "must be decimals in [0, 1]", float(v[v > 1][0]), hint="rates are decimals (6 % is 0.06)")
        if col == "cpr":
            v = v / (_constant("cpr", assumptions.cpr.values) * assumptions.prepay_multiplier)
        elif col == "cdr":
            if assumptions.cdr is None:
                raise must("grid['cdr']", "needs base assumptions with a CDR", assumptions.convention)
            v = v / (_constant("cdr", assumptions.cdr.values) * assumptions.default_multiplier)
        elif col == "cumulative_default":
            if assumptions.cumulative_default is None:
                raise must("grid['cumulative_default']", "needs base assumptions with a cumulative default", None)
            v = v / (_constant("cumulative_default", np.array([assumptions.cumulative_default])) * assumptions.default_multiplier)
        elif col == "recovery_rate":
            v = v / _constant("recovery_rate", np.array([assumptions.recovery_rate]))
        mult[target] = v
    timing = np.full(n, "base", dtype=object)
    spread = np.zeros(n)
    events: dict[str, list[Any]] = {}
    if "scenario" in frame.columns:
        named = {s.name: s for s in scenario_set(sorted(set(map(str, frame["scenario"]))))}
        sc = [named[str(x)] for x in frame["scenario"]]
        mult["prepay_mult"] = mult["prepay_mult"] * np.array([s.prepay_mult for s in sc])
        mult["default_mult"] = mult["default_mult"] * np.array([s.default_mult for s in sc])
        mult["recovery_mult"] = mult["recovery_mult"] * np.array([s.recovery_mult for s in sc])
        timing = np.array([s.timing for s in sc], dtype=object)
        spread = np.array([s.spread_bp for s in sc])
        events = {c: [getattr(s, c) for s in sc] for c in EVENT_COLUMNS} if any(getattr(s, c) is not None for s in sc for c in EVENT_COLUMNS) else {}
    if "timing" in frame.columns:
        timing = frame["timing"].astype(str).to_numpy(dtype=object)
        bad = sorted(set(timing) - set(TIMINGS))
        if bad:
            raise must("grid['timing']", f"must be one of {list(TIMINGS)}", bad[0])
    if "spread_bp" in frame.columns:
        _no_booleans(frame, "spread_bp")
        spread = frame["spread_bp"].to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(spread)) or np.any(spread < 0):
            raise must("grid['spread_bp']", "must be finite numbers of basis points ≥ 0", frame["spread_bp"].tolist()[:5])
    out = frame.copy()
    out["scenario_id"] = np.arange(n)
    for k, v in mult.items():
        out[k] = v
    out["timing"] = timing
    out["spread_bp"] = spread
    for c, v in events.items():  # event stresses of named scenarios (差额支付 provider default, servicer event)
        out[c] = pd.Series(v, dtype=object)
    return out


# ------------------------------------------------------------------------------------ metrics
def _par_yields(cf: np.ndarray, balance: float) -> np.ndarray:
    """Bond-equivalent yields at par for each row of ``cf`` (S, T) (see module doc), solved for all
    rows at once (:func:`abs_model.core.solve.root_rows`; each row on its own, so a row equal to
    the one before it — a grid's scenarios that differ only where this class is not reached, e.g.
    the recovery multiple for a senior class paid in full — takes that row's yield unsolved)."""
    S, T = cf.shape
    if balance <= 0 or S == 0:
        return np.full(S, np.nan)
    new = np.ones(S, dtype=bool)
    new[1:] = np.any(cf[1:] != cf[:-1], axis=1)
    if not new.all():
        return _par_yields(cf[new], balance)[np.cumsum(new) - 1]
    expo = -2.0 * np.arange(1, T + 1) / 12.0

    def f(rows: np.ndarray, y: np.ndarray) -> np.ndarray:
        c = cf if rows.size == S else cf[rows]
        return (c * (1.0 + y[:, None] / 2.0) ** expo).sum(axis=1) - balance

    return root_rows(f, YIELD_LOW, YIELD_HIGH, S, xtol=PAR_YIELD_XTOL)


def tranche_metrics(liab: Any, name: str, *, yields: bool = True) -> dict[str, np.ndarray]:
    """Every tranche metric of :data:`METRICS` (but the pool's) for all scenarios of ``liab``
    (a :class:`tranches.LiabilityResult`); arrays of shape (S,). See the module doc."""
    t = liab.tranche(name)
    orig = float(t.original_balance)
    P, Ip, R, W, SF, B = t.principal_paid, t.interest_paid, t.residual_paid, t.writedown, t.interest_shortfall, t.balance_end
    S, T = P.shape
    tol = PAID_RTOL * max(orig, 1.0)
    loss = W.sum(axis=1)
    prin = P.sum(axis=1)
    wal = wal_years(P)  # NaN where no principal is paid
    first, last = principal_windows(P, eps=PRINCIPAL_EPS)  # (0, 0) where none is paid
    anyp = first > 0
    short_end = SF[:, -1] if T else np.zeros(S)
    end = B[:, -1] if T else np.full(S, orig)
    complete = end <= tol
    return {
        "loss": loss,
        "loss_pct": loss / orig if orig > 0 else np.zeros(S),
        "interest_paid": Ip.sum(axis=1),
        "principal_paid": prin,
        "residual_paid": R.sum(axis=1),
        "interest_shortfall": short_end,
        "max_interest_shortfall": SF.max(axis=1) if T else np.zeros(S),
        "wal_years": wal,
        "first_principal_period": first.astype(np.int64),
        "last_principal_period": last.astype(np.int64),
        "principal_window": np.where(anyp, last - first + 1, 0).astype(np.int64),
        "yield_at_par": _par_yields(Ip + P + R, orig) if yields else np.full(S, np.nan),
        "ending_balance": end,
        "complete": complete,
        "paid_in_full": complete & (loss <= tol) & (short_end <= tol),
    }


def _event(v: Any) -> Any:
    """An event-stress cell: None (no event; NaN after a DataFrame round trip) or its value."""
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def _chunk_columns(chunk: pd.DataFrame) -> dict[str, np.ndarray]:
    n = len(chunk)
    cols: dict[str, np.ndarray] = {}
    for c in ("prepay_mult", "default_mult", "recovery_mult"):
        cols[c] = chunk[c].to_numpy(dtype=np.float64) if c in chunk.columns else np.ones(n)
    cols["timing"] = chunk["timing"].astype(str).to_numpy(dtype=object) if "timing" in chunk.columns else np.full(n, "base", dtype=object)
    cols["spread_bp"] = chunk["spread_bp"].to_numpy(dtype=np.float64) if "spread_bp" in chunk.columns else np.zeros(n)
    for c in EVENT_COLUMNS:
        cols[c] = chunk[c].to_numpy(dtype=object) if c in chunk.columns else np.full(n, None, dtype=object)
    return cols


def _batches(cols: Mapping[str, np.ndarray]) -> dict[tuple[Any, ...], np.ndarray]:
    """The chunk's scenarios by batch key ``(timing, spread_bp, *event stresses)`` (in order of
    first appearance; the indices of each in chunk order)."""
    timing = np.asarray(cols["timing"]).astype(str)
    spread = np.asarray(cols["spread_bp"], dtype=np.float64)
    n = timing.size
    no_event = [bool(pd.isna(cols[c]).all()) for c in EVENT_COLUMNS]
    if n and all(no_event) and (timing == timing[0]).all() and (spread == spread[0]).all():  # one batch (the usual)
        return {(str(timing[0]), float(spread[0]), *(None for _ in EVENT_COLUMNS)): np.arange(n, dtype=np.int64)}
    events = [[None] * n if none else [_event(v) for v in cols[c]] for c, none in zip(EVENT_COLUMNS, no_event, strict=True)]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, key in enumerate(zip(timing.tolist(), spread.tolist(), *events, strict=True)):
        groups.setdefault(key, []).append(i)
    return {k: np.array(v, dtype=np.int64) for k, v in groups.items()}


def evaluate_chunk(deal: Deal, assumptions: Assumptions, chunk_frame: pd.DataFrame) -> pd.DataFrame:
    """Run one chunk of scenarios and return its rows (scenario × tranche).

    ``chunk_frame`` holds one row per scenario with the normalised columns
    :data:`SCENARIO_COLUMNS` (a missing one takes its base value: multiples 1, timing "base",
    spread 0); every other column is carried into the result. Scenarios sharing
    ``(timing, spread_bp)`` run as one batch of :func:`~abs_model.runs.runner.run_arrays`. The rows come
    scenario-major in the chunk's order, tranches most senior first; columns: the chunk's, then
    ``tranche``, ``class``, ``original_balance`` and :data:`METRICS`. A pure function of its
    arguments, so it can run in another process or on a Dask worker.
    """
    cols = _chunk_columns(chunk_frame)
    n = len(chunk_frame)
    names = deal.tranche_names
    classes = {t.name: t.tranche_class for t in deal.structure.tranches}
    metric_arrays: dict[str, dict[str, np.ndarray]] = {
        nm: {m: np.empty(n, dtype=np.float64) for m in METRICS} for nm in names
    }
    lines = deal_lines(deal, assumptions)  # shared by every batch of the chunk (the deal's own when they fit)
    for key, idx in _batches(cols).items():
        d, a = variant_of(deal, assumptions, key)
        ra = run_arrays(
            d,
            a,
            prepay_mult=cols["prepay_mult"][idx],
            default_mult=cols["default_mult"][idx],
            recovery_mult=cols["recovery_mult"][idx],
            lines=lines,
            pool_fields=("defaults",),  # the metrics' one pool column
        )
        cdr = ra.pool["defaults"][:, 1:].sum(axis=1) / deal.pool.balance if deal.pool.balance > 0 else np.zeros(idx.size)
        for nm in names:
            m = tranche_metrics(ra.liabilities, nm)
            m["cumulative_default_rate"] = cdr
            for k2, v in m.items():
                metric_arrays[nm][k2][idx] = v
    orig = {t.name: float(t.balance) for t in deal.structure.tranches}
    return _rows_frame(chunk_frame, names, classes, orig, metric_arrays)


def _rows_frame(
    chunk_frame: pd.DataFrame,
    names: Sequence[str],
    classes: Mapping[str, str],
    orig: Mapping[str, float],
    metric_arrays: Mapping[str, Mapping[str, np.ndarray]],
) -> pd.DataFrame:
    """The chunk's rows, scenario-major (row ``i·C + j`` = scenario ``i``, tranche ``j``): the
    chunk's columns repeated per tranche (dtypes kept), then tranche, class, original balance and
    the metrics (a chunk column of one of those names gives way to it) — every column made as an
    array, the frame built once (inserting columns one by one, or concatenating frames, is slow)."""
    n, C = len(chunk_frame), len(names)
    rep = np.repeat(np.arange(n), C)
    extra: dict[str, Any] = {
        "tranche": np.tile(np.array(names, dtype=object), n),
        "class": np.tile(np.array([classes[nm] for nm in names], dtype=object), n),
        "original_balance": np.tile(np.array([orig[nm] for nm in names], dtype=np.float64), n),
    }
    for metric in METRICS:
        v = np.stack([metric_arrays[nm][metric] for nm in names], axis=1).reshape(-1)
        extra[metric] = v.astype(np.int64) if metric in _INT_METRICS else v.astype(bool) if metric in _BOOL_METRICS else v
    cols: dict[str, Any] = {}
    for c in chunk_frame.columns:
        if c not in extra:
            col = chunk_frame[c]
            cols[c] = col.to_numpy()[rep] if isinstance(col.dtype, np.dtype) else col.take(rep).reset_index(drop=True)
    cols.update(extra)
    return pd.DataFrame(cols)


_INT_METRICS = frozenset({"first_principal_period", "last_principal_period", "principal_window"})
_BOOL_METRICS = frozenset({"complete", "paid_in_full"})


# ------------------------------------------------------------------------------------ execution
def _missing_scenarios(run: ChunkRun[pd.DataFrame], frames: list[pd.DataFrame]) -> list[int]:
    return [int(x) for i in run.missing for x in frames[i]["scenario_id"]]


def sweep(
    deal: Deal,
    grid: Mapping[str, Sequence[Any]] | pd.DataFrame,
    *,
    assumptions: Assumptions | None = None,
    metrics: Iterable[str] = METRICS,
    executor: Any = None,
    chunk: int | None = None,
    progress: bool | None = None,
    on_chunk: Callable[[pd.DataFrame], None] | None = None,
    timeout: float | None = None,
    missing: Literal["raise", "report"] = "raise",
) -> pd.DataFrame:
    """Run every scenario of ``grid`` on ``deal``; one row per scenario × tranche.

    Columns: the grid's own, ``scenario_id``, the normalised :data:`SCENARIO_COLUMNS`,
    ``tranche``, ``class``, ``original_balance`` and the requested ``metrics`` (see the module
    doc). Scenarios run ``chunk`` at a time (default :data:`IN_PROCESS_CHUNK` in process,
    :data:`DISTRIBUTED_CHUNK` elsewhere; the numbers do not depend on it), each chunk one
    vectorised batch per ``(timing, spread_bp)`` group, in process (``executor=None``), through ``executor.map`` or
    on a ``dask.distributed.Client`` or a scheduler address (:func:`abs_model.analytics.executors.map_chunks`:
    shared objects sent once, chunks retried, results in order). A tqdm progress bar of completed
    chunks shows when ``progress=True``, or when ``progress=None`` and stderr is a terminal.
    ``on_chunk`` (optional) sees each chunk's rows as they arrive. ``timeout`` bounds a cluster
    run. A chunk still failing after its retries raises :class:`~abs_model.analytics.executors.IncompleteRunError`
    naming it (``missing="raise"``), or (``missing="report"``) its rows are left out and listed in
    ``out.attrs["missing_scenarios"]`` (``attrs["complete"]`` is ``False``, ``attrs["errors"]``
    says why per chunk). ``attrs["lost_workers"]`` names workers lost during the run.
    """
    if missing not in ("raise", "report"):
        raise must("missing", "must be 'raise' or 'report'", missing)
    if not isinstance(deal, Deal):
        raise DealError(f"deal: must be an abs_model.Deal (use load_deal(path)); got {type(deal).__name__}")
    a = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    if not isinstance(a, Assumptions):
        raise must("assumptions", "must be an abs_model.Assumptions", type(a).__name__)
    wanted = list(metrics)
    bad = [m for m in wanted if m not in METRICS]
    if bad or not wanted:
        raise must("metrics", f"must be a non-empty selection of {list(METRICS)}", bad or wanted)
    if chunk is None:
        chunk = IN_PROCESS_CHUNK if executor is None else DISTRIBUTED_CHUNK
    if isinstance(chunk, bool) or not isinstance(chunk, int | np.integer) or chunk < 1:
        raise must("chunk", "must be a whole number of scenarios ≥ 1", chunk)
    frame = scenario_grid(grid, a)
    frames = [frame.iloc[i : i + int(chunk)] for i in range(0, len(frame), int(chunk))]
    seen = (lambda i, part: on_chunk(part)) if on_chunk is not None else None
    run = map_chunks(
        evaluate_chunk, frames, shared=(deal, a), executor=executor, progress=progress, timeout=timeout, desc="sweep", on_result=seen
    )
    if not run.complete and missing == "raise":
        run.require_complete()
    parts = [part for _, part in run.done()]
    empty = pd.DataFrame(columns=[*frame.columns, "tranche", "class", "original_balance", *METRICS])
    out = pd.concat(parts, ignore_index=True) if parts else empty
    out = out.drop(columns=[m for m in METRICS if m not in wanted])
    out.attrs["complete"] = run.complete
    out.attrs["missing_scenarios"] = _missing_scenarios(run, frames)
    out.attrs["errors"] = {int(i): e for i, e in run.errors.items()}
    out.attrs["lost_workers"] = list(run.lost_workers)
    out.attrs["where"] = run.where
    return out

"""The deal runner: ``run(deal, assumptions) -> DealResult`` joins the pool projection to the
liability engine, period by period, vectorised over scenarios.

Revolving purchases (循环购买). The projection is linear in balance and the assumptions apply to
new receivables by months on book, so one unit of the replenishment mix bought at the end of
period ``τ`` contributes ``A_τ × u[s − τ]`` to every pool column in period ``s``, where ``u`` is
the projected profile of one unit of the mix and ``A_τ`` the par amount the waterfall's
``buy_receivables`` step bought. The runner keeps the pool columns as arrays over scenarios and
adds each period's purchases into the future rows; only periods are looped.

With eligibility (合格标准) each replenishment line bought has a unit profile of its own, all of them
projected in one run of the engine (:func:`_line_profiles`) — the same run as the pool's where the
two share a horizon (:func:`_pool_and_lines`: a legal final cuts the pool to the run's periods);
several batches of scenarios on one
deal under different assumptions (default-timing variants) can share one waterfall run
(:func:`run_arrays_batches`).

Clean-up call (清仓回购): the engine tests it on payment dates after revolving has ended; when
exercised the remaining pool is sold (the waterfall receives ``price × balance``); the pool's later
rows are zero and the balance sold shows in ``cleanup_sale``. Receivables defaulted before the call
go with the pool: the recoveries still to come on them are not the trust's, and show, in the call
period, in ``recoveries_forgone`` (the report, the workbook and the console name them), and the call
period's net loss takes them in: net loss is booked at default net of the recoveries expected, so
without this the cumulative net loss would count money the trust never gets as recovered.

Horizon: a run covers the deal's periods extended to its legal final (or, without one, until the
collateral is exhausted), and the engine writes down every note balance still owed in the last
period (:func:`horizon`): unpaid principal at the end is a loss, never a 0 % loss.

Pool-side roll-forward with purchases and the call:
``opening + purchases = scheduled principal + prepayment + defaults + cleanup_sale + closing``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import tranches as tr
from abs_model.assumptions.assumptions import Assumptions
from abs_model.deal.eligibility import PurchasePlan, bought_lines, purchase_plan_of
from abs_model.deal.model import Deal, ReplenishmentLine, replenishment_pool
from abs_model.errors import AssumptionError, DealError
from abs_model.projection.cashflows import ADVANCING_FIELDS, CHECK_RTOL, FIELDS, STOCK_FIELDS, PoolCashflows
from abs_model.projection.context import scenario_multiples
from abs_model.projection.engine import (
    LineProjection,
    horizon_for,
    project_lines,
    project_parts,
    projected_periods,
    trust_late_fees,
)
from abs_model.projection.replines import Lines, profile_lines, rep_lines
from abs_model.runs.dates import accrual_dates, month_ends
from abs_model.runs.pool_stack import LOOP_FIELDS, PoolStack, by_period, check_pool_fields, moving_fields, plan_unit
from abs_model.runs.result import DealResult


@dataclass(frozen=True, slots=True)
class RunArrays:
    """What :func:`run_arrays` produced for S scenarios over T periods (column 0 is the cut-off).

    - ``pool``: pool columns (:data:`~abs_model.projection.cashflows.FIELDS`, revolving purchases
      added), each (S, T + 1), plus ``collection_costs_paid``;
    - ``purchases``: par amount of receivables bought, (S, T + 1);
    - ``cleanup_sale``: pool balance sold by the clean-up call, (S, T + 1);
    - ``liabilities``: the waterfall's result for every scenario;
    - ``period_end_dates``: (T,) end dates of the collection periods run (the horizon, see
      :func:`horizon`); note interest accrues between payment dates
      (:mod:`abs_model.runs.dates`).
    """

    pool: dict[str, np.ndarray]
    purchases: np.ndarray
    cleanup_sale: np.ndarray
    liabilities: tr.LiabilityResult
    period_end_dates: np.ndarray

    @property
    def n_periods(self) -> int:
        """T, the number of periods run."""
        return int(self.period_end_dates.size)


def run(
    deal: Deal,
    assumptions: Assumptions | None = None,
    *,
    prepay_mult: np.ndarray | float | None = None,
    default_mult: np.ndarray | float | None = None,
    recovery_mult: np.ndarray | float | None = None,
) -> DealResult:
    """Run the deal: project the pool, run the waterfall every period, buy receivables while
    revolving. Scenario multipliers (arrays of shape (S,)) run S scenarios in one batch; the
    returned frames show scenario 0 and ``result.liabilities`` holds every scenario.

    ``result.assumptions`` are the assumptions scenario 0 ran under: its prepayment and default
    multipliers (and its recovery multiplier, where a recovery rate states it exactly) folded in
    (:meth:`~abs_model.assumptions.assumptions.Assumptions.stressed`), so what the report and the
    workbook state is what was run — not the unstressed assumptions beside stressed numbers."""
    if not isinstance(deal, Deal):
        raise DealError(f"deal: must be an abs_model.Deal (use load_deal(path)); got {type(deal).__name__}")
    a = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    if not isinstance(a, Assumptions):
        raise AssumptionError(f"assumptions: must be an abs_model.Assumptions; got {type(a).__name__}")
    ra = run_arrays(deal, a, prepay_mult=prepay_mult, default_mult=default_mult, recovery_mult=recovery_mult)
    first = {k: v[0] for k, v in ra.pool.items()}
    first["purchases"] = ra.purchases[0]
    first["cleanup_sale"] = ra.cleanup_sale[0]
    pool_cf = PoolCashflows.from_arrays(
        first,
        convention=a.convention,
        initial_balance=deal.pool.balance,
        initial_count=float(deal.pool.n),
        assumptions=a,
    )
    pool_cf.check()
    return DealResult.build(deal=deal, assumptions=_as_run(a, prepay_mult, default_mult, recovery_mult), pool_cf=pool_cf, liabilities=ra.liabilities)


def _as_run(a: Assumptions, prepay_mult: Any, default_mult: Any, recovery_mult: Any) -> Assumptions:
    """The assumptions with scenario 0's multipliers folded in: prepayment and default exactly
    (the projection multiplies the assumptions' own multipliers by them); recovery as a recovery
    rate ``min(1, rate × m)`` where that is what the projection applies (no segment with a
    recovery rate of its own, no charge-off path), else left as stated."""

    def first(m: Any) -> float:
        return 1.0 if m is None else float(np.asarray(m, dtype=np.float64).reshape(-1)[0])

    pm, dm, rm = first(prepay_mult), first(default_mult), first(recovery_mult)
    own_rates = any(o.recovery_rate is not None for o in a.segment_overrides)
    charge_off = a.collections is not None and a.collections.charge_off is not None
    if rm != 1.0 and (own_rates or charge_off):
        rm = 1.0
    if pm == 1.0 and dm == 1.0 and rm == 1.0:
        return a
    return a.stressed(prepay=pm, default=dm, recovery=rm)


MAX_PERIODS = 600
"""Longest run in monthly periods (50 years, as ``dates.periods``)."""


def horizon(deal: Deal, *, collateral_periods: int) -> int:
    """Number of monthly periods a run covers: the deal's ``periods``, extended so that no note
    is left unpaid merely because the projection stopped.

    With a legal final date: up to the last collection period before it, defined as the months
    from the cut-off month to the legal final's month, less one (a payment date falls in the month
    after its collection period ends; e.g. cut-off 2026-06-30, legal final 2028-09-26 → periods
    ending 2026-07-31 … 2028-08-31, 26 periods). Without one: until the collateral (the pool and
    every receivable bought while revolving) is exhausted, ``collateral_periods``. Never fewer
    than ``deal.periods``. Principal still owed in the last period is written down as a loss.
    """
    T = int(deal.periods)
    if deal.legal_final is not None:
        lf = deal.legal_final.astype("datetime64[M]").astype(np.int64)
        cut = deal.cutoff_date.astype("datetime64[M]").astype(np.int64)
        T = max(T, int(lf - cut) - 1)
        if T > MAX_PERIODS:
            raise DealError(
                f"{deal.source}: dates.legal_final: the run would cover {T} monthly periods from the cut-off "
                f"{deal.cutoff_date} to {deal.legal_final}; at most {MAX_PERIODS} (50 years) are run — check the date"
            )
        return T
    return max(T, min(int(collateral_periods), MAX_PERIODS))


def run_arrays(
    deal: Deal,
    a: Assumptions,
    *,
    prepay_mult: np.ndarray | float | None = None,
    default_mult: np.ndarray | float | None = None,
    recovery_mult: np.ndarray | float | None = None,
    lines: Lines | None = None,
    on_period: Callable[[int, dict[str, np.ndarray]], None] | None = None,
    pool_fields: Sequence[str] | None = None,
) -> RunArrays:
    """The vectorised core of :func:`run`: pool columns, purchases, clean-up sales and the
    liability result for all S scenarios (see :class:`RunArrays`).

    ``lines``: the pool's rep-lines (``rep_lines(deal.pool, a)``), when the caller runs many
    batches on one pool — they depend only on the pool, the segment overrides and whether the
    roll-rate convention is used, so stressed variants of the same assumptions can share them.
    ``on_period(t, arrays)``: called at the start of every period with the pool columns (see
    :func:`abs_model.analytics.surveillance.reproject`).
    ``pool_fields``: the pool columns wanted in ``RunArrays.pool`` (default: every one, and
    ``collection_costs_paid``); the others are left out of the result, and the period loop adds
    purchases only to these and to the columns it reads itself (:data:`~abs_model.runs.pool_stack.LOOP_FIELDS`) — the
    columns kept are the same numbers either way.
    """
    check_pool_fields(pool_fields)
    mults = {"prepay_mult": prepay_mult, "default_mult": default_mult, "recovery_mult": recovery_mult}
    # the columns the period loop will carry (it drops the others before its first period)
    need = None if pool_fields is None or on_period is not None else frozenset((*LOOP_FIELDS, *pool_fields))
    c = _collateral(deal, a, mults, lines if lines is not None else _deal_lines(deal, a), fields=need)
    return _liabilities(deal, a, c, on_period=on_period, pool_fields=pool_fields)


def run_arrays_batches(
    deal: Deal,
    batches: Sequence[tuple[Assumptions, dict[str, Any]]],
    *,
    lines: Lines | None = None,
    pool_fields: Sequence[str] | None = None,
) -> list[tuple[np.ndarray, RunArrays]]:
    """Several batches of scenarios on one deal, each under its own assumptions (e.g. the
    default-timing variants of a stress set) and multiples (``{"prepay_mult": …, …}`` as
    :func:`run_arrays` takes them): each batch's collateral is projected on its own, and batches
    that can share one period loop run the waterfall together, their scenarios end to end.
    Returns ``(batch indices, run)`` pairs covering every batch once, each run's scenarios the
    listed batches' in that order — the numbers of :func:`run_arrays` for each batch (the
    waterfall treats every scenario on its own).

    Batches share a period loop when their runs cover the same periods ``T`` with the same pool
    columns and purchase plan weights, and the loop's rules from the assumptions (the collection
    strategy: costs' rank and restructured receivables; the late fees) are the same objects.
    ``pool_fields``: as :func:`run_arrays`."""
    check_pool_fields(pool_fields)
    parts = [_collateral(deal, a, m, lines if lines is not None else _deal_lines(deal, a)) for a, m in batches]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, ((a, _), c) in enumerate(zip(batches, parts, strict=True)):
        plan_key = None if c.plan is None else (c.plan.weights.tobytes(), c.plan.supply, tuple(c.plan.profiles))
        profile_key = None if c.profile is None else tuple(c.profile)
        key = (c.T, tuple(c.arrays), profile_key, plan_key, id(a.collections), id(a.late_fees))
        groups.setdefault(key, []).append(i)
    out = []
    for idx in groups.values():
        first = parts[idx[0]]
        joined = first if len(idx) == 1 else _joined([parts[i] for i in idx])
        out.append((np.array(idx, dtype=np.int64), _liabilities(deal, batches[idx[0]][0], joined, on_period=None, pool_fields=pool_fields)))
    return out


@dataclass(frozen=True, slots=True)
class _Collateral:
    """The pool side of one batch: the pool columns over the run's ``T`` periods, the unit mix's
    profile (``{}`` when a purchase plan holds per-line profiles; None without revolving) and
    the purchase plan (eligibility)."""

    arrays: dict[str, np.ndarray]
    profile: dict[str, np.ndarray] | None
    plan: PurchasePlan | None
    T: int


def _collateral(deal: Deal, a: Assumptions, mults: dict[str, Any], pool_lines: Lines, *, fields: Collection[str] | None = None) -> _Collateral:
    """Project the pool and the purchases of one batch (see :func:`run_arrays`): the pool and the
    replenishment lines bought in one run of the engine where they share its horizon
    (:func:`_pool_and_lines`), else the pool, then the lines. ``fields`` (None: all): the pool
    columns the caller's period loop carries; the joint run may leave the others out (the loop
    would drop them), the columns kept the same numbers; with ``fields``, the lines' profiles stay
    on the run's distinct rows (:attr:`~abs_model.deal.eligibility.PurchasePlan.rows`)."""
    _check_horizon(deal, a)
    joint = _pool_and_lines(deal, a, mults, pool_lines, fields=fields)
    unit = None
    made: dict[ReplenishmentLine, dict[str, np.ndarray]] = {}
    rows = None
    if joint is not None:
        base, T, made, rows = joint
    else:
        base = project_lines(pool_lines, a, horizon=_pool_horizon(deal, pool_lines, a), **mults)
        collateral = base.totals["closing_balance"].shape[1] - 1
        if deal.revolving.active:
            unit, unit_periods = _purchase_unit(deal, a, mults)
            collateral = max(collateral, deal.revolving.periods + unit_periods)
        T = horizon(deal, collateral_periods=collateral)
    arrays = {f: _own(base.totals[f], T, stock=f in STOCK_FIELDS) if rows is not None else _fit(base.totals[f], T, stock=f in STOCK_FIELDS) for f in (*FIELDS, *ADVANCING_FIELDS) if f in base.totals}
    profile = None if unit is None else {f: _fit(unit.totals[f], T, stock=f in STOCK_FIELDS) for f in arrays}
    if profile is None and deal.revolving.active:
        profile = {}  # with eligibility: the purchase plan's per-line profiles serve every period
    plan = (
        purchase_plan_of(deal, lambda lns: _made_or_projected(lns, made, deal, a, T, mults, arrays, rows), periods=T, rows=rows)
        if profile is not None and deal.eligibility is not None
        else None
    )
    return _Collateral(arrays, profile, plan, T)


def _pool_and_lines(
    deal: Deal, a: Assumptions, mults: dict[str, Any], pool_lines: Lines, *, fields: Collection[str] | None = None
) -> tuple[LineProjection, int, dict[ReplenishmentLine, dict[str, np.ndarray]], np.ndarray | None] | None:
    """The pool and the replenishment lines the purchase plan buys, projected in ONE run of the
    engine (:func:`~abs_model.projection.engine.project_parts`: the pool part 0, each distinct
    line a part of its own), so a batch runs one period loop instead of two. Returns the pool's
    projection, the run's ``T`` and the lines' profiles (each stored in :data:`_PROFILES` as
    :func:`_line_profiles` would), or None where the two runs would not share a horizon or no
    line is bought — then :func:`_collateral` projects them apart, as before.

    The lines are projected here even when :data:`_PROFILES` holds them: a part adds a few state
    groups to a run that steps anyway, and the pool's numbers stay those of one run whatever the
    cache holds (the pool alone would add its groups in another order: the same to 1e-12, not
    to the last bit).

    Defined as the two runs it replaces: the pool over its horizon ``h`` (:func:`_pool_horizon`),
    the lines over the run's ``T``; ``T`` is known before projecting (the pool's columns are
    :func:`~abs_model.projection.engine.projected_periods`, the mix's :func:`_purchase_unit`), and
    one run serves both when ``h = T``: the legal-final case, where the pool is cut to ``T``.
    Only with eligibility (the mix of one unit runs over its own horizon) and exact schedules
    (lines billed in cents are not joined to the unit lines)."""
    if not deal.revolving.active or deal.eligibility is None or pool_lines.billed is not None:
        return None
    h = _pool_horizon(deal, pool_lines, a)
    _, unit_periods = _purchase_unit(deal, a, mults)
    T = horizon(deal, collateral_periods=max(projected_periods(pool_lines, a, horizon=h), deal.revolving.periods + unit_periods))
    if (h if h is not None else horizon_for(pool_lines, a)) != T:
        return None
    every = deal.revolving.replenishment  # the lines bought (those purchase_plan_of projects), distinct at share 1
    todo = list(dict.fromkeys(dataclasses.replace(every[i], share=1.0) for i in bought_lines(deal, periods=T)))
    if not todo:
        return None
    units = [_unit_line(ln, deal, a) for ln in todo]
    parts = np.repeat(np.arange(len(units) + 1), [len(pool_lines), *(len(u) for u in units)])
    # with fields (the sweep's few columns), the lines' columns stay on the run's distinct rows
    run = project_parts(_concat_lines([pool_lines, *units]), a, parts, horizon=T, fields=fields, expand=fields is None, **mults)
    base = LineProjection({f: run.scenario_rows(v[0][:, : T + 1]) for f, v in run.totals.items()}, None)  # columns 0 … T: all the run keeps
    fields = tuple(f for f in (*FIELDS, *ADVANCING_FIELDS) if f in base.totals)
    multiples = scenario_multiples(*(mults.get(k) for k in _MULTS))
    made: dict[ReplenishmentLine, dict[str, np.ndarray]] = {}
    for i, ln in enumerate(todo, start=1):
        # columns 0 … T of the run (it covers T and the recovery tail): read-only views, copied
        # once into the purchase plan
        out = {f: run.totals[f][i, :, : T + 1] for f in fields}
        for v in out.values():
            v.setflags(write=False)
        if run.rows is None:  # (on distinct rows, for this run's plan alone)
            _PROFILES.put(_profile_key(ln, deal.revolving, a, T, multiples, fields), out)  # for the lines' own runs (workbook)
        made[ln] = out
    return base, T, made, run.rows


_MULTS = ("prepay_mult", "default_mult", "recovery_mult")


def _made_or_projected(
    lines: Sequence[ReplenishmentLine],
    made: dict[ReplenishmentLine, dict[str, np.ndarray]],
    deal: Deal,
    a: Assumptions,
    T: int,
    mults: dict[str, Any],
    arrays: dict[str, np.ndarray],
    rows: np.ndarray | None = None,
) -> list[dict[str, np.ndarray]]:
    """The profiles of ``lines``: those :func:`_pool_and_lines` made (by the line at share 1),
    the others by :func:`_line_profiles` (all of them when none were made). ``rows``: the made
    profiles' columns on the run's distinct rows are scenario ``s``'s at row ``rows[s]`` — kept
    there when every line was made, else copied to the scenarios' rows (as the others come)."""
    if not made:
        return _line_profiles(lines, deal, a, T, mults, arrays)
    unit = [dataclasses.replace(ln, share=1.0) for ln in lines]
    rest = [ln for ln, u in zip(lines, unit, strict=True) if u not in made]
    more = iter(_line_profiles(rest, deal, a, T, mults, arrays) if rest else [])
    if rest and rows is not None:
        return [{f: v if v.shape[0] == rows.size else v[rows] for f, v in made[u].items()} if u in made else next(more) for u in unit]
    return [dict(made[u]) if u in made else next(more) for u in unit]


def _joined(parts: Sequence[_Collateral]) -> _Collateral:
    """Batches' collateral end to end along the scenario axis (same T, columns and plan weights)."""
    first = parts[0]
    arrays = {f: np.concatenate([c.arrays[f] for c in parts]) for f in first.arrays}
    profile = None if first.profile is None else {f: np.concatenate([c.profile[f] for c in parts if c.profile is not None]) for f in first.profile}
    plan = None
    if first.plan is not None:
        plans = [c.plan for c in parts if c.plan is not None]
        # (a plan's profiles on distinct rows, PurchasePlan.rows, on its scenarios' rows first)
        profiles = {f: np.concatenate([p.profiles[f] if p.rows is None or p.profiles[f].shape[1] == p.rows.size else p.profiles[f][:, p.rows] for p in plans], axis=1) for f in first.plan.profiles}
        plan = PurchasePlan(weights=first.plan.weights, profiles=profiles, supply=first.plan.supply)
    return _Collateral(arrays, profile, plan, first.T)


def _liabilities(
    deal: Deal,
    a: Assumptions,
    c: _Collateral,
    *,
    on_period: Callable[[int, dict[str, np.ndarray]], None] | None,
    pool_fields: Sequence[str] | None = None,
) -> RunArrays:
    """The waterfall over the collateral's scenarios, period by period (:func:`_run_periods`);
    the pool columns of ``pool_fields`` (default all) in the result."""
    T, arrays = c.T, c.arrays
    dates = month_ends(deal.cutoff_date, T)
    engine = tr.Engine(
        deal.structure,
        n_scenarios=arrays["closing_balance"].shape[0],
        period_end_dates=dates,
        initial_pool_balance=deal.pool.balance,
        start_date=deal.cutoff_date,
        ends_at_legal_final=True,
        accrual_dates=accrual_dates(deal.cutoff_date, T, closing=deal.closing_date, first_payment=deal.first_payment),
    )
    purchases, sale, costs_paid, liab = _run_periods(deal, a, engine, arrays, c.profile, plan=c.plan, on_period=on_period, keep=pool_fields)
    arrays["collection_costs_paid"] = costs_paid
    pool = arrays if pool_fields is None else {f: arrays[f] for f in arrays if f in pool_fields}
    return RunArrays(pool=pool, purchases=purchases, cleanup_sale=sale, liabilities=liab, period_end_dates=dates)


def _check_horizon(deal: Deal, a: Assumptions) -> None:
    """An assumptions ``horizon`` shorter than the deal's run (``dates.periods``, or up to the legal
    final) is refused: the pool was projected over fewer periods than the waterfall ran, and the
    run failed as 'pool cash flows: roll-forward … violated by 3.08636e+08', naming no input."""
    if a.horizon is None:
        return
    T = horizon(deal, collateral_periods=0)
    if a.horizon < T:
        raise AssumptionError(
            f"horizon: the assumptions project the pool over {a.horizon} periods, fewer than the deal's run of {T} "
            f"(dates.periods, or the collection periods up to the legal final); leave horizon out for a deal run, "
            f"or give at least {T}; got {a.horizon!r}"
        )


def _pool_horizon(deal: Deal, lines: Lines, a: Assumptions) -> int | None:
    """Periods to project the pool over: its own horizon (None), cut to the run's ``T`` when a
    legal final date fixes ``T`` before the projection (:func:`horizon`) and ``T`` is shorter —
    the run keeps columns ``0 … T`` only, and a projection's first ``T + 1`` columns do not
    depend on how far past ``T`` it runs (every period depends on the earlier ones alone)."""
    if deal.legal_final is None:
        return None
    T = horizon(deal, collateral_periods=0)
    own = horizon_for(lines, a)
    return T if own > T else None


def _run_periods(
    deal: Deal,
    a: Assumptions,
    engine: tr.Engine,
    arrays: dict[str, np.ndarray],
    profile: dict[str, np.ndarray] | None,
    *,
    plan: PurchasePlan | None = None,
    on_period: Callable[[int, dict[str, np.ndarray]], None] | None = None,
    keep: Sequence[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tr.LiabilityResult]:
    """The period loop: hand each period's collections to the engine, add what it bought to the
    pool's future rows, and take a called pool out at its balance. Returns purchases, clean-up
    sales, collection costs paid and the liability result; ``arrays["recoveries_forgone"]`` gets
    the recoveries still to come, at the call, on receivables defaulted before it: they go with
    the pool sold (the call price is on the pool balance), so the trust never receives them, and
    the call period's net loss takes them in (net loss up to the call = defaults − recoveries). ``plan`` (eligibility and concentration
    limits) sets each period's capacity and purchase mix; late fees the trust receives are a line
    of available funds of their own (never inside interest collections), buy-back proceeds (price ×
    balance bought back) principal collections. ``keep`` (None: all): the pool columns wanted
    in ``arrays`` after the loop (without ``on_period``, which sees them all); the loop carries
    these and those it reads (:data:`~abs_model.runs.pool_stack.LOOP_FIELDS`), and leaves the others out of ``arrays``."""
    S, T = arrays["closing_balance"].shape[0], engine.T
    keep = None if on_period is not None else keep
    for f in [f for f in arrays if keep is not None and f not in keep and f not in LOOP_FIELDS]:
        del arrays[f]
    # laid out (T + 1, F, S), purchases added to a column when it is read (abs_model.runs.pool_stack);
    # the fields a purchase moves (a profile not all zeros) first: adding zeros would change nothing
    moving = moving_fields(arrays, profile, plan)
    pool = PoolStack(arrays, moving, STOCK_FIELDS)
    k = len(moving)
    unit = by_period([profile[f] for f in moving]) if profile and plan is None and k else None
    plan_units: dict[bytes, np.ndarray] = {}  # the plan's profile stacks, (T + 1, F, S), by weights
    bought_so_far = pool.purchases
    state = engine.start()
    purchases = np.zeros((S, T + 1))
    sale = np.zeros((S, T + 1))
    forgone = np.zeros((S, T + 1))
    costs_paid = np.zeros((S, T + 1))
    capacity = deal.revolving.capacity if profile is not None else 0.0
    strategy = a.collections
    cost_rank = strategy.cost_rank if strategy is not None else "senior"
    adv_int, adv_prin = (arrays.get(f, np.zeros_like(arrays["fee_interest"])) for f in ("advanced_interest", "advanced_principal"))  # P&I advancing
    pending = np.zeros(S)  # recoveries still to come on the defaults so far (:func:`_engine_inputs`)
    dust = CHECK_RTOL * max(1.0, deal.pool.balance)  # the pool checks' tolerance
    for t in range(1, T + 1):
        if on_period is not None:  # surveillance: reported history, then the re-projection
            bought_so_far.settle_all()
            on_period(t, arrays)
        bought_so_far.settle(t - 1)  # the columns the period reads: t, and t − 1 (restructured)
        bought_so_far.settle(t)
        cap = capacity if plan is None or profile is None else plan.capacity(t, capacity)
        inputs, costs_paid[:, t] = _engine_inputs(arrays, t, a, adv=(adv_int, adv_prin), cost_rank=cost_rank, capacity=cap, dust=dust, pending=pending)
        out = engine.step(state, t, inputs)
        bought = np.asarray(out.purchased, dtype=np.float64)
        if profile is not None and np.any(bought > 0):
            purchases[:, t] = bought
            prof = unit if plan is None else plan_unit(plan, t, moving, plan_units)
            if prof is not None and k:
                bought_so_far.add(t, bought, prof)
        called = np.asarray(out.called, dtype=bool)
        if called.any():
            bought_so_far.settle_all()
            sale[called, t] = arrays["closing_balance"][called, t]
            if "net_loss" in arrays:  # the recoveries still to come on defaults so far go with the pool sold
                forgone[called, t] = _pending_recoveries(arrays, called, t)
                arrays["net_loss"][called, t] += forgone[called, t]  # booked at default as recoverable: lost to the trust now
            pool.call(t, np.flatnonzero(called))
    pool.close(arrays, keep)
    arrays["recoveries_forgone"] = forgone
    return purchases, sale, costs_paid, engine.finish(state)


def _engine_inputs(
    arrays: dict[str, np.ndarray],
    t: int,
    a: Assumptions,
    *,
    adv: tuple[np.ndarray, np.ndarray],
    cost_rank: str,
    capacity: float,
    dust: float,
    pending: np.ndarray,
) -> tuple[tr.PeriodInputs, np.ndarray]:
    """Period ``t``'s inputs of the waterfall and the collection costs paid: collections net of
    costs (late fees the trust receives a line of their own, never inside interest collections;
    buy-back proceeds principal collections), float dust of the projection (a flow summed as a
    difference, −1e-9 where it is 0: within the pool's own check tolerance, but the waterfall
    refuses any negative amount) set to 0, the buy-back discount ((1 − price) × balance bought
    back) as principal lost (a PDL debit), and the recoveries still to come (``pending``, updated
    in place: Σ (defaults − net loss − recoveries − advanced principal) — the recoveries to come,
    net loss being booked at default, or under P&I advancing the balance still advanced on until
    liquidation, its loss booked then), collateral in the period writedown test."""
    adv_int, adv_prin = adv
    late_fees = trust_late_fees({"late_fees": arrays["late_fees"][:, t]}, a)  # 违约金, when the trust receives them
    interest, late_fees, principal, recoveries, costs_paid = _net_of_costs(
        arrays["fee_interest"][:, t] + arrays["prepayment_fee"][:, t] + adv_int[:, t],
        late_fees,
        arrays["scheduled_principal"][:, t] + arrays["prepayment"][:, t] + arrays["repurchase_proceeds"][:, t] + adv_prin[:, t],
        arrays["recoveries"][:, t],
        arrays["collection_costs"][:, t],
        rank=cost_rank,
    )
    interest, late_fees, principal, recoveries = (_no_dust(x, dust) for x in (interest, late_fees, principal, recoveries))
    inputs = _period_inputs(arrays, t, a, interest=interest, principal=principal, recoveries=recoveries, capacity=capacity, dust=dust)
    pending += arrays["defaults"][:, t] - arrays["net_loss"][:, t] - arrays["recoveries"][:, t] - adv_prin[:, t]
    inputs = dataclasses.replace(
        inputs,
        late_fees=late_fees,
        principal_losses=arrays["repurchase_loss"][:, t],
        recoveries_pending=np.maximum(pending, 0.0),
        principal_advanced=_no_dust(adv_prin[:, t], dust),
    )
    return inputs, costs_paid


def _pending_recoveries(arrays: dict[str, np.ndarray], rows: np.ndarray, t: int) -> np.ndarray:
    """Recoveries still to come at the end of period ``t`` on the receivables defaulted so far, for
    scenarios ``rows``: defined as ``Σ_{s ≤ t} (defaults(s) − net_loss(s) − recoveries(s))`` — the
    money eventually recovered on each period's defaults is ``defaults − net_loss`` (net loss is
    booked at default, :mod:`abs_model.projection.recoveries`), less what has come in."""
    d, nl, rec = (arrays[f][rows, 1 : t + 1] for f in ("defaults", "net_loss", "recoveries"))
    return np.maximum((d - nl - rec).sum(axis=1), 0.0)


def _no_dust(x: np.ndarray, dust: float) -> np.ndarray:
    """``x`` with values in ``[−dust, 0)`` (float rounding of a quantity that is 0) set to 0;
    anything more negative is left for the waterfall to refuse."""
    if not (x < 0.0).any():
        return x
    return np.where((x < 0.0) & (x >= -dust), 0.0, x)


def _period_inputs(
    arrays: dict[str, np.ndarray],
    t: int,
    a: Assumptions,
    *,
    interest: np.ndarray,
    principal: np.ndarray,
    recoveries: np.ndarray,
    capacity: float,
    dust: float = 0.0,
) -> tr.PeriodInputs:
    """What the engine sees of the pool in period ``t``: collections net of costs, new defaults,
    eligible pool balances and the 31–180 dpd (M2–M6) balance; restructured receivables count as
    delinquent, defaulted or ineligible as the collection strategy says."""
    pb_begin = arrays["opening_balance"][:, t]
    pb_end = arrays["closing_balance"][:, t]
    delinquent = sum(arrays[f"balance_m{j}"][:, t] for j in range(2, 7))
    new_defaults = arrays["defaults"][:, t]
    counted_only = np.zeros_like(new_defaults)
    restructured_delinquent = np.zeros_like(new_defaults)
    ineligible = np.zeros_like(new_defaults)
    restr = a.collections.rules if a.collections is not None else None
    if restr is not None:
        if restr.delinquent:  # in every delinquency ratio: the 30+ one and each bucket window
            restructured_delinquent = arrays["balance_restructured"][:, t]
            delinquent = delinquent + restructured_delinquent
        if restr.counts_as_default:  # in the cumulative defaults, not in the PDL: they keep paying
            counted_only = arrays["restructured_entries"][:, t]
        if not restr.eligible:  # restructured receivables are not eligible collateral
            pb_begin = pb_begin - arrays["balance_restructured"][:, t - 1]
            ineligible = arrays["balance_restructured"][:, t]  # still the trust's: a clean-up call sells them
            pb_end = pb_end - ineligible
    return tr.PeriodInputs(
        interest_collected=interest,
        principal_collected=principal,
        recoveries=recoveries,
        new_defaults=_no_dust(new_defaults, dust),
        defaults_counted_only=_no_dust(np.asarray(counted_only, dtype=np.float64), dust),
        pool_balance_begin=_no_dust(pb_begin, dust),
        pool_balance_end=_no_dust(pb_end, dust),
        delinquent_balance=_no_dust(np.asarray(delinquent, dtype=np.float64), dust),
        purchase_capacity=capacity,
        delinquent_by_bucket=np.stack([arrays[f"balance_m{j}"][:, t] for j in range(7)]),
        restructured_delinquent=_no_dust(np.asarray(restructured_delinquent, dtype=np.float64), dust),
        ineligible_balance=_no_dust(np.asarray(ineligible, dtype=np.float64), dust),
    )


def _purchase_unit(deal: Deal, a: Assumptions, mults: dict[str, Any]) -> tuple[LineProjection | None, int]:
    """One unit of the replenishment mix, projected, and its periods (columns − 1). One line per
    replenishment entry; its count is receivables per unit bought (share / average balance), so
    counts and per-account costs scale with purchases.

    With eligibility the purchase plan projects each line (:func:`_line_profile`) and the mix
    only sets the run's horizon: its periods depend on the lines and the assumptions (the
    longest schedule, the delinquency pipeline, the plans, the recovery tail), never on the
    scenario multiples, so they are taken from :data:`_MIX_PERIODS` (keyed by content) or counted
    (:func:`~abs_model.projection.engine.projected_periods`), and no projection is returned."""
    unit_lines = profile_lines(replenishment_pool(deal.revolving), a)
    per_unit = np.array([ln.share / ln.average_balance for ln in deal.revolving.replenishment])
    unit_lines = dataclasses.replace(unit_lines, count=per_unit)
    if deal.eligibility is None:
        unit = project_lines(unit_lines, a, horizon=None, **mults)
        return unit, unit.totals["closing_balance"].shape[1] - 1
    key = hashlib.blake2b(pickle.dumps((deal.revolving, a), protocol=pickle.HIGHEST_PROTOCOL), digest_size=32).digest()
    n = _MIX_PERIODS.get(key)
    if n is None:
        n = projected_periods(unit_lines, a)
        if len(_MIX_PERIODS) >= 1_024:
            _MIX_PERIODS.clear()
        _MIX_PERIODS[key] = n
    return None, n


_MIX_PERIODS: dict[bytes, int] = {}
"""Periods of the replenishment mix's projection by content of (revolving terms, assumptions)."""


def _line_profile(
    line: ReplenishmentLine, deal: Deal, a: Assumptions, T: int, mults: dict[str, Any], arrays: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Pool columns of one unit of one replenishment line (as the mix's profile, for one line),
    for the fields of ``arrays``: :func:`_line_profiles` of this line alone."""
    return _line_profiles((line,), deal, a, T, mults, arrays)[0]


def _line_profiles(
    lines: Sequence[ReplenishmentLine], deal: Deal, a: Assumptions, T: int, mults: dict[str, Any], arrays: dict[str, np.ndarray]
) -> list[dict[str, np.ndarray]]:
    """Pool columns of one unit of each replenishment line, for the fields of ``arrays``: each
    line alone at share 1, projected over the deal's ``T`` periods (its whole life: a short
    line's own horizon would cut off restructured plans, and a projection's first ``T + 1``
    columns do not depend on how far past ``T`` it runs).

    Profiles made before come from :data:`_PROFILES` (see :func:`_profile_key`); the others are
    projected together in one run of the engine, one part per distinct line
    (:func:`~abs_model.projection.engine.project_parts`). The arrays returned are read-only."""
    pm, dm, rm = scenario_multiples(mults.get("prepay_mult"), mults.get("default_mult"), mults.get("recovery_mult"))
    fields = tuple(arrays)
    keys = [_profile_key(ln, deal.revolving, a, T, (pm, dm, rm), fields) for ln in lines]
    found: dict[bytes, dict[str, np.ndarray]] = {}
    for k in keys:
        hit = _PROFILES.get(k)
        if hit is not None:
            found[k] = hit
    todo = {k: ln for k, ln in zip(keys, lines, strict=True) if k not in found}  # lines equal but for share: one
    if todo:
        units = [_unit_line(ln, deal, a) for ln in todo.values()]
        run = project_parts(_concat_lines(units), a, np.arange(len(units)), horizon=T, prepay_mult=pm, default_mult=dm, recovery_mult=rm)
        for i, k in enumerate(todo):
            out = {f: _fit(run.totals[f][i], T, stock=f in STOCK_FIELDS) for f in fields}
            for v in out.values():
                v.setflags(write=False)
            _PROFILES.put(k, out)
            found[k] = out
    return [dict(found[k]) for k in keys]


def _unit_line(line: ReplenishmentLine, deal: Deal, a: Assumptions) -> Lines:
    """The projection line of one unit of ``line`` alone (share 1): one receivable per average
    balance bought."""
    one = dataclasses.replace(deal.revolving, replenishment=(dataclasses.replace(line, share=1.0),))
    return dataclasses.replace(profile_lines(replenishment_pool(one), a), count=np.array([1.0 / line.average_balance]))


def _concat_lines(parts: Sequence[Lines]) -> Lines:
    """Lines end to end (unit profile lines: exact schedules, never billed in cents)."""
    names = [f for f in Lines.__dataclass_fields__ if f != "billed"]
    return Lines(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in names}, billed=None)


def _profile_key(
    line: ReplenishmentLine, revolving: Any, a: Assumptions, T: int, mults: tuple[np.ndarray, ...], fields: tuple[str, ...]
) -> bytes:
    """Digest of everything :func:`_line_profile` depends on, by content (never by identity): the
    line, the rest of the revolving terms it is projected under (a pickled copy with this line
    alone, share 1), the assumptions, T, the scenario multiples (values and shape) and the
    fields. Equal content gives equal keys; a changed value anywhere gives another key."""
    one = dataclasses.replace(revolving, replenishment=(dataclasses.replace(line, share=1.0),))
    h = hashlib.blake2b(digest_size=32)
    h.update(pickle.dumps((one, a, int(T), fields), protocol=pickle.HIGHEST_PROTOCOL))
    for m in mults:
        arr = np.ascontiguousarray(m, dtype=np.float64)
        h.update(repr(arr.shape).encode())
        h.update(arr.tobytes())
    return h.digest()


class _ProfileCache:
    """A small least-recently-used store of unit profiles, bounded in bytes (a profile over many
    scenarios is not kept: its arrays would crowd out the rest, and batches of many scenarios
    rarely repeat). Thread-safe; :meth:`clear` empties it."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[bytes, tuple[dict[str, np.ndarray], int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: bytes) -> dict[str, np.ndarray] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: bytes, value: dict[str, np.ndarray]) -> None:
        size = sum(v.nbytes for v in value.values())
        if size > self.max_bytes // 16:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, n) = self._items.popitem(last=False)
                self._bytes -= n

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


_PROFILES = _ProfileCache(32 * 2**20)
"""Unit profiles of replenishment lines already projected in this process (32 MiB at most, 2 MiB
an entry: about 100 scenarios over 40 periods; a sweep's chunks of 1,000 are not kept)."""


def _own(a: np.ndarray, T: int, *, stock: bool) -> np.ndarray:
    """Columns 0..T of a joint run's pool column copied to the scenarios' rows (``a`` has exactly
    those columns): ``a`` itself when it is that copy (:meth:`~abs_model.projection.engine.PartProjection.scenario_rows`
    made it), else a copy (a view of the run's totals)."""
    return a if a.shape[1] == T + 1 and a.flags.owndata and a.flags.c_contiguous else _fit(a, T, stock=stock)


def _fit(a: np.ndarray, T: int, *, stock: bool) -> np.ndarray:
    """Columns 0..T of a projection: truncated, or padded (stocks carry their last value)."""
    if a.shape[1] >= T + 1:
        return a[:, : T + 1].copy()
    pad = np.repeat(a[:, -1:], T + 1 - a.shape[1], axis=1) if stock else np.zeros((a.shape[0], T + 1 - a.shape[1]))
    return np.concatenate([a, pad], axis=1)


def _net_of_costs(
    interest: np.ndarray, late_fees: np.ndarray, principal: np.ndarray, recoveries: np.ndarray, costs: np.ndarray, *, rank: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Collections handed to the waterfall after collection costs, and the costs paid.

    ``senior``: costs come out of interest collections, then late fees, any excess out of
    principal — ahead of every fee and note. ``netted_from_recoveries``: out of recoveries first,
    then interest, then late fees, then principal. Defined so that interest + late fees +
    principal + recoveries falls by exactly the costs (capped at the cash there is).
    """
    if not np.any(costs):
        return interest, late_fees, principal, recoveries, np.zeros_like(costs)
    rest = costs.copy()
    pots = [recoveries, interest, late_fees, principal] if rank == "netted_from_recoveries" else [interest, late_fees, principal]
    out = []
    for pot in pots:
        take = np.minimum(pot, rest)
        out.append(pot - take)
        rest = rest - take
    if rank == "netted_from_recoveries":
        recoveries, interest, late_fees, principal = out
    else:
        interest, late_fees, principal = out
    return interest, late_fees, principal, recoveries, costs - rest


def _deal_lines(deal: Deal, a: Assumptions) -> Lines:
    """The deal's precompressed rep-lines when they were made from this very pool and ``a``
    compresses it the same way (:class:`~abs_model.deal.compressed.CompressedPool`), else a fresh
    compression."""
    cached = deal.pool_lines.lines_for(deal.pool, a) if deal.pool_lines is not None else None
    return cached if cached is not None else rep_lines(deal.pool, a)

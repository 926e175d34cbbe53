"""The deal runner: ``run(deal, assumptions) -> DealResult`` joins the pool projection to the
liability engine, period by period, vectorised over scenarios.

Revolving purchases (循环购买). The projection is linear in balance and the assumptions apply to
new receivables by months on book, so one unit of the replenishment mix bought at the end of
period ``τ`` contributes ``A_τ × u[s − τ]`` to every pool column in period ``s``, where ``u`` is
the projected profile of one unit of the mix and ``A_τ`` the par amount the waterfall's
``buy_receivables`` step bought. The runner keeps the pool columns as arrays over scenarios and
adds each period's purchases into the future rows; only periods are looped.

Clean-up call (清仓回购): when the engine exercises it, the remaining pool is sold at the call
price; the pool's later rows are zero and the sale shows in ``cleanup_sale``.

Pool-side roll-forward with purchases and the call:
``opening + purchases = scheduled principal + prepayment + defaults + cleanup_sale + closing``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

import tranches as tr
from abs_model.assumptions.assumptions import Assumptions
from abs_model.deal.eligibility import purchase_plan
from abs_model.deal.model import Deal, ReplenishmentLine, replenishment_pool
from abs_model.errors import AssumptionError, DealError
from abs_model.projection.cashflows import FIELDS, STOCK_FIELDS, PoolCashflows
from abs_model.projection.engine import horizon_for, project_lines, trust_late_fees
from abs_model.projection.replines import Lines, loan_lines, rep_lines
from abs_model.runs.result import DealResult


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
    returned frames show scenario 0 and ``result.liabilities`` holds every scenario."""
    if not isinstance(deal, Deal):
        raise DealError(f"deal: must be an abs_model.Deal (use load_deal(path)); got {type(deal).__name__}")
    a = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    if not isinstance(a, Assumptions):
        raise AssumptionError(f"assumptions: must be an abs_model.Assumptions; got {type(a).__name__}")
    arrays, purchases, sale, liab = run_arrays(deal, a, prepay_mult=prepay_mult, default_mult=default_mult, recovery_mult=recovery_mult)
    first = {k: v[0] for k, v in arrays.items()}
    first["purchases"] = purchases[0]
    first["cleanup_sale"] = sale[0]
    pool_cf = PoolCashflows.from_arrays(
        first,
        convention=a.convention,
        initial_balance=deal.pool.balance,
        initial_count=float(deal.pool.n),
        assumptions=a,
    )
    pool_cf.check()
    return DealResult.build(deal=deal, assumptions=a, pool_cf=pool_cf, liabilities=liab)


def run_arrays(
    deal: Deal,
    a: Assumptions,
    *,
    prepay_mult: np.ndarray | float | None = None,
    default_mult: np.ndarray | float | None = None,
    recovery_mult: np.ndarray | float | None = None,
    lines: Lines | None = None,
    on_period: Callable[[int, dict[str, np.ndarray]], None] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, tr.LiabilityResult]:
    """The vectorised core of :func:`run`: pool columns (S, T + 1), purchases, clean-up sales and
    the liability result for all S scenarios.

    ``lines``: the pool's rep-lines (``rep_lines(deal.pool, a)``), when the caller runs many
    batches on one pool — they depend only on the pool, the segment overrides and whether the
    roll-rate convention is used, so stressed variants of the same assumptions can share them.
    ``on_period(t, arrays)``: called at the start of every period with the pool columns (see
    :func:`abs_model.analytics.surveillance.reproject`).
    """
    T = deal.periods
    mults = {"prepay_mult": prepay_mult, "default_mult": default_mult, "recovery_mult": recovery_mult}
    pool_lines = lines if lines is not None else _deal_lines(deal, a)
    base = project_lines(pool_lines, a, horizon=None, **mults)  # type: ignore[arg-type]
    arrays = {f: _fit(base.totals[f], T, stock=f in STOCK_FIELDS) for f in FIELDS if f in base.totals}
    S = arrays["closing_balance"].shape[0]
    profile: dict[str, np.ndarray] | None = None
    if deal.revolving.active:
        # one line per replenishment entry; its count is receivables per unit bought
        # (share / average balance), so counts and per-account costs scale with purchases
        unit_lines = loan_lines(replenishment_pool(deal.revolving), a)
        per_unit = np.array([ln.share / ln.average_balance for ln in deal.revolving.replenishment])
        unit_lines = dataclasses.replace(unit_lines, count=per_unit)
        unit = project_lines(unit_lines, a, horizon=None, **mults)  # type: ignore[arg-type]
        profile = {f: _fit(unit.totals[f], T, stock=f in STOCK_FIELDS) for f in arrays}
    plan = purchase_plan(deal, lambda ln: _line_profile(ln, deal, a, T, mults, arrays)) if profile is not None and deal.eligibility is not None else None
    engine = tr.Engine(
        deal.structure,
        n_scenarios=S,
        period_end_dates=deal.period_end_dates,
        initial_pool_balance=deal.pool.balance,
        start_date=deal.cutoff_date,
    )
    state = engine.start()
    purchases = np.zeros((S, T + 1))
    sale = np.zeros((S, T + 1))
    capacity = deal.revolving.capacity
    costs_paid = np.zeros((S, T + 1))
    strategy = a.collections
    restr = strategy.rules if strategy is not None else None
    cost_rank = strategy.cost_rank if strategy is not None else "senior"
    late_fees = trust_late_fees(arrays, a)  # 违约金: the trust's interest collections when the deal says so
    for t in range(1, T + 1):
        if on_period is not None:  # surveillance: reported history, then the re-projection
            on_period(t, arrays)
        interest, principal, recoveries, costs_paid[:, t] = _net_of_costs(
            arrays["fee_interest"][:, t] + arrays["prepayment_fee"][:, t] + late_fees[:, t],
            arrays["scheduled_principal"][:, t] + arrays["prepayment"][:, t] + arrays["repurchases"][:, t],
            arrays["recoveries"][:, t],
            arrays["collection_costs"][:, t],
            rank=cost_rank,
        )
        pb_begin = arrays["opening_balance"][:, t]
        pb_end = arrays["closing_balance"][:, t]
        delinquent = sum(arrays[f"balance_m{j}"][:, t] for j in range(2, 7))
        new_defaults = arrays["defaults"][:, t]
        if restr is not None:
            if restr.delinquent:
                delinquent = delinquent + arrays["balance_restructured"][:, t]
            if restr.counts_as_default:
                new_defaults = new_defaults + arrays["restructured_entries"][:, t]
            if not restr.eligible:  # restructured receivables are not eligible collateral
                pb_begin = pb_begin - arrays["balance_restructured"][:, t - 1]
                pb_end = pb_end - arrays["balance_restructured"][:, t]
        inputs = tr.PeriodInputs(
            interest_collected=interest,
            principal_collected=principal,
            recoveries=recoveries,
            new_defaults=new_defaults,
            pool_balance_begin=pb_begin,
            pool_balance_end=pb_end,
            delinquent_balance=delinquent,
            purchase_capacity=(capacity if plan is None else plan.capacity(t, capacity)) if profile is not None else 0.0,
            delinquent_by_bucket=np.stack([arrays[f"balance_m{j}"][:, t] for j in range(7)]),
        )
        out = engine.step(state, t, inputs)
        bought = np.asarray(out.purchased, dtype=np.float64)
        if profile is not None and np.any(bought > 0):
            purchases[:, t] = bought
            n_left = T - t + 1
            for f, prof in (profile if plan is None else plan.profile(t)).items():
                arrays[f][:, t:] += bought[:, None] * prof[:, :n_left]
        called = np.asarray(out.called, dtype=bool)
        if called.any():
            sale[called, t] = arrays["closing_balance"][called, t]
            for f in arrays:
                if f in STOCK_FIELDS:
                    arrays[f][called, t:] = 0.0
                else:
                    arrays[f][called, t + 1 :] = 0.0
    arrays["collection_costs_paid"] = costs_paid
    return arrays, purchases, sale, engine.finish(state)


def _line_profile(line: ReplenishmentLine, deal: Deal, a: Assumptions, T: int, mults: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pool columns of one unit of one replenishment line (as the mix's profile, for one line)."""
    one = dataclasses.replace(deal.revolving, replenishment=(dataclasses.replace(line, share=1.0),))
    lines = dataclasses.replace(loan_lines(replenishment_pool(one), a), count=np.array([1.0 / line.average_balance]))
    # over the deal's whole life: one short line's own horizon would cut off restructured plans
    unit = project_lines(lines, a, horizon=max(T, horizon_for(lines, a)), **mults)
    return {f: _fit(unit.totals[f], T, stock=f in STOCK_FIELDS) for f in arrays}


def _fit(a: np.ndarray, T: int, *, stock: bool) -> np.ndarray:
    """Columns 0..T of a projection: truncated, or padded (stocks carry their last value)."""
    if a.shape[1] >= T + 1:
        return a[:, : T + 1].copy()
    pad = np.repeat(a[:, -1:], T + 1 - a.shape[1], axis=1) if stock else np.zeros((a.shape[0], T + 1 - a.shape[1]))
    return np.concatenate([a, pad], axis=1)


def _net_of_costs(
    interest: np.ndarray, principal: np.ndarray, recoveries: np.ndarray, costs: np.ndarray, *, rank: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Collections handed to the waterfall after collection costs, and the costs paid.

    ``senior``: costs come out of interest collections, any excess out of principal — ahead of
    every fee and note. ``netted_from_recoveries``: out of recoveries first, then interest, then
    principal. Defined so that interest + principal + recoveries falls by exactly the costs
    (capped at the cash there is).
    """
    if not np.any(costs):
        return interest, principal, recoveries, np.zeros_like(costs)
    rest = costs.copy()
    if rank == "netted_from_recoveries":
        take = np.minimum(recoveries, rest)
        recoveries = recoveries - take
        rest = rest - take
    take = np.minimum(interest, rest)
    interest = interest - take
    rest = rest - take
    take = np.minimum(principal, rest)
    principal = principal - take
    rest = rest - take
    return interest, principal, recoveries, costs - rest


def _deal_lines(deal: Deal, a: Assumptions) -> Lines:
    """The deal's precompressed rep-lines when ``a`` compresses the pool the same way (same
    segment overrides, same default convention), else a fresh compression."""
    own = deal.assumptions if deal.assumptions is not None else Assumptions.make()
    lines = deal.pool_lines
    same = (
        isinstance(lines, Lines)
        and (a.segment_overrides is own.segment_overrides or not (a.segment_overrides or own.segment_overrides))
        and (a.roll_rates is None) == (own.roll_rates is None)
        # guard against a deal whose pool was replaced after loading (dataclasses.replace)
        and float(lines.count.sum()) == float(deal.pool.n)
        and abs(float(lines.balance.sum()) - deal.pool.balance) <= 1e-9 * max(1.0, deal.pool.balance)
    )
    return lines if same else rep_lines(deal.pool, a)

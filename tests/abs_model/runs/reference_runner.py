"""The runner's purchase paths as they were at d219d15, kept as plain reference functions for the
tests that compare the runner with them (a non-test module: tests never import each other).

- each replenishment line projected on its own, over ``max(T, its own horizon)``;
- the purchase plan holding every line's profile, bought or not;
- the mix of one unit projected under the run's multiples;
- the period loop adding a purchase column by column, and a clean-up call column by column.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

import abs_model.runs.runner as runner
import tranches as tr
from abs_model.deal.eligibility import PurchasePlan, purchase_weights
from abs_model.deal.model import replenishment_pool
from abs_model.projection.cashflows import STOCK_FIELDS
from abs_model.projection.engine import horizon_for, project_lines, trust_late_fees
from abs_model.projection.replines import profile_lines


def reference_line_profile(line: Any, deal: Any, a: Any, T: int, mults: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One unit of one line, projected on its own over the deal's whole life, every call."""
    one = dataclasses.replace(deal.revolving, replenishment=(dataclasses.replace(line, share=1.0),))
    lines = dataclasses.replace(profile_lines(replenishment_pool(one), a), count=np.array([1.0 / line.average_balance]))
    unit = project_lines(lines, a, horizon=max(T, horizon_for(lines, a)), **mults)
    return {f: runner._fit(unit.totals[f], T, stock=f in STOCK_FIELDS) for f in arrays}


def reference_line_profiles(lines: Any, deal: Any, a: Any, T: int, mults: dict[str, Any], arrays: dict[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
    """Each line projected on its own."""
    return [reference_line_profile(ln, deal, a, T, mults, arrays) for ln in lines]


def reference_plan(deal: Any, line_profiles: Any, *, periods: int | None = None, rows: np.ndarray | None = None) -> PurchasePlan:
    """The purchase plan with every replenishment line's profile, bought or not (``rows``: as
    :func:`abs_model.deal.eligibility.purchase_plan_of`)."""
    e = deal.eligibility
    maturity = e.expected_maturity_period if e is not None and e.expected_maturity_period else deal.periods
    lines = deal.revolving.replenishment
    w = purchase_weights(lines, e, periods=periods or deal.periods, revolving=deal.revolving.periods, maturity=maturity)
    per_line = line_profiles(lines)
    profiles = {f: np.stack([p[f] for p in per_line]) for f in per_line[0]}
    return PurchasePlan(weights=w, profiles=profiles, supply=None if e is None else e.supply, rows=rows)


def reference_purchase_unit(deal: Any, a: Any, mults: dict[str, Any]) -> tuple[Any, int]:
    """The mix of one unit, projected under the run's multiples every call."""
    unit_lines = profile_lines(replenishment_pool(deal.revolving), a)
    per_unit = np.array([ln.share / ln.average_balance for ln in deal.revolving.replenishment])
    unit = project_lines(dataclasses.replace(unit_lines, count=per_unit), a, horizon=None, **mults)
    return unit, unit.totals["closing_balance"].shape[1] - 1


def reference_run_periods(
    deal: Any, a: Any, engine: tr.Engine, arrays: dict[str, np.ndarray], profile: dict[str, np.ndarray] | None, *,
    plan: PurchasePlan | None = None, on_period: Any = None, keep: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tr.LiabilityResult]:
    """The period loop, a purchase added and a called pool taken out one column at a time (every
    column: ``keep`` is taken and ignored)."""
    S, T = arrays["closing_balance"].shape[0], engine.T
    state = engine.start()
    purchases, sale, costs_paid, forgone = (np.zeros((S, T + 1)) for _ in range(4))
    capacity = deal.revolving.capacity if profile is not None else 0.0
    cost_rank = a.collections.cost_rank if a.collections is not None else "senior"
    adv_int, adv_prin = (arrays.get(f, np.zeros_like(arrays["fee_interest"])) for f in ("advanced_interest", "advanced_principal"))
    for t in range(1, T + 1):
        if on_period is not None:
            on_period(t, arrays)
        late_fees = trust_late_fees({"late_fees": arrays["late_fees"][:, t]}, a)
        interest, late_fees, principal, recoveries, costs_paid[:, t] = runner._net_of_costs(
            arrays["fee_interest"][:, t] + arrays["prepayment_fee"][:, t] + adv_int[:, t],
            late_fees,
            arrays["scheduled_principal"][:, t] + arrays["prepayment"][:, t] + arrays["repurchase_proceeds"][:, t] + adv_prin[:, t],
            arrays["recoveries"][:, t],
            arrays["collection_costs"][:, t],
            rank=cost_rank,
        )
        cap = capacity if plan is None or profile is None else plan.capacity(t, capacity)
        inputs = runner._period_inputs(arrays, t, a, interest=interest, principal=principal, recoveries=recoveries, capacity=cap)
        # recoveries still to come on the defaults so far, summed afresh each period
        to_come = np.sum(arrays["defaults"][:, 1 : t + 1] - arrays["net_loss"][:, 1 : t + 1] - arrays["recoveries"][:, 1 : t + 1] - adv_prin[:, 1 : t + 1], axis=1)
        inputs = dataclasses.replace(
            inputs, late_fees=late_fees, principal_losses=arrays["repurchase_loss"][:, t], recoveries_pending=np.maximum(to_come, 0.0),
            principal_advanced=np.maximum(adv_prin[:, t], 0.0),
        )
        out = engine.step(state, t, inputs)
        bought = np.asarray(out.purchased, dtype=np.float64)
        if profile is not None and np.any(bought > 0):
            purchases[:, t] = bought
            for f, prof in (profile if plan is None else plan.profile(t)).items():
                arrays[f][:, t:] += bought[:, None] * prof[:, : T - t + 1]
        called = np.asarray(out.called, dtype=bool)
        if called.any():
            sale[called, t] = arrays["closing_balance"][called, t]
            for s in np.flatnonzero(called):  # recoveries still to come on the defaults so far
                owed = float(np.sum(arrays["defaults"][s, 1 : t + 1] - arrays["net_loss"][s, 1 : t + 1] - arrays["recoveries"][s, 1 : t + 1]))
                forgone[s, t] = max(owed, 0.0)
                arrays["net_loss"][s, t] += forgone[s, t]
            for f in arrays:
                if f in STOCK_FIELDS:
                    arrays[f][called, t:] = 0.0
                else:
                    arrays[f][called, t + 1 :] = 0.0
    arrays["recoveries_forgone"] = forgone
    return purchases, sale, costs_paid, engine.finish(state)

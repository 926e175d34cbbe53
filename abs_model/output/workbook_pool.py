"""The pool side of the live workbook model: what the waterfall is fed each period, as values.

The liability engine is fed, each period t (see :class:`tranches.PeriodInputs` and
:func:`abs_model.runs.runner.run_arrays`, whose mapping this mirrors, one pool column a row):

- collections: interest (:data:`INTEREST_FIELDS`: fee interest, prepayment fees, late fees the
  trust receives), principal (:data:`PRINCIPAL_FIELDS`: scheduled, prepaid, repurchased),
  recoveries, each net of collection costs (senior: out of interest, then principal; or netted
  from recoveries first — ``_net_of_costs`` of the runner);
- ``new_defaults`` = defaults (+ restructured entries where they count as defaults);
- ``pool_balance_begin`` / ``pool_balance_end`` = opening / closing balance (less restructured
  receivables where they are not eligible collateral);
- ``delinquent_balance`` = Σ balance_m2 … balance_m6 (+ restructured where they count as
  delinquent); the bucket balances for the serious-delinquency triggers.

Adding a collections line (e.g. another component of interest collections) is one entry in
:data:`INTEREST_FIELDS` or :data:`PRINCIPAL_FIELDS`: the workbook writes it as its own named value
row and adds it to the pot.

Revolving purchases make the pool depend on the waterfall: one unit bought at the end of period τ
adds ``Σ_l w[τ, l] · u_l[s − τ]`` to every column in period s, where ``u_l`` is the projected
profile of one unit of replenishment line l and ``w[τ, l]`` its share in period τ's purchase (the
eligibility plan, :class:`abs_model.deal.eligibility.PurchasePlan`; without one a single line,
the mix, with weight 1). So each column of period s, defined as
``base_s + Σ_l Σ_{τ<s} purchased_τ · w[τ, l] · u_l[s − τ]``, is linear in the purchases; the
workbook keeps ``base`` (the pool without purchases), ``w`` and ``u_l`` as values and the sums as
formulas on the waterfall's purchases. A clean-up call stops every column from the next period on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from abs_model.deal.eligibility import purchase_plan
from abs_model.deal.model import replenishment_pool
from abs_model.errors import DealError
from abs_model.projection.cashflows import FIELDS, STOCK_FIELDS
from abs_model.projection.engine import project_lines
from abs_model.projection.replines import profile_lines
from abs_model.runs.runner import _deal_lines, _fit, _line_profile

__all__ = ["INTEREST_FIELDS", "PRINCIPAL_FIELDS", "LiveModelError", "PoolBasis", "pool_basis"]

#: Pool columns that are interest collections of the trust (late fees only when the trust gets
#: them; P&I advances where the projection makes them). A column the projection lacks is skipped.
INTEREST_FIELDS: tuple[str, ...] = ("fee_interest", "prepayment_fee", "late_fees", "advanced_interest")
#: Pool columns that are principal collections (buy-back proceeds in place of the balance bought
#: back where the projection prices them).
PRINCIPAL_FIELDS: tuple[str, ...] = ("scheduled_principal", "prepayment", "repurchases", "repurchase_proceeds", "advanced_principal")
#: Further pool columns the engine's inputs are made of.
OTHER_FIELDS: tuple[str, ...] = (
    "recoveries",
    "collection_costs",
    "defaults",
    "restructured_entries",
    "opening_balance",
    "closing_balance",
    *(f"balance_m{j}" for j in range(1, 7)),
    "balance_restructured",
    "repurchase_loss",  # the buy-back discount: principal lost, a PDL debit
    "net_loss",  # defaults less their eventual recoveries: the recoveries still to come (writedown test)
)
#: Columns always written (even when zero): the engine's core inputs.
CORE_FIELDS: tuple[str, ...] = ("fee_interest", "scheduled_principal", "prepayment", "recoveries", "defaults", "opening_balance", "closing_balance")
CENT = 0.005
BIG = 1e300


class LiveModelError(DealError):
    """The deal's structure or assumptions cannot be expressed by the live workbook's formulas
    (the values-only workbook is still written); the message names the reason."""


@dataclass(frozen=True, slots=True)
class PoolBasis:
    """``base[field]``: (T + 1,) without purchases; ``units``: per replenishment line, field →
    (T + 1,) profile of one unit bought (empty for a static deal); ``weights``: (T + 1, L) share of
    each line in period τ's purchase; ``supply``: (T + 1,) par that can be bought in period τ (0
    where nothing is eligible, :data:`BIG` unlimited); ``capacity``: the deal's purchase capacity;
    ``late_fees``: the trust receives late fees; ``cost_rank``: how collection costs are paid
    (None: no costs); ``rules``: (delinquent, counts_as_default, eligible) of restructured
    receivables, or None."""

    base: dict[str, np.ndarray]
    units: tuple[dict[str, np.ndarray], ...]
    weights: np.ndarray
    supply: np.ndarray
    capacity: float
    late_fees: bool
    cost_rank: str | None
    rules: tuple[bool, bool, bool] | None

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.base)


def _project(lines: Any, a: Any, T: int) -> dict[str, np.ndarray]:
    proj = project_lines(lines, a, horizon=None)
    return {f: _fit(proj.totals[f], T, stock=f in STOCK_FIELDS)[0] for f in (*FIELDS, *proj.totals) if f in proj.totals}


def pool_basis(result: Any) -> PoolBasis:
    """The pool columns of ``result``'s deal, rebuilt from the deal and assumptions as the runner
    builds them, and checked against the run to a cent (so that a run with scenario multipliers
    or another pool is refused rather than modelled wrongly)."""
    deal, a = result.deal, result.assumptions
    T = len(result.pool) - 1  # the periods run: the deal's, extended to its legal final
    base = _project(_deal_lines(deal, a), a, T)
    units: list[dict[str, np.ndarray]] = []
    weights = np.zeros((T + 1, 0))
    supply = np.zeros(T + 1)
    if deal.revolving.active:
        if deal.eligibility is not None:
            plan = purchase_plan(deal, lambda ln: _line_profile(ln, deal, a, T, {}, base), periods=T)
            units = [{f: p[i, 0] for f, p in plan.profiles.items()} for i in range(plan.weights.shape[1])]
            weights = np.asarray(plan.weights[: T + 1], dtype=np.float64)
            supply = np.array([0.0] + [plan.capacity(t, BIG) for t in range(1, T + 1)])
        else:
            lines = profile_lines(replenishment_pool(deal.revolving), a)
            per_unit = np.array([ln.share / ln.average_balance for ln in deal.revolving.replenishment])
            units = [_project(dataclasses.replace(lines, count=per_unit), a, T)]
            weights = np.ones((T + 1, 1))
            supply = np.full(T + 1, BIG)
    lf = a.late_fees
    strategy = a.collections
    rules = strategy.rules if strategy is not None else None
    keep = _used_fields(base, units, late=lf is not None and lf.to_trust)
    basis = PoolBasis(
        base={f: base[f] for f in keep},
        units=tuple({f: u[f] for f in keep} for u in units),
        weights=weights,
        supply=np.minimum(supply, BIG),
        capacity=float(min(deal.revolving.capacity, BIG)),
        late_fees=lf is not None and lf.to_trust,
        cost_rank=(strategy.cost_rank if strategy is not None else "senior") if "collection_costs" in keep else None,
        rules=None if rules is None else (bool(rules.delinquent), bool(rules.counts_as_default), bool(rules.eligible)),
    )
    _check_against_run(basis, result)
    return basis


def _used_fields(base: dict[str, np.ndarray], units: list[dict[str, np.ndarray]], *, late: bool) -> list[str]:
    """The columns written: the core ones, and the others where they are not all zero."""
    out = []
    for f in (*INTEREST_FIELDS, *PRINCIPAL_FIELDS, *OTHER_FIELDS):
        if f not in base or (f == "late_fees" and not late) or (f == "repurchases" and "repurchase_proceeds" in base):
            continue
        nonzero = bool(np.any(base[f])) or any(bool(np.any(u[f])) for u in units)
        if f in CORE_FIELDS or nonzero:
            out.append(f)
    return out


def rebuilt(basis: PoolBasis, purchased: np.ndarray, live: np.ndarray) -> dict[str, np.ndarray]:
    """Each column per period 1..T for given purchases (T,) and live flags (T,): the formula the
    workbook writes, in numpy (used to check the basis against the run)."""
    out = {}
    T = purchased.size
    bought = purchased[:, None] * basis.weights[1 : T + 1] if basis.units else np.zeros((T, 0))
    for f, b in basis.base.items():
        x = b[1:].copy()
        for lane, u in enumerate(basis.units):
            for s in range(2, T + 1):
                x[s - 1] += float(np.dot(bought[: s - 1, lane], u[f][s - 1 : 0 : -1]))
        out[f] = x * live
    return out


def collections(basis: PoolBasis, cols: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(interest, principal + recoveries) handed to the waterfall, net of collection costs: the
    workbook's formulas (:meth:`abs_model.output.workbook_model_pool.PoolRows.collections`) in numpy."""
    interest = sum((cols[f] for f in INTEREST_FIELDS if f in cols), np.zeros_like(cols["closing_balance"]))
    principal = sum((cols[f] for f in PRINCIPAL_FIELDS if f in cols), np.zeros_like(interest))
    recoveries = cols["recoveries"]
    if basis.cost_rank is not None:
        left = cols["collection_costs"]
        if basis.cost_rank == "netted_from_recoveries":
            take = np.minimum(recoveries, left)
            recoveries, left = recoveries - take, left - take
        take = np.minimum(interest, left)
        interest = interest - take
        principal = principal - np.minimum(principal, left - take)
    return interest, principal + recoveries


def _check_collections(basis: PoolBasis, result: Any, got: dict[str, np.ndarray]) -> None:
    """The cash the run handed the waterfall (ledger rows from the pool into each pot) equals the
    workbook's collections: a collections line the workbook does not know is refused, not dropped."""
    led = result.ledger
    T = len(result.pool) - 1
    ran = led[led["source"] == "pool"]
    for pot, mine in zip(("interest_account", "principal_account"), collections(basis, got), strict=True):
        theirs = ran[ran["target"] == pot].groupby("period")["amount"].sum().reindex(range(1, T + 1), fill_value=0.0).to_numpy()
        gap = float(np.max(np.abs(mine - theirs))) if T else 0.0
        if not gap <= CENT:
            raise LiveModelError(
                f"live model: the collections into the {pot} differ from the run by {gap:.6g} (a collections line or "
                "netting the formulas do not know, see abs_model.output.workbook_pool); not expressible"
            )


def _check_against_run(basis: PoolBasis, result: Any) -> None:
    rev = result.revolving
    T = len(rev)
    purchased = rev["purchased"].to_numpy(dtype=np.float64) if "purchased" in rev else np.zeros(T)
    called = rev["called"].to_numpy(dtype=bool) if "called" in rev else np.zeros(T, bool)
    live = 1.0 - np.r_[0.0, np.cumsum(called)[:-1] > 0]
    got = rebuilt(basis, purchased, live)
    pool = result.pool
    own = purchased[:, None] * basis.weights[1 : T + 1] if basis.units else np.zeros((T, 0))
    for f, v in got.items():
        want = pool[f].to_numpy(dtype=np.float64)[1:] * live
        for lane, u in enumerate(basis.units):  # the run's pool includes period s's own purchase; the engine's input does not
            want = want - own[:, lane] * u[f][0] * live
        if f == "net_loss" and "recoveries_forgone" in pool.columns:  # the call's forgone recoveries join the run's net loss
            want = want - pool["recoveries_forgone"].to_numpy(dtype=np.float64)[1:] * live
        if f in STOCK_FIELDS:  # stocks are zeroed from the call period on; the sale keeps the balance
            extra = np.zeros_like(v)
            if f == "closing_balance" and "cleanup_sale" in pool.columns:
                extra = np.abs(v - pool["cleanup_sale"].to_numpy(dtype=np.float64)[1:]) * called
            v = np.where(called, 0.0, v) + extra
            want = np.where(called, 0.0, want)
        gap = float(np.max(np.abs(v - want))) if v.size else 0.0
        if not gap <= CENT:
            raise LiveModelError(
                f"live model: the pool column {f!r} rebuilt from the deal and assumptions differs from the run "
                f"by {gap:.6g} (a run with scenario multipliers or a replaced pool); not expressible"
            )
    _check_collections(basis, result, got)

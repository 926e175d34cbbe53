"""The pool side of the live workbook model: what the waterfall is fed each period, as values.

The liability engine is fed, each period t (see :class:`tranches.PeriodInputs` and
:func:`abs_model.runs.runner.run_arrays`, whose mapping this mirrors):

- ``interest_collected`` = fee_interest + prepayment_fee;
- ``principal_collected`` = scheduled_principal + prepayment; ``recoveries``;
- ``new_defaults`` = defaults; ``pool_balance_begin`` = opening_balance;
  ``pool_balance_end`` = closing_balance; ``delinquent_balance`` = Σ balance_m2 … balance_m6.

Revolving purchases make the pool depend on the waterfall: one unit bought at the end of period τ
adds ``u[s − τ]`` to every column in period s, where ``u`` is the projected profile of one unit of
the replenishment mix. So each input of period s, defined as
``base_s + Σ_{τ<s} purchased_τ · u[s − τ]``, is linear in the purchases; the workbook keeps
``base`` (the pool without purchases) and ``u`` as values and the sum as a formula on the
waterfall's purchases. A clean-up call stops every input from the next period on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from abs_model.deal.model import replenishment_pool
from abs_model.errors import DealError
from abs_model.projection.cashflows import STOCK_FIELDS
from abs_model.projection.engine import project_lines
from abs_model.projection.replines import profile_lines
from abs_model.runs.runner import _deal_lines, _fit

__all__ = ["ENGINE_INPUTS", "LiveModelError", "PoolBasis", "pool_basis"]

#: Engine input → (pool columns summed). One place for the mapping (mirrors the runner).
ENGINE_INPUTS: dict[str, tuple[str, ...]] = {
    "interest_collected": ("fee_interest", "prepayment_fee"),
    "principal_collected": ("scheduled_principal", "prepayment"),
    "recoveries": ("recoveries",),
    "new_defaults": ("defaults",),
    "pool_balance_begin": ("opening_balance",),
    "pool_balance_end": ("closing_balance",),
    "delinquent_balance": tuple(f"balance_m{j}" for j in range(2, 7)),
}
CENT = 0.005


class LiveModelError(DealError):
    """The deal's structure or assumptions cannot be expressed by the live workbook's formulas
    (the values-only workbook is still written); the message names the reason."""


@dataclass(frozen=True, slots=True)
class PoolBasis:
    """``base[input]``: (T + 1,) without purchases; ``unit[input]``: (T + 1,) profile of one unit
    bought (None for a static deal); ``capacity``: par purchase capacity per period."""

    base: dict[str, np.ndarray]
    unit: dict[str, np.ndarray] | None
    capacity: float


def _inputs(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: sum((arrays[f] for f in fields), np.zeros_like(arrays["closing_balance"])) for k, fields in ENGINE_INPUTS.items()}


def pool_basis(result: Any) -> PoolBasis:
    """The pool inputs of ``result``'s deal, rebuilt from the deal and assumptions as the runner
    builds them, and checked against the run to a cent (so that a run with scenario multipliers
    or another pool is refused rather than modelled wrongly)."""
    deal, a = result.deal, result.assumptions
    strategy = a.collections
    if strategy is not None and strategy.restructuring is not None:
        raise LiveModelError("live model: restructured receivables (逾期分期) change the pool inputs; not expressible")
    pool = result.pool
    if "collection_costs" in pool.columns and float(pool["collection_costs"].abs().sum()) > 0.0:
        raise LiveModelError("live model: collection costs are netted from collections; not expressible")
    T = len(result.pool) - 1  # the periods run: the deal's, extended to its legal final
    proj = project_lines(_deal_lines(deal, a), a, horizon=None)
    base = _inputs({f: _fit(proj.totals[f], T, stock=f in STOCK_FIELDS)[0] for f in _needed()})
    unit = None
    if deal.revolving.active:
        lines = profile_lines(replenishment_pool(deal.revolving), a)
        per_unit = np.array([ln.share / ln.average_balance for ln in deal.revolving.replenishment])
        lines = dataclasses.replace(lines, count=per_unit)
        up = project_lines(lines, a, horizon=None)
        unit = _inputs({f: _fit(up.totals[f], T, stock=f in STOCK_FIELDS)[0] for f in _needed()})
    basis = PoolBasis(base=base, unit=unit, capacity=float(deal.revolving.capacity))
    _check_against_run(basis, result)
    return basis


def _needed() -> set[str]:
    return {f for fields in ENGINE_INPUTS.values() for f in fields}


def rebuilt(basis: PoolBasis, purchased: np.ndarray, live: np.ndarray) -> dict[str, np.ndarray]:
    """The inputs per period 1..T for given purchases (T,) and live flags (T,): the formula the
    workbook writes, in numpy (used to check the basis against the run)."""
    out = {}
    T = purchased.size
    for k, b in basis.base.items():
        x = b[1:].copy()
        if basis.unit is not None:
            u = basis.unit[k]
            for s in range(1, T + 1):
                x[s - 1] += float(np.dot(purchased[: s - 1], u[s - 1 : 0 : -1])) if s > 1 else 0.0
        out[k] = x * live
    return out


def _check_against_run(basis: PoolBasis, result: Any) -> None:
    rev = result.revolving
    T = len(rev)
    purchased = rev["purchased"].to_numpy(dtype=np.float64) if "purchased" in rev else np.zeros(T)
    called = rev["called"].to_numpy(dtype=bool) if "called" in rev else np.zeros(T, bool)
    live = 1.0 - np.r_[0.0, np.cumsum(called)[:-1] > 0]
    got = rebuilt(basis, purchased, live)
    pool = result.pool
    ran = _inputs({f: pool[f].to_numpy(dtype=np.float64) for f in _needed()})
    for k, v in got.items():
        want = ran[k][1:] * live
        if basis.unit is not None:  # the run's pool includes period s's own purchase; the engine's input does not
            want = want - purchased * basis.unit[k][0] * live
        if k in ("pool_balance_end", "delinquent_balance"):  # stocks are zeroed from the call period on
            v = np.where(called, 0.0, v)
            want = np.where(called, 0.0, want)
            if k == "pool_balance_end" and "cleanup_sale" in pool.columns:  # … the sale keeps the balance
                gap_sale = np.abs(got[k] - pool["cleanup_sale"].to_numpy(dtype=np.float64)[1:]) * called
                v = v + gap_sale
        gap = float(np.max(np.abs(v - want))) if v.size else 0.0
        if not gap <= CENT:
            raise LiveModelError(
                f"live model: the pool input {k!r} rebuilt from the deal and assumptions differs from the run "
                f"by {gap:.6g} (a run with scenario multipliers or a replaced pool); not expressible"
            )

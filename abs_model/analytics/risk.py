"""Risk measures of a deal's classes: effective duration and convexity from bumped prepayment
scenarios, horizon total return, and the principal distribution amount due per period.

Effective duration and convexity
--------------------------------
Cash flows of a securitised class depend on the level of rates through prepayments. With no
rate model, the market's shortcut is to pair a parallel yield shift ``Δy`` with a prepayment
response: rates down by ``Δy`` → prepayments × ``prepay_down`` (faster), rates up → ×
``prepay_up`` (slower). With ``P0`` the price at the base yield ``y0`` (base cash flows), ``P−``
the price at ``y0 − Δy`` of the cash flows projected under ``prepay_down`` and ``P+`` at ``y0 +
Δy`` under ``prepay_up``::

    effective duration  D = (P− − P+) / (2 × P0 × Δy)
    effective convexity C = (P+ + P− − 2 × P0) / (P0 × Δy²)

(the central differences; with ``prepay_down = prepay_up = 1`` they tend to the modified duration
and convexity of fixed cash flows as ``Δy → 0``). Prices use :func:`~abs_model.core.yields.
price_from_yield` (bond-equivalent yield by default, as SF-48).

Horizon total return
--------------------
Buy at ``price`` (fraction of the original class balance), hold ``horizon`` periods, reinvest
every cash flow received at ``reinvest_rate`` (annual, compounded monthly) to the horizon, and
value what remains at the horizon yield. Defined as::

    value_H = Σ_{k<=H} CF_k × (1 + r/12)^(H − k)  +  Σ_{k>H} CF_k / (1 + y_H/m)^(m (k − H)/12)
    total return = value_H / (price × original balance) − 1
    annualised   = (1 + total return)^(12 / H) − 1
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from abs_model.assumptions.assumptions import Assumptions
from abs_model.core.yields import Compounding, cash_flow_yield, price_from_yield
from abs_model.deal.model import Deal
from abs_model.errors import AbsModelError, DealError, must
from abs_model.runs.runner import run

__all__ = ["EffectiveRisk", "effective_duration", "horizon_return", "principal_due"]


@dataclass(frozen=True, slots=True)
class EffectiveRisk:
    """Effective duration and convexity of one class (see module doc for every field)."""

    tranche: str
    base_yield: float
    shift: float
    price: float
    price_down: float
    price_up: float
    duration: float
    convexity: float


def _class_cashflows(deal: Deal, tranche: str, mults: list[float], a: Assumptions) -> tuple[np.ndarray, float]:
    if not isinstance(deal, Deal):
        raise DealError(f"deal: must be an abs_model.Deal (use load_deal(path)); got {type(deal).__name__}")
    if tranche not in deal.tranche_names:
        raise must("tranche", f"must be a tranche of the deal ({list(deal.tranche_names)})", tranche)
    n = len(mults)
    res = run(deal, a, prepay_mult=np.array(mults), default_mult=np.ones(n), recovery_mult=np.ones(n))
    t = res.liabilities.tranche(tranche)
    cf = np.asarray(t.interest_paid + t.principal_paid + t.residual_paid, dtype=np.float64)
    return cf, float(t.original_balance)


def effective_duration(
    deal: Deal,
    tranche: str,
    *,
    price: float = 1.0,
    shift: float = 0.01,
    prepay_down: float = 1.25,
    prepay_up: float = 0.8,
    assumptions: Assumptions | None = None,
    compounding: Compounding = "bond_equivalent",
) -> EffectiveRisk:
    """Effective duration and convexity of ``tranche`` bought at ``price`` (fraction of par).

    ``shift``: the yield shift ``Δy`` (decimal, 0.01 = 100 bp); ``prepay_down`` / ``prepay_up``:
    prepayment multipliers paired with rates down / up. Three scenarios run in one batch.
    """
    if not np.isfinite(shift) or shift <= 0:
        raise must("shift", "must be a yield shift > 0 (a decimal: 0.01 = 100 bp)", shift)
    for name, v in (("prepay_down", prepay_down), ("prepay_up", prepay_up), ("price", price)):
        if not np.isfinite(v) or v <= 0:
            raise must(name, "must be > 0", v)
    a = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    cf, orig = _class_cashflows(deal, tranche, [1.0, prepay_down, prepay_up], a)
    if orig <= 0:
        raise must("tranche", "must have an original balance > 0", tranche)
    y0 = cash_flow_yield(price, cf[0], balance=orig, compounding=compounding)
    p0 = price_from_yield(y0, cf[0], balance=orig, compounding=compounding)
    p_dn = price_from_yield(y0 - shift, cf[1], balance=orig, compounding=compounding)
    p_up = price_from_yield(y0 + shift, cf[2], balance=orig, compounding=compounding)
    return EffectiveRisk(
        tranche=tranche,
        base_yield=y0,
        shift=float(shift),
        price=p0,
        price_down=p_dn,
        price_up=p_up,
        duration=(p_dn - p_up) / (2.0 * p0 * shift),
        convexity=(p_up + p_dn - 2.0 * p0) / (p0 * shift**2),
    )


def horizon_return(
    cashflows: Any,
    *,
    balance: float,
    price: float,
    horizon: int,
    reinvest_rate: float,
    horizon_yield: float,
    compounding: Compounding = "bond_equivalent",
) -> tuple[float, float]:
    """Horizon total return and its annualised rate (see module doc for the definition).

    ``cashflows``: per-period (monthly) cash flows of the position, period 1 first; ``balance``:
    the face the price applies to; ``horizon``: holding periods (1..len(cashflows)).
    """
    cf = np.asarray(cashflows, dtype=np.float64).ravel()
    if isinstance(horizon, bool) or int(horizon) != horizon or not 1 <= horizon <= cf.size:
        raise must("horizon", f"must be a whole number of periods in 1..{cf.size}", horizon)
    if not np.isfinite(balance) or balance <= 0 or not np.isfinite(price) or price <= 0:
        raise must("price", "price and balance must be > 0", (price, balance))
    if not np.isfinite(cf).all():
        i = int(np.argmin(np.isfinite(cf)))
        raise must(f"cashflows[{i}]", "must be finite amounts", float(cf[i]))
    for name, r in (("reinvest_rate", reinvest_rate), ("horizon_yield", horizon_yield)):
        if isinstance(r, bool) or not isinstance(r, int | float) or not -1.0 < r < 1.0:  # NaN fails too
            raise must(name, "must be an annual decimal rate in (-1, 1)", r, hint="rates are decimals (0.05 = 5 %)")
    h = int(horizon)
    k = np.arange(1, h + 1)
    reinvested = float(np.sum(cf[:h] * (1.0 + reinvest_rate / 12.0) ** (h - k)))
    rest = cf[h:]
    remaining = price_from_yield(horizon_yield, rest, balance=1.0, compounding=compounding) if rest.size else 0.0
    total = (reinvested + remaining) / (price * balance) - 1.0
    return total, (1.0 + total) ** (12.0 / h) - 1.0


def principal_due(result: Any, *, advance_rate: float | None = None) -> pd.DataFrame:
    """Principal distribution amount due and paid per period (all classes together).

    Defined as ``principal_due = min(max(notes_begin − advance_rate × pool_balance_end, 0),
    notes_begin)``: what the notes must repay to stand at ``advance_rate`` of the pool at the
    period's end (1 − the target over-collateralisation). ``advance_rate`` defaults to the deal's
    at closing (Σ original note balances ÷ pool balance at cut-off), which keeps the initial OC
    percentage. ``shortfall = principal_due − principal_paid`` (positive: due but not paid, e.g.
    between quarterly payment dates or when cash ran short; negative: turbo or clean-up).
    """
    deal = result.deal
    frames = result.tranches
    if not frames:
        raise AbsModelError("result: has no tranches")
    notes0 = sum(float(t.balance) for t in deal.structure.tranches)
    adv = notes0 / float(deal.pool.balance) if advance_rate is None else float(advance_rate)
    if not np.isfinite(adv) or adv < 0:
        raise must("advance_rate", "must be a decimal >= 0", advance_rate)
    begin = sum(f["balance_begin"] for f in frames.values())
    paid = sum(f["principal_paid"] for f in frames.values())
    pool_end = result.pool["closing_balance"].reindex(begin.index)
    due = np.minimum(np.maximum(begin - adv * pool_end, 0.0), begin)
    out = pd.DataFrame({
        "notes_begin": begin,
        "pool_balance_end": pool_end,
        "target_notes": adv * pool_end,
        "principal_due": due,
        "principal_paid": paid,
        "shortfall": due - paid,
    })
    out.index.name = "period"
    return out

"""Offering-circular tables: decrement tables and price/yield grids, per class.

Both run every prepayment speed as one vectorised batch (:func:`abs_model.runs.runner.run_arrays`);
``speeds`` are multiples of the base CPR (0 = no prepayment, 1 = base, 1.5 = 150 % of base).

- Decrement table: ``% outstanding_k = balance_end_k / original balance`` (as a decimal) at the
  end of each period ``k`` (and 1.0 at the cut-off), one column per speed.
- Price/yield table: rows prices (fractions of the original balance, 1.0 = par), columns speeds;
  each cell the cash-flow yield of the class's cash flows ``I_k + P_k + R_k`` at that price
  (:func:`abs_model.core.yields.cash_flow_yield`, 12 periods a year, no delay unless given), NaN where
  no yield in [−99 %, 1000 %] reproduces the price.
- Footer (both): ``wal_years`` (:func:`abs_model.core.yields.wal`), ``first_principal_period``,
  ``last_principal_period``, ``principal_window`` (text "first–last"), ``loss`` and ``loss_pct``
  (writedowns over the original balance).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from abs_model.assumptions.assumptions import Assumptions
from abs_model.core.metrics import principal_windows, wal_years
from abs_model.core.yields import Compounding, cash_flow_yield
from abs_model.deal.model import Deal
from abs_model.errors import DealError, SolverError, must
from abs_model.runs.dates import month_ends
from abs_model.runs.runner import run_arrays

__all__ = ["DEFAULT_PRICES", "DEFAULT_SPEEDS", "ClassTable", "decrement_table", "price_yield_table"]

#: Prepayment speeds (multiples of the base CPR) shown by default.
DEFAULT_SPEEDS: tuple[float, ...] = (0.0, 0.5, 1.0, 1.5, 2.0)
#: Prices (fractions of par) shown by default.
DEFAULT_PRICES: tuple[float, ...] = (0.99, 0.995, 1.0, 1.005, 1.01)


@dataclass(frozen=True, slots=True)
class ClassTable:
    """A class table: ``frame`` (rows periods or prices, one column per speed) and ``footer``
    (rows wal_years, first/last_principal_period, principal_window, loss, loss_pct)."""

    tranche: str
    frame: pd.DataFrame
    footer: pd.DataFrame


def _speed_label(s: float) -> str:
    return f"{s:g}x"


def _run_speeds(
    deal: Deal, tranche: str, speeds: Sequence[float], assumptions: Assumptions | None, default_mult: float
) -> tuple[object, list[float]]:
    if not isinstance(deal, Deal):
        raise DealError(f"deal: must be an abs_model.Deal (use load_deal(path)); got {type(deal).__name__}")
    if tranche not in deal.tranche_names:
        raise must("tranche", f"must be a tranche of the deal ({list(deal.tranche_names)})", tranche)
    sp = [float(s) for s in speeds]
    if not sp or any(not np.isfinite(s) or s < 0 for s in sp) or any(isinstance(s, bool) for s in speeds):
        raise must("speeds", "must be one or more prepayment multiples ≥ 0", list(speeds))
    a = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    ra = run_arrays(
        deal, a, prepay_mult=np.array(sp), default_mult=np.full(len(sp), float(default_mult)), recovery_mult=np.ones(len(sp))
    )
    return ra.liabilities.tranche(tranche), sp


def _footer(t: object, sp: list[float]) -> pd.DataFrame:
    cols = {}
    for s_i, s in enumerate(sp):
        prin = t.principal_paid[s_i]  # type: ignore[attr-defined]
        orig = float(t.original_balance)  # type: ignore[attr-defined]
        loss = float(t.writedown[s_i].sum())  # type: ignore[attr-defined]
        firsts, lasts = principal_windows(prin)
        first, last = int(firsts[0]), int(lasts[0])
        w = float(wal_years(prin)[0])
        cols[_speed_label(s)] = {
            "wal_years": w,
            "first_principal_period": first,
            "last_principal_period": last,
            "principal_window": f"{first}–{last}" if last else "",
            "loss": loss,
            "loss_pct": loss / orig if orig > 0 else 0.0,
        }
    return pd.DataFrame(cols)


def decrement_table(
    deal: Deal,
    tranche: str,
    *,
    speeds: Sequence[float] = DEFAULT_SPEEDS,
    assumptions: Assumptions | None = None,
    default_mult: float = 1.0,
) -> ClassTable:
    """Percent of the original class balance outstanding (a decimal) by period, one column per
    prepayment speed; index ``period`` (0 = cut-off) with the period-end ``date`` as a column.
    See the module doc."""
    t, sp = _run_speeds(deal, tranche, speeds, assumptions, default_mult)
    orig = float(t.original_balance)  # type: ignore[attr-defined]
    end = t.balance_end  # type: ignore[attr-defined]
    T = end.shape[1]
    frame = pd.DataFrame(
        {_speed_label(s): np.concatenate([[1.0], end[i] / orig if orig > 0 else np.zeros(T)]) for i, s in enumerate(sp)},
        index=pd.RangeIndex(0, T + 1, name="period"),
    )
    dates = np.concatenate([[deal.cutoff_date], month_ends(deal.cutoff_date, T)]).astype("datetime64[D]")
    frame.insert(0, "date", dates)
    return ClassTable(tranche=tranche, frame=frame, footer=_footer(t, sp))


def price_yield_table(
    deal: Deal,
    tranche: str,
    *,
    prices: Sequence[float] = DEFAULT_PRICES,
    speeds: Sequence[float] = DEFAULT_SPEEDS,
    assumptions: Assumptions | None = None,
    default_mult: float = 1.0,
    delay_days: float = 0.0,
    settle_days: float = 0.0,
    compounding: Compounding = "bond_equivalent",
) -> ClassTable:
    """Cash-flow yield by price (rows) and prepayment speed (columns); see the module doc."""
    t, sp = _run_speeds(deal, tranche, speeds, assumptions, default_mult)
    orig = float(t.original_balance)  # type: ignore[attr-defined]
    if orig <= 0:
        raise must("tranche", "must have an original balance > 0 for a price/yield table", tranche)
    pr = [float(p) for p in prices]
    if not pr or any(not np.isfinite(p) or p <= 0 for p in pr) or any(isinstance(p, bool) for p in prices):
        raise must("prices", "must be one or more prices > 0 (fractions of par, 1.0 = par)", list(prices))
    cf = t.interest_paid + t.principal_paid + t.residual_paid  # type: ignore[attr-defined]
    cols = {}
    for i, s in enumerate(sp):
        ys = []
        for p in pr:
            try:
                y = cash_flow_yield(
                    p, cf[i], balance=orig, delay_days=delay_days, settle_days=settle_days, compounding=compounding
                )
            except SolverError:
                y = float("nan")
            ys.append(y)
        cols[_speed_label(s)] = ys
    frame = pd.DataFrame(cols, index=pd.Index(pr, name="price"))
    return ClassTable(tranche=tranche, frame=frame, footer=_footer(t, sp))

"""Originator buy-back (赎回) of receivables: the rep-and-warranty repurchase of ineligible
receivables and the price of every buy-back.

Definitions (period t, monthly; rates are decimals):

- **Ineligible receivables found** (``ineligible_rate``, a monthly share): of the performing (M0)
  receivables, cut-off and purchased alike, a share ``r`` is found each period not to have met the
  eligibility criteria (合格标准) and is bought back by the originator. It competes with voluntary
  prepayment on the same base: with the prepayment SMM ``s`` of the period, the share leaving is
  ``1 − (1 − s)(1 − r)``, of which ``s`` is prepayment (so the realised SMM still equals the
  input) and ``(1 − s)·r`` the buy-back, on the balance after the period's instalment. A receivable
  bought back pays no unearned fee.
- **Restructured receivables** are bought back when the restructuring plan says so
  (``Restructuring(buy_back=True)``: the deal rule), at their full balance on entry.
- **Price** (``price``, a deal option, 1.0 = par): the originator pays ``price × balance bought
  back``; the proceeds are principal collections of the trust. Below par, the discount
  ``(1 − price) × balance`` is a loss to the pool (column ``repurchase_loss``; negative above par);
  it is not a default (no PDL debit, not in the cumulative default rate): the notes feel it through
  the collateral no longer covering them.

Pool frame columns: ``repurchases`` (balance bought back, all reasons), ``repurchases_ineligible``
(the part found ineligible), ``repurchase_proceeds`` (``price × repurchases``) and
``repurchase_loss``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from abs_model.errors import AssumptionError

__all__ = ["BuyBack", "buy_back_from"]


@dataclass(frozen=True, slots=True)
class BuyBack:
    """Originator buy-back (赎回): ``ineligible_rate`` a month of the performing balance found
    ineligible and bought back, and the ``price`` per unit of balance of every buy-back (ineligible
    and restructured alike; 1.0 = par). See the module doc."""

    ineligible_rate: float = 0.0
    price: float = 1.0

    def __post_init__(self) -> None:
        r = self.ineligible_rate
        if isinstance(r, bool) or not isinstance(r, int | float) or not math.isfinite(r) or not 0.0 <= r <= 1.0:
            hint = " — rates are decimals (0.2 % a month is 0.002)" if isinstance(r, int | float) and r > 1 else ""
            raise AssumptionError(f"buy_back.ineligible_rate: must be a monthly share in [0, 1]; got {r!r}{hint}")
        p = self.price
        if isinstance(p, bool) or not isinstance(p, int | float) or not math.isfinite(p) or not 0.0 < p <= 2.0:
            raise AssumptionError(f"buy_back.price: must be a price per unit of balance in (0, 2] (1.0 = par); got {p!r}")
        object.__setattr__(self, "ineligible_rate", float(r))
        object.__setattr__(self, "price", float(p))

    def split(self, smm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The share leaving the performing balance, ``1 − (1 − s)(1 − r)``, and the part of it
        that is prepayment, ``s / (1 − (1 − s)(1 − r))`` (1 where nothing leaves)."""
        leaving = 1.0 - (1.0 - smm) * (1.0 - self.ineligible_rate)
        prepaid = np.divide(smm, leaving, out=np.ones_like(leaving), where=leaving > 0.0)
        return leaving, prepaid


def buy_back_from(value: Any) -> BuyBack | None:
    """A :class:`BuyBack` from itself, a mapping (the YAML block) or None."""
    if value is None or isinstance(value, BuyBack):
        return value
    if isinstance(value, Mapping):
        unknown = sorted(map(str, set(value) - {"ineligible_rate", "price"}))
        if unknown:
            raise AssumptionError(f"buy_back: unknown key(s) {unknown}; allowed: ineligible_rate, price")
        return BuyBack(**{str(k): v for k, v in value.items()})
    raise AssumptionError(f"buy_back: must be an abs_model.BuyBack or a mapping; got {type(value).__name__}")

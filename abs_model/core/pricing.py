"""True annual cost of flat-fee instalment plans (等本等费) and fee-bearing bullets.

A flat fee is charged every period on the ORIGINAL principal, while the balance it is charged on
falls as principal is repaid, so the true rate is well above ``12 × fee``. Per unit of principal
the borrower receives 1 at period 0 and pays, for ``k = 1 … N``:

- ``flat_fee``: ``1/N + f`` (equal principal plus the flat fee);
- ``bullet``:   ``f`` for ``k < N`` and ``1 + f`` at ``k = N`` (principal at maturity).

The APR is ``12 × IRR`` of those flows (monthly periods, nominal annual rate, the convention of
the published Baitiao numbers: 3 × 0.5 % → 8.98 %, 12 × 0.5 % → 10.90 %, 24 × 1.0 % → 21.57 %).

Closed forms (derived by hand, used as test oracles):

- ``N = 1``: ``−1 + (1 + f)/(1 + i) = 0`` gives ``i = f``, so ``APR = 12 f`` for either product.
- ``bullet``, any ``N``: the flows are a par bond with coupon ``f``; discounting at ``i = f``
  gives ``f·(1 − v^N)/f + v^N = 1`` with ``v = 1/(1 + f)``, so ``IRR = f`` and ``APR = 12 f``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy_financial as npf

from abs_model.errors import AssumptionError, must

__all__ = ["MAX_TERM", "bullet_apr", "flat_fee_apr"]

#: Longest instalment plan accepted (months).
MAX_TERM = 360


def _check(term: int, fee: float) -> tuple[int, float]:
    t = int(term)
    if t != term or not 1 <= t <= MAX_TERM:
        raise must("term", f"must be a whole number of periods in 1..{MAX_TERM}", term)
    f = float(fee)
    if not np.isfinite(f) or f < 0:
        raise must("fee", "must be a decimal fee per period ≥ 0", fee)
    if f >= 1:
        raise must("fee", "must be < 1", fee, hint="looks like a percent: give 0.006 for 0.6 %")
    return t, f


@lru_cache(maxsize=4096)
def _flat_fee_apr(term: int, fee: float) -> float:
    if fee == 0.0:
        return 0.0
    if term == 1:
        return 12.0 * fee
    flows = np.full(term + 1, 1.0 / term + fee)
    flows[0] = -1.0
    irr = float(npf.irr(flows))
    if not np.isfinite(irr):  # pragma: no cover - the flows have exactly one sign change
        raise AssumptionError(f"flat_fee_apr: no IRR for term={term}, fee={fee}")
    return 12.0 * irr


def flat_fee_apr(term: int, fee: float) -> float:
    """True annual rate of an equal-principal plan with a flat fee per period on original principal.

    Defined as ``12 × IRR(−1, 1/N + f, …, 1/N + f)`` with ``N = term`` payments (numpy-financial
    ``irr``). ``fee = 0`` gives 0; ``term = 1`` gives ``12 f`` exactly.

    >>> round(flat_fee_apr(12, 0.005), 4)
    0.109
    """
    t, f = _check(term, fee)
    return _flat_fee_apr(t, f)


def bullet_apr(term: int, fee: float) -> float:
    """True annual rate of a bullet: fee ``f`` on original principal a period, principal at ``N``.

    Defined as ``12 × IRR(−1, f, …, f, 1 + f)``, which equals ``12 f`` for every ``N`` (a par bond
    with coupon ``f``; see the module doc). The 30-day interest-free deferral (``N = 1, f = 0``)
    gives 0.
    """
    _t, f = _check(term, fee)
    return 12.0 * f

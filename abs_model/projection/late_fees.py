"""Late fees / penalty interest (违约金 / 罚息) under the roll-rate convention.

State: ``L[j]`` (B, S, G), the late fees accrued and unpaid on the receivables of each state group
in bucket ``j`` (money). Period ``t``, receivables in bucket ``j ≥ 1`` at its start (a share
``take_up`` of them leaves for restructuring first, taking its ``L`` along):

- accrual ``A_j = days_j × Σ_ℓ r_ℓ × O_ℓ,j`` with ``r_ℓ`` the receivable's daily rate (its product's
  override, capped at ``apr_cap / 360``), ``days_1 = days_per_period − grace_days``, ``days_j =
  days_per_period`` beyond, and ``O`` the amount due and unpaid: the ``j`` missed instalments'
  principal and fees, ``O_j = S(k_j) − S(k_j + j) + Φ(k_j + j) − Φ(k_j)`` (``k_j = b0 + t − 1 − j``);
- then ``L_j + A_j`` moves with the receivables: a cure to M0 pays it (``1 − waived_share`` in
  cash, the rest waived), a default writes it off, any other move carries it to the new bucket.

So accrued = collected + waived + written off + change in outstanding, every period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abs_model.assumptions.servicing import LateFees
from abs_model.projection.groups import PartSums, Weights


@dataclass(frozen=True, slots=True)
class LateFeeFlows:
    """One period's late fees per scenario (S,), and the new state ``L`` (B, S, G)."""

    state: np.ndarray
    accrued: np.ndarray
    collected: np.ndarray
    waived: np.ndarray
    written_off: np.ndarray


def overdue(w: Weights, j: int) -> np.ndarray:
    """Rate-weighted amount due and unpaid of bucket ``j`` per group: ``Σ r_ℓ O_ℓ,j`` (module doc).
    Bucket 0's row is the state after ``k_j + j`` instalments."""
    return w.RS[j] - w.RS[0] + w.RF[0] - w.RF[j]


def late_fee_step(
    terms: LateFees,
    L: np.ndarray,
    xk: np.ndarray,
    coef: np.ndarray,
    used: tuple[tuple[int, int], ...],
    wb: Weights,
    ps: PartSums | None = None,
) -> LateFeeFlows:
    """Accrue on the receivables staying in the machine (``xk``) and move ``L`` with them.

    The overdue amounts of every bucket ``j ≥ 1`` come from one vectorised :func:`overdue` (the
    same elementwise arithmetic); the accrual and the moves are added bucket after bucket."""
    B = xk.shape[0]
    ps = ps if ps is not None else PartSums(None, xk.shape[1])
    S = ps.rows
    od = wb.RS[1:B] - wb.RS[0] + wb.RF[0] - wb.RF[1:B]  # (B − 1, G): overdue(wb, j) for j = 1 … B − 1
    Lk = L.copy()
    accrued = np.zeros(S)
    for j in range(1, B):
        a = terms.days(j) * xk[j] * od[j - 1]
        Lk[j] += a
        accrued += ps.sum(a)
    new = np.zeros_like(L)
    cured = np.zeros(S)
    lost = np.zeros(S)
    for j, c in used:
        if j == 0:
            continue  # nothing is overdue in M0
        moved = Lk[j] * coef[:, j, c]
        if c == 0:
            cured += ps.sum(moved)
        elif c == B:
            lost += ps.sum(moved)
        else:
            new[c] += moved
    return LateFeeFlows(
        state=new,
        accrued=accrued,
        collected=cured * (1.0 - terms.waived_share),
        waived=cured * terms.waived_share,
        written_off=lost,
    )

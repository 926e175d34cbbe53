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

    Every bucket ``j ≥ 1`` at once: the overdue amounts of one vectorised :func:`overdue`, the
    accruals ``days_j × xk_j × overdue_j`` and the moves ``(L_j + A_j) × P[j, c]`` to every
    column ``c`` as one product each (the same elementwise arithmetic as bucket by bucket); the
    sums over the source buckets run over the leading axis, which numpy adds row after row — the
    order of the loop over ``j`` (a (from, to) pair never used has a zero coefficient and adds
    +0.0, which changes no sum of non-negative terms)."""
    B = xk.shape[0]
    ps = ps if ps is not None else PartSums(None, xk.shape[1])
    S = ps.rows
    if B < 2:  # no delinquent bucket: nothing overdue, nothing moves
        zero = np.zeros(S)
        return LateFeeFlows(state=np.zeros_like(L), accrued=zero, collected=zero, waived=zero.copy(), written_off=zero.copy())
    od = wb.RS[1:B] - wb.RS[0] + wb.RF[0] - wb.RF[1:B]  # (B − 1, G): overdue(wb, j) for j = 1 … B − 1
    days = np.array([terms.days(j) for j in range(1, B)], dtype=np.float64)[:, None, None]
    a = days * xk[1:B] * od[:, None, :]  # (B − 1, S, G): accrual by source bucket
    Lk = L.copy()
    Lk[1:B] += a
    accrued = np.zeros(S) + ps.sum_each(a).sum(axis=0)
    moved = Lk[1:B, :, None, :] * coef[:, 1:B].transpose(1, 0, 2, 3)  # (B − 1, S, B + 1, G): to every column c
    new = np.zeros_like(L)
    new[1:B] = moved[:, :, 1:B].sum(axis=0).transpose(1, 0, 2)
    cured = np.zeros(S) + ps.sum_each(moved[:, :, 0]).sum(axis=0)
    lost = np.zeros(S) + ps.sum_each(moved[:, :, B]).sum(axis=0)
    return LateFeeFlows(
        state=new,
        accrued=accrued,
        collected=cured * (1.0 - terms.waived_share),
        waived=cured * terms.waived_share,
        written_off=lost,
    )

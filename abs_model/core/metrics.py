"""Deal metrics, each defined once, named with its denominator; everything that reports one of
them calls these.

- **WAL** (years): ``Σ_k k · P_k / Σ_k P_k / 12`` over principal paid at period ends; NaN where a
  class receives no principal (no principal, no average life).
- **Principal window**: first and last 1-based period with principal ``> eps``; ``(0, 0)`` where
  none is paid.
- **Cumulative default rate on the initial pool** (``cdr_initial_pool``, the pool's and the
  Chinese 累计违约率): ``Σ_{s≤t} defaults_s / initial pool balance``.
- **Cumulative default rate on the initial pool plus purchases** (``cdr_pool_and_purchases``, the
  trigger's): ``Σ_{s≤t} defaults_s / (initial pool + Σ_{s<t} purchases_s)``.
- **Excess spread** (accrual basis, monthly): :func:`tranches.kernels.excess_spread`, re-exported
  here — ``interest collected − taxes and fees accrued − note interest accrued``, annualised as
  ``12 × excess spread / pool balance at the start of the period``. The engine records it every
  period (``LiabilityResult.excess_spread_frame``), the trigger tests it, and the report and the
  workbook read it from ``DealResult.excess_spread``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tranches.kernels import excess_spread

__all__ = [
    "PRINCIPAL_EPS",
    "cdr_initial_pool",
    "cdr_pool_and_purchases",
    "excess_spread",
    "principal_windows",
    "wal_years",
]

FloatArray = npt.NDArray[np.float64]
PRINCIPAL_EPS = 1e-9
"""A period pays principal when more than this amount (money) is paid."""


def _rows(principal: npt.ArrayLike) -> FloatArray:
    p = np.asarray(principal, dtype=np.float64)
    return p[None, :] if p.ndim == 1 else p


def wal_years(principal: npt.ArrayLike, *, periods_per_year: int = 12) -> FloatArray:
    """WAL in years per row of ``principal`` ((T,) or (S, T), period 1 first): the one
    implementation (``core.yields.wal``, the report, the summary tables and Monte Carlo call it).

    Defined as ``Σ_k k · P_k / Σ_k P_k / periods_per_year``. 0/NaN rules: negative principal is
    included (it nets); a row whose principal sums to ``≤ 0`` has no average life and gives NaN
    (never 0, never an error); a NaN in a row gives NaN. Row-wise sums (not a matrix product),
    so a scenario's WAL does not depend on the batch it ran in."""
    p = _rows(principal)
    k = np.arange(1, p.shape[1] + 1, dtype=np.float64)
    total = p.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total > 0, (p * k).sum(axis=1) / np.where(total > 0, total, 1.0) / periods_per_year, np.nan)
    return np.asarray(out, dtype=np.float64)


def principal_windows(principal: npt.ArrayLike, *, eps: float = PRINCIPAL_EPS) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """First and last 1-based period with principal ``> eps``, per row: the one implementation
    (``core.yields.principal_window`` calls it). 0/NaN rules: ``(0, 0)`` for a row where no
    period pays more than ``eps`` (:data:`PRINCIPAL_EPS` = 1e-9 by default); NaN and negative
    amounts never count as paid."""
    paid = _rows(principal) > eps
    T = paid.shape[1]
    anyp = paid.any(axis=1)
    first = np.where(anyp, paid.argmax(axis=1) + 1, 0)
    last = np.where(anyp, T - paid[:, ::-1].argmax(axis=1), 0)
    return first.astype(np.int64), last.astype(np.int64)


def cdr_initial_pool(defaults: npt.ArrayLike, initial_pool: float) -> FloatArray:
    """Cumulative default rate on the initial pool, per period: ``cumsum(defaults) / initial``."""
    d = np.asarray(defaults, dtype=np.float64)
    if initial_pool <= 0:
        return np.zeros_like(d)
    return np.asarray(np.cumsum(d, axis=-1) / initial_pool, dtype=np.float64)


def cdr_pool_and_purchases(defaults: npt.ArrayLike, purchases: npt.ArrayLike, initial_pool: float) -> FloatArray:
    """Cumulative default rate on the initial pool plus purchases before the period, per period
    (the ``cumulative_default_rate`` trigger's value)."""
    d = np.asarray(defaults, dtype=np.float64)
    b = np.asarray(purchases, dtype=np.float64)
    before = np.cumsum(b, axis=-1) - b
    denom = initial_pool + before
    out = np.zeros_like(d)
    np.divide(np.cumsum(d, axis=-1), denom, out=out, where=denom > 0)
    return out

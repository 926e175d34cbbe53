"""Contractual schedules as closed forms, vectorised over lines (see :mod:`abs_model.core.products`).

Each line carries ``n`` (instalments still to pay), its product code and its rate. For ``k``
instalments paid (``0 ≤ k``, clamped at ``n``):

- ``balance_factor(k)`` = ``S(k)``: scheduled balance per unit of current principal.
- ``fee_cumulative(k)``: fee/interest paid with the first ``k`` instalments, in money.

Closed forms (``kc = min(k, n)``, ``r`` the monthly rate, ``F`` the line's flat fee per
instalment in money = Σ fee × original principal):

==================  =======================================  ==========================================
product             S(k)                                     fee_cumulative(k)
==================  =======================================  ==========================================
flat_fee            1 − kc/n                                 kc · F
bullet              1 if kc < n else 0                       kc · F
equal_principal     1 − kc/n                                 B · r · (kc − kc(kc − 1) / (2n))
level_payment       ((1+r)^n − (1+r)^kc) / ((1+r)^n − 1)     B · (kc · A − (1 − S(kc))),  A = r / (1 − (1+r)^−n)
==================  =======================================  ==========================================

``B`` is the line's current principal. ``A`` is numpy-financial's ``pmt`` per unit of principal
(``-npf.pmt(r, n, 1)``); with ``r = 0`` the level-payment line is the linear schedule.

These are the exact (unrounded) schedules. Under ``Assumptions.make(rounding="cents")`` the
projection uses each receivable's schedule as billed in cents instead, tabulated per line by
:func:`abs_model.core.instalments.billed_schedules` (``Lines.billed``), in the same weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abs_model.core.products import Product
from abs_model.core.rates import annuity_balance_factor


@dataclass(frozen=True, slots=True)
class ScheduleShape:
    """Per-line constants of the closed forms (arrays of length L)."""

    product: np.ndarray
    n: np.ndarray
    monthly_rate: np.ndarray
    balance: np.ndarray
    flat_fee: np.ndarray
    bullet_rows: np.ndarray
    level_rows: np.ndarray
    eqp_rows: np.ndarray

    @classmethod
    def build(
        cls,
        *,
        product: np.ndarray,
        n: np.ndarray,
        annual_rate: np.ndarray,
        balance: np.ndarray,
        flat_fee: np.ndarray,
    ) -> ScheduleShape:
        interest = (product == Product.LEVEL_PAYMENT) | (product == Product.EQUAL_PRINCIPAL)
        r = np.where(interest, annual_rate / 12.0, 0.0)
        return cls(
            product=product,
            n=n.astype(np.float64),
            monthly_rate=r,
            balance=balance,
            flat_fee=np.where(interest, 0.0, flat_fee),
            bullet_rows=np.flatnonzero(product == Product.BULLET),
            level_rows=np.flatnonzero((product == Product.LEVEL_PAYMENT) & (r > 0)),
            eqp_rows=np.flatnonzero(product == Product.EQUAL_PRINCIPAL),
        )

    def _masks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of bullet, level-payment (rate > 0) and equal-principal lines."""
        return self.bullet_rows, self.level_rows, self.eqp_rows

    def balance_factor(self, k: np.ndarray, *, clipped: bool = False) -> np.ndarray:
        """``S(k)``, broadcasting ``k`` of shape (L,) or (L, B) against the line axis
        (``clipped=True``: the caller already holds ``0 ≤ k ≤ n``)."""
        n = self.n.reshape(self.n.shape + (1,) * (np.ndim(k) - 1))
        kc = k if clipped else np.clip(k, 0.0, n)
        s = 1.0 - kc / n
        bullet, level, _ = self._masks()
        if bullet.size:
            rows = bullet
            s[rows] = (kc[rows] < n[rows]).astype(np.float64)
        if level.size:
            rows = level
            s[rows] = annuity_balance_factor(self.monthly_rate[rows].reshape(n[rows].shape), n[rows], kc[rows])
        return s

    def fee_cumulative(self, k: np.ndarray, s: np.ndarray | None = None, *, clipped: bool = False) -> np.ndarray:
        """Fee/interest money paid with the first ``k`` instalments (see module table)."""
        shape = self.n.shape + (1,) * (np.ndim(k) - 1)
        n = self.n.reshape(shape)
        kc = k if clipped else np.clip(k, 0.0, n)
        out = kc * self.flat_fee.reshape(shape)
        _, level, eqp = self._masks()
        r = self.monthly_rate.reshape(shape)
        bal = self.balance.reshape(shape)
        if eqp.size:
            rows = eqp
            kr, nr = kc[rows], n[rows]
            out[rows] = bal[rows] * r[rows] * (kr - kr * (kr - 1.0) / (2.0 * nr))
        if level.size:
            rows = level
            sf = (self.balance_factor(k) if s is None else s)[rows]
            g = 1.0 + r[rows]
            a = (g - 1.0) / (1.0 - g ** (-n[rows]))
            out[rows] = bal[rows] * (kc[rows] * a - (1.0 - sf))
        return out

    def fee_remaining(self, k: np.ndarray) -> np.ndarray:
        """Flat fees of the instalments after ``k`` (unearned fees): ``(n − kc) · F``; 0 for
        interest-bearing products, whose interest runs on the balance."""
        shape = self.n.shape + (1,) * (np.ndim(k) - 1)
        n = self.n.reshape(shape)
        return (n - np.clip(k, 0.0, n)) * self.flat_fee.reshape(shape)

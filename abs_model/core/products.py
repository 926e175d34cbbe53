"""Receivable products and their contractual schedules.

Every product is described per unit of *current* principal on a grid of ``n`` instalments still
to be paid (``n = remaining_term + missed instalments``). ``S(k)`` is the scheduled balance
factor after ``k`` instalments (``S(0) = 1``, ``S(n) = 0``); the principal of instalment ``k`` is
``S(k-1) - S(k)``; the fee/interest of instalment ``k`` is given per product below.

Product codes (the ``product`` column of a tape):

=================  =========  ===============================================================
code               中文        schedule
=================  =========  ===============================================================
``flat_fee``       等本等费     equal principal ``1/n``; fee per instalment ``f × original principal``
``level_payment``  等额本息     annuity at monthly rate ``r = rate/12`` (numpy-financial ``pmt``)
``equal_principal``等额本金     equal principal ``1/n``; interest ``r × S(k-1)``, ``r = rate/12``
``bullet``         免息分期     whole balance due at instalment ``n``; fee ``f × original``/instalment
=================  =========  ===============================================================

``rate`` is the fee per period on the original principal for ``flat_fee`` and ``bullet`` (0 for
the 30-day interest-free deferral) and the annual nominal interest rate for ``level_payment`` and
``equal_principal`` (monthly rate = rate / 12, numpy-financial's convention).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import numpy as np


class Product(IntEnum):
    """Product codes, stored as small integers in a :class:`~abs_model.collateral.pool.Pool`."""

    FLAT_FEE = 0
    LEVEL_PAYMENT = 1
    EQUAL_PRINCIPAL = 2
    BULLET = 3

    @property
    def key(self) -> str:
        """The tape spelling, e.g. ``"flat_fee"``."""
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str) -> Product:
        return cls[key.strip().upper()]


PRODUCT_KEYS: tuple[str, ...] = tuple(p.key for p in Product)
PRODUCT_LABELS_ZH: dict[str, str] = {
    "flat_fee": "等本等费",
    "level_payment": "等额本息",
    "equal_principal": "等额本金",
    "bullet": "免息分期",
}

#: Products whose ``rate`` is an annual nominal interest rate (the others carry a fee per period).
ANNUAL_RATE_PRODUCTS: frozenset[int] = frozenset({int(Product.LEVEL_PAYMENT), int(Product.EQUAL_PRINCIPAL)})


def rate_per_period(product: Any, rate: Any) -> Any:
    """The fee or interest rate per monthly period, comparable across products (e.g. with an
    eligibility limit on the rate per period).

    Defined as ``rate / 12`` for ``level_payment`` and ``equal_principal`` (their ``rate`` is the
    annual nominal rate) and ``rate`` itself for ``flat_fee`` and ``bullet`` (a fee per period on
    the original principal). ``product``: a code (int or array of ints) or a product key (str);
    an array in gives an array out.
    """
    if isinstance(product, str):
        product = int(Product.from_key(product))
    annual = np.isin(product, list(ANNUAL_RATE_PRODUCTS))
    out = np.where(annual, np.asarray(rate, dtype=np.float64) / 12.0, rate)
    return float(out) if out.ndim == 0 else out

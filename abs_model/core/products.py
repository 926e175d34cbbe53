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

"""One receivable's instalment schedule as billed: exact, or in cents as lenders bill.

:func:`instalment_schedule` lists, for each instalment ``k = 1..n``, the principal, the
fee/interest, the payment and the balance after it, for every product of
:mod:`abs_model.core.products`. With ``cents=False`` the amounts are the closed forms of
:mod:`abs_model.core.schedule` times the principal (no rounding). With ``cents=True`` (the
billing convention) every amount is a whole number of cents, computed in exact decimal
arithmetic:

- principal ``P`` is first rounded half-up to the cent;
- ``flat_fee`` / ``equal_principal``: principal of instalments ``1..n−1`` is ``P / n`` *truncated*
  to the cent; the last instalment takes the remainder ``P − (n − 1) × trunc(P / n)``;
- ``bullet``: the whole principal in instalment ``n``;
- ``level_payment``: the payment is ``pmt`` rounded half-up to the cent; interest
  ``round(r × balance)``; principal = payment − interest, and the last instalment repays the
  remaining balance (its payment absorbs the rounding);
- fees: ``flat_fee`` / ``bullet`` bill ``round(f × P)`` each instalment; ``equal_principal`` /
  ``level_payment`` bill interest ``round(r × balance before the instalment)``, ``r = rate / 12``.

Principal always sums to ``P`` exactly and the balance ends at 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import numpy as np

from abs_model.core.products import PRODUCT_KEYS, Product
from abs_model.core.schedule import ScheduleShape
from abs_model.errors import must

__all__ = ["InstalmentSchedule", "instalment_schedule"]

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class InstalmentSchedule:
    """Arrays of length ``n`` (instalment ``k`` at index ``k − 1``): ``principal``, ``fee``
    (fee or interest), ``payment = principal + fee`` and ``balance`` after the instalment."""

    principal: np.ndarray
    fee: np.ndarray
    payment: np.ndarray
    balance: np.ndarray


def _product(product: str | Product) -> Product:
    if isinstance(product, Product):
        return product
    if isinstance(product, str) and product.strip().lower() in PRODUCT_KEYS:
        return Product.from_key(product)
    raise must("product", f"must be one of {list(PRODUCT_KEYS)}", product)


def instalment_schedule(
    principal: float,
    n: int,
    product: str | Product,
    rate: float,
    *,
    cents: bool = False,
) -> InstalmentSchedule:
    """The schedule of one receivable of ``principal`` over ``n`` instalments (see module doc).

    ``rate``: the fee per instalment on the original principal (``flat_fee``, ``bullet``) or the
    annual nominal rate (``level_payment``, ``equal_principal``), as a decimal.
    """
    p = _product(product)
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise must("n", "must be a whole number of instalments >= 1", n)
    if not np.isfinite(principal) or principal <= 0:
        raise must("principal", "must be > 0", principal)
    if not np.isfinite(rate) or not 0.0 <= rate < 1.0:
        raise must("rate", "must be a decimal in [0, 1)", rate, hint="rates are decimals (6 % is 0.06)")
    if cents:
        return _in_cents(Decimal(repr(float(principal))).quantize(_CENT, ROUND_HALF_UP), int(n), p, Decimal(repr(float(rate))))
    return _exact(float(principal), int(n), p, float(rate))


def _exact(principal: float, n: int, p: Product, rate: float) -> InstalmentSchedule:
    shape = ScheduleShape.build(
        product=np.array([int(p)]),
        n=np.array([float(n)]),
        annual_rate=np.array([rate]),
        balance=np.array([principal]),
        flat_fee=np.array([rate * principal]),
    )
    k = np.arange(0, n + 1, dtype=np.float64)[None, :]
    s = shape.balance_factor(k.copy())[0]
    fee_cum = shape.fee_cumulative(k.copy())[0]
    prin = principal * -np.diff(s)
    fee = np.diff(fee_cum)
    return InstalmentSchedule(principal=prin, fee=fee, payment=prin + fee, balance=principal * s[1:])


def _in_cents(principal: Decimal, n: int, p: Product, rate: Decimal) -> InstalmentSchedule:
    prin: list[Decimal] = []
    fee: list[Decimal] = []
    bal = principal
    monthly = rate / 12
    if p in (Product.FLAT_FEE, Product.BULLET):
        flat = (rate * principal).quantize(_CENT, ROUND_HALF_UP)
        part = (principal / n).quantize(_CENT, ROUND_DOWN) if p == Product.FLAT_FEE else Decimal(0)
        for k in range(1, n + 1):
            prin.append(part if k < n else principal - part * (n - 1))
            fee.append(flat)
    elif p == Product.EQUAL_PRINCIPAL:
        part = (principal / n).quantize(_CENT, ROUND_DOWN)
        for k in range(1, n + 1):
            fee.append((monthly * bal).quantize(_CENT, ROUND_HALF_UP))
            prin.append(part if k < n else bal)
            bal -= prin[-1]
    else:  # level payment
        if monthly == 0:
            payment = (principal / n).quantize(_CENT, ROUND_HALF_UP)
        else:
            payment = (principal * monthly / (1 - (1 + monthly) ** -n)).quantize(_CENT, ROUND_HALF_UP)
        for k in range(1, n + 1):
            interest = (monthly * bal).quantize(_CENT, ROUND_HALF_UP)
            fee.append(interest)
            prin.append(min(payment - interest, bal) if k < n else bal)
            bal -= prin[-1]
    pr = np.array([float(x) for x in prin])
    fe = np.array([float(x) for x in fee])
    balances, left = [], principal
    for x in prin:
        left -= x
        balances.append(float(left))
    return InstalmentSchedule(principal=pr, fee=fe, payment=np.array([float(a + b) for a, b in zip(prin, fee, strict=True)]), balance=np.array(balances))

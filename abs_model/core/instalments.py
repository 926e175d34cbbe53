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

:func:`billed_schedules` is the same billing vectorised over receivables, for the projection
(``Assumptions.make(rounding="cents")``): the balance after ``k = 0 … K`` instalments and the
fee/interest billed with the first ``k``, summed per projection line. It works in float cents
(exact for whole cents below 2^53) and rounds half-up with a guard of 1e-7 cent against float
representation error (``0.015 × 100`` is 1.4999… in binary). Each receivable's last instalment
takes its exact remaining balance, so the schedule starts at the balance given (cents or not)
and ends at 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import numpy as np

from abs_model.core.products import PRODUCT_KEYS, Product
from abs_model.core.schedule import ScheduleShape
from abs_model.errors import must

__all__ = ["BilledSchedules", "InstalmentSchedule", "billed_schedules", "instalment_schedule", "merge_billed"]

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


# ------------------------------------------------------------------ vectorised, for the projection
_GUARD = 1e-7  # a tenth of a micro-cent: absorbs binary representation error at half-cent ties


def _half_up(cents: np.ndarray) -> np.ndarray:
    return np.floor(cents + 0.5 + _GUARD)


def _trunc(cents: np.ndarray) -> np.ndarray:
    return np.floor(cents + _GUARD)


@dataclass(frozen=True, slots=True)
class BilledSchedules:
    """Billed schedules summed per projection line: ``balance[ℓ, k]`` the balance left after
    ``k`` instalments and ``fee[ℓ, k]`` the fee/interest billed with the first ``k`` (money,
    ``k = 0 … K``, flat beyond each receivable's ``n``); ``flat[ℓ]`` the flat fee billed per
    instalment (Σ ``round(f × original principal)``; 0 for interest-bearing products)."""

    balance: np.ndarray
    fee: np.ndarray
    flat: np.ndarray

    def take(self, order: np.ndarray) -> BilledSchedules:
        """The lines in ``order``."""
        return BilledSchedules(self.balance[order], self.fee[order], self.flat[order])

    def at(self, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per line, for ``k`` instalments paid (whole numbers, shape (L,)): the balance factor
        ``balance[ℓ, k] / balance[ℓ, 0]`` (0 for an empty line) and the cumulative fee."""
        rows = np.arange(self.balance.shape[0])
        kk = np.clip(np.asarray(k, dtype=np.float64).round().astype(np.int64), 0, self.balance.shape[1] - 1)
        b0 = self.balance[:, 0]
        factor = np.where(b0 > 0, self.balance[rows, kk] / np.where(b0 > 0, b0, 1.0), 0.0)
        return factor, self.fee[rows, kk]

    def fee_remaining(self, k: np.ndarray) -> np.ndarray:
        """Flat fees billed after ``k`` instalments (the unearned fees of a prepayment); 0 for
        interest-bearing lines, whose interest runs on the balance."""
        rows = np.arange(self.fee.shape[0])
        kk = np.clip(np.asarray(k, dtype=np.float64).round().astype(np.int64), 0, self.fee.shape[1] - 1)
        return np.where(self.flat > 0, self.fee[:, -1] - self.fee[rows, kk], 0.0)


def _instalments(
    prod: np.ndarray, p_c: np.ndarray, n: np.ndarray, r: np.ndarray, fee_c: np.ndarray, until: int
) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
    """Instalments ``k = 1 … until`` of receivables of ``p_c`` cents over ``n`` (module doc):
    yields ``k``, principal and fee/interest billed (cents, 0 past ``n``; the last instalment takes
    all that is left) and the cents left after it."""
    flat_p = (prod == Product.FLAT_FEE) | (prod == Product.BULLET)
    level = prod == Product.LEVEL_PAYMENT
    n_safe = np.maximum(n, 1).astype(np.float64)
    part = np.where(prod == Product.BULLET, 0.0, _trunc(p_c / n_safe))
    annuity = np.where(r > 0, r / (1.0 - (1.0 + np.where(r > 0, r, 1.0)) ** -n_safe), 1.0 / n_safe)
    payment = _half_up(p_c * annuity)
    left = p_c.copy()
    for k in range(1, until + 1):
        live = k <= n
        interest = np.where(live, np.where(flat_p, fee_c, _half_up(r * left)), 0.0)
        prin = np.where(level, np.minimum(payment - interest, left), part)
        prin = np.where(k == n, left, np.where(live, prin, 0.0))
        left = left - prin
        yield k, prin, interest, left


def billed_schedules(
    *,
    product: np.ndarray,
    n: np.ndarray,
    balance: np.ndarray,
    rate: np.ndarray,
    flat_fee: np.ndarray,
    original_balance: np.ndarray | None = None,
    original_term: np.ndarray | None = None,
    line: np.ndarray | None = None,
    lines: int | None = None,
) -> BilledSchedules:
    """Every receivable billed in cents (module doc), summed into ``lines`` lines by ``line``
    (the line of each receivable; default one line each).

    ``rate``: the annual nominal rate of ``level_payment`` / ``equal_principal``; ``flat_fee``:
    the flat fee per instalment in money (``f × original principal``) of ``flat_fee`` / ``bullet``.
    Defined per receivable as in :func:`instalment_schedule` with ``cents=True``, except that the
    last instalment repays the exact remaining balance (so the sum is the balance given). With
    ``original_balance`` and ``original_term``, a seasoned receivable whose balance is its
    original bill's balance after ``original_term − n`` instalments (to the cent) keeps billing
    that original schedule (the lender's instalment, not one recomputed from the balance);
    otherwise its ``n`` instalments are billed afresh on its balance.
    """
    prod = np.asarray(product, dtype=np.int64)
    n_i = np.asarray(n, dtype=np.int64)
    bal = np.asarray(balance, dtype=np.float64)
    N = bal.size
    idx = np.arange(N) if line is None else np.asarray(line, dtype=np.int64)
    L = N if lines is None else int(lines)
    K = int(n_i.max(initial=0))
    flat_p = (prod == Product.FLAT_FEE) | (prod == Product.BULLET)
    r = np.where(flat_p, 0.0, np.asarray(rate, dtype=np.float64) / 12.0)
    fee_c = np.where(flat_p, _half_up(np.asarray(flat_fee, dtype=np.float64) * 100.0), 0.0)
    b_c = _half_up(bal * 100.0)
    p_c, terms, offset = b_c, n_i, np.zeros(N, dtype=np.int64)
    if original_balance is not None and original_term is not None:
        o_c = _half_up(np.asarray(original_balance, dtype=np.float64) * 100.0)
        o_n = np.asarray(original_term, dtype=np.int64)
        paid = o_n - n_i
        at = np.where(paid == 0, o_c, np.nan)  # the original bill's balance after `paid` instalments
        for k, _, _, left in _instalments(prod, o_c, o_n, r, fee_c, int(paid.max(initial=0))):
            at = np.where(paid == k, left, at)
        on_bill = (paid >= 0) & (np.abs(at - b_c) < 0.5)
        p_c, terms, offset = np.where(on_bill, o_c, b_c), np.where(on_bill, o_n, n_i), np.where(on_bill, paid, 0)
    prin_m = np.zeros(L * (K + 1))
    fee_m = np.zeros(L * (K + 1))
    paid_c = np.zeros(N)
    for k, prin, interest, _ in _instalments(prod, p_c, terms, r, fee_c, int(terms.max(initial=0))):
        j = k - offset  # the instalment's number from the cut-off
        on = (j >= 1) & (j <= n_i)
        if not on.any():
            continue
        money = np.where(j == n_i, bal - paid_c / 100.0, prin / 100.0)  # the last repays the exact balance
        at_j = idx[on] * (K + 1) + j[on]
        prin_m += np.bincount(at_j, weights=money[on], minlength=L * (K + 1))
        fee_m += np.bincount(at_j, weights=interest[on] / 100.0, minlength=L * (K + 1))
        paid_c += np.where(on, prin, 0.0)
    out_bal = np.bincount(idx, weights=bal, minlength=L)[:, None] - np.cumsum(prin_m.reshape(L, K + 1), axis=1)
    n_line = np.zeros(L, dtype=np.int64)
    np.maximum.at(n_line, idx, n_i)
    out_bal[np.arange(K + 1)[None, :] >= n_line[:, None]] = 0.0  # repaid by the line's longest n
    out_fee = np.cumsum(fee_m.reshape(L, K + 1), axis=1)
    return BilledSchedules(out_bal, out_fee, np.bincount(idx, weights=fee_c / 100.0, minlength=L))


def merge_billed(parts: list[BilledSchedules | None], group: np.ndarray, groups: int) -> BilledSchedules | None:
    """Lines of several sets merged into ``groups`` lines (``group``: the merged line of each
    input line, in the order of the parts): their tables added (padded flat to the longest).
    None when no part is billed in cents; a mix of billed and exact parts is refused."""
    if all(p is None for p in parts):
        return None
    if any(p is None for p in parts):
        raise must("rounding", "all sets of lines merged must be billed the same way (all 'cents' or all 'exact')", "a mix")
    billed = [p for p in parts if p is not None]
    width = max(p.balance.shape[1] for p in billed)

    def pad(a: np.ndarray) -> np.ndarray:
        return np.pad(a, ((0, 0), (0, width - a.shape[1])), mode="edge") if a.shape[1] < width else a

    out_bal = np.zeros((groups, width))
    out_fee = np.zeros((groups, width))
    np.add.at(out_bal, group, np.concatenate([pad(p.balance) for p in billed]))
    np.add.at(out_fee, group, np.concatenate([pad(p.fee) for p in billed]))
    flat = np.bincount(group, weights=np.concatenate([p.flat for p in billed]), minlength=groups)
    return BilledSchedules(out_bal, out_fee, flat)

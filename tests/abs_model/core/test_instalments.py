"""Instalment schedules in cents, as lenders bill, worked by hand and against numpy-financial."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy_financial as npf
import pytest

from abs_model.core.instalments import instalment_schedule
from abs_model.errors import AbsModelError

CENT = 0.005


def test_flat_fee_1000_over_3_truncates_principal_and_puts_the_remainder_last() -> None:
    s = instalment_schedule(1000.0, 3, "flat_fee", 0.005, cents=True)
    assert list(s.principal) == [333.33, 333.33, 333.34]  # 1000 / 3 = 333.333... truncated
    assert list(s.fee) == [5.0, 5.0, 5.0]  # 0.5 % x 1000 each instalment
    assert list(s.payment) == [338.33, 338.33, 338.34]
    assert list(s.balance) == [666.67, 333.34, 0.0]
    # exact: 333.333... each, no rounding
    e = instalment_schedule(1000.0, 3, "flat_fee", 0.005)
    assert np.allclose(e.principal, 1000 / 3) and np.allclose(e.fee, 5.0)


def test_a_fee_of_half_a_cent_rounds_half_up() -> None:
    # 0.5 % of 999.99 = 4.99995 -> 5.00; principal 999.99 / 6 = 166.665 -> 166.66 x 5, last 166.69
    s = instalment_schedule(999.99, 6, "flat_fee", 0.005, cents=True)
    assert list(s.fee) == [5.0] * 6
    assert list(s.principal) == [166.66] * 5 + [166.69]


def test_level_payment_in_cents_against_numpy_financial() -> None:
    # 10,000 at 12 % over 12 months: pmt = 888.4878868... -> 888.49
    s = instalment_schedule(10_000.0, 12, "level_payment", 0.12, cents=True)
    pmt = round(-npf.pmt(0.01, 12, 10_000.0), 2)
    assert pmt == 888.49
    assert list(s.payment[:-1]) == [pmt] * 11
    assert s.fee[0] == 100.0 and s.principal[0] == 788.49  # 1 % of 10,000; 888.49 - 100.00
    # a plain loop in decimal cents gives every line
    bal = Decimal("10000.00")
    for k in range(12):
        interest = (bal * Decimal("0.01")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        principal = bal if k == 11 else Decimal("888.49") - interest
        assert float(interest) == s.fee[k] and float(principal) == s.principal[k]
        bal -= principal
    assert round(float(s.principal.sum()), 2) == 10_000.0 and s.balance[-1] == 0.0
    # and the exact schedule is numpy-financial's
    e = instalment_schedule(10_000.0, 12, "level_payment", 0.12)
    per = np.arange(1, 13)
    assert np.allclose(e.principal, -npf.ppmt(0.01, per, 12, 10_000.0), atol=1e-9)
    assert np.allclose(e.fee, -npf.ipmt(0.01, per, 12, 10_000.0), atol=1e-9)


def test_equal_principal_and_bullet_in_cents() -> None:
    # 1,000 at 12 % over 3: principal 333.33, 333.33, 333.34; interest 1 % of 1000, 666.67, 333.34
    s = instalment_schedule(1000.0, 3, "equal_principal", 0.12, cents=True)
    assert list(s.principal) == [333.33, 333.33, 333.34]
    assert list(s.fee) == [10.0, 6.67, 3.33]  # 6.6667 -> 6.67; 3.3334 -> 3.33
    b = instalment_schedule(600.0, 1, "bullet", 0.0, cents=True)
    assert list(b.principal) == [600.0] and list(b.fee) == [0.0]
    b3 = instalment_schedule(600.0, 3, "bullet", 0.01, cents=True)
    assert list(b3.principal) == [0.0, 0.0, 600.0] and list(b3.fee) == [6.0, 6.0, 6.0]


@pytest.mark.parametrize("product", ["flat_fee", "level_payment", "equal_principal", "bullet"])
def test_principal_sums_to_the_loan_in_cents_for_every_product(product: str) -> None:
    for principal, n in ((1234.57, 7), (0.05, 12), (99_999.99, 24)):
        s = instalment_schedule(principal, n, product, 0.011, cents=True)
        assert abs(float(s.principal.sum()) - principal) <= 1e-9 * max(1.0, principal)
        assert np.allclose(s.principal * 100, np.round(s.principal * 100), rtol=0, atol=1e-6)  # whole cents
        assert s.balance[-1] == 0.0 and np.all(s.principal >= 0)
        e = instalment_schedule(principal, n, product, 0.011)
        assert np.all(np.abs(np.cumsum(s.principal) - np.cumsum(e.principal)) <= 0.01 * n + CENT)


def test_bad_inputs_name_the_argument() -> None:
    with pytest.raises(AbsModelError, match="product"):
        instalment_schedule(100.0, 3, "mortgage", 0.01)
    with pytest.raises(AbsModelError, match="rate"):
        instalment_schedule(100.0, 3, "flat_fee", 6.0)
    with pytest.raises(AbsModelError, match="n: must be"):
        instalment_schedule(100.0, 0, "flat_fee", 0.01)


def one_by_one(product: str, n: int, principal: float, original: float, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(balance after k, cumulative fee) for k = 0..n from the decimal schedule of one receivable."""
    s = instalment_schedule(principal, n, product, rate if product not in ("flat_fee", "bullet") else 0.0, cents=True)
    fee = s.fee
    if product in ("flat_fee", "bullet"):  # the flat fee is on the original principal
        fee = np.full(n, float((Decimal(repr(rate)) * Decimal(repr(original))).quantize(Decimal("0.01"), ROUND_HALF_UP)))
    return np.concatenate([[principal], s.balance]), np.concatenate([[0.0], np.cumsum(fee)])


LOANS = [
    # (product, n, current principal, original principal, rate)
    ("flat_fee", 3, 1000.0, 1000.0, 0.005),
    ("flat_fee", 7, 1234.57, 2000.0, 0.0075),
    ("flat_fee", 12, 999.99, 999.99, 0.005),
    ("level_payment", 12, 10_000.0, 10_000.0, 0.12),
    ("level_payment", 24, 55_555.55, 60_000.0, 0.18),
    ("level_payment", 5, 0.05, 0.05, 0.15),
    ("level_payment", 6, 1000.0, 1000.0, 0.0),
    ("equal_principal", 3, 1000.0, 1000.0, 0.12),
    ("equal_principal", 11, 7777.77, 9000.0, 0.099),
    ("bullet", 1, 600.0, 600.0, 0.0),
    ("bullet", 3, 600.0, 600.0, 0.01),
]


def test_billed_schedules_equal_the_decimal_schedule_of_each_receivable_and_sum_per_line() -> None:
    from abs_model.core.instalments import billed_schedules
    from abs_model.core.products import Product

    product = np.array([int(Product.from_key(p)) for p, *_ in LOANS])
    n = np.array([ln[1] for ln in LOANS])
    cur = np.array([ln[2] for ln in LOANS])
    orig = np.array([ln[3] for ln in LOANS])
    rate = np.array([ln[4] for ln in LOANS])
    flat = np.where(np.isin(product, [int(Product.FLAT_FEE), int(Product.BULLET)]), rate * orig, 0.0)
    b = billed_schedules(product=product, n=n, balance=cur, rate=rate, flat_fee=flat)
    for i, (p, k, c, o, r) in enumerate(LOANS):
        bal, fee = one_by_one(p, k, c, o, r)
        np.testing.assert_allclose(b.balance[i, : k + 1], bal, rtol=0, atol=1e-9, err_msg=f"{p} balance")
        np.testing.assert_allclose(b.fee[i, : k + 1], fee, rtol=0, atol=1e-9, err_msg=f"{p} fee")
        assert np.all(b.balance[i, k:] == 0.0) and np.all(b.fee[i, k:] == b.fee[i, k])  # flat after n
    # the same receivables summed into two lines: each line's table is the sum of its receivables'
    line = np.arange(len(LOANS)) % 2
    two = billed_schedules(product=product, n=n, balance=cur, rate=rate, flat_fee=flat, line=line, lines=2)
    for j in (0, 1):
        np.testing.assert_allclose(two.balance[j], b.balance[line == j].sum(0), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(two.fee[j], b.fee[line == j].sum(0), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("product", ["flat_fee", "level_payment", "equal_principal", "bullet"])
def test_a_seasoned_receivable_on_its_bill_continues_the_original_schedule(product: str) -> None:
    from abs_model.core.instalments import billed_schedules
    from abs_model.core.products import Product

    rate = 0.0075 if product in ("flat_fee", "bullet") else 0.18
    for original, term, paid in ((100.0, 7, 4), (1234.56, 12, 5), (99_999.99, 24, 23), (0.05, 3, 1)):
        bill = instalment_schedule(original, term, product, 0.0 if product in ("flat_fee", "bullet") else rate, cents=True)
        current = float(bill.balance[paid - 1])
        if current == 0.0:
            continue
        n = term - paid
        flat = rate * original if product in ("flat_fee", "bullet") else 0.0
        b = billed_schedules(product=np.array([int(Product.from_key(product))]), n=np.array([n]), balance=np.array([current]),
                             rate=np.array([rate]), flat_fee=np.array([flat]), original_balance=np.array([original]),
                             original_term=np.array([term]))
        # the rest of the original bill, instalment by instalment
        np.testing.assert_allclose(-np.diff(b.balance[0]), bill.principal[paid:], rtol=0, atol=1e-9)
        if product not in ("flat_fee", "bullet"):
            np.testing.assert_allclose(np.diff(b.fee[0]), bill.fee[paid:], rtol=0, atol=1e-9)

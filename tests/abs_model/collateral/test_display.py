"""``print(pool)`` and ``print(pool.summary())``: a few readable lines, worked by hand on 3 loans."""

from __future__ import annotations

import re

import numpy as np
import numpy_financial as npf

import abs_model as am


def three_loans() -> am.Pool:
    """Balances 1,000 / 3,000 (flat fee 0.5 % and 0.8 % a period) and 6,000 (level payment, 12 % a
    year, 1 bucket late): WA fee rate = (1,000 × 0.5 % + 3,000 × 0.8 %) / 4,000 = 0.725 %."""
    return am.Pool.from_arrays(
        loan_id=["a", "b", "c"],
        original_principal=[1_200.0, 3_000.0, 6_000.0],
        current_principal=[1_000.0, 3_000.0, 6_000.0],
        original_term=[12, 6, 24],
        remaining_term=[10, 6, 12],
        product=["flat_fee", "flat_fee", "level_payment"],
        rate=[0.005, 0.008, 0.12],
        bucket=[0, 0, 1],
        cutoff_date=np.datetime64("2026-06-30"),
    )


def test_print_pool_is_short_and_readable() -> None:
    text = repr(three_loans())
    lines = text.splitlines()
    assert lines[0] == "Pool of 3 receivables"
    assert "  Balance: 10,000.00" in lines
    assert f"  WA fee per period (flat-fee products): {(1_000 * 0.005 + 3_000 * 0.008) / 4_000:.2%}" in lines
    assert "  WA annual interest rate (rate-based products): 12.00%" in lines
    # APR by IRR: 12 × IRR of (−1, 12 × (1/12 + 0.5 %)) for a, of (−1, 6 × (1/6 + 0.8 %)) for b,
    # the nominal 12 % for c (an annuity's IRR is its monthly rate)
    apr_a = 12 * npf.rate(12, 1 / 12 + 0.005, -1, 0)
    apr_b = 12 * npf.rate(6, 1 / 6 + 0.008, -1, 0)
    assert f"  WA APR by IRR (all products): {(1_000 * apr_a + 3_000 * apr_b + 6_000 * 0.12) / 10_000:.2%}" in lines
    # (1,000 × 10 + 3,000 × 6 + 6,000 × 12) / 10,000 = 10.00 months
    assert "  WA remaining term, months: 10.00" in lines
    assert "  Delinquent share (balance): 60.00%" in lines
    assert "  Products: flat_fee 40.0%, level_payment 60.0%" in lines
    assert len(lines) < 12 and "[" not in text and "e+" not in text


def test_big_pool_prints_without_arrays_or_scientific_notation() -> None:
    pool = am.synthetic_pool(n=20_000, seed=3)
    for text in (repr(pool), repr(pool.summary()), pool._repr_html_(), pool.summary()._repr_html_()):
        assert "e+" not in text and "e-0" not in text and "array(" not in text
        assert len(text.splitlines()) < 25
    assert re.search(r"^  Receivables +20,000$", repr(pool.summary()), re.MULTILINE)

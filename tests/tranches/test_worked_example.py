"""The worked example of docs/waterfall_worked_example.md, pinned to the cent.

Pool 1,000,000; class A (senior) 900,000 at 6 %, class B (subordinated) 100,000 with no coupon;
servicer fee 1.2 % a year of the pool balance; monthly payments, 30/360 on month-end dates, so
every accrual fraction is exactly 1/12. Waterfall: fee, A interest, principal sequentially A then B,
residual to B.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.tranches.support import month_ends, worked_example_structure
from tranches import LiabilityResult, Structure, run_liabilities

CENT = 0.005


def _run(structure: Structure) -> LiabilityResult:
    """The three periods of the worked example's collections through ``structure``."""
    return run_liabilities(
        structure,
        period_end_dates=month_ends(3),
        initial_pool_balance=1_000_000.0,
        interest_collected=[8_000.0, 4_500.0, 6_000.0],
        principal_collected=[100_000.0, 90_000.0, 80_000.0],
        recoveries=[0.0, 0.0, 3_000.0],
        new_defaults=[0.0, 10_000.0, 0.0],
        pool_balance_end=[900_000.0, 800_000.0, 720_000.0],
    )


@pytest.fixture(scope="module")
def result() -> LiabilityResult:
    return _run(worked_example_structure())


def test_fee_each_period(result) -> None:  # type: ignore[no-untyped-def]
    fee = result.fee_frame("servicer")
    # 1.2 % / 12 of the pool at the start: 1,000,000 → 1,000; 900,000 → 900; 800,000 → 800
    assert fee["accrued"].tolist() == pytest.approx([1_000.0, 900.0, 800.0], abs=CENT)
    assert fee["paid"].tolist() == pytest.approx([1_000.0, 900.0, 800.0], abs=CENT)
    assert fee["unpaid"].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=CENT)


def test_class_a(result) -> None:  # type: ignore[no-untyped-def]
    a = result.tranche_frame("A")
    # interest: 900,000 × 0.5 % = 4,500; 800,000 × 0.5 % = 4,000 (only 4,500 − 900 = 3,600 there:
    # shortfall 400); period 3: 710,000 × 0.5 % = 3,550 + 400 carried + 400 × 0.5 % = 2 → 3,952
    assert a["interest_due"].tolist() == pytest.approx([4_500.0, 4_000.0, 3_952.0], abs=CENT)
    assert a["interest_paid"].tolist() == pytest.approx([4_500.0, 3_600.0, 3_952.0], abs=CENT)
    assert a["interest_shortfall"].tolist() == pytest.approx([0.0, 400.0, 0.0], abs=CENT)
    # principal: all principal collections (plus recoveries 3,000 in period 3)
    assert a["principal_paid"].tolist() == pytest.approx([100_000.0, 90_000.0, 83_000.0], abs=CENT)
    assert a["balance_end"].tolist() == pytest.approx([800_000.0, 710_000.0, 627_000.0], abs=CENT)
    assert a["factor"].iloc[-1] == pytest.approx(627_000.0 / 900_000.0, abs=1e-12)


def test_class_b_writedown_and_residual(result) -> None:  # type: ignore[no-untyped-def]
    b = result.tranche_frame("B")
    # residual: 8,000 − 1,000 − 4,500 = 2,500; nothing in period 2; period 3 leaves
    # 6,000 − 800 − 3,952 = 1,248, which first repays the 10,000 written down in period 2
    assert b["residual_paid"].tolist() == pytest.approx([2_500.0, 0.0, 0.0], abs=CENT)
    assert b["principal_paid"].tolist() == pytest.approx([0.0, 0.0, 1_248.0], abs=CENT)
    # period 2: notes 710,000 + 100,000 = 810,000 > pool 800,000 → B written down 10,000;
    # period 3: −1,248 repaid (loss so far 8,752)
    assert b["writedown"].tolist() == pytest.approx([0.0, 10_000.0, -1_248.0], abs=CENT)
    assert b["balance_end"].tolist() == pytest.approx([100_000.0, 90_000.0, 90_000.0], abs=CENT)


def test_without_reimbursement_the_cash_is_residual() -> None:
    """``reimburse_writedowns=False``: the 1,248 of period 3 is residual, B's 10,000 stays lost."""
    r = _run(dataclasses.replace(worked_example_structure(), reimburse_writedowns=False))
    b = r.tranche_frame("B")
    assert b["residual_paid"].tolist() == pytest.approx([2_500.0, 0.0, 1_248.0], abs=CENT)
    assert b["writedown"].tolist() == pytest.approx([0.0, 10_000.0, 0.0], abs=CENT)


def test_ledger_balances_each_period(result) -> None:  # type: ignore[no-untyped-def]
    led = result.ledger_frame(0)
    p1 = led[led.period == 1].set_index("target")["amount"]
    assert p1["interest_account"] == pytest.approx(8_000.0)
    assert p1["fee:servicer"] == pytest.approx(1_000.0)
    assert p1["A:interest"] == pytest.approx(4_500.0)
    assert p1["A:principal"] == pytest.approx(100_000.0)
    assert p1["B:residual"] == pytest.approx(2_500.0)
    # every period all cash collected is paid out (nothing carried)
    acc = result.account_frame(0)
    assert acc["interest_account_end"].abs().max() < CENT
    assert acc["principal_account_end"].abs().max() < CENT
    assert acc["available_funds"].tolist() == pytest.approx([108_000.0, 94_500.0, 89_000.0])
    # the PDL: debited with the 10,000 of defaults in period 2; credited with the 3,000 recovered
    # in period 3 (they reach the principal pot and repay A); no cover_pdl step in this waterfall
    assert np.allclose(acc["pdl_debit"], [0.0, 10_000.0, 0.0])
    assert np.allclose(acc["pdl_credit"], [0.0, 0.0, 3_000.0])
    assert np.allclose(acc["pdl_end"], [0.0, 10_000.0, 7_000.0])
    # each period's statement reconciles on its own: begin + debit − credit = end
    assert np.allclose(acc["pdl_begin"], [0.0, 0.0, 10_000.0])
    assert np.allclose(acc["pdl_begin"] + acc["pdl_debit"] - acc["pdl_credit"], acc["pdl_end"])


def test_reimburse_writedowns_takes_true_or_false_only() -> None:
    with pytest.raises(ValueError, match="reimburse_writedowns: must be true or false"):
        dataclasses.replace(worked_example_structure(), reimburse_writedowns="no")  # type: ignore[arg-type]

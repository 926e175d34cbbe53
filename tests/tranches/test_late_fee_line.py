"""Late fees (违约金 / 罚息) the trust collects are a line of available funds of their own.

Worked example, one month, 30/360 (a full month is 1/12):
pool 1,000,000 → 900,000; interest collected 8,000, late fees collected 500, principal 100,000.
VAT 3.26 % on income (interest and late fees: 价外费用 taxed like interest) = 0.0326 × 8,500 = 277.10;
servicer 1.2 % a year on the pool at the start = 1,000.00; class A (800,000 at 6 %) interest
4,000.00; B (200,000 at 12 %) 2,000.00. Interest pot 8,500 − 277.10 − 1,000 − 4,000 − 2,000 =
1,222.90 of residual; principal 100,000 to A. Excess spread (accrual basis) = 8,000 + 500 − 277.10
− 1,000 − 6,000 = 1,222.90, 12 × 1,222.90 / 1,000,000 = 1.46748 % a year.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.tranches.support import month_ends
from tranches import Fee, Structure, Tax, Tranche, Waterfall, run_liabilities, steps

CENT = 0.005


def _structure() -> Structure:
    return Structure(
        tranches=(Tranche("A", 800_000.0, 0.06), Tranche("B", 200_000.0, 0.12, tranche_class="subordinated")),
        fees=(Tax("vat", 0.0326), Fee("servicer", basis="pool_balance", rate=0.012)),
        waterfalls={
            "amortising": Waterfall(
                [
                    steps.PayTax("vat"),
                    steps.PayFee("servicer"),
                    steps.PayInterest(("A", "B")),
                    steps.PayPrincipal(("A", "B"), source="principal"),
                    steps.PayResidual(),
                ]
            )
        },
    )


def _run(late_fees: float):  # type: ignore[no-untyped-def]
    return run_liabilities(
        _structure(),
        period_end_dates=month_ends(1),
        initial_pool_balance=1_000_000.0,
        interest_collected=8_000.0,
        principal_collected=100_000.0,
        pool_balance_end=900_000.0,
        late_fees=late_fees,
    )


def test_late_fees_join_available_funds_as_their_own_line() -> None:
    r = _run(500.0)
    led = r.ledger_frame(0).set_index("step")
    assert led.loc["collect_interest", "amount"] == pytest.approx(8_000.0, abs=1e-9)  # interest without them
    assert led.loc["collect_late_fees", "amount"] == pytest.approx(500.0, abs=1e-9)
    assert led.loc["collect_late_fees", "source"] == "pool"
    assert led.loc["collect_late_fees", "target"] == "interest_account"
    assert r.fee("vat").paid[0, 0] == pytest.approx(277.10, abs=CENT)
    assert r.tranche("B").residual_paid[0, 0] == pytest.approx(1_222.90, abs=CENT)
    wide = r.frame(0)
    assert wide["available_funds"].iloc[0] == pytest.approx(108_500.0, abs=CENT)
    assert wide["late_fees_collected"].iloc[0] == pytest.approx(500.0, abs=CENT)
    es = r.excess_spread_frame(0)
    assert es["interest_collected"].iloc[0] == pytest.approx(8_000.0, abs=CENT)
    assert es["late_fees_collected"].iloc[0] == pytest.approx(500.0, abs=CENT)
    assert es["excess_spread"].iloc[0] == pytest.approx(1_222.90, abs=CENT)
    assert es["excess_spread_rate"].iloc[0] == pytest.approx(0.0146748, abs=1e-9)


def test_late_fees_zero_adds_no_ledger_row_and_moves_nothing() -> None:
    r = _run(0.0)
    assert "collect_late_fees" not in set(r.ledger_frame(0)["step"])
    assert r.fee("vat").paid[0, 0] == pytest.approx(0.0326 * 8_000.0, abs=CENT)
    assert r.tranche("B").residual_paid[0, 0] == pytest.approx(8_000.0 - 260.80 - 1_000.0 - 6_000.0, abs=CENT)
    assert float(r.frame(0)["late_fees_collected"].iloc[0]) == 0.0


def test_same_cash_as_interest_but_a_separate_line() -> None:
    """Paid as their own line, late fees move exactly the cash that the same amount of interest
    would (both are income), so every payment agrees; only the ledger's lines differ."""
    a = _run(500.0)
    b = run_liabilities(
        _structure(),
        period_end_dates=month_ends(1),
        initial_pool_balance=1_000_000.0,
        interest_collected=8_500.0,
        principal_collected=100_000.0,
        pool_balance_end=900_000.0,
    )
    for name in ("A", "B"):
        np.testing.assert_allclose(a.tranche(name).interest_paid, b.tranche(name).interest_paid, atol=1e-9)
        np.testing.assert_allclose(a.tranche(name).residual_paid, b.tranche(name).residual_paid, atol=1e-9)
    assert set(b.ledger_frame(0)["step"]) == set(a.ledger_frame(0)["step"]) - {"collect_late_fees"}


def test_negative_or_nan_late_fees_are_refused_with_the_path() -> None:
    from tranches import LiabilityError

    with pytest.raises(LiabilityError, match=r"late_fees\[0, 0\].*>= 0.*-1"):
        _run(-1.0)
    with pytest.raises(ValueError, match="late_fees"):
        _run(float("nan"))

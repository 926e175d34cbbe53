"""The originator's buy-back (赎回) of ineligible and restructured receivables, worked by hand.

The receivable: RMB 1,200 over 12 instalments, fee 0.6 % a period on the ORIGINAL principal
(等本等费): each instalment is 100.00 principal + 7.20 fee. Two are paid at cut-off (balance
1,000.00, 10 to go); it stays current. Each month 1 % of the performing balance is found
ineligible (``ineligible_rate = 0.01``) and bought back at 98 % of its balance (``price = 0.98``),
beside a prepayment SMM of 2 %.

Period 1: the instalment is paid (100.00 + 7.20); balance after it 900.00. Leaving:
1 − 0.98 × 0.99 = 2.98 %: prepayment 2 % × 900 = 18.00, buy-back 0.98 % × 900 = 8.82;
proceeds 0.98 × 8.82 = 8.6436, discount 0.1764 (a loss to the pool). Closing 900 × 0.9702 = 873.18.
With unearned fees charged in full on prepayment (9 fees of 7.20 left = 64.80), the prepayment
fee is 2 % × 64.80 = 1.296: the share bought back pays none.
Period 2: share 0.9702 pays 0.9702 × 107.20 = 104.00544; balance after 0.9702 × 800 = 776.16;
prepayment 2 % of it = 15.5232, buy-back 0.98 % = 7.606368.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import abs_model as am
from abs_model.assumptions.assumptions import Assumptions, RollRates
from abs_model.assumptions.buyback import BuyBack
from abs_model.assumptions.servicing import CollectionStrategy, Restructuring
from abs_model.collateral.pool import Pool
from abs_model.errors import AssumptionError

CENT = 0.005
BB = BuyBack(ineligible_rate=0.01, price=0.98)


def receivable() -> Pool:
    return Pool.from_arrays(
        loan_id=["bt-1"], original_principal=[1200.0], current_principal=[1000.0], original_term=[12],
        remaining_term=[10], product=["flat_fee"], rate=[0.006],
    )


def current_forever() -> RollRates:
    m = np.eye(8)
    return RollRates(m[None])


@pytest.mark.parametrize("convention", ["sifma", "roll_rate"])
def test_ineligible_share_is_bought_back_beside_prepayment(convention: str) -> None:
    kw = {"roll_rates": current_forever()} if convention == "roll_rate" else {}
    a = Assumptions.make(smm=0.02, buy_back=BB, unearned_fee="full", **kw)  # type: ignore[arg-type]
    cf = am.project(receivable(), a)
    assert all(c.passed for c in cf.checks)
    f = cf.frame
    assert f.loc[1, ["scheduled_principal", "fee_interest", "prepayment", "repurchases"]].tolist() == pytest.approx(
        [100.0, 7.20, 18.00, 8.82], abs=1e-9
    )
    assert f.loc[1, "repurchases_ineligible"] == pytest.approx(8.82, abs=1e-9)
    assert f.loc[1, "repurchase_proceeds"] == pytest.approx(8.6436, abs=1e-9)
    assert f.loc[1, "repurchase_loss"] == pytest.approx(0.1764, abs=1e-9)
    assert f.loc[1, "prepayment_fee"] == pytest.approx(1.296, abs=1e-9)
    assert f.loc[1, "closing_balance"] == pytest.approx(873.18, abs=1e-9)
    # the proceeds, not the balance, are principal collected
    assert f.loc[1, "principal_collections"] == pytest.approx(100.0 + 18.0 + 8.6436, abs=1e-9)
    assert f.loc[2, ["scheduled_principal", "prepayment", "repurchases"]].tolist() == pytest.approx(
        [97.02, 15.5232, 7.606368], abs=1e-9
    )
    assert f.loc[2, "fee_interest"] == pytest.approx(0.9702 * 7.20, abs=1e-9)
    # the realised SMM is still the input: the buy-back is not a prepayment
    assert f.loc[1:3, "smm"].tolist() == pytest.approx([0.02] * 3, abs=1e-12)


def test_rate_zero_reproduces_the_projection_without_buy_back() -> None:
    plain = am.project(receivable(), Assumptions.make(smm=0.02)).frame
    # make() refuses a price that applies to nothing; built directly, it must still change nothing
    zero = am.project(receivable(), dataclasses.replace(Assumptions.make(smm=0.02), buy_back=BuyBack(price=0.5))).frame
    for col in plain.columns:
        np.testing.assert_array_equal(zero[col].to_numpy(), plain[col].to_numpy(), err_msg=col)


def test_restructured_receivables_bought_back_at_a_price() -> None:
    """The deal rule buys restructured receivables back on entry; at 90 % the originator pays
    900.00 for the 1,000.00 balance and the pool loses 100.00 (stated, not a default)."""
    moves = np.zeros((8, 8))
    for i in range(7):
        moves[i, i + 1] = 1.0
    moves[7, 7] = 1.0
    keep = np.eye(8)
    rr = RollRates(np.stack([keep, keep, moves, moves, keep]))  # M0 → M1 → M2 in periods 1–2
    s = CollectionStrategy("b", restructuring=Restructuring(take_up={2: 1.0}, buy_back=True))
    f = am.project(receivable(), Assumptions.make(roll_rates=rr, collections=s, buy_back=BuyBack(price=0.9))).frame
    assert f.loc[3, ["repurchases", "repurchase_proceeds", "repurchase_loss"]].tolist() == pytest.approx([1000.0, 900.0, 100.0], abs=CENT)
    assert f.loc[3, "repurchases_ineligible"] == 0.0
    assert f.loc[3, "principal_collections"] == pytest.approx(900.0, abs=CENT)
    assert f.loc[3, "defaults"] == 0.0
    assert f.loc[3:, "closing_balance"].abs().max() == pytest.approx(0.0, abs=CENT)


def test_buy_back_terms_are_validated_with_the_path() -> None:
    with pytest.raises(AssumptionError, match=r"buy_back\.ineligible_rate: must be a monthly share in \[0, 1\]; got 2 .*decimals"):
        BuyBack(ineligible_rate=2)
    with pytest.raises(AssumptionError, match=r"buy_back\.price: .*got -0\.1"):
        BuyBack(price=-0.1)
    with pytest.raises(AssumptionError, match=r"buy_back: unknown key\(s\) \['rate'\]"):
        Assumptions.make(buy_back={"rate": 0.01})
    with pytest.raises(AssumptionError, match=r"buy_back: must be an abs_model\.BuyBack or a mapping; got float"):
        Assumptions.make(buy_back=0.01)  # type: ignore[arg-type]

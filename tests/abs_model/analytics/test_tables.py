"""Decrement and price/yield tables on tiny deals worked by hand.

- Equal-principal receivables (等额本金) at rate 0, term 12, no defaults, one class equal to the
  pool: with no prepayment the class amortises exactly as the pool's schedule,
  ``outstanding_k = 1 − k/12``.
- Zero-default bullet receivables paying a fee ``f`` per period on the original principal, one
  class of the whole pool with coupon ``12 f`` (30/360, monthly): the class gets ``f`` of its
  balance every month and its principal at month 12 — a non-amortising monthly-pay bond, so at
  par its monthly-compounded yield is the coupon, and at yield = coupon its price is par.
"""

from __future__ import annotations

import numpy as np
import pytest

import abs_model as am
import tranches as tr
from abs_model.analytics.tables import decrement_table, price_yield_table
from abs_model.core.yields import price_from_yield

BAL = 1_200.0


def one_class_deal(product: str, fee: float, coupon: float) -> am.Deal:
    pool = am.Pool.from_arrays(
        loan_id=["a", "b", "c"],
        original_principal=[BAL / 3] * 3,
        current_principal=[BAL / 3] * 3,
        original_term=[12] * 3,
        remaining_term=[12] * 3,
        product=[product] * 3,
        rate=[fee] * 3,
        bucket=[0] * 3,
        cutoff_date="2026-06-30",
    )
    structure = tr.Structure(
        tranches=(tr.Tranche("A", BAL, coupon, tranche_class="senior"),),
        waterfalls={"amortising": tr.Waterfall([tr.steps.PayInterest(("A",)), tr.steps.PayPrincipal(("A",)), tr.steps.PayResidual()])},
    )
    return am.Deal(
        name="one class",
        pool=pool,
        structure=structure,
        cutoff_date=np.datetime64("2026-06-30"),
        periods=12,
        assumptions=am.Assumptions.make(cpr=0.3),
    )


def test_decrement_at_zero_prepayment_is_the_schedule() -> None:
    t = decrement_table(one_class_deal("equal_principal", 0.0, 0.0), "A", speeds=(0.0, 1.0, 2.0))
    k = np.arange(13)
    np.testing.assert_allclose(t.frame["0x"].to_numpy(), 1.0 - k / 12.0, atol=1e-12)
    assert t.frame.index[0] == 0 and str(t.frame["date"].iloc[1])[:10] == "2026-07-31"
    # faster prepayment: never more outstanding
    assert (t.frame["2x"] <= t.frame["1x"] + 1e-12).all() and (t.frame["1x"] <= t.frame["0x"] + 1e-12).all()
    assert t.footer.loc["wal_years", "0x"] == pytest.approx(np.arange(1, 13).mean() / 12.0)
    assert t.footer.loc["principal_window", "0x"] == "1–12"


def test_price_at_coupon_yield_is_par_for_a_bullet_bond() -> None:
    f = 0.005
    coupon = 12 * f
    d = one_class_deal("bullet", f, coupon)
    t = price_yield_table(d, "A", prices=(0.99, 1.0, 1.01), speeds=(0.0,), compounding="monthly")
    assert t.frame.loc[1.0, "0x"] == pytest.approx(coupon, abs=1e-9)
    assert t.frame.loc[0.99, "0x"] > coupon > t.frame.loc[1.01, "0x"]
    res = am.run(d, prepay_mult=0.0)
    cf = (res.tranches["A"]["interest_paid"] + res.tranches["A"]["principal_paid"]).to_numpy()
    assert price_from_yield(coupon, cf, balance=BAL, compounding="monthly") == pytest.approx(1.0, abs=1e-12)
    assert t.footer.loc["wal_years", "0x"] == pytest.approx(1.0)
    assert t.footer.loc["loss_pct", "0x"] == 0.0


def test_tables_name_bad_inputs() -> None:
    d = one_class_deal("bullet", 0.005, 0.06)
    with pytest.raises(am.AbsModelError, match="tranche"):
        decrement_table(d, "Z")
    with pytest.raises(am.AbsModelError, match="speeds"):
        decrement_table(d, "A", speeds=(-1.0,))
    with pytest.raises(am.AbsModelError, match="prices"):
        price_yield_table(d, "A", prices=(0.0,))

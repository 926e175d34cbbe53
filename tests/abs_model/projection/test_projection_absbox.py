"""The ``absbox`` convention (Hastructure's order for instalment pools): a 3-period 等本等费
example worked from the formula text, the plain per-loan loop, rep-line = loan-level, the pool
roll-forward every period, and the realised rates equal the inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abs_model.assumptions.assumptions import Assumptions, RollRates
from abs_model.collateral.pool import Pool
from abs_model.errors import AssumptionError
from abs_model.projection.engine import project
from tests.abs_model.projection.absbox_reference import COLUMNS, absbox_reference

CENT = 0.005
REL = 1e-9
PRODUCTS = ("flat_fee", "level_payment", "equal_principal", "bullet")


def flat_fee_loan() -> Pool:
    """RMB 1,200 等本等费 over 3 instalments, fee 0.6 % a period on the original 1,200."""
    return Pool.from_arrays(
        loan_id=["a"],
        original_principal=[1200.0],
        current_principal=[1200.0],
        original_term=[3],
        remaining_term=[3],
        product=["flat_fee"],
        rate=[0.006],
    )


def test_three_period_flat_fee_by_hand() -> None:
    # Period 1 by hand: PB(0) = 1,200; defaults D = 2 % × 1,200 = 24; prepayment on the
    # survivors P = 5 % × 1,176 = 58.80; survival factor φ = (1,176 − 58.80) / 1,200 = 0.931;
    # principal = φ × 400 = 372.40; fee = φ × 7.20 = 6.7032; closing = 1,117.20 − 372.40 = 744.80.
    f = project(flat_fee_loan(), Assumptions.make(smm=0.05, mdr=0.02, convention="absbox")).frame
    assert f.loc[1, "defaults"] == pytest.approx(24.0, abs=1e-9)
    assert f.loc[1, "prepayment"] == pytest.approx(58.8, abs=1e-9)
    assert f.loc[1, "scheduled_principal"] == pytest.approx(372.4, abs=1e-9)
    assert f.loc[1, "fee_interest"] == pytest.approx(6.7032, abs=1e-9)
    assert f.loc[1, "closing_balance"] == pytest.approx(744.8, abs=1e-9)
    # periods 1..3 from the formula text, a plain loop over the contractual schedule
    sched, fee, pb = [1200.0, 800.0, 400.0, 0.0], 0.006 * 1200.0, 1200.0
    for t in (1, 2, 3):
        d = 0.02 * pb
        p = 0.05 * (pb - d)
        phi = (pb - d - p) / sched[t - 1]
        prin = phi * (sched[t - 1] - sched[t])
        assert f.loc[t, "opening_balance"] == pytest.approx(pb, abs=1e-9)
        assert f.loc[t, "defaults"] == pytest.approx(d, abs=1e-9)
        assert f.loc[t, "prepayment"] == pytest.approx(p, abs=1e-9)
        assert f.loc[t, "scheduled_principal"] == pytest.approx(prin, abs=1e-9)
        assert f.loc[t, "fee_interest"] == pytest.approx(phi * fee, abs=1e-9)
        pb = pb - d - p - prin
        assert f.loc[t, "closing_balance"] == pytest.approx(pb, abs=1e-9)
    assert pb == pytest.approx(0.0, abs=1e-9)


def test_result_states_the_convention() -> None:
    cf = project(flat_fee_loan(), Assumptions.make(smm=0.05, mdr=0.02, convention="absbox"))
    assert cf.convention == "absbox"
    assert Assumptions.make(smm=0.05, mdr=0.02).convention == "sifma"


def test_absbox_differs_from_sifma_by_the_prepaid_shares_instalment() -> None:
    # same pool, same rates: absbox prepays before the instalment, sifma after it, so absbox's
    # period-1 prepayment exceeds sifma's by SMM × survivors × the instalment's principal share
    a = dict(smm=0.05, mdr=0.02)
    ab = project(flat_fee_loan(), Assumptions.make(**a, convention="absbox")).frame
    sf = project(flat_fee_loan(), Assumptions.make(**a)).frame
    assert ab.loc[1, "defaults"] == pytest.approx(sf.loc[1, "defaults"], abs=1e-9)
    # sifma: P = SMM × PB(0) × S(1)/S(0) = 0.05 × 1,200 × 2/3 = 40.00
    assert sf.loc[1, "prepayment"] == pytest.approx(40.0, abs=1e-9)
    assert ab.loc[1, "prepayment"] - sf.loc[1, "prepayment"] == pytest.approx(58.8 - 40.0, abs=1e-9)


@st.composite
def loan_sets(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(1, 8))
    loans = []
    for i in range(n):
        term = draw(st.sampled_from([1, 3, 6, 12, 24]))
        rem = draw(st.integers(1, term))
        product = draw(st.sampled_from(PRODUCTS))
        orig = draw(st.floats(100, 50_000))
        cur = orig * rem / term if product != "bullet" else orig
        rate = draw(st.floats(0, 0.012)) if product in ("flat_fee", "bullet") else draw(st.sampled_from([0.0, 0.12, 0.18]))
        loans.append(dict(loan_id=f"L{i}", original_principal=orig, current_principal=cur, original_term=term,
                          remaining_term=rem, product=product, rate=rate, bucket=0))
    return loans


def to_pool(loans: list[dict]) -> Pool:
    keys = ("loan_id", "original_principal", "current_principal", "original_term", "remaining_term", "product", "rate")
    return Pool.from_arrays(**{k: [ln[k] for ln in loans] for k in keys})  # type: ignore[arg-type]


@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loan_sets(), st.floats(0, 0.3), st.floats(0, 0.2), st.sampled_from(["waived", "full", "one_period"]))
def test_engine_equals_per_loan_loop_and_repline_equals_loan(loans: list[dict], smm: float, mdr: float, fee: str) -> None:
    pool = to_pool(loans)
    a = Assumptions.make(smm=smm, mdr=mdr, unearned_fee=fee, convention="absbox")  # type: ignore[arg-type]
    rep = project(pool, a).frame
    loan = project(pool, a, level="loan").frame
    horizon = len(rep) - 1
    ref = absbox_reference(loans, smm=smm, mdr=mdr, horizon=horizon, unearned_fee=fee)
    scale = max(1.0, float(pool.current_principal.sum()))
    for col in COLUMNS:
        np.testing.assert_allclose(rep[col].to_numpy()[1:], ref[col][1:], rtol=REL, atol=REL * scale, err_msg=col)
        np.testing.assert_allclose(loan[col].to_numpy()[1:], rep[col].to_numpy()[1:], rtol=REL, atol=REL * scale, err_msg=col)


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loan_sets(), st.floats(0, 0.5), st.floats(0, 0.5))
def test_roll_forward_and_realised_rates(loans: list[dict], cpr: float, cdr: float) -> None:
    pool = to_pool(loans)
    f = project(pool, Assumptions.make(cpr=cpr, cdr=cdr, convention="absbox")).frame.iloc[1:]
    scale = max(1.0, float(pool.current_principal.sum()))
    # opening = closing + scheduled principal + prepayment + defaults, every period
    lhs = f["opening_balance"].to_numpy()
    rhs = (f["closing_balance"] + f["scheduled_principal"] + f["prepayment"] + f["defaults"]).to_numpy()
    np.testing.assert_allclose(lhs, rhs, rtol=0, atol=REL * scale)
    live = f["opening_balance"].to_numpy() > 1e-6 * scale
    smm = 1 - (1 - cpr) ** (1 / 12)
    mdr = 1 - (1 - cdr) ** (1 / 12)
    base = f["opening_balance"].to_numpy()[live]
    np.testing.assert_allclose(f["defaults"].to_numpy()[live] / base, mdr, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(f["prepayment"].to_numpy()[live] / f["prepay_base"].to_numpy()[live], smm, rtol=1e-9, atol=1e-12)


def test_convention_name_is_checked() -> None:
    with pytest.raises(AssumptionError, match=r"convention: must be one of .*absbox.*; got 'hastructure'"):
        Assumptions.make(cdr=0.02, convention="hastructure")
    rr = RollRates.simple(roll=[0.02, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0])
    with pytest.raises(AssumptionError, match="convention: roll_rates drive the 'roll_rate' convention only"):
        Assumptions.make(roll_rates=rr, convention="absbox")
    with pytest.raises(AssumptionError, match="convention: 'roll_rate' needs roll_rates"):
        Assumptions.make(cdr=0.02, convention="roll_rate")
    assert Assumptions.make(roll_rates=rr, convention="roll_rate").convention == "roll_rate"

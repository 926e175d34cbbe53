"""Schedules billed in cents (``Assumptions.make(rounding="cents")``) through the projection:
worked by hand, the 等额本息 case against numpy-financial's ``pmt`` rounded to the cent, the per-loan
loop over decimal schedules, and rep-line = loan-level under every convention."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abs_model.assumptions.assumptions import Assumptions, RollRates
from abs_model.collateral.pool import Pool
from abs_model.core.instalments import instalment_schedule
from abs_model.errors import AssumptionError
from abs_model.projection.engine import project
from tests.abs_model.projection.absbox_reference import COLUMNS, absbox_reference

REL = 1e-9
PRODUCTS = ("flat_fee", "level_payment", "equal_principal", "bullet")


def one(product: str, principal: float, term: int, rate: float) -> Pool:
    return Pool.from_arrays(
        loan_id=["a"],
        original_principal=[principal],
        current_principal=[principal],
        original_term=[term],
        remaining_term=[term],
        product=[product],
        rate=[rate],
    )


def test_rmb_1000_over_3_periods_bills_333_33_333_33_333_34() -> None:
    for product in ("flat_fee", "equal_principal"):
        f = project(one(product, 1000.0, 3, 0.005 if product == "flat_fee" else 0.12), Assumptions.make(rounding="cents")).frame
        assert f.loc[1:3, "scheduled_principal"].tolist() == pytest.approx([333.33, 333.33, 333.34], abs=1e-9)
        assert f.loc[1:3, "closing_balance"].tolist() == pytest.approx([666.67, 333.34, 0.0], abs=1e-9)
    # exact (the default): a third each
    f = project(one("flat_fee", 1000.0, 3, 0.005), Assumptions.make()).frame
    assert f.loc[1:3, "scheduled_principal"].tolist() == pytest.approx([1000 / 3] * 3, abs=1e-9)
    # 等额本金 interest in cents: 1 % of 1,000.00, 666.67, 333.34 -> 10.00, 6.67, 3.33
    f = project(one("equal_principal", 1000.0, 3, 0.12), Assumptions.make(rounding="cents")).frame
    assert f.loc[1:3, "fee_interest"].tolist() == pytest.approx([10.0, 6.67, 3.33], abs=1e-9)


def test_level_payment_against_numpy_financial_pmt_rounded() -> None:
    # 等额本息 10,000 at 12 % over 12: payment npf.pmt rounded half-up to the cent = 888.49;
    # each month interest = 1 % of the balance rounded, principal = 888.49 − interest, the last
    # month repays the balance left.
    pmt = Decimal(repr(float(-npf.pmt(0.01, 12, 10_000.0)))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert pmt == Decimal("888.49")
    f = project(one("level_payment", 10_000.0, 12, 0.12), Assumptions.make(rounding="cents")).frame
    bal = Decimal("10000.00")
    for t in range(1, 13):
        interest = (bal * Decimal("0.01")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        principal = bal if t == 12 else pmt - interest
        bal -= principal
        assert f.loc[t, "fee_interest"] == pytest.approx(float(interest), abs=1e-9)
        assert f.loc[t, "scheduled_principal"] == pytest.approx(float(principal), abs=1e-9)
        assert f.loc[t, "closing_balance"] == pytest.approx(float(bal), abs=1e-9)
    assert f.loc[1:11, "scheduled_principal"].add(f.loc[1:11, "fee_interest"]).tolist() == pytest.approx([888.49] * 11, abs=1e-9)


def test_rounding_is_checked() -> None:
    with pytest.raises(AssumptionError, match=r"rounding: must be one of \['exact', 'cents'\]; got 'cent'"):
        Assumptions.make(rounding="cent")


@st.composite
def loan_sets(draw: st.DrawFn, *, seasoned: bool = True) -> list[dict]:
    loans = []
    for i in range(draw(st.integers(1, 8))):
        term = draw(st.sampled_from([1, 3, 6, 12, 24]))
        rem = draw(st.integers(1, term)) if seasoned else term
        product = draw(st.sampled_from(PRODUCTS))
        orig = draw(st.integers(100, 5_000_000)) / 100.0  # whole cents
        cur = round(orig * rem / term, 2) if product != "bullet" else orig
        rate = draw(st.sampled_from([0.0, 0.005, 0.0075, 0.012])) if product in ("flat_fee", "bullet") else draw(st.sampled_from([0.0, 0.12, 0.18, 0.2399]))
        bucket = draw(st.integers(0, 3)) if seasoned else 0
        loans.append(dict(loan_id=f"L{i}", original_principal=orig, current_principal=cur, original_term=term,
                          remaining_term=rem, product=product, rate=rate, bucket=bucket))
    return loans


def to_pool(loans: list[dict]) -> Pool:
    keys = ("loan_id", "original_principal", "current_principal", "original_term", "remaining_term", "product", "rate", "bucket")
    return Pool.from_arrays(**{k: [ln[k] for ln in loans] for k in keys})  # type: ignore[arg-type]


def decimal_schedule(product: str, n: int, balance: float, original: float, rate: float) -> tuple[list[float], list[float]]:
    """Each loan's instalments from the decimal billing of core/instalments (flat fee on the original)."""
    flat = product in ("flat_fee", "bullet")
    s = instalment_schedule(balance, n, product, 0.0 if flat else rate, cents=True)
    fee = [float((Decimal(repr(rate)) * Decimal(repr(original))).quantize(Decimal("0.01"), ROUND_HALF_UP))] * n if flat else list(s.fee)
    return list(s.principal), fee


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loan_sets(seasoned=False), st.floats(0, 0.3), st.floats(0, 0.2), st.sampled_from(["waived", "full", "one_period"]))
def test_engine_in_cents_equals_a_per_loan_loop_over_decimal_schedules(loans: list[dict], smm: float, mdr: float, fee: str) -> None:
    pool = to_pool(loans)
    a = Assumptions.make(smm=smm, mdr=mdr, unearned_fee=fee, convention="absbox", rounding="cents")  # type: ignore[arg-type]
    rep = project(pool, a).frame
    ref = absbox_reference(loans, smm=smm, mdr=mdr, horizon=len(rep) - 1, unearned_fee=fee, schedule=decimal_schedule)
    scale = max(1.0, float(pool.current_principal.sum()))
    for col in COLUMNS:
        np.testing.assert_allclose(rep[col].to_numpy()[1:], ref[col][1:], rtol=REL, atol=REL * scale, err_msg=col)


ROLL = RollRates.simple(roll=[0.03, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0], cure=[0.3, 0.2, 0.1, 0.05, 0.02, 0.0])


@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(loan_sets(), st.sampled_from(["sifma", "absbox", "roll_rate"]), st.sampled_from(["waived", "full", "one_period"]))
def test_repline_equals_loan_level_in_cents(loans: list[dict], convention: str, fee: str) -> None:
    pool = to_pool(loans)
    default = {"roll_rates": ROLL} if convention == "roll_rate" else {"cdr": 0.1}
    a = Assumptions.make(cpr=0.2, **default, unearned_fee=fee, convention=convention, rounding="cents")  # type: ignore[arg-type]
    rep = project(pool, a).frame
    loan = project(pool, a, level="loan")
    scale = max(1.0, float(pool.current_principal.sum()))
    for col in ("scheduled_principal", "prepayment", "fee_interest", "prepayment_fee", "defaults", "closing_balance"):
        np.testing.assert_allclose(loan.frame[col].to_numpy(), rep[col].to_numpy(), rtol=REL, atol=REL * scale, err_msg=col)
    # the loan-level closing balances add up to the pool's
    np.testing.assert_allclose(np.asarray(loan.line_balances).sum(0), rep["closing_balance"].to_numpy(), rtol=REL, atol=REL * scale)


def seasoned(current: float) -> Pool:
    return Pool.from_arrays(
        loan_id=["s"],
        original_principal=[100.0],
        current_principal=[current],
        original_term=[7],
        remaining_term=[3],
        product=["flat_fee"],
        rate=[0.0],
    )


def test_a_seasoned_receivable_keeps_billing_its_original_instalment() -> None:
    # RMB 100.00 over 7 is billed 14.28 six times and 14.32 last (100 − 6 × 14.28). After four
    # instalments it owes 42.88 over 3: the lender goes on billing 14.28, 14.28, 14.32 — not
    # 42.88 / 3 truncated (14.29, 14.29, 14.30).
    f = project(seasoned(42.88), Assumptions.make(rounding="cents")).frame
    assert f.loc[1:3, "scheduled_principal"].tolist() == pytest.approx([14.28, 14.28, 14.32], abs=1e-9)
    # a balance off the original bill (42.00 after 4 of 7) is billed afresh: 42.00 / 3 = 14.00
    f = project(seasoned(42.0), Assumptions.make(rounding="cents")).frame
    assert f.loc[1:3, "scheduled_principal"].tolist() == pytest.approx([14.0, 14.0, 14.0], abs=1e-9)

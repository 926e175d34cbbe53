"""The ``sifma`` convention of the projection engine against the SIFMA/BMA Standard Formulas'
printed default cash-flow tables (SF-22..SF-38, §C.6, Cash Flow A and B), transcribed in
``tests/abs_model/core/sifma_reference.py`` (months 1–48 and 337–360, column totals, performing
balance every 48 months).

The first tests compare the columns advancing does not touch (performing balance, new defaults,
voluntary prepayments, actual amortisation and interest: SF §C.3 NEW_DEF = PB(t−1)·MDR; ACT_AM =
(PB(t−1) − NEW_DEF)(1 − q); VOL = PB(t−1)·q·SMM; ACT_INT = (PB(t−1) − NEW_DEF)·r/12) with a
tolerance of one dollar. With ``advancing=True`` (the tables' own setting: P&I advanced, 12-month
lag, 20 % severity) every printed column is reproduced to the printed dollar (half a dollar).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import abs_model as am
from abs_model.assumptions.assumptions import Curve
from abs_model.core import rates
from tests.abs_model.core.sifma_reference import (
    CASH_FLOW_A,
    CASH_FLOW_B,
    SDA_MATRIX_CUM_DEFAULT_PCT,
    SDA_MATRIX_SDA_PCT,
    SDA_MATRIX_SETTING,
)
from tests.abs_model.projection.reference_loop import reference_project

PRINTED = 1.0  # whole dollars as printed, rounding carried through the running balance


def mortgage(setting: dict) -> am.Pool:
    return am.Pool.from_arrays(
        loan_id=["pool"],
        original_principal=[setting["balance"]],
        current_principal=[setting["balance"]],
        original_term=[setting["term"]],
        remaining_term=[setting["term"]],
        product=["level_payment"],
        rate=[setting["wac"]],
    )


def compare(frame, table: dict) -> None:
    first = table["first"]
    months = np.asarray(first["months"])
    pb = np.asarray(first["performing_balance"])  # PB(0) … PB(48)
    np.testing.assert_allclose(frame.loc[months, "opening_balance"], pb[:-1], atol=PRINTED)
    np.testing.assert_allclose(frame.loc[months, "closing_balance"], pb[1:], atol=PRINTED)
    np.testing.assert_allclose(frame.loc[months, "defaults"], first["new_defaults"], atol=PRINTED)
    np.testing.assert_allclose(frame.loc[months, "prepayment"], first["voluntary_prepayments"], atol=PRINTED)
    np.testing.assert_allclose(frame.loc[months, "scheduled_principal"], first["actual_amortization"], atol=PRINTED)
    np.testing.assert_allclose(frame.loc[months, "fee_interest"], first["actual_interest"], atol=PRINTED)
    last = table["last"]  # months 337–360, balances at the month end
    months = np.asarray(last["months"])
    np.testing.assert_allclose(frame.loc[months, "closing_balance"], last["performing_balance"], atol=PRINTED)
    np.testing.assert_allclose(frame.loc[months, "defaults"], last["new_defaults"], atol=PRINTED)
    np.testing.assert_allclose(frame.loc[months, "prepayment"], last["voluntary_prepayments"], atol=PRINTED)


def test_cash_flow_a_constant_one_percent_smm_and_mdr() -> None:
    s = CASH_FLOW_A["setting"]
    n, lag = s["term"], s["liquidation_lag"]
    # SF §C.3.j: no new defaults in the last `lag` months of the term
    mdr = np.where(np.arange(1, n + 1) <= n - lag, s["mdr"], 0.0)
    a = am.Assumptions.make(smm=s["smm"], mdr=Curve(mdr, "period"))
    compare(am.project(mortgage(s), a).frame, CASH_FLOW_A)


def test_cash_flow_b_150_psa_and_100_sda() -> None:
    s = CASH_FLOW_B["setting"]
    ages = np.arange(1, s["term"] + 1)
    cdr = rates.sda_to_cdr(s["sda"], ages, term=s["term"], liquidation_lag=s["liquidation_lag"])
    a = am.Assumptions.make(psa=s["psa"], cdr=Curve(cdr, "age"))
    compare(am.project(mortgage(s), a).frame, CASH_FLOW_B)


def test_realised_rates_equal_the_standard_curves() -> None:
    s = CASH_FLOW_B["setting"]
    f = am.project(mortgage(s), am.Assumptions.make(psa=1.5)).frame
    t = np.arange(1, 61)
    assert f.loc[t, "smm"].to_numpy() == pytest.approx(rates.cpr_to_smm(rates.psa_to_cpr(1.5, t)), rel=1e-12)


# --------------------------------------------------------------------------------------------
# Issue 10a: SF-20 §C.3.j — no new defaults in the last L months of each loan's term
# --------------------------------------------------------------------------------------------


def test_cash_flow_b_from_plain_sda_and_a_lag_stops_defaults_in_the_last_12_months() -> None:
    """``sda=1.0`` is the unmasked 100 % SDA curve; the 12-month recovery lag alone must stop new
    defaults in months 349–360 (printed 0 there, and the printed balances follow)."""
    s = CASH_FLOW_B["setting"]
    a = am.Assumptions.make(psa=s["psa"], sda=s["sda"], recovery_rate=1 - s["severity"], recovery_lag=s["liquidation_lag"])
    frame = am.project(mortgage(s), a).frame
    compare(frame, CASH_FLOW_B)
    assert (frame.loc[349:360, "defaults"] == 0.0).all()


def test_cash_flow_a_from_a_constant_mdr_and_a_lag() -> None:
    s = CASH_FLOW_A["setting"]
    a = am.Assumptions.make(smm=s["smm"], mdr=s["mdr"], recovery_rate=1 - s["severity"], recovery_lag=s["liquidation_lag"])
    compare(am.project(mortgage(s), a).frame, CASH_FLOW_A)


def two_loans() -> am.Pool:
    """600 over 6 months and 400 over 4, both new, 0 % flat fee: 100 of principal a month each."""
    return am.Pool.from_arrays(
        loan_id=["a", "b"],
        original_principal=[600.0, 400.0],
        current_principal=[600.0, 400.0],
        original_term=[6, 4],
        remaining_term=[6, 4],
        product=["flat_fee", "flat_fee"],
        rate=[0.0, 0.0],
    )


def test_last_lag_months_masked_per_loan_by_hand() -> None:
    """MDR 10 %, lag 2: loan a (6 months) defaults in months 1–4, loan b (4 months) in 1–2.

    Loan a: opening 600, 450, 324, 218.7, then 65.61 twice — defaults 60, 45, 32.4, 21.87, 0, 0
    (share 0.9^t while defaulting, then 0.6561 pays 2 × 65.61). Loan b: opening 400, 270, then
    162 — defaults 40, 27, 0, 0 (share 0.81 pays 81 twice). Rep-lines and loans agree.
    """
    a = am.Assumptions.make(mdr=0.10, recovery_rate=0.5, recovery_lag=2)
    for level in ("repline", "loan"):
        f = am.project(two_loans(), a, level=level).frame  # type: ignore[arg-type]
        t = np.arange(1, 7)
        np.testing.assert_allclose(f.loc[t, "defaults"], [100.0, 72.0, 32.4, 21.87, 0.0, 0.0], atol=1e-9)
        np.testing.assert_allclose(f.loc[t, "closing_balance"], [720.0, 486.0, 299.7, 131.22, 65.61, 0.0], atol=1e-9)
        np.testing.assert_allclose(
            f.loc[t, "scheduled_principal"], [180.0, 162.0, 153.9, 146.61, 65.61, 65.61], atol=1e-9
        )


def test_without_a_lag_defaults_run_to_maturity() -> None:
    f = am.project(two_loans(), am.Assumptions.make(mdr=0.10)).frame
    assert f.loc[6, "defaults"] == pytest.approx(0.1 * 600 * 0.9**5 / 6)


@st.composite
def seasoned_loans(draw: st.DrawFn) -> list[dict]:
    loans = []
    for i in range(draw(st.integers(1, 6))):
        term = draw(st.sampled_from([3, 6, 12, 24]))
        rem = draw(st.integers(1, term))
        orig = float(draw(st.integers(100, 20000)))
        product = draw(st.sampled_from(["flat_fee", "level_payment", "equal_principal"]))
        rate = draw(st.sampled_from([0.0, 0.008])) if product == "flat_fee" else draw(st.sampled_from([0.0, 0.12]))
        loans.append(dict(loan_id=str(i), original_principal=orig, current_principal=orig * rem / term,
                          original_term=term, remaining_term=rem, product=product, rate=rate, bucket=0))
    return loans


@settings(max_examples=40, derandomize=True, deadline=None)
@given(seasoned_loans(), st.floats(0, 0.5), st.floats(0, 0.6), st.integers(0, 4), st.booleans())
def test_lag_mask_repline_equals_loan_equals_reference_loop(
    loans: list[dict], cpr: float, cdr: float, lag: int, by_age: bool
) -> None:
    curve = Curve(np.linspace(cdr, cdr / 2, 30), "age" if by_age else "period")
    a = am.Assumptions.make(cpr=cpr, cdr=curve, recovery_rate=0.4, recovery_lag=lag)
    pool = am.Pool.from_arrays(**{k: [ln[k] for ln in loans] for k in loans[0]})
    rep = am.project(pool, a).frame
    loan = am.project(pool, a, level="loan").frame
    horizon = len(rep) - len(a.recovery_timing)
    ref = reference_project(loans, a, horizon)
    for col in ("scheduled_principal", "prepayment", "fee_interest", "defaults", "closing_balance"):
        for got in (rep, loan):
            np.testing.assert_allclose(got[col].to_numpy()[1 : horizon + 1], ref[col][1:], rtol=1e-9, atol=1e-9 * pool.balance, err_msg=col)


# --------------------------------------------------------------------------------------------
# Issue 15: P&I advancing — every printed column of Cash Flow A and B
# --------------------------------------------------------------------------------------------

DOLLAR = 0.5 + 1e-6  # printed rounded to the dollar

#: printed column -> pool frame column
SF_COLUMNS = {
    "new_defaults": "defaults",
    "in_foreclosure": "foreclosure_balance",
    "expected_amortization": "expected_amortization",
    "voluntary_prepayments": "prepayment",
    "amort_from_defaults": "advanced_principal",
    "actual_amortization": "scheduled_principal",
    "expected_interest": "expected_interest",
    "interest_lost": "interest_lost",
    "actual_interest": "fee_interest",
    "principal_recovery": "recoveries",
    "principal_loss": "principal_loss",
    "amortized_default_balance": "amortized_default_balance",
}


def advanced(table: dict):  # type: ignore[no-untyped-def]
    s = table["setting"]
    assert s["advancing"] and s["loan_age_start"] == 0
    rates_kw = {"smm": s["smm"], "mdr": s["mdr"]} if "smm" in s else {"psa": s["psa"], "sda": s["sda"]}
    a = am.Assumptions.make(**rates_kw, recovery_rate=1 - s["severity"], recovery_lag=s["liquidation_lag"], advancing=True)
    return am.project(mortgage(s), a).frame


@pytest.mark.parametrize("table", [CASH_FLOW_A, CASH_FLOW_B], ids=["A", "B"])
def test_every_printed_column_with_advancing(table: dict) -> None:
    f = advanced(table)
    for part in ("first", "last"):
        printed = table[part]
        months = np.asarray(printed["months"])
        for sf, col in SF_COLUMNS.items():
            values = np.asarray(printed[sf])
            at = months[-values.size :]  # recovery columns of "first" start at month 13
            np.testing.assert_allclose(f.loc[at, col], values, rtol=0, atol=DOLLAR, err_msg=f"{part} {sf}")
        pb = np.asarray(printed["performing_balance"])
        at = np.concatenate([[months[0] - 1], months]) if pb.size > months.size else months
        np.testing.assert_allclose(f.loc[at, "closing_balance"], pb, rtol=0, atol=DOLLAR, err_msg=f"{part} performing")
    for month, pb in table["performing_balance_at"].items():
        assert abs(f.loc[month, "closing_balance"] - pb) <= DOLLAR
    for sf, total in table["totals"].items():
        assert abs(f[SF_COLUMNS[sf]].sum() - total) <= DOLLAR, sf


@pytest.mark.parametrize("table", [CASH_FLOW_A, CASH_FLOW_B], ids=["A", "B"])
def test_advanced_cash_and_principal_conservation(table: dict) -> None:
    """SF §C.1: principal to investors = EXP_AM + VOL + RECOV, interest = EXP_INT; every unit of
    principal is paid, prepaid, advanced, recovered or lost (Σ = PB(0))."""
    f = advanced(table)
    paid = f["principal_collections"].sum() + f["recoveries"].sum()
    assert paid + f["principal_loss"].sum() == pytest.approx(table["setting"]["balance"], rel=1e-12)
    interest = f["total_collections"] - f["principal_collections"] - f["recoveries"]
    np.testing.assert_allclose(interest, f["expected_interest"], rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(
        f["principal_collections"], f["expected_amortization"] + f["prepayment"], rtol=1e-12, atol=1e-6
    )
    np.testing.assert_allclose(f["advanced_interest"], f["interest_lost"], rtol=0, atol=0)
    np.testing.assert_allclose(
        f["defaults"].cumsum().iloc[-1],
        (f["advanced_principal"] + f["recoveries"] + f["principal_loss"]).sum(),
        rtol=1e-12,
    )
    np.testing.assert_allclose(f["net_loss"], f["principal_loss"], rtol=0, atol=0)


def test_sf21_cumulative_defaults_by_psa_and_sda_through_the_engine() -> None:
    """SF-21 §C.4: lifetime defaults (% of the original balance, printed to 0.01) of new 8 %
    30-year loans by PSA (rows) and SDA (columns), 12 months to liquidation: plain ``psa=`` and
    ``sda=`` with ``recovery_lag=12`` (the lag alone stops defaults in months 349–360)."""
    s = SDA_MATRIX_SETTING
    pool = mortgage({"balance": 100.0, "term": s["term"], "wac": s["wac"]})
    for psa_pct in (100, 200, 500):  # three of the nine rows (all are in core/test_rates.py)
        row = SDA_MATRIX_CUM_DEFAULT_PCT[psa_pct]
        for sda_pct, printed in zip(SDA_MATRIX_SDA_PCT, row, strict=True):
            a = am.Assumptions.make(psa=psa_pct / 100, sda=sda_pct / 100, recovery_rate=0.8,
                                    recovery_lag=s["liquidation_lag"], advancing=True)
            got = am.project(pool, a).frame["defaults"].sum()
            assert abs(got - printed) <= 0.005 + 1e-9, (psa_pct, sda_pct, got, printed)

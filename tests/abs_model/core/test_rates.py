"""Rate conversions and curves against the SIFMA/BMA Standard Formulas' printed examples.

Every printed figure is rounded (SF-3 §A), so a computed value matches when it is within half a
unit of the last printed digit (``_half_ulp``). The SF default cash-flow tables are reproduced by
``_sf_cash_flows``, a plain loop written from the algorithm in ``sifma_reference``'s docstring.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abs_model.core import rates
from abs_model.errors import AssumptionError
from tests.abs_model.core import sifma_reference as ref

DOLLAR = 0.5 + 1e-6  # printed to the dollar
PROPS = settings(derandomize=True, max_examples=200, deadline=None)


def _close(got: float, printed: float, decimals: int) -> bool:
    return abs(got - printed) <= 0.5 * 10.0 ** (-decimals) + 1e-9


# --------------------------------------------------------------------------------------------
# SMM / CPR / MDR / CDR
# --------------------------------------------------------------------------------------------


def test_sf9_conversion_table_smm_to_cpr_and_psa() -> None:
    smm = np.array(ref.CONVERSION_TABLE_SMM_PCT) / 100
    cpr = rates.smm_to_cpr(smm)
    assert np.all(np.abs(cpr * 100 - ref.CONVERSION_TABLE_CPR_PCT) <= 0.05 + 1e-9)
    psa = cpr / 0.06 * 100  # seasoned loans: 100 % PSA = 6 % CPR
    assert np.all(np.abs(psa - ref.CONVERSION_TABLE_PSA_PCT) <= 0.5 + 1e-9)
    # and the table's PSA is psa_to_cpr inverted at any month >= 30
    assert np.allclose(rates.psa_to_cpr(psa / 100, 30), cpr)


def test_sf7_one_month_rates_from_factors() -> None:
    ex = ref.PSA_FROM_FACTORS
    b1 = rates.scheduled_balance(ex["gross_coupon"], ex["amortization_term"], ex["remaining_prev"])
    b2 = rates.scheduled_balance(ex["gross_coupon"], ex["amortization_term"], ex["remaining_curr"])
    assert _close(b1, ex["bal_prev"], 8) and _close(b2, ex["bal_curr"], 8)
    f_sched = ex["f_prev"] * b2 / b1
    assert _close(f_sched, ex["f_sched"], 8)
    assert _close(ex["f_prev"] - f_sched, ex["amortization"], 8)
    assert _close(f_sched - ex["f_curr"], ex["prepayments"], 8)
    smm = rates.smm_from_factors(ex["f_prev"], ex["f_curr"], bal_prev=b1, bal_curr=b2)
    assert _close(smm * 100, ex["smm_pct"], 6)
    assert smm == pytest.approx(rates.smm_from_factors(ex["f_prev"], ex["f_curr"],
                                                        scheduled_factor=f_sched))
    cpr = rates.smm_to_cpr(smm)
    assert _close(cpr * 100, ex["cpr_pct"], 4)
    psa = cpr / rates.psa_to_cpr(1.0, ex["month"])
    assert _close(psa * 100, ex["psa_pct"], 2)


def test_sf12_average_prepayment_rate_of_two_pools() -> None:
    ex = ref.AVERAGE_PREPAYMENT
    c = ex["gross_coupon"]
    actual = sum(p["face"] * p["f_end"] for p in ex["pools"])
    sched = sum(
        p["face"] * p["f_start"]
        * rates.scheduled_balance(c, 360, p["remaining_end"])
        / rates.scheduled_balance(c, 360, p["remaining_start"])
        for p in ex["pools"]
    )
    assert _close(actual, ex["actual_final_balance"], 2)
    assert _close(sched, ex["scheduled_final_balance"], 2)
    smm = rates.smm_from_factors(actual, actual, scheduled_factor=sched, months=ex["months"])
    assert _close(smm * 100, ex["smm_avg_pct"], 6)
    assert _close(rates.smm_to_cpr(smm) * 100, ex["cpr_avg_pct"], 4)

    def final_balance(psa: float) -> float:  # the "iterative trial-and-error" of SF-13
        total = 0.0
        for p in ex["pools"]:
            bal = p["face"] * p["f_start"]
            for k in range(ex["months"]):
                rem = p["remaining_start"] - k
                bal *= rates.scheduled_balance(c, 360, rem - 1) / rates.scheduled_balance(c, 360, rem)
                bal *= 1 - rates.psa_to_smm(psa, p["loan_age_start"] + k + 1)
            total += bal
        return total

    lo, hi = 0.0, 10.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if final_balance(mid) > actual else (lo, mid)
    assert _close(lo * 100, ex["psa_avg_pct"], 2)


def test_mdr_cdr_are_the_same_conversion_as_smm_cpr() -> None:
    x = np.linspace(0, 1, 101)
    assert np.array_equal(rates.cdr_to_mdr(x), rates.cpr_to_smm(x))
    assert np.array_equal(rates.mdr_to_cdr(x), rates.smm_to_cpr(x))


# --------------------------------------------------------------------------------------------
# PSA
# --------------------------------------------------------------------------------------------


def test_sf10_psa_to_smm_table() -> None:
    months = np.arange(1, 31)
    for psa_pct, column in ref.PSA_TO_SMM_TABLE_PCT.items():
        smm = rates.psa_to_smm(psa_pct / 100, months) * 100
        assert np.all(np.abs(smm - column) <= 0.005 + 1e-9), psa_pct


def test_psa_curve_shape() -> None:
    assert rates.psa_to_cpr(1.0, 1) == pytest.approx(0.002)
    assert rates.psa_to_cpr(1.0, 30) == pytest.approx(0.06)
    assert rates.psa_to_cpr(1.0, 360) == pytest.approx(0.06)
    assert rates.psa_to_cpr(2.0, 20) == pytest.approx(0.08)
    assert rates.psa_to_cpr(0.0, 5) == 0.0
    assert rates.psa_to_cpr(30.0, 30) == 1.0  # capped at 100 % CPR


def test_cash_flow_b_psa_150_smm() -> None:
    months = np.array(ref.PSA_150_SMM_MONTHS[:-1])  # month 360 prints 0: nothing left to prepay
    smm = rates.psa_to_smm(1.5, months)
    assert np.all(np.abs(smm - ref.PSA_150_SMM[:-1]) <= 5e-7 + 1e-12)


# --------------------------------------------------------------------------------------------
# ABS
# --------------------------------------------------------------------------------------------


def test_sf14_abs_examples() -> None:
    ex = ref.ABS_EXAMPLE
    assert _close(rates.abs_to_smm(ex["abs_pct"] / 100, ex["month"]) * 100, ex["smm_pct"], 4)
    b1 = rates.scheduled_balance(ex["wac"], ex["original_term"], ex["remaining_prev"])
    b2 = rates.scheduled_balance(ex["wac"], ex["original_term"], ex["remaining_curr"])
    speed = rates.abs_from_factors(ex["f_prev"], ex["f_curr"], bal_prev=b1, bal_curr=b2,
                                   age_prev=ex["age_prev"], age_curr=ex["age_curr"])
    assert _close(speed * 100, ex["historical_abs_pct"], 4)


def test_sf15_abs_to_smm_table() -> None:
    months = np.arange(1, 51)
    for abs_pct, column in ref.ABS_TO_SMM_TABLE_PCT.items():
        smm = rates.abs_to_smm(abs_pct / 100, months) * 100
        assert np.all(np.abs(smm - column) <= 0.005 + 1e-9), abs_pct


def test_abs_past_the_pole_is_full_prepayment() -> None:
    assert rates.abs_to_smm(0.02, 50) == pytest.approx(1.0)
    assert rates.abs_to_smm(0.02, 80) == 1.0
    assert rates.abs_to_smm(0.0, 80) == 0.0


@PROPS
@given(st.floats(0.001, 0.05), st.integers(1, 40))
def test_abs_reproduces_a_constant_count_of_prepaying_loans(speed: float, n: int) -> None:
    # For new loans, X % ABS prepays X % of the ORIGINAL loans each month (SF-13).
    survive = np.cumprod(1 - rates.abs_to_smm(speed, np.arange(1, n + 1)))
    assert survive[-1] == pytest.approx(max(1 - speed * n, 0.0), abs=1e-12)


# --------------------------------------------------------------------------------------------
# SDA
# --------------------------------------------------------------------------------------------


def test_sda_100_as_printed_in_cash_flow_b() -> None:
    months = np.array(ref.SDA_100_MONTHS)
    cdr = rates.sda_to_cdr(1.0, months, term=360, liquidation_lag=12)
    assert np.all(np.abs(cdr - ref.SDA_100_CDR) <= 5e-7 + 1e-12)
    assert np.all(np.abs(rates.cdr_to_mdr(cdr) - ref.SDA_100_MDR) <= 5e-7 + 1e-12)


def test_sda_curve_shape_and_end_of_life() -> None:
    assert rates.sda_to_cdr(1.0, 1) == pytest.approx(0.0002)
    assert rates.sda_to_cdr(1.0, 30) == pytest.approx(0.006)
    assert rates.sda_to_cdr(1.0, 60) == pytest.approx(0.006)
    assert rates.sda_to_cdr(1.0, 61) == pytest.approx(0.005905)
    assert rates.sda_to_cdr(1.0, 120) == pytest.approx(0.0003)
    assert rates.sda_to_cdr(2.0, 400) == pytest.approx(0.0006)
    # last `liquidation_lag` months of the term default at 0 (SF-19 §C.3.j)
    assert rates.sda_to_cdr(1.0, 348, term=360, liquidation_lag=12) == pytest.approx(0.0003)
    assert rates.sda_to_cdr(1.0, 349, term=360, liquidation_lag=12) == 0.0
    assert rates.sda_to_cdr(1.0, 360, term=360) == pytest.approx(0.0003)
    assert rates.sda_to_cdr(1.0, 361, term=360) == 0.0
    assert rates.sda_to_cdr(1.0, 170, term=180, liquidation_lag=12) == 0.0


def test_sda_is_for_long_mortgages_only() -> None:
    with pytest.raises(AssumptionError, match=r"term: SDA is defined .* got 36"):
        rates.sda_to_cdr(1.0, 5, term=36)
    assert rates.sda_to_cdr(1.0, 5, term=36, allow_short_term=True) == pytest.approx(0.001)


# --------------------------------------------------------------------------------------------
# SF §C.3 default cash flows: a plain reference loop, pinned by Cash Flow A and B
# --------------------------------------------------------------------------------------------


def _sf_cash_flows(
    *, balance: float, wac: float, net_rate: float, term: int, smm: np.ndarray, mdr: np.ndarray,
    lag: int, severity: float, advancing: bool,
) -> dict[str, np.ndarray]:
    """The SF-18/SF-19 formulas, month by month, exactly as sifma_reference's docstring lists."""
    sch = np.array([rates.scheduled_balance(wac, term, term - i) for i in range(term + 1)])
    cols = ["performing_balance", "new_defaults", "in_foreclosure", "expected_amortization", "voluntary_prepayments", "amort_from_defaults", "actual_amortization", "expected_interest", "interest_lost", "actual_interest", "principal_recovery", "principal_loss", "amortized_default_balance"]
    out = {c: np.zeros(term + 1) for c in cols}
    pb, fcl = balance, 0.0
    out["performing_balance"][0] = pb
    for i in range(1, term + 1):
        q = sch[i] / sch[i - 1] if sch[i - 1] > 0 else 0.0
        rate = 0.0 if i > term - lag else mdr[i - 1]
        new_def = pb * rate
        if i > lag or lag == 0:
            d0 = out["new_defaults"][i - lag] if lag else new_def
            adb = d0 * (sch[i - 1] / sch[i - 1 - lag] if advancing and lag else 1.0)
            loss = min(d0 * severity, adb)
            recov = max(adb - loss, 0.0)
        else:
            adb = loss = recov = 0.0
        exp_am = (pb + fcl - adb) * (1 - q)
        am_def = (new_def + fcl - adb) * (1 - q) if advancing else 0.0
        act_am = (pb - new_def) * (1 - q)
        vol = pb * q * smm[i - 1]
        vol = min(vol, pb - new_def - act_am)
        exp_int = (pb + fcl) * net_rate / 12
        lost = (new_def + fcl) * net_rate / 12
        for c, v in zip(cols[1:], (new_def, 0.0, exp_am, vol, am_def, act_am, exp_int, lost,
                                   exp_int - lost, recov, loss, adb), strict=True):
            out[c][i] = v
        fcl = new_def + fcl - adb - am_def
        pb = pb - new_def - vol - act_am
        out["performing_balance"][i] = pb
        out["in_foreclosure"][i] = fcl
    out["amort_factor"] = sch
    return out


def _run(table: dict) -> dict[str, np.ndarray]:
    s = table["setting"]
    ages = np.arange(1, s["term"] + 1) + s["loan_age_start"]
    if "smm" in s:
        smm = np.full(s["term"], s["smm"])
        mdr = np.full(s["term"], s["mdr"])
    else:
        smm = rates.psa_to_smm(s["psa"], ages)
        mdr = rates.cdr_to_mdr(rates.sda_to_cdr(s["sda"], ages))
    return _sf_cash_flows(balance=s["balance"], wac=s["wac"], net_rate=s["net_rate"],
                          term=s["term"], smm=smm, mdr=mdr, lag=s["liquidation_lag"],
                          severity=s["severity"], advancing=s["advancing"])


@pytest.mark.parametrize("table", [ref.CASH_FLOW_A, ref.CASH_FLOW_B], ids=["A", "B"])
def test_sf_default_cash_flow_tables(table: dict) -> None:
    got = _run(table)
    first = table["first"]
    for col, printed in first.items():
        if col == "months":
            continue
        start = {"performing_balance": 0, "amort_factor": 0, "principal_recovery": 13,
                 "principal_loss": 13, "amortized_default_balance": 13}.get(col, 1)
        values = got[col][start:49]
        tol = 5e-5 + 1e-12 if col == "amort_factor" else DOLLAR
        assert np.all(np.abs(values - np.array(printed)) <= tol), (col, values - printed)
    last = table["last"]
    for col, printed in last.items():
        if col in ("months", "mdr", "smm"):
            continue
        values = got[col][337:361]
        tol = 5e-5 + 1e-12 if col == "amort_factor" else DOLLAR
        assert np.all(np.abs(values - np.array(printed)) <= tol), (col, values - printed)
    for month, printed in table["performing_balance_at"].items():
        assert abs(got["performing_balance"][month] - printed) <= DOLLAR
    for col, printed in table["totals"].items():
        assert abs(got[col][1:].sum() - printed) <= DOLLAR, col
    # principal is conserved: every dollar amortises, prepays, recovers or is lost
    total = sum(got[c][1:].sum() for c in ("expected_amortization", "voluntary_prepayments",
                                           "principal_recovery", "principal_loss"))
    assert total == pytest.approx(table["setting"]["balance"], rel=1e-12)


def test_sf21_cumulative_default_matrix() -> None:
    s = ref.SDA_MATRIX_SETTING
    ages = np.arange(1, s["term"] + 1)
    for psa_pct, row in ref.SDA_MATRIX_CUM_DEFAULT_PCT.items():
        for sda_pct, printed in zip(ref.SDA_MATRIX_SDA_PCT, row, strict=True):
            got = _sf_cash_flows(
                balance=100.0, wac=s["wac"], net_rate=s["wac"], term=s["term"],
                smm=rates.psa_to_smm(psa_pct / 100, ages),
                mdr=rates.cdr_to_mdr(rates.sda_to_cdr(sda_pct / 100, ages)),
                lag=s["liquidation_lag"], severity=0.2, advancing=True)
            assert _close(got["new_defaults"].sum(), printed, 2), (psa_pct, sda_pct)


def test_sf4_pass_through_first_month() -> None:
    ex = ref.PASS_THROUGH_FIRST_MONTH
    sched = 1 - rates.scheduled_balance(ex["gross_coupon"], ex["term"], ex["term"] - 1)
    assert _close(sched, ex["scheduled_amortization"], 8)
    assert _close(ex["gross_coupon"] / 12, ex["gross_interest"], 8)
    assert _close((ex["gross_coupon"] - ex["net_coupon"]) / 12, ex["servicing_fee"], 8)
    # the given prepayment is 150 % PSA in month 1 after scheduled amortisation
    prepay = (1 - sched) * rates.psa_to_smm(1.5, 1)
    assert _close(prepay, ex["unscheduled_prepayments"], 8)
    assert _close(sched + prepay + ex["net_coupon"] / 12, ex["pass_through_cash_flow"], 8)


# --------------------------------------------------------------------------------------------
# properties, shapes and errors
# --------------------------------------------------------------------------------------------

unit = st.floats(0.0, 1.0, allow_nan=False)


@PROPS
@given(unit)
def test_round_trips(x: float) -> None:
    assert rates.smm_to_cpr(rates.cpr_to_smm(x)) == pytest.approx(x, abs=1e-12)
    assert rates.mdr_to_cdr(rates.cdr_to_mdr(x)) == pytest.approx(x, abs=1e-12)


@PROPS
@given(st.floats(0.0, 0.5))
def test_round_trips_from_monthly(x: float) -> None:
    # beyond ~50 % SMM, 1 − CPR underflows the precision needed to come back
    assert rates.cpr_to_smm(rates.smm_to_cpr(x)) == pytest.approx(x, abs=1e-10)
    assert rates.cdr_to_mdr(rates.mdr_to_cdr(x)) == pytest.approx(x, abs=1e-10)


@PROPS
@given(unit, unit)
def test_conversions_are_monotone(a: float, b: float) -> None:
    lo, hi = min(a, b), max(a, b)
    assert rates.cpr_to_smm(lo) <= rates.cpr_to_smm(hi)
    assert rates.cpr_to_smm(hi) <= hi  # monthly rate never exceeds the annual one


@PROPS
@given(st.floats(0, 10), st.integers(1, 400))
def test_curves_scale_linearly_until_capped(mult: float, month: int) -> None:
    assert rates.psa_to_cpr(mult, month) == pytest.approx(min(mult * rates.psa_to_cpr(1.0, month), 1))
    assert rates.sda_to_cdr(mult, month) == pytest.approx(min(mult * rates.sda_to_cdr(1.0, month), 1))


def test_scalar_in_float_out_and_array_shape_kept() -> None:
    assert type(rates.cpr_to_smm(0.06)) is float
    assert type(rates.psa_to_cpr(1.5, 10)) is float
    assert type(rates.abs_to_smm(0.015, 3)) is float
    assert type(rates.sda_to_cdr(1.0, 3)) is float
    assert type(rates.smm_from_factors(0.9, 0.85, scheduled_factor=0.89)) is float
    grid = np.full((3, 4), 0.06)
    assert rates.cpr_to_smm(grid).shape == (3, 4)
    assert rates.psa_to_cpr(1.5, np.arange(1, 13).reshape(3, 4)).shape == (3, 4)
    assert rates.psa_to_cpr(np.array([1.0, 2.0]), np.array([[1], [30]])).shape == (2, 2)
    assert rates.sda_to_cdr(1.0, [1, 2, 3]).shape == (3,)
    assert rates.abs_to_smm([0.01, 0.02], 5).shape == (2,)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rates.cpr_to_smm(6.0), r"cpr: must be a decimal in \[0, 1\]; got 6.0 — rates are "
                                        r"decimals \(6 % is 0.06\)"),
        (lambda: rates.smm_to_cpr(-0.01), r"smm: must be a decimal in \[0, 1\]; got -0.01$"),
        (lambda: rates.cdr_to_mdr([0.01, 2.0]), r"cdr: .* got 2.0"),
        (lambda: rates.mdr_to_cdr(float("nan")), r"mdr: must not be NaN"),
        (lambda: rates.cpr_to_smm("six"), r"cpr: must be a number"),
        (lambda: rates.psa_to_cpr(1.5, 0), r"month: must be a whole number of months >= 1; got 0"),
        (lambda: rates.psa_to_cpr(1.5, 2.5), r"month: .* got 2.5"),
        (lambda: rates.psa_to_cpr(-1, 3), r"psa: must be a finite number >= 0; got -1.0"),
        (lambda: rates.abs_to_smm(1.5, 3), r"speed: must be a decimal in \[0, 1\); got 1.5"),
        (lambda: rates.sda_to_cdr(1.0, 3, liquidation_lag=-1), r"liquidation_lag: .* got -1"),
        (lambda: rates.sda_to_cdr(1.0, 3, term=0), r"term: must be a whole number"),
        (lambda: rates.smm_from_factors(0.9, 0.8), r"scheduled_factor: give scheduled_factor"),
        (lambda: rates.smm_from_factors(0.9, 0.8, scheduled_factor=0.9, bal_prev=1, bal_curr=1),
         r"not both"),
        (lambda: rates.scheduled_balance(0.08, 360, 361), r"remaining_term: must not exceed"),
        (lambda: rates.abs_from_factors(1, 0.9, bal_prev=1, bal_curr=0.9, age_prev=3, age_curr=3),
         r"age_curr: must be greater than age_prev"),
    ],
)
def test_bad_inputs_raise_assumption_errors(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AssumptionError, match=message):
        call()


def test_cpr_one_is_allowed() -> None:
    assert rates.cpr_to_smm(1.0) == 1.0
    assert rates.smm_to_cpr(1.0) == 1.0

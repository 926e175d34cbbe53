"""Observed metrics against the Standard Formulas' printed examples and hand-worked months.

Every printed figure is rounded (SF-3 §A): a computed value matches within half a unit of the
last printed digit (``_close``). Hand examples are written out in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abs_model.core import observed as ob
from abs_model.core import rates
from abs_model.errors import AbsModelError, SolverError
from tests.abs_model.core import sifma_reference as ref


def _close(got: float, printed: float, decimals: int) -> bool:
    return abs(got - printed) <= 0.5 * 10.0 ** (-decimals) + 1e-9


# ----------------------------------------------------------------------------- factor method
def test_factor_split_reproduces_the_sf7_intermediate_quantities() -> None:
    ex = ref.PSA_FROM_FACTORS
    b1 = rates.scheduled_balance(ex["gross_coupon"], ex["amortization_term"], ex["remaining_prev"])
    b2 = rates.scheduled_balance(ex["gross_coupon"], ex["amortization_term"], ex["remaining_curr"])
    s = ob.factor_split(ex["f_prev"], ex["f_curr"], bal_prev=b1, bal_curr=b2)
    assert _close(s.scheduled_factor, ex["f_sched"], 8)
    assert _close(s.amortization, ex["amortization"], 8)
    assert _close(s.prepayments, ex["prepayments"], 8)
    assert _close(s.smm * 100, ex["smm_pct"], 6)
    assert _close(s.cpr * 100, ex["cpr_pct"], 4)
    # CPR -> PSA for the month (June 1989 is MONTH 17): 5.10 % CPR is 150 % PSA
    assert _close(ob.psa_from_cpr(s.cpr, ex["month"]) * 100, ex["psa_pct"], 2)


def test_psa_from_cpr_inverts_psa_to_cpr_and_matches_sf9_after_month_29() -> None:
    months = np.arange(1, 61)
    assert np.allclose(ob.psa_from_cpr(rates.psa_to_cpr(1.75, months), months), 1.75)
    # SF-9 prints PSA from the unrounded CPR of each SMM ("valid after the 29th month")
    cpr = rates.smm_to_cpr(np.array(ref.CONVERSION_TABLE_SMM_PCT) / 100)
    assert np.all(np.abs(ob.psa_from_cpr(cpr, 30) * 100 - ref.CONVERSION_TABLE_PSA_PCT) <= 0.5 + 1e-9)


def test_abs_from_smm_inverts_the_sf14_example() -> None:
    ex = ref.ABS_EXAMPLE  # 2 % ABS in month 11 is 2.5 % SMM
    assert _close(ob.abs_from_smm(ex["smm_pct"] / 100, ex["month"]) * 100, ex["abs_pct"], 4)
    for speed, table in ref.ABS_TO_SMM_TABLE_PCT.items():
        m = np.arange(1, 51)
        smm = rates.abs_to_smm(speed / 100, m)
        keep = smm < 1
        assert np.allclose(ob.abs_from_smm(smm[keep], m[keep]), speed / 100)
        assert np.all(np.abs(smm * 100 - np.array(table)) <= 0.005 + 1e-9)


# ----------------------------------------------------------------------------- average speeds
def _sf12_balances() -> tuple[float, list[float], list[int]]:
    ex = ref.AVERAGE_PREPAYMENT
    c = ex["gross_coupon"]
    actual = sum(p["face"] * p["f_end"] for p in ex["pools"])
    sched = [
        p["face"] * p["f_start"]
        * rates.scheduled_balance(c, 360, p["remaining_end"])
        / rates.scheduled_balance(c, 360, p["remaining_start"])
        for p in ex["pools"]
    ]
    first = [p["loan_age_start"] + 1 for p in ex["pools"]]
    return actual, sched, first


def test_average_speeds_reproduce_the_sf12_example() -> None:
    ex = ref.AVERAGE_PREPAYMENT
    actual, sched, first = _sf12_balances()
    assert _close(actual, ex["actual_final_balance"], 2)
    assert _close(sum(sched), ex["scheduled_final_balance"], 2)
    assert _close(ob.average_smm(actual, sched, ex["months"]) * 100, ex["smm_avg_pct"], 6)
    assert _close(ob.average_cpr(actual, sched, ex["months"]) * 100, ex["cpr_avg_pct"], 4)
    psa = ob.average_psa(actual, sched, first, ex["months"])
    assert _close(psa * 100, ex["psa_avg_pct"], 2)


def test_average_psa_refuses_an_unreachable_balance() -> None:
    with pytest.raises(SolverError, match="above the scheduled balance"):
        ob.average_psa(101.0, [100.0], [1], 3)


# ----------------------------------------------------------------------------- one month, by hand
def test_one_month_of_a_servicer_report_worked_by_hand() -> None:
    # opening 1,000,000; scheduled principal 40,000; defaults 10,000; prepayments 47,500.
    # Base for SMM: 1,000,000 - 40,000 - 10,000 = 950,000 -> SMM = 47,500 / 950,000 = 5 %.
    assert ob.observed_smm(47_500.0, 1_000_000.0, 40_000.0, 10_000.0) == pytest.approx(0.05)
    # MDR = 10,000 / 1,000,000 = 1 %; CDR = 1 - 0.99^12 = 11.3615...%
    mdr = ob.observed_mdr(10_000.0, 1_000_000.0)
    assert mdr == pytest.approx(0.01)
    assert rates.mdr_to_cdr(mdr) == pytest.approx(1 - 0.99**12)
    # recoveries 2,500 -> net loss 7,500; annualised on the opening: 12 x 0.75 % = 9 %
    nl = ob.net_loss(10_000.0, 2_500.0)
    assert nl == 7_500.0
    assert ob.annualised_net_loss_rate(nl, 1_000_000.0) == pytest.approx(0.09)
    # MPR: (40,000 + 47,500 + interest 8,000) / 1,000,000 = 9.55 %
    assert ob.monthly_payment_rate(95_500.0, 1_000_000.0) == pytest.approx(0.0955)


def test_cumulative_net_loss_and_severity() -> None:
    # original pool 2,000,000; net losses 5,000 / 7,000 / -1,000 (a late recovery)
    cnl = ob.cumulative_net_loss_ratio([5_000.0, 7_000.0, -1_000.0], 2_000_000.0)
    assert np.allclose(cnl, [0.0025, 0.006, 0.0055])
    # a cohort of 40,000 defaults that recovered 6,000 over time: severity 85 %
    assert ob.severity(40_000.0, 6_000.0) == pytest.approx(0.85)
    assert ob.severity(0.0, 0.0) == 0.0
    with pytest.raises(AbsModelError, match="original_balance"):
        ob.cumulative_net_loss_ratio([1.0], 0.0)


def test_delinquency_ratios_by_balance_and_by_count() -> None:
    bal = np.array([900.0, 40.0, 20.0, 15.0, 10.0, 10.0, 5.0])  # M0..M6, total 1,000
    assert ob.delinquency_ratio(bal, 30) == pytest.approx(0.06)  # M2+ = 60
    assert ob.delinquency_ratio(bal, 60) == pytest.approx(0.04)  # M3+ = 40
    assert ob.delinquency_ratio(bal, 90) == pytest.approx(0.025)  # M4+ = 25
    counts = np.array([[95, 2, 1, 1, 1, 0, 0], [90, 5, 2, 1, 1, 1, 0]], dtype=float)
    assert np.allclose(ob.delinquency_ratio(counts, 30), [0.03, 0.05])
    with pytest.raises(AbsModelError, match="threshold"):
        ob.delinquency_ratio(bal, 45)


def test_roll_rates_between_buckets() -> None:
    b = np.array([[1000.0, 50.0, 20.0], [950.0, 30.0, 25.0]])
    # M0 -> M1: 30 / 1000 = 3 %; M1 -> M2: 25 / 50 = 50 %
    assert np.allclose(ob.roll_rates(b), [[0.03, 0.5]])


# ----------------------------------------------------------------------------- loan status
def test_mba_and_ots_methods_on_the_servicing_agreement_examples() -> None:
    # payment due 1 April, nothing paid: MBA 30 days at 30 April, OTS still current
    assert ob.delinquency_status("2024-04-01", "2024-04-30", method="mba")[0] == 1
    assert ob.delinquency_status("2024-04-01", "2024-04-30", method="ots")[0] == 0
    # OTS: due 1 July, unpaid at close of business 1 August -> 30 days
    assert ob.delinquency_status("2024-07-01", "2024-08-01", method="ots")[0] == 1
    assert ob.delinquency_status("2024-07-01", "2024-07-31", method="ots")[0] == 0
    # still unpaid at 31 May: MBA 60 days, OTS 30 days (one month behind)
    due = ["2024-04-01", "2024-04-01", None]
    assert list(ob.delinquency_status(due, "2024-05-31", method="mba")) == [2, 2, 0]
    assert list(ob.delinquency_status(due, "2024-05-31", method="ots")) == [1, 1, 0]
    # due on the 31st: month arithmetic clips to the month's end (31 Jan + 1 month = 29 Feb)
    assert ob.delinquency_status("2024-01-31", "2024-02-28", method="mba")[0] == 1
    assert ob.delinquency_status("2024-01-31", "2024-02-28", method="ots")[0] == 0
    with pytest.raises(AbsModelError, match="method"):
        ob.delinquency_status("2024-01-01", "2024-02-01", method="fico")  # type: ignore[arg-type]


def test_days_past_due_and_the_120_day_charge_off_rule() -> None:
    dpd = ob.days_past_due(["2024-01-01", "2024-03-01", None, "2024-06-01"], "2024-05-01")
    # Jan 1 -> May 1 2024: 31 + 29 + 31 + 30 = 121 days; Mar 1 -> May 1: 61; none: 0; future: 0
    assert list(dpd) == [121, 61, 0, 0]
    assert list(ob.charged_off(dpd)) == [True, False, False, False]
    assert list(ob.charged_off([119, 120])) == [False, True]
    assert list(ob.charged_off([150, 180], threshold_days=ob.CHARGE_OFF_DAYS_OPEN_END)) == [False, True]
    with pytest.raises(AbsModelError, match="threshold_days"):
        ob.charged_off([1], threshold_days=0)


def test_vectorised_status_equals_a_plain_loop_over_dates() -> None:
    rng = np.random.default_rng(1)
    start = pd.Timestamp("2020-01-01")
    due = start + pd.to_timedelta(rng.integers(0, 1500, 600), unit="D")
    asof = start + pd.to_timedelta(rng.integers(0, 1700, 600), unit="D")
    for method, shift in (("mba", pd.Timedelta(days=1)), ("ots", pd.Timedelta(0))):
        want = []
        for d, a in zip(due, asof, strict=True):  # count the deadlines d + k months − shift <= a
            k = 0
            while d + pd.DateOffset(months=k + 1) - shift <= a:
                k += 1
            want.append(k)
        assert list(ob.delinquency_status(due, asof, method=method)) == want  # type: ignore[arg-type]

"""The ``sifma`` convention of the projection engine against the SIFMA/BMA Standard Formulas'
printed default cash-flow tables (SF-22..SF-38, §C.6, Cash Flow A and B).

The engine has no P&I advancing, so it is compared on the columns advancing does not touch:
performing balance, new defaults, voluntary prepayments, actual amortisation and actual interest
(SF §C.3: NEW_DEF = PB(t−1)·MDR; ACT_AM = (PB(t−1) − NEW_DEF)(1 − q); VOL = PB(t−1)·q·SMM;
ACT_INT = (PB(t−1) − NEW_DEF)·r/12). The tables print whole dollars, so the tolerance is half a
dollar plus the table's own rounding carried through a running balance (one dollar).
"""

from __future__ import annotations

import numpy as np
import pytest

import abs_model as am
from abs_model.assumptions.assumptions import Curve
from abs_model.core import rates
from tests.abs_model.core.sifma_reference import CASH_FLOW_A, CASH_FLOW_B

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

"""Baitiao borrower mechanics worked by hand: late fees (违约金), the three restructuring plans
(spread_arrears, re_age, freeze) and a cure, on one receivable.

The receivable: RMB 1,200 over 12 instalments, fee 0.6 % a period on the ORIGINAL principal
(等本等费): each instalment is 100.00 principal + 7.20 fee = 107.20. Two are paid at cut-off
(balance 1,000.00, 10 to go). It misses the third (period 1: M0 → M1) and, a month later, the
fourth (period 2: M1 → M2). At the start of period 3 it either cures (pays everything due) or
negotiates a plan. Late fees: 0.05 % a day for 30 days on the amount due and unpaid.
"""

from __future__ import annotations

import numpy as np
import pytest

import abs_model as am
from abs_model.assumptions.assumptions import Assumptions, RollRates
from abs_model.assumptions.servicing import CollectionStrategy, LateFees, Restructuring
from abs_model.collateral.pool import Pool
from abs_model.errors import AssumptionError

CENT = 0.005
INSTALMENT = 107.20
LATE = LateFees(daily_rate=0.0005)


def receivable() -> Pool:
    return Pool.from_arrays(
        loan_id=["bt-1"], original_principal=[1200.0], current_principal=[1000.0], original_term=[12],
        remaining_term=[10], product=["flat_fee"], rate=[0.006],
    )


def path(*, cure_at_m2: bool) -> RollRates:
    """Months on book 3 (period 1): M0 → M1; 4 (period 2): M1 → M2; 5 on: M2 cures (or stays
    put for the plans, which take it first) and M0 stays current."""
    def matrix(moves: dict[int, int]) -> np.ndarray:
        m = np.zeros((8, 8))
        for i in range(7):
            m[i, moves.get(i, i + 1)] = 1.0
        m[7, 7] = 1.0
        return m

    later = {0: 0, 1: 0, 2: 0 if cure_at_m2 else 3}
    return RollRates(np.stack([matrix({0: 0}), matrix({0: 0}), matrix({0: 1}), matrix({0: 0, 1: 2}), matrix(later)]))


def cash(a: Assumptions) -> list[float]:
    cf = am.project(receivable(), a)
    assert all(c.passed for c in cf.checks)  # roll-forward, buckets + plans = closing, no negatives
    return cf.frame["total_collections"].tolist()


def plan(kind: str, periods: int, **kw: object) -> CollectionStrategy:
    return CollectionStrategy(kind, restructuring=Restructuring(take_up={2: 1.0}, plan=kind, periods=periods, redefault_rate=0.0, **kw))  # type: ignore[arg-type]


def test_cure_pays_the_arrears_and_the_late_fees_accrued() -> None:
    # Period 2: 30 days on the one missed instalment: 0.0005 × 30 × 107.20 = 1.608.
    # Period 3: 30 days on two missed: 0.0005 × 30 × 214.40 = 3.216; the cure pays three
    #   instalments (321.60) and 1.608 + 3.216 = 4.824 of late fees. Periods 4–10: 107.20 each.
    f = am.project(receivable(), Assumptions.make(roll_rates=path(cure_at_m2=True), late_fees=LATE)).frame
    assert f.loc[1:10, "total_collections"].tolist() == pytest.approx(
        [0.0, 0.0, 3 * INSTALMENT + 4.824] + [INSTALMENT] * 7, abs=CENT
    )
    assert f.loc[1:3, "late_fees_accrued"].tolist() == pytest.approx([0.0, 1.608, 3.216], abs=CENT)
    assert f.loc[1:3, "late_fees_outstanding"].tolist() == pytest.approx([0.0, 1.608, 0.0], abs=CENT)
    assert f.loc[3, "late_fees"] == pytest.approx(4.824, abs=CENT)
    # without 违约金 the cure pays the three instalments only
    plain = cash(Assumptions.make(roll_rates=path(cure_at_m2=True)))
    assert plain[1:11] == pytest.approx([0.0, 0.0, 3 * INSTALMENT] + [INSTALMENT] * 7, abs=CENT)


def test_grace_days_waived_share_and_the_trust_option() -> None:
    # 3 grace days are free in the first delinquent month: 0.0005 × 27 × 107.20 = 1.4472; the
    # second month is charged in full (3.216). Half of it waived at the cure: 2.3316 collected.
    lf = LateFees(daily_rate=0.0005, grace_days=3, waived_share=0.5)
    f = am.project(receivable(), Assumptions.make(roll_rates=path(cure_at_m2=True), late_fees=lf)).frame
    assert f.loc[2, "late_fees_accrued"] == pytest.approx(1.4472, abs=1e-9)
    assert f.loc[3, "late_fees"] == pytest.approx((1.4472 + 3.216) / 2, abs=1e-9)
    assert f.loc[3, "late_fees_waived"] == pytest.approx((1.4472 + 3.216) / 2, abs=1e-9)
    # an APR cap of 12 % caps the daily rate at 0.12 / 360
    capped = LateFees(daily_rate=0.0005, apr_cap=0.12)
    g = am.project(receivable(), Assumptions.make(roll_rates=path(cure_at_m2=True), late_fees=capped)).frame
    assert g.loc[2, "late_fees_accrued"] == pytest.approx(0.12 / 360 * 30 * INSTALMENT, abs=1e-9)


def test_spread_arrears_over_three_months_on_top_of_the_schedule() -> None:
    # Start of period 3: two instalments overdue (200 principal + 14.40 fees) and 1.608 of late
    # fees. The schedule continues: period 3 pays the 3rd instalment of 10 (107.20). The arrears
    # 214.40 + 1.608 are paid in thirds in periods 4–6: 71.4667 + 0.536 on top of 107.20.
    # After the third part the receivable is current again and pays 107.20 to period 10.
    got = cash(Assumptions.make(roll_rates=path(cure_at_m2=False), late_fees=LATE, collections=plan("spread_arrears", 3)))
    part = (2 * INSTALMENT + 1.608) / 3
    assert got[1:12] == pytest.approx([0.0, 0.0, INSTALMENT] + [INSTALMENT + part] * 3 + [INSTALMENT] * 4 + [0.0], abs=CENT)
    f = am.project(
        receivable(), Assumptions.make(roll_rates=path(cure_at_m2=False), late_fees=LATE, collections=plan("spread_arrears", 3))
    ).frame
    # plan balance: schedule left + arrears principal left; back in M0 once the arrears are paid
    assert f.loc[3:6, "balance_spread_arrears"].tolist() == pytest.approx([700 + 200, 600 + 400 / 3, 500 + 200 / 3, 0.0], abs=CENT)
    assert f.loc[6, "balance_m0"] == pytest.approx(400.0, abs=CENT)
    assert f.loc[3, "late_fees_capitalised"] == pytest.approx(1.608, abs=CENT)
    # without 违约金: the thirds are 214.40 / 3
    plain = cash(Assumptions.make(roll_rates=path(cure_at_m2=False), collections=plan("spread_arrears", 3)))
    assert plain[4] == pytest.approx(INSTALMENT + 2 * INSTALMENT / 3, abs=CENT)


def test_re_age_over_twelve_months_with_its_own_remaining_term() -> None:
    # Start of period 3: balance 1,000 with 10 instalments left → max(10, 12) = 12 months of
    # 83.3333 principal from period 4; the overdue fees 14.40 and late fees 1.608 are
    # capitalised over the first 12 months: 16.008 / 12 = 1.334. Plan fee 0.6 % of 1,000 = 6.00.
    got = cash(Assumptions.make(roll_rates=path(cure_at_m2=False), late_fees=LATE, collections=plan("re_age", 12, fee_rate=0.006)))
    month = 1000 / 12 + 16.008 / 12 + 6.0
    assert got[1:17] == pytest.approx([0.0, 0.0, 0.0] + [month] * 12 + [0.0], abs=CENT)
    # waiving instead: principal and plan fee only
    waived = cash(
        Assumptions.make(roll_rates=path(cure_at_m2=False), late_fees=LATE, collections=plan("re_age", 12, late_fees="waive"))
    )
    assert waived[4] == pytest.approx(1000 / 12, abs=CENT)
    # a plan shorter than the remaining term keeps the remaining term (10 months of 100)
    short = cash(Assumptions.make(roll_rates=path(cure_at_m2=False), collections=plan("re_age", 3)))
    assert short[3:15] == pytest.approx([0.0] + [100.0 + 14.40 / 3] * 3 + [100.0] * 7 + [0.0], abs=CENT)


def test_freeze_stops_fees_and_spreads_principal() -> None:
    # 停息挂账 over 6 months: 1,000 / 6 principal; the frozen fees 14.40 + 1.608 repaid in sixths
    got = cash(Assumptions.make(roll_rates=path(cure_at_m2=False), late_fees=LATE, collections=plan("freeze", 6)))
    assert got[3:11] == pytest.approx([0.0] + [1000 / 6 + 16.008 / 6] * 6 + [0.0], abs=CENT)
    plain = cash(Assumptions.make(roll_rates=path(cure_at_m2=False), collections=plan("freeze", 6, late_fees="waive")))
    assert plain[4] == pytest.approx(1000 / 6, abs=CENT)


def test_plans_redefault_and_prepay_by_their_own_rates() -> None:
    # freeze(4): 10 % re-default, then 20 % of the survivors prepay. Period 4: opening 1,000;
    # defaults 100; survivors pay 0.9 × 250 = 225; 20 % of 0.9 × 750 = 135 prepays; closing 540.
    s = CollectionStrategy("f", restructuring=Restructuring(take_up={2: 1.0}, plan="freeze", periods=4, redefault_rate=0.1, prepay_rate=0.2, late_fees="waive"))
    f = am.project(receivable(), Assumptions.make(roll_rates=path(cure_at_m2=False), collections=s)).frame
    assert f.loc[4, ["defaults", "scheduled_principal", "prepayment", "balance_freeze"]].tolist() == pytest.approx(
        [100.0, 225.0, 135.0, 540.0], abs=CENT
    )


def test_buy_back_at_par_instead_of_a_plan() -> None:
    s = CollectionStrategy("b", restructuring=Restructuring(take_up={2: 1.0}, buy_back=True))
    f = am.project(receivable(), Assumptions.make(roll_rates=path(cure_at_m2=False), collections=s)).frame
    assert f.loc[3, "repurchases"] == pytest.approx(1000.0, abs=CENT)
    assert f.loc[3, "principal_collections"] == pytest.approx(1000.0, abs=CENT)
    assert f.loc[3:, "closing_balance"].abs().max() == pytest.approx(0.0, abs=CENT)


def test_late_fee_and_plan_terms_are_validated() -> None:
    with pytest.raises(AssumptionError, match=r"late_fees.daily_rate: must be a decimal in \[0, 0.01\]; got 0.05"):
        LateFees(daily_rate=0.05)
    with pytest.raises(AssumptionError, match=r"late_fees\.product_rates: keys must be products"):
        LateFees(product_rates={"car": 0.001})
    with pytest.raises(AssumptionError, match="need the roll-rate convention"):
        Assumptions.make(cdr=0.02, late_fees=LATE)
    with pytest.raises(AssumptionError, match=r"restructuring\.plan: must be one of"):
        Restructuring(take_up={2: 0.1}, plan="holiday")  # type: ignore[arg-type]
    with pytest.raises(AssumptionError, match=r"fee_rate: a freeze .* must be 0"):
        Restructuring(take_up={2: 0.1}, plan="freeze", fee_rate=0.01)
    with pytest.raises(AssumptionError, match="take-up of M2 over all plans must be ≤ 1"):
        CollectionStrategy("x", restructuring=(Restructuring(take_up={2: 0.6}), Restructuring(take_up={2: 0.6}, plan="freeze")))


def test_take_up_by_segment_overrides_the_plans_own() -> None:
    """Two receivables as above, score bands A and E. The re_age plan takes all of M2 by default;
    band A's override takes none (it rolls on, M2 → M3 …), band E's keeps the plan. Band A's
    receivable therefore pays nothing more, band E's pays the re_age months of the worked
    example: 1,000 / 12 + 16.008 / 12 + 6.00 from period 4. Rep-lines keep the bands apart, so
    the rep-line projection equals the loan-level one."""
    two = Pool.from_arrays(
        loan_id=["a", "e"], original_principal=[1200.0] * 2, current_principal=[1000.0] * 2, original_term=[12] * 2,
        remaining_term=[10] * 2, product=["flat_fee"] * 2, rate=[0.006] * 2, segments={"score_band": ["A", "E"]},
    )
    overrides = (am.SegmentOverride("score_band", "A", take_up={"re_age": {2: 0.0}}),)
    a = Assumptions.make(
        roll_rates=path(cure_at_m2=False), late_fees=LATE, collections=plan("re_age", 12, fee_rate=0.006), segment_overrides=overrides
    )
    rep = am.project(two, a)
    assert all(c.passed for c in rep.checks)
    month = 1000 / 12 + 16.008 / 12 + 6.0
    assert rep.frame.loc[4:15, "total_collections"].tolist() == pytest.approx([month] * 12, abs=CENT)
    assert rep.frame.loc[3, "restructured_entries"] == pytest.approx(1000.0, abs=CENT)  # band E only
    loan = am.project(two, a, level="loan").frame
    np.testing.assert_allclose(loan.to_numpy(dtype=float), rep.frame.to_numpy(dtype=float), rtol=1e-9, atol=1e-9)
    # a take-up that names a plan type the strategy lacks, or over 1 with the other plans, is refused
    with pytest.raises(AssumptionError, match=r"segment_overrides\[0\]\.take_up: plan type\(s\) \['freeze'\] are not restructuring plans"):
        Assumptions.make(roll_rates=path(cure_at_m2=False), collections=plan("re_age", 12),
                         segment_overrides=(am.SegmentOverride("score_band", "A", take_up={"freeze": {2: 0.5}}),))
    both = CollectionStrategy("two", restructuring=(Restructuring(take_up={2: 0.5}, plan="re_age"), Restructuring(take_up={2: 0.5}, plan="freeze")))
    with pytest.raises(AssumptionError, match=r"take_up: take-up of M2 over all plans must be ≤ 1; got 1\.4"):
        Assumptions.make(roll_rates=path(cure_at_m2=False), collections=both,
                         segment_overrides=(am.SegmentOverride("score_band", "A", take_up={"freeze": {2: 0.9}}),))
    with pytest.raises(AssumptionError, match=r"take_up\['re_age'\]: keys must be buckets 1…6"):
        Assumptions.make(roll_rates=path(cure_at_m2=False), collections=plan("re_age", 12),
                         segment_overrides=(am.SegmentOverride("score_band", "A", take_up={"re_age": {9: 0.5}}),))

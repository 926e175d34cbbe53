"""Assumption sets that exercise every branch of the period engine, shared by the tests that
compare an economy of the engine with the plain way of computing the same numbers
(``tests/abs_model/projection/test_parts_and_rows.py``, ``tests/abs_model/runs/test_joint_collateral.py``):
the deal's own assumptions, re-age / freeze / buy-back plans, SIFMA CDR with advancing, the SIFMA
cumulative default rate, absbox, and a legal threshold."""

from __future__ import annotations

from abs_model.assumptions.assumptions import Assumptions, RollRates
from abs_model.assumptions.servicing import ChargeOffPath, CollectionStrategy, LateFees, Restructuring

#: Monthly roll rates M0 → M1 … M6 → default and cures back one bucket, used by the plan sets.
ROLLS = RollRates.simple(roll=[0.02, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0], cure=[0.3, 0.2, 0.1, 0.05, 0.02, 0.0])


def engine_sets(own: Assumptions) -> dict[str, Assumptions]:
    """The six sets, by name; ``own``: the deal's assumptions (roll rates, late fees, arrears plans)."""
    plans = (
        Restructuring(take_up={1: 0.1, 2: 0.2}, plan="re_age", periods=9, fee_rate=0.006, down_payment=0.1, redefault_rate=0.1,
                      prepay_rate=0.05, late_fees="capitalise"),
        Restructuring(take_up={3: 0.2}, plan="freeze", periods=5, redefault_rate=0.2, late_fees="waive"),
        Restructuring(take_up={2: 0.1}, plan="re_age", periods=4, buy_back=True),
    )
    legal = ChargeOffPath(sale_share=0.2, sale_price=0.1, legal_share=0.5, legal_cost_per_case=30.0, legal_success_rate=0.6,
                          legal_curve=(0.0, 1.0), legal_min_balance=2_000.0)
    return {
        "baitiao (roll rates, late fees, arrears plans)": own,
        "re-age, freeze and buy-back plans": Assumptions.make(
            cpr=0.2, roll_rates=ROLLS,
            collections=CollectionStrategy("s", restructuring=plans), late_fees=LateFees(daily_rate=0.0005, grace_days=3, waived_share=0.2),
            recovery_rate=0.3, recovery_lag=4, unearned_fee="full",
        ),
        "sifma CDR with advancing": Assumptions.make(cpr=0.1, cdr=0.05, recovery_rate=0.4, recovery_lag=6, convention="sifma", advancing=True),
        "sifma cumulative default": Assumptions.make(
            cpr=0.1, cumulative_default=0.06, default_timing=[0.4, 0.3, 0.3], recovery_rate=0.4, recovery_lag=3, convention="sifma"
        ),
        "absbox": Assumptions.make(cpr=0.1, cdr=0.05, recovery_rate=0.4, recovery_lag=2, convention="absbox"),
        "legal threshold": Assumptions.make(cdr=0.3, collections=CollectionStrategy("ladder", charge_off=legal)),
    }

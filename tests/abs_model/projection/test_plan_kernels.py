"""The restructuring and late-fee kernels of the period loop against their earlier versions, bit
for bit (issue 16: every speed-up exact).

The earlier kernels are kept verbatim in :mod:`tests.abs_model.projection.plan_kernels_reference`
(the plan book's entry and period step, the money paths by cohort, the spread schedules, the
late-fee step) and the earlier engine in :mod:`tests.abs_model.projection.engine_reference`.
Each case runs twice, once on the earlier engine and kernels and once on the current ones,
and every column of the totals must be equal to the last bit: the current kernels read the
cohort paths as strided views instead of gathered copies, leave out the buckets without take-up,
the count and down-payment paths a plan never writes and the periods before anything entered
(each of them exact zeros added), and compute each sum once.
"""

from __future__ import annotations

import numpy as np
import pytest

from abs_model.assumptions.assumptions import Assumptions, RollRates, SegmentOverride
from abs_model.assumptions.servicing import ChargeOffPath, CollectionStage, CollectionStrategy, LateFees, Restructuring
from abs_model.collateral.synthetic import synthetic_pool
from abs_model.projection import engine, roll_rate
from abs_model.projection.replines import loan_lines, rep_lines
from tests.abs_model.projection import engine_reference, plan_kernels_reference

ROLLS = RollRates.simple(roll=[0.04, 0.35, 0.5, 0.6, 0.7, 0.8, 1.0], cure=[0.3, 0.2, 0.1, 0.05, 0.0, 0.0])
LATE = LateFees(daily_rate=0.0005, grace_days=3, apr_cap=0.24, waived_share=0.2, product_rates={"level_payment": 0.0003})
STAGES = (CollectionStage("sms", buckets=(1,), cost_per_account=0.5), CollectionStage("agency", buckets=(3,), contingency_fee=0.25))


def strategy(*plans: Restructuring) -> CollectionStrategy:
    return CollectionStrategy("plans", stages=STAGES, restructuring=plans)


CASES = {
    "baitiao spread": strategy(Restructuring(take_up={2: 0.10}, plan="spread_arrears", periods=6, redefault_rate=0.08)),
    "spread over two buckets, waived": strategy(
        Restructuring(take_up={1: 0.05, 3: 0.2}, plan="spread_arrears", periods=4, redefault_rate=0.1, prepay_rate=0.02, late_fees="waive")
    ),
    "re-age with a fee and a down payment": strategy(
        Restructuring(take_up={1: 0.1, 3: 0.2}, plan="re_age", periods=9, fee_rate=0.004, down_payment=0.1, prepay_rate=0.03)
    ),
    "freeze, waived": strategy(Restructuring(take_up={3: 0.3}, plan="freeze", periods=12, redefault_rate=0.05, late_fees="waive")),
    "every kind at once": strategy(
        Restructuring(take_up={2: 0.1}, plan="spread_arrears", periods=6, redefault_rate=0.08),
        Restructuring(take_up={3: 0.1}, plan="re_age", periods=6, fee_rate=0.003),
        Restructuring(take_up={1: 0.05}, plan="freeze", periods=10, down_payment=0.05),
        Restructuring(take_up={3: 0.1}, buy_back=True),
    ),
}


def run(lines, a: Assumptions, *, old: bool, keep_lines: bool = False) -> engine.LineProjection:  # type: ignore[no-untyped-def]
    mults = {"prepay_mult": np.array([0.5, 1.0, 1.5]), "default_mult": np.array([1.0, 2.5, 4.0]), "recovery_mult": np.array([1.0, 0.8, 0.6])}
    if not old:
        return engine.project_lines(lines, a, keep_lines=keep_lines, **mults)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(roll_rate, "late_fee_step", plan_kernels_reference.late_fee_step)
        return engine_reference.project_lines(lines, a, keep_lines=keep_lines, **mults)  # type: ignore[arg-type,return-value]


def assert_same(new: engine.LineProjection, old: engine.LineProjection) -> None:
    assert new.totals.keys() == old.totals.keys()
    for f, v in old.totals.items():
        np.testing.assert_array_equal(new.totals[f], v, err_msg=f)
    if old.line_closing is not None:
        np.testing.assert_array_equal(new.line_closing, old.line_closing)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("late", [LATE, None], ids=["late fees", "no late fees"])
def test_plan_kernels_equal_the_earlier_ones_bit_for_bit(case: str, late: LateFees | None) -> None:
    pool = synthetic_pool(4000, seed=7)
    a = Assumptions.make(cpr=0.15, roll_rates=ROLLS, recovery_rate=0.2, late_fees=late, collections=CASES[case])
    lines = rep_lines(pool, a)
    new, old = run(lines, a, old=False), run(lines, a, old=True)
    assert old.totals["restructured_entries"].sum() > 0  # the plans take receivables in
    assert_same(new, old)


def test_segment_take_ups_and_loan_level_balances_equal_the_earlier_ones() -> None:
    # a segment with its own take-up (the plan's buckets differ by group) and loan-level output
    pool = synthetic_pool(600, seed=3)
    override = SegmentOverride("product", "level_payment", take_up={"re_age": {1: 0.3}})
    a = Assumptions.make(
        cpr=0.1, roll_rates=ROLLS, late_fees=LATE, segment_overrides=(override,),
        collections=strategy(Restructuring(take_up={2: 0.1}, plan="re_age", periods=6)),
    )
    lines = loan_lines(pool, a)
    assert_same(run(lines, a, old=False, keep_lines=True), run(lines, a, old=True, keep_lines=True))


@pytest.mark.parametrize(("B", "S", "G"), [(2, 1, 1), (4, 1, 7), (4, 3, 1), (4, 5, 24), (7, 2, 9), (3, 17, 40)])
def test_late_fee_step_equals_the_earlier_one_bit_for_bit(B: int, S: int, G: int) -> None:
    # random states, late fees and roll coefficients, some (from, to) pairs never used (zero)
    from abs_model.projection.groups import Weights
    from abs_model.projection.late_fees import late_fee_step

    rng = np.random.default_rng(B * 1000 + S * 10 + G)
    scale = 10.0 ** rng.integers(-4, 6, (B, S, G))
    xk, L = rng.random((B, S, G)), rng.random((B, S, G)) * scale
    coef = rng.random((S, B, B + 1, G)) * (rng.random((1, B, B + 1, 1)) < 0.6)
    used = tuple((j, c) for j in range(B) for c in range(B + 1) if np.any(coef[:, j, c] > 0))
    w = [rng.random((B, G)) * 1e4 for _ in range(6)]
    wb = Weights(w[0], w[1], w[2], w[3][0], np.maximum(w[4], w[4][:1]), np.minimum(w[5], w[5][:1]))
    for terms in (LATE, LateFees(daily_rate=0.001, grace_days=0, waived_share=0.0)):
        new, old = late_fee_step(terms, L, xk, coef, used, wb), plan_kernels_reference.late_fee_step(terms, L, xk, coef, used, wb)
        for f in ("state", "accrued", "collected", "waived", "written_off"):
            np.testing.assert_array_equal(getattr(new, f), getattr(old, f), err_msg=f)


OTHER = {
    "sifma CDR with advancing": Assumptions.make(cpr=0.1, cdr=0.05, recovery_rate=0.4, recovery_lag=6, convention="sifma", advancing=True),
    "sifma cumulative default": Assumptions.make(
        cpr=0.1, cumulative_default=0.06, default_timing=[0.4, 0.3, 0.3], recovery_rate=0.4, recovery_lag=3, convention="sifma"
    ),
    "absbox": Assumptions.make(cpr=0.1, cdr=0.05, recovery_rate=0.4, recovery_lag=2, convention="absbox"),
    "roll rates, charge-off path": Assumptions.make(
        cpr=0.12, roll_rates=ROLLS, late_fees=LATE,
        collections=CollectionStrategy("legal", stages=STAGES, charge_off=ChargeOffPath(sale_share=0.3, sale_price=0.1, legal_share=0.5,
                                                                                        legal_cost_per_case=40.0, legal_success_rate=0.5)),
    ),
}


@pytest.mark.parametrize("case", list(OTHER))
def test_the_engine_equals_the_earlier_one_under_every_convention(case: str) -> None:
    # the period loop's own economies (the SMM index made once, the recovery caps made once and
    # nothing recoverable computed where a charge-off path recomputes it) on the other paths
    a = OTHER[case]
    lines = rep_lines(synthetic_pool(3000, seed=11), a)
    assert_same(run(lines, a, old=False), run(lines, a, old=True))


def test_parts_with_shared_state_paths_equal_the_earlier_engine() -> None:
    # parts side by side, and scenarios sharing (prepay, default) pairs with their own recovery
    # multiples. Under the roll-rate convention the parts now run along the group axis (issue 16,
    # fifth round: one block of U rows, each part summed over its own groups by
    # abs_model.projection.groups.PartSums, where the earlier engine stepped K blocks of rows and
    # summed every group, the other parts' exact zeros included): the same terms added in another
    # order, so equal to 1e-12 relative to each column's largest magnitude, not to the last bit.
    a = Assumptions.make(cpr=0.15, roll_rates=ROLLS, recovery_rate=0.2, late_fees=LATE, collections=CASES["baitiao spread"])
    lines = rep_lines(synthetic_pool(2000, seed=5), a)
    parts = np.arange(len(lines)) % 3
    pm, dm = np.repeat([0.8, 1.2], 3), np.tile([1.0, 2.0, 3.0], 2)
    mults = {"prepay_mult": np.tile(pm, 2), "default_mult": np.tile(dm, 2), "recovery_mult": np.repeat([1.0, 0.5], 6)}
    new = engine.project_parts(lines, a, parts, **mults)  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(roll_rate, "late_fee_step", plan_kernels_reference.late_fee_step)
        old = engine_reference.project_parts(lines, a, parts, **mults)  # type: ignore[arg-type]
    assert new.totals.keys() == old.totals.keys()
    for f, v in old.totals.items():
        scale = float(np.abs(v).max(initial=0.0))
        np.testing.assert_allclose(new.totals[f], v, rtol=1e-12, atol=1e-12 * scale, err_msg=f)


def test_parts_in_blocks_of_rows_equal_the_earlier_engine_bit_for_bit() -> None:
    # the other conventions keep the parts in blocks of rows, as the earlier engine: the same
    # arithmetic, to the last bit
    a = OTHER["sifma CDR with advancing"]
    lines = rep_lines(synthetic_pool(2000, seed=5), a)
    parts = np.arange(len(lines)) % 3
    mults = {"prepay_mult": np.array([0.8, 1.2, 1.2]), "default_mult": np.array([1.0, 3.0, 3.0]), "recovery_mult": np.array([1.0, 0.5, 1.0])}
    new = engine.project_parts(lines, a, parts, **mults)  # type: ignore[arg-type]
    old = engine_reference.project_parts(lines, a, parts, **mults)  # type: ignore[arg-type]
    assert new.totals.keys() == old.totals.keys()
    for f, v in old.totals.items():
        np.testing.assert_array_equal(new.totals[f], v, err_msg=f)


@pytest.mark.parametrize(("P", "U", "S", "G"), [(1, 1, 1, 1), (5, 1, 4, 1), (7, 3, 9, 5), (4, 2, 2, 30)])
@pytest.mark.parametrize("plans", [True, False], ids=["plans", "no plans"])
def test_recoverable_money_of_every_period_at_once_equals_period_by_period(P: int, U: int, S: int, G: int, plans: bool) -> None:
    from abs_model.projection.recoveries import Recoverable, recoverable

    rng = np.random.default_rng(P * 1000 + S * 10 + G)
    default_bal = rng.random((P, U, G)) * 10.0 ** rng.integers(-2, 7, (P, U, G))
    plan_defaults = rng.random((P, U)) * 1e4 if plans else None
    take = rng.integers(0, U, S)
    rate_g, rm = rng.random(G), rng.random(S) * 2.0
    got = Recoverable(rate_g, rm, 0.3).periods(default_bal, plan_defaults, take)
    for p in range(P):
        want = recoverable(default_bal[p][take], rate_g, rm, 0.0 if plan_defaults is None else plan_defaults[p][take], 0.3)
        np.testing.assert_array_equal(got[:, p], want)

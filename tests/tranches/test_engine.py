"""Engine behaviour over several periods: payment frequency, revolving, clean-up, turbo,
conservation failures and input validation — numbers derived by hand in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from tests.tranches.support import month_ends
from tranches import (
    CleanupCall,
    ConservationError,
    Engine,
    LiabilityError,
    LiabilityResult,
    PeriodInputs,
    Structure,
    Tranche,
    Trigger,
    Waterfall,
    kernels,
    run_liabilities,
    steps,
)

CENT = 0.005
TOL = 1e-9


def two_class(revolving_periods: int = 0, **kw: object) -> Structure:
    amort = Waterfall([steps.PayInterest(("A",)), steps.PayPrincipal(("A", "Sub")), steps.PayResidual()])
    wfs = {"amortising": amort}
    if revolving_periods:
        wfs["revolving"] = Waterfall(
            [steps.PayInterest(("A",)), steps.BuyReceivables(), steps.PayResidual(source="interest")]
        )
    return Structure(
        tranches=(Tranche("A", 100_000.0, 0.12), Tranche("Sub", 20_000.0, tranche_class="subordinated")),
        waterfalls=wfs,
        revolving_periods=revolving_periods,
        **kw,
    )  # type: ignore[arg-type]


def test_quarterly_payments_carry_collections_monthly() -> None:
    st = two_class(revolving_periods=6, payment_every={"revolving": 3})
    # A accrues 100,000 × 1 % = 1,000 a month; interest 800 a month collected; principal 5,000 a
    # month, capacity 4,000: bought monthly, 1,000 a month left in the principal pot
    r = run_liabilities(
        st,
        period_end_dates=month_ends(8),
        initial_pool_balance=120_000.0,
        interest_collected=800.0,
        principal_collected=5_000.0,
        purchase_capacity=4_000.0,
        pool_balance_end=120_000.0,
    )
    rev = r.revolving_frame(0)
    assert rev["payment_date"].tolist() == [False, False, True, False, False, True, True, True]
    assert rev["purchased"].tolist() == pytest.approx([4_000.0] * 6 + [0.0, 0.0])
    assert rev["unreinvested"].tolist() == pytest.approx([1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 0, 0])
    acc = r.account_frame(0)
    # interest carried 800, 1,600 then paid on month 3: 3 × 1,000 due, 2,400 there → 600 short
    assert acc["interest_account_end"].tolist()[:2] == pytest.approx([800.0, 1_600.0])
    a = r.tranche_frame("A")
    assert a["interest_due"].tolist()[:3] == pytest.approx([0.0, 0.0, 3_000.0])
    assert a["interest_paid"].tolist()[:3] == pytest.approx([0.0, 0.0, 2_400.0])
    assert a["interest_shortfall"].iloc[2] == pytest.approx(600.0)
    # month 6: 3,000 + 600 carried + interest on it 600 × 1 % × 3 months = 18
    assert a["interest_due"].iloc[5] == pytest.approx(3_618.0)
    # month 7 (amortising, monthly): principal pot 6,000 carried + 5,000 → A
    assert a["principal_paid"].iloc[6] == pytest.approx(11_000.0)


def test_revolving_then_amortising_with_price() -> None:
    st = Structure(
        tranches=(Tranche("A", 100_000.0), Tranche("Sub", 20_000.0, tranche_class="subordinated")),
        waterfalls={
            "revolving": Waterfall([steps.BuyReceivables(price=1.02)]),
            "amortising": Waterfall([steps.PayPrincipal(("A", "Sub"))]),
        },
        revolving_periods=2,
    )
    # 10,200 of principal buys 10,000 par at 102 %; then it amortises A
    r = run_liabilities(
        st,
        period_end_dates=month_ends(3),
        initial_pool_balance=120_000.0,
        principal_collected=10_200.0,
        interest_collected=0.0,
        pool_balance_end=120_000.0,
    )
    assert r.purchased[0].tolist() == pytest.approx([10_000.0, 10_000.0, 0.0])
    assert r.tranche("A").principal_paid[0].tolist() == pytest.approx([0.0, 0.0, 10_200.0])
    assert r.revolving_frame(0)["phase"].tolist() == ["revolving", "revolving", "amortising"]


def test_engine_step_interface_reports_purchases_and_call() -> None:
    st = two_class(revolving_periods=1, cleanup=CleanupCall(threshold=0.10, price=1.0))
    eng = Engine(
        st, n_scenarios=2, period_end_dates=month_ends(3), initial_pool_balance=np.array([120_000.0, 120_000.0])
    )
    state = eng.start()
    out = eng.step(
        state,
        1,
        PeriodInputs(
            interest_collected=1_000.0,
            principal_collected=np.array([3_000.0, 0.0]),
            pool_balance_begin=120_000.0,
            pool_balance_end=120_000.0,
            purchase_capacity=np.inf,
        ),
    )
    assert out.purchased.tolist() == pytest.approx([3_000.0, 0.0])
    assert out.called.tolist() == [False, False]
    # period 2: scenario 1's pool falls to 10,000 ≤ 10 % × 120,000 → called at par
    out = eng.step(
        state,
        2,
        PeriodInputs(
            interest_collected=1_000.0,
            principal_collected=np.array([5_000.0, 110_000.0]),
            pool_balance_begin=120_000.0,
            pool_balance_end=np.array([115_000.0, 10_000.0]),
        ),
    )
    assert out.called.tolist() == [False, True]
    eng.step(
        state,
        3,
        PeriodInputs(
            interest_collected=1_000.0,
            principal_collected=5_000.0,
            pool_balance_begin=115_000.0,
            pool_balance_end=110_000.0,
        ),
    )
    r = eng.finish(state)
    a = r.tranche_frame("A", scenario=1)
    # scenario 1, period 2: A interest 1,000 from 1,000; principal 110,000 + 10,000 proceeds →
    # A 100,000 then Sub 20,000; nothing left to write down, later periods ignored
    assert a["principal_paid"].tolist() == pytest.approx([0.0, 100_000.0, 0.0])
    assert r.tranche("Sub").principal_paid[1].tolist() == pytest.approx([0.0, 20_000.0, 0.0])
    assert r.account_frame(1)["cleanup_proceeds"].tolist() == pytest.approx([0, 10_000.0, 0])
    assert r.called[1].tolist() == [False, True, False]
    assert r.account_frame(1)["available_funds"].iloc[2] == 0.0  # collections ignored after call


def test_cleanup_below_par_writes_down_the_rest() -> None:
    st = two_class(cleanup=CleanupCall(threshold=0.10, price=0.5, redeems="any"))
    # period 1 pool ends at 10,000 (call): proceeds 5,000 + principal 0 → A 5,000; the other
    # 95,000 of A and 20,000 of Sub are written down
    r = run_liabilities(
        st,
        period_end_dates=month_ends(2),
        initial_pool_balance=120_000.0,
        interest_collected=[1_000.0, 0.0],
        principal_collected=0.0,
        pool_balance_end=[10_000.0, 10_000.0],
    )
    assert r.tranche("A").principal_paid[0, 0] == pytest.approx(5_000.0)
    assert r.tranche("A").writedown[0, 0] == pytest.approx(95_000.0)
    assert r.tranche("Sub").writedown[0, 0] == pytest.approx(20_000.0)


def call_period_1(redeems: str, principal: float) -> LiabilityResult:
    """Period 1: A owes 1,000 interest (12 % a year, one month) and 100,000; the pool ends at
    10,000 (factor 1/12 ≤ 0.10), call price 1 → proceeds 10,000; period 2 pays the pool off.
    Notes written down at legal final only, so a writedown in period 1 is the call's."""
    return run_liabilities(
        two_class(cleanup=CleanupCall(threshold=0.10, redeems=redeems), writedown="legal_final"),  # type: ignore[arg-type]
        period_end_dates=month_ends(2),
        initial_pool_balance=120_000.0,
        interest_collected=[1_000.0, 0.0],
        principal_collected=[principal, 10_000.0],
        pool_balance_end=[10_000.0, 0.0],
    )


def test_cleanup_call_is_exercised_only_where_it_redeems_the_rated_classes() -> None:
    # cash 1,000 + 89,000 + proceeds 10,000 = 100,000 < A's 1,000 + 100,000: no call ("rated")
    short = call_period_1("rated", 89_000.0)
    assert short.called[0].tolist() == [False, False]
    assert short.account_frame(0)["cleanup_proceeds"].tolist() == [0.0, 0.0]
    assert short.tranche("A").writedown[0, 0] == 0.0  # A runs on: 100,000 − 89,000 = 11,000 owed
    assert short.tranche("A").balance_end[0, 0] == pytest.approx(11_000.0)
    # the same inputs when the call may leave classes unpaid: A written down 1,000, Sub 20,000
    anyway = call_period_1("any", 89_000.0)
    assert anyway.called[0].tolist() == [True, False]
    assert anyway.tranche("A").writedown[0, 0] == pytest.approx(1_000.0)
    assert anyway.tranche("Sub").writedown[0, 0] == pytest.approx(20_000.0)
    # 1,000 more principal: cash 101,000 = what A is owed, the call goes ahead; the subordinated
    # class is not a class the call must redeem ("rated"): its 20,000 is written down
    exact = call_period_1("rated", 90_000.0)
    assert exact.called[0].tolist() == [True, False]
    assert exact.tranche("A").principal_paid[0, 0] == pytest.approx(100_000.0)
    assert exact.tranche("A").writedown[0, 0] == 0.0
    assert exact.tranche("Sub").writedown[0, 0] == pytest.approx(20_000.0)
    # "all": the subordinated class too, 121,000 > 101,000: no call
    assert call_period_1("all", 90_000.0).called[0].tolist() == [False, False]


def test_recoveries_still_to_come_at_the_call_go_with_the_pool_and_debit_the_pdl() -> None:
    # period 1: 2,000 defaults, 500 of them to be recovered later (pending 500); the PDL holds the
    # net loss 1,500. The pool ends at 10,000 and is called (proceeds 10,000, "any"): the 500 still
    # to come go with the pool to its buyer, so the PDL is debited with them in the call period
    # (1,500 + 500 = 2,000: the whole default is a loss to the trust); nothing covers it here.
    r = run_liabilities(
        two_class(cleanup=CleanupCall(threshold=0.10, redeems="any")),
        period_end_dates=month_ends(3),
        initial_pool_balance=120_000.0,
        interest_collected=[1_000.0, 0.0, 0.0],
        principal_collected=[108_000.0, 0.0, 0.0],
        new_defaults=[2_000.0, 0.0, 0.0],
        recoveries=[0.0, 0.0, 500.0],
        recoveries_pending=[500.0, 500.0, 0.0],
        pool_balance_end=[10_000.0, 10_000.0, 0.0],
    )
    assert r.called[0].tolist() == [True, False, False]
    acc = r.account_frame(0)
    assert acc["pdl_debit"].tolist() == pytest.approx([2_500.0, 0.0, 0.0])  # 2,000 + 500 forgone
    assert acc["pdl_credit"].tolist() == pytest.approx([500.0, 0.0, 0.0])  # the 500 then expected
    assert acc["pdl_end"].tolist() == pytest.approx([2_000.0, 2_000.0, 2_000.0])  # nothing after the call


def test_cleanup_call_refuses_an_unknown_condition() -> None:
    with pytest.raises(ValueError, match=r"cleanup.redeems: must be one of 'rated', 'all', 'any'"):
        CleanupCall(threshold=0.1, redeems="senior")  # type: ignore[arg-type]


def three_class_with_trigger(trigger: Trigger) -> Structure:
    return Structure(
        tranches=(
            Tranche("A", 600.0),
            Tranche("B", 400.0, tranche_class="mezzanine"),
            Tranche("Sub", 200.0, tranche_class="subordinated"),
        ),
        waterfalls={
            "amortising": Waterfall([steps.PayPrincipal(("A", "B"), mode="pro_rata"), steps.PayResidual()]),
            "accelerated": Waterfall(
                [steps.PayPrincipal(("A", "B"), source="principal_then_interest"), steps.PayResidual()]
            ),
        },
        triggers=(trigger,),
    )


def test_sequential_pro_rata_and_turbo() -> None:
    kw = dict(
        period_end_dates=month_ends(2),
        initial_pool_balance=1_200.0,
        interest_collected=100.0,
        principal_collected=500.0,
        pool_balance_end=1_200.0,
    )
    # pro rata: 500 by 600 : 400 → 300 / 200; interest 100 → residual
    pro = run_liabilities(three_class_with_trigger(Trigger("dq", "delinquency_ratio", 0.5, "sequential")), **kw)  # type: ignore[arg-type]
    assert pro.tranche("A").principal_paid[0, 0] == pytest.approx(300.0)
    assert pro.tranche("B").principal_paid[0, 0] == pytest.approx(200.0)
    # delinquency 0.6 > 0.5 → sequential: A 500, B 0
    seq = run_liabilities(
        three_class_with_trigger(Trigger("dq", "delinquency_ratio", 0.5, "sequential")), delinquent_balance=720.0, **kw
    )  # type: ignore[arg-type]
    assert seq.tranche("A").principal_paid[0, 0] == pytest.approx(500.0)
    assert seq.tranche("B").principal_paid[0, 0] == pytest.approx(0.0)
    # turbo: accelerated waterfall pays A then B from principal and then interest: 600 → A 600
    turbo = run_liabilities(
        three_class_with_trigger(Trigger("dq", "delinquency_ratio", 0.5, "accelerate")), delinquent_balance=720.0, **kw
    )  # type: ignore[arg-type]
    assert turbo.tranche("A").principal_paid[0, 0] == pytest.approx(600.0)
    assert turbo.tranche("Sub").residual_paid[0, 0] == pytest.approx(0.0)


def test_writedown_legal_final_only() -> None:
    st = two_class(writedown="legal_final")
    kw = dict(
        period_end_dates=month_ends(2),
        initial_pool_balance=120_000.0,
        interest_collected=0.0,
        principal_collected=0.0,
        pool_balance_end=60_000.0,
    )
    r = run_liabilities(st, **kw)  # type: ignore[arg-type]
    # 120,000 of notes against 60,000 of pool: nothing in period 1, 60,000 at the end, Sub first
    assert r.tranche("Sub").writedown[0].tolist() == pytest.approx([0.0, 20_000.0])
    assert r.tranche("A").writedown[0].tolist() == pytest.approx([0.0, 40_000.0])
    per = run_liabilities(two_class(), **kw)  # type: ignore[arg-type]
    assert per.tranche("Sub").writedown[0].tolist() == pytest.approx([20_000.0, 0.0])


def test_step_up_coupon_and_act_365() -> None:
    st = Structure(
        tranches=(
            Tranche("A", 100_000.0, [0.05, 0.05, 0.08], day_count="ACT/365F"),
            Tranche("Sub", 0.0, tranche_class="subordinated"),
        ),
        waterfalls={"amortising": Waterfall([steps.PayInterest(("A",))])},
    )
    r = run_liabilities(
        st,
        period_end_dates=month_ends(4),
        initial_pool_balance=100_000.0,
        interest_collected=10_000.0,
        principal_collected=0.0,
        pool_balance_end=100_000.0,
    )
    # Jan 31, Feb 28, Mar 31, Apr 30 2025 (cut-off Dec 31): 31, 28, 31, 30 days
    due = [100_000 * 0.05 * 31 / 365, 100_000 * 0.05 * 28 / 365, 100_000 * 0.08 * 31 / 365, 100_000 * 0.08 * 30 / 365]
    assert r.tranche("A").interest_due[0].tolist() == pytest.approx(due, abs=TOL)


def test_broken_step_raises_conservation_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # a residual step that pays out cash without taking it from the account
    def leaky(ctx, c, mf):  # type: ignore[no-untyped-def]
        ctx.L[c.rows[0]] += 1.0

    monkeypatch.setattr(kernels, "residual", leaky)
    with pytest.raises(ConservationError, match="period 1"):
        run_liabilities(
            two_class(),
            period_end_dates=month_ends(2),
            initial_pool_balance=1.0,
            interest_collected=5.0,
            principal_collected=0.0,
            pool_balance_end=1.0,
        )


def test_corrupted_state_raises_conservation_error() -> None:
    st = two_class()
    eng = Engine(st, n_scenarios=1, period_end_dates=month_ends(2), initial_pool_balance=1e5)
    state = eng.start()
    state.bal[0] = -50.0  # a negative tranche balance can never be valid
    # principal "repays" −50 (a negative payment): caught as a negative cash movement
    with pytest.raises(ConservationError, match="negative cash movement"):
        eng.step(
            state,
            1,
            PeriodInputs(interest_collected=0.0, principal_collected=0.0, pool_balance_begin=1e5, pool_balance_end=1e5),
        )


def test_validation_names_path_rule_and_value() -> None:
    with pytest.raises(LiabilityError, match=r"tranches\['A'\].coupon\[0\].*got 5.1"):
        Tranche("A", 100.0, 5.1)
    with pytest.raises(LiabilityError, match="most senior first"):
        Structure(
            tranches=(Tranche("S", 1.0, tranche_class="subordinated"), Tranche("A", 1.0)),
            waterfalls={"amortising": Waterfall([])},
        )
    with pytest.raises(LiabilityError, match="unknown tranche"):
        Structure(tranches=(Tranche("A", 1.0),), waterfalls={"amortising": Waterfall([steps.PayInterest(("X",))])})
    with pytest.raises(LiabilityError, match="'accelerated' waterfall"):
        Structure(
            tranches=(Tranche("A", 1.0),),
            waterfalls={"amortising": Waterfall([])},
            triggers=(Trigger("c", "cumulative_default_rate", 0.1, "accelerate"),),
        )
    eng = Engine(two_class(), n_scenarios=2, period_end_dates=month_ends(2), initial_pool_balance=1.0)
    with pytest.raises(LiabilityError, match=r"interest_collected\[1\].*-1.0"):
        eng.step(
            eng.start(),
            1,
            PeriodInputs(
                interest_collected=np.array([1.0, -1.0]),
                principal_collected=0.0,
                pool_balance_begin=1.0,
                pool_balance_end=1.0,
            ),
        )
    with pytest.raises(LiabilityError, match="next period 1"):
        eng.step(
            eng.start(),
            2,
            PeriodInputs(interest_collected=0.0, principal_collected=0.0, pool_balance_begin=1.0, pool_balance_end=1.0),
        )


def test_revolving_purchase_with_excess_interest() -> None:
    st = Structure(
        tranches=(Tranche("A", 100_000.0, 0.12), Tranche("Sub", 20_000.0, tranche_class="subordinated")),
        waterfalls={
            "revolving": Waterfall([steps.PayInterest(("A",)), steps.BuyReceivables(source="principal_then_interest")]),
            "amortising": Waterfall([steps.PayInterest(("A",)), steps.PayPrincipal(("A",))]),
        },
        revolving_periods=1,
    )
    # principal 5,000 + interest 3,000 − A's 1,000 coupon = 7,000 spent on receivables
    r = run_liabilities(
        st,
        period_end_dates=month_ends(2),
        initial_pool_balance=120_000.0,
        interest_collected=3_000.0,
        principal_collected=5_000.0,
        pool_balance_end=120_000.0,
    )
    assert r.purchased[0, 0] == pytest.approx(7_000.0)
    assert r.account_frame(0)["interest_account_end"].iloc[0] == pytest.approx(0.0)

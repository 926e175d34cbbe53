"""Chinese consumer-ABS structures on numbers worked by hand: liquidity reserve (流动性储备),
subordinated period return (期间收益) with turbo, shortfall undertaking (差额支付承诺),
guarantee and buy-back (赎回). Monthly 30/360 month ends: one month accrues exactly 1/12.

Every run also passes the engine's conservation check (it raises otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from tests.tranches.conftest import month_ends
from tranches import (
    CleanupCall,
    Fee,
    LiabilityError,
    LiabilityResult,
    ReserveAccount,
    Structure,
    Tax,
    Tranche,
    Trigger,
    Waterfall,
    run_liabilities,
    steps,
)
from tranches.steps import Step

CENT = 0.005

A = Tranche("A", 100_000.0, 0.12)  # 1,000 interest a month
SUB = Tranche("Sub", 20_000.0, tranche_class="subordinated")
TRUSTEE = Fee("trustee", basis="fixed", amount=12_000.0)  # 1,000 a month
VAT = Tax("vat", 0.0326)


def run(waterfall: Sequence[Step], *, periods: int = 3, every: int = 1, **kw: Any) -> LiabilityResult:
    opts = {k: kw.pop(k) for k in ("fees", "reserve", "collection_account") if k in kw}
    st = Structure(
        tranches=(A, SUB),
        waterfalls={"amortising": Waterfall(waterfall)},
        payment_every={"amortising": every},
        **opts,
    )
    kw.setdefault("interest_collected", 0.0)
    kw.setdefault("principal_collected", 0.0)
    kw.setdefault("pool_balance_end", 1_000_000.0)
    return run_liabilities(st, period_end_dates=month_ends(periods), initial_pool_balance=1_000_000.0, **kw)


def flows(r: LiabilityResult, source: str) -> np.ndarray:
    return r.flows(lambda key: key[0] == source)[0]


# ------------------------------------------------------------------ liquidity reserve
LIQUIDITY_WATERFALL = [
    steps.DrawLiquidityReserve(),
    steps.PayTax("vat"),
    steps.PayFee("trustee"),
    steps.PayInterest(("A",)),
    steps.PayPrincipal(("A",)),
    steps.FundLiquidityReserve(),
    steps.ReleaseReserve(),
    steps.PayResidual(),
]


def test_liquidity_reserve_sized_drawn_and_released() -> None:
    # period 1: interest 10,000, principal 50,000. VAT 326, trustee 1,000, A interest 1,000,
    #   A principal 50,000 → A 50,000. Target = next month's A interest 50,000 × 1 % = 500
    #   + trustee 1,000 + VAT 3.26 % × 10,000 = 326 → 1,826, deposited from interest.
    #   Residual = 10,000 − 326 − 1,000 − 1,000 − 1,826 = 5,848.
    # period 2: no interest, principal 50,000. Need = trustee 1,000 + A interest 500 = 1,500 and
    #   the interest pot is empty: draw 1,500 (reserve 326 left). A repaid. Target = trustee
    #   1,000 (A is gone, VAT on 0 interest is 0): nothing to deposit (no cash), nothing released.
    # period 3 (last): interest 2,000. Need VAT 65.20 + 1,000 ≤ cash: no draw. Target 0:
    #   release 326. Residual = 2,000 − 65.20 − 1,000 + 326 = 1,260.80.
    r = run(
        LIQUIDITY_WATERFALL,
        fees=(VAT, TRUSTEE),
        reserve=ReserveAccount(),
        interest_collected=[10_000.0, 0.0, 2_000.0],
        principal_collected=[50_000.0, 50_000.0, 0.0],
    )
    acc = r.arrays
    assert acc["res_target"][0] == pytest.approx([1_826.0, 1_000.0, 0.0], abs=CENT)
    assert acc["res_draw"][0] == pytest.approx([0.0, 1_500.0, 326.0], abs=CENT)
    assert acc["res_deposit"][0] == pytest.approx([1_826.0, 0.0, 0.0], abs=CENT)
    assert acc["res_end"][0] == pytest.approx([1_826.0, 326.0, 0.0], abs=CENT)
    assert r.tranche("A").interest_paid[0] == pytest.approx([1_000.0, 500.0, 0.0], abs=CENT)
    assert r.tranche("A").interest_shortfall[0] == pytest.approx([0.0, 0.0, 0.0], abs=CENT)
    assert r.tranche("Sub").residual_paid[0] == pytest.approx([5_848.0, 0.0, 1_260.8], abs=CENT)


def test_release_reserve_against_the_accounts_own_target() -> None:
    # a pre-funded fixed reserve of 5,000 with a target of 3,000: the excess 2,000 is released
    # in period 1 and goes to the residual with the 1,000 of interest left after A's coupon
    r = run(
        [steps.PayInterest(("A",)), steps.ReleaseReserve(liquidity=False), steps.PayResidual()],
        periods=2,
        reserve=ReserveAccount(amount=3_000.0, initial=5_000.0),
        interest_collected=2_000.0,
    )
    assert r.arrays["res_end"][0, 0] == pytest.approx(3_000.0, abs=CENT)
    assert r.tranche("Sub").residual_paid[0, 0] == pytest.approx(3_000.0, abs=CENT)


def test_liquidity_steps_need_a_reserve_account() -> None:
    with pytest.raises(LiabilityError, match="needs a reserve account"):
        Structure(tranches=(A, SUB), waterfalls={"amortising": Waterfall([steps.DrawLiquidityReserve()])})


# ------------------------------------------------------------------ period return
def test_period_return_cap_with_turbo_into_senior_principal() -> None:
    # interest 5,000; A coupon 1,000; principal 10,000 to A. Period return cap on Sub:
    # 10 % × 20,000 × 1/12 = 166.67; the other 5,000 − 1,000 − 166.67 = 3,833.33 turbo-pays A.
    r = run(
        [
            steps.PayInterest(("A",)),
            steps.PayPrincipal(("A",)),
            steps.PayPeriodReturn("Sub", 0.10, turbo=("A",)),
        ],
        periods=1,
        interest_collected=5_000.0,
        principal_collected=10_000.0,
    )
    cap = 0.10 * 20_000.0 / 12.0
    assert r.tranche("Sub").residual_paid[0, 0] == pytest.approx(cap, abs=CENT)
    assert r.tranche("A").principal_paid[0, 0] == pytest.approx(10_000.0 + 4_000.0 - cap, abs=CENT)
    assert r.tranche("A").balance_end[0, 0] == pytest.approx(100_000.0 - 14_000.0 + cap, abs=CENT)


def test_period_return_without_turbo_retains_the_rest_and_counts_quarter_months() -> None:
    # quarterly payment dates: the cap at period 3 covers 3 months, 10 % × 20,000 × 3/12 = 500;
    # of 3 × 1,000 of interest collected, A takes 3 × 1,000 × ... (A is paid no coupon here)
    # so 3,000 − 500 = 2,500 stays in the interest pot (retained), not paid out.
    r = run(
        [steps.PayPeriodReturn("Sub", 0.10)],
        periods=3,
        every=3,
        interest_collected=1_000.0,
    )
    assert r.tranche("Sub").residual_paid[0] == pytest.approx([0.0, 0.0, 500.0], abs=CENT)
    assert r.arrays["cash_int"][0, 2] == pytest.approx(2_500.0, abs=CENT)


def test_period_return_rejects_a_percent_rate_and_unknown_names() -> None:
    with pytest.raises(LiabilityError, match="decimal"):
        steps.PayPeriodReturn("Sub", 8.0)
    with pytest.raises(LiabilityError, match="unknown tranche"):
        Structure(tranches=(A, SUB), waterfalls={"amortising": Waterfall([steps.PayPeriodReturn("Sub", 0.08, turbo=("X",))])})


# ------------------------------------------------------------------ shortfall undertaking
SUPPORT_KW: dict[str, Any] = {
    "fees": (TRUSTEE,),
    "interest_collected": 1_500.0,
    "principal_collected": [0.0, 0.0, 60_000.0],
}


def support_waterfall(**kw: Any) -> list[Step]:
    return [
        steps.ShortfallSupport(("A",), **kw),
        steps.PayFee("trustee"),
        steps.PayInterest(("A",)),
        steps.PayPrincipal(("A",)),
        steps.PayResidual(),
    ]


def test_shortfall_undertaking_pays_senior_interest_and_principal_at_legal_final() -> None:
    # each month: trustee 1,000 + A interest 1,000 = 2,000 due against 1,500 collected → 500.
    # period 3 (legal final): also A's 100,000 against 60,000 of principal → 40,000 more.
    r = run(support_waterfall(), **SUPPORT_KW)
    assert flows(r, "originator") == pytest.approx([500.0, 500.0, 40_500.0], abs=CENT)
    assert r.tranche("A").balance_end[0, 2] == pytest.approx(0.0, abs=CENT)
    assert r.tranche("A").interest_shortfall[0] == pytest.approx([0.0, 0.0, 0.0], abs=CENT)


def test_shortfall_undertaking_stops_at_its_limit() -> None:
    # limit 600: 500 in period 1, the last 100 in period 2 (A short 400), nothing in period 3
    r = run(support_waterfall(limit=600.0), **SUPPORT_KW)
    assert flows(r, "originator") == pytest.approx([500.0, 100.0, 0.0], abs=CENT)
    assert r.tranche("A").interest_shortfall[0, 1] == pytest.approx(400.0, abs=CENT)


def test_shortfall_undertaking_provider_default_stress() -> None:
    # the originator defaults in period 2: it pays only period 1's 500. A is then short 500 of
    # interest in period 2, 1,005 in period 3 (1,000 + 500 carried + 1 % on it = 1,505 due, 500
    # left after the trustee), and
    # 40,000 of principal is still owed after the legal-final payment.
    r = run(support_waterfall(provider_default_period=2), **SUPPORT_KW)
    assert flows(r, "originator") == pytest.approx([500.0, 0.0, 0.0], abs=CENT)
    assert r.tranche("A").interest_shortfall[0] == pytest.approx([0.0, 500.0, 1_005.0], abs=CENT)
    assert r.tranche("A").balance_end[0, 2] == pytest.approx(40_000.0, abs=CENT)


# ------------------------------------------------------------------ guarantee, buy-back
def test_guarantee_covers_a_share_of_defaults_up_to_a_limit() -> None:
    # 80 % of defaults 1,000 / 2,000 / 0, limit 2,000: 800, then min(2,400 − 800, 2,000 − 800)
    # = 1,200, then nothing; the PDL is credited by what is paid
    r = run(
        [steps.DefaultCover(0.8, limit=2_000.0), steps.PayPrincipal(("A",))],
        new_defaults=[1_000.0, 2_000.0, 0.0],
    )
    assert flows(r, "guarantor") == pytest.approx([800.0, 1_200.0, 0.0], abs=CENT)
    assert r.arrays["pdl_end"][0] == pytest.approx([200.0, 1_000.0, 1_000.0], abs=CENT)
    assert r.tranche("A").principal_paid[0].sum() == pytest.approx(2_000.0, abs=CENT)
    # the guarantor's money is a PDL credit of the accounts: debit 1,000 / 2,000 / 0, credit 800 /
    # 1,200 / 0, so begin + debit − credit = end every period (the credit was missing: the
    # report's and the workbook's PDL roll-forward check showed 800 and 1,200)
    acc = r.account_frame(0)
    assert acc["pdl_credit"].tolist() == pytest.approx([800.0, 1_200.0, 0.0], abs=CENT)
    assert (acc["pdl_begin"] + acc["pdl_debit"] - acc["pdl_credit"] - acc["pdl_end"]).abs().max() < CENT


def test_originator_buys_back_defaulted_receivables_at_a_price() -> None:
    # buy-back of every defaulted receivable at 90 % of par: 900, 1,800, 0
    r = run(
        [steps.DefaultCover(1.0, price=0.9, provider="originator"), steps.PayPrincipal(("A",))],
        new_defaults=[1_000.0, 2_000.0, 0.0],
    )
    assert flows(r, "originator") == pytest.approx([900.0, 1_800.0, 0.0], abs=CENT)


# ------------------------------------------------------------------ conservation
@settings(max_examples=40, deadline=None)
@given(
    ic=hs.lists(hs.floats(0.0, 5_000.0), min_size=6, max_size=6),
    pc=hs.lists(hs.floats(0.0, 30_000.0), min_size=6, max_size=6),
    nd=hs.lists(hs.floats(0.0, 3_000.0), min_size=6, max_size=6),
    every=hs.sampled_from([1, 3]),
    combined=hs.booleans(),
)
def test_every_new_step_keeps_conservation(
    ic: list[float], pc: list[float], nd: list[float], every: int, combined: bool
) -> None:
    waterfall = [
        steps.ShortfallSupport(("A",), limit=5_000.0),
        steps.DefaultCover(0.5, limit=4_000.0),
        steps.DrawLiquidityReserve(),
        steps.PayTax("vat"),
        steps.PayFee("trustee"),
        steps.PayInterest(("A",)),
        steps.PayPrincipal(("A",)),
        steps.FundLiquidityReserve(months=every),
        steps.ReleaseReserve(months=every),
        steps.PayPeriodReturn("Sub", 0.08, turbo=("A",)),
        steps.PayResidual(),
    ]
    r = run(
        waterfall,
        periods=6,
        every=every,
        fees=(VAT, TRUSTEE),
        reserve=ReserveAccount(initial=1_000.0),
        collection_account="combined" if combined else "separate",
        interest_collected=ic,
        principal_collected=pc,
        new_defaults=nd,
    )
    acc = r.arrays
    assert acc["res_end"][0, -1] == pytest.approx(0.0, abs=CENT)  # target 0 at the end: released
    # the guarantor's credits are booked: the PDL rolls forward every period
    assert np.allclose(acc["pdl_begin"] + acc["pdl_debit"] - acc["pdl_credit"], acc["pdl_end"], atol=CENT, rtol=0)
    for name in ("A", "Sub"):
        assert r.tranche(name).balance_end.min() >= -1e-9
    inflow = np.sum(ic) + np.sum(pc) + flows(r, "originator").sum() + flows(r, "guarantor").sum() + 1_000.0
    paid = sum(
        r.tranche(n).interest_paid.sum() + r.tranche(n).principal_paid.sum() + r.tranche(n).residual_paid.sum()
        for n in ("A", "Sub")
    ) + sum(r.fee(f).paid.sum() for f in ("vat", "trustee"))
    assert inflow == pytest.approx(paid + acc["cash_int"][0, -1] + acc["cash_prin"][0, -1], abs=1e-6)


# ------------------------------------------------------------------ serious delinquency
def buckets_by_period() -> np.ndarray:
    """(7 buckets, 4 periods): M2 / M3 of 10 / 5, 20 / 10, 30 / 15, 0 / 0 and 100 in M4 always."""
    b = np.zeros((7, 4))
    b[2] = [10.0, 20.0, 30.0, 0.0]
    b[3] = [5.0, 10.0, 15.0, 0.0]
    b[4] = 100.0
    return b


def sdq_result(trigger: Any) -> LiabilityResult:
    st = Structure(
        tranches=(A, SUB),
        waterfalls={"amortising": Waterfall([steps.PayInterest(("A",))])},
        triggers=(trigger,),
    )
    return run_liabilities(
        st,
        period_end_dates=month_ends(4),
        initial_pool_balance=1_000.0,
        interest_collected=0.0,
        principal_collected=0.0,
        pool_balance_end=1_000.0,
        delinquent_by_bucket=buckets_by_period(),
    )


def test_serious_delinquency_is_a_three_period_average_of_31_to_90_dpd() -> None:
    # ratios of M2+M3 over the 1,000 pool: 1.5 %, 3 %, 4.5 %, 0 %; the 3-period averages (fewer at
    # the start) are 1.5 %, 2.25 %, 3 %, 2.5 %; the M4 balance is outside the window.
    g = Trigger("sdq", "serious_delinquency", 0.028, "sequential", curable=True, average_periods=3)
    r = sdq_result(g)
    assert r.trigger("sdq").value[0] == pytest.approx([0.015, 0.0225, 0.03, 0.025], abs=1e-12)
    assert r.trigger("sdq").breached[0].tolist() == [False, False, True, False]


def test_serious_delinquency_window_is_configurable() -> None:
    # M2–M5, no averaging: (15 + 100) / 1,000, (30 + 100) / 1,000, ...
    g = Trigger("sdq", "serious_delinquency", [0.2, 0.12], "sequential", buckets=(2, 5))
    r = sdq_result(g)
    assert r.trigger("sdq").value[0] == pytest.approx([0.115, 0.13, 0.145, 0.1], abs=1e-12)
    assert r.trigger("sdq").breached[0].tolist() == [False, True, True, False]  # not curable: stays in force
    with pytest.raises(LiabilityError, match="buckets"):
        Trigger("bad", "serious_delinquency", 0.02, "sequential", buckets=(3, 2))


def test_serious_delinquency_needs_bucket_balances() -> None:
    st = Structure(
        tranches=(A, SUB),
        waterfalls={"amortising": Waterfall([steps.PayInterest(("A",))])},
        triggers=(Trigger("sdq", "serious_delinquency", 0.02, "sequential"),),
    )
    with pytest.raises(LiabilityError, match="delinquent_by_bucket"):
        run_liabilities(
            st,
            period_end_dates=month_ends(2),
            initial_pool_balance=1_000.0,
            interest_collected=0.0,
            principal_collected=0.0,
            pool_balance_end=1_000.0,
        )


def test_trigger_definitions_frame_states_every_part() -> None:
    g = Trigger("sdq", "serious_delinquency", [0.02, 0.03], "accelerate", average_periods=3)
    st = Structure(
        tranches=(A, SUB),
        waterfalls={"amortising": Waterfall([steps.PayInterest(("A",))]), "accelerated": Waterfall([steps.PayInterest(("A",))])},
        triggers=(g,),
    )
    r = run_liabilities(
        st,
        period_end_dates=month_ends(4),
        initial_pool_balance=1_000.0,
        interest_collected=0.0,
        principal_collected=0.0,
        pool_balance_end=1_000.0,
        delinquent_by_bucket=buckets_by_period(),
    )
    row = r.trigger_definitions_frame().iloc[0]
    assert row["window"] == "M2–M3 (31–90 days past due), average of the last 3 periods"
    assert row["threshold"] == "0.02, 0.03"
    assert row["denominator"].startswith("pool balance at the end")
    assert row["effect"] == "accelerate" and not row["curable"]


# ------------------------------------------------------------------ servicer event, commingling
def test_servicer_event_loses_a_share_of_one_periods_collections() -> None:
    # the servicer fails in period 2 (权利完善事件); half of that month's collections (interest
    # 1,000 and principal 10,000) are lost with it: 500 + 5,000. From period 3 collections reach
    # the trust directly again.
    g = Trigger("servicer", "servicer_event", 1.0, "sequential", event_period=2, commingling_loss=0.5)
    st = Structure(
        tranches=(A, SUB),
        waterfalls={"amortising": Waterfall([steps.PayInterest(("A",)), steps.PayPrincipal(("A",)), steps.PayResidual()])},
        triggers=(g,),
    )
    r = run_liabilities(
        st,
        period_end_dates=month_ends(3),
        initial_pool_balance=1_000_000.0,
        interest_collected=1_000.0,
        principal_collected=10_000.0,
        pool_balance_end=1_000_000.0,
    )
    lost = r.flows(lambda key: key[2] == "commingling_loss")[0]
    assert lost == pytest.approx([0.0, 5_500.0, 0.0], abs=CENT)
    assert r.trigger("servicer").value[0].tolist() == [0.0, 1.0, 1.0]
    assert r.trigger("servicer").breached[0].tolist() == [False, True, True]
    assert r.tranche("A").principal_paid[0] == pytest.approx([10_000.0, 5_000.0, 10_000.0], abs=CENT)
    # A's coupon in period 2 is 1 % of 90,000 = 900 against the 500 left: 400 short
    assert r.tranche("A").interest_shortfall[0, 1] == pytest.approx(400.0, abs=CENT)
    assert "from period 2, commingling loss 50.00%" in r.trigger_definitions_frame().loc[0, "window"]
    with pytest.raises(LiabilityError, match="commingling_loss"):
        Trigger("s", "servicer_event", 1.0, "sequential", commingling_loss=50.0)


def test_an_event_after_the_last_period_is_refused() -> None:
    # a servicer event in period 5 of a 3-period run would silently never happen: refused, named
    g = Trigger("servicer", "servicer_event", 1.0, "sequential", event_period=5, commingling_loss=0.5)
    st = Structure(
        tranches=(A, SUB),
        waterfalls={"amortising": Waterfall([steps.PayInterest(("A",)), steps.PayPrincipal(("A",)), steps.PayResidual()])},
        triggers=(g,),
    )
    with pytest.raises(LiabilityError, match=r"triggers\[0\]\.event_period: must fall within the run's 3 periods.*5"):
        run_liabilities(st, period_end_dates=month_ends(3), initial_pool_balance=1_000_000.0, interest_collected=1_000.0,
                        principal_collected=10_000.0, pool_balance_end=1_000_000.0)  # fmt: skip


def test_liquidity_reserve_is_released_when_the_cleanup_call_ends_the_deal() -> None:
    # the pool falls to 50,000 (5 % of 1,000,000 ≤ the 10 % call) in period 2 of 4: the deal
    # ends there, so the liquidity target is 0 and the reserve (1,826 after period 1) is released
    st = Structure(
        tranches=(A, SUB),
        waterfalls={"amortising": Waterfall(LIQUIDITY_WATERFALL)},
        fees=(VAT, TRUSTEE),
        reserve=ReserveAccount(),
        cleanup=CleanupCall(0.10),
    )
    r = run_liabilities(
        st,
        period_end_dates=month_ends(4),
        initial_pool_balance=1_000_000.0,
        interest_collected=[10_000.0, 10_000.0, 0.0, 0.0],
        principal_collected=[50_000.0, 0.0, 0.0, 0.0],
        pool_balance_end=[950_000.0, 50_000.0, 0.0, 0.0],
    )
    assert r.arrays["called"][0].tolist() == [False, True, False, False]
    assert r.arrays["res_end"][0, 0] == pytest.approx(1_826.0, abs=CENT)
    assert r.arrays["res_end"][0, 1:] == pytest.approx([0.0, 0.0, 0.0], abs=CENT)


def test_shortfall_undertaking_covers_senior_principal_when_the_call_ends_the_deal() -> None:
    # period 2 of 4: the call brings 50,000 (the pool at par) but A still owes 100,000 and 1,000
    # interest against 1,500 collected less the 1,000 trustee fee: the undertaking pays the 500
    # interest shortfall and the 50,000 principal shortfall, so A is not written down
    st = Structure(
        tranches=(A, SUB),
        waterfalls={"amortising": Waterfall(support_waterfall())},
        fees=(TRUSTEE,),
        cleanup=CleanupCall(0.10, redeems="any")  # called though its proceeds fall short,
    )
    r = run_liabilities(
        st,
        period_end_dates=month_ends(4),
        initial_pool_balance=1_000_000.0,
        interest_collected=1_500.0,
        principal_collected=0.0,
        pool_balance_end=[900_000.0, 50_000.0, 0.0, 0.0],
    )
    assert flows(r, "originator") == pytest.approx([500.0, 50_500.0, 0.0, 0.0], abs=CENT)
    assert r.tranche("A").writedown[0].sum() == pytest.approx(0.0, abs=CENT)
    assert r.tranche("A").balance_end[0, 1] == pytest.approx(0.0, abs=CENT)

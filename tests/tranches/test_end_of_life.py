"""The end of a deal's life in the engine: the reserve is released above its target and in the
last period, principal still owed at legal final is written down, and a clean-up call waits for a
payment date after the revolving period. Numbers worked by hand in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from tests.tranches.conftest import month_ends
from tranches import CleanupCall, ReserveAccount, Structure, Tranche, Waterfall, run_liabilities, steps

CENT = 0.005


def with_reserve(reserve: ReserveAccount) -> Structure:
    return Structure(
        tranches=(Tranche("A", 100_000.0), Tranche("Sub", 20_000.0, tranche_class="subordinated")),
        reserve=reserve,
        waterfalls={
            "amortising": Waterfall(
                [steps.FundReserve(), steps.PayPrincipal(("A", "Sub")), steps.PayResidual()]
            )
        },
    )


def test_reserve_above_target_is_released_and_emptied_in_the_last_period() -> None:
    # fixed target 3,000, pre-funded 5,000, no draw step: period 1 releases the 2,000 above the
    # target into the interest pot (with 100 of interest: 2,100 of residual); period 2 keeps
    # 3,000; period 3 is the last: target 0, the 3,000 is released (residual 3,100)
    r = run_liabilities(
        with_reserve(ReserveAccount(basis="fixed", amount=3_000.0, initial=5_000.0)),
        period_end_dates=month_ends(3),
        initial_pool_balance=120_000.0,
        interest_collected=100.0,
        principal_collected=1_000.0,
        pool_balance_end=[119_000.0, 118_000.0, 117_000.0],
    )
    acc = r.account_frame(0)
    assert acc["reserve_end"].tolist() == pytest.approx([3_000.0, 3_000.0, 0.0], abs=CENT)
    assert acc["reserve_draw"].tolist() == pytest.approx([2_000.0, 0.0, 3_000.0], abs=CENT)
    assert r.tranche("Sub").residual_paid[0].tolist() == pytest.approx([2_100.0, 100.0, 3_100.0], abs=CENT)
    assert acc["interest_account_end"].iloc[-1] + acc["principal_account_end"].iloc[-1] == pytest.approx(0.0, abs=CENT)


def test_reserve_target_follows_the_notes_down_to_zero() -> None:
    # target 10 % of the notes at the start of the period, no step-down floor: notes 120,000 →
    # target 12,000 funded from interest 15,000 (3,000 residual); then principal 60,000 pays A,
    # notes 60,000 → target 6,000: 6,000 released into interest (15,000 + 6,000 − 0 → residual)
    r = run_liabilities(
        with_reserve(ReserveAccount(basis="note_balance", rate=0.10)),
        period_end_dates=month_ends(3),
        initial_pool_balance=120_000.0,
        interest_collected=15_000.0,
        principal_collected=[60_000.0, 0.0, 0.0],
        pool_balance_end=[60_000.0, 60_000.0, 60_000.0],
    )
    acc = r.account_frame(0)
    assert acc["reserve_target"].tolist() == pytest.approx([12_000.0, 6_000.0, 0.0], abs=CENT)
    assert acc["reserve_end"].tolist() == pytest.approx([12_000.0, 6_000.0, 0.0], abs=CENT)
    assert r.tranche("Sub").residual_paid[0].tolist() == pytest.approx([3_000.0, 21_000.0, 21_000.0], abs=CENT)


def two_class(**kw: object) -> Structure:
    wf = Waterfall([steps.PayPrincipal(("A", "Sub")), steps.PayResidual()])
    return Structure(
        tranches=(Tranche("A", 100_000.0), Tranche("Sub", 20_000.0, tranche_class="subordinated")),
        waterfalls={"amortising": wf, "revolving": Waterfall([steps.BuyReceivables(), steps.PayResidual()])},
        **kw,
    )  # type: ignore[arg-type]


def three_months(*, interest: float) -> dict[str, object]:
    """A pool of 120,000 paying 10,000 of principal and ``interest`` a month for 3 months."""
    return dict(
        period_end_dates=month_ends(3),
        initial_pool_balance=120_000.0,
        interest_collected=interest,
        principal_collected=10_000.0,
        pool_balance_end=[110_000.0, 100_000.0, 90_000.0],
    )


@pytest.mark.parametrize("writedown", ["period", "legal_final"])
def test_principal_owed_at_legal_final_is_written_down(writedown: str) -> None:
    # pool 120,000 pays 10,000 a month for 3 months: A is owed 70,000 at the end. As a window of
    # a longer deal nothing is lost; at legal final the 70,000 + Sub's 20,000 are losses
    kw = three_months(interest=0.0)
    st = two_class(writedown=writedown)
    window = run_liabilities(st, **kw)  # type: ignore[arg-type]
    assert window.tranche("A").writedown.sum() == 0.0 and window.tranche("A").balance_end[0, -1] == pytest.approx(70_000.0)
    final = run_liabilities(st, ends_at_legal_final=True, **kw)  # type: ignore[arg-type]
    assert final.tranche("A").writedown[0].tolist() == pytest.approx([0.0, 0.0, 70_000.0], abs=CENT)
    assert final.tranche("Sub").writedown[0].tolist() == pytest.approx([0.0, 0.0, 20_000.0], abs=CENT)
    assert final.tranche("A").balance_end[0, -1] == 0.0 and final.tranche("Sub").balance_end[0, -1] == 0.0


def test_cleanup_waits_for_the_end_of_revolving_and_a_payment_date() -> None:
    # pool factor 5 % from period 1 (below the 10 % threshold); revolving 2 periods, then
    # quarterly payments: the call can't fire in periods 1–2 (revolving) nor 3–4 (no payment
    # date); period 5 is the first quarterly payment date after revolving
    st = two_class(
        revolving_periods=2,
        cleanup=CleanupCall(threshold=0.10, price=1.0),
        payment_every={"revolving": 1, "amortising": 3},
    )
    r = run_liabilities(
        st,
        period_end_dates=month_ends(8),
        initial_pool_balance=120_000.0,
        interest_collected=0.0,
        principal_collected=0.0,
        pool_balance_end=6_000.0,
        purchase_capacity=0.0,
    )
    assert r.called[0].tolist() == [False, False, False, False, True, False, False, False]
    assert r.account_frame(0)["cleanup_proceeds"].iloc[4] == pytest.approx(6_000.0)
    assert np.asarray(r.revolving_frame(0)["payment_date"])[4]


@pytest.mark.parametrize("writedown", ["period", "legal_final"])
def test_at_legal_final_cash_left_repays_what_is_owed_before_any_residual(writedown: str) -> None:
    # principal 10,000 a month pays A (PayPrincipal draws on the principal pot only); interest
    # 3,000 a month reaches the residual. Period 3 is the legal final: A is owed 70,000, Sub 20,000.
    # The interest left (3,000) is cash the deal still has: PayResidual first pays what is owed,
    # most senior first — 3,000 to A — so A loses 67,000 (not 70,000) and Sub is paid no residual
    # in that period. Periods 1 and 2 pay the 3,000 as residual: nothing is owed yet.
    kw = three_months(interest=3_000.0)
    final = run_liabilities(two_class(writedown=writedown), ends_at_legal_final=True, **kw)  # type: ignore[arg-type]
    a, sub = final.tranche("A"), final.tranche("Sub")
    assert a.principal_paid[0].tolist() == pytest.approx([10_000.0, 10_000.0, 13_000.0], abs=CENT)
    assert a.writedown[0].tolist() == pytest.approx([0.0, 0.0, 67_000.0], abs=CENT)
    assert sub.writedown[0].tolist() == pytest.approx([0.0, 0.0, 20_000.0], abs=CENT)
    assert sub.residual_paid[0].tolist() == pytest.approx([3_000.0, 3_000.0, 0.0], abs=CENT)
    # as a window of a longer deal (not the legal final) the 3,000 is residual as before
    window = run_liabilities(two_class(writedown=writedown), **kw)  # type: ignore[arg-type]
    assert window.tranche("Sub").residual_paid[0].tolist() == pytest.approx([3_000.0] * 3, abs=CENT)


def test_at_legal_final_interest_still_due_is_paid_before_any_residual() -> None:
    # A 100,000 at 12 % (1 % a month, 30/360 month ends), paid from the interest pot only; Sub
    # 20,000 with no coupon. Interest 500 a month: A is short 500 in period 1 (due 1,000) and,
    # with 1 % on the carried shortfall, short more each period. Principal 60,000 then 60,000
    # repays A and Sub in period 2 exactly; period 3 brings 40,000 more. In the last period
    # (legal final) A is due interest on a balance of 0 plus its carried shortfall; cash left
    # pays it before any residual.
    st = Structure(
        tranches=(Tranche("A", 100_000.0, 0.12), Tranche("Sub", 20_000.0, tranche_class="subordinated")),
        waterfalls={"amortising": Waterfall([steps.PayInterest(("A",), source="interest"), steps.PayPrincipal(("A", "Sub")), steps.PayResidual()])},
    )
    kw = dict(
        period_end_dates=month_ends(3),
        initial_pool_balance=160_000.0,
        interest_collected=500.0,
        principal_collected=[60_000.0, 60_000.0, 40_000.0],
        pool_balance_end=[100_000.0, 40_000.0, 0.0],
    )
    r = run_liabilities(st, ends_at_legal_final=True, **kw)  # type: ignore[arg-type]
    a, sub = r.tranche("A"), r.tranche("Sub")
    # period 1: due 1,000, paid 500, short 500; principal 60,000 → A 40,000
    # period 2: due 40,000 × 1 % + 500 + 500 × 1 % = 905, paid 500, short 405; principal 60,000 →
    #           A 0 and Sub 0 (40,000 + 20,000), nothing left
    # period 3: due 0 + 405 + 4.05 = 409.05, paid 409.05 from interest (500); the 90.95 of interest
    #           and 40,000 of principal left are residual
    assert a.interest_paid[0].tolist() == pytest.approx([500.0, 500.0, 409.05], abs=CENT)
    assert a.interest_shortfall[0].tolist() == pytest.approx([500.0, 405.0, 0.0], abs=CENT)
    assert sub.residual_paid[0].tolist() == pytest.approx([0.0, 0.0, 40_090.95], abs=CENT)
    # the same with interest 0 in the last period: the interest pot pays nothing, and the
    # principal left pays A's 409.05 before the residual (before: 40,000 residual, 409.05 unpaid)
    kw["interest_collected"] = [500.0, 500.0, 0.0]
    r = run_liabilities(st, ends_at_legal_final=True, **kw)  # type: ignore[arg-type]
    assert r.tranche("A").interest_paid[0].tolist() == pytest.approx([500.0, 500.0, 409.05], abs=CENT)
    assert r.tranche("A").interest_shortfall[0, -1] == pytest.approx(0.0, abs=CENT)
    assert r.tranche("Sub").residual_paid[0].tolist() == pytest.approx([0.0, 0.0, 40_000.0 - 409.05], abs=CENT)


def test_a_target_oc_is_not_kept_when_the_deal_ends() -> None:
    # A's principal is paid down to an advance rate of 50 % of the pool (a target OC), then Sub.
    # Called in period 1 at par: 40,000 collected, pool 50,000 sold, 90,000 in the principal pot.
    # The deal ends, so no OC is kept: A (100,000) takes all 90,000 and loses 10,000, Sub loses
    # its 20,000. Before, A was paid only to the target, 100,000 − 50 % × 50,000 = 75,000, Sub took
    # the other 15,000 and A lost 25,000 behind the class below it.
    st = Structure(
        tranches=(Tranche("A", 100_000.0), Tranche("Sub", 20_000.0, tranche_class="subordinated")),
        waterfalls={
            "amortising": Waterfall(
                [steps.PayPrincipal(("A",), advance_rate=0.5), steps.PayPrincipal(("Sub",)), steps.PayResidual()]
            )
        },
        cleanup=CleanupCall(threshold=0.5, price=1.0, redeems="any"),
    )
    r = run_liabilities(
        st,
        period_end_dates=month_ends(2),
        initial_pool_balance=120_000.0,
        interest_collected=0.0,
        principal_collected=[40_000.0, 0.0],
        new_defaults=[30_000.0, 0.0],
        pool_balance_end=[50_000.0, 0.0],
    )
    assert r.called[0].tolist() == [True, False]
    assert r.tranche("A").principal_paid[0, 0] == pytest.approx(90_000.0, abs=CENT)
    assert r.tranche("A").writedown[0, 0] == pytest.approx(10_000.0, abs=CENT)
    assert r.tranche("Sub").principal_paid[0, 0] == pytest.approx(0.0, abs=CENT)
    assert r.tranche("Sub").writedown[0, 0] == pytest.approx(20_000.0, abs=CENT)


def test_cash_left_at_a_clean_up_call_repays_the_notes_before_any_residual() -> None:
    # called in period 1 at 10 % (pool 12,000 at par): principal pot 12,000 + 1,000 collected,
    # interest pot 500. A (100,000) takes the 13,000 of principal and, the deal ending, the 500 of
    # interest too: written down 86,500; Sub gets no residual (before: 500 beside A's loss)
    st = two_class(cleanup=CleanupCall(threshold=0.10, price=1.0, redeems="any"))
    r = run_liabilities(
        st,
        period_end_dates=month_ends(2),
        initial_pool_balance=120_000.0,
        interest_collected=500.0,
        principal_collected=1_000.0,
        pool_balance_end=12_000.0,
    )
    assert r.called[0].tolist() == [True, False]
    assert r.tranche("A").principal_paid[0, 0] == pytest.approx(13_500.0, abs=CENT)
    assert r.tranche("A").writedown[0, 0] == pytest.approx(86_500.0, abs=CENT)
    assert r.tranche("Sub").residual_paid[0, 0] == pytest.approx(0.0, abs=CENT)


def test_at_legal_final_a_period_return_comes_after_every_class_still_owed() -> None:
    # Sub's period return (期间收益) of 12 % a year, 1 % a month on 20,000 = 200, from the interest
    # pot (3,000 a month), before the principal steps. Periods 1 and 2 pay it. At legal final
    # (period 3) A is still owed 70,000 before the step: the interest pot repays A first (3,000),
    # so no return is paid and A loses 67,000, Sub 20,000. Before, Sub took 200 as its return and
    # the rest as residual beside A's loss.
    wf = Waterfall([steps.PayPeriodReturn("Sub", 0.12), steps.PayPrincipal(("A", "Sub")), steps.PayResidual()])
    st = Structure(
        tranches=(Tranche("A", 100_000.0), Tranche("Sub", 20_000.0, tranche_class="subordinated")),
        waterfalls={"amortising": wf},
        writedown="legal_final",
    )
    r = run_liabilities(st, ends_at_legal_final=True, **three_months(interest=3_000.0))  # type: ignore[arg-type]
    sub, a = r.tranche("Sub"), r.tranche("A")
    assert sub.residual_paid[0].tolist() == pytest.approx([200.0 + 2_800.0, 200.0 + 2_800.0, 0.0], abs=CENT)
    assert a.principal_paid[0].tolist() == pytest.approx([10_000.0, 10_000.0, 13_000.0], abs=CENT)
    assert a.writedown[0].tolist() == pytest.approx([0.0, 0.0, 67_000.0], abs=CENT)
    assert sub.writedown[0].tolist() == pytest.approx([0.0, 0.0, 20_000.0], abs=CENT)

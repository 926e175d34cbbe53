"""Each step type on numbers derived by hand (monthly periods, 30/360 month ends: accrual 1/12)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from tests.tranches.support import month_ends
from tranches import (
    Fee,
    LiabilityResult,
    ReserveAccount,
    Structure,
    Tax,
    Tranche,
    Waterfall,
    run_liabilities,
    steps,
)
from tranches.steps import Step

CENT = 0.005
TOL = 1e-9


def run(
    waterfall: Sequence[Step],
    *,
    tranches: Sequence[Tranche] | None = None,
    periods: int = 2,
    pool0: float = 1_000_000.0,
    **kw: Any,
) -> LiabilityResult:
    """Run an amortising-only structure; structure options and collections come from ``kw``."""
    opts = {k: kw.pop(k) for k in ("fees", "reserve", "collection_account", "writedown") if k in kw}
    st = Structure(
        tranches=tuple(
            tranches or (Tranche("A", 100_000.0, 0.12), Tranche("Sub", 20_000.0, tranche_class="subordinated"))
        ),
        waterfalls={"amortising": Waterfall(waterfall)},
        **opts,
    )
    kw.setdefault("interest_collected", 0.0)
    kw.setdefault("principal_collected", 0.0)
    kw.setdefault("pool_balance_end", pool0)
    return run_liabilities(st, period_end_dates=month_ends(periods), initial_pool_balance=pool0, **kw)


def test_pay_tax_is_a_rate_of_interest_collections() -> None:
    # VAT 3.26 % of 10,000 interest collected = 326.00
    r = run([steps.PayTax("vat")], fees=(Tax("vat", 0.0326),), interest_collected=10_000.0)
    assert r.fee("vat").paid[0, 0] == pytest.approx(326.0, abs=CENT)


def test_pay_fee_cap_and_excess_below() -> None:
    # fixed fee 12,000 a year → 1,000 a month; capped at 600 senior, the other 400 paid junior
    fee = Fee("trustee", basis="fixed", amount=12_000.0, cap=600.0)
    r = run(
        [steps.PayFee("trustee"), steps.PayInterest(("A",)), steps.PayFee("trustee", capped=False)],
        fees=(fee,),
        interest_collected=1_500.0,
    )
    led = r.ledger_frame(0)
    p1 = led[led.period == 1].set_index("step")["amount"]
    assert p1["pay_fee:trustee"] == pytest.approx(600.0)
    # A interest 100,000 × 12 % / 12 = 1,000 → 1,500 − 600 − 1,000 = −100: A gets only 900
    assert r.tranche("A").interest_paid[0, 0] == pytest.approx(900.0)
    assert "pay_fee:trustee:excess" not in p1  # nothing left for the excess
    assert r.fee("trustee").unpaid[0, 0] == pytest.approx(400.0)


def test_unpaid_fee_carried_forward() -> None:
    # note-balance fee 1.2 % of 120,000 notes / 12 = 120 a month; period 1 has only 50 of cash
    fee = Fee("custodian", basis="note_balance", rate=0.012)
    r = run([steps.PayFee("custodian")], fees=(fee,), interest_collected=[50.0, 500.0])
    f = r.fee("custodian")
    assert f.accrued[0].tolist() == pytest.approx([120.0, 120.0])
    assert f.paid[0].tolist() == pytest.approx([50.0, 190.0])  # 70 carried + 120
    assert f.unpaid[0].tolist() == pytest.approx([70.0, 0.0])


def test_pay_interest_pro_rata_and_sequential() -> None:
    tr = (
        Tranche("A1", 100_000.0, 0.12),
        Tranche("A2", 50_000.0, 0.12),
        Tranche("Sub", 10_000.0, tranche_class="subordinated"),
    )
    # dues 1,000 and 500; 900 of cash: pro rata 600 / 300, sequential 900 / 0
    pro = run([steps.PayInterest(("A1", "A2"), mode="pro_rata")], tranches=tr, interest_collected=900.0)
    seq = run([steps.PayInterest(("A1", "A2"))], tranches=tr, interest_collected=900.0)
    assert pro.tranche("A1").interest_paid[0, 0] == pytest.approx(600.0)
    assert pro.tranche("A2").interest_paid[0, 0] == pytest.approx(300.0)
    assert seq.tranche("A1").interest_paid[0, 0] == pytest.approx(900.0)
    assert seq.tranche("A2").interest_paid[0, 0] == pytest.approx(0.0)
    assert seq.tranche("A2").interest_shortfall[0, 0] == pytest.approx(500.0)


def test_shortfall_without_interest_on_it() -> None:
    tr = (
        Tranche("A", 100_000.0, 0.12, interest_on_shortfall=False),
        Tranche("Sub", 10_000.0, tranche_class="subordinated"),
    )
    # period 1: 1,000 due, 0 paid; period 2: 1,000 + 1,000 carried (no interest on it)
    r = run([steps.PayInterest(("A",))], tranches=tr, interest_collected=[0.0, 5_000.0])
    assert r.tranche("A").interest_due[0].tolist() == pytest.approx([1_000.0, 2_000.0])


def test_pay_principal_sequential_pro_rata_and_target() -> None:
    tr = (
        Tranche("A", 600.0),
        Tranche("B", 400.0, tranche_class="mezzanine"),
        Tranche("Sub", 200.0, tranche_class="subordinated"),
    )
    kw: dict[str, Any] = dict(tranches=tr, principal_collected=500.0, pool0=1_200.0, pool_balance_end=700.0)
    seq = run([steps.PayPrincipal(("A", "B"))], **kw)
    pro = run([steps.PayPrincipal(("A", "B"), mode="pro_rata")], **kw)
    assert [seq.tranche(n).principal_paid[0, 0] for n in "AB"] == pytest.approx([500.0, 0.0])
    # pro rata by balance 600 : 400 of 500 → 300 / 200
    assert [pro.tranche(n).principal_paid[0, 0] for n in "AB"] == pytest.approx([300.0, 200.0])
    # target advance rate 50 % on A: A may be 0.5 × 700 = 350 → pays 250; rest to B
    tgt = run([steps.PayPrincipal(("A",), advance_rate=0.5), steps.PayPrincipal(("B",))], **kw)
    assert tgt.tranche("A").principal_paid[0, 0] == pytest.approx(250.0)
    assert tgt.tranche("B").principal_paid[0, 0] == pytest.approx(250.0)
    # cumulative target for B: (A + B) ≤ 0.9 × 700 = 630 after A's 250: 350 + 400 − 630 = 120
    cum = run([steps.PayPrincipal(("A",), advance_rate=0.5), steps.PayPrincipal(("B",), advance_rate=0.9)], **kw)
    assert cum.tranche("B").principal_paid[0, 0] == pytest.approx(120.0)
    assert cum.account_frame(0)["principal_account_end"].iloc[0] == pytest.approx(130.0)


def test_draw_and_fund_reserve() -> None:
    reserve = ReserveAccount(basis="fixed", amount=3_000.0, initial=5_000.0)
    # interest 500 + reserve 5,000 = 5,500; A interest 1,000 → 4,500; refill to 3,000 → 1,500
    r = run(
        [steps.DrawReserve(), steps.PayInterest(("A",)), steps.FundReserve(), steps.PayResidual()],
        reserve=reserve,
        interest_collected=500.0,
    )
    acc = r.account_frame(0)
    assert acc["reserve_draw"].iloc[0] == pytest.approx(5_000.0)
    assert acc["reserve_deposit"].iloc[0] == pytest.approx(3_000.0)
    assert acc["reserve_end"].iloc[0] == pytest.approx(3_000.0)
    assert r.tranche("Sub").residual_paid[0, 0] == pytest.approx(1_500.0)
    # last period: the target is 0, the reserve is released (3,000 + 500 − 1,000 → residual)
    assert acc["reserve_end"].iloc[1] == pytest.approx(0.0)
    assert r.tranche("Sub").residual_paid[0, 1] == pytest.approx(2_500.0)


def test_reserve_target_percent_of_notes_with_floor_and_no_step_down() -> None:
    tr = (Tranche("A", 100_000.0), Tranche("Sub", 20_000.0, tranche_class="subordinated"))
    reserve = ReserveAccount(basis="note_balance", rate=0.05, floor=4_000.0, step_down=False)
    # notes 120,000 → 6,000; after 60,000 principal notes 60,000 → 3,000 < floor 4,000 → 4,000,
    # but no step-down keeps 6,000 (still ≤ notes 60,000)
    r = run(
        [steps.PayPrincipal(("A",)), steps.FundReserve()],
        tranches=tr,
        periods=3,
        reserve=reserve,
        interest_collected=10_000.0,
        principal_collected=[60_000.0, 0, 0],
    )
    assert r.account_frame(0)["reserve_target"].tolist() == pytest.approx([6_000.0, 6_000.0, 0.0])
    loose = ReserveAccount(basis="note_balance", rate=0.05, floor=4_000.0)
    r2 = run(
        [steps.PayPrincipal(("A",)), steps.FundReserve()],
        tranches=tr,
        periods=3,
        reserve=loose,
        interest_collected=10_000.0,
        principal_collected=[60_000.0, 0, 0],
    )
    assert r2.account_frame(0)["reserve_target"].tolist() == pytest.approx([6_000.0, 4_000.0, 0.0])


def test_cover_pdl_moves_interest_to_principal() -> None:
    # defaults 1,000 debit the PDL; interest 1,500 − A interest 0 covers it; principal pays A
    tr = (Tranche("A", 100_000.0), Tranche("Sub", 20_000.0, tranche_class="subordinated"))
    r = run(
        [steps.PayInterest(("A",)), steps.CoverPDL(), steps.PayPrincipal(("A",)), steps.PayResidual()],
        tranches=tr,
        interest_collected=1_500.0,
        principal_collected=2_000.0,
        new_defaults=[1_000.0, 0.0],
    )
    acc = r.account_frame(0)
    assert acc["pdl_debit"].iloc[0] == pytest.approx(1_000.0)
    assert acc["pdl_credit"].iloc[0] == pytest.approx(1_000.0)
    assert acc["pdl_end"].iloc[0] == pytest.approx(0.0)
    assert r.tranche("A").principal_paid[0, 0] == pytest.approx(3_000.0)
    assert r.tranche("Sub").residual_paid[0, 0] == pytest.approx(500.0)


def _pdl_deal(**kw: Any) -> LiabilityResult:
    # A 100,000 at 0 %, Sub 20,000; interest pays the PDL first, principal pays A, the rest to Sub
    tr = (Tranche("A", 100_000.0), Tranche("Sub", 20_000.0, tranche_class="subordinated"))
    wf = [steps.CoverPDL(), steps.PayPrincipal(("A",)), steps.PayResidual()]
    return run(wf, tranches=tr, periods=4, interest_collected=[10_000.0, 3_000.0, 3_000.0, 3_000.0], **kw)


def test_recoveries_credit_the_pdl_so_a_default_is_made_good_once() -> None:
    # 10,000 defaults in period 1, 2,500 of it to be recovered in period 3 (pending 2,500 at the
    # end of periods 1 and 2, 0 from period 3). The PDL holds the net loss from the default:
    # debit 10,000, credit 2,500 by the recoveries now expected, so cover_pdl moves 7,500 of
    # interest to principal; the 2,500 recovered in period 3 pays A, crediting nothing more.
    # Principal to A = collections 0 + 7,500 + 2,500 = 10,000: the defaulted amount once
    # (the engine used to cover all 10,000 out of interest and then add the 2,500 recovered).
    r = _pdl_deal(
        new_defaults=[10_000.0, 0, 0, 0],
        recoveries=[0, 0, 2_500.0, 0],
        recoveries_pending=[2_500.0, 2_500.0, 0, 0],
    )
    acc = r.account_frame(0)
    assert acc["pdl_debit"].tolist() == pytest.approx([10_000.0, 0, 0, 0])
    assert acc["pdl_credit"].tolist() == pytest.approx([10_000.0, 0, 0, 0])  # 2,500 recoveries + 7,500 cover
    assert acc["pdl_end"].tolist() == pytest.approx([0, 0, 0, 0])
    assert r.tranche("A").principal_paid[0].tolist() == pytest.approx([7_500.0, 0, 2_500.0, 0])
    assert r.tranche("Sub").residual_paid[0].tolist() == pytest.approx([2_500.0, 3_000.0, 3_000.0, 3_000.0])


def test_recoveries_below_what_was_expected_are_debited_back() -> None:
    # 2,500 expected, 1,000 received in period 3: the 1,500 short is debited to the PDL then, and
    # interest covers it (A gets 7,500 + 1,000 + 1,500 = 10,000 in all)
    r = _pdl_deal(
        new_defaults=[10_000.0, 0, 0, 0],
        recoveries=[0, 0, 1_000.0, 0],
        recoveries_pending=[2_500.0, 2_500.0, 0, 0],
    )
    acc = r.account_frame(0)
    assert acc["pdl_debit"].tolist() == pytest.approx([10_000.0, 0, 1_500.0, 0])
    assert acc["pdl_credit"].tolist() == pytest.approx([10_000.0, 0, 1_500.0, 0])
    assert r.tranche("A").principal_paid[0].tolist() == pytest.approx([7_500.0, 0, 2_500.0, 0])
    assert r.tranche("Sub").residual_paid[0].tolist() == pytest.approx([2_500.0, 3_000.0, 1_500.0, 3_000.0])


def test_recoveries_expected_after_the_last_period_are_a_loss_then() -> None:
    # still 2,500 pending in period 4, the last: nothing comes after it, so the PDL is debited
    # with it there and interest covers it
    r = _pdl_deal(new_defaults=[10_000.0, 0, 0, 0], recoveries_pending=[2_500.0] * 4)
    acc = r.account_frame(0)
    assert acc["pdl_debit"].tolist() == pytest.approx([10_000.0, 0, 0, 2_500.0])
    assert acc["pdl_end"].tolist() == pytest.approx([0, 0, 0, 0])
    assert r.tranche("A").principal_paid[0].tolist() == pytest.approx([7_500.0, 0, 0, 2_500.0])
    assert r.tranche("Sub").residual_paid[0].tolist() == pytest.approx([2_500.0, 3_000.0, 3_000.0, 500.0])


def test_without_recoveries_pending_the_recoveries_credit_the_pdl_as_received() -> None:
    # no cover_pdl: the PDL only records. 10,000 debited, 2,500 credited when received
    tr = (Tranche("A", 100_000.0), Tranche("Sub", 20_000.0, tranche_class="subordinated"))
    r = run([steps.PayPrincipal(("A",))], tranches=tr, periods=3, new_defaults=[10_000.0, 0, 0], recoveries=[0, 0, 2_500.0])
    assert r.account_frame(0)["pdl_end"].tolist() == pytest.approx([10_000.0, 10_000.0, 7_500.0])


def test_pay_residual_goes_to_most_junior_only() -> None:
    tr = (
        Tranche("A", 100.0),
        Tranche("B", 100.0, tranche_class="mezzanine"),
        Tranche("C", 100.0, tranche_class="subordinated"),
    )
    r = run([steps.PayResidual()], tranches=tr, interest_collected=77.0, pool0=300.0)
    assert r.tranche("C").residual_paid[0, 0] == pytest.approx(77.0)
    assert r.tranche("A").residual_paid.sum() == 0.0
    assert r.tranche("B").residual_paid.sum() == 0.0


def test_combined_account_lets_interest_steps_use_principal() -> None:
    # 500 interest, 2,000 principal; A interest 1,000: separate pays 500, combined 1,000
    wf = [steps.PayInterest(("A",))]
    sep = run(wf, interest_collected=500.0, principal_collected=2_000.0)
    com = run(wf, interest_collected=500.0, principal_collected=2_000.0, collection_account="combined")
    assert sep.tranche("A").interest_paid[0, 0] == pytest.approx(500.0)
    assert com.tranche("A").interest_paid[0, 0] == pytest.approx(1_000.0)
    assert set(com.ledger_frame(0).source) <= {"pool", "collection_account"}


def test_vectorised_scenarios_differ() -> None:
    # three scenarios at once: interest 0, 600, 5,000 against A's 1,000 due
    r = run([steps.PayInterest(("A",))], interest_collected=np.array([[0.0, 0.0], [600.0, 0.0], [5_000.0, 0.0]]))
    assert r.tranche("A").interest_paid[:, 0] == pytest.approx([0.0, 600.0, 1_000.0], abs=TOL)

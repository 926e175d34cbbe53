"""Audit of the features merged in round 3, combined: each test failed before its fix.

Every expected number is worked by hand in the docstring or recomputed by an independent sum of
the frames (never copied from our own output)."""

from __future__ import annotations

from pathlib import Path

import pytest

import abs_model as am
from abs_model.assumptions.assumptions import Assumptions
from abs_model.assumptions.buyback import BuyBack
from abs_model.collateral.pool import Pool

CENT = 0.005
ROOT = Path(__file__).resolve().parents[2]


def receivable() -> Pool:
    """RMB 1,200 over 12 instalments at 0.6 % a period on the original principal (100.00 + 7.20
    an instalment); two paid at cut-off: balance 1,000.00, 10 to go."""
    return Pool.from_arrays(
        loan_id=["bt-1"], original_principal=[1200.0], current_principal=[1000.0], original_term=[12],
        remaining_term=[10], product=["flat_fee"], rate=[0.006],
    )


def test_buy_back_under_the_absbox_convention_is_valued_before_the_instalment() -> None:
    """absbox takes prepayment from the balance at the start of the period, before the
    instalment; the ineligible share leaves beside it, on the same base. Period 1: leaving
    1 − 0.98 × 0.99 = 2.98 % of 1,000.00: prepayment 20.00, buy-back 9.80 (proceeds at 98 %:
    9.604, discount 0.196); survivors 0.9702 pay 0.9702 × 100 = 97.02 principal and
    0.9702 × 7.20 = 6.98544 fee; closing 0.9702 × 900 = 873.18. Before the fix the buy-back was
    valued after the instalment (8.82) and the pool's roll-forward broke by the difference."""
    a = Assumptions.make(smm=0.02, convention="absbox", buy_back=BuyBack(ineligible_rate=0.01, price=0.98))
    cf = am.project(receivable(), a)
    assert all(c.passed for c in cf.checks)
    f = cf.frame
    row = f.loc[1, ["prepayment", "repurchases", "scheduled_principal", "fee_interest", "closing_balance"]]
    assert row.tolist() == pytest.approx([20.00, 9.80, 97.02, 6.98544, 873.18], abs=1e-9)
    assert f.loc[1, "repurchase_proceeds"] == pytest.approx(9.604, abs=1e-9)
    assert f.loc[1, "repurchase_loss"] == pytest.approx(0.196, abs=1e-9)
    assert f.loc[1:3, "smm"].tolist() == pytest.approx([0.02] * 3, abs=1e-12)


@pytest.mark.parametrize("price", [0, 0.0])
def test_buy_back_at_price_zero_is_refused(price: float) -> None:
    """A buy-back at price 0 gives the receivables away; the deal file's schema and the Python
    object both refuse it (it was accepted, the whole balance booked as a 'discount')."""
    with pytest.raises(am.AssumptionError, match=r"buy_back\.price: .*\(0, 2\].*got 0"):
        BuyBack(ineligible_rate=0.01, price=price)
    from abs_model.deal.assumptions_schema import assumptions_problems

    problems = assumptions_problems({"buy_back": {"ineligible_rate": 0.01, "price": price}})
    assert problems and problems[0].startswith("buy_back.price: ")


def test_buy_back_price_that_applies_to_nothing_is_refused() -> None:
    """``buy_back: {price: 0.9}`` with no ineligible rate and no plan that buys back was accepted
    and changed nothing; now refused, naming the key, the rule and the value."""
    with pytest.raises(am.AssumptionError, match=r"buy_back\.price: applies to no buy-back .*got price=0\.9"):
        Assumptions.make(smm=0.02, buy_back={"price": 0.9})
    Assumptions.make(smm=0.02, buy_back={"ineligible_rate": 0.01, "price": 0.9})  # used: accepted
    Assumptions.make(smm=0.02, buy_back={"ineligible_rate": 0.0, "price": 1.0})  # par: a no-op, accepted


def test_legal_threshold_without_legal_action_is_refused() -> None:
    """``legal_min_balance`` limits legal action to large debts; with ``legal_share`` 0 nobody is
    sued and the threshold was silently ignored."""
    from abs_model.assumptions.servicing import ChargeOffPath

    with pytest.raises(am.AssumptionError, match=r"charge_off\.legal_min_balance: .*legal_share is 0.*got legal_min_balance=500"):
        ChargeOffPath(sale_share=0.3, sale_price=0.1, legal_min_balance=500)
    ChargeOffPath(legal_share=0.5, legal_min_balance=500)  # used: accepted


def test_report_of_a_run_with_merged_assumptions_renders() -> None:
    """``abs-model run DEAL --assumptions FILE`` crashed in the report ("The truth value of an
    array ... is ambiguous"): the report compared two Assumptions with ``==``, whose numpy fields
    can't be compared that way. The roll-rate matrix's source is the deal file when the run kept
    the deal's own matrix."""
    import dataclasses

    from abs_model.output.report_scenarios import assumptions_section

    deal = am.load_deal(ROOT / "examples" / "huabei_style_static.yaml")
    merged = dataclasses.replace(deal.assumptions, buy_back=BuyBack(ineligible_rate=0.01, price=0.9))
    result = am.run(deal, merged)
    section = assumptions_section(result, "en")
    assert "huabei_style_static.yaml" in section["roll_rate_source"]
    assert section["sentences"]

"""Delinquency management: stages, restructuring plans and the charge-off path, worked by hand."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import abs_model as am
from abs_model.assumptions.assumptions import Assumptions, RollRates
from abs_model.assumptions.servicing import ChargeOffPath, CollectionStage, CollectionStrategy, Restructuring
from abs_model.collateral.pool import Pool
from abs_model.errors import AssumptionError

CENT = 0.005


def m1_loan() -> Pool:
    # 1,000 of principal, fee-free, one instalment missed (M1 at cut-off) and 9 still to come:
    # n = 10 instalments of 100.
    return Pool.from_arrays(
        loan_id=["x"], original_principal=[1000.0], current_principal=[1000.0], original_term=[10],
        remaining_term=[9], product=["flat_fee"], rate=[0.0], bucket=[1],
    )


def straight_roll() -> RollRates:
    # M0 stays current; M1 → M2 → M3 → M4 (default at 90+) with certainty
    return RollRates.simple(roll=[0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])


def worked_strategy() -> CollectionStrategy:
    return CollectionStrategy(
        name="restructure at M2",
        stages=(
            CollectionStage("reminders", (1,), cost_per_account=2.0),
            CollectionStage("collection", (2,), cost_rate=0.01),
        ),
        restructuring=Restructuring(take_up={2: 0.5}, periods=3, fee_rate=0.01, redefault_rate=0.10),
        charge_off=ChargeOffPath(legal_share=1.0, legal_cost_per_case=50.0, legal_success_rate=0.6,
                                 legal_recovery_rate=0.5, legal_curve=(0.0, 0.0, 1.0)),
    )


def test_worked_example_reminders_collection_restructure_redefault_legal() -> None:
    # Period 1 (reminders at M1): pays nothing, rolls to M2; cost 1 account × 2.00 = 2.00.
    # Period 2 (collection at M2): cost 1 % × 1,000 = 10.00; half the balance (500) is re-aged
    #   (no instalment paid yet, 10 left: the plan runs max(10, 3) = 10 months of 50 principal
    #   and 1 % × 500 = 5.00 fee); the other half rolls to M3.
    # Period 3: the M3 half rolls into M4 = default of 500. The plan: 10 % re-defaults = 50;
    #   0.9 survives and pays 0.9 × 50 = 45 principal and 0.9 × 5 = 4.50 fee; plan balance
    #   0.9 × 450 = 405. Defaults 550. Legal cost 50 × (0.5 + 0.05) = 27.50.
    # Period 4: re-default 10 % × 405 = 40.50; survivors 0.81 pay 40.50 principal and 4.05 fee;
    #   plan balance 0.81 × 400 = 324. Legal cost 50 × 0.045 = 2.25.
    # Period 5: re-default 32.40; survivors 0.729 pay 36.45 and 3.645; balance 0.729 × 350 = 255.15.
    # Legal path: 60 % success × 50 % recovered = 30 % of each charge-off, two periods later:
    #   165.00 in period 5, 12.15 in 6, 9.72 in 7.
    a = Assumptions.make(roll_rates=straight_roll(), collections=worked_strategy())
    f = am.project(m1_loan(), a).frame
    assert f.loc[1:5, "collection_costs"].tolist() == pytest.approx([2.0, 10.0, 27.5, 2.25, 2.025], abs=CENT)
    assert f.loc[2, "restructured_entries"] == pytest.approx(500.0, abs=CENT)
    assert f.loc[2:5, "balance_restructured"].tolist() == pytest.approx([500.0, 405.0, 324.0, 255.15], abs=CENT)
    assert f.loc[2:5, "balance_re_age"].tolist() == pytest.approx([500.0, 405.0, 324.0, 255.15], abs=CENT)
    assert f.loc[1:5, "defaults"].tolist() == pytest.approx([0.0, 0.0, 550.0, 40.5, 32.4], abs=CENT)
    assert f.loc[3:5, "restructured_redefaults"].tolist() == pytest.approx([50.0, 40.5, 32.4], abs=CENT)
    assert f.loc[3:5, "scheduled_principal"].tolist() == pytest.approx([45.0, 40.5, 36.45], abs=CENT)
    assert f.loc[3:5, "fee_interest"].tolist() == pytest.approx([4.5, 4.05, 3.645], abs=CENT)
    assert f.loc[5:7, "recoveries"].tolist() == pytest.approx([165.0, 12.15, 9.72], abs=CENT)
    # every unit of balance is in exactly one state: nothing lost, nothing created
    assert f["scheduled_principal"].sum() + f["defaults"].sum() + f["closing_balance"].iloc[-1] == pytest.approx(1000.0)


def test_zero_restructuring_reproduces_the_plain_roll_rate_projection() -> None:
    pool = am.synthetic_pool(5000, seed=3)
    rr = RollRates.simple(roll=[0.02, 0.4, 0.5, 0.6, 0.8, 0.9, 1.0], cure=[0.3, 0.2, 0.1, 0.05, 0.0, 0.0])
    plain = am.project(pool, Assumptions.make(cpr=0.2, roll_rates=rr, recovery_rate=0.1, recovery_lag=3)).frame
    zero = am.project(pool, Assumptions.make(cpr=0.2, roll_rates=rr, recovery_rate=0.1, recovery_lag=3,
                                             collections=CollectionStrategy("none", restructuring=Restructuring(take_up={2: 0.0})))).frame
    for col in ("scheduled_principal", "prepayment", "fee_interest", "defaults", "recoveries", "closing_balance"):
        np.testing.assert_allclose(zero[col], plain[col], rtol=1e-12, atol=1e-9, err_msg=col)


def test_restructuring_conserves_balance_on_a_real_pool() -> None:
    pool = am.synthetic_pool(5000, seed=4)
    rr = RollRates.simple(roll=[0.03, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], cure=[0.3, 0.2, 0.1, 0.05, 0.0, 0.0])
    s = CollectionStrategy("r", restructuring=Restructuring(take_up={1: 0.1, 2: 0.3, 3: 0.2}, periods=6, down_payment=0.1, redefault_rate=0.08))
    cf = am.project(pool, Assumptions.make(cpr=0.1, roll_rates=rr, collections=s))
    assert all(c.passed for c in cf.checks)  # includes Σ buckets + restructured = closing
    f = cf.frame
    assert f["restructured_entries"].sum() > 0
    total = f["scheduled_principal"].sum() + f["prepayment"].sum() + f["defaults"].sum() + f["closing_balance"].iloc[-1]
    assert total == pytest.approx(pool.balance, rel=1e-9)


def test_costs_reduce_the_subordinated_class_and_never_a_senior_class_ahead_of_its_rank() -> None:
    deal = am.load_deal("examples/baitiao_revolving.yaml")
    base = deal.assumptions
    costly = CollectionStrategy(
        "outsource at M3",
        stages=(CollectionStage("outsourced", (3,), cure_to_current=0.10, contingency_fee=0.30, cost_per_account=5.0),),
    )
    plain = am.run(deal, base)
    with_costs = am.run(deal, dataclasses.replace(base, collections=costly))
    assert with_costs.pool["collection_costs"].sum() > 0
    sub = "Subordinated"
    assert with_costs.tranches[sub]["residual_paid"].sum() < plain.tranches[sub]["residual_paid"].sum()
    # the seniors still receive every unit of interest due and all their principal: costs rank
    # ahead of them only as the deal says (here senior expenses), and the excess spread they eat
    # is what the subordinated class would have received
    for senior in ("Senior A", "Senior B"):
        f = with_costs.tranches[senior]
        np.testing.assert_allclose(f["interest_paid"], f["interest_due"], rtol=1e-12, atol=1e-6)
        assert f["interest_shortfall"].max() == pytest.approx(0.0, abs=1e-6)
        assert with_costs.summary().loc[senior, "loss"] == pytest.approx(0.0)
        assert with_costs.summary().loc[senior, "principal_paid"] == pytest.approx(plain.summary().loc[senior, "principal_paid"])


def test_bad_strategies_are_refused() -> None:
    with pytest.raises(AssumptionError, match=r"stage 'x'.buckets: must be delinquency buckets 1…6"):
        CollectionStage("x", (0,))
    with pytest.raises(AssumptionError, match=r"contingency_fee: must be a decimal in \[0, 1\]; got 30"):
        CollectionStage("x", (3,), contingency_fee=30)
    with pytest.raises(AssumptionError, match="legal_curve: must sum to 1"):
        ChargeOffPath(legal_share=0.5, legal_curve=(0.5, 0.2))
    with pytest.raises(AssumptionError, match="need the roll-rate convention"):
        Assumptions.make(cdr=0.02, collections=CollectionStrategy("r", restructuring=Restructuring(take_up={2: 0.2})))


def test_strategy_comparison_table_reads_like_the_runs() -> None:
    from abs_model.analytics.strategies import compare_strategies, default_strategies

    deal = am.load_deal("examples/baitiao_revolving.yaml")
    table = compare_strategies(deal, discount_rate=0.12)
    assert list(table.index) == ["baseline", *default_strategies()]
    # the baseline (no strategy; the deal's late fees stay) NPV, recomputed with a plain loop
    # over periods at 1 % a month; the trust receives the late fees
    r = am.run(deal, dataclasses.replace(deal.assumptions, collections=None))
    f = r.pool
    npv = 0.0
    for t in range(1, len(f)):
        cash = f.loc[t, "principal_collections"] + f.loc[t, "fee_interest"] + f.loc[t, "prepayment_fee"] + f.loc[t, "recoveries"]
        npv += (cash + f.loc[t, "late_fees"]) / 1.01**t
    assert f["late_fees"].sum() > 0
    assert table.loc["baseline", "npv_collections"] == pytest.approx(npv, rel=1e-12)
    assert table.loc["baseline", "collection_costs"] == 0.0
    # restructuring moves balance out of default; a debt sale at 8 % recovers less than 10 % recoveries
    assert table.loc["restructure at M2", "restructured_entries"] > 0
    assert table.loc["restructure at M2", "defaults"] < table.loc["baseline", "defaults"]
    assert table.loc["debt sale at charge-off", "recoveries"] < table.loc["baseline", "recoveries"]


def test_the_example_deal_states_late_fees_a_ladder_and_a_plan() -> None:
    deal = am.load_deal("examples/baitiao_revolving.yaml")
    a = deal.assumptions
    assert a.late_fees is not None and a.late_fees.daily_rate == 0.0005
    assert a.collections is not None and [p.plan for p in a.collections.plans] == ["spread_arrears"]
    f = am.run(deal).pool
    assert f["late_fees"].sum() > 0 and f["balance_spread_arrears"].max() > 0
    assert f["collection_costs"].sum() > 0


def test_a_strategy_that_cannot_apply_to_a_sifma_deal_is_refused() -> None:
    from abs_model.analytics.strategies import compare_strategies

    deal = am.load_deal("examples/baitiao_revolving.yaml")
    sifma = Assumptions.make(cpr=0.2, cdr=0.05)
    with pytest.raises(AssumptionError, match=r"strategies\['outsource at M3'\]: collection stages act on delinquency buckets"):
        compare_strategies(deal, {"outsource at M3": CollectionStrategy("outsource at M3", stages=worked_strategy().stages)}, assumptions=sifma)
    # a charge-off path alone applies to any convention
    only_sale = CollectionStrategy("sale", charge_off=ChargeOffPath(sale_share=1.0, sale_price=0.1))
    table = compare_strategies(deal, {"sale": only_sale}, assumptions=sifma)
    assert table.loc["sale", "recoveries"] != table.loc["baseline", "recoveries"]


def test_compare_strategies_command_reads_a_strategies_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from abs_model.cli import main

    path = tmp_path / "s.yaml"
    path.write_text(
        "strategies:\n"
        "  - name: freeze at M3\n"
        "    restructuring: [{plan: freeze, take_up: {3: 0.2}, periods: 24}]\n"
        "  - name: '=sale'\n"
        "    charge_off: {sale_share: 0.8, sale_price: 0.08}\n",
        encoding="utf-8",
    )
    out = tmp_path / "t.csv"
    assert main(["compare-strategies", "examples/baitiao_revolving.yaml", "--strategies", str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "freeze at M3" in text and "baseline" in text
    assert "\n'=sale," in out.read_text(encoding="utf-8")  # text from inputs never starts a formula


def test_report_and_workbook_show_the_strategy_comparison(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from abs_model.analytics.strategies import compare_strategies
    from abs_model.output.report import render_report
    from abs_model.output.workbook import write_workbook

    deal = am.load_deal("examples/baitiao_revolving.yaml")
    r = am.run(deal)
    table = compare_strategies(deal)
    html = render_report(r, strategies=table)
    assert "Collection strategies" in html and "outsource at M3" in html
    path = write_workbook(r, tmp_path / "m.xlsx", strategies=table)
    assert "Strategies" in load_workbook(path).sheetnames


def test_stages_by_days_past_due_overlap_and_raise_cures() -> None:
    # reminders from day 1 and a lawyer's letter at day 12 are both M1 actions; outsourcing from
    # day 61 covers M3–M6; a 征信 report / credit-line freeze at M2 lifts its cure rate by half.
    letter = CollectionStage("lawyer's letter (律师函)", from_day=12, to_day=12, cost_per_account=20.0)
    assert letter.buckets == (1,)
    assert CollectionStage("outsourced", from_day=61, contingency_fee=0.25).buckets == (3, 4, 5, 6)
    freeze = CollectionStage("征信 report and line freeze", from_day=31, to_day=60, cure_uplift=0.5)
    s = CollectionStrategy("ladder", stages=(CollectionStage("reminders", from_day=1, to_day=30, cost_per_account=0.5), letter, freeze))
    # M2 row of the simple matrix: cure 0.25, roll 0.55, stay 0.20 → cure 0.375; the other
    # 0.625 keeps the 0.55 : 0.20 proportions: roll 0.4583, stay 0.1667
    rr = RollRates.simple(roll=[0.01, 0.40, 0.55, 0.70, 0.85, 0.90, 1.0], cure=[0.40, 0.25, 0.10, 0.05, 0.03, 0.0])
    m = s.apply_cures(rr.matrix)[0]
    assert m[2, 0] == pytest.approx(0.375)
    assert m[2, 3] == pytest.approx(0.55 * 0.625 / 0.75)
    assert m[2, 2] == pytest.approx(0.20 * 0.625 / 0.75)
    assert m[1].tolist() == pytest.approx(rr.matrix[0, 1].tolist())
    # the M1 loan of the worked example: both M1 stages charge their account in period 1
    f = am.project(m1_loan(), Assumptions.make(roll_rates=straight_roll(), collections=s)).frame
    assert f.loc[1, "collection_costs"] == pytest.approx(20.5, abs=CENT)
    with pytest.raises(AssumptionError, match="to_day: must be ≥ from_day"):
        CollectionStage("x", from_day=40, to_day=10)

"""Eligibility (合格标准) at the cut-off and at each revolving purchase, concentration caps and
the mix-drift stress, on examples worked by hand."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

import abs_model as am
from abs_model.deal.eligibility import Eligibility, purchase_weights, screen_pool
from abs_model.errors import DealError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CENT = 0.005


def five_loans() -> am.Pool:
    # 1: current, fine; 2: M1 (1–30 dpd); 3: balance 60,000 > 50,000; 4: 30 months left > 24;
    # 5: current and fine
    return am.Pool.from_arrays(
        loan_id=["1", "2", "3", "4", "5"],
        original_principal=[1_000.0, 2_000.0, 60_000.0, 3_000.0, 4_000.0],
        current_principal=[1_000.0, 2_000.0, 60_000.0, 3_000.0, 4_000.0],
        original_term=[12, 12, 12, 36, 6],
        remaining_term=[12, 12, 12, 30, 6],
        product=[0, 0, 0, 1, 0],
        rate=[0.006, 0.006, 0.006, 0.01, 0.0],
        bucket=[0, 1, 0, 0, 0],
    )


def test_cutoff_screen_states_counts_and_balance_removed_per_rule() -> None:
    e = Eligibility(max_balance=50_000.0)
    kept, e2 = screen_pool(five_loans(), e, maturity=24, source="deal.yaml")
    assert list(kept.loan_id) == ["1", "5"]
    frame = e2.removed_frame().set_index("rule")
    assert frame.loc["days past due > 0", "count_removed"] == 1
    assert frame.loc["days past due > 0", "balance_removed"] == pytest.approx(2_000.0, abs=CENT)
    assert frame.loc["balance > 50000", "balance_removed"] == pytest.approx(60_000.0, abs=CENT)
    assert frame.loc["remaining term > 24 months to expected maturity", "count_removed"] == 1
    assert frame["count_removed"].sum() == 3


def test_cutoff_screen_can_refuse_instead() -> None:
    e = Eligibility(on_cutoff="refuse")
    with pytest.raises(DealError, match=r"deal.yaml: eligibility: .*days past due > 0: 1 receivables, balance 2,000.00"):
        screen_pool(five_loans(), e, maturity=24, source="deal.yaml")


def test_product_and_rate_limits() -> None:
    # level payment (loan 4) and the 0 % plan (loan 5) are out; loan 2 is delinquent
    e = Eligibility(products=("flat_fee",), min_rate=0.001, term_within_maturity=False)
    kept, _ = screen_pool(five_loans(), e, maturity=24, source="x")
    assert list(kept.loan_id) == ["1", "3"]


LINES = [
    SimpleNamespace(product="flat_fee", term=3, rate=0.0, share=0.20, average_balance=1_200.0),
    SimpleNamespace(product="flat_fee", term=6, rate=0.006, share=0.25, average_balance=1_500.0),
    SimpleNamespace(product="flat_fee", term=12, rate=0.007, share=0.35, average_balance=2_000.0),
    SimpleNamespace(product="flat_fee", term=24, rate=0.008, share=0.20, average_balance=2_500.0),
]


def test_term_limit_shrinks_with_the_months_left() -> None:
    # expected maturity 30, 12 revolving periods: a 24-period receivable fits while 24 ≤ 30 − t
    # (t ≤ 6); after that the other three lines share 0.20 / 0.25 / 0.35 of 0.80
    w = purchase_weights(LINES, Eligibility(), periods=30, revolving=12, maturity=30)
    assert w[6] == pytest.approx([0.20, 0.25, 0.35, 0.20])
    assert w[7] == pytest.approx([0.25, 0.3125, 0.4375, 0.0])
    assert w[13:].sum() == 0.0  # nothing bought after revolving
    # maturity 24: 12-period receivables until t = 12, 24-period ones never
    w24 = purchase_weights(LINES, Eligibility(), periods=24, revolving=12, maturity=24)
    assert w24[12, 2] > 0.0 and w24[1:, 3].sum() == 0.0


def test_concentration_cap_moves_the_excess_to_the_other_lines() -> None:
    # at t = 7 the mix is 0.25 / 0.3125 / 0.4375; 12-period capped at 0.30 frees 0.1375, shared
    # 0.25 : 0.3125 → 3-period 0.25 + 0.1375 × 0.25 / 0.5625, 6-period 0.3125 + 0.1375 × 0.3125 / 0.5625
    e = Eligibility(concentration_by_term={12: 0.30})
    w = purchase_weights(LINES, e, periods=30, revolving=12, maturity=30)
    assert w[7] == pytest.approx([0.25 + 0.1375 * 0.25 / 0.5625, 0.3125 + 0.1375 * 0.3125 / 0.5625, 0.30, 0.0])
    # caps that cannot all hold: nothing is bought that period
    e_bad = Eligibility(concentration_by_product={"flat_fee": 0.5})
    assert purchase_weights(LINES, e_bad, periods=30, revolving=12, maturity=30).sum() == 0.0


def test_mix_drift_moves_linearly_to_the_stressed_mix() -> None:
    # from 0.2/0.25/0.35/0.2 to 0/0/0.5/0.5 over 4 revolving periods: at t = 2 halfway
    e = Eligibility(mix_drift_to=(0.0, 0.0, 0.5, 0.5), term_within_maturity=False)
    w = purchase_weights(LINES, e, periods=8, revolving=4, maturity=8)
    assert w[2] == pytest.approx([0.10, 0.125, 0.425, 0.35])
    assert w[4] == pytest.approx([0.0, 0.0, 0.5, 0.5])


def _deal(tmp_path: Path, eligibility: dict | None) -> am.Deal:
    doc = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
    doc["pool"] = {"tape": str(EXAMPLES / "baitiao_tape.csv"), "scale_to": 1.2e9}
    doc.pop("eligibility", None)
    if eligibility is not None:
        doc["eligibility"] = eligibility
    out = tmp_path / "deal.yaml"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return am.load_deal(out)


def test_per_line_purchases_equal_the_mix_when_everything_is_eligible(tmp_path: Path) -> None:
    # fast equals slow: with every line eligible in every period, the plan's weighted per-line
    # profiles reproduce the one-mix profile (the projection is linear in balance)
    everything = {"max_days_past_due": 180, "term_within_maturity": False}
    plain = am.run(_deal(tmp_path, None))
    planned = am.run(_deal(tmp_path, everything))
    a, b = plain.liabilities, planned.liabilities
    assert np.allclose(a.purchased, b.purchased, rtol=1e-9, atol=1e-6)
    for name in a.tranche_names:
        assert np.allclose(a.tranche(name).principal_paid, b.tranche(name).principal_paid, rtol=1e-9, atol=1e-6)


def test_bundled_tape_is_filtered_or_refused(tmp_path: Path) -> None:
    deal = _deal(tmp_path, {"max_days_past_due": 0})
    removed = deal.eligibility.removed_frame()
    assert removed.loc[0, "count_removed"] == 50  # 2,000 receivables, 1,950 current
    with pytest.raises(DealError, match="on_cutoff: refuse"):
        _deal(tmp_path, {"on_cutoff": "refuse"})


def test_a_shortfall_of_eligible_receivables_leaves_cash_uninvested(tmp_path: Path) -> None:
    # the originator can offer only RMB 50m a month: the rest of principal collections stays
    # in the trust uninvested (negative carry) while revolving
    deal = _deal(tmp_path, {"max_days_past_due": 180, "term_within_maturity": False, "supply": [50e6]})
    r = am.run(deal)
    assert all(c.passed for c in r.checks)
    L = r.liabilities
    assert L.purchased[0, :12] == pytest.approx(np.full(12, 50e6), rel=1e-12)
    assert L.arrays["unreinvested"][0, :12].min() > 0.0


def test_a_cash_in_step_after_the_residual_makes_later_steps_reachable(tmp_path: Path) -> None:
    # release_reserve adds cash to the interest pot after pay_residual emptied it: a later step
    # drawing on interest is not flagged as unreachable
    doc = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
    doc["pool"] = {"tape": str(EXAMPLES / "baitiao_tape.csv"), "scale_to": 1.2e9}
    doc["waterfalls"]["amortising"] += [{"release_reserve": {"liquidity": False}}, {"pay_fee": "Servicer"}]
    out = tmp_path / "deal.yaml"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    am.load_deal(out)


def test_rate_limits_are_per_period_for_every_product() -> None:
    # eligibility: rate per period between 0.5 % and 1.2 %. A level-payment or equal-principal
    # loan carries its annual rate: 12 % a year is 1 % a period (eligible), 18 % is 1.5 % (too
    # high), 5 % is 0.4167 % (too low). Before, the annual rate itself was compared with the
    # per-period limits: both 12 % and 18 % loans failed 'rate > 0.012' and the 5 % one passed.
    pool = am.Pool.from_arrays(
        loan_id=["fee 1.0 %", "LP 12 %", "LP 18 %", "EP 5 %", "fee 0 %"],
        original_principal=[1_000.0, 2_000.0, 3_000.0, 4_000.0, 5_000.0],
        current_principal=[1_000.0, 2_000.0, 3_000.0, 4_000.0, 5_000.0],
        original_term=[12, 12, 12, 12, 6],
        remaining_term=[12, 12, 12, 12, 6],
        product=[0, 1, 1, 2, 0],
        rate=[0.010, 0.12, 0.18, 0.05, 0.0],
        bucket=[0, 0, 0, 0, 0],
    )
    e = Eligibility(min_rate=0.005, max_rate=0.012, term_within_maturity=False)
    kept, e2 = screen_pool(pool, e, maturity=24, source="x")
    assert list(kept.loan_id) == ["fee 1.0 %", "LP 12 %"]
    frame = e2.removed_frame().set_index("rule")
    assert frame.loc["rate per period < 0.005", "balance_removed"] == pytest.approx(4_000.0 + 5_000.0, abs=CENT)
    assert frame.loc["rate per period > 0.012", "balance_removed"] == pytest.approx(3_000.0, abs=CENT)


def test_purchase_rate_limits_are_per_period_for_every_product() -> None:
    # replenishment: a 12-period level-payment plan at 12 % a year (1 % a period) and a flat-fee
    # plan at 0.8 % a period, half each; a limit of 1.2 % a period keeps both (before, the level
    # plan's 0.12 failed it and the flat-fee plan was bought alone)
    lines = [
        SimpleNamespace(product="level_payment", term=12, rate=0.12, share=0.5, average_balance=2_000.0),
        SimpleNamespace(product="flat_fee", term=12, rate=0.008, share=0.5, average_balance=2_000.0),
    ]
    w = purchase_weights(lines, Eligibility(max_rate=0.012, min_rate=0.005), periods=24, revolving=12, maturity=24)
    assert w[1] == pytest.approx([0.5, 0.5])
    # and 0.5 % a period excludes a 5 % a year plan (0.4167 % a period): it had passed as 0.05
    low = [SimpleNamespace(product="equal_principal", term=12, rate=0.05, share=0.5, average_balance=2_000.0), lines[1]]
    w_low = purchase_weights(low, Eligibility(min_rate=0.005), periods=24, revolving=12, maturity=24)
    assert w_low[1] == pytest.approx([0.0, 1.0])


def test_revolving_eligibility_min_rate_is_per_period(tmp_path: Path) -> None:
    # revolving.eligibility.min_rate 0.5 % a period: a level-payment line at 12 % a year (1 % a
    # period) is kept, one at 5 % a year (0.4167 %) is not
    doc = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
    doc["pool"] = {"synthetic": {"n": 2_000, "seed": 1}}
    doc["revolving"]["replenishment"] = [
        {"product": "level_payment", "term": 12, "rate": 0.12, "share": 0.4},
        {"product": "level_payment", "term": 12, "rate": 0.05, "share": 0.2},
        {"product": "flat_fee", "term": 6, "rate": 0.006, "share": 0.4},
    ]
    doc["revolving"]["eligibility"] = {"min_rate": 0.005}
    out = tmp_path / "deal.yaml"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    lines = am.load_deal(out).revolving.replenishment
    assert [(ln.product, ln.rate) for ln in lines] == [("level_payment", 0.12), ("flat_fee", 0.006)]
    assert [ln.share for ln in lines] == pytest.approx([0.5, 0.5])

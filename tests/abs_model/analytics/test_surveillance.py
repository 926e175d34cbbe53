"""Surveillance: actual vs expected and re-projection from a reported period.

The defining property: a deal whose reported history *is* its own projection re-projects, from
any period k, to the original projection from k on — pool, every tranche, accounts — to a cent.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.analytics.surveillance import (
    actual_vs_expected,
    calibrate_from_history,
    pool_metrics,
    reproject,
)
from abs_model.errors import AbsModelError

CENT = 0.005
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
MONEY = ("opening_balance", "scheduled_principal", "prepayment", "fee_interest", "defaults", "recoveries", "closing_balance")


def _own_history(res: am.DealResult, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    pool = res.pool.loc[1:k].reset_index()
    notes = pd.concat(
        [f.loc[1:k, ["balance_end", "principal_paid", "interest_paid"]].rename(columns={"balance_end": "balance"}).assign(tranche=n).reset_index()
         for n, f in res.tranches.items()],
        ignore_index=True,
    )
    return pool, notes


@pytest.mark.parametrize(("deal_file", "k"), [("us_auto_static.yaml", 7), ("us_auto_static.yaml", 30), ("baitiao_revolving.yaml", 5), ("baitiao_revolving.yaml", 14)])
def test_reprojecting_a_deal_from_its_own_projection_gives_the_projection_to_a_cent(deal_file: str, k: int) -> None:
    deal = am.load_deal(EXAMPLES / deal_file)
    original = am.run(deal)
    pool, notes = _own_history(original, k)
    rp = reproject(deal, pool, assumptions=original.assumptions, note_actuals=notes, period=k)
    assert rp.period == k and rp.scale == pytest.approx(1.0, abs=1e-12)
    got, want = rp.result.pool, original.pool
    for c in (*MONEY, "balance_m2", "purchases", "cleanup_sale"):
        assert np.max(np.abs(got[c].to_numpy() - want[c].to_numpy())) <= CENT, c
    for name, tf in original.tranches.items():
        for c in ("interest_paid", "principal_paid", "writedown", "balance_end"):
            assert np.max(np.abs(rp.result.tranches[name][c].to_numpy() - tf[c].to_numpy())) <= CENT, (name, c)
    assert np.max(np.abs(rp.result.accounts.to_numpy(dtype=float) - original.accounts.to_numpy(dtype=float))) <= CENT
    assert np.allclose(rp.reconciliation["difference"], 0.0, atol=CENT)


def test_the_run_off_after_k_is_the_expected_one_scaled_to_the_actual_balance() -> None:
    # a static pool reported 10 % smaller than projected at k: every pool column after k is
    # the projection x 0.9 (the projection is linear in balance)
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    original = am.run(deal)
    k = 12
    pool, _ = _own_history(original, k)
    pool.loc[pool["period"] == k, ["closing_balance", *[f"balance_m{j}" for j in range(7)]]] *= 0.9
    pool.loc[pool["period"] == k, "prepayment"] += 0.1 * float(original.pool.at[k, "closing_balance"])
    rp = reproject(deal, pool, assumptions=original.assumptions, period=k)
    assert rp.scale == pytest.approx(0.9, rel=1e-12)
    for c in MONEY:
        assert np.allclose(rp.result.pool.loc[k + 1 :, c], 0.9 * original.pool.loc[k + 1 :, c], atol=CENT), c


def test_actual_vs_expected_of_the_projection_itself_has_no_variance() -> None:
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    res = am.run(deal)
    pool, notes = _own_history(res, 6)
    pool.loc[pool["period"] == 3, "prepayment"] += 1_000.0  # one month prepaid 1,000 more...
    pool.loc[pool["period"] == 3, "scheduled_principal"] -= 1_000.0  # ... and scheduled 1,000 less
    frames = actual_vs_expected(res, pool, note_actuals=notes)
    v = frames.pool
    assert list(v.index) == [1, 2, 3, 4, 5, 6]
    assert v["prepayment_variance"].loc[3] == pytest.approx(1_000.0)
    assert v["scheduled_principal_variance"].loc[3] == pytest.approx(-1_000.0)
    others = v.drop(index=3)[["prepayment_variance", "cdr_variance", "cumulative_net_loss_ratio_variance"]]
    assert np.allclose(others.to_numpy(), 0.0, atol=1e-9)
    assert v["smm_variance"].loc[3] > 0
    assert np.allclose(frames.notes["balance_variance"], 0.0, atol=CENT)


def test_pool_metrics_of_a_hand_worked_month() -> None:
    frame = pd.DataFrame({
        "period": [1], "opening_balance": [1_000_000.0], "scheduled_principal": [40_000.0], "prepayment": [47_500.0],
        "fee_interest": [8_000.0], "defaults": [10_000.0], "recoveries": [2_500.0], "closing_balance": [902_500.0],
    })
    m = pool_metrics(frame, original_balance=1_000_000.0).loc[1]
    assert m["smm"] == pytest.approx(0.05)  # 47,500 / (1,000,000 − 40,000 − 10,000)
    assert m["mdr"] == pytest.approx(0.01)
    assert m["monthly_net_loss"] == pytest.approx(7_500.0)
    assert m["annualised_net_loss_rate"] == pytest.approx(0.09)
    assert m["cumulative_net_loss_ratio"] == pytest.approx(0.0075)
    assert m["payment_rate"] == pytest.approx((40_000 + 47_500 + 8_000 + 2_500) / 1_000_000)
    assert np.isnan(m["delinquency_30p"])  # buckets not reported


def test_calibration_from_history_measures_the_window() -> None:
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    hist = pd.DataFrame({
        "period": [1, 2], "opening_balance": [1000.0, 900.0], "scheduled_principal": [50.0, 50.0],
        "prepayment": [40.0, 34.0], "fee_interest": [5.0, 4.0], "defaults": [10.0, 8.0], "recoveries": [0.0, 0.0],
        "closing_balance": [900.0, 808.0],
    })
    a = calibrate_from_history(hist, deal.assumptions or am.Assumptions.make())
    smm = (40 + 34) / ((1000 - 50 - 10) + (900 - 50 - 8))  # balance-weighted over the window
    assert a.cpr.values[0] == pytest.approx(1 - (1 - smm) ** 12)
    mdr = 18 / 1900
    assert a.cdr is not None and a.cdr.values[0] == pytest.approx(1 - (1 - mdr) ** 12)


def test_reproject_refuses_a_history_that_does_not_start_at_period_1() -> None:
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    res = am.run(deal)
    pool, _ = _own_history(res, 4)
    with pytest.raises(AbsModelError, match="must start at period 1"):
        reproject(deal, pool.iloc[1:])
    with pytest.raises(AbsModelError, match="period: must be a reported period"):
        reproject(deal, pool, period=9)


def test_default_reprojection_calibrates_on_the_history_and_a_loan_panel() -> None:
    deal = am.load_deal(EXAMPLES / "baitiao_revolving.yaml")
    res = am.run(deal)
    pool, _ = _own_history(res, 8)
    base = deal.assumptions or am.Assumptions.make()
    panel = am.synthetic_history(400, seed=3, true_roll_rates=base.roll_rates, true_cpr=0.3, months=18, vintages=6)
    rp = reproject(deal, pool, loan_history=panel)
    cal = am.calibrate(panel, default_threshold_days=base.default_threshold_days)
    assert rp.assumptions.cpr.values[0] == pytest.approx(cal.cpr)
    assert rp.assumptions.roll_rates is not None
    assert np.allclose(rp.assumptions.roll_rates.matrix, cal.roll_rates.matrix)
    # periods 1..k are the history as reported, whatever the assumptions
    assert np.allclose(rp.result.pool.loc[1:8, "closing_balance"], res.pool.loc[1:8, "closing_balance"], atol=CENT)
    assert rp.result.pool["closing_balance"].iloc[-1] >= 0


def test_a_history_without_the_required_columns_is_named() -> None:
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    with pytest.raises(AbsModelError, match=r"missing \['defaults'\]"):
        reproject(deal, pd.DataFrame({"period": [1], "opening_balance": [1.0], "scheduled_principal": [0.0], "prepayment": [0.0],
                                      "fee_interest": [0.0], "recoveries": [0.0], "closing_balance": [1.0]}))
    with pytest.raises(AbsModelError, match="must have a 'period' column"):
        pool_metrics(pd.DataFrame({"x": [1.0]}), original_balance=1.0)

"""Sweeps: rows equal one-at-a-time ``am.run``; tidy shape; chunking and executors change nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.analytics.scenarios import variant
from abs_model.analytics.sweep import METRICS, evaluate_chunk, scenario_grid
from abs_model.core.yields import cash_flow_yield

REL = 1e-9
BAITIAO = "examples/baitiao_revolving.yaml"
AUTO = "examples/us_auto_static.yaml"


@pytest.fixture(scope="module")
def deal() -> am.Deal:
    return am.load_deal(BAITIAO)


@pytest.fixture(scope="module")
def grid_result(deal: am.Deal) -> pd.DataFrame:
    return am.sweep(deal, {"prepay": [0.5, 1.5], "default": [1.0, 2.5], "timing": ["base", "front"]}, progress=False)


def test_tidy_shape(deal: am.Deal, grid_result: pd.DataFrame) -> None:
    n = 2 * 2 * 2
    assert len(grid_result) == n * 3
    assert list(grid_result["tranche"].iloc[:3]) == list(deal.tranche_names)
    assert grid_result.groupby("scenario_id").size().eq(3).all()
    for c in ("prepay", "default", "timing", "prepay_mult", "default_mult", "tranche", "class", *METRICS):
        assert c in grid_result.columns
    assert grid_result["complete"].dtype == bool


@pytest.mark.parametrize("pm,dm,timing", [(0.5, 1.0, "base"), (1.5, 2.5, "base"), (0.5, 2.5, "front"), (1.5, 1.0, "front")])
def test_rows_equal_one_at_a_time_run(deal: am.Deal, grid_result: pd.DataFrame, pm: float, dm: float, timing: str) -> None:
    d, a = variant(deal, deal.assumptions, timing=timing)  # type: ignore[arg-type]
    ref = am.run(d, a, prepay_mult=pm, default_mult=dm).summary()
    rows = grid_result[(grid_result["prepay"] == pm) & (grid_result["default"] == dm) & (grid_result["timing"] == timing)]
    for _, r in rows.iterrows():
        s = ref.loc[r["tranche"]]
        for col in ("loss", "loss_pct", "interest_paid", "principal_paid", "residual_paid", "wal_years", "ending_balance"):
            assert r[col] == pytest.approx(s[col], rel=REL, abs=1e-6, nan_ok=True), col
        assert r["first_principal_period"] == s["first_principal_period"]
        assert r["last_principal_period"] == s["last_principal_period"]


def test_yield_at_par_equals_cash_flow_yield(deal: am.Deal, grid_result: pd.DataFrame) -> None:
    res = am.run(deal, prepay_mult=1.5, default_mult=1.0)
    rows = grid_result[(grid_result["prepay"] == 1.5) & (grid_result["default"] == 1.0) & (grid_result["timing"] == "base")]
    for _, r in rows.iterrows():
        f = res.tranches[r["tranche"]]
        cf = (f["interest_paid"] + f["principal_paid"] + f["residual_paid"]).to_numpy()
        y = cash_flow_yield(1.0, cf, balance=r["original_balance"])
        assert r["yield_at_par"] == pytest.approx(y, abs=1e-9)


def test_chunking_and_executors_give_identical_results(deal: am.Deal, grid_result: pd.DataFrame) -> None:
    grid = {"prepay": [0.5, 1.5], "default": [1.0, 2.5], "timing": ["base", "front"]}
    small = am.sweep(deal, grid, chunk=3, progress=False)
    pd.testing.assert_frame_equal(small, grid_result, rtol=1e-12)
    with ThreadPoolExecutor(2) as ex:
        threaded = am.sweep(deal, grid, chunk=3, executor=ex, progress=False)
    pd.testing.assert_frame_equal(threaded, grid_result, rtol=1e-12)


def test_evaluate_chunk_standalone(deal: am.Deal) -> None:
    chunk = pd.DataFrame({"default_mult": [1.0, 2.0], "tag": ["x", "y"]})
    out = evaluate_chunk(deal, deal.assumptions, chunk)  # type: ignore[arg-type]
    assert list(out["tag"]) == ["x"] * 3 + ["y"] * 3
    ref = am.run(deal, default_mult=2.0).summary()
    assert out["loss"].iloc[5] == pytest.approx(ref.loc["Subordinated", "loss"], rel=REL)


def test_absolute_values_become_multiples() -> None:
    deal = am.load_deal(AUTO)
    a = deal.assumptions
    assert a is not None
    absolute = am.sweep(deal, {"cdr": [0.04], "recovery_rate": [0.225]}, metrics=["loss", "wal_years"], progress=False)
    multiple = am.sweep(deal, {"default": [2.0], "recovery": [0.5]}, metrics=["loss", "wal_years"], progress=False)
    assert absolute["default_mult"].iloc[0] == pytest.approx(2.0)
    assert absolute["recovery_mult"].iloc[0] == pytest.approx(0.5)
    np.testing.assert_allclose(absolute["loss"], multiple["loss"], rtol=REL)
    np.testing.assert_allclose(absolute["wal_years"], multiple["wal_years"], rtol=REL)


def test_named_scenarios_and_spread(deal: am.Deal) -> None:
    out = am.sweep(deal, {"scenario": ["base", "spread_100bp", "AAA"]}, metrics=["loss"], progress=False)
    g = scenario_grid({"scenario": ["AAA"]}, deal.assumptions)  # type: ignore[arg-type]
    assert g["default_mult"].iloc[0] == 4.5
    base = out[out["scenario"] == "base"].set_index("tranche")["loss"]
    spread = out[out["scenario"] == "spread_100bp"].set_index("tranche")["loss"]
    assert (spread >= base - 1e-6).all()  # less excess spread never helps
    d, a = variant(deal, deal.assumptions, spread_bp=100.0)  # type: ignore[arg-type]
    ref = am.run(d, a).summary()["loss"]
    np.testing.assert_allclose(spread.to_numpy(), ref.loc[spread.index].to_numpy(), rtol=REL, atol=1e-6)


def test_grid_errors_name_the_column(deal: am.Deal) -> None:
    with pytest.raises(am.AssumptionError, match="speed"):
        am.sweep(deal, {"speed": [1.0]})
    with pytest.raises(am.AbsModelError, match="prepay_mult once"):
        am.sweep(deal, {"prepay": [1.0], "cpr": [0.2]})
    with pytest.raises(am.AbsModelError, match="decimals"):
        am.sweep(deal, {"cpr": [20.0]})
    with pytest.raises(am.AbsModelError, match="metrics"):
        am.sweep(deal, {"prepay": [1.0]}, metrics=["nope"])


def test_cli_sweep_and_breakeven(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from abs_model.cli import main

    assert main(["sweep", BAITIAO, "--grid", "prepay=0.5,1", "--grid", "default=1,2", "--out", str(tmp_path), "--quiet"]) == 0
    df = pd.read_csv(tmp_path / "sweep.csv")
    assert len(df) == 4 * 3
    assert "Loss %" in capsys.readouterr().out
    assert main(["breakeven", AUTO, "--out", str(tmp_path)]) == 0
    assert (tmp_path / "breakeven_summary.csv").exists()

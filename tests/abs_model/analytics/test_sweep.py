"""Sweeps: rows equal one-at-a-time ``am.run``; tidy shape; chunking and executors change nothing."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.analytics.scenarios import variant
from abs_model.analytics.sweep import METRICS, _product_frame, evaluate_chunk, scenario_grid
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


def _par_yields_every_row(cf: np.ndarray, balance: float) -> np.ndarray:
    """The yields at par as computed before rows equal to the one before them were skipped: every
    row solved (the formula of the module doc)."""
    from abs_model.core.solve import root_rows
    from abs_model.core.yields import YIELD_HIGH, YIELD_LOW

    expo = -2.0 * np.arange(1, cf.shape[1] + 1) / 12.0

    def f(rows: np.ndarray, y: np.ndarray) -> np.ndarray:
        c = cf if rows.size == cf.shape[0] else cf[rows]
        return (c * (1.0 + y[:, None] / 2.0) ** expo).sum(axis=1) - balance

    return root_rows(f, YIELD_LOW, YIELD_HIGH, cf.shape[0], xtol=1e-13)


def test_par_yields_of_repeated_rows_equal_every_row_solved() -> None:
    """Rows repeated next to each other (as a grid's recovery multiples often leave a senior
    class's cash flows) are solved once; every yield is bit for bit the one solved row by row,
    also for a row with -0.0 where the one before has 0.0, a row with no root and the last row."""
    from abs_model.analytics.sweep import _par_yields

    rng = np.random.default_rng(3)
    base = rng.random((6, 12)) * 10.0 + 1.0
    cf = np.repeat(base, [1, 3, 2, 1, 4, 2], axis=0)
    cf[2, 5] = 0.0
    cf[3, 5] = -0.0  # equal to the row before by value
    cf[7] = 0.0  # no root: NaN, as every-row
    cf[8] = 0.0
    got = _par_yields(cf, 100.0)
    want = _par_yields_every_row(cf, 100.0)
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got[7]) and np.isfinite(got[0])


def test_sweep_equals_the_plain_path_bit_for_bit(deal: am.Deal, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sweep as it runs now (the period loop's lazy purchases and its few pool columns,
    repeated rows' yields solved once) gives exactly the frame of the plain path: the
    column-by-column period loop of ``tests/abs_model/runs/reference_runner`` over every pool
    column (every one projected for every scenario), every row's yield solved, in the same chunks (how the chunks are cut may move the
    last bits of the collateral projection, which shares state paths between a batch's
    scenarios: :func:`test_chunking_and_executors_give_identical_results`)."""
    import abs_model.analytics.sweep as sweep_mod
    import abs_model.runs.runner as runner
    from abs_model.projection.cashflows import ADVANCING_FIELDS, FIELDS
    from tests.abs_model.runs.reference_runner import reference_run_periods

    grid = {"prepay": [0.5, 1.5], "default": [1.0, 3.0, 6.0], "recovery": [0.5, 1.0, 1.0], "timing": ["base", "front"]}
    got = am.sweep(deal, grid, progress=False)
    with monkeypatch.context() as m:
        m.setattr(runner, "_run_periods", reference_run_periods)
        m.setattr(runner, "LOOP_FIELDS", (*FIELDS, *ADVANCING_FIELDS))  # every pool column projected and carried
        m.setattr(sweep_mod, "_par_yields", _par_yields_every_row)
        want = am.sweep(deal, grid, progress=False)
    assert want["loss"].gt(0).any() and want["loss"].eq(0).any()  # losses happen, not everywhere
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_rows_frame_keeps_every_dtype_and_lets_metric_names_win(deal: am.Deal) -> None:
    """The chunk's columns repeat per tranche with their dtypes (numpy and pandas' own: category,
    nullable integers, strings), a chunk column named like a result column gives way to it, and
    the metric columns are float, int or bool as before."""
    from abs_model.analytics.sweep import _rows_frame

    chunk = pd.DataFrame(
        {
            "default_mult": [1.0, 2.0],
            "tag": pd.Categorical(["x", "y"]),
            "n": pd.array([1, None], dtype="Int64"),
            "name": ["a", "b"],
            "loss": [7.0, 8.0],  # gives way to the metric
        }
    )
    names = deal.tranche_names
    metric_arrays = {nm: {m: np.array([0.5 + j, 1.0 + j]) for m in METRICS} for j, nm in enumerate(names)}
    out = _rows_frame(chunk, names, {nm: f"c{j}" for j, nm in enumerate(names)}, dict.fromkeys(names, 100.0), metric_arrays)
    C = len(names)
    assert list(out.columns) == ["default_mult", "tag", "n", "name", "tranche", "class", "original_balance", *METRICS]
    assert out["tag"].dtype == "category" and out["n"].dtype == "Int64" and out["default_mult"].dtype == np.float64
    assert list(out["tag"]) == ["x"] * C + ["y"] * C and out["n"].isna().tolist() == [False] * C + [True] * C
    assert list(out["tranche"]) == list(names) * 2 and list(out["class"].iloc[:C]) == [f"c{j}" for j in range(C)]
    assert out["loss"].tolist() == [0.5 + j for j in range(C)] + [1.0 + j for j in range(C)]
    assert out["first_principal_period"].dtype == np.int64 and out["complete"].dtype == bool
    assert out.index.equals(pd.RangeIndex(2 * C))


def test_batches_group_scenarios_by_timing_spread_and_events() -> None:
    """Scenarios sharing (timing, spread, event stresses) form one batch, keys in order of first
    appearance, indices in chunk order; NaN event cells (a DataFrame round trip) count as none."""
    from abs_model.analytics.scenarios import EVENT_COLUMNS
    from abs_model.analytics.sweep import _batches

    none = (None,) * len(EVENT_COLUMNS)
    n = 4
    cols: dict[str, np.ndarray] = {
        "timing": np.array(["base"] * n, dtype=object),
        "spread_bp": np.zeros(n),
        **{c: np.full(n, None, dtype=object) for c in EVENT_COLUMNS},
    }
    one = _batches(cols)
    assert list(one) == [("base", 0.0, *none)] and one[("base", 0.0, *none)].tolist() == [0, 1, 2, 3]
    cols["timing"] = np.array(["front", "base", "front", "base"], dtype=object)
    cols["spread_bp"] = np.array([0.0, 0.0, 0.0, 100.0])
    cols[EVENT_COLUMNS[0]] = np.array([float("nan"), None, 5, float("nan")], dtype=object)
    got = _batches(cols)
    ev = (5, *none[1:])
    assert list(got) == [("front", 0.0, *none), ("base", 0.0, *none), ("front", 0.0, *ev), ("base", 100.0, *none)]
    assert [v.tolist() for v in got.values()] == [[0], [1], [2], [3]]


@pytest.mark.parametrize(
    "grid",
    [
        {"prepay": list(np.linspace(0.5, 1.5, 4)), "default": [1.0, 2.5, 4.0], "recovery": [0.5, 1.0]},
        {"prepay": [0.5, 1.5], "default": [1, 2.5], "timing": ["base", "front", "back"]},
        {"scenario": ["base", "severe"], "spread_bp": [0, 50], "cdr": [0.02]},
        {"default": [1, 2, 3], "tag": ["x", 1], "flag": [True, False], "r": [None, 1.0]},
    ],
)
def test_grid_frame_is_the_cartesian_product(grid: dict[str, list[Any]]) -> None:
    """A dict grid's frame is the frame of ``itertools.product``'s tuples (the last column varying
    fastest), every value and dtype the same."""
    want = pd.DataFrame(list(itertools.product(*grid.values())), columns=list(grid))
    pd.testing.assert_frame_equal(_product_frame(list(grid), list(grid.values())), want, check_exact=True)

"""Monte Carlo over the one-factor shock model (abs_model.analytics.montecarlo)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.analytics.executors import map_chunks
from abs_model.analytics.montecarlo import (
    LOSS_TOLERANCE,
    MonteCarloResult,
    ShockModel,
    draw_normals,
    monte_carlo,
    run_paths,
)
from abs_model.core.yields import wal
from abs_model.errors import AbsModelError
from abs_model.runs.runner import run_arrays

DEAL = Path(__file__).resolve().parents[3] / "examples" / "baitiao_revolving.yaml"
REL = 1e-12  # relative tolerance where floating-point order could differ (none is expected)


@pytest.fixture(scope="module")
def deal() -> am.Deal:
    return am.load_deal(DEAL)


@pytest.fixture(scope="module")
def result(deal: am.Deal) -> MonteCarloResult:
    # a wide default shock so that the junior classes lose on some paths and not on others
    return monte_carlo(deal, n_paths=120, seed=7, chunk=50, sigma=1.0, progress=False)


def _numbers(r: MonteCarloResult) -> np.ndarray:
    return r.frame.drop(columns="tranche").to_numpy(dtype=np.float64)


# ----------------------------------------------------------------------------- reproducibility
def test_same_seed_same_result_and_other_seed_differs(deal: am.Deal, result: MonteCarloResult) -> None:
    again = monte_carlo(deal, n_paths=120, seed=7, chunk=50, sigma=1.0, progress=False)
    assert np.array_equal(_numbers(again), _numbers(result), equal_nan=True)
    other = monte_carlo(deal, n_paths=120, seed=8, chunk=50, sigma=1.0, progress=False)
    assert not np.array_equal(other.paths["z"].to_numpy(), result.paths["z"].to_numpy())


@pytest.mark.parametrize("chunk", [1, 7, 120, 1000])
def test_independent_of_chunk_size(deal: am.Deal, result: MonteCarloResult, chunk: int) -> None:
    r = monte_carlo(deal, n_paths=120, seed=7, chunk=chunk, sigma=1.0, progress=False)
    assert np.array_equal(_numbers(r), _numbers(result), equal_nan=True)
    pd.testing.assert_frame_equal(r.summary(), result.summary())


def test_a_prefix_of_paths_is_the_same_paths(deal: am.Deal, result: MonteCarloResult) -> None:
    """Path k's draw does not depend on n_paths beyond it being drawn in one call per seed:
    numpy's generator fills row-major, so the first 40 rows of 120 equal a run of 40."""
    short = monte_carlo(deal, n_paths=40, seed=7, chunk=13, sigma=1.0, progress=False)
    pd.testing.assert_frame_equal(short.paths, result.paths.iloc[:40])


def test_in_process_executor_pool_gives_same_result(deal: am.Deal, result: MonteCarloResult) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as ex:
        r = monte_carlo(deal, n_paths=120, seed=7, chunk=25, sigma=1.0, executor=ex, progress=False)
    assert np.array_equal(_numbers(r), _numbers(result), equal_nan=True)


# ----------------------------------------------------------------------------- the shock model
def test_multiples_have_mean_one_and_the_stated_correlation() -> None:
    """D = exp(σZ − σ²/2) has E[D] = 1 and sd √(exp(σ²) − 1); corr(log D, log P) = ρ_P."""
    sm = ShockModel(sigma=0.5, sigma_prepay=0.3, rho_prepay=-0.4, sigma_recovery=0.2, rho_recovery=0.6)
    n = 400_000
    m = sm.multipliers(draw_normals(n, 3))
    for col, s in ((0, 0.5), (1, 0.3), (2, 0.2)):
        sd = np.sqrt(np.exp(s**2) - 1.0)
        assert abs(m[:, col].mean() - 1.0) < 4 * sd / np.sqrt(n)
    r = np.corrcoef(np.log(m[:, 0]), np.log(m[:, 1]))[0, 1]
    assert abs(r - (-0.4)) < 4 * (1 - 0.16) / np.sqrt(n)
    r2 = np.corrcoef(np.log(m[:, 0]), np.log(m[:, 2]))[0, 1]
    assert abs(r2 - 0.6) < 4 * (1 - 0.36) / np.sqrt(n)


def test_multiples_formula_by_hand() -> None:
    sm = ShockModel(sigma=0.4, sigma_prepay=0.2, rho_prepay=-0.3, sigma_recovery=0.1, rho_recovery=0.5)
    z = np.array([[1.0, 2.0, -1.0]])
    d, p, r = sm.multipliers(z)[0]
    assert d == pytest.approx(np.exp(0.4 * 1.0 - 0.08), rel=REL)
    assert p == pytest.approx(np.exp(0.2 * (-0.3 + np.sqrt(1 - 0.09) * 2.0) - 0.02), rel=REL)
    assert r == pytest.approx(np.exp(0.1 * (0.5 - np.sqrt(1 - 0.25)) - 0.005), rel=REL)


def test_paths_record_the_draws(result: MonteCarloResult) -> None:
    z = draw_normals(120, 7)
    np.testing.assert_array_equal(result.paths["z"].to_numpy(), z[:, 0])
    m = ShockModel(sigma=1.0).multipliers(z)
    np.testing.assert_array_equal(result.paths["default_mult"].to_numpy(), m[:, 0])
    np.testing.assert_array_equal(result.paths["prepay_mult"].to_numpy(), m[:, 1])
    assert np.all(result.paths["recovery_mult"].to_numpy() == 1.0)  # σ_R = 0 by default


# ----------------------------------------------------------------------------- per-path measures
def test_each_path_equals_a_single_run_with_its_multiples(deal: am.Deal, result: MonteCarloResult) -> None:
    """Fast equals slow: path k of the batched run equals one scenario run on its own, and the
    loss and WAL follow their definitions from that run's tranche arrays."""
    a = deal.assumptions
    assert a is not None
    for k in (0, 17, 119):
        row = result.paths.loc[k]
        ra = run_arrays(
            deal,
            a,
            default_mult=np.array([row.default_mult]),
            prepay_mult=np.array([row.prepay_mult]),
            recovery_mult=np.array([row.recovery_mult]),
        )
        arrays, purchases, liab = ra.pool, ra.purchases, ra.liabilities
        pool0 = deal.pool.balance + purchases[0, 1:].sum()
        assert row.pool_cumulative_default == pytest.approx(arrays["defaults"][0, 1:].sum() / pool0, rel=1e-9)
        assert row.pool_cumulative_net_loss == pytest.approx(arrays["net_loss"][0, 1:].sum() / pool0, rel=1e-9)
        got = result.frame[result.frame["path"] == k].set_index("tranche")
        for name in deal.tranche_names:
            t = liab.tranche(name)
            pp = t.principal_paid[0]
            loss = max(0.0, t.original_balance - pp.sum())
            assert got.loc[name, "principal_loss"] == pytest.approx(loss, rel=1e-9, abs=1e-6)
            assert got.loc[name, "loss_rate"] == pytest.approx(loss / t.original_balance, rel=1e-9, abs=1e-12)
            if pp.sum() > 0:
                expect = float(np.dot(np.arange(1, pp.size + 1), pp) / pp.sum() / 12)
                assert got.loc[name, "wal"] == pytest.approx(expect, rel=1e-9)
                assert expect == pytest.approx(wal(pp, periods_per_year=12), rel=1e-12)


def test_zero_volatility_is_the_base_case(deal: am.Deal) -> None:
    r = monte_carlo(deal, n_paths=5, seed=1, sigma=0.0, sigma_prepay=0.0, progress=False)
    base = run_paths(deal, deal.assumptions, np.ones((1, 3)))  # type: ignore[arg-type]
    s = r.summary()
    for c, name in enumerate(deal.tranche_names):
        assert s.loc[name, "expected_loss"] == pytest.approx(base["loss_rate"][0, c], rel=1e-12, abs=1e-15)
        assert s.loc[name, "wal_p5"] == pytest.approx(s.loc[name, "wal_p95"], rel=1e-12)
    assert r.paths["pool_cumulative_net_loss"].nunique() == 1


def test_more_default_more_pool_loss(result: MonteCarloResult) -> None:
    p = result.paths
    rank = p["default_mult"].rank().corr(p["pool_cumulative_default"].rank())
    assert rank > 0.95
    # junior classes lose at least as often as senior ones
    pol = result.probability_of_loss
    assert pol["Senior A"] <= pol["Senior B"] <= pol["Subordinated"]
    assert 0.0 < pol["Subordinated"] < 1.0


# ----------------------------------------------------------------------------- statistics
def test_statistics_follow_their_definitions(result: MonteCarloResult) -> None:
    f = result.frame
    assert len(f) == 120 * 3
    assert list(f["tranche"].cat.categories) == ["Senior A", "Senior B", "Subordinated"]
    for name in result.tranche_names:
        sub = f[f["tranche"] == name]
        assert result.expected_loss[name] == pytest.approx(sub["loss_rate"].mean(), rel=REL)
        assert result.probability_of_loss[name] == pytest.approx(
            (sub["principal_loss"] > LOSS_TOLERANCE).mean(), rel=REL
        )
        assert result.loss_quantiles().loc[name, "p95"] == pytest.approx(
            sub["loss_rate"].quantile(0.95), rel=REL, abs=1e-15
        )
        w = sub["wal"].dropna()
        wd = result.wal_distribution()
        assert wd.loc[name, "mean"] == pytest.approx(w.mean(), rel=REL)
        assert wd.loc[name, "p50"] == pytest.approx(w.median(), rel=REL)
        assert wd.loc[name, "no_principal"] == sub["wal"].isna().sum()
    pl = result.pool_loss_distribution()
    assert pl.loc["pool_cumulative_net_loss", "mean"] == pytest.approx(result.paths["pool_cumulative_net_loss"].mean())
    assert (result.paths["pool_cumulative_net_loss"] <= result.paths["pool_cumulative_default"] + 1e-15).all()


def test_summary_layout(result: MonteCarloResult) -> None:
    s = result.summary()
    assert list(s.index) == ["Senior A", "Senior B", "Subordinated", "pool (cumulative net loss)"]
    assert list(s.columns) == [
        "expected_loss",
        "probability_of_loss",
        "loss_p50",
        "loss_p95",
        "loss_p99",
        "wal_mean",
        "wal_p5",
        "wal_p50",
        "wal_p95",
    ]
    assert s.attrs["n_paths"] == 120 and s.attrs["complete"] is True and s.attrs["missing_chunks"] == []
    assert np.isnan(s.loc["pool (cumulative net loss)", "wal_mean"])
    assert result.complete and result.n_completed == 120


# ----------------------------------------------------------------------------- progress and errors
def test_progress_bar_only_when_asked(deal: am.Deal, capsys: pytest.CaptureFixture[str]) -> None:
    monte_carlo(deal, n_paths=4, chunk=2, progress=False)
    assert "Monte Carlo" not in capsys.readouterr().err
    monte_carlo(deal, n_paths=4, chunk=2, progress=None)  # stderr is not a terminal under pytest
    assert "Monte Carlo" not in capsys.readouterr().err
    monte_carlo(deal, n_paths=4, chunk=2, progress=True)
    assert "Monte Carlo" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"n_paths": 0}, "n_paths: must be a whole number ≥ 1; got 0"),
        ({"chunk": 2.5}, "chunk: must be a whole number ≥ 1; got 2.5"),
        ({"seed": -1}, "seed: must be a whole number ≥ 0; got -1"),
        ({"sigma": -0.1}, "sigma: must be a volatility in [0, 3]"),
        ({"rho_prepay": 1.5}, "rho_prepay: must be a correlation in [−1, 1]; got 1.5"),
        ({"executor": 42}, "executor: must be None"),
        ({"executor": "localhost:8786"}, "executor: an address must name its protocol"),
    ],
)
def test_bad_options_name_the_rule_and_value(deal: am.Deal, kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(AbsModelError) as e:
        monte_carlo(deal, n_paths=kwargs.pop("n_paths", 3), **kwargs)  # type: ignore[arg-type]
    assert words in str(e.value)


def test_not_a_deal() -> None:
    with pytest.raises(am.DealError, match=r"deal: must be an abs_model\.Deal"):
        monte_carlo("examples/baitiao_revolving.yaml")  # type: ignore[arg-type]


def test_map_chunks_in_process_keeps_order_and_raises() -> None:
    run = map_chunks(_square_plus, [3, 1, 2], shared=(10,))
    assert run.complete and run.results == (19, 11, 14) and run.where == "in-process"
    assert run.require_complete() == [19, 11, 14]
    with pytest.raises(ZeroDivisionError):
        map_chunks(_divide, [1, 0, 2])


def _square_plus(base: int, x: int) -> int:
    return base + x * x


def _divide(x: int) -> float:
    return 1 / x


def test_recovery_multiples_past_the_cap_are_counted_and_warned() -> None:
    # US auto recovers 45 %: a path whose recovery multiple exceeds 1 / 0.45 = 2.222 recovers 100 %
    # like any other above it. With σ_R = 0.8 (ρ_R = −0.5) some of 40 paths do; their number, from
    # the normals drawn by hand (R = exp(σ X − σ²/2), X = ρ Z + √(1 − ρ²) ε_R), is in the warning
    us = am.load_deal(DEAL.parent / "us_auto_static.yaml")
    z = np.random.default_rng(3).standard_normal((40, 3))
    x = -0.5 * z[:, 0] + np.sqrt(1 - 0.25) * z[:, 2]
    want = int((np.exp(0.8 * x - 0.32) * 0.45 > 1.0).sum())
    assert want > 0
    with pytest.warns(
        UserWarning, match=rf"{want} of 40 paths draw a recovery multiple above 2\.222.*45\.00% above 100 %"
    ):
        r = monte_carlo(us, n_paths=40, seed=3, sigma_recovery=0.8, progress=False)
    assert r.recovery_capped_paths == want
    # the default σ_R = 0: every multiple is 1, nothing is capped, no warning
    assert monte_carlo(us, n_paths=5, seed=3, progress=False).recovery_capped_paths == 0

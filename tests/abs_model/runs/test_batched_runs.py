"""The runner and breakeven (issue 16, fourth round) against the paths they replaced, kept as
plain references (:mod:`tests.abs_model.runs.reference_runner`):

- now the replenishment lines bought are projected together in one engine run, lines never
  bought not at all, scenarios sharing (prepay, default) multiples share one state path, the pool
  is projected over the run's T when a legal final fixes it, and the period loop adds a purchase
  to every column in one step;
- before each line was projected on its own (every line, bought or not), every scenario had its
  own state path, the pool ran over its own horizon and purchases were added column by column;
- breakeven runs the default-timing variants of one deal variant through one waterfall run
  (``run_arrays_batches``; before: a run each);
- breakeven's solver now clusters each pass's points on the parabola through the three lowest
  losing multiples (before, the ba8ab21 solver kept in tests/abs_model/core: the secant, a ladder
  at 10⁻¹ and 10⁻³ of its distance and a share of the pass's points spread over the bracket).

``run_arrays`` must give the same pool columns, purchases, clean-up sales and tranche arrays to
``RTOL = 1e-12`` relative (to each array's largest magnitude), with and without eligibility,
under stresses; breakeven must give the same first-loss multiples to the solver's tolerance
(both brackets hold the first-loss point and are ``tol × upper`` wide) and the same base default
rate, with the base case run among the first pass's rows instead of on its own.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import abs_model as am
import abs_model.analytics.breakeven as breakeven_mod
import abs_model.projection.engine as engine
import abs_model.runs.runner as runner
from abs_model.projection.rows import scenario_rows
from tests.abs_model.analytics.brackets import assert_brackets_agree
from tests.abs_model.core.first_positive_reference import reference_first_positive
from tests.abs_model.runs.reference_runner import (
    reference_line_profiles,
    reference_plan,
    reference_purchase_unit,
    reference_run_periods,
)

ROOT = Path(__file__).resolve().parents[3]
RTOL = 1e-12
STRESS = {
    "prepay_mult": np.array([0.5, 1.0, 1.0, 1.5, 1.0, 1.0]),
    "default_mult": np.array([1.0, 2.5, 2.5, 4.0, 8.0, 0.0]),
    "recovery_mult": np.array([1.0, 0.5, 0.8, 1.0, 0.3, 1.0]),
}


def _every_row_its_own(multiples: Any, *, parts: int = 1, share: bool = True) -> Any:
    return scenario_rows(multiples, parts=parts, share=False)


class _BaseAlone(breakeven_mod._Runner):
    """The base case run on its own after the solve (as before)."""

    def __post_init__(self) -> None:
        self.base_row = None


def _each_batch_alone(deal: am.Deal, batches: Any, *, lines: Any = None) -> list[tuple[np.ndarray, runner.RunArrays]]:
    """Every batch its own waterfall run (as before)."""
    return [(np.array([i]), runner.run_arrays(deal, a, lines=lines, **m)) for i, (a, m) in enumerate(batches)]


def _as_before(m: pytest.MonkeyPatch) -> None:
    m.setattr(runner, "_line_profiles", reference_line_profiles)
    m.setattr(runner, "purchase_plan_of", reference_plan)
    m.setattr(runner, "_purchase_unit", reference_purchase_unit)
    m.setattr(runner, "_pool_horizon", lambda deal, lines, a: None)
    m.setattr(runner, "_run_periods", reference_run_periods)
    m.setattr(engine, "scenario_rows", _every_row_its_own)
    m.setattr(breakeven_mod, "_Runner", _BaseAlone)
    m.setattr(breakeven_mod, "run_arrays_batches", _each_batch_alone)
    m.setattr(breakeven_mod, "first_positive", reference_first_positive)  # the solver of ba8ab21


@pytest.fixture(scope="module")
def deal() -> am.Deal:
    d = am.load_deal(ROOT / "examples" / "baitiao_revolving.yaml", pool=am.synthetic_pool(2_000, seed=5), scale_pool=True)
    assert d.eligibility is not None and d.legal_final is not None
    return d


def _close(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, what
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * float(np.abs(want).max(initial=0.0)), err_msg=what)


def _same_run(got: runner.RunArrays, want: runner.RunArrays, names: tuple[str, ...]) -> None:
    assert set(got.pool) == set(want.pool)
    for f, v in want.pool.items():
        _close(got.pool[f], v, f)
    _close(got.purchases, want.purchases, "purchases")
    _close(got.cleanup_sale, want.cleanup_sale, "cleanup_sale")
    for nm in names:
        t, r = got.liabilities.tranche(nm), want.liabilities.tranche(nm)
        for arr in ("principal_paid", "interest_paid", "residual_paid", "writedown", "interest_shortfall", "balance_end"):
            _close(getattr(t, arr), getattr(r, arr), f"{nm} {arr}")


@pytest.mark.parametrize("eligibility", [True, False])
def test_run_arrays_equals_the_per_line_path(deal: am.Deal, eligibility: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    d = deal if eligibility else dataclasses.replace(deal, eligibility=None)  # without: one unit of the mix
    a = d.assumptions
    assert a is not None
    runner._PROFILES.clear()
    got = runner.run_arrays(d, a, **STRESS)
    assert got.purchases.sum() > 0 and got.cleanup_sale.sum() > 0  # purchases and calls both happen
    with monkeypatch.context() as m:
        _as_before(m)
        runner._PROFILES.clear()
        want = runner.run_arrays(d, a, **STRESS)
    _same_run(got, want, d.tranche_names)


def test_breakeven_equals_the_per_line_path_to_the_solver_tolerance(deal: am.Deal, monkeypatch: pytest.MonkeyPatch) -> None:
    tol = 1e-9
    runner._PROFILES.clear()
    got = am.breakeven(deal, tol=tol)
    with monkeypatch.context() as m:
        _as_before(m)
        runner._PROFILES.clear()
        want = am.breakeven(deal, tol=tol)
    g, w = got.frame, want.frame
    assert list(g["tranche"]) == list(w["tranche"]) and list(g["scenario"]) == list(w["scenario"])
    assert (g["bracket"] == "").all() and (w["bracket"] == "").all()
    # both brackets hold the first-loss point (where the loss curve rises), each at most tol × upper wide
    keep = assert_brackets_agree(deal, g, w, tol)
    # the implied rate moves with the multiple: within the tolerance's share of it
    np.testing.assert_allclose(g["breakeven_default_rate"].iloc[keep], w["breakeven_default_rate"].iloc[keep], rtol=1e-6, atol=0.0)
    assert got.base_default_rate == pytest.approx(want.base_default_rate, rel=RTOL)
    cols = ["tranche", "variant", "binding_scenario", "implied_rating"]
    assert got.summary[cols].equals(want.summary[cols])


def test_timing_variants_in_one_waterfall_run_equal_each_run_alone(deal: am.Deal) -> None:
    """The three default timings of the stress set: their collateral projected apart, one period
    loop for the three batches; each batch as ``run_arrays`` alone gives it."""
    from abs_model.analytics.scenarios import variant

    a = deal.assumptions
    assert a is not None
    batches = []
    for i, timing in enumerate(("base", "front", "back")):
        d, av = variant(deal, a, timing=timing)
        batches.append((av, {k: v[i : i + 4] for k, v in STRESS.items()}))
    runs = runner.run_arrays_batches(d, batches)
    assert len(runs) == 1 and list(runs[0][0]) == [0, 1, 2]  # one waterfall run for the three
    joined = runs[0][1]
    for i, (av, mults) in enumerate(batches):
        alone = runner.run_arrays(d, av, **mults)
        rows = slice(4 * i, 4 * i + 4)
        for f, v in alone.pool.items():
            _close(joined.pool[f][rows], v, f"batch {i}: {f}")
        _close(joined.purchases[rows], alone.purchases, f"batch {i}: purchases")
        for nm in d.tranche_names:
            t, r = joined.liabilities.tranche(nm), alone.liabilities.tranche(nm)
            for arr in ("principal_paid", "interest_paid", "writedown", "interest_shortfall", "balance_end"):
                _close(getattr(t, arr)[rows], getattr(r, arr), f"batch {i}: {nm} {arr}")

"""The pool and the replenishment lines bought projected in ONE run of the engine (issue 16, fifth
round: :func:`abs_model.runs.runner._pool_and_lines`) against the two runs it replaces — the pool
over its horizon, then the lines over the run's ``T`` (the path :func:`~abs_model.runs.runner._collateral`
still takes where the two horizons differ).

The two must give the same collateral: the run's ``T``, every pool column, the purchase plan's
weights and every line's unit profile, to ``RTOL = 1e-12`` relative to each column's largest
magnitude (the joint run sums each part over its own state groups,
:class:`~abs_model.projection.groups.PartSums`, where the pool alone sums over all of them: the
same terms, another order). Checked on the Baitiao example (legal final: the pool is cut to ``T``,
so the joint run is taken) under its own roll-rate assumptions with late fees and arrears plans,
re-age / freeze / buy-back plans, SIFMA CDR with advancing, the SIFMA cumulative default rate
(lines coupled: projected part by part), absbox, a legal threshold, and roll rates by segment
with collection stages (costs per account, per balance and contingency), two plan types and the
ineligible buy-back; and end to end, the waterfall's arrays of ``run_arrays``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import abs_model as am
import abs_model.runs.runner as runner
from abs_model.assumptions.assumptions import Assumptions, RollRates, SegmentOverride
from abs_model.assumptions.servicing import CollectionStage, CollectionStrategy, LateFees, Restructuring
from tests.abs_model.assumption_sets import ROLLS, engine_sets

ROOT = Path(__file__).resolve().parents[3]
RTOL = 1e-12
STRESS = {
    "prepay_mult": np.array([0.5, 1.0, 1.0, 1.5, 1.0]),
    "default_mult": np.array([1.0, 2.5, 2.5, 4.0, 0.0]),
    "recovery_mult": np.array([1.0, 0.5, 0.8, 1.0, 1.0]),  # rows 1 and 2 share (prepay, default)
}


@pytest.fixture(scope="module")
def deal() -> am.Deal:
    d = am.load_deal(ROOT / "examples" / "baitiao_revolving.yaml", pool=am.synthetic_pool(3_000, seed=11), scale_pool=True)
    assert d.eligibility is not None and d.legal_final is not None and d.revolving.active
    return d


def _sets(deal: am.Deal) -> dict[str, Assumptions]:
    assert deal.assumptions is not None
    return {
        **engine_sets(deal.assumptions),
        "roll rates by segment, stages, ineligible buy-back": Assumptions.make(
            cpr=0.2, roll_rates=ROLLS,
            collections=CollectionStrategy("s", stages=STAGES, restructuring=(
                Restructuring(take_up={2: 0.1}, plan="spread_arrears", periods=6, redefault_rate=0.08),
                Restructuring(take_up={3: 0.1}, plan="re_age", periods=6, fee_rate=0.003),
            )),
            late_fees=LateFees(daily_rate=0.0005, grace_days=3, waived_share=0.2),
            segment_overrides=(SegmentOverride(
                "original_term", 12, roll_rates=RollRates.simple(roll=[0.06, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], cure=[0.2, 0.1, 0.05, 0.0, 0.0, 0.0]),
                recovery_rate=0.05, take_up={"re_age": {2: 0.4}},
            ),),
            buy_back={"ineligible_rate": 0.002, "price": 0.98}, recovery_rate=0.15, recovery_lag=3,
        ),
    }


NAMES = [
    "baitiao (roll rates, late fees, arrears plans)",
    "re-age, freeze and buy-back plans",
    "sifma CDR with advancing",
    "sifma cumulative default",
    "absbox",
    "legal threshold",
    "roll rates by segment, stages, ineligible buy-back",
]
STAGES = (CollectionStage("sms", buckets=(1,), cost_per_account=0.5, cost_rate=0.001),
          CollectionStage("agency", buckets=(3,), contingency_fee=0.25))


def _close(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, what
    scale = float(np.abs(want).max(initial=0.0))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * scale, err_msg=what)


def _apart(deal: am.Deal, a: Assumptions, mults: dict[str, Any]) -> runner._Collateral:
    """The two runs: the pool, then the lines bought (``_pool_and_lines`` declining)."""
    runner._PROFILES.clear()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(runner, "_pool_and_lines", lambda *args, **kw: None)
        return runner._collateral(deal, a, mults, runner._deal_lines(deal, a))


def _short(deal: am.Deal) -> am.Deal:
    """The deal with its legal final 20 months after the cut-off: ``T = 20``, under every
    pool's own horizon (the longest schedule is 24 months), so the pool is cut to ``T``."""
    return dataclasses.replace(deal, periods=20, legal_final=np.datetime64("2028-03-26"))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("stressed", [False, True])
@pytest.mark.parametrize("short", [False, True], ids=["T 26", "T 20"])
def test_one_run_equals_the_pool_then_the_lines(deal: am.Deal, name: str, stressed: bool, short: bool) -> None:
    d = _short(deal) if short else deal
    a = _sets(deal)[name]
    mults: dict[str, Any] = STRESS if stressed else {}
    runner._PROFILES.clear()
    lines = runner._deal_lines(d, a)
    joint = runner._pool_and_lines(d, a, mults, lines)
    h = runner._pool_horizon(d, lines, a)
    runner._PROFILES.clear()
    got = runner._collateral(d, a, mults, lines)
    # one run where the legal final cuts the pool to T (always at T = 20; at 26 where the
    # delinquency pipeline and the plans take the pool's horizon past it)
    assert (joint is not None) == (h == got.T), (h, got.T)
    assert joint is not None or not short
    want = _apart(d, a, mults)
    assert got.T == want.T
    assert list(got.arrays) == list(want.arrays)
    for f, v in want.arrays.items():
        _close(got.arrays[f], v, f"{name}: pool {f}")
    assert got.plan is not None and want.plan is not None
    np.testing.assert_array_equal(got.plan.weights, want.plan.weights)
    assert list(got.plan.profiles) == list(want.plan.profiles)
    for f, v in want.plan.profiles.items():
        _close(got.plan.profiles[f], v, f"{name}: profiles {f}")
    # the lines never bought (the 24-period line: term within maturity) have all-zero profiles
    assert not np.any(got.plan.profiles["closing_balance"][3])


def test_the_profiles_are_kept_and_the_numbers_never_depend_on_the_cache(deal: am.Deal) -> None:
    """The joint run keeps each line's profile (for the lines' own runs, as before); a second run
    with every profile in the cache projects the lines again beside the pool, so its numbers
    are the first run's to the last bit (the pool alone would sum its groups in another order)."""
    a = deal.assumptions
    assert a is not None
    runner._PROFILES.clear()
    first = runner._collateral(deal, a, STRESS, runner._deal_lines(deal, a))
    assert len(runner._PROFILES) == 3  # three lines bought
    again = runner._collateral(deal, a, STRESS, runner._deal_lines(deal, a))
    assert first.plan is not None and again.plan is not None
    for f, v in first.plan.profiles.items():
        np.testing.assert_array_equal(again.plan.profiles[f], v, err_msg=f)
    for f, v in first.arrays.items():
        np.testing.assert_array_equal(again.arrays[f], v, err_msg=f)


def test_without_a_legal_final_the_pool_runs_over_its_own_horizon(deal: am.Deal) -> None:
    """No legal final: the run's T goes past the pool's horizon, so the two runs are kept."""
    d = dataclasses.replace(deal, legal_final=None)
    a = d.assumptions
    assert a is not None
    assert runner._pool_and_lines(d, a, {}, runner._deal_lines(d, a)) is None


def test_run_arrays_equals_the_two_run_path_end_to_end(deal: am.Deal) -> None:
    a = deal.assumptions
    assert a is not None
    runner._PROFILES.clear()
    got = runner.run_arrays(deal, a, **STRESS)
    runner._PROFILES.clear()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(runner, "_pool_and_lines", lambda *args, **kw: None)
        want = runner.run_arrays(deal, a, **STRESS)
    for f, v in want.pool.items():
        _close(got.pool[f], v, f)
    _close(got.purchases, want.purchases, "purchases")
    _close(got.cleanup_sale, want.cleanup_sale, "cleanup_sale")
    for nm in deal.tranche_names:
        t, r = got.liabilities.tranche(nm), want.liabilities.tranche(nm)
        for arr in ("principal_paid", "interest_paid", "residual_paid", "writedown", "balance_end"):
            _close(getattr(t, arr), getattr(r, arr), f"{nm} {arr}")


def test_profiles_on_distinct_rows_give_the_plan_of_every_row(deal: am.Deal) -> None:
    """With the sweep's few columns (``fields``) the joint run keeps the lines' profiles on its
    distinct (prepay, default) rows (``PurchasePlan.rows``); the plan's profile of every period,
    the pool's columns and batches joined end to end (``_joined``) are, bit for bit, those of the
    run projecting every column on every row."""
    a = deal.assumptions
    assert a is not None
    lines = runner._deal_lines(deal, a)
    fields = frozenset((*runner.LOOP_FIELDS, "defaults"))
    other = {k: v[::-1].copy() for k, v in STRESS.items()}
    runner._PROFILES.clear()
    lazy = [runner._collateral(deal, a, m, lines, fields=fields) for m in (STRESS, other)]
    full = [runner._collateral(deal, a, m, lines) for m in (STRESS, other)]
    assert lazy[0].plan is not None and lazy[0].plan.rows is not None and lazy[0].plan.rows.tolist() == [0, 2, 2, 3, 1]  # the distinct pairs sorted
    assert lazy[0].plan.profiles["prepayment"].shape[1] == 4 and lazy[0].plan.profiles["recoveries"].shape[1] == 5
    for got, want in [*zip(lazy, full, strict=True), (runner._joined(lazy), runner._joined(full))]:
        assert got.plan is not None and want.plan is not None
        for f, v in got.arrays.items():
            np.testing.assert_array_equal(v, want.arrays[f], err_msg=f)
        for t in range(1, got.T + 1):
            want_t = want.plan.profile(t)
            for f, v in got.plan.profile(t).items():
                np.testing.assert_array_equal(v, want_t[f], err_msg=f"{f}, period {t}")

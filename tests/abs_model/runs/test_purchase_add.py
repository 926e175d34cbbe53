"""Purchases added to the pool's later columns lazily, a column at a time when it is read, in the
period loop's (T + 1, F, S) layout (:class:`abs_model.runs.pool_stack.Purchases`), equal the plain
loop that adds each purchase to every later column as it is bought, ``stack[t + m, f, s] +=
bought[s] × prof[m, f, s]``, bit for bit: each element gets the same products in the same order.

And the whole period loop (:func:`abs_model.runs.runner._run_periods`) gives, bit for bit, the
numbers of the plain loop kept in :mod:`tests.abs_model.runs.reference_runner` (a purchase added
and a called pool taken out column by column on the (S, T + 1) arrays), with and without
eligibility, with purchases and clean-up calls happening: the layout and the order of the columns
change where and when each number is made, never how."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import abs_model as am
from abs_model.runs import runner
from abs_model.runs.pool_stack import Purchases
from tests.abs_model.runs.reference_runner import reference_run_periods

ROOT = Path(__file__).resolve().parents[3]
STRESS = {
    "prepay_mult": np.array([0.5, 1.0, 1.0, 1.5, 1.0, 1.0, 0.8]),
    "default_mult": np.array([1.0, 2.5, 2.5, 4.0, 8.0, 0.0, 1.5]),
    "recovery_mult": np.array([1.0, 0.5, 0.8, 1.0, 0.3, 1.0, 0.9]),
}


def loop_add(stack: np.ndarray, prof: np.ndarray, bought: np.ndarray, t: int) -> None:
    T = stack.shape[0] - 1
    for f in range(prof.shape[1]):
        for s in range(stack.shape[2]):
            for m in range(T - t + 1):
                stack[t + m, f, s] += bought[s] * prof[m, f, s if prof.shape[2] > 1 else 0]


@pytest.mark.parametrize(("F", "k", "S", "T"), [(7, 5, 4, 9), (7, 7, 3, 6), (6, 4, 5, 8), (3, 1, 1, 4)])
@pytest.mark.parametrize("one_row", [False, True], ids=["a profile per scenario", "one profile for every scenario"])
def test_lazy_purchases_equal_the_plain_loop(F: int, k: int, S: int, T: int, one_row: bool) -> None:
    rng = np.random.default_rng(F * 100 + k * 10 + S)
    stack = rng.random((T + 1, F, S)) * 10.0 ** rng.integers(-3, 7, (T + 1, F, S))
    expected, got = stack.copy(), stack.copy()
    lazy = Purchases(got, k)
    for t in range(1, T + 1):
        lazy.settle(t - 1)  # as the period loop: the columns it reads, then the purchase
        lazy.settle(t)
        np.testing.assert_array_equal(got[t - 1 : t + 1], expected[t - 1 : t + 1])
        prof = rng.random((T + 1, k, 1 if one_row else S)) * 10.0 ** rng.integers(-6, 2, (T + 1, k, 1 if one_row else S))
        bought = rng.random(S) * 1e6 * (rng.random(S) > 0.2)
        loop_add(expected, prof, bought, t)
        lazy.add(t, bought, prof)
        if t == T // 2:  # a clean-up call or the surveillance hook: every column at once
            lazy.settle_all()
            np.testing.assert_array_equal(got, expected)
    lazy.settle_all()
    np.testing.assert_array_equal(got, expected)


@pytest.fixture(scope="module")
def deal() -> am.Deal:
    d = am.load_deal(ROOT / "examples" / "baitiao_revolving.yaml", pool=am.synthetic_pool(2_000, seed=5), scale_pool=True)
    assert d.eligibility is not None
    return d


def _identical(got: runner.RunArrays, want: runner.RunArrays, names: tuple[str, ...]) -> None:
    assert list(got.pool) == list(want.pool)
    for f, v in want.pool.items():
        assert got.pool[f].flags.c_contiguous, f
        np.testing.assert_array_equal(got.pool[f], v, err_msg=f)
    np.testing.assert_array_equal(got.purchases, want.purchases)
    np.testing.assert_array_equal(got.cleanup_sale, want.cleanup_sale)
    for nm in names:
        t, r = got.liabilities.tranche(nm), want.liabilities.tranche(nm)
        for arr in ("principal_paid", "interest_paid", "residual_paid", "writedown", "interest_shortfall", "balance_end"):
            np.testing.assert_array_equal(getattr(t, arr), getattr(r, arr), err_msg=f"{nm} {arr}")


@pytest.mark.parametrize("eligibility", [True, False], ids=["purchase plan", "one unit of the mix"])
def test_period_loop_equals_the_column_by_column_loop_bit_for_bit(deal: am.Deal, eligibility: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    d = deal if eligibility else dataclasses.replace(deal, eligibility=None)
    a = d.assumptions
    assert a is not None
    got = runner.run_arrays(d, a, **STRESS)
    assert got.purchases.sum() > 0 and got.cleanup_sale.sum() > 0  # purchases and calls both happen
    with monkeypatch.context() as m:
        m.setattr(runner, "_run_periods", reference_run_periods)
        want = runner.run_arrays(d, a, **STRESS)
    _identical(got, want, d.tranche_names)


def test_surveillance_hook_sees_and_changes_the_loop_arrays(deal: am.Deal, monkeypatch: pytest.MonkeyPatch) -> None:
    """``on_period`` gets (S, T + 1) arrays it can write into: a change to a later column reaches
    the waterfall, as in the plain loop."""
    a = deal.assumptions
    assert a is not None

    def hook(t: int, arrays: dict[str, Any]) -> None:
        if t == 3:
            arrays["fee_interest"][:, 3:] *= 0.5

    got = runner.run_arrays(deal, a, **STRESS, on_period=hook)
    with monkeypatch.context() as m:
        m.setattr(runner, "_run_periods", reference_run_periods)
        want = runner.run_arrays(deal, a, **STRESS, on_period=hook)
    _identical(got, want, deal.tranche_names)


@pytest.mark.parametrize("fields", [("defaults",), ("count", "net_loss", "collection_costs_paid"), ()])
def test_pool_fields_keep_the_same_numbers(deal: am.Deal, fields: tuple[str, ...]) -> None:
    """A run asked for some pool columns only gives exactly those, the same numbers as a full
    run, and the same liabilities (the loop's own columns are kept up to date either way)."""
    a = deal.assumptions
    assert a is not None
    full = runner.run_arrays(deal, a, **STRESS)
    some = runner.run_arrays(deal, a, **STRESS, pool_fields=fields)
    assert list(some.pool) == [f for f in full.pool if f in fields]
    for f in fields:
        np.testing.assert_array_equal(some.pool[f], full.pool[f], err_msg=f)
    np.testing.assert_array_equal(some.purchases, full.purchases)
    np.testing.assert_array_equal(some.cleanup_sale, full.cleanup_sale)
    for nm in deal.tranche_names:
        for arr in ("principal_paid", "interest_paid", "residual_paid", "writedown", "interest_shortfall", "balance_end"):
            np.testing.assert_array_equal(getattr(some.liabilities.tranche(nm), arr), getattr(full.liabilities.tranche(nm), arr))


def test_pool_fields_must_name_pool_columns(deal: am.Deal) -> None:
    a = deal.assumptions
    assert a is not None
    with pytest.raises(am.DealError, match=r"pool_fields.*'nope'"):
        runner.run_arrays(deal, a, pool_fields=("defaults", "nope"))
    with pytest.raises(am.DealError, match="pool_fields"):
        runner.run_arrays(deal, a, pool_fields="defaults")

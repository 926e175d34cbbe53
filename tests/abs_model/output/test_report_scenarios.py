"""The scenario heat tables' grid: the report's own pivot of a sweep's full grid equals pandas'
``pivot_table(aggfunc="first", sort=False)`` (the path before issue 16's sixth round), and
anything but a full grid of distinct pairs without NaN still goes through ``pivot_table``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abs_model.output.report_scenarios import _full_grid, _pivot


def pandas_pivot(g: pd.DataFrame, rows: str, cols: str, m: str) -> pd.DataFrame:
    return g.pivot_table(index=[rows], columns=cols, values=m, aggfunc="first", sort=False)


def sweep_like(order: np.ndarray | None = None) -> pd.DataFrame:
    """A 3 × 4 prepay × default grid for one tranche, in grid order or shuffled."""
    prepay, default = np.meshgrid([0.5, 1.0, 1.5], [1.0, 2.0, 3.0, 4.0], indexing="ij")
    g = pd.DataFrame(
        {
            "prepay_multiple": prepay.ravel(),
            "default_multiple": default.ravel(),
            "loss_pct": np.linspace(0.0, 0.37, 12) ** 2,
        }
    )
    return g if order is None else g.iloc[order].reset_index(drop=True)


@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_full_grid_equals_pivot_table(seed: int | None) -> None:
    order = None if seed is None else np.random.default_rng(seed).permutation(12)
    g = sweep_like(order)
    want = pandas_pivot(g, "prepay_multiple", "default_multiple", "loss_pct")
    got, rk, ck = _pivot(g, ["prepay_multiple", "default_multiple"], "loss_pct")
    assert rk == ["prepay_multiple"] and ck == "default_multiple"
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert list(got.index) == list(dict.fromkeys(g["prepay_multiple"]))  # first appearance, as sort=False
    assert list(got.columns) == list(dict.fromkeys(g["default_multiple"]))


def test_text_keys_keep_their_order() -> None:
    g = pd.DataFrame({"timing": ["late", "late", "early", "early"], "stress": ["b", "a", "b", "a"], "x": [1.0, 2.0, 3.0, 4.0]})
    got, _, _ = _pivot(g, ["timing", "stress"], "x")
    pd.testing.assert_frame_equal(got, pandas_pivot(g, "timing", "stress", "x"), check_exact=True)


@pytest.mark.parametrize(
    "change",
    ["nan value", "missing pair", "repeated pair", "nan key"],
)
def test_anything_but_a_full_grid_is_left_to_pivot_table(change: str) -> None:
    g = sweep_like()
    if change == "nan value":
        g.loc[3, "loss_pct"] = np.nan
    elif change == "missing pair":
        g = g.drop(index=5).reset_index(drop=True)
    elif change == "repeated pair":
        g = pd.concat([g, g.iloc[[2]]], ignore_index=True).drop(index=4).reset_index(drop=True)
    else:
        g.loc[0, "prepay_multiple"] = np.nan
    assert _full_grid(g, ["prepay_multiple"], "default_multiple", "loss_pct") is None
    got, _, _ = _pivot(g, ["prepay_multiple", "default_multiple"], "loss_pct")
    pd.testing.assert_frame_equal(got, pandas_pivot(g, "prepay_multiple", "default_multiple", "loss_pct"), check_exact=True)

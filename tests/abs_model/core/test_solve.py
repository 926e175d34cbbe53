"""The one solver module (abs_model.core.solve), on curves whose roots are known by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from abs_model.core.solve import bisect_predicate, first_positive, root_rows, root_scalar


def test_root_scalar_finds_sqrt2_and_says_none_without_a_sign_change() -> None:
    assert root_scalar(lambda x: x * x - 2.0, 0.0, 2.0) == pytest.approx(math.sqrt(2.0), rel=1e-15)
    assert root_scalar(lambda x: x * x + 1.0, -1.0, 1.0) is None
    assert root_scalar(lambda x: x - 1.0, 1.0, 3.0) == 1.0  # a root at the end is returned as is


def test_root_rows_solves_each_row_and_gives_nan_without_a_bracket() -> None:
    # rows: x³ = t for t = 1, 8, 27 (roots 1, 2, 3) and one row x² + 1 (no root)
    targets = np.array([1.0, 8.0, 27.0, np.nan])

    def f(rows: np.ndarray, x: np.ndarray) -> np.ndarray:
        t = targets[rows]
        return np.where(np.isnan(t), x * x + 1.0, x**3 - t)

    got = root_rows(f, 0.0, 5.0, 4, xtol=1e-13)
    assert got[:3] == pytest.approx([1.0, 2.0, 3.0], abs=1e-12)
    assert np.isnan(got[3])


def test_bisect_predicate_largest_point_that_holds() -> None:
    # ok(x) ⇔ x ≤ 0.3: the answer lies within tol below 0.3
    got = bisect_predicate(lambda x: x <= 0.3, 0.0, 1.0, tol=1e-9)
    assert 0.3 - 1e-9 <= got <= 0.3


def _curves(roots: np.ndarray, kinks: np.ndarray) -> tuple[object, list[int]]:
    """Row i: g(x) = 2·max(0, x − r_i) + 50·max(0, x − r_i − k_i)² (a kink or a bend above r_i)."""
    calls: list[int] = []

    def g(rows: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        calls.append(x.size)
        r = roots[rows][:, None]
        k = kinks[rows][:, None]
        v = 2.0 * np.maximum(0.0, x - r) + 50.0 * np.maximum(0.0, x - r - k) ** 2
        return v, 10.0 * x  # payload: 10 × the point

    return g, calls


def test_first_positive_finds_the_first_loss_point_to_1e9_relative() -> None:
    roots = np.array([4.0, 0.37, 12.5, 1e-3])
    kinks = np.array([0.0, 0.05, 1.0, 0.0])
    g, calls = _curves(roots, kinks)
    res = first_positive(g, 4, 0.0, 50.0, points=15, rtol=1e-9)
    assert (res.status == "").all()
    assert np.all(res.lo <= roots) and np.all(res.hi > roots)
    assert np.all(res.hi - res.lo <= 1e-9 * res.hi)
    assert res.payload == pytest.approx(10.0 * res.lo, rel=1e-15)
    assert res.passes <= 10
    assert sum(calls) < 4 * 15 * 10


def test_first_positive_reports_rows_it_cannot_bracket() -> None:
    g, _ = _curves(np.array([-1.0, 60.0, 2.0]), np.zeros(3))
    res = first_positive(g, 3, 0.0, 50.0)
    assert list(res.status) == ["positive at lo", "not positive at hi", ""]
    assert np.isnan(res.lo[:2]).all() and np.isnan(res.hi[:2]).all()
    assert res.lo[2] <= 2.0 < res.hi[2]

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


# ------------------------------------------------------------------ first_positive: closed forms
# Each curve below is written by hand with its first-loss point r known: g ≤ 0 on [0, r], g > 0
# just above r. Every answer must keep first_positive's invariant — g(lo) ≤ 0 < g(hi), hi − lo ≤
# rtol·hi, hence r ∈ [lo, hi) — and agree with the ba8ab21 solver (kept in
# first_positive_reference.py): both brackets hold r, so they overlap.

RTOL = 1e-9
UPPER = 50.0
ULP = 1e-15  # rounding of a point computed in float64, relative


def _check(curve: object, roots: np.ndarray, *, passes_at_most: int, first: np.ndarray | None = None) -> object:
    """Solve ``curve(r, x)`` for the rows' ``roots`` r; ``first`` (default ``roots``) is where each
    curve first becomes positive."""
    from tests.abs_model.core.first_positive_reference import reference_first_positive

    def g(rows: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return curve(roots[rows][:, None], x), 10.0 * x  # type: ignore[operator]

    res = first_positive(g, roots.size, 0.0, UPPER, points=15, rtol=RTOL)
    old = reference_first_positive(g, roots.size, 0.0, UPPER, points=15, rtol=RTOL)
    assert (res.status == "").all()
    at_lo = curve(roots[:, None], res.lo[:, None])[:, 0]  # type: ignore[operator]
    at_hi = curve(roots[:, None], res.hi[:, None])[:, 0]  # type: ignore[operator]
    assert np.all(at_lo <= 0) and np.all(at_hi > 0)
    assert np.all(res.hi - res.lo <= RTOL * res.hi)
    if first is None:
        assert np.all(res.lo <= roots) and np.all(roots < res.hi)
    else:  # a point computed in float: to rounding (the invariant above is exact)
        assert np.all(res.lo <= first * (1 + ULP)) and np.all(first * (1 - ULP) < res.hi)
    assert np.all(np.maximum(res.lo, old.lo) < np.minimum(res.hi, old.hi))
    assert res.payload == pytest.approx(10.0 * res.lo, rel=1e-15)
    assert res.passes <= passes_at_most
    return res


ROOTS = np.array([1e-3, 0.37, 1.52, 4.0, 8.93, 12.5, 24.02, 49.9])


def test_flat_then_linear_closes_in_one_pass_after_the_grid() -> None:
    """g = 3·max(0, x − r): the secant through two losing points is r itself (to rounding), so
    the pass after the grid puts r ± 0.9·tol·r around it and closes; a root in the grid's last
    interval (49.9) has one losing point only, spreads points first and closes a pass later."""
    _check(lambda r, x: 3.0 * np.maximum(0.0, x - r), ROOTS[:-1], passes_at_most=2)
    _check(lambda r, x: 3.0 * np.maximum(0.0, x - r), ROOTS, passes_at_most=4)


def test_a_noise_floor_is_a_flat_then_linear_curve_shifted() -> None:
    """g = 2·max(0, x − r) − 10⁻¹²: the first positive point is r + 5·10⁻¹³."""
    _check(lambda r, x: 2.0 * np.maximum(0.0, x - r) - 1e-12, ROOTS, passes_at_most=4, first=ROOTS + 5e-13)


def test_a_curve_bending_up_just_above_the_first_loss_point() -> None:
    """g = (x − r) + 40·(x − r)² above r: the parabola through three losing points is exact."""
    _check(lambda r, x: np.maximum(0.0, x - r) + 40.0 * np.maximum(0.0, x - r) ** 2, ROOTS, passes_at_most=5)


def test_kinks_above_the_root_where_the_loss_falls_back_then_rises() -> None:
    """A trigger that binds above r: g = u − 1.25·max(0, u − k) + 2·max(0, u − 3k) with u = max(0, x − r)
    and k = 0.02·r; g rises to k, falls (still > 0: 1.25k − 0.25u > 0 for u < 5k) and rises again —
    the Baitiao subordinated class's curve, in a closed form. The secant through points either
    side of a kink misses: the pass spreads points until three lie below the first kink."""

    def curve(r: np.ndarray, x: np.ndarray) -> np.ndarray:
        k = 0.02 * r
        u = np.maximum(0.0, x - r)
        return u - 1.25 * np.maximum(0.0, u - k) + 2.0 * np.maximum(0.0, u - 3.0 * k)

    _check(curve, ROOTS, passes_at_most=6)


def test_a_step_is_bracketed_by_spreading_points() -> None:
    """g = 1 above r, 0 at and below: no slope, no secant; every pass spreads points over the
    bracket, which still shrinks at least (spread + 1)-fold a pass down to the tolerance."""
    _check(lambda r, x: (x > r).astype(np.float64), ROOTS, passes_at_most=11)


def test_plateaus_above_the_root() -> None:
    """g = min(u, p) + max(0, u − 3p) with u = max(0, x − r), p = 0.05·(r + 1): linear, flat on a
    plateau of height p, then rising again — a secant through two plateau points is flat."""

    def curve(r: np.ndarray, x: np.ndarray) -> np.ndarray:
        p = 0.05 * (r + 1.0)
        u = np.maximum(0.0, x - r)
        return np.minimum(u, p) + np.maximum(0.0, u - 3.0 * p)

    _check(curve, ROOTS, passes_at_most=6)


def test_a_root_on_a_grid_point() -> None:
    """The grid is 50·(i/16)²: r = 50·(4/16)² = 3.125 is one of its points, where g = 0; the
    secant lands on the bracket's low end and the pass closes one step above it."""
    _check(lambda r, x: np.maximum(0.0, x - r), np.array([3.125, 50.0 * (9 / 16) ** 2]), passes_at_most=2)

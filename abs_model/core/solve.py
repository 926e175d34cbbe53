"""Root finding: every solver of the package, in one place.

- :func:`root_scalar` — a root of a continuous ``f`` on a bracket ``[lo, hi]`` with
  ``f(lo)·f(hi) ≤ 0``: regula falsi with the Illinois modification, falling back to bisection
  when the secant step leaves the bracket. Used by the yield, spread and price solvers.
- :func:`root_rows` — the same problem for many independent rows at once (``f`` maps an array
  of ``x``, one per row, to an array of values): the same Illinois steps, every row still
  searched in one vectorised call per step. Used by the sweep's yields at par.
- :func:`bisect_predicate` — the largest ``x`` in ``[lo, hi]`` at which a monotone predicate
  still holds (``ok(lo)`` true, ``ok(hi)`` false). Used by tranche sizing.
- :func:`first_positive` — for many rows at once, the point ``x*`` where a nondecreasing,
  nonnegative curve ``g`` (a loss as a function of a stress) first becomes positive: ``g = 0`` on
  ``[lo, x*]`` and ``g > 0`` beyond. Used by breakeven (the first-loss point).

:func:`first_positive` keeps a bracket ``[a, b]`` per row (``g(a) ≤ 0 < g(b)``) and, each pass,
evaluates in one batch (a) the secant estimate of ``x*`` from the two lowest points seen with
``g > 0`` — ``x_s = x₁ − g₁ (x₂ − x₁)/(g₂ − g₁)``, exact when the curve is linear just above
``x*`` — with points at distances ``d·10⁻¹``, ``d·10⁻³`` and ``±½·tolerance`` either side of it
(``d = x₁ − x_s``), and (b) ``k`` equally spaced points of the bracket, which bound the worst case
(the bracket shrinks at least ``k + 1``-fold a pass whatever the curve does). A smooth curve is
solved in a few passes; a kink (a trigger that starts to bind) costs k-section passes until the
secant points lie on one smooth piece again. When rows drop out the others get more points:
each pass may evaluate ``n × (points + 2)`` points in all, as the first grid did. A row whose
last pass shrank its bracket a hundredfold or more (the secant is converging) spreads only two
points over its bracket in the next (:data:`CONVERGING_SPREAD`; its bracket still shrinks at
least threefold), since every point evaluated costs its share of a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["FirstPositive", "bisect_predicate", "first_positive", "root_rows", "root_scalar"]

FloatArray = npt.NDArray[np.float64]

#: Bracket width below which :func:`root_scalar` stops, relative to ``max(1, |x|)``.
SCALAR_XTOL = 1e-15
#: Most iterations of :func:`root_scalar`.
SCALAR_MAX_ITER = 300
#: Most points spread over the bracket in one pass of :func:`first_positive`.
MAX_SPREAD_POINTS = 1024
#: Distances either side of the secant estimate, as fractions of its extrapolation distance ``d``.
SECANT_LADDER = np.array([1e-1, 1e-3])
#: Points around the secant estimate in one pass: the ladder either side, ±½ tolerance and itself.
NEAR_POINTS = 2 * SECANT_LADDER.size + 3
#: A row whose last pass shrank its bracket to this share or less is converging on the secant's
#: side: its next pass spreads only :data:`CONVERGING_SPREAD` points over the bracket.
CONVERGING_SHRINK = 1e-2
#: Points spread over the bracket by a converging row (the others: the pass's share of the budget).
CONVERGING_SPREAD = 2


def root_scalar(f: Callable[[float], float], lo: float, hi: float) -> float | None:
    """A root of ``f`` in ``[lo, hi]`` (Illinois regula falsi), or ``None`` when ``f(lo)`` and
    ``f(hi)`` have the same sign. Stops when the bracket is narrower than
    :data:`SCALAR_XTOL` ``× max(1, |x|)`` or ``f(x) = 0`` exactly."""
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0:
        return lo
    if f_hi == 0:
        return hi
    if np.sign(f_lo) == np.sign(f_hi):
        return None
    side = 0
    for _ in range(SCALAR_MAX_ITER):
        x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        if not lo < x < hi:
            x = 0.5 * (lo + hi)
        fx = f(x)
        if fx == 0 or hi - lo < SCALAR_XTOL * max(1.0, abs(x)):
            return x
        if np.sign(fx) == np.sign(f_lo):
            lo, f_lo = x, fx
            if side == -1:
                f_hi /= 2
            side = -1
        else:
            hi, f_hi = x, fx
            if side == 1:
                f_lo /= 2
            side = 1
        if hi - lo < SCALAR_XTOL * max(1.0, abs(lo)):
            return 0.5 * (lo + hi)
    return 0.5 * (lo + hi)


def root_rows(
    f: Callable[[npt.NDArray[np.int64], FloatArray], FloatArray],
    lo: float,
    hi: float,
    n: int,
    *,
    xtol: float = 1e-13,
    max_iter: int = 200,
) -> FloatArray:
    """Roots of ``n`` independent continuous functions on ``[lo, hi]``, all rows at once: the
    Illinois regula falsi of :func:`root_scalar`, one vectorised evaluation per step.

    ``f(rows, x)`` evaluates rows ``rows`` (indices, shape ``(m,)``) at ``x`` (shape ``(m,)``).
    A row stops when its bracket is narrower than ``xtol``, its step moves ``x`` by less than
    ``xtol / 2`` or ``f(x) = 0``; every row stops after ``max_iter`` steps (bisection alone would
    need ``log₂((hi − lo)/xtol)``). NaN for a row whose values at ``lo`` and ``hi`` have the same
    sign.
    """
    out = np.full(n, np.nan)
    if n == 0:
        return out
    every = np.arange(n, dtype=np.int64)
    fa = f(every, np.full(n, lo))
    fb = f(every, np.full(n, hi))
    out[fa == 0] = lo
    out[(fb == 0) & (fa != 0)] = hi
    rows = every[(np.sign(fa) * np.sign(fb) < 0)]
    a, b = np.full(rows.size, lo), np.full(rows.size, hi)
    fa, fb = fa[rows], fb[rows]
    side = np.zeros(rows.size, dtype=np.int8)
    x_prev = np.full(rows.size, np.nan)
    for _ in range(max_iter):
        if rows.size == 0:
            break
        with np.errstate(invalid="ignore", divide="ignore"):
            x = (a * fb - b * fa) / (fb - fa)
        x = np.where((x > a) & (x < b), x, 0.5 * (a + b))
        fx = f(rows, x)
        left = np.sign(fx) == np.sign(fa)  # the root lies in [x, b]: x becomes a
        fb = np.where(left & (side == -1), 0.5 * fb, fb)
        fa = np.where(~left & (side == 1), 0.5 * fa, fa)
        a, fa = np.where(left, x, a), np.where(left, fx, fa)
        b, fb = np.where(left, b, x), np.where(left, fb, fx)
        side = np.where(left, -1, 1).astype(np.int8)
        done = (fx == 0) | (b - a < xtol) | (np.abs(x - x_prev) < 0.5 * xtol)
        out[rows[done]] = x[done]
        keep = ~done
        rows, a, b, fa, fb, side, x_prev = rows[keep], a[keep], b[keep], fa[keep], fb[keep], side[keep], x[keep]
    out[rows] = 0.5 * (a + b)
    return out


def bisect_predicate(ok: Callable[[float], bool], lo: float, hi: float, *, tol: float) -> float:
    """The largest ``x`` found with ``ok(x)`` true, for a predicate true at ``lo``, false at
    ``hi`` and monotone between (true, then false): bisection until ``hi − lo ≤ tol``. The caller
    checks the two ends (and says what it means when they do not bracket)."""
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


@dataclass(frozen=True, slots=True)
class FirstPositive:
    """Result of :func:`first_positive`, one entry per row.

    ``lo``: the highest point found with ``g ≤ 0``; ``hi``: the lowest with ``g > 0``
    (``hi − lo ≤ max(rtol × hi, atol)``); ``payload``: the payload at ``lo``; ``status``: ``""``,
    ``"positive at lo"`` or ``"not positive at hi"`` (then ``lo``, ``hi``, ``payload`` are NaN);
    ``passes``: evaluation passes (the grid included)."""

    lo: FloatArray
    hi: FloatArray
    payload: FloatArray
    status: npt.NDArray[np.object_]
    passes: int


def first_positive(
    g: Callable[[npt.NDArray[np.int64], FloatArray], tuple[FloatArray, FloatArray]],
    n: int,
    lo: float,
    hi: float,
    *,
    points: int = 15,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    max_passes: int = 200,
) -> FirstPositive:
    """For ``n`` rows, the point where a nondecreasing curve ``g ≥ 0`` first exceeds 0 (see the
    module doc for the method).

    ``g(rows, x)`` evaluates rows ``rows`` (indices, shape ``(R,)``) at points ``x`` of shape
    ``(R, k)`` in one batch and returns ``(values, payload)``, both ``(R, k)``; the payload (e.g. a
    realised default rate) is reported at the final ``lo``. Pass 0 evaluates a grid of
    ``points + 2`` points from ``lo`` to ``hi``; a row positive at ``lo`` or not positive at ``hi``
    is not bracketed (``status`` says which).
    """
    grid = np.linspace(lo, hi, points + 2)
    G = grid.size
    allrows = np.arange(n, dtype=np.int64)
    v, pay = g(allrows, np.broadcast_to(grid, (n, G)).copy())
    pos = v > 0
    status = np.full(n, "", dtype=object)
    status[pos[:, 0]] = "positive at lo"
    status[~pos[:, -1] & ~pos[:, 0]] = "not positive at hi"
    ok = status == ""
    first = np.where(ok, pos.argmax(axis=1), 1)
    r = np.arange(n)
    a = grid[first - 1].astype(np.float64)
    b = grid[first].astype(np.float64)
    pay_a = pay[r, first - 1]
    # the two lowest points seen with g > 0 (x1 < x2), for the secant estimate
    x1, v1 = b.copy(), v[r, first]
    nxt = np.minimum(first + 1, G - 1)
    x2 = np.where(nxt > first, grid[nxt], np.nan)
    v2 = np.where(nxt > first, v[r, nxt], np.nan)
    passes = 1
    budget = n * (points + 2)  # points a pass may spend: a pass costs about the same for fewer rows
    width = b - a
    converging = np.zeros(n, dtype=bool)  # the last pass shrank the bracket by CONVERGING_SHRINK or more
    while passes < max_passes:
        active = np.flatnonzero(ok & (b - a > np.maximum(rtol * b, atol)))
        if active.size == 0:
            break
        k_sect = int(np.clip(budget // active.size - NEAR_POINTS, max(points - NEAR_POINTS, 4), MAX_SPREAD_POINTS))
        k_rows = np.where(converging[active], min(k_sect, CONVERGING_SPREAD), k_sect)
        cand = _candidates(a[active], b[active], x1[active], v1[active], x2[active], v2[active], rtol, atol, k_rows)
        cv, cp = g(active, cand)
        passes += 1
        order = np.argsort(cand, axis=1, kind="stable")
        cand = np.take_along_axis(cand, order, axis=1)
        cv = np.take_along_axis(cv, order, axis=1)
        cp = np.take_along_axis(cp, order, axis=1)
        cpos = cv > 0
        anyp = cpos.any(axis=1)
        K = cand.shape[1]
        kf = np.where(anyp, cpos.argmax(axis=1), K)  # first positive candidate (K: none)
        ra = np.arange(active.size)
        has_lo = kf > 0
        a[active] = np.where(has_lo, cand[ra, np.maximum(kf - 1, 0)], a[active])
        pay_a[active] = np.where(has_lo, cp[ra, np.maximum(kf - 1, 0)], pay_a[active])
        b[active] = np.where(anyp, cand[ra, np.minimum(kf, K - 1)], b[active])
        # keep the two lowest positive points: candidates above the new hi count too
        xs = np.concatenate([np.where(cpos, cand, np.inf), x1[active, None], x2[active, None]], axis=1)
        vs = np.concatenate([cv, v1[active, None], v2[active, None]], axis=1)
        xs = np.where(np.isnan(xs), np.inf, xs)
        two = np.argsort(xs, axis=1, kind="stable")[:, :2]
        x1[active] = np.take_along_axis(xs, two[:, :1], axis=1)[:, 0]
        v1[active] = np.take_along_axis(vs, two[:, :1], axis=1)[:, 0]
        x2[active] = np.take_along_axis(xs, two[:, 1:], axis=1)[:, 0]
        v2[active] = np.take_along_axis(vs, two[:, 1:], axis=1)[:, 0]
        converging[active] = b[active] - a[active] <= CONVERGING_SHRINK * width[active]
        width[active] = b[active] - a[active]
    nan = np.full(n, np.nan)
    return FirstPositive(
        lo=np.where(ok, a, nan), hi=np.where(ok, b, nan), payload=np.where(ok, pay_a, nan), status=status, passes=passes
    )


def _candidates(
    a: FloatArray, b: FloatArray, x1: FloatArray, v1: FloatArray, x2: FloatArray, v2: FloatArray,
    rtol: float, atol: float, k: npt.NDArray[np.int64],
) -> FloatArray:
    """The points of one pass of :func:`first_positive`, shape ``(R, NEAR_POINTS + max k)``, all
    inside ``(a, b)``: row ``r`` spreads ``k[r]`` points over its bracket, and its remaining
    columns repeat the secant estimate (a caller may evaluate a repeated point once)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        slope_ok = np.isfinite(x2) & (v2 > v1)
        xs = np.where(slope_ok, x1 - v1 * (x2 - x1) / (v2 - v1), 0.5 * (a + b))
    xs = np.where(np.isfinite(xs) & (xs > a) & (xs < b), xs, 0.5 * (a + b))
    d = np.maximum(x1 - xs, 0.0)
    half = 0.5 * np.maximum(rtol * xs, atol)
    ladder = d[:, None] * SECANT_LADDER[None, :]
    offsets = np.concatenate([-ladder, -half[:, None], np.zeros((d.size, 1)), half[:, None], ladder], axis=1)
    near = xs[:, None] + offsets
    k = np.asarray(k, dtype=np.int64)
    j = np.arange(1, int(k.max(initial=0)) + 1)[None, :]
    inner = j / (k[:, None] + 1.0)
    spread = np.where(j <= k[:, None], a[:, None] + (b - a)[:, None] * inner, xs[:, None])
    out = np.concatenate([near, spread], axis=1)
    lo_in = np.nextafter(a, b)[:, None]
    hi_in = np.nextafter(b, a)[:, None]
    return np.clip(out, lo_in, hi_in)

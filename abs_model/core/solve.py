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

:func:`first_positive` keeps a bracket ``[a, b]`` per row (``g(a) ≤ 0 < g(b)``) and the three
lowest points seen with ``g > 0``, ``x₁ = b < x₂ < x₃``. Pass 0 evaluates a grid spaced in
``√x`` (``lo + (hi − lo)(i/(points + 1))²``: the tolerance is relative, so low multiples get
finer steps). Each later pass evaluates, in one batch per pass, around an estimate ``c`` of
``x*`` with an error ``e`` (:func:`_estimates`):

- the secant ``x_s = x₁ − g₁ (x₂ − x₁)/(g₂ − g₁)`` (exact when the curve is linear just above
  ``x*``) and the root ``x_q`` of the parabola through the three points (exact when it is
  quadratic); ``c = x_q``, ``e = |x_q − x_s| + 10⁻³·(x₁ − x_s)``: on a smooth piece ``x_q`` is
  far better than ``e`` says (its error falls as the product of three distances, the secant's
  as two), so the points run from that scale up to ``3e``;
- ``c``, ``c ± h`` with ``h = 0.9 × tolerance`` (a first-loss point within ``h`` of ``c`` closes
  the bracket in this pass), a ladder of :data:`LADDER_RUNGS` points either side from
  ``max(8h, 0.1·R·f)`` up to the reach ``R = 3e`` (geometric, at least 8-fold; ``f = (x₃ − c)/c``
  clipped to ``[10⁻⁴, 1]``: the closer the three points, the lower the ladder starts), and
  :data:`FRESH_SPREAD` points equally spaced over the bracket (:data:`CONVERGING_SPREAD` for a
  row whose last pass shrank its bracket a hundredfold): whatever the curve does, the bracket
  shrinks at least ``spread + 1``-fold a pass;
- a row without an estimate (fewer than two losing points, a loss that falls between ``x₁``
  and ``x₂`` — a kink where a trigger binds — or an estimate far outside the bracket) spreads
  :data:`NO_ESTIMATE_SPREAD` points over its bracket until three lie on one smooth piece.

An estimate at or just below ``a`` (the first-loss point on a grid point) is moved one closing
step above ``a``. Points outside ``(a, b)`` are replaced by ``c`` (a caller evaluates a repeated
point once). On the Baitiao example this takes 5 passes and about 640 (scenario, multiple) rows
where the solver of ba8ab21 took 6 and 1,190 (benchmarks/bench_breakeven.py).
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
#: The first pass's grid: ``lo + (hi − lo)·(i/(points + 1))^GRID_POWER``, ``i = 0 … points + 1``.
GRID_POWER = 2.0
#: The ladder around an estimate reaches this multiple of its error either side.
REACH = 3.0
#: The error of the parabola's estimate is at least this share of the secant's extrapolation distance.
ERROR_FLOOR = 1e-3
#: The error of a secant estimate without a third point, as a share of its extrapolation distance.
ERROR_NO_CURVE = 0.1
#: Least ratio between the rungs of the ladder either side of an estimate (its first rung lies
#: at least this many closing steps out).
LADDER_RATIO = 8.0
#: Rungs of that ladder either side, geometric from its floor up to the reach.
LADDER_RUNGS = 3
#: The ladder's floor is ``LADDER_FLOOR_SCALE × reach × f``, ``f`` the third losing point's
#: distance from the estimate relative to it, clipped to ``[LADDER_FLOOR, 1]``: the closer the
#: three points, the better the parabola's estimate is than its error says.
LADDER_FLOOR_SCALE = 1e-1
LADDER_FLOOR = 1e-4
#: Points spread over the bracket by a row without an estimate.
NO_ESTIMATE_SPREAD = 16
#: Lowest positive points kept per row (the secant takes two, the parabola three).
KEPT_POSITIVE = 3
#: Points spread over the bracket by a row with an estimate (the safeguard: the bracket shrinks
#: at least ``spread + 1``-fold a pass whatever the curve does).
FRESH_SPREAD = 3
#: A row whose last pass shrank its bracket to this share or less is converging: its next pass
#: spreads only :data:`CONVERGING_SPREAD` points over the bracket.
CONVERGING_SHRINK = 1e-2
#: Points spread over the bracket by a converging row.
CONVERGING_SPREAD = 1


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
    ``points + 2`` points from ``lo`` to ``hi``, spaced in ``√(x − lo)`` (:data:`GRID_POWER`); a row
    positive at ``lo`` or not positive at ``hi`` is not bracketed (``status`` says which).
    """
    grid = lo + (hi - lo) * np.linspace(0.0, 1.0, points + 2) ** GRID_POWER
    grid[0], grid[-1] = lo, hi  # the ends exactly
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
    # the three lowest points seen with g > 0 (px[:, 0] = b), for the secant and its error
    px, pv = _lowest_positive(np.broadcast_to(grid, (n, G)), v, np.full((n, 0), np.inf), np.zeros((n, 0)))
    passes = 1
    width = b - a
    converging = np.zeros(n, dtype=bool)  # the last pass shrank the bracket by CONVERGING_SHRINK or more
    while passes < max_passes:
        active = np.flatnonzero(ok & (b - a > np.maximum(rtol * b, atol)))
        if active.size == 0:
            break
        spread = np.where(converging[active], CONVERGING_SPREAD, FRESH_SPREAD)
        cand = _candidates(a[active], b[active], px[active], pv[active], rtol, atol, spread, points)
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
        px[active], pv[active] = _lowest_positive(cand, cv, px[active], pv[active])
        converging[active] = b[active] - a[active] <= CONVERGING_SHRINK * width[active]
        width[active] = b[active] - a[active]
    nan = np.full(n, np.nan)
    return FirstPositive(
        lo=np.where(ok, a, nan), hi=np.where(ok, b, nan), payload=np.where(ok, pay_a, nan), status=status, passes=passes
    )


def _lowest_positive(x: FloatArray, v: FloatArray, px: FloatArray, pv: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The :data:`KEPT_POSITIVE` lowest points with ``v > 0`` among the new points ``(x, v)`` and
    those kept ``(px, pv)``, per row, ascending; ``inf`` (value NaN) where fewer were seen."""
    xs = np.concatenate([np.where(v > 0, x, np.inf), px], axis=1)
    vs = np.concatenate([v, pv], axis=1)
    xs = np.where(np.isnan(xs), np.inf, xs)
    order = np.argsort(xs, axis=1, kind="stable")
    xs, vs = np.take_along_axis(xs, order, axis=1), np.take_along_axis(vs, order, axis=1)
    xs[:, 1:] = np.where(xs[:, 1:] == xs[:, :-1], np.inf, xs[:, 1:])  # a point seen twice counts once
    keep = np.argsort(xs, axis=1, kind="stable")[:, :KEPT_POSITIVE]
    kx = np.take_along_axis(xs, keep, axis=1)
    kv = np.where(np.isfinite(kx), np.take_along_axis(vs, keep, axis=1), np.nan)
    if kx.shape[1] < KEPT_POSITIVE:
        pad = KEPT_POSITIVE - kx.shape[1]
        kx = np.concatenate([kx, np.full((kx.shape[0], pad), np.inf)], axis=1)
        kv = np.concatenate([kv, np.full((kv.shape[0], pad), np.nan)], axis=1)
    return kx, kv


def _estimates(a: FloatArray, b: FloatArray, px: FloatArray, pv: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each row's estimate of the first-loss point and of its error, from the lowest positive
    points ``x₁ < x₂ < x₃`` (values ``v₁ ≤ v₂ ≤ v₃``): the secant ``x_s = x₁ − v₁ (x₂ − x₁)/(v₂ − v₁)``;
    the root ``x_q`` of the parabola through the three points nearest below ``x₁``; the estimate is
    ``x_q`` with error ``|x_q − x_s| + ERROR_FLOOR·(x₁ − x_s)`` when both lie inside ``(a, b)``,
    else ``x_s`` with error ``ERROR_NO_CURVE·(x₁ − x_s)``; NaN (no estimate: the row is searched
    by points spread over its bracket) when the secant is undefined or leaves the bracket."""
    x1, x2, x3 = px[:, 0], px[:, 1], px[:, 2]
    v1, v2, v3 = pv[:, 0], pv[:, 1], pv[:, 2]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        s12 = (v2 - v1) / (x2 - x1)
        xs = x1 - v1 / s12
        below = a - (b - a)  # an estimate a little below a says the point lies just above a
        xs_ok = np.isfinite(xs) & (s12 > 0) & (xs > below) & (xs < b)
        s23 = (v3 - v2) / (x3 - x2)
        c = (s23 - s12) / (x3 - x1)  # v ≈ v₁ + s12 (x − x₁) + c (x − x₁)(x − x₂)
        s1 = s12 - c * (x2 - x1)  # its slope at x₁
        disc = s1 * s1 - 4.0 * c * v1
        u = -2.0 * v1 / (s1 + np.sqrt(disc))  # the root nearest x₁ (stable form)
        xq = x1 + u
        xq_ok = xs_ok & np.isfinite(xq) & (disc >= 0) & (s1 > 0) & (xq > below) & (xq < b)
        d = x1 - xs
        err = np.where(xq_ok, np.abs(xq - xs) + ERROR_FLOOR * d, ERROR_NO_CURVE * d)
    centre = np.where(xq_ok, xq, np.where(xs_ok, xs, np.nan))
    return centre, np.where(xs_ok, err, np.nan)


def _candidates(
    a: FloatArray, b: FloatArray, px: FloatArray, pv: FloatArray,
    rtol: float, atol: float, spread: npt.NDArray[np.int64], points: int,
) -> FloatArray:
    """The points of one pass of :func:`first_positive`, shape ``(R, K)``, all inside ``(a, b)``.

    A row with an estimate ``c`` of error ``e`` (:func:`_estimates`) evaluates ``c``, ``c ± h``
    (``h = 0.9 × tolerance``: if the first-loss point lies within ``h`` of ``c`` the bracket closes)
    and a ladder ``c ± L·LADDER_RATIO^i`` from ``L = max(LADDER_RATIO·h, LADDER_FLOOR·e)`` up to the
    reach ``REACH·e`` (the estimate's true error is usually far smaller than ``e``, rarely larger),
    and ``spread[r]`` points equally spaced over its bracket; a row without an estimate spreads
    ``NO_ESTIMATE_SPREAD`` points over its bracket. Repeated columns fill rows that need fewer
    points (a caller may evaluate a repeated point once)."""
    centre, err = _estimates(a, b, px, pv)
    has = np.isfinite(centre)
    c = np.where(has, centre, 0.5 * (a + b))  # inside (a, b)
    h = 0.9 * np.maximum(rtol * c / (1.0 + rtol), atol)
    c = np.maximum(c, a + h)  # an estimate at or below a: one closing step above it
    h = 0.9 * np.maximum(rtol * c / (1.0 + rtol), atol)
    reach = np.where(has, REACH * err, 0.0)
    far = np.clip((np.where(np.isfinite(px[:, 2]), px[:, 2], b) - c) / np.maximum(np.abs(c), atol), LADDER_FLOOR, 1.0)
    base = np.maximum(h * LADDER_RATIO, LADDER_FLOOR_SCALE * far * reach)
    top = np.maximum(reach, base)
    n = LADDER_RUNGS
    ratio = np.maximum((top / base) ** (1.0 / max(n - 1, 1)), LADDER_RATIO)
    ladder = base[:, None] * ratio[:, None] ** np.arange(n, dtype=np.float64)[None, :]
    ladder = np.where(ladder <= top[:, None] * (1.0 + 1e-12), ladder, 0.0)
    offsets = np.concatenate([h[:, None], ladder], axis=1)
    near = c[:, None] + np.concatenate([-offsets, np.zeros((c.size, 1)), offsets], axis=1)
    k = np.where(has, spread, NO_ESTIMATE_SPREAD).astype(np.int64)
    kk = np.arange(1, int(k.max(initial=0)) + 1)[None, :]
    over = np.where(kk <= k[:, None], a[:, None] + (b - a)[:, None] * (kk / (k[:, None] + 1.0)), c[:, None])
    out = np.concatenate([np.where(has[:, None], near, c[:, None]), over], axis=1)
    return np.where((out > a[:, None]) & (out < b[:, None]), out, c[:, None])  # points outside the bracket: the centre again

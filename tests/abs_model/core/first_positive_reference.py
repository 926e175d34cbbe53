"""The breakeven solver of ba8ab21 (``first_positive`` and its ``_candidates``), kept unchanged
as the reference the faster solver of ``abs_model.core.solve`` is checked against: the same
first-loss points, each bracket to the same tolerance (tests/abs_model/core/test_solve.py,
tests/abs_model/runs/test_batched_runs.py).

Each pass evaluates the secant estimate from the two lowest points seen with ``g > 0``, points at
distances ``d·10⁻¹``, ``d·10⁻³`` and ``±½·tolerance`` either side of it and ``k`` equally spaced
points of the bracket; a row converging (its last pass shrank the bracket a hundredfold) spreads
two points only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from abs_model.core.solve import FirstPositive

FloatArray = npt.NDArray[np.float64]

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



def reference_first_positive(
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

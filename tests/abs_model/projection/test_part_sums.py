"""Sums over state groups per part of the lines (:class:`~abs_model.projection.groups.PartSums`),
worked against plain loops.

- With one part (``starts`` None) every method is the expression it replaces in the period loop,
  to the last bit: ``v.sum(-1)`` (``sum_each``: of each slice), ``x @ w`` (``dot_each``: of each bucket), ``v.sum(axis=(0, 2))``, ``(v @ w).sum(axis=0)``, ``x @ m``.
- With parts, row ``k·U + u`` is the sum over part ``k``'s groups of scenario ``u``: checked
  against the exact sum of the same terms (:func:`math.fsum`) to ``1e-12`` relative (the terms
  are non-negative, as every balance and fraction of the engine, so the sum bounds the error).
- ``blocks`` lays the (U, G) state out as the block rows of :mod:`abs_model.projection.rows`:
  part ``k``'s groups on rows ``k·U … k·U + U − 1``, exact zeros elsewhere.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from abs_model.projection.groups import PartSums

RTOL = 1e-12


def _layout(rng: np.random.Generator, G: int, K: int) -> np.ndarray:
    """Part starts: K contiguous runs of the G groups, each non-empty, the first at 0."""
    cuts = np.sort(rng.choice(np.arange(1, G), K - 1, replace=False)) if K > 1 else np.zeros(0, dtype=np.int64)
    return np.concatenate([[0], cuts]).astype(np.int64)


def _exact(values: np.ndarray) -> float:
    return math.fsum(float(v) for v in values.ravel())


@settings(max_examples=40, derandomize=True, deadline=None)
@given(st.integers(1, 6), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_one_part_is_the_plain_expression_bit_for_bit(U: int, G: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ps = PartSums(None, U)
    v, x = rng.random((U, G)) * 1e4, rng.random((U, G))
    w, m, n = rng.random(G) * 1e3, rng.random((G, 5)), rng.random((3, U, G))
    assert ps.K == 1 and ps.rows == U
    np.testing.assert_array_equal(ps.sum(v), v.sum(-1))
    np.testing.assert_array_equal(ps.sum_each(n), np.stack([m_.sum(-1) for m_ in n]))
    wb = rng.random((3, G))
    for j, got_j in enumerate(ps.dot_each(n, wb)):
        np.testing.assert_array_equal(got_j, n[j] @ wb[j])
    np.testing.assert_array_equal(ps.dot(x, w), x @ w)
    np.testing.assert_array_equal(ps.sum02(n), n.sum(axis=(0, 2)))
    np.testing.assert_array_equal(ps.dot_sum0(n, w), (n @ w).sum(axis=0))
    np.testing.assert_array_equal(ps.mat(x, m), x @ m)
    assert ps.blocks(v, np.zeros(G, dtype=np.int64)) is v


@settings(max_examples=40, derandomize=True, deadline=None)
@given(st.integers(1, 6), st.integers(2, 40), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_each_part_sums_its_own_groups(U: int, G: int, K: int, seed: int) -> None:
    K = min(K, G)
    rng = np.random.default_rng(seed)
    starts = _layout(rng, G, K)
    ends = [*starts[1:].tolist(), G]
    ps = PartSums(starts, U)
    assert ps.K == K and ps.rows == K * U
    v = rng.random((U, G)) * 10.0 ** rng.integers(-4, 6, (U, G))
    x, w, m, n = rng.random((U, G)), rng.random(G) * 1e3, rng.random((G, 4)), rng.random((3, U, G))
    got = {"sum": ps.sum(v), "dot": ps.dot(x, w), "sum02": ps.sum02(n), "dot_sum0": ps.dot_sum0(n, w), "mat": ps.mat(x, m)}
    np.testing.assert_array_equal(ps.sum_each(n), np.stack([ps.sum(n_i) for n_i in n]))  # each slice as alone
    wb = rng.random((3, G))
    np.testing.assert_array_equal(ps.dot_each(n, wb), np.stack([ps.dot(n[j], wb[j]) for j in range(3)]))
    assert got["mat"].shape == (K * U, 4)
    for k, (a, b) in enumerate(zip(starts.tolist(), ends, strict=True)):
        for u in range(U):
            r = k * U + u
            want = {
                "sum": _exact(v[u, a:b]),
                "dot": _exact(x[u, a:b] * w[a:b]),
                "sum02": _exact(n[:, u, a:b]),
                "dot_sum0": _exact(n[:, u, a:b] * w[a:b]),
            }
            for name, value in want.items():
                assert math.isclose(float(got[name][r]), value, rel_tol=RTOL), (name, k, u)
            for c in range(4):
                assert math.isclose(float(got["mat"][r, c]), _exact(x[u, a:b] * m[a:b, c]), rel_tol=RTOL), ("mat", k, u, c)


def test_blocks_put_each_part_on_its_own_rows() -> None:
    # 2 scenarios, groups 0-1 in part 0, group 2 in part 1, groups 3-4 in part 2
    v = np.arange(1.0, 11.0).reshape(2, 5)
    part_of_group = np.array([0, 0, 1, 2, 2])
    got = PartSums(np.array([0, 2, 3]), 2).blocks(v[None], part_of_group)[0]
    want = np.array([
        [1.0, 2.0, 0.0, 0.0, 0.0],
        [6.0, 7.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 3.0, 0.0, 0.0],
        [0.0, 0.0, 8.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 4.0, 5.0],
        [0.0, 0.0, 0.0, 9.0, 10.0],
    ])
    np.testing.assert_array_equal(got, want)


def test_recoverable_money_by_part_equals_the_block_rows() -> None:
    """``Recoverable.periods`` with the parts along the group axis: final row ``k·S + s`` (part
    ``k``, scenario ``s`` on loop row ``take``) recovers on part ``k``'s groups alone — the block
    rows' sum (the other parts' groups there exact zeros), to 1e-12 relative."""
    from abs_model.projection.recoveries import Recoverable
    from abs_model.projection.rows import scenario_rows

    rng = np.random.default_rng(3)
    P, G = 6, 9
    starts = np.array([0, 5, 7])  # part 0: groups 0-4, part 1: 5-6, part 2: 7-8
    part_of_group = np.repeat(np.arange(3), [5, 2, 2])
    pm, dm = np.array([1.0, 1.0, 2.0, 2.0]), np.array([1.0, 1.0, 3.0, 3.0])  # two distinct pairs
    rows = scenario_rows((pm, dm, np.array([1.0, 0.5, 0.8, 1.2])), parts=3)
    assert rows.take is not None and rows.distinct == 2
    ps = PartSums(starts, rows.distinct)
    default_bal = rng.random((P, rows.distinct, G)) * 1e5
    plan_defaults = rng.random((P, ps.rows)) * 1e3
    money = Recoverable(rng.random(G) * 0.5, rows.final[2], 0.3)
    got = money.periods(default_bal, plan_defaults, rows.take, parts=ps)
    want = money.periods(ps.blocks(default_bal, part_of_group), plan_defaults, rows.take)
    assert got.shape == want.shape == (12, P)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=0.0)

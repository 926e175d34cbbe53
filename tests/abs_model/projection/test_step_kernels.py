"""The period step's small kernels against the plain loops they replace, bit for bit.

- :func:`~abs_model.projection.groups.bsum`: ``Σ_j x[j] · f[j]`` as one product and one
  reduction over the bucket axis equals the loop ``out = x[0] f[0]; out += x[j] f[j]`` exactly
  (numpy adds the rows of a leading-axis reduction one after another).
- :func:`~abs_model.projection.cashflows.float_frame` and ``column_reader``: the frame pandas
  builds from the same columns, and its columns as pandas reads them.
- The roll-rate transition: ``x'_c = Σ_j x_j P[j, c]`` over every live source bucket equals the
  loop over the (from, to) pairs with a positive entry only (a zero entry adds +0.0, which
  changes no sum of non-negative terms).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abs_model.assumptions.assumptions import Assumptions, RollRates
from abs_model.collateral.synthetic import synthetic_pool
from abs_model.errors import ConservationError
from abs_model.projection import roll_rate
from abs_model.projection.cashflows import check_frame, column_reader, float_frame
from abs_model.projection.context import make_context, scenario_multiples
from abs_model.projection.engine import project
from abs_model.projection.groups import StateGroups, bsum, state_groups
from abs_model.projection.replines import rep_lines


def loop_bsum(x: np.ndarray, f: np.ndarray) -> np.ndarray:
    out = x[0] * f[0]
    for j in range(1, x.shape[0]):
        out += x[j] * f[j]
    return out


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.integers(1, 7), st.integers(1, 5), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_bsum_equals_the_loop_bit_for_bit(B: int, S: int, G: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.random((B, S, G)) * 10.0 ** rng.integers(-8, 8, (B, S, G))
    f = rng.random((B, G)) * 10.0 ** rng.integers(-3, 9, (B, G))
    np.testing.assert_array_equal(bsum(x, f), loop_bsum(x, f))


def test_roll_transition_equals_the_loop_over_used_pairs() -> None:
    pool = synthetic_pool(5000, seed=2)
    matrices = np.stack([np.asarray(RollRates.simple(roll=[r, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0], cure=[0.3, 0.2, 0.1, 0.0, 0.0, 0.0]).matrix)[0]
                         for r in (0.01, 0.03, 0.05)])
    a = Assumptions.make(cpr=0.2, roll_rates=RollRates(matrices), recovery_rate=0.1)
    lines = rep_lines(pool, a)
    order = np.lexsort((lines.age, lines.bucket, lines.group))
    lines = type(lines)(**{f: getattr(lines, f)[order] for f in ("product", "original_term", "n", "bucket", "age", "rate",
                                                                  "balance", "flat_fee", "count", "group")})
    ctx = make_context(lines, a, multiples=scenario_multiples(np.array([1.0, 2.0]), np.array([1.0, 3.0]), None), horizon=6)
    conv = roll_rate.build(ctx)
    groups = state_groups(lines, ctx.segments.of_line, roll=True, by_age=True)
    rng = np.random.default_rng(0)
    x = rng.random((ctx.B, ctx.S, groups.size))
    for t in range(1, 7):
        coef, live, to_default = conv.coefficients(groups, t)
        new = np.zeros((ctx.B + 1, ctx.S, groups.size))
        for j, c in conv.used:
            new[c] += x[j] * coef[:, j, c]
        xn = x[0] * live[0]
        for j in range(1, ctx.B):
            xn += x[j] * live[j]
        np.testing.assert_array_equal(xn, new[: ctx.B])
        np.testing.assert_array_equal(x * to_default, x * np.moveaxis(coef[:, :, ctx.B], 1, 0))
        # the coefficients are P at each group's month on book, capped at the stack's depth
        mob = np.clip(groups.age + t, 1, conv.depth) - 1
        np.testing.assert_array_equal(coef, np.moveaxis(conv.P[:, groups.seg, mob], 1, -1))


@settings(max_examples=40, derandomize=True, deadline=None)
@given(st.integers(1, 400), st.integers(1, 12), st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_group_sums_of_every_row_equal_row_by_row(L: int, G: int, R: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    line_group = np.sort(rng.integers(0, G, L))
    line_group = np.unique(line_group, return_inverse=True)[1]  # groups 0 … G' − 1, each present
    starts = np.flatnonzero(np.diff(line_group, prepend=-1))
    size = starts.size
    groups = StateGroups(line_group, starts, np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64),
                         np.zeros(size, dtype=np.int64), np.zeros(L, dtype=np.int64))
    m = rng.random((R, L)) * 10.0 ** rng.integers(-6, 6, (R, L))
    np.testing.assert_array_equal(groups.sum_rows(m), np.stack([groups.sum(row) for row in m]))


def test_float_frame_and_its_column_reader_equal_pandas_own() -> None:
    rng = np.random.default_rng(3)
    cols = {name: rng.random(13) for name in ("opening_balance", "b", "c", "=d")}
    frame = float_frame(cols)
    pd.testing.assert_frame_equal(frame, pd.DataFrame(cols), check_exact=True)
    read = column_reader(frame)
    for name, v in cols.items():
        np.testing.assert_array_equal(read(name), v)
    mixed = frame.assign(label="x")  # a text column: read through pandas column by column
    np.testing.assert_array_equal(column_reader(mixed)("b"), cols["b"])


def test_a_broken_roll_forward_still_raises_through_the_fast_reader() -> None:
    pool = synthetic_pool(300, seed=1)
    cf = project(pool, Assumptions.make(cpr=0.2))
    broken = cf.frame.copy()
    broken.loc[3, "prepayment"] += 1.0
    with pytest.raises(ConservationError, match="roll-forward"):
        check_frame(broken, cf.initial_balance)
    broken = cf.frame.copy()
    broken.loc[2, "recoveries"] += 1e9
    with pytest.raises(ConservationError):
        check_frame(broken, cf.initial_balance)

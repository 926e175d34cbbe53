"""A purchase added to the pool's later columns a block of fields at a time
(:func:`abs_model.runs.runner._add_purchase`) equals the plain loop over every field, period and
scenario, ``stack[f, s, t + m] += bought[s] × prof[f, s, m]``, bit for bit: each element gets the
same product and the same one addition, whatever the block."""

from __future__ import annotations

import numpy as np
import pytest

from abs_model.runs import runner


def loop_add(stack: np.ndarray, prof: np.ndarray, bought: np.ndarray, t: int) -> None:
    T = stack.shape[2] - 1
    for f in range(prof.shape[0]):
        for s in range(stack.shape[1]):
            for m in range(T - t + 1):
                stack[f, s, t + m] += bought[s] * prof[f, s if prof.shape[1] > 1 else 0, m]


@pytest.mark.parametrize(("F", "k", "S", "T", "block"), [(7, 5, 4, 9, 1), (7, 5, 4, 9, 2), (7, 7, 3, 6, 7), (6, 4, 5, 8, 3)])
@pytest.mark.parametrize("one_row", [False, True], ids=["a profile per scenario", "one profile for every scenario"])
def test_blocked_purchase_add_equals_the_plain_loop(F: int, k: int, S: int, T: int, block: int, one_row: bool) -> None:
    rng = np.random.default_rng(F * 100 + k * 10 + block)
    stack = rng.random((F, S, T + 1)) * 10.0 ** rng.integers(-3, 7, (F, S, T + 1))
    prof = rng.random((k, 1 if one_row else S, T + 1)) * 10.0 ** rng.integers(-6, 2, (k, 1 if one_row else S, T + 1))
    expected, got = stack.copy(), stack.copy()
    buffer = np.empty((block, S, T + 1))
    for t in range(1, T + 1):
        bought = rng.random(S) * 1e6 * (rng.random(S) > 0.2)
        loop_add(expected, prof, bought, t)
        runner._add_purchase(got, prof, bought, t, buffer)
    np.testing.assert_array_equal(got, expected)


def test_a_block_holds_as_many_fields_as_fit_and_at_least_one() -> None:
    # 512 KiB a block: (S, T + 1) = (1000, 27) columns are 216,000 bytes each → 2 fit
    assert runner._fields_per_block(1000, 26) == 2
    assert runner._fields_per_block(10**6, 26) == 1
    assert runner._fields_per_block(1, 0) == runner._BLOCK_BYTES // 8

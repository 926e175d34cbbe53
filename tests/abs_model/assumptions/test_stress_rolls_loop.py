"""``stress_rolls`` stresses every row of a roll-rate stack at once; a plain loop over the rows
(the module doc's formula, row by row, as the function did before issue 16's fifth round) gives
the same matrices to the last bit — including rows that roll forward with certainty
(``P[i, i+1] = 1``: what no longer rolls stays in bucket i) and rows of zeros."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from abs_model.assumptions.assumptions import N_BUCKETS, stress_rolls


def loop_stress(matrix: np.ndarray, mult: np.ndarray) -> np.ndarray:
    """``P'[i, i+1] = min(1, m·P[i, i+1])``, ``P'[i, j] = P[i, j]·(1 − P'[i, i+1]) / (1 − P[i, i+1])``,
    one row i at a time."""
    m = np.asarray(mult, dtype=np.float64).reshape(-1, 1, 1)
    base = np.asarray(matrix)
    out = np.broadcast_to(base, (m.shape[0], *base.shape)).copy()
    for i in range(N_BUCKETS - 1):
        roll = base[:, i, i + 1][None, :]
        new = np.minimum(1.0, roll * m[:, :, 0])
        rest = 1.0 - roll
        scale = np.where(rest > 0, (1.0 - new) / np.where(rest > 0, rest, 1.0), 0.0)
        out[:, :, i, :] = base[None, :, i, :] * scale[..., None]
        out[:, :, i, i + 1] = new
        out[:, :, i, i] += np.where(rest > 0, 0.0, 1.0 - new)
    return out


@settings(max_examples=80, derandomize=True, deadline=None)
@given(st.integers(1, 4), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_every_row_at_once_equals_the_row_loop_bit_for_bit(M: int, S: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    P = rng.random((M, N_BUCKETS, N_BUCKETS))
    P /= P.sum(axis=-1, keepdims=True)
    certain, empty = rng.integers(0, N_BUCKETS - 1, 2)
    P[:, certain, :] = 0.0
    P[:, certain, certain + 1] = 1.0  # rolls forward with certainty
    P[:, empty, :] = 0.0
    mult = np.concatenate([[0.0, 1.0], rng.random(S) * 6.0])
    np.testing.assert_array_equal(stress_rolls(P, mult), loop_stress(P, mult))


def test_a_worked_row() -> None:
    # M1 row: roll 0.4 to M2, cure 0.3 to M0, stay 0.3; doubling the roll gives 0.8, and the
    # others share the remaining 0.2 in their old proportions (0.3 / 0.6 each of 0.2 = 0.1)
    P = np.eye(N_BUCKETS)[None].copy()
    P[0, 1, :] = 0.0
    P[0, 1, [0, 1, 2]] = [0.3, 0.3, 0.4]
    got = stress_rolls(P, np.array([2.0]))[0, 0, 1]
    np.testing.assert_allclose(got[:3], [0.1, 0.1, 0.8], rtol=1e-15)
    assert got[3:].sum() == 0.0

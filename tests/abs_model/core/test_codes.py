"""``unique_inverse`` returns exactly ``np.unique(values, return_inverse=True)`` (the reference),
for short and long strings, Chinese text, empty strings and other dtypes, and falls back to the
sort when two different strings share a hash."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from abs_model.core import codes
from abs_model.core.codes import unique_inverse


def _same_as_numpy(values: np.ndarray) -> None:
    uniq, inv = np.unique(values, return_inverse=True)
    got_uniq, got_codes = unique_inverse(values)
    assert got_uniq.dtype == uniq.dtype
    assert np.array_equal(got_uniq, uniq)
    assert np.array_equal(got_codes, inv.ravel())


@pytest.mark.parametrize(
    "words",
    [
        ["B", "A", "C", "A"],  # <U1: the code point is the key
        ["西部", "华东", "华北", "华东", ""],  # <U2, Chinese, an empty string
        ["app", "offline", "partner", "app", "ap", "appp"],  # prefixes of each other
        ["x" * 40, "x" * 39 + "y", "x" * 40],  # long strings
    ],
)
def test_equals_numpy_unique(words: list[str]) -> None:
    rng = np.random.default_rng(3)
    values = np.array(words)[rng.integers(0, len(words), 10_000)]
    _same_as_numpy(values)


def test_other_dtypes_and_empty_use_numpy() -> None:
    _same_as_numpy(np.array([3, 1, 2, 1]))
    _same_as_numpy(np.array([], dtype="<U3"))
    _same_as_numpy(np.array(["b", None, "a"], dtype=object)[[0, 2, 0]])


def test_a_hash_collision_falls_back_to_the_sort(monkeypatch: pytest.MonkeyPatch) -> None:
    def one_hash(arr: np.ndarray) -> tuple[np.ndarray, bool]:
        return np.zeros(arr.size, dtype=np.uint64), False  # every string collides

    monkeypatch.setattr(codes, "_row_keys", one_hash)
    values: Any = np.array(["abc", "abd", "abc", "zzz"])
    _same_as_numpy(values)

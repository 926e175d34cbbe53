"""``unique_inverse`` returns exactly ``np.unique(values, return_inverse=True)`` (the reference),
for short and long strings, Chinese text, empty strings and other dtypes, and falls back to the
sort when two different strings share a hash."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from abs_model.core import codes
from abs_model.core.codes import search_few, unique_inverse


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


# ----------------------------------------------------------------------------- search_few
def test_search_few_left_is_searchsorted_left_on_the_band_edges() -> None:
    """One comparison pass per edge is ``np.searchsorted(edges, v, "left")`` (the strats' bands):
    values on an edge, a hair either side of it, beyond the last, infinite and NaN included."""
    from abs_model.collateral.fields import APR_BANDS, BALANCE_BANDS, FEE_BANDS, INTEREST_BANDS

    rng = np.random.default_rng(7)
    for edges in (BALANCE_BANDS, APR_BANDS, FEE_BANDS, INTEREST_BANDS):
        e = np.asarray(edges, dtype=np.float64)
        top = float(e[np.isfinite(e)].max())
        v = np.concatenate([rng.random(2_000) * top * 1.3, e, np.nextafter(e, -np.inf), np.nextafter(e, np.inf),
                            [np.nan, np.inf, -np.inf, 0.0, -0.0, -1.0]])
        got, want = search_few(edges, v), np.searchsorted(e, v, side="left")
        assert got.dtype == want.dtype and np.array_equal(got, want), edges


def test_search_few_right_is_searchsorted_right_ties_and_many_edges() -> None:
    """``side="right"`` (the synthetic draws): a value equal to an edge counts it; equal edges,
    as zero weights make, count twice; more edges than a byte counts."""
    rng = np.random.default_rng(5)
    edges = np.array([0.1, 0.25, 0.25, 0.6, 1.0])
    values = np.concatenate([rng.random(10_000), edges, [0.0, 0.9999999999999999, np.nan]])
    got = search_few(edges, values, side="right")
    np.testing.assert_array_equal(got, np.searchsorted(edges, values, side="right"))
    assert got.dtype == np.intp
    many = np.linspace(0.0, 1.0, 300)
    np.testing.assert_array_equal(search_few(many, values, side="right"), np.searchsorted(many, values, side="right"))


def test_search_few_names_a_bad_side() -> None:
    with pytest.raises(ValueError, match="side: must be 'left' or 'right'; got 'middle'"):
        search_few([1.0], np.zeros(2), side="middle")

"""Codes of a column without sorting its rows: sorted distinct values of short strings and each
row's code (:func:`unique_inverse`); positions among a few sorted edges (:func:`search_few`).

``np.unique(values, return_inverse=True)`` sorts every row; a pool's segment columns (region,
channel, score band) hold a handful of distinct strings over millions of rows, so
:func:`unique_inverse` hashes the rows instead (each fixed-width string read as its UCS-4 code
points), sorts only the distinct values, and returns exactly what ``np.unique`` returns. A hash
collision cannot go unnoticed: every row is compared with its group's representative, and on a
mismatch (or for values that are not fixed-width strings) the sort is used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from abs_model.errors import must

__all__ = ["search_few", "unique_inverse"]

_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier (Fibonacci hashing)


def _row_keys(arr: np.ndarray) -> tuple[np.ndarray, bool]:
    """One integer per row and whether it is exact: the code points themselves for strings of at
    most 2 characters (``<U1``, ``<U2``), else a polynomial hash of them (wrapping on overflow)."""
    width = arr.dtype.itemsize // 4
    if width == 1:
        return arr.view(np.uint32), True
    if width == 2:
        return arr.view(np.uint64), True
    points = arr.view(np.uint32).reshape(arr.size, width)
    weights = (np.arange(1, width + 1, dtype=np.uint64) * _MULT) | np.uint64(1)
    return points.astype(np.uint64) @ weights, False


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(uniq, codes)`` equal to ``np.unique(values, return_inverse=True)`` (``codes`` flat).

    Defined as: ``uniq`` the distinct values in ascending order, ``codes[i]`` the position of
    ``values[i]`` in ``uniq``. Fast path for 1-D fixed-width unicode arrays (``<U…``).
    """
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.dtype.kind != "U" or arr.dtype.itemsize == 0 or arr.size == 0:
        uniq, inv = np.unique(arr, return_inverse=True)
        return uniq, inv.ravel()
    arr = np.ascontiguousarray(arr)
    keys, exact = _row_keys(arr)
    first_codes, distinct = pd.factorize(keys, sort=False)
    first = np.empty(len(distinct), dtype=np.int64)
    first[first_codes[::-1]] = np.arange(arr.size - 1, -1, -1)  # the first row of each key
    points = arr.view(np.uint32).reshape(arr.size, -1)
    if not exact and not np.array_equal(points, points[first][first_codes]):  # a collision: two strings, one hash
        uniq, inv = np.unique(arr, return_inverse=True)
        return uniq, inv.ravel()
    reps = arr[first]
    order = np.argsort(reps, kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return reps[order], rank[first_codes]


def search_few(edges: Sequence[float] | np.ndarray, values: np.ndarray, *, side: str = "left") -> np.ndarray:
    """``np.searchsorted(edges, values, side=side)`` (intp) for a few sorted ``edges``: one
    comparison pass per edge instead of a binary search per value, counted in bytes below 256
    edges (half the memory traffic).

    Defined as the number of edges below each value (``side="left"``) or at or below it
    (``"right"``); a NaN value after every edge, as the sort puts it.
    """
    if side not in ("left", "right"):
        raise must("side", "must be 'left' or 'right'", side)
    values = np.asarray(values)
    out = np.zeros(values.shape, dtype=np.uint8 if len(edges) < 256 else np.intp)
    for e in edges:
        out += (values > e) if side == "left" else (values >= e)
    out = out.astype(np.intp)
    if values.dtype.kind == "f":
        out[np.isnan(values)] = len(edges)
    return out

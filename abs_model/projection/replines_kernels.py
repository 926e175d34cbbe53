"""Compiled single passes of the rep-line compression (:mod:`abs_model.projection.replines`).

:func:`dense_sums` does in one pass over the loans, in tape order, what the numpy block loop of
:func:`abs_model.projection.replines._dense_sums` does in several (the key, three scattered sums
and the gather of the interest-bearing loans): every bin adds its loans one after the other from
0 in tape order, each flat fee weight rounded to float64 before it is added (no fused
multiply-add: no fast-math), so the results are the numpy path's bit for bit. It runs compiled by
numba through :mod:`tranches.compiled` (:func:`use` decides); ``dense_sums.py_func`` is the same
body as plain Python. The tests compare the three.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tranches import compiled

#: Loans from which :func:`use` runs the compression's kernels compiled under the "auto" mode.
#: A pool is compressed once (``Pool.derived``) and the compiled passes save about 10 ns a loan,
#: while loading numba and the cached kernels costs about 0.4 s once per process (seconds more the
#: very first time, to compile them): one compression pays that back only from some 2²⁵ loans.
#: A long session that compresses many pools (a pricing service, a notebook, Dask workers) sets
#: the mode "on" (``ABS_MODEL_COMPILED=on`` or ``tranches.compiled.set_mode("on")``).
THRESHOLD = 1 << 25


def use(n: int) -> bool:
    """Whether the compression of ``n`` loans runs the compiled kernel (the mode of
    :mod:`tranches.compiled`, this threshold, numba installed)."""
    return compiled.use(n, THRESHOLD)


@compiled.kernel
def dense_sums(product: np.ndarray, bucket: np.ndarray, term: np.ndarray, remaining: np.ndarray,
               current: np.ndarray, rate: np.ndarray, original: np.ndarray, rank: np.ndarray,
               n_p: int, n_b: int, n_r: int, size: int, level: int, equal: int) -> tuple[np.ndarray, ...]:
    """Count, balance and flat fee weight ``rate × original principal`` summed per dense key, and
    the interest-bearing loans' (product ``level`` or ``equal``) keys, rates and balances in tape
    order. The key of a loan is ``(rank[term] · n_r + remaining) · n_b·n_p + (bucket · n_p +
    product)`` (``rank`` the identity table when terms are keyed as they are), as
    :meth:`abs_model.projection.replines.Keying.fill` builds it. The gathered arrays are views of
    buffers as long as the pool (not copied: only their first pages are ever written), for the
    compression's temporaries only."""
    n = current.size
    counts = np.zeros(size, dtype=np.int64)
    balance = np.zeros(size, dtype=np.float64)
    fee = np.zeros(size, dtype=np.float64)
    i_key = np.empty(n, dtype=np.int64)
    i_rate = np.empty(n, dtype=np.float64)
    i_balance = np.empty(n, dtype=np.float64)
    pair = n_b * n_p
    m = 0
    for i in range(n):
        p = np.int64(product[i])
        k = (np.int64(rank[term[i]]) * n_r + np.int64(remaining[i])) * pair + (np.int64(bucket[i]) * n_p + p)
        cur = current[i]
        r = rate[i]
        w = r * original[i]
        counts[k] += 1
        balance[k] += cur
        fee[k] += w
        if p == level or p == equal:  # noqa: SIM109 - a tuple membership compiles to a slower loop in numba
            i_key[m] = k
            i_rate[m] = r
            i_balance[m] = cur
            m += 1
    return counts, balance, fee, i_key[:m], i_rate[:m], i_balance[:m]


#: Odd multiplier of the hash of :func:`factorize` (below 2⁶³: an int64 in numba, whose product
#: wraps; plain Python's does not, which moves slots, never the result).
_MIX = 6364136223846793005
#: Most distinct values :func:`factorize` tells apart (its table has twice as many slots); beyond,
#: ``pandas.factorize``.
MAX_DISTINCT = 1 << 15


def factorize_table(n: int) -> int:
    """The slots of :func:`factorize`'s table for ``n`` values: the power of two at least twice
    ``min(n, MAX_DISTINCT)`` (at least 2)."""
    return 1 << max(1, (2 * min(n, MAX_DISTINCT) - 1).bit_length())


#: Distinct values :func:`factorize_int64` looks for in a small table first (a table of twice as
#: many slots stays in the cache), before one sized for every value.
SMALL_TABLE = 1 << 11


def factorize_int64(values: np.ndarray, *, fast: bool) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize`` of an int64 array: each value's code (rank of first appearance) and the
    distinct values in that order; when ``fast``, by the compiled kernel (:func:`factorize`: the
    same arrays), with a small table first, then one for every value (up to
    :data:`MAX_DISTINCT` distinct values), else by pandas."""
    if fast:
        full = factorize_table(values.size)
        for cap in sorted({min(full, 2 * SMALL_TABLE), full}):
            codes, uniques, ok = factorize(values, cap)
            if ok:
                return codes, uniques
    codes, uniques = pd.factorize(values)
    return codes, np.asarray(uniques, dtype=np.int64)


@compiled.kernel
def factorize(values: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Each value's code, the rank of its first appearance, and the distinct values in order of
    first appearance: what ``pandas.factorize`` gives for an int64 array (which has no missing
    value), by an open-addressing hash table of ``cap`` slots (a power of two). Third: whether
    the values fit, at most ``cap // 2`` distinct ones (else the first two are empty)."""
    n = values.size
    mask = cap - 1
    limit = cap // 2
    keys = np.empty(cap, dtype=np.int64)
    slot = np.full(cap, -1, dtype=np.int64)  # slot -> code, -1 when empty
    uniques = np.empty(limit, dtype=np.int64)
    codes = np.empty(n, dtype=np.int64)
    u = 0
    for i in range(n):
        x = values[i]
        h = ((int(x) * _MIX) >> 40) & mask
        while slot[h] >= 0 and keys[h] != x:
            h = (h + 1) & mask
        if slot[h] >= 0:
            codes[i] = slot[h]
            continue
        if u == limit:
            return codes[:0], uniques[:0], False
        slot[h] = u
        keys[h] = x
        uniques[u] = x
        codes[i] = u
        u += 1
    return codes, uniques[:u].copy(), True


@compiled.kernel
def loan_lines(product: np.ndarray, bucket: np.ndarray, term: np.ndarray, remaining: np.ndarray, rate: np.ndarray,
               rank: np.ndarray, n_p: int, n_b: int, n_r: int, code: np.ndarray, level: int,
               equal: int) -> tuple[np.ndarray, ...]:
    """Each loan's line ``code[key]`` (int32; the key as :func:`dense_sums` builds it) for loans of
    other products than ``level`` and ``equal``, and the interest-bearing loans' positions, keys
    and rates in tape order (their lines, -1 here, come from their (key, rate) pairs). The gathered
    arrays are views of buffers as long as the pool."""
    n = product.size
    line = np.empty(n, dtype=np.int32)
    idx = np.empty(n, dtype=np.int64)
    i_key = np.empty(n, dtype=np.int64)
    i_rate = np.empty(n, dtype=np.float64)
    pair = n_b * n_p
    m = 0
    for i in range(n):
        p = np.int64(product[i])
        k = (np.int64(rank[term[i]]) * n_r + np.int64(remaining[i])) * pair + (np.int64(bucket[i]) * n_p + p)
        if p == level or p == equal:  # noqa: SIM109 - a tuple membership compiles to a slower loop in numba
            line[i] = -1
            idx[m] = i
            i_key[m] = k
            i_rate[m] = rate[i]
            m += 1
        else:
            line[i] = code[k]
    return line, idx[:m], i_key[:m], i_rate[:m]


@compiled.kernel
def group_sums(line: np.ndarray, group: np.ndarray, n_groups: int, size: int, current: np.ndarray, rate: np.ndarray,
               original: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, balance and flat fee weight ``rate × original principal`` summed per bin
    ``line · n_groups + group`` in one pass, each bin adding its loans in tape order: what three
    ``np.bincount`` passes over that key give (they add in index order), bit for bit."""
    counts = np.zeros(size, dtype=np.int64)
    balance = np.zeros(size, dtype=np.float64)
    fee = np.zeros(size, dtype=np.float64)
    for i in range(line.size):
        k = np.int64(line[i]) * n_groups + np.int64(group[i])
        w = rate[i] * original[i]
        counts[k] += 1
        balance[k] += current[i]
        fee[k] += w
    return counts, balance, fee

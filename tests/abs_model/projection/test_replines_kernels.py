"""The rep-line compression's compiled single pass (:mod:`abs_model.projection.replines_kernels`)
against the numpy block loop it replaces (:func:`abs_model.projection.replines._dense_sums` under
the mode "off"), bit for bit: the same counts, the same sums (each bin adds its loans in tape
order), the same interest-bearing loans gathered in tape order. The kernel's body is checked as
plain Python (``.py_func``, without numba) and compiled (skipped when numba is absent).

Worked example (by hand): the key of a loan is ``(term · n_r + remaining) · n_b·n_p + bucket · n_p
+ product``, each digit's count one above the pool's largest value. Two flat-fee loans (product 0),
current, 12 instalments with 10 left, and a level-payment loan (product 1) in bucket 2 with 9
left: n_p = 2, n_b = 3, n_r = 11, terms keyed as they are (n_t = 13), 13·11·3·2 = 858 bins. The
flat-fee loans share key (12·11 + 10)·6 + 0 = 852; the level-payment loan has key
(12·11 + 9)·6 + 2·2 + 1 = 851. Balances 1,000 and 500, original principals 1,200 and 600 at
0.6 %: bin 852 counts 2, holds 1,500 and the flat fee weight 0.006·1,200 + 0.006·600; bin 851
counts 1, holds 900 and 0.01·1,000 (its weight, dropped later on interest-bearing lines), and the
level-payment loan is gathered (key 851, rate 0.01, balance 900).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from abs_model.assumptions.assumptions import Assumptions, RollRates, SegmentOverride
from abs_model.collateral.pool import Pool
from abs_model.collateral.synthetic import synthetic_pool
from abs_model.projection import replines, replines_kernels
from abs_model.projection.engine import project
from tests.abs_model.projection.compiled_modes import compiled_mode, needs_numba

SUMS = ("counts", "balance", "fee", "i_key", "i_rate", "i_balance")


def numpy_sums(pool: Pool, keying: replines.Keying) -> tuple[np.ndarray, ...]:
    with compiled_mode("off"):
        return replines._dense_sums(pool, keying)


def kernel_args(pool: Pool, keying: replines.Keying) -> tuple[object, ...]:
    rank = keying.rank(np.int64)
    if rank is None:
        rank = np.arange(keying.n_t, dtype=np.int64)
    return (pool.product, pool.bucket, pool.original_term, pool.remaining_term, pool.current_principal, pool.rate,
            pool.original_principal, rank, keying.n_p, keying.n_b, keying.n_r, keying.space, 1, 2)


def assert_same_sums(got: tuple[np.ndarray, ...], want: tuple[np.ndarray, ...]) -> None:
    assert len(got) == len(want) == len(SUMS)
    for name, g, w in zip(SUMS, got, want, strict=True):
        assert g.dtype == w.dtype, name
        assert g.tobytes() == w.tobytes(), name  # bit for bit (NaN and -0.0 included)


def worked_pool() -> Pool:
    return Pool.from_arrays(
        loan_id=["a", "b", "c"], original_principal=[1200.0, 600.0, 1000.0], current_principal=[1000.0, 500.0, 900.0],
        original_term=[12, 12, 12], remaining_term=[10, 10, 9], product=["flat_fee", "flat_fee", "level_payment"],
        rate=[0.006, 0.006, 0.01], bucket=[0, 0, 2],
    )


def random_pool(seed: int, n: int, *, long_terms: bool = False) -> Pool:
    """Many loans per bin, balances of every magnitude (the order of the additions shows in the
    last bits), all four products, a few NaN and signed-zero rates (a pool built by hand)."""
    rng = np.random.default_rng(seed)
    terms = np.array([1, 3, 6, 12, 24, 360] if long_terms else [1, 3, 6, 12, 24])
    term = rng.choice(terms, n)
    pool = Pool.from_arrays(
        loan_id=np.arange(n).astype(str), original_principal=10.0 ** rng.uniform(1, 7, n),
        current_principal=10.0 ** rng.uniform(0, 7, n), original_term=term,
        remaining_term=np.maximum(1, (rng.uniform(0, 1, n) * term).astype(np.int64)),
        product=rng.integers(0, 4, n).astype(np.int8), rate=rng.choice([0.0, 0.005, 0.1, 0.18, 0.2400000001], n),
        bucket=rng.integers(0, 7, n).astype(np.int8),
    )
    rate = pool.rate.copy()
    rate[rng.integers(0, n, 5)] = np.nan
    rate[rng.integers(0, n, 5)] = -0.0
    return dataclasses.replace(pool, rate=rate)


def test_worked_example_by_hand() -> None:
    pool = worked_pool()
    keying = replines._keying(pool, replines.DENSE_BINS, replines.RAW_TERM_BINS)
    assert keying == replines.Keying(n_p=2, n_b=3, n_r=11, n_t=13, terms=None) and keying.space == 858
    counts, balance, fee, i_key, i_rate, i_balance = replines_kernels.dense_sums.py_func(*kernel_args(pool, keying))
    assert counts.size == 858 and np.flatnonzero(counts).tolist() == [851, 852]
    assert (counts[852], balance[852], fee[852]) == (2, 1500.0, 0.006 * 1200.0 + 0.006 * 600.0)
    assert (counts[851], balance[851], fee[851]) == (1, 900.0, 0.01 * 1000.0)
    assert (i_key.tolist(), i_rate.tolist(), i_balance.tolist()) == ([851], [0.01], [900.0])
    assert_same_sums((counts, balance, fee, i_key, i_rate, i_balance), numpy_sums(pool, keying))


@pytest.mark.parametrize("seed, n, long_terms, block", [
    (1, 3000, False, replines.BLOCK), (2, 3000, True, replines.BLOCK), (3, 2500, False, 257), (4, 1, False, replines.BLOCK),
])
def test_the_kernels_python_body_gives_the_block_loop_bit_for_bit(
    seed: int, n: int, long_terms: bool, block: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # terms keyed as they are, or ranked (long terms); one block or many; one loan
    pool = random_pool(seed, n, long_terms=long_terms)
    monkeypatch.setattr(replines, "BLOCK", block)
    for keying in (replines._keying(pool, replines.DENSE_BINS, replines.RAW_TERM_BINS),
                   replines._keying(pool, replines.DENSE_BINS, 0)):  # terms ranked
        assert keying is not None
        assert_same_sums(replines_kernels.dense_sums.py_func(*kernel_args(pool, keying)), numpy_sums(pool, keying))


@needs_numba
@pytest.mark.parametrize("seed, n, long_terms", [(5, 200_000, False), (6, 100_000, True), (7, 1, False)])
def test_the_compiled_kernel_gives_the_block_loop_bit_for_bit(seed: int, n: int, long_terms: bool) -> None:
    pool = random_pool(seed, n, long_terms=long_terms)
    for keying in (replines._keying(pool, replines.DENSE_BINS, replines.RAW_TERM_BINS),
                   replines._keying(pool, replines.DENSE_BINS, 0)):
        assert keying is not None
        want = numpy_sums(pool, keying)
        assert_same_sums(replines_kernels.dense_sums(*kernel_args(pool, keying)), want)
        with compiled_mode("on"):  # through the compression's own dispatch
            assert_same_sums(replines._dense_sums(pool, keying), want)


def spy_kernel(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calls of the compiled kernel (the calls pass through to it)."""
    calls: list[int] = []
    kernel = replines_kernels.dense_sums

    def spy(*args: object) -> object:
        calls.append(len(args[4]))  # type: ignore[arg-type]
        return kernel(*args)

    monkeypatch.setattr(replines_kernels, "dense_sums", spy)
    return calls


LINE_FIELDS = ("product", "original_term", "remaining", "bucket", "rate", "balance", "flat_fee", "count")


@needs_numba
def test_a_pool_above_the_threshold_compresses_compiled_to_the_numpy_paths_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replines_kernels, "THRESHOLD", 1 << 16)  # a smaller threshold, the same rule
    pool = synthetic_pool(replines_kernels.THRESHOLD + 5000, seed=11)
    want_pool, got_pool = dataclasses.replace(pool), dataclasses.replace(pool)
    with compiled_mode("off"):
        want = replines.pool_lines(want_pool)
    calls = spy_kernel(monkeypatch)
    with compiled_mode("auto"):  # from the threshold, "auto" runs the kernel
        got = replines.pool_lines(got_pool)
    assert calls == [pool.n]
    for f in LINE_FIELDS:
        assert getattr(got, f).tobytes() == getattr(want, f).tobytes(), f
    assert np.array_equal(replines.line_of_loan(got_pool), replines.line_of_loan(want_pool))  # each loan's line
    # and the projections of every assumption shape: the same frame, bit for bit
    roll = RollRates.simple(roll=[0.02, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0])
    region = str(pool.segments["region"][0])
    by_region = [SegmentOverride(column="region", value=region, cpr=0.3)]
    for a in (Assumptions.make(cpr=0.2, roll_rates=roll, recovery_rate=0.1, recovery_lag=3),
              Assumptions.make(cpr=0.2, segment_overrides=by_region),
              Assumptions.make(cpr=0.2, roll_rates=roll, rounding="cents"),
              Assumptions.make(cpr=0.2, roll_rates=roll, rounding="cents", segment_overrides=by_region)):
        with compiled_mode("off"):
            want_frame = project(dataclasses.replace(pool), a).frame
        with compiled_mode("on"):
            pd.testing.assert_frame_equal(project(dataclasses.replace(pool), a).frame, want_frame, check_exact=True)


def test_below_the_threshold_auto_stays_on_numpy_and_off_never_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replines_kernels, "THRESHOLD", 1 << 16)
    calls = spy_kernel(monkeypatch)
    small = synthetic_pool(2000, seed=12)
    with compiled_mode("auto"):
        assert not replines_kernels.use(small.n)
        replines.pool_lines(dataclasses.replace(small))
    big = synthetic_pool(replines_kernels.THRESHOLD, seed=12)
    with compiled_mode("off"):
        assert not replines_kernels.use(big.n)
        replines.pool_lines(dataclasses.replace(big))
    assert calls == []


# ---------------------------------------------------------------- factorize (rate codes, pairs)
# The kernel's codes and distinct values are pandas.factorize's for int64 arrays (codes by first
# appearance), bit for bit; with more distinct values than its table holds it says so, and the
# compression falls back to pandas.

def int64_cases() -> list[np.ndarray]:
    rng = np.random.default_rng(21)
    big = np.iinfo(np.int64)
    return [
        np.array([5, 3, 5, 9, 3, 3], dtype=np.int64),  # by hand: codes 0 1 0 2 1 1, values 5 3 9
        np.zeros(0, dtype=np.int64),
        np.array([big.min, big.max, -1, 0, big.min, 1], dtype=np.int64),
        rng.integers(-6, 6, 5000),
        rng.integers(big.min, big.max, 3000),  # every value distinct
        np.arange(4000, dtype=np.int64) * 4096,  # structured keys (low bits all zero)
        rng.choice([0.0, -0.0, 0.1, 0.18, np.nan, 0.2400000001], 4000).view(np.int64),  # rate bit patterns
    ]


def test_the_kernels_python_body_factorizes_as_pandas() -> None:
    codes, uniques, ok = replines_kernels.factorize.py_func(int64_cases()[0], 8)
    assert ok and codes.tolist() == [0, 1, 0, 2, 1, 1] and uniques.tolist() == [5, 3, 9]
    for values in int64_cases():
        codes, uniques, ok = replines_kernels.factorize.py_func(values, replines_kernels.factorize_table(values.size))
        want_codes, want_uniques = pd.factorize(values)
        assert ok
        assert np.array_equal(codes, want_codes) and np.array_equal(uniques, want_uniques)
    # four distinct values do not fit a table of 4 slots (2 distinct at most): said, nothing returned
    codes, uniques, ok = replines_kernels.factorize.py_func(int64_cases()[2], 4)
    assert not ok and codes.size == 0 and uniques.size == 0


@needs_numba
def test_the_compiled_factorize_gives_pandas_codes_and_values() -> None:
    for values in int64_cases():
        for cap in (replines_kernels.factorize_table(values.size), 1 << 12):
            codes, uniques, ok = replines_kernels.factorize(values, cap)
            want_codes, want_uniques = pd.factorize(values)
            if len(want_uniques) > cap // 2:
                assert not ok
                continue
            assert ok and codes.dtype == want_codes.dtype and uniques.dtype == want_uniques.dtype
            assert np.array_equal(codes, want_codes) and np.array_equal(uniques, want_uniques)


@needs_numba
@pytest.mark.parametrize("max_distinct", [2, 1 << 15])
def test_the_compressions_factorize_is_pandas_whichever_path(max_distinct: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # with a table too small (at most 2 distinct values) the compression falls back to pandas
    monkeypatch.setattr(replines_kernels, "MAX_DISTINCT", max_distinct)
    monkeypatch.setattr(replines_kernels, "SMALL_TABLE", 1)
    for values in int64_cases():
        want_codes, want_uniques = pd.factorize(values)
        for fast in (False, True):
            codes, uniques = replines_kernels.factorize_int64(values, fast=fast)
            assert np.array_equal(codes, want_codes) and uniques.tobytes() == want_uniques.tobytes()


# ---------------------------------------------------------------- each loan's line
# line_of_loan by one compiled pass (replines_kernels.loan_lines) and the same rate codes and
# pairs: the numpy path's int32 array, bit for bit.

def numpy_line_of_loan(pool: Pool, *, raw_term_bins: int = replines.RAW_TERM_BINS) -> np.ndarray:
    fresh = dataclasses.replace(pool)
    with compiled_mode("off"):
        fresh.derived("replines.pool_lines", lambda p: replines._compress(p, raw_term_bins=raw_term_bins))
        return replines.line_of_loan(fresh)


@pytest.mark.parametrize("seed, n, long_terms", [(31, 3000, False), (32, 3000, True), (33, 1, False)])
def test_the_python_bodies_give_each_loans_line_as_numpy(seed: int, n: int, long_terms: bool,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # the compiled path's logic with the kernels' plain Python bodies (runs without numba)
    pool = random_pool(seed, n, long_terms=long_terms)
    monkeypatch.setattr(replines_kernels, "loan_lines", replines_kernels.loan_lines.py_func)
    monkeypatch.setattr(replines_kernels, "factorize", replines_kernels.factorize.py_func)
    for raw in (replines.RAW_TERM_BINS, 0):
        want = numpy_line_of_loan(pool, raw_term_bins=raw)
        base = replines._compress(pool, raw_term_bins=raw)
        assert base.keying is not None and base.code is not None
        got = replines._line_of_loan_compiled(pool, base.keying, base.code)
        assert got.dtype == want.dtype == np.int32 and np.array_equal(got, want)


@needs_numba
@pytest.mark.parametrize("seed, n, long_terms", [(34, 150_000, False), (35, 100_000, True)])
def test_each_loans_line_compiled_is_the_numpy_paths(seed: int, n: int, long_terms: bool) -> None:
    pool = random_pool(seed, n, long_terms=long_terms)
    for raw in (replines.RAW_TERM_BINS, 0):
        want = numpy_line_of_loan(pool, raw_term_bins=raw)
        fresh = dataclasses.replace(pool)
        with compiled_mode("on"):
            fresh.derived("replines.pool_lines", lambda p, raw=raw: replines._compress(p, raw_term_bins=raw))
            got = replines.line_of_loan(fresh)
        assert got.dtype == np.int32 and np.array_equal(got, want) and not got.flags.writeable


# ---------------------------------------------------------------- sums per (line, segment)
# replines_kernels.group_sums: the three bincounts of the segment split in one pass, bit for bit.

def bincounts(line: np.ndarray, group: np.ndarray, n_groups: int, size: int, pool: Pool) -> tuple[np.ndarray, ...]:
    key = line.astype(np.int64) * n_groups + group
    return (np.bincount(key, minlength=size), np.bincount(key, weights=pool.current_principal, minlength=size),
            np.bincount(key, weights=pool.rate * pool.original_principal, minlength=size))


def group_case(seed: int, n: int) -> tuple[tuple[object, ...], tuple[np.ndarray, ...]]:
    pool = random_pool(seed, n)
    rng = np.random.default_rng(seed)
    n_lines, n_groups = 37, 4
    line = rng.integers(0, n_lines, n).astype(np.int32)
    group = rng.integers(0, n_groups, n).astype(np.int64)
    size = n_lines * n_groups
    args = (line, group, n_groups, size, pool.current_principal, pool.rate, pool.original_principal)
    return args, bincounts(line, group, n_groups, size, pool)


def test_the_group_sums_python_body_gives_the_bincounts_bit_for_bit() -> None:
    # by hand: loans on lines 0, 1, 0 in groups 1, 0, 1 (2 groups, 4 bins): bin 1 holds loans 1
    # and 3, bin 2 loan 2
    line, group = np.array([0, 1, 0], dtype=np.int32), np.array([1, 0, 1])
    cur, rate, orig = np.array([10.0, 20.0, 30.0]), np.array([0.01, 0.02, 0.03]), np.array([100.0, 200.0, 300.0])
    counts, balance, fee = replines_kernels.group_sums.py_func(line, group, 2, 4, cur, rate, orig)
    assert counts.tolist() == [0, 2, 1, 0] and balance.tolist() == [0.0, 40.0, 20.0, 0.0]
    assert fee.tolist() == [0.0, 0.01 * 100.0 + 0.03 * 300.0, 0.02 * 200.0, 0.0]
    for seed, n in ((41, 3000), (42, 1)):
        args, want = group_case(seed, n)
        assert_same_sums3(replines_kernels.group_sums.py_func(*args), want)


def assert_same_sums3(got: tuple[np.ndarray, ...], want: tuple[np.ndarray, ...]) -> None:
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype and g.tobytes() == w.tobytes()


@needs_numba
def test_the_compiled_group_sums_give_the_bincounts_bit_for_bit() -> None:
    for seed, n in ((44, 200_000), (45, 1)):
        args, want = group_case(seed, n)
        assert_same_sums3(replines_kernels.group_sums(*args), want)

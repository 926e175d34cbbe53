"""Rep-line compression against a plain reference: a pandas ``groupby`` of the loans on the
rep-line key, with each line's sums added loan by loan in tape order.

The key (module doc of :mod:`abs_model.projection.replines`): product, cut-off bucket, original
term, remaining term, the interest rate of interest-bearing products (level payment, equal
principal; flat-fee and bullet loans key on 0), the segment bits (one per matching override) and,
with a legal threshold, whether the balance reaches it. Per line: the balance, the flat fee
``Σ rate × original principal`` (flat-fee and bullet lines only; 0 on interest-bearing lines) and
the count. Sums are compared bit for bit (the reference adds the loans in the same order); the
``groupby`` sums, whose order may differ, to 1e-12 relative.

Example (worked by hand): three flat-fee loans, 12 instalments, 10 left, current, fee 0.6 % a
period; two of them (balances 1,000 and 500, original 1,200 and 600) share a line: balance 1,500,
flat fee 0.006 × 1,800 = 10.80, count 2. Two level-payment loans with the same terms at 10 % and
18 % a year make two lines (the rate is in the key); at 10 % both.
"""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abs_model.assumptions.assumptions import Assumptions, RollRates, SegmentOverride
from abs_model.assumptions.servicing import ChargeOffPath, CollectionStrategy
from abs_model.collateral.pool import Pool
from abs_model.errors import ConservationError
from abs_model.projection import replines
from abs_model.projection.engine import project
from abs_model.projection.replines import Lines, line_of_loan, rep_lines
from tests.abs_model.projection.compiled_modes import compiled_mode

REL = 1e-12
INTEREST = ("level_payment", "equal_principal")
KEY = ["product", "bucket", "original_term", "remaining_term", "rate_key", "group"]


def reference_rep_lines(pool: Pool, a: Assumptions, *, per_loan: bool = False) -> pd.DataFrame:
    """One row per rep-line, by ``groupby`` on the key, sorted by (product, bucket, original term,
    remaining term, rank of the rate among interest-bearing loans by first appearance, group);
    ``balance``, ``flat_fee``, ``count`` added loan by loan in tape order (``*_groupby``: pandas'
    own sums). ``per_loan``: the loans' keys instead, one row per loan."""
    product = pool.product.astype(np.int64)
    interest = np.isin(product, [1, 2])  # level payment, equal principal
    flat = ~interest
    group = np.zeros(pool.n, dtype=np.int64)
    for i, o in enumerate(a.segment_overrides):
        if o.column == "product":
            col: np.ndarray = np.array(["flat_fee", "level_payment", "equal_principal", "bullet"])[product]
        elif o.column == "original_term":
            col = pool.original_term
        else:
            col = pool.segments[o.column]
        group += (col == o.value).astype(np.int64) << i
    path = a.collections.charge_off if a.collections is not None else None
    if path is not None and path.legal_share > 0 and path.legal_min_balance > 0:
        group += (pool.current_principal >= path.legal_min_balance).astype(np.int64) << len(a.segment_overrides)
    rates_seen = list(dict.fromkeys(pool.rate[interest].tolist()))  # distinct rates, first appearance first
    df = pd.DataFrame({
        "product": product,
        "bucket": pool.bucket.astype(np.int64),
        "original_term": pool.original_term.astype(np.int64),
        "remaining_term": pool.remaining_term.astype(np.int64),
        "rate_key": np.where(interest, pool.rate, 0.0),
        "rate_rank": [rates_seen.index(r) + 1 if i else 0 for r, i in zip(pool.rate.tolist(), interest, strict=True)],
        "group": group,
        "balance": pool.current_principal,
        "fee": np.where(flat, pool.rate * pool.original_principal, 0.0),
    })
    if per_loan:
        return df
    by = df.groupby(KEY, sort=True)
    out = by.agg(rate_rank=("rate_rank", "first"), balance_groupby=("balance", "sum"), flat_fee_groupby=("fee", "sum"),
                 count=("balance", "size")).reset_index()
    line = by.ngroup().to_numpy()
    balance = np.zeros(len(out))
    flat_fee = np.zeros(len(out))
    for i in range(pool.n):  # plain sums, loan by loan in tape order
        balance[line[i]] += pool.current_principal[i]
        flat_fee[line[i]] += df["fee"].iat[i]
    out["balance"], out["flat_fee"] = balance, flat_fee
    order = ["product", "bucket", "original_term", "remaining_term", "rate_rank", "group"]
    return out.sort_values(order, kind="stable").reset_index(drop=True)


def assert_lines_equal_reference(lines: Lines, ref: pd.DataFrame, a: Assumptions) -> None:
    assert len(lines) == len(ref)
    roll = a.roll_rates is not None
    np.testing.assert_array_equal(lines.product, ref["product"])
    np.testing.assert_array_equal(lines.bucket, ref["bucket"])
    np.testing.assert_array_equal(lines.original_term, ref["original_term"])
    np.testing.assert_array_equal(lines.n, ref["remaining_term"] + (ref["bucket"] if roll else 0))
    np.testing.assert_array_equal(lines.age, ref["original_term"] - ref["remaining_term"])
    np.testing.assert_array_equal(lines.rate, ref["rate_key"])
    np.testing.assert_array_equal(lines.group, ref["group"])
    np.testing.assert_array_equal(lines.count, ref["count"].astype(np.float64))
    # bit for bit against the sums added in tape order
    np.testing.assert_array_equal(lines.balance, ref["balance"])
    np.testing.assert_array_equal(lines.flat_fee, ref["flat_fee"])
    np.testing.assert_allclose(lines.balance, ref["balance_groupby"], rtol=REL, atol=0)
    np.testing.assert_allclose(lines.flat_fee, ref["flat_fee_groupby"], rtol=REL, atol=0)


def pool_of(rows: list[dict[str, object]]) -> Pool:
    return Pool.from_arrays(**{k: [r[k] for r in rows] for k in rows[0]})  # type: ignore[arg-type]


def unchecked_pool_of(rows: list[dict[str, object]]) -> Pool:
    """A pool whose terms ``Pool.from_arrays`` refuses (negative, beyond 360), to reach the hashed
    keying path: built with valid terms, then its term arrays replaced."""
    pool = pool_of([{**r, "original_term": 12, "remaining_term": 1} for r in rows])
    terms = {k: np.array([r[k] for r in rows], dtype=np.int32) for k in ("original_term", "remaining_term")}
    return dataclasses.replace(pool, **terms)


def test_worked_example_by_hand() -> None:
    rows = [
        dict(loan_id="a", original_principal=1200.0, current_principal=1000.0, original_term=12, remaining_term=10,
             product="flat_fee", rate=0.006),
        dict(loan_id="b", original_principal=1200.0, current_principal=800.0, original_term=12, remaining_term=8,
             product="flat_fee", rate=0.006),
        dict(loan_id="c", original_principal=600.0, current_principal=500.0, original_term=12, remaining_term=10,
             product="flat_fee", rate=0.006),
        dict(loan_id="d", original_principal=1200.0, current_principal=1000.0, original_term=12, remaining_term=10,
             product="level_payment", rate=0.18),
        dict(loan_id="e", original_principal=1200.0, current_principal=1000.0, original_term=12, remaining_term=10,
             product="level_payment", rate=0.10),
        dict(loan_id="f", original_principal=2400.0, current_principal=2000.0, original_term=12, remaining_term=10,
             product="level_payment", rate=0.10),
    ]
    lines = rep_lines(pool_of(rows), Assumptions.make(cpr=0.1))
    # flat fee (remaining 8, then 10), then level payment at 18 % (first seen), then at 10 %
    assert lines.product.tolist() == [0, 0, 1, 1]
    assert lines.n.tolist() == [8, 10, 10, 10]
    assert lines.rate.tolist() == [0.0, 0.0, 0.18, 0.10]
    assert lines.balance.tolist() == [800.0, 1500.0, 1000.0, 3000.0]
    assert lines.flat_fee.tolist() == pytest.approx([0.006 * 1200, 0.006 * 1800, 0.0, 0.0], rel=REL)
    assert lines.count.tolist() == [1.0, 2.0, 1.0, 2.0]


@st.composite
def pools(draw: st.DrawFn) -> Pool:
    n = draw(st.integers(1, 60))
    long_terms = draw(st.booleans())  # terms up to 360: the key ranks the original terms instead
    terms = [1, 3, 6, 12, 24, 360] if long_terms else [1, 3, 6, 12, 24]
    rows = []
    for i in range(n):
        term = draw(st.sampled_from(terms))
        product = draw(st.sampled_from(["flat_fee", "level_payment", "equal_principal", "bullet"]))
        rates = [0.0, 0.005, 0.008] if product in ("flat_fee", "bullet") else [0.0, 0.1, 0.18, 0.2400000001]
        orig = float(draw(st.integers(100, 20000))) + draw(st.sampled_from([0.0, 0.01, 0.37]))
        rem = draw(st.integers(1, term))
        rows.append(dict(
            loan_id=str(i), original_principal=orig, current_principal=orig * rem / term, original_term=term,
            remaining_term=rem, product=product, rate=draw(st.sampled_from(rates)), bucket=draw(st.integers(0, 6)),
        ))
    region = [draw(st.sampled_from(["east", "west"])) for _ in range(n)]
    cols = {k: [r[k] for r in rows] for k in rows[0]}
    return Pool.from_arrays(**cols, segments={"region": region})  # type: ignore[arg-type]


@st.composite
def assumption_sets(draw: st.DrawFn) -> Assumptions:
    overrides = []
    if draw(st.booleans()):
        overrides.append(SegmentOverride(column="region", value="east", cpr=0.3))
    if draw(st.booleans()):
        overrides.append(SegmentOverride(column="product", value="flat_fee", cpr=0.05))
    if draw(st.booleans()):
        overrides.append(SegmentOverride(column="original_term", value=12, cpr=0.05))
    kw: dict[str, object] = {}
    if draw(st.booleans()):
        path = ChargeOffPath(legal_share=0.5, legal_success_rate=0.6, legal_curve=(0.0, 1.0),
                             legal_min_balance=draw(st.sampled_from([0.0, 500.0, 5000.0])))
        kw["collections"] = CollectionStrategy("ladder", charge_off=path)
    roll = RollRates.simple(roll=[0.02, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0]) if draw(st.booleans()) else None
    return Assumptions.make(cpr=0.2, roll_rates=roll, segment_overrides=overrides,
                            rounding=draw(st.sampled_from(["exact", "cents"])), **kw)  # type: ignore[arg-type]


PATHS = ("dense", "ranked terms", "hashed", "compiled", "compiled ranked terms")


def compress_with(pool: Pool, path: str) -> Pool:
    """A copy of ``pool`` (nothing kept) whose assumption-free compression took ``path``."""
    fresh = dataclasses.replace(pool)
    if path == "ranked terms":  # the dense key with original terms ranked, as for long terms
        fresh.derived("replines.pool_lines", lambda p: replines._compress(p, raw_term_bins=0))
    elif path == "hashed":
        fresh.derived("replines.pool_lines", replines._hashed)
    elif path.startswith("compiled"):  # the dense sums by the compiled single pass (numpy's without numba)
        raw = 0 if path == "compiled ranked terms" else replines.RAW_TERM_BINS
        with compiled_mode("on"):  # (each loan's line, computed later, is compiled only under "on" then)
            fresh.derived("replines.pool_lines", lambda p: replines._compress(p, raw_term_bins=raw))
    return fresh


@settings(max_examples=80, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools(), assumption_sets(), st.sampled_from(PATHS))
def test_compression_equals_the_groupby_reference(pool: Pool, a: Assumptions, path: str) -> None:
    with compiled_mode("on" if path.startswith("compiled") else "off"):  # each loan's line too
        check_against_the_groupby_reference(pool, a, path)


def check_against_the_groupby_reference(pool: Pool, a: Assumptions, path: str) -> None:
    fresh = compress_with(pool, path)
    ref = reference_rep_lines(pool, a)
    lines = rep_lines(fresh, a)
    assert_lines_equal_reference(lines, ref, a)
    assert_lines_equal_reference(rep_lines(fresh, a), ref, a)  # the second call, from what the pool keeps
    # each loan's line holds it: its keys are the line's
    lol = line_of_loan(fresh)
    np.testing.assert_array_equal(pool.remaining_term, fresh.derived("replines.pool_lines", replines._compress).remaining[lol])
    if a.rounding == "cents":  # the cents schedules of each line: its loans' schedules summed
        assert lines.billed is not None
        loans = replines.loan_lines(pool, a).billed
        assert loans is not None
        where = reference_line_of_loan(pool, a, ref)
        for part in ("balance", "fee", "flat"):
            per_loan = getattr(loans, part)
            summed = np.zeros((len(ref), *per_loan.shape[1:]))
            for i in range(pool.n):
                summed[where[i]] += per_loan[i]
            np.testing.assert_allclose(getattr(lines.billed, part), summed, rtol=REL, atol=1e-9, err_msg=part)


def reference_line_of_loan(pool: Pool, a: Assumptions, ref: pd.DataFrame) -> np.ndarray:
    """Each loan's row of ``ref``, found by its key."""
    keys = reference_rep_lines(pool, a, per_loan=True)
    return pd.MultiIndex.from_frame(ref[KEY]).get_indexer(pd.MultiIndex.from_frame(keys[KEY]))


def test_one_million_loan_pool_compresses_as_the_reference() -> None:
    from abs_model.collateral.synthetic import synthetic_pool

    pool = synthetic_pool(200_000, seed=3)
    a = Assumptions.make(cpr=0.2, roll_rates=RollRates.simple(roll=[0.02, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0]),
                         segment_overrides=[SegmentOverride(column="region", value=str(pool.segments["region"][0]), cpr=0.3)])
    ref = reference_rep_lines(pool, a)
    for path in PATHS:
        assert_lines_equal_reference(rep_lines(compress_with(pool, path), a), ref, a)


def test_what_the_pool_keeps_is_read_only_and_not_shared() -> None:
    from abs_model.collateral.synthetic import synthetic_pool

    pool = synthetic_pool(500, seed=4)
    a = Assumptions.make(cpr=0.2)
    lines = rep_lines(pool, a)
    with pytest.raises(ValueError, match="read-only"):
        lines.balance[0] = 1.0
    assert rep_lines(pool, a).balance is lines.balance  # computed once for the pool
    # without segment overrides or cents billing, nothing is kept per loan (only lines and the key table)
    assert set(pool._derived) == {"replines.pool_lines"}
    assert replines.pool_lines(pool).loan_line is None
    rep_lines(pool, Assumptions.make(cpr=0.2, segment_overrides=[SegmentOverride(column="product", value="flat_fee", cpr=0.1)]))
    assert line_of_loan(pool).dtype == np.int32 and line_of_loan(pool).size == pool.n
    assert "replines.pool_lines" not in dataclasses.replace(pool)._derived
    assert pickle.loads(pickle.dumps(pool))._derived == {}
    # another pool with other loans compresses afresh
    other = pool.subset(np.arange(pool.n) % 2 == 0)
    assert rep_lines(other, a).count.sum() == other.n


def test_negative_or_huge_keys_take_the_hashed_path() -> None:
    # remaining terms outside the dense range (a pool built without read_tape's checks) still
    # compress exactly
    rows = [
        dict(loan_id=str(i), original_principal=100.0, current_principal=50.0, original_term=t, remaining_term=r,
             product="flat_fee", rate=0.005)
        for i, (t, r) in enumerate([(12, 6), (10_000_000, 6), (12, 6), (10_000_000, 6)])
    ]
    pool = unchecked_pool_of(rows)
    a = Assumptions.make(cpr=0.1)
    assert_lines_equal_reference(rep_lines(pool, a), reference_rep_lines(pool, a), a)


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 20])
def test_blocks_of_any_size_give_the_same_lines_bit_for_bit(block: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # the dense sums take the loans a block at a time into shared sums (tape order kept): any
    # block size, a last block shorter than the others included, gives the reference's lines
    # and exactly the sums of a single block
    from abs_model.collateral.synthetic import synthetic_pool

    pool = synthetic_pool(1000, seed=9)
    a = Assumptions.make(cpr=0.1)
    whole = rep_lines(dataclasses.replace(pool), a)
    monkeypatch.setattr(replines, "BLOCK", block)
    lines = rep_lines(dataclasses.replace(pool), a)
    assert_lines_equal_reference(lines, reference_rep_lines(pool, a), a)
    for field in ("product", "n", "bucket", "rate", "balance", "flat_fee", "count"):
        assert getattr(lines, field).tobytes() == getattr(whole, field).tobytes(), field


def test_a_negative_key_column_is_seen_through_the_unsigned_view() -> None:
    # -1 read as unsigned is the largest value of its width: one pass tells max and sign apart
    for dtype in (np.int8, np.int16, np.int32, np.int64):
        assert replines._max_if_not_negative(np.array([3, 0, 7, 2], dtype=dtype)) == 7
        assert replines._max_if_not_negative(np.array([3, -1, 7], dtype=dtype)) == -1
        assert replines._max_if_not_negative(np.array([np.iinfo(dtype).min, 5], dtype=dtype)) == -1
        assert replines._max_if_not_negative(np.array([np.iinfo(dtype).max, 5], dtype=dtype)) == np.iinfo(dtype).max
    assert replines._max_if_not_negative(np.array([3, 9], dtype=np.uint16)) == 9
    rows = [
        dict(loan_id=str(i), original_principal=100.0, current_principal=50.0, original_term=12, remaining_term=r,
             product="flat_fee", rate=0.005)
        for i, r in enumerate([6, -2, 6, 3])
    ]
    pool = unchecked_pool_of(rows)
    assert replines._keying(pool, replines.DENSE_BINS, replines.RAW_TERM_BINS) is None  # hashed
    a = Assumptions.make(cpr=0.1)
    assert_lines_equal_reference(rep_lines(pool, a), reference_rep_lines(pool, a), a)


def test_signed_zero_rates_share_a_line_and_distinct_rates_do_not() -> None:
    # interest-bearing rates are told apart by value: 0.0 and -0.0 are one rate (one line, its
    # rate the first seen), 0.01 and 0.02 two lines, as the groupby reference groups them
    rows = [
        dict(loan_id=str(i), original_principal=100.0, current_principal=40.0 + i, original_term=12,
             remaining_term=6, product="level_payment", rate=r)
        for i, r in enumerate([0.0, -0.0, 0.01, 0.02, 0.01, -0.0])
    ]
    pool = pool_of(rows)
    a = Assumptions.make(cpr=0.1)
    lines = rep_lines(pool, a)
    assert_lines_equal_reference(lines, reference_rep_lines(pool, a), a)
    assert len(lines) == 3 and list(lines.count) == [3.0, 2.0, 1.0]
    assert list(lines.balance) == [40.0 + 41.0 + 45.0, 42.0 + 44.0, 43.0]
    assert not np.signbit(lines.rate[0])  # the first seen of the zeros: 0.0


def test_projection_from_the_kept_lines_equals_a_fresh_one() -> None:
    from abs_model.collateral.synthetic import synthetic_pool

    pool = synthetic_pool(2000, seed=6)
    a = Assumptions.make(cpr=0.15, roll_rates=RollRates.simple(roll=[0.02, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0]), recovery_rate=0.1)
    first = project(pool, a).frame
    again = project(pool, a).frame
    fresh = project(dataclasses.replace(pool), a).frame
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    pd.testing.assert_frame_equal(first, fresh, check_exact=True)


# ---------------------------------------------------------------- hostile pools
# Pools no tape would give (built without read_tape's checks): every compression path (dense,
# dense with ranked terms, hashed, the compiled dense sums with raw or ranked terms) gives the
# same lines bit for bit, and the rep-line projection equals the loan-level one.

LINE_FIELDS = ("product", "original_term", "n", "bucket", "age", "rate", "balance", "flat_fee", "count", "group")


def lines_of_every_path(pool: Pool, a: Assumptions) -> list[Lines]:
    return [rep_lines(compress_with(pool, path), a) for path in PATHS]


def assert_same_lines(lines: list[Lines]) -> None:
    for other in lines[1:]:
        for f in LINE_FIELDS:
            assert getattr(other, f).tobytes() == getattr(lines[0], f).tobytes(), f


def unchecked(pool: Pool, **columns: np.ndarray) -> Pool:
    """``pool`` with ``columns`` replaced as they are (no check, as a pool built by hand)."""
    return dataclasses.replace(pool, **columns)


ROLL = RollRates.simple(roll=[0.02, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0])


def test_an_empty_pool_compresses_to_no_lines_and_refuses_a_projection() -> None:
    pool = Pool.from_arrays(loan_id=[], original_principal=[], current_principal=[], original_term=[], remaining_term=[],
                            product=np.array([], dtype=np.int8), rate=[])
    a = Assumptions.make(cpr=0.1, roll_rates=ROLL)
    lines = lines_of_every_path(pool, a)
    assert_same_lines(lines)
    assert len(lines[0]) == 0
    with pytest.raises(ValueError, match=r"pool: must hold at least one receivable to project; got 0 receivables"):
        project(pool, a)
    with pytest.raises(ValueError, match=r"got 0 receivables"):
        project(pool, a, level="loan")


def test_one_loan_is_one_line_holding_it() -> None:
    # one flat-fee loan: 1,200 over 12, 8 left, balance 800, fee 0.6 % a period: its line holds
    # balance 800, flat fee 0.006 × 1,200 = 7.2 and count 1
    pool = pool_of([dict(loan_id="a", original_principal=1200.0, current_principal=800.0, original_term=12,
                         remaining_term=8, product="flat_fee", rate=0.006)])
    a = Assumptions.make(cpr=0.1, roll_rates=ROLL)
    lines = lines_of_every_path(pool, a)
    assert_same_lines(lines)
    assert (lines[0].balance.tolist(), lines[0].flat_fee.tolist(), lines[0].count.tolist()) == ([800.0], [0.006 * 1200.0], [1.0])
    assert_lines_equal_reference(lines[0], reference_rep_lines(pool, a), a)
    pd.testing.assert_frame_equal(project(pool, a).frame, project(pool, a, level="loan").frame, check_exact=False, rtol=1e-9)


def test_nan_rates_of_interest_bearing_loans_share_a_line_of_their_own() -> None:
    # level-payment loans on the same terms at NaN, 10 %, NaN and 0 %: the NaN loans share one line
    # (rate code 0, listed first, its rate 0.0), apart from the loan at 0 % and the one at 10 %;
    # a flat-fee loan with a NaN fee keeps its line and a NaN flat fee
    # (Pool.from_arrays refuses a NaN rate: a pool built by hand may still hold one)
    rates = [np.nan, 0.1, np.nan, 0.0, np.nan]
    rows = [
        dict(loan_id=str(i), original_principal=100.0, current_principal=40.0 + i, original_term=12, remaining_term=6,
             product=p, rate=0.0)
        for i, p in enumerate(["level_payment", "level_payment", "level_payment", "level_payment", "flat_fee"])
    ]
    pool = unchecked(pool_of(rows), rate=np.array(rates))
    a = Assumptions.make(cpr=0.1)
    lines = lines_of_every_path(pool, a)
    assert_same_lines(lines)
    got = lines[0]
    assert got.product.tolist() == [0, 1, 1, 1]
    assert got.rate.tolist() == [0.0, 0.0, 0.1, 0.0]
    assert got.balance.tolist() == [44.0, 40.0 + 42.0, 41.0, 43.0]
    assert got.count.tolist() == [1.0, 2.0, 1.0, 1.0]
    assert np.isnan(got.flat_fee[0]) and got.flat_fee[1:].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ConservationError, match="finite number"):  # the NaN fee: a failed check, never a pass
        project(pool, a)
    level = unchecked(pool_of(rows[:4]), rate=np.array(rates[:4]))
    assert_projections_equal(level, a)  # the NaN-rate lines at rate 0 on both paths


def assert_projections_equal(pool: Pool, a: Assumptions) -> None:
    rep, loan = project(pool, a).frame, project(pool, a, level="loan").frame
    pd.testing.assert_frame_equal(rep, loan, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("column, values", [
    ("product", [1, -3, 0, -3]),      # no product: neither flat nor interest-bearing
    ("bucket", [0, -1, 2, -1]),
    ("original_term", [12, -12, 2_000_000_000, -12]),
    ("remaining_term", [6, -2, 1_999_999_999, -2]),
])
def test_negative_or_huge_codes_give_the_same_lines_on_every_path(column: str, values: list[int]) -> None:
    # Pool.from_arrays refuses negative products and buckets; a pool built by hand may still hold
    # them (and negative or huge terms): the dense key steps aside (hashed), every path agrees
    rows = [
        dict(loan_id=str(i), original_principal=100.0, current_principal=40.0 + i, original_term=12, remaining_term=6,
             product="level_payment", rate=r)
        for i, r in enumerate([0.1, 0.1, 0.2, 0.1])
    ]
    base = pool_of(rows)
    pool = unchecked(base, **{column: np.array(values, dtype=getattr(base, column).dtype)})
    a = Assumptions.make(cpr=0.1)
    assert replines._keying(pool, replines.DENSE_BINS, replines.RAW_TERM_BINS) is None
    lines = lines_of_every_path(pool, a)
    assert_same_lines(lines)
    assert lines[0].count.sum() == pool.n and lines[0].balance.sum() == pool.current_principal.sum()
    if column == "bucket":  # the same loans keyed by a value the reference groups too
        assert_lines_equal_reference(lines[0], reference_rep_lines(pool, a), a)


def test_a_segment_matches_as_numpys_text_comparison_says() -> None:
    # a one- or two-character column is compared by its code points read as one integer: the same
    # answer as numpy's ``col == value`` (trailing NULs ignored, a longer value equal to none),
    # whatever the width, byte order, strides or dtype
    words = ["华东", "华北", "a", "", "ab", "b", "a\x00", "东"]
    columns = [np.array(words), np.array(words, dtype="<U1"), np.array(words, dtype=">U2"), np.array(words)[::2],
               np.array(words, dtype="<U3"), np.array(words, dtype=object), np.array(["app", "web", "app"])]
    values = ["华东", "a", "a\x00", "", "ab", "ab\x00", "abc", "华东x", "b", "东", "app", "\x00"]
    for col in columns:
        for value in values:
            got = replines._text_equals(col, value)
            assert got.dtype == bool and got.tolist() == np.asarray(col == value).tolist(), (col.dtype, value)
    # by hand: region "华东" on three loans of four
    assert replines._text_equals(np.array(["华东", "西部", "华东", "华东"]), "华东").tolist() == [True, False, True, True]

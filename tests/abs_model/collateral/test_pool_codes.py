"""A pool refuses a delinquency bucket or a product code it cannot project (as it refuses M7),
and money or a rate that is not a finite number (a NaN fee would run through the projection as
NaN collections): each message names the field, the rule and the value received."""

from __future__ import annotations

import numpy as np
import pytest

from abs_model.collateral.pool import Pool
from abs_model.errors import AbsModelError


def pool_with(**columns: object) -> Pool:
    kw: dict[str, object] = dict(loan_id=["a", "b"], original_principal=[100.0, 100.0], current_principal=[50.0, 50.0],
                                 original_term=[12, 12], remaining_term=[6, 6], product=["flat_fee", "bullet"],
                                 rate=[0.005, 0.005])
    kw.update(columns)
    return Pool.from_arrays(**kw)  # type: ignore[arg-type]


def test_every_bucket_from_m0_to_m6_and_every_product_code_is_a_pool() -> None:
    pool = pool_with(bucket=np.array([0, 6]), product=np.array([0, 3], dtype=np.int8))
    assert pool.bucket.tolist() == [0, 6] and pool.product.tolist() == [0, 3]


def test_a_negative_bucket_is_refused() -> None:
    with pytest.raises(AbsModelError, match=r"Pool.bucket: must be 0..6 \(M0–M6\); got -1"):
        pool_with(bucket=np.array([0, -1]))


@pytest.mark.parametrize("code", [-3, 4])
def test_a_product_code_naming_no_product_is_refused(code: int) -> None:
    with pytest.raises(AbsModelError, match=rf"Pool.product: must be a product code \[0, 1, 2, 3\] .*; got {code}"):
        pool_with(product=np.array([1, code], dtype=np.int8))


@pytest.mark.parametrize("field", ["original_principal", "current_principal", "rate"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_money_or_a_rate_that_is_not_a_finite_number_is_refused(field: str, value: float) -> None:
    with pytest.raises(AbsModelError, match=rf"Pool.{field}: must be a finite number; got .* at row 1"):
        pool_with(**{field: [50.0, value]})


def test_a_nan_carried_past_the_tape_checks_fails_the_projection_checks() -> None:
    """A Pool built by hand (``dataclasses.replace``, no validation) with one NaN rate: the pool's
    fee and collections become NaN. The projection's checks fail by name — before, ``max(0.0,
    nan)`` is 0.0 and every check passed on NaN collections."""
    import dataclasses

    import abs_model as am
    from abs_model.errors import ConservationError

    pool = am.synthetic_pool(200, seed=3)
    rate = pool.rate.copy()
    rate[7] = np.nan
    bad = dataclasses.replace(pool, rate=rate)
    with pytest.raises(ConservationError, match="finite number"):
        am.project(bad, am.Assumptions.make()).check()


def test_from_arrays_copies_the_callers_arrays() -> None:
    """A pool never shares an array with its caller: changing the caller's array afterwards
    leaves the pool as built, and the caller's array stays writeable."""
    cp = np.array([50.0, 40.0])
    region = np.array(["north", "south"])
    pool = pool_with(current_principal=cp, segments={"region": region})
    cp[0] = 1.0
    region[0] = "west"
    assert pool.current_principal.tolist() == [50.0, 40.0] and pool.segments["region"].tolist() == ["north", "south"]
    assert cp.flags.writeable and region.flags.writeable
    assert not pool.current_principal.flags.writeable and not pool.segments["region"].flags.writeable


def test_subset_is_the_rows_kept_read_only_and_apart_from_its_pool() -> None:
    """:meth:`Pool.subset` keeps its fresh arrays without a second copy: the same values and dtypes
    as a pool built from the kept rows, read-only, sharing no memory with the whole pool."""
    pool = pool_with(loan_id=["a", "b", "c"], original_principal=[100.0, 90.0, 80.0], current_principal=[50.0, 45.0, 40.0],
                     original_term=[12, 6, 3], remaining_term=[6, 3, 1], product=["flat_fee", "bullet", "level_payment"],
                     rate=[0.005, 0.0, 0.12], bucket=np.array([0, 2, 1]), segments={"region": ["n", "s", "e"]})
    sub = pool.subset(np.array([True, False, True]))
    rebuilt = pool_with(loan_id=["a", "c"], original_principal=[100.0, 80.0], current_principal=[50.0, 40.0],
                        original_term=[12, 3], remaining_term=[6, 1], product=["flat_fee", "level_payment"],
                        rate=[0.005, 0.12], bucket=np.array([0, 1]), segments={"region": ["n", "e"]})
    for f in ("loan_id", "original_principal", "current_principal", "original_term", "remaining_term", "product", "rate", "bucket", "origination_date"):
        a, b = getattr(sub, f), getattr(rebuilt, f)
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fM"), f
        assert not a.flags.writeable and not np.shares_memory(a, getattr(pool, f)), f
    assert sub.segments["region"].tolist() == ["n", "e"] and not sub.segments["region"].flags.writeable

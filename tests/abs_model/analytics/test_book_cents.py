"""A book compressed by parts and merged keeps its schedules billed in cents: the merged lines
project like the whole pool compressed at once (``rounding="cents"``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.analytics.book import merge_lines
from abs_model.errors import AbsModelError
from abs_model.projection.engine import project_lines
from abs_model.projection.replines import rep_lines

REL = 1e-9


def test_merged_parts_billed_in_cents_project_like_the_whole_pool() -> None:
    pool = am.synthetic_pool(3_000, seed=5)
    a = am.Assumptions.make(cpr=0.2, cdr=0.05, unearned_fee="full", rounding="cents")
    first = np.arange(pool.n) < 1_700
    parts = [rep_lines(pool.subset(first), a), rep_lines(pool.subset(~first), a)]
    merged = merge_lines(parts)
    assert merged.billed is not None
    whole = am.project(pool, a).frame
    totals = project_lines(merged, a).totals
    for col in ("scheduled_principal", "prepayment", "fee_interest", "prepayment_fee", "closing_balance"):
        np.testing.assert_allclose(totals[col][0], whole[col].to_numpy(), rtol=REL, atol=1e-6, err_msg=col)
    # and billed in cents differs from exact (the check would pass vacuously otherwise)
    exact = am.project(pool, am.Assumptions.make(cpr=0.2, cdr=0.05, unearned_fee="full")).frame
    assert not np.allclose(exact["scheduled_principal"], whole["scheduled_principal"], rtol=0, atol=1e-6)
    pd.testing.assert_index_equal(exact.index, whole.index)


def test_a_mix_of_cents_and_exact_lines_is_refused() -> None:
    pool = am.synthetic_pool(500, seed=6)
    cents = rep_lines(pool, am.Assumptions.make(rounding="cents"))
    exact = rep_lines(pool, am.Assumptions.make())
    with pytest.raises(AbsModelError, match="rounding: all sets of lines merged must be billed the same way"):
        merge_lines([cents, exact])

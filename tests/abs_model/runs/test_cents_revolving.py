"""A revolving deal billed in cents: purchases are projected from a profile per unit of balance
bought, which stays exact (a unit balance billed in cents would lose whole percents), so billing
in cents moves the deal by cents, not by percents of its cash flows."""

from __future__ import annotations

import dataclasses

import numpy as np

import abs_model as am
from abs_model.deal.model import replenishment_pool
from abs_model.projection.replines import loan_lines, profile_lines


def test_the_replenishment_profile_is_exact_and_the_deal_moves_by_cents() -> None:
    deal = am.load_deal("examples/baitiao_revolving.yaml")
    exact = deal.assumptions
    cents = dataclasses.replace(exact, rounding="cents")
    unit = replenishment_pool(deal.revolving)
    assert profile_lines(unit, cents).billed is None
    assert loan_lines(unit, cents).billed is not None  # what a real pool of such loans would get
    a = am.run(deal, exact)
    b = am.run(deal, cents)
    assert all(c.passed for c in b.checks)
    n_loans = deal.pool.n
    for col in ("scheduled_principal", "fee_interest", "closing_balance"):
        gap = np.abs(a.pool[col].to_numpy() - b.pool[col].to_numpy())
        # a cent per instalment of each receivable at most (the truncation moved to the last one)
        assert gap.max() <= 0.01 * 24 * n_loans, col
    assert abs(a.summary()["wal_years"].iloc[0] - b.summary()["wal_years"].iloc[0]) < 1e-4

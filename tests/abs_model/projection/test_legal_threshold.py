"""Legal action only above a balance (issue 11 §3: small debts are not worth suing), worked by hand.

Two receivables, both defaulting in period 1 (CDR 100 %, SIFMA convention: default on the prior
performing balance): A of RMB 1,000 and B of RMB 200. Charge-off path: 20 % sold at once at 10 %
of par, 50 % to legal action (60 % success, recovering 100 %, one month after charge-off, RMB 30
per case), the rest written off. Legal action only from RMB 500 (``legal_min_balance``): A is
sued, B's legal share is written off.

Recoveries: period 1 the sale, 0.2 × 0.1 × 1,200 = 24.00; period 2 the lawsuit on A only,
0.5 × 0.6 × 1.0 × 1,000 = 300.00 (without the threshold 360.00). Legal costs: 0.5 × 30 × 1 case =
15.00 (without: 30.00). Rep-lines never mix A and B (the compression key carries the side of
the threshold), so rep-line and loan-level projections agree.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import abs_model as am
from abs_model.assumptions.assumptions import Assumptions
from abs_model.assumptions.servicing import ChargeOffPath, CollectionStrategy
from abs_model.collateral.pool import Pool
from abs_model.deal.compressed import compression_key
from abs_model.errors import AssumptionError
from abs_model.projection.replines import rep_lines

CENT = 0.005


def pool() -> Pool:
    # A and B share every compression key but the balance: without the threshold one line
    return Pool.from_arrays(
        loan_id=["A", "B"], original_principal=[1200.0, 240.0], current_principal=[1000.0, 200.0], original_term=[12, 12],
        remaining_term=[10, 10], product=["flat_fee", "flat_fee"], rate=[0.006, 0.006],
    )


def assumptions(threshold: float) -> Assumptions:
    path = ChargeOffPath(sale_share=0.2, sale_price=0.1, legal_share=0.5, legal_cost_per_case=30.0, legal_success_rate=0.6,
                         legal_curve=(0.0, 1.0), legal_min_balance=threshold)
    return Assumptions.make(cdr=1.0, collections=CollectionStrategy("ladder", charge_off=path))


def test_only_receivables_at_or_above_the_threshold_are_sued() -> None:
    f = am.project(pool(), assumptions(500.0)).frame
    assert f.loc[1, "defaults"] == pytest.approx(1200.0, abs=1e-9)
    assert f.loc[1:3, "recoveries"].tolist() == pytest.approx([24.0, 300.0, 0.0], abs=1e-9)
    assert f.loc[1, "collection_costs"] == pytest.approx(15.0, abs=1e-9)
    assert f.loc[1, "net_loss"] == pytest.approx(1200.0 - 324.0, abs=1e-9)
    everyone = am.project(pool(), assumptions(0.0)).frame
    assert everyone.loc[1:2, "recoveries"].tolist() == pytest.approx([24.0, 360.0], abs=1e-9)
    assert everyone.loc[1, "collection_costs"] == pytest.approx(30.0, abs=1e-9)
    # at the threshold exactly, a receivable is sued (at or above)
    at = am.project(pool(), assumptions(1000.0)).frame
    assert at.loc[2, "recoveries"] == pytest.approx(300.0, abs=1e-9)
    none = am.project(pool(), assumptions(1000.01)).frame
    assert none.loc[2, "recoveries"] == pytest.approx(0.0, abs=1e-9)
    assert none.loc[1, "collection_costs"] == pytest.approx(0.0, abs=1e-9)


def test_rep_lines_split_by_the_threshold_and_equal_loan_level() -> None:
    assert len(rep_lines(pool(), assumptions(0.0))) == 1
    assert len(rep_lines(pool(), assumptions(500.0))) == 2
    assert compression_key(assumptions(500.0)) != compression_key(assumptions(0.0))
    rng = np.random.default_rng(7)
    n = 300
    big = am.synthetic_pool(n, seed=3)
    path = ChargeOffPath(sale_share=0.1, sale_price=0.05, legal_share=0.6, legal_cost_per_case=25.0, legal_success_rate=0.4,
                         legal_curve=(0.0, 0.5, 0.5), legal_min_balance=float(np.median(big.current_principal)))
    a = Assumptions.make(cpr=float(rng.uniform(0.1, 0.3)), roll_rates=am.RollRates.simple(roll=[0.03, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9]),
                         collections=CollectionStrategy("ladder", charge_off=path))
    rep = am.project(big, a)
    loan = am.project(big, a, level="loan")
    assert all(c.passed for c in rep.checks)
    cols = ["defaults", "recoveries", "collection_costs", "net_loss", "closing_balance", "scheduled_principal", "prepayment"]
    scale = max(1.0, big.balance)
    np.testing.assert_allclose(rep.frame[cols].to_numpy(), loan.frame[cols].to_numpy(), rtol=1e-9, atol=1e-9 * scale)
    # suing only the larger half recovers less, and costs less, than suing everyone
    everyone = dataclasses.replace(a, collections=CollectionStrategy("ladder", charge_off=dataclasses.replace(path, legal_min_balance=0.0)))
    plain = am.project(big, everyone)
    assert rep.frame["recoveries"].sum() < plain.frame["recoveries"].sum()
    assert rep.frame["collection_costs"].sum() < plain.frame["collection_costs"].sum()


def test_threshold_is_validated() -> None:
    with pytest.raises(AssumptionError, match=r"charge_off\.legal_min_balance: must be a finite amount ≥ 0; got -1"):
        ChargeOffPath(legal_share=0.5, legal_min_balance=-1.0)

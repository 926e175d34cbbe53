"""One definition per metric (issue 10, items 7, 8, 11): hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from abs_model.core import metrics
from tests.tranches.conftest import month_ends
from tranches import Fee, Structure, Tranche, Trigger, Waterfall, run_liabilities, steps


def test_wal_and_window_by_hand() -> None:
    # 50 in period 2 and 50 in period 3: (2·50 + 3·50) / 100 / 12 = 2.5 / 12 years
    p = np.array([[0.0, 50.0, 50.0], [0.0, 0.0, 0.0]])
    w = metrics.wal_years(p)
    assert w[0] == pytest.approx(2.5 / 12, rel=1e-15)
    assert np.isnan(w[1])  # no principal, no average life
    first, last = metrics.principal_windows(p)
    assert first.tolist() == [2, 0] and last.tolist() == [3, 0]
    assert metrics.wal_years([10.0, 0.0])[0] == pytest.approx(1 / 12)


def test_two_cumulative_default_rates_by_hand() -> None:
    # defaults 10, 20, 30 on an initial pool of 1,000 with 500 bought in period 1
    d, b = [10.0, 20.0, 30.0], [500.0, 0.0, 0.0]
    assert metrics.cdr_initial_pool(d, 1_000.0).tolist() == pytest.approx([0.01, 0.03, 0.06])
    # the trigger's: purchases count from the next period: 10/1,000, 30/1,500, 60/1,500
    assert metrics.cdr_pool_and_purchases(d, b, 1_000.0).tolist() == pytest.approx([0.01, 0.02, 0.04])


def test_excess_spread_is_the_triggers_value() -> None:
    # pool 1,000,000; A 900,000 at 6 % (30/360: 4,500 a month); servicer 1.2 % of the pool
    # (1,000 in period 1); interest collected 8,000: excess spread 8,000 − 1,000 − 4,500 = 2,500,
    # annualised 12 × 2,500 / 1,000,000 = 3 %
    st = Structure(
        tranches=(Tranche("A", 900_000.0, 0.06), Tranche("B", 100_000.0, tranche_class="subordinated")),
        fees=(Fee("servicer", basis="pool_balance", rate=0.012),),
        triggers=(Trigger("xs", "excess_spread", 0.0, "sequential"),),
        waterfalls={"amortising": Waterfall([steps.PayFee("servicer"), steps.PayInterest(("A",)), steps.PayPrincipal(("A", "B")), steps.PayResidual()])},
    )
    r = run_liabilities(
        st,
        period_end_dates=month_ends(2),
        initial_pool_balance=1_000_000.0,
        interest_collected=[8_000.0, 4_500.0],
        principal_collected=[100_000.0, 90_000.0],
        pool_balance_end=[900_000.0, 810_000.0],
    )
    es = r.excess_spread_frame(0)
    assert es["excess_spread"].iloc[0] == pytest.approx(2_500.0, abs=1e-9)
    assert es["excess_spread_rate"].iloc[0] == pytest.approx(0.03, abs=1e-15)
    # period 2: 4,500 − 900 − 800,000 × 0.5 % (4,000) = −400 → 12 × −400 / 900,000
    assert es["excess_spread"].iloc[1] == pytest.approx(-400.0, abs=1e-9)
    np.testing.assert_array_equal(r.trigger_frame("xs")["value"].to_numpy(), es["excess_spread_rate"].to_numpy())
    amount, rate = metrics.excess_spread(np.array([8_000.0]), np.array([4_500.0]), np.array([1_000.0]), np.array([1e6]))
    assert (float(amount[0]), float(rate[0])) == pytest.approx((2_500.0, 0.03))

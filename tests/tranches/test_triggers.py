"""Each trigger metric and effect, with values derived by hand; curable and non-curable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tranches.support import month_ends
from tranches import (
    LiabilityError,
    LiabilityResult,
    Structure,
    Tranche,
    Trigger,
    Waterfall,
    run_liabilities,
    steps,
)

TOL = 1e-9

TRANCHES = (
    Tranche("A", 100_000.0, 0.12),
    Tranche("B", 50_000.0, tranche_class="mezzanine"),
    Tranche("Sub", 20_000.0, tranche_class="subordinated"),
)
WATERFALLS = {
    "revolving": Waterfall([steps.PayInterest(("A",)), steps.BuyReceivables(), steps.PayResidual(source="interest")]),
    "amortising": Waterfall(
        [steps.PayInterest(("A",)), steps.PayPrincipal(("A", "B"), mode="pro_rata"), steps.PayResidual()]
    ),
    "accelerated": Waterfall(
        [steps.PayInterest(("A",)), steps.PayPrincipal(("A", "B"), source="principal_then_interest")]
    ),
    "default": Waterfall([steps.PayInterest(("A",)), steps.PayPrincipal(("A",)), steps.PayPrincipal(("B",))]),
}


def run(trigger: Trigger, periods: int = 3, revolving_periods: int = 0, **kw: Any) -> LiabilityResult:
    st = Structure(tranches=TRANCHES, waterfalls=WATERFALLS, triggers=(trigger,), revolving_periods=revolving_periods)
    kw.setdefault("interest_collected", 5_000.0)
    kw.setdefault("principal_collected", 1_000.0)
    kw.setdefault("pool_balance_end", 170_000.0)
    return run_liabilities(st, period_end_dates=month_ends(periods), initial_pool_balance=170_000.0, **kw)


def phases(r: LiabilityResult) -> list[str]:
    return r.revolving_frame(0)["phase"].tolist()


def test_cumulative_default_rate_schedule_non_curable_accelerates() -> None:
    # defaults 1,700 a period on 170,000: cumulative 1 %, 2 %, 3 % against 1.5 %, 1.5 %, 5 %
    g = Trigger("cdr", "cumulative_default_rate", [0.015, 0.015, 0.05], "accelerate")
    r = run(g, new_defaults=1_700.0)
    f = r.trigger_frame("cdr")
    assert f["value"].tolist() == pytest.approx([0.01, 0.02, 0.03], abs=TOL)
    assert f["threshold"].tolist() == pytest.approx([0.015, 0.015, 0.05])
    assert f["breached"].tolist() == [False, True, False]
    # not curable: accelerated from period 2 on, even though period 3 passes
    assert phases(r) == ["amortising", "accelerated", "accelerated"]
    # period 1 pays A 1,000 × 100 / 150 = 666.67 of principal → 99,333.33, interest 993.33 in
    # period 2; accelerated: (5,000 − 993.33) interest + 1,000 principal = 5,006.67 turbo-pays A
    assert r.tranche("A").principal_paid[0, 1] == pytest.approx(5_000.0 - 993.333333 + 1_000.0)


def test_cumulative_net_loss_rate_counts_defaults_less_recoveries() -> None:
    # defaults 3,400 a period on 170,000 (2 % each), recoveries 1,700 from period 2: net loss
    # 3,400, 5,100, 6,800 → 2 %, 3 %, 4 % against 3.5 %: breached in period 3 only. The gross
    # cumulative default rate (2 %, 4 %, 6 %) would have breached in period 2.
    g = Trigger("cnl", "cumulative_net_loss_rate", 0.035, "accelerate")
    r = run(g, new_defaults=3_400.0, recoveries=[0.0, 1_700.0, 1_700.0])
    f = r.trigger_frame("cnl")
    assert f["value"].tolist() == pytest.approx([0.02, 0.03, 0.04], abs=TOL)
    assert f["breached"].tolist() == [False, False, True]
    assert phases(r) == ["amortising", "amortising", "accelerated"]


def test_delinquency_ratio_curable_switches_to_sequential_and_back() -> None:
    # 0.1 %, 60 %, 10 % of 170,000 delinquent against 50 %
    g = Trigger("dq", "delinquency_ratio", 0.5, "sequential", curable=True)
    r = run(g, delinquent_balance=[170.0, 102_000.0, 17_000.0], principal_collected=3_000.0, interest_collected=1_000.0)
    assert r.trigger_frame("dq")["breached"].tolist() == [False, True, False]
    # pro rata by 100,000 : 50,000 → 2,000 / 1,000 (A 98,000, B 49,000); sequential → 3,000 / 0
    # (A 95,000); cured → pro rata again: B gets 3,000 × 49,000 / 144,000 = 1,020.83
    b = r.tranche("B").principal_paid[0]
    assert b[0] == pytest.approx(1_000.0)
    assert b[1] == pytest.approx(0.0)
    assert b[2] == pytest.approx(3_000.0 * 49_000.0 / 144_000.0)


def test_excess_spread_below_threshold_ends_revolving() -> None:
    # A accrues 1,000 a month; pool 170,000. Spread = 12 × (interest − 1,000) / 170,000:
    # 5,250 → 0.3; 1,000 → 0 < 2 % → revolving ends in period 2 (for good). Period 2 amortises
    # A by 1,000 × 100 / 150 → 99,333.33, so period 3 accrues 993.33: 12 × 4,256.67 / 170,000
    g = Trigger("xs", "excess_spread", 0.02, "end_revolving", curable=True)
    r = run(g, revolving_periods=3, interest_collected=[5_250.0, 1_000.0, 5_250.0])
    a3 = (100_000.0 - 1_000.0 * 100.0 / 150.0) * 0.01
    assert r.trigger_frame("xs")["value"].tolist() == pytest.approx(
        [0.3, 0.0, 12.0 * (5_250.0 - a3) / 170_000.0], abs=TOL
    )
    assert phases(r) == ["revolving", "amortising", "amortising"]


def test_missed_senior_interest_switches_to_default_next_period() -> None:
    # period 1: 600 collected against 1,000 due → 400 missed → event of default from period 2
    g = Trigger("eod", "missed_senior_interest", 0.0, "default")
    r = run(g, interest_collected=[600.0, 5_000.0, 5_000.0])
    f = r.trigger_frame("eod")
    assert f["value"].tolist() == pytest.approx([400.0, 0.0, 0.0])
    assert f["breached"].tolist() == [True, False, False]
    assert phases(r) == ["amortising", "default", "default"]
    # default waterfall: strictly sequential principal: A takes all 1,000, B nothing
    assert r.tranche("B").principal_paid[0, 1] == pytest.approx(0.0)


def test_unable_to_revolve_for_two_periods_ends_revolving() -> None:
    # no eligible receivables: 1,000 of principal stays each month; count 1, 2 → breach at 2
    g = Trigger("stuck", "unable_to_revolve", 2, "end_revolving")
    r = run(g, periods=4, revolving_periods=4, purchase_capacity=0.0)
    f = r.trigger_frame("stuck")
    assert f["value"].tolist()[:2] == pytest.approx([1.0, 2.0])
    assert f["breached"].tolist()[:2] == [False, True]
    assert phases(r) == ["revolving", "revolving", "amortising", "amortising"]
    # the 2,000 carried plus 1,000 of period 3 amortise A and B pro rata
    paid3 = r.tranche("A").principal_paid[0, 2] + r.tranche("B").principal_paid[0, 2]
    assert paid3 == pytest.approx(3_000.0)


def test_trigger_validation() -> None:
    with pytest.raises(LiabilityError, match="metric"):
        Trigger("x", "pool_factor", 0.1, "accelerate")  # type: ignore[arg-type]
    with pytest.raises(LiabilityError, match="effect"):
        Trigger("x", "delinquency_ratio", 0.1, "explode")  # type: ignore[arg-type]

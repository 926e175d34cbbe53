"""Effective duration/convexity, horizon return and principal due, each against a plain
hand-written computation (a present-value loop written out here, not the library's)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.analytics.risk import effective_duration, horizon_return, principal_due
from abs_model.errors import AbsModelError

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _pv(y: float, cf: np.ndarray) -> float:
    """Bond-equivalent present value, written out: Σ CF_k / (1 + y/2)^(2 k / 12)."""
    total = 0.0
    for k, c in enumerate(cf, start=1):
        total += c / (1.0 + y / 2.0) ** (2.0 * k / 12.0)
    return total


def _class_cf(deal: am.Deal, tranche: str, prepay: float) -> np.ndarray:
    t = am.run(deal, prepay_mult=prepay).tranches[tranche]
    return (t["interest_paid"] + t["principal_paid"] + t["residual_paid"]).to_numpy()


@pytest.mark.parametrize(("down", "up"), [(1.0, 1.0), (1.5, 0.5)])
def test_effective_duration_and_convexity_are_the_central_differences(down: float, up: float) -> None:
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    name = "A3"
    r = effective_duration(deal, name, price=1.0, shift=0.005, prepay_down=down, prepay_up=up)
    orig = float(next(t.balance for t in deal.structure.tranches if t.name == name))
    base, fast, slow = (_class_cf(deal, name, m) for m in (1.0, down, up))
    p0 = _pv(r.base_yield, base) / orig
    assert p0 == pytest.approx(1.0, abs=1e-9)  # the base yield reprices par
    p_dn = _pv(r.base_yield - 0.005, fast) / orig
    p_up = _pv(r.base_yield + 0.005, slow) / orig
    assert r.price_down == pytest.approx(p_dn, rel=1e-12)
    assert r.price_up == pytest.approx(p_up, rel=1e-12)
    assert r.duration == pytest.approx((p_dn - p_up) / (2 * p0 * 0.005), rel=1e-9)
    assert r.convexity == pytest.approx((p_up + p_dn - 2 * p0) / (p0 * 0.005**2), rel=1e-6)


def test_prepayment_response_shortens_a_class_duration() -> None:
    deal = am.load_deal(EXAMPLES / "us_auto_static.yaml")
    fixed = effective_duration(deal, "A3", prepay_down=1.0, prepay_up=1.0)
    bumped = effective_duration(deal, "A3", prepay_down=1.5, prepay_up=0.5)
    # faster prepayments when rates fall cap the price gain: negative convexity vs fixed flows
    assert bumped.convexity < fixed.convexity
    with pytest.raises(AbsModelError, match="shift"):
        effective_duration(deal, "A3", shift=0.0)
    with pytest.raises(AbsModelError, match="tranche"):
        effective_duration(deal, "Z")


def test_horizon_total_return_worked_by_hand() -> None:
    # cash flows 10, 10, 110 on a face of 100 bought at par; hold 2 months; reinvest at 12 %
    # (1 % a month): 10 x 1.01 + 10 = 20.10; the last 110 is one month away at 6 % bond-equivalent:
    # 110 / 1.03^(2/12) = 109.459... ; total return = (20.10 + 109.459...) / 100 − 1
    remaining = 110.0 / 1.03 ** (2.0 / 12.0)
    expected = (20.10 + remaining) / 100.0 - 1.0
    total, annual = horizon_return([10.0, 10.0, 110.0], balance=100.0, price=1.0, horizon=2, reinvest_rate=0.12, horizon_yield=0.06)
    assert total == pytest.approx(expected, rel=1e-12)
    assert annual == pytest.approx((1 + expected) ** 6 - 1, rel=1e-12)
    # held to maturity nothing is left to value: 10 x 1.01^2 + 10 x 1.01 + 110 = 130.301
    total, _ = horizon_return([10.0, 10.0, 110.0], balance=100.0, price=1.0, horizon=3, reinvest_rate=0.12, horizon_yield=0.06)
    assert total == pytest.approx(0.30301, rel=1e-12)
    with pytest.raises(AbsModelError, match="horizon"):
        horizon_return([1.0], balance=1.0, price=1.0, horizon=2, reinvest_rate=0.0, horizon_yield=0.0)


def test_principal_due_against_a_two_period_hand_example() -> None:
    # notes 95 on a pool of 100 (advance rate 95 %). Period 1: notes 95 at the start, pool 90 at
    # the end -> target 85.5, due 9.5, paid 9.0 (short 0.5). Period 2: pool 0 -> due all 86.
    tranches = {
        "A": pd.DataFrame({"balance_begin": [80.0, 71.0], "principal_paid": [9.0, 71.0]}, index=pd.Index([1, 2], name="period")),
        "B": pd.DataFrame({"balance_begin": [15.0, 15.0], "principal_paid": [0.0, 15.0]}, index=pd.Index([1, 2], name="period")),
    }
    result = SimpleNamespace(
        deal=SimpleNamespace(structure=SimpleNamespace(tranches=[SimpleNamespace(balance=80.0), SimpleNamespace(balance=15.0)]),
                             pool=SimpleNamespace(balance=100.0)),
        tranches=tranches,
        pool=pd.DataFrame({"closing_balance": [100.0, 90.0, 0.0]}, index=pd.Index([0, 1, 2], name="period")),
    )
    f = principal_due(result)
    assert list(f["principal_due"]) == pytest.approx([9.5, 86.0])
    assert list(f["shortfall"]) == pytest.approx([0.5, 0.0])
    assert list(principal_due(result, advance_rate=1.0)["principal_due"]) == pytest.approx([5.0, 86.0])


def test_principal_due_on_a_real_deal_is_paid_when_cash_allows() -> None:
    res = am.run(am.load_deal(EXAMPLES / "us_auto_static.yaml"))
    f = principal_due(res)
    assert (f["principal_due"] >= 0).all() and (f["principal_due"] <= f["notes_begin"] + 1e-9).all()
    assert f["principal_paid"].sum() == pytest.approx(sum(t["principal_paid"].sum() for t in res.tranches.values()))

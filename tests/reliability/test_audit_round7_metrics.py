"""Round 7 audit: every reported metric of a deal run recomputed by a plain loop from the reported
cash flows, over random stresses of the example deals (hypothesis).

- tranche summary: WAL ``Σ k·P_k / Σ P_k / 12``, first and last principal period, interest,
  principal and residual totals, loss ``= Σ writedown = original − Σ principal`` (every unpaid
  unit of principal is a loss at the end), ``paid_in_full``;
- price/yield table at par and at 99: the monthly IRR of ``[−price × balance, CF_1 … CF_T]`` by
  numpy-financial, as a bond-equivalent yield ``2 × ((1 + irr)^6 − 1)`` (SF-48, no delay);
- pool frame: cumulative default rate ``Σ_{s≤t} defaults_s / initial``, cumulative net loss,
  SMM ``prepayment / prepay_base``, CPR ``1 − (1 − SMM)^12``, MDR ``defaults / opening``, CDR,
  pool factor, each period.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import abs_model as am

ROOT = Path(__file__).resolve().parents[2]
CENT = 0.005
_DEALS: dict[str, am.Deal] = {}


def _deal(name: str) -> am.Deal:
    if name not in _DEALS:
        _DEALS[name] = am.load_deal(ROOT / "examples" / f"{name}.yaml")
    return _DEALS[name]


def _wal_loop(principal: np.ndarray) -> float:
    num = den = 0.0
    for k, p in enumerate(principal, start=1):
        num += k * p
        den += p
    return num / den / 12.0 if den > 0 else float("nan")


def _window_loop(principal: np.ndarray) -> tuple[int, int]:
    paid = [k for k, p in enumerate(principal, start=1) if p > 1e-9]
    return (paid[0], paid[-1]) if paid else (0, 0)


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["us_auto_static", "huabei_style_static"]),
    prepay=st.sampled_from([0.0, 0.5, 1.0, 2.5]),
    default=st.sampled_from([0.0, 1.0, 4.0, 12.0]),
    recovery=st.sampled_from([0.0, 1.0, 3.0]),
)
def test_summary_and_pool_metrics_equal_a_plain_loop(name: str, prepay: float, default: float, recovery: float) -> None:
    deal = _deal(name)
    r = am.run(deal, prepay_mult=prepay, default_mult=default, recovery_mult=recovery)
    assert not r.failed_checks, [c.name for c in r.failed_checks]
    s = r.summary()
    for t in deal.structure.tranches:
        f = r.tranches[t.name]
        prin = f["principal_paid"].to_numpy()
        row = s.loc[t.name]
        want = _wal_loop(prin)
        assert (np.isnan(want) and np.isnan(row["wal_years"])) or row["wal_years"] == pytest.approx(want, rel=1e-12)
        assert (row["first_principal_period"], row["last_principal_period"]) == _window_loop(prin)
        assert row["interest_paid"] == pytest.approx(sum(f["interest_paid"]), rel=1e-12, abs=CENT)
        assert row["residual_paid"] == pytest.approx(sum(f["residual_paid"]), rel=1e-12, abs=CENT)
        owed = t.balance - sum(prin)  # every unit not repaid is a loss at the end
        assert row["loss"] == pytest.approx(owed, abs=CENT)
        assert row["loss"] == pytest.approx(sum(f["writedown"]), abs=CENT)
        assert bool(row["paid_in_full"]) == (owed <= CENT and f["interest_shortfall"].iloc[-1] <= CENT)
    p = r.pool
    init = deal.pool.balance
    cum_d = cum_nl = 0.0
    for k in range(1, len(p)):
        x = p.iloc[k]
        cum_d += x["defaults"]
        cum_nl += x["net_loss"]
        assert x["cumulative_default_rate"] == pytest.approx(cum_d / init, rel=1e-9, abs=1e-15)
        assert x["cumulative_net_loss_rate"] == pytest.approx(cum_nl / init, rel=1e-9, abs=1e-15)
        assert x["pool_factor"] == pytest.approx(x["closing_balance"] / init, rel=1e-12, abs=1e-15)
        smm = x["prepayment"] / x["prepay_base"] if x["prepay_base"] > 0 else 0.0
        mdr = x["defaults"] / x["opening_balance"] if x["opening_balance"] > 0 else 0.0
        assert x["smm"] == pytest.approx(smm, rel=1e-12, abs=1e-15)
        assert x["cpr"] == pytest.approx(1.0 - (1.0 - smm) ** 12, rel=1e-9, abs=1e-15)
        assert x["mdr"] == pytest.approx(mdr, rel=1e-12, abs=1e-15)
        assert x["cdr"] == pytest.approx(1.0 - (1.0 - mdr) ** 12, rel=1e-9, abs=1e-15)


@pytest.mark.parametrize("name", ["us_auto_static", "huabei_style_static"])
def test_price_yield_table_equals_numpy_financial_irr(name: str) -> None:
    """Each cell at speeds 0.5× and 1× and prices 99 and 100: the class's cash flows (interest +
    principal + residual, monthly, no delay) priced by numpy-financial's IRR, converted to a
    bond-equivalent yield."""
    deal = _deal(name)
    tranche = deal.structure.tranches[0].name
    table = am.price_yield_table(deal, tranche, prices=(0.99, 1.0), speeds=(0.5, 1.0))
    for speed in (0.5, 1.0):
        f = am.run(deal, prepay_mult=speed).tranches[tranche]
        cf = (f["interest_paid"] + f["principal_paid"] + f["residual_paid"]).to_numpy()
        for price in (0.99, 1.0):
            irr = npf.irr(np.concatenate([[-price * deal.structure.tranches[0].balance], cf]))
            bey = 2.0 * ((1.0 + irr) ** 6 - 1.0)
            assert table.frame.loc[price, f"{speed:g}x"] == pytest.approx(bey, abs=1e-8), (speed, price)

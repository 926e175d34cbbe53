"""Accepted inputs give finite results whose books balance: property tests over random pools,
assumptions and stresses (hypothesis, derandomised, bounded examples)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import abs_model as am

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SETTINGS = settings(max_examples=25, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _all_finite(name: str, df: pd.DataFrame) -> None:
    num = df.select_dtypes(include=[np.number])
    bad = ~np.isfinite(num.to_numpy(dtype=np.float64))
    assert not bad.any(), f"{name}: NaN/inf in columns {sorted(num.columns[bad.any(axis=0)])}"


rates = st.floats(0.0, 0.95, allow_nan=False)


def _roll_rates(roll: list[float], cure: list[float]) -> am.RollRates:
    """M0…M5 roll at random rates, M6 always rolls to M7; cures capped so each row sums to 1."""
    full = [*roll, 1.0]
    return am.RollRates.simple(roll=full, cure=[min(c, 1.0 - full[i + 1]) for i, c in enumerate(cure)])


roll_rates = st.builds(
    _roll_rates,
    st.lists(st.floats(0.0, 0.9), min_size=6, max_size=6),
    st.lists(st.floats(0.0, 0.5), min_size=6, max_size=6),
)
defaults = st.one_of(
    st.builds(lambda cdr: {"cdr": cdr}, rates),
    st.builds(lambda cd: {"cumulative_default": cd, "default_timing": [0.4, 0.3, 0.3]}, st.floats(0.0, 0.5)),
    st.builds(lambda rr, d: {"roll_rates": rr, "default_threshold_days": d}, roll_rates, st.sampled_from([90, 180])),
)


@SETTINGS
@given(
    n=st.integers(1, 400),
    seed=st.integers(0, 10_000),
    cpr=rates,
    default=defaults,
    recovery=st.floats(0.0, 1.0),
    lag=st.integers(0, 12),
    unearned=st.sampled_from(["waived", "one_period", "full"]),
)
def test_pool_projection_is_finite_and_rolls_forward(
    n: int, seed: int, cpr: float, default: dict[str, object], recovery: float, lag: int, unearned: str
) -> None:
    pool = am.synthetic_pool(n, seed=seed)
    a = am.Assumptions.make(cpr=cpr, recovery_rate=recovery, recovery_lag=lag, unearned_fee=unearned, **default)  # type: ignore[arg-type]
    cf = am.project(pool, a)  # check=True: the roll-forward and implied-rate checks raise on failure
    _all_finite("pool cash flows", cf.frame)
    f = cf.frame
    assert f["closing_balance"].iloc[0] == pytest.approx(pool.balance, rel=1e-12)
    assert (f["closing_balance"] >= -1e-6).all()


@pytest.fixture(scope="module")
def baitiao() -> am.Deal:
    """The bundled deal (a 500,000-receivable pool): loaded once for the module."""
    return am.load_deal(EXAMPLES / "baitiao_revolving.yaml")


@pytest.mark.slow
@settings(max_examples=10, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pm=st.floats(0.0, 4.0), dm=st.floats(0.0, 10.0))
def test_the_deal_is_finite_and_balances_under_any_stress(baitiao: am.Deal, pm: float, dm: float) -> None:
    r = am.run(baitiao, prepay_mult=pm, default_mult=dm)
    assert r.checks and all(c.passed for c in r.checks)
    _all_finite("pool", r.pool)
    for kind, frames in (("tranche", r.tranches), ("fee", r.fees), ("trigger", r.triggers)):
        for name, df in frames.items():
            _all_finite(f"{kind} {name}", df)
    for name in ("accounts", "revolving", "ledger"):
        df = getattr(r, name)
        if isinstance(df, pd.DataFrame):
            _all_finite(name, df)
    for df in r.tranches.values():
        assert (df["balance_end"] >= -1e-6).all()

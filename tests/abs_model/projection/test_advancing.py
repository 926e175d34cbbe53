"""P&I advancing under the ``sifma`` convention (:mod:`abs_model.projection.advancing`): the
vectorised engine, rep-lines and loan level, against a plain per-loan loop written from the SIFMA
algorithm (``sifma_loop``), over random pools of every amortising product. The printed SF tables
are in ``test_projection_sifma.py``."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import abs_model as am
from abs_model.assumptions.assumptions import Curve
from abs_model.errors import AssumptionError
from abs_model.projection.engine import project_lines
from abs_model.projection.replines import rep_lines
from tests.abs_model.projection.sifma_loop import COLUMNS, sifma_advancing

REL = 1e-9


@st.composite
def loans(draw: st.DrawFn) -> list[dict]:
    out = []
    for i in range(draw(st.integers(1, 6))):
        term = draw(st.sampled_from([3, 6, 12, 24]))
        rem = draw(st.integers(1, term))
        orig = float(draw(st.integers(100, 20000)))
        product = draw(st.sampled_from(["flat_fee", "level_payment", "equal_principal"]))
        rate = draw(st.sampled_from([0.0, 0.008])) if product == "flat_fee" else draw(st.sampled_from([0.0, 0.12]))
        out.append(dict(loan_id=str(i), original_principal=orig, current_principal=orig * rem / term,
                        original_term=term, remaining_term=rem, product=product, rate=rate, bucket=0))
    return out


def pool_of(ls: list[dict]) -> am.Pool:
    return am.Pool.from_arrays(**{k: [ln[k] for ln in ls] for k in ls[0]})


@settings(max_examples=50, derandomize=True, deadline=None)
@given(loans(), st.floats(0, 0.5), st.floats(0, 0.9), st.integers(0, 5), st.floats(0, 1), st.booleans())
def test_engine_equals_the_per_loan_loop(ls: list[dict], cpr: float, cdr: float, lag: int, rec: float, by_age: bool) -> None:
    curve = Curve(np.linspace(cdr, cdr / 3, 24), "age" if by_age else "period")
    a = am.Assumptions.make(cpr=cpr, cdr=curve, recovery_rate=rec, recovery_lag=lag, advancing=True)
    pool = pool_of(ls)
    rep = am.project(pool, a).frame
    loan = am.project(pool, a, level="loan").frame
    months = len(rep) - 1
    ref = sifma_advancing(ls, a, months)
    scale = max(1.0, pool.balance)
    for col in COLUMNS:
        for got in (rep, loan):
            np.testing.assert_allclose(got[col].to_numpy()[1:], ref[col][1:], rtol=REL, atol=REL * scale, err_msg=col)
    # every defaulted unit of principal is advanced, recovered or lost
    f = rep
    assert f["defaults"].sum() == pytest.approx(
        (f["advanced_principal"] + f["recoveries"] + f["principal_loss"]).sum(), rel=REL, abs=REL * scale
    )
    assert f["foreclosure_balance"].iloc[-1] == pytest.approx(0.0, abs=REL * scale)


def test_recovery_multiples_on_the_scenario_axis_equal_single_runs() -> None:
    pool = am.synthetic_pool(n=300, seed=3)
    a = am.Assumptions.make(cpr=0.1, cdr=0.2, recovery_rate=0.5, recovery_lag=3, advancing=True)
    lines = rep_lines(pool, a)
    many = project_lines(lines, a, recovery_mult=np.array([0.5, 1.0, 2.5]), default_mult=np.array([1.0, 2.0, 1.0]))
    for i, (rm, dm) in enumerate(((0.5, 1.0), (1.0, 2.0), (2.5, 1.0))):
        one = project_lines(lines, a, recovery_mult=np.array([rm]), default_mult=np.array([dm]))
        for col in ("recoveries", "principal_loss", "advanced_principal", "interest_lost", "foreclosure_balance"):
            np.testing.assert_allclose(many.totals[col][i], one.totals[col][0], rtol=1e-12, atol=1e-6, err_msg=col)


def test_one_loan_by_hand() -> None:
    """600 over 6 months at a 0 % flat fee (100 a month), MDR 10 % in month 1 only, lag 2,
    severity 25 %. Month 1: 60 defaults, advanced principal 10 (its instalment), foreclosure 50.
    Month 2: advanced 10, foreclosure 40. Month 3: liquidated at the amortised 40; loss
    min(25 % × 60, 40) = 15, recovery 25. Principal: 60 = 10 + 10 + 25 + 15."""
    pool = pool_of([dict(loan_id="a", original_principal=600.0, current_principal=600.0, original_term=6,
                         remaining_term=6, product="flat_fee", rate=0.0, bucket=0)])
    a = am.Assumptions.make(mdr=Curve(np.array([0.1, 0.0]), "period"), recovery_rate=0.75, recovery_lag=2, advancing=True)
    f = am.project(pool, a).frame
    t = [1, 2, 3]
    np.testing.assert_allclose(f.loc[t, "defaults"], [60, 0, 0], atol=1e-9)
    np.testing.assert_allclose(f.loc[t, "advanced_principal"], [10, 10, 0], atol=1e-9)
    np.testing.assert_allclose(f.loc[t, "foreclosure_balance"], [50, 40, 0], atol=1e-9)
    np.testing.assert_allclose(f.loc[t, "amortized_default_balance"], [0, 0, 40], atol=1e-9)
    np.testing.assert_allclose(f.loc[t, "principal_loss"], [0, 0, 15], atol=1e-9)
    np.testing.assert_allclose(f.loc[t, "recoveries"], [0, 0, 25], atol=1e-9)
    np.testing.assert_allclose(f.loc[t, "expected_amortization"], [100, 100, 90], atol=1e-9)
    np.testing.assert_allclose(f.loc[t, "principal_collections"], [100, 100, 90], atol=1e-9)


def test_without_advancing_no_advancing_columns() -> None:
    f = am.project(am.synthetic_pool(n=50, seed=1), am.Assumptions.make(cpr=0.1, cdr=0.1)).frame
    assert "advanced_principal" not in f and "foreclosure_balance" not in f


@pytest.mark.parametrize(
    "kw",
    [
        {"advancing": "yes"},
        {"advancing": True, "roll_rates": am.RollRates.simple(roll=[0.05] * 7)},
        {"advancing": True, "cdr": 0.05, "convention": "absbox"},
    ],
)
def test_advancing_is_a_sifma_switch(kw: dict) -> None:
    with pytest.raises(AssumptionError, match="advancing"):
        am.Assumptions.make(cpr=0.1, **kw)

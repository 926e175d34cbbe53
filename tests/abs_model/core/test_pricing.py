"""True APR of flat-fee plans: published Baitiao numbers, a hand-derived closed form, invariants."""

from __future__ import annotations

import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from abs_model.core.pricing import bullet_apr, flat_fee_apr
from abs_model.errors import AssumptionError

# Published in the domain notes to two decimals of a percent: half a basis point either way.
PUBLISHED = 0.00005


@pytest.mark.parametrize(
    ("term", "fee", "apr"),
    [
        (3, 0.005, 0.0898),
        (6, 0.005, 0.1021),
        (12, 0.005, 0.1090),
        (12, 0.008, 0.1727),
        (24, 0.010, 0.2157),
    ],
)
def test_flat_fee_apr_matches_published_baitiao_numbers(term: int, fee: float, apr: float) -> None:
    assert flat_fee_apr(term, fee) == pytest.approx(apr, abs=PUBLISHED)


def test_twelve_periods_at_0_6_percent_cost_about_1_8_times_the_nominal_rate() -> None:
    # 12 × 0.6 % = 7.2 % nominal; the IRR says about 13 %.
    apr = flat_fee_apr(12, 0.006)
    assert apr == pytest.approx(0.1303, abs=PUBLISHED)
    assert 1.7 < apr / (12 * 0.006) < 1.9


def test_flat_fee_apr_is_twelve_times_the_irr_of_the_cash_flows() -> None:
    # 3 periods at 0.5 %: borrow 1, repay 1/3 + 0.005 three times.
    flows = [-1.0, 1 / 3 + 0.005, 1 / 3 + 0.005, 1 / 3 + 0.005]
    assert flat_fee_apr(3, 0.005) == pytest.approx(12 * npf.irr(flows), rel=1e-12)


@pytest.mark.parametrize("fee", [0.0, 0.005, 0.012])
def test_one_period_closed_form_is_twelve_times_the_fee(fee: float) -> None:
    # −1 + (1 + f)/(1 + i) = 0  ⇒  i = f  ⇒  APR = 12 f.
    assert flat_fee_apr(1, fee) == pytest.approx(12 * fee, abs=1e-15)
    assert bullet_apr(1, fee) == pytest.approx(12 * fee, abs=1e-15)


@pytest.mark.parametrize(("term", "fee"), [(1, 0.004), (3, 0.006), (6, 0.01), (12, 0.008)])
def test_bullet_is_a_par_bond_so_its_irr_is_the_fee(term: int, fee: float) -> None:
    flows = [-1.0] + [fee] * (term - 1) + [1.0 + fee]
    assert bullet_apr(term, fee) == pytest.approx(12 * npf.irr(flows), abs=1e-12)
    assert bullet_apr(term, fee) == pytest.approx(12 * fee, abs=1e-15)


@pytest.mark.parametrize("term", [1, 3, 24, 360])
def test_zero_fee_costs_nothing(term: int) -> None:
    assert flat_fee_apr(term, 0.0) == 0.0
    assert bullet_apr(term, 0.0) == 0.0


def test_a_fee_given_in_percent_is_refused_with_a_hint() -> None:
    with pytest.raises(AssumptionError, match=r"fee: must be < 1; got 1\.0 — looks like a percent"):
        flat_fee_apr(12, 1.0)
    with pytest.raises(AssumptionError, match="looks like a percent"):
        bullet_apr(3, 6.0)


@pytest.mark.parametrize(("term", "fee"), [(0, 0.005), (361, 0.005), (2.5, 0.005), (3, -0.001)])
def test_bad_terms_and_negative_fees_are_refused(term: float, fee: float) -> None:
    with pytest.raises(AssumptionError):
        flat_fee_apr(term, fee)  # type: ignore[arg-type]


@given(
    term=st.integers(min_value=2, max_value=36),
    fee=st.floats(min_value=0.0005, max_value=0.03),
)
def test_true_rate_exceeds_nominal_and_rises_with_the_fee(term: int, fee: float) -> None:
    apr = flat_fee_apr(term, fee)
    assert apr > 12 * fee  # the fee is charged on principal already repaid
    assert flat_fee_apr(term, fee * 1.1) > apr

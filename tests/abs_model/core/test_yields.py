"""Bond analytics against the SF §G examples, numpy-financial's documented examples and closed forms."""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abs_model.core import rates, yields
from abs_model.errors import AssumptionError, SolverError
from tests.abs_model.core import sifma_reference as ref

PROPS = settings(derandomize=True, max_examples=100, deadline=None)


def _close(got: float, printed: float, decimals: int) -> bool:
    return abs(got - printed) <= 0.5 * 10.0 ** (-decimals) + 1e-9


def _gnma(psa: float, *, wac: float, net: float, term: int) -> tuple[np.ndarray, np.ndarray]:
    """Pass-through cash flows and principal per 100 of balance, new loans (SF-4 §B.1)."""
    bal, cfs, prin = 100.0, [], []
    for k in range(1, term + 1):
        q = rates.scheduled_balance(wac, term, term - k) / rates.scheduled_balance(wac, term, term - k + 1)
        sched = bal * (1 - q)
        pre = (bal - sched) * rates.psa_to_smm(psa, k)
        cfs.append(sched + pre + bal * net / 12)
        prin.append(sched + pre)
        bal -= sched + pre
    return np.array(cfs), np.array(prin)


EX = ref.GNMA_YIELD_EXAMPLE
CF, PRIN = _gnma(EX["psa"], wac=EX["gross_coupon"], net=EX["net_coupon"], term=EX["term"])
DELAY = EX["delay_days"]


# --------------------------------------------------------------------------------------------
# SF-50..SF-52: Ginnie Mae I 9 % at par, 150 % PSA, 14-day delay
# --------------------------------------------------------------------------------------------


def test_sf50_cash_flows() -> None:
    for got, printed in zip(CF[:3], EX["cf_first_pct"], strict=True):
        assert _close(got, printed, 4)
    assert _close(CF[-1], EX["cf_last_pct"], 4)


def test_sf50_yield_and_mortgage_yield() -> None:
    y = yields.cash_flow_yield(EX["price_pct"] / 100, CF, balance=100.0, delay_days=DELAY)
    assert _close(y * 100, EX["yield_pct"], 5)
    ym = yields.cash_flow_yield(1.0, CF, balance=100.0, delay_days=DELAY, compounding="monthly")
    assert _close(ym * 100, EX["mortgage_yield_pct"], 5)
    assert yields.convert_yield(y, from_="bond_equivalent", to="monthly") == pytest.approx(ym)
    assert yields.price_from_yield(y, CF, balance=100.0, delay_days=DELAY) == pytest.approx(1.0)


def test_sf50_average_life_duration_convexity() -> None:
    y = yields.cash_flow_yield(1.0, CF, balance=100.0, delay_days=DELAY)
    assert _close(yields.wal(PRIN, delay_days=DELAY), EX["average_life"], 5)
    assert _close(yields.macaulay_duration(y, CF, delay_days=DELAY), EX["duration"], 5)
    assert _close(yields.modified_duration(y, CF, delay_days=DELAY), EX["modified_duration"], 5)
    assert _close(yields.convexity(y, CF, delay_days=DELAY), EX["convexity"], 4)


def test_sf51_sale_price_three_months_later_and_total_return() -> None:
    tr = EX["total_return"]
    y = yields.cash_flow_yield(1.0, CF, balance=100.0, delay_days=DELAY)
    factor = 1 - PRIN[:3].sum() / 100
    assert _close(factor, tr["pool_factor"], 8)
    sale = yields.price_from_yield(y, CF[3:], balance=100.0 * factor, delay_days=DELAY)
    assert _close(sale * 100, tr["sale_price"], 4)
    r = tr["reinvestment_rate"]
    horizon = sale * 100 * factor + sum(
        CF[k] * (1 + r / 2) ** (2 * (90 - (30 * (k + 1) + DELAY)) / 360) for k in range(3))
    assert _close(horizon, tr["horizon_value"], 4)
    assert _close(200 * ((horizon / 100) ** (1 / (2 * 0.25)) - 1), tr["total_rate_of_return_pct"], 3)
    assert _close(100 * (horizon / 100 - 1), tr["total_percentage_return_pct"], 3)


def test_sf52_settlement_seven_days_after_issue() -> None:
    ex = ref.GNMA_YIELD_SETTLE_7_DAYS
    accrued = yields.accrued_interest(EX["net_coupon"], ex["settle_days"])
    assert _close((1.0 + accrued) * 100, ex["price_with_accrued_pct"], 4)
    y = yields.cash_flow_yield(1.0, CF, balance=100.0, delay_days=DELAY,
                               settle_days=ex["settle_days"], accrued=accrued)
    assert _close(y * 100, ex["yield_pct"], 5)


def test_sf53_floating_rate_cmo_yields_and_index_yields() -> None:
    ex = ref.FRCMO_EXAMPLE
    # inputs at full precision, as the document defines them
    price = 99 + 100 * (28 / 365 * 0.098750 + 16 / 365 * 0.114375)
    cf1 = 50 + 100 * (28 / 365 * 0.098750 + 31 / 365 * 0.114375 + 122 / 365 * 0.106875)
    cf2 = 50 + 50 * (184 / 365) * 0.106875
    assert _close(price, ex["price"], 4)
    assert _close(cf1, ex["cash_flows"][0], 4) and _close(cf2, ex["cash_flows"][1], 4)
    y30 = yields.yield_from_times(price, [cf1, cf2], ex["times_30_360"])
    assert _close(y30 * 100, ex["yield_30_360_pct"], 5)
    ymm = yields.yield_from_times(price, [cf1, cf2], ex["times_act_360"])
    assert _close(ymm * 100, ex["yield_act_360_pct"], 5)
    libor = ex["libor_3m_pct"] / 100
    idx30 = yields.convert_yield(libor * 365 / 360, from_="quarterly", to="bond_equivalent")
    idxmm = yields.convert_yield(libor, from_="quarterly", to="bond_equivalent")
    assert _close(idx30 * 100, ex["index_yield_30_360_pct"], 5)
    assert _close(idxmm * 100, ex["index_yield_act_360_pct"], 5)
    assert _close((y30 - idx30) * 1e4, ex["ytm_spread_30_360_bp"], 2)
    assert _close((ymm - idxmm) * 1e4, ex["ytm_spread_act_360_bp"], 2)


def test_sf56_average_life_of_an_accrual_instrument() -> None:
    ex = ref.ACCRUAL_AVERAGE_LIFE
    assert _close(yields.wal(ex["principal"], periods_per_year=1), ex["average_life_gpm_arm"], 2)
    assert _close(yields.wal(ex["principal"], periods_per_year=1, negative_principal="ignore"),
                  ex["average_life_z_bond"], 2)


# --------------------------------------------------------------------------------------------
# numpy-financial's documented examples (numpy_financial 1.0 docstrings), through our functions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flows", "printed"),
    [([-100, 39, 59, 55, 20], 0.28095), ([-100, 0, 0, 74], -0.0955), ([-100, 100, 0, -7], -0.0833),
     ([-100, 100, 0, 7], 0.06206), ([-5, 10.5, 1, -8, 1], 0.0886)],
)
def test_npf_irr_examples(flows: list[float], printed: float) -> None:
    assert round(yields.irr(flows), 5) == printed


def test_npf_irr_example_as_a_cash_flow_yield() -> None:
    y = yields.cash_flow_yield(1.0, [39, 59, 55, 20], balance=100, periods_per_year=1,
                               compounding="annual")
    assert round(y, 5) == 0.28095


def test_npf_npv_example_as_a_price() -> None:
    pv = yields.price_from_yield(0.08, [5_000, 8_000, 12_000, 30_000], balance=1.0,
                                 periods_per_year=1, compounding="annual")
    assert round(pv - 40_000, 5) == 3065.22267


def test_npf_pmt_example_level_annuity_is_par_at_its_coupon() -> None:
    payment = -npf.pmt(0.075 / 12, 12 * 15, 200_000)
    assert payment == pytest.approx(1854.0247200054619, rel=1e-15)
    flows = np.full(180, payment)
    assert yields.price_from_yield(0.075, flows, balance=200_000,
                                   compounding="monthly") == pytest.approx(1.0, rel=1e-12)
    assert yields.cash_flow_yield(1.0, flows, balance=200_000,
                                  compounding="monthly") == pytest.approx(0.075, rel=1e-10)


# --------------------------------------------------------------------------------------------
# closed forms worked by hand
# --------------------------------------------------------------------------------------------


def test_bullet_bond_at_its_coupon_is_par() -> None:
    # semiannual 6 % bond, 10 years, as 6-monthly periods: par at a 6 % bond-equivalent yield
    flows = np.full(20, 3.0)
    flows[-1] += 100
    assert yields.price_from_yield(0.06, flows, balance=100, periods_per_year=2) == pytest.approx(1)


def test_zero_coupon_duration_is_its_maturity() -> None:
    flows = np.zeros(60)
    flows[-1] = 100.0
    for y in (0.0, 0.03, 0.12):
        assert yields.macaulay_duration(y, flows) == pytest.approx(5.0, rel=1e-12)
        assert yields.modified_duration(y, flows) == pytest.approx(5.0 / (1 + y / 2))
        # convexity of a zero: T (T + 1/2) / (1 + y/2)^2
        assert yields.convexity(y, flows) == pytest.approx(5.0 * 5.5 / (1 + y / 2) ** 2)


def test_wal_and_window_of_a_simple_schedule() -> None:
    principal = [0, 0, 50, 0, 50, 0]
    assert yields.wal(principal) == pytest.approx((3 * 50 + 5 * 50) / 100 / 12)
    assert yields.wal(principal, periods_per_year=4) == pytest.approx(4 / 4)
    assert yields.principal_window(principal) == (3, 5)


def test_monthly_and_bond_equivalent_are_the_same_discounting() -> None:
    ym = 0.06
    bey = 2 * ((1 + ym / 12) ** 6 - 1)
    assert yields.convert_yield(ym, from_="monthly", to="bond_equivalent") == pytest.approx(bey)
    p1 = yields.price_from_yield(ym, CF, balance=100, compounding="monthly")
    p2 = yields.price_from_yield(bey, CF, balance=100)
    assert p1 == pytest.approx(p2, rel=1e-14)


def test_spread_to_a_flat_curve_is_yield_minus_curve() -> None:
    y = yields.cash_flow_yield(1.0, CF, balance=100.0, delay_days=DELAY)
    s = yields.spread_to_curve(1.0, CF, [0.5, 30.0], [0.05, 0.05], balance=100.0, delay_days=DELAY)
    assert s == pytest.approx(y - 0.05, abs=1e-12)


def test_spread_recovers_a_spread_over_a_sloped_curve() -> None:
    times, zeros = [0.25, 2, 5, 10, 30], [0.03, 0.035, 0.04, 0.045, 0.05]
    t = np.arange(1, CF.size + 1) / 12
    pv = np.sum(CF * (1 + (np.interp(t, times, zeros) + 0.0123) / 2) ** (-2 * t))
    s = yields.spread_to_curve(pv / 100, CF, times, zeros, balance=100.0)
    assert s == pytest.approx(0.0123, abs=1e-12)


# --------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------

flows_st = st.lists(st.floats(0.0, 1e6), min_size=1, max_size=120).filter(lambda v: sum(v) > 1.0)


@PROPS
@given(flows_st, st.floats(-0.05, 0.5), st.sampled_from(["bond_equivalent", "monthly"]))
def test_price_yield_round_trip(flows: list[float], y: float, comp: str) -> None:
    bal = sum(flows)
    price = yields.price_from_yield(y, flows, balance=bal, delay_days=14, compounding=comp)  # type: ignore[arg-type]
    back = yields.cash_flow_yield(price, flows, balance=bal, delay_days=14, compounding=comp)  # type: ignore[arg-type]
    assert back == pytest.approx(y, abs=1e-9)


@PROPS
@given(flows_st, st.floats(0.0, 0.3))
def test_durations_match_numerical_derivatives(flows: list[float], y: float) -> None:
    h = 1e-5

    def p(x: float) -> float:
        return yields.price_from_yield(x, flows, balance=1.0)

    mod = yields.modified_duration(y, flows)
    assert mod == pytest.approx(-(p(y + h) - p(y - h)) / (2 * h) / p(y), rel=1e-5, abs=1e-7)
    assert mod == pytest.approx(yields.macaulay_duration(y, flows) / (1 + y / 2))
    conv = yields.convexity(y, flows)
    assert conv == pytest.approx((p(y + h) - 2 * p(y) + p(y - h)) / h**2 / p(y), rel=1e-3, abs=1e-3)


@PROPS
@given(flows_st)
def test_wal_lies_within_the_principal_window(flows: list[float]) -> None:
    first, last = yields.principal_window(flows)
    assert first / 12 - 1e-12 <= yields.wal(flows) <= last / 12 + 1e-12


# --------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------


def test_unreachable_price_raises_solver_error() -> None:
    with pytest.raises(SolverError, match=r"no yield in \[-99%, 1000%\] reproduces price 1.8"):
        yields.cash_flow_yield(1.8, [0.0, 0.0], balance=1.0)
    with pytest.raises(SolverError, match="no internal rate of return"):
        yields.irr([1.0, 2.0, 3.0])
    with pytest.raises(SolverError, match="no spread"):
        yields.spread_to_curve(1e9, [1.0], [1.0], [0.05], balance=1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: yields.wal([0, 0]), r"principal: must sum to more than 0"),
        (lambda: yields.wal([[1, 2]]), r"principal: must be a 1-D array"),
        (lambda: yields.wal([]), r"principal: must have at least one period"),
        (lambda: yields.wal([1.0], negative_principal="drop"), r"negative_principal"),
        (lambda: yields.principal_window([0, -1]), r"principal: no period pays principal"),
        (lambda: yields.cash_flow_yield(1.0, [1.0], balance=0), r"balance: must be a finite number > 0"),
        (lambda: yields.cash_flow_yield(1.0, [1.0], balance=1, periods_per_year=5),
         r"periods_per_year: must be one of"),
        (lambda: yields.cash_flow_yield(1.0, [1.0], balance=1, delay_days=-3), r"delay_days"),
        (lambda: yields.cash_flow_yield(1.0, [1.0], balance=1, compounding="daily"),  # type: ignore[arg-type]
         r"compounding: must be one of"),
        (lambda: yields.price_from_yield(-3.0, [1.0], balance=1), r"yield_: must be > -2"),
        (lambda: yields.macaulay_duration(0.05, [0.0, 0.0]), r"positive present value"),
        (lambda: yields.yield_from_times(1.0, [1.0, 2.0], [1.0]), r"times: must have one time"),
        (lambda: yields.spread_to_curve(1.0, [1.0], [2.0, 1.0], [0.1, 0.1], balance=1),
         r"curve_times: must be strictly increasing"),
        (lambda: yields.cash_flow_yield(1.0, [1.0, float("nan")], balance=1), r"cashflows: must be finite"),
    ],
)
def test_bad_inputs_raise_assumption_errors(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AssumptionError, match=message):
        call()


def test_scalar_results_are_floats() -> None:
    assert type(yields.wal([1.0, 2.0])) is float
    assert type(yields.cash_flow_yield(1.0, [0.5, 0.6], balance=1.0)) is float
    assert type(yields.irr([-1, 2])) is float

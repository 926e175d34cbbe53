"""Calibration from a loan-month history (abs_model.assumptions.history + abs_model.assumptions.calibration).

The history is simulated from known parameters; every estimate must recover them within sampling
error. Standard errors: a transition share ``p̂ = n_ij / n_i`` is binomial, ``√(p(1−p)/n_i)``; with
balance weights the effective size ``(Σw)²/Σw²`` replaces ``n_i``. "Within sampling error" is
|estimate − truth| ≤ Z·s.e. with Z = 4 (a two-sided 6e-5 chance per cell under the truth; the seeds
are fixed, so the tests are deterministic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.assumptions.assumptions import RollRates
from abs_model.assumptions.calibration import Calibration, calibrate, chain_ladder
from abs_model.assumptions.history import bucket_of_dpd, synthetic_history
from abs_model.errors import AssumptionError

Z = 4.0
EXACT = 1e-12

TRUE = am.RollRates.simple(
    roll=[0.03, 0.40, 0.55, 0.70, 0.85, 0.90, 1.0],
    cure=[0.40, 0.25, 0.10, 0.05, 0.03, 0.0],
)
TRUE_CPR = 0.20


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return synthetic_history(60_000, seed=11, true_roll_rates=TRUE, true_cpr=TRUE_CPR, months=36, vintages=24, term=12)


@pytest.fixture(scope="module")
def cal(history: pd.DataFrame) -> Calibration:
    return calibrate(history)


def _within(est: np.ndarray, true: np.ndarray, se: np.ndarray, n: np.ndarray, *, min_n: float = 50) -> int:
    """Assert every cell with enough data and a non-degenerate truth is within Z s.e.; cells whose
    truth is 0 or 1 must be estimated exactly. Returns the number of cells checked."""
    checked = 0
    for idx in np.ndindex(est.shape):
        row_n = n[idx[:-1]]
        if row_n < min_n:
            continue
        t = true[idx]
        if t in (0.0, 1.0):
            assert est[idx] == t, (idx, est[idx], t)
            continue
        true_se = np.sqrt(t * (1 - t) / row_n)  # s.e. under the truth, not the estimate
        assert abs(est[idx] - t) <= Z * true_se, (idx, est[idx], t, true_se, se[idx])
        checked += 1
    return checked


# ----------------------------------------------------------------------------- the history itself
def test_history_rows_are_consistent(history: pd.DataFrame) -> None:
    h = history
    assert list(h.columns[:12]) == [
        "loan_id",
        "vintage",
        "month",
        "months_on_book",
        "term",
        "original_balance",
        "opening_balance",
        "balance",
        "days_past_due",
        "scheduled_paid",
        "prepaid",
        "defaulted",
    ]
    # balance roll-forward, row by row
    np.testing.assert_allclose(h.opening_balance - h.scheduled_paid - h.prepaid, h.balance, atol=1e-9)
    assert (h.balance >= -1e-9).all() and (h.scheduled_paid >= -1e-9).all()
    # months on book and the calendar agree
    assert (h.month - h.months_on_book == h.vintage).all()
    # the next row opens where the last closed; buckets move at most one step forward
    same = h.loan_id.to_numpy()[1:] == h.loan_id.to_numpy()[:-1]
    np.testing.assert_allclose(h.opening_balance.to_numpy()[1:][same], h.balance.to_numpy()[:-1][same])
    b = bucket_of_dpd(h.days_past_due.to_numpy()).astype(int)
    assert np.all(b[1:][same] <= b[:-1][same] + 1)
    # delinquent balances pay nothing when rolling forward, prepayment only when current
    assert (h.prepaid[b > 0] == 0).all()
    # each loan defaults at most once
    assert (h[h.defaulted > 0].groupby("loan_id").size() == 1).all()


def test_history_is_reproducible_and_has_the_reserved_column() -> None:
    a = synthetic_history(500, seed=4, true_roll_rates=TRUE, months=15, vintages=3)
    b = synthetic_history(500, seed=4, true_roll_rates=TRUE, months=15, vintages=3)
    pd.testing.assert_frame_equal(a, b)
    c = synthetic_history(500, seed=4, true_roll_rates=TRUE, months=15, vintages=3, restructured_column=True)
    assert "restructured" in c.columns and not c["restructured"].any()
    assert "restructured" not in a.columns


def test_bucket_of_dpd_edges() -> None:
    dpd = [0, 1, 30, 31, 60, 61, 90, 91, 180, 181, 400]
    assert bucket_of_dpd(dpd).tolist() == [0, 1, 1, 2, 2, 3, 3, 4, 6, 7, 7]


# ----------------------------------------------------------------------------- roll rates
def test_roll_rates_recover_the_truth_count_weighted(cal: Calibration) -> None:
    n = cal.transition_counts[0].sum(axis=1)
    checked = _within(cal.roll_rates.matrix[0], TRUE.matrix[0], cal.roll_rate_se[0], n)
    assert checked >= 17  # every roll, cure and stay rate of M0…M5
    assert cal.roll_rates.matrix[0, 7, 7] == 1.0  # M7 absorbing
    assert cal.irregular_transitions == 0
    # the s.e. reported is the binomial one
    p, nn = cal.roll_rates.matrix[0, 1, 2], n[1]
    assert cal.roll_rate_se[0, 1, 2] == pytest.approx(np.sqrt(p * (1 - p) / nn), rel=EXACT)


def test_roll_rates_recover_the_truth_balance_weighted(history: pd.DataFrame) -> None:
    c = calibrate(history, weights="balance")
    checked = _within(c.roll_rates.matrix[0], TRUE.matrix[0], c.roll_rate_se[0], c.roll_rate_n_eff[0])
    assert checked >= 17
    # Kish's effective size is below the count when balances vary
    assert np.all(c.roll_rate_n_eff[0, :6] < c.transition_counts[0, :6].sum(axis=1))


def test_roll_rates_by_months_on_book() -> None:
    """A truth whose M0 → M1 roll falls with age (a seasoning curve): one matrix per age."""
    ages = 6
    stack = np.stack(
        [
            am.RollRates.simple(
                roll=[0.08 - 0.01 * a, 0.4, 0.55, 0.7, 0.85, 0.9, 1.0], cure=[0.4, 0.25, 0.1, 0.05, 0.03, 0.0]
            ).matrix[0]
            for a in range(ages)
        ]
    )
    h = synthetic_history(40_000, seed=5, true_roll_rates=stack, true_cpr=0.1, months=14, vintages=4, term=6)
    c = calibrate(h, by_months_on_book=True)
    M = c.roll_rates.matrix.shape[0]
    assert int(h.months_on_book.max()) == M
    truth = np.stack([stack[min(a, ages - 1)] for a in range(M)])
    n = c.transition_counts.sum(axis=2)
    checked = _within(c.roll_rates.matrix, truth, c.roll_rate_se, n, min_n=200)
    assert checked >= 30
    # the seasoning shows: age 1 rolls clearly more than age 6
    assert c.roll_rates.matrix[0, 0, 1] > c.roll_rates.matrix[5, 0, 1] + 4 * c.roll_rate_se[0, 0, 1]
    # CPR by age recovers the constant
    smm = am.rates.cpr_to_smm(0.1)
    assert abs(c.smm - smm) <= Z * np.sqrt(smm * (1 - smm) / c.smm_n_eff)


# ----------------------------------------------------------------------------- prepayment
def test_smm_and_cpr_recover_the_truth(cal: Calibration, history: pd.DataFrame) -> None:
    smm = float(am.rates.cpr_to_smm(TRUE_CPR))
    true_se = np.sqrt(smm * (1 - smm) / cal.smm_n_eff)
    assert abs(cal.smm - smm) <= Z * true_se
    assert cal.cpr == pytest.approx(1 - (1 - cal.smm) ** 12, rel=EXACT)
    # the eligible rows: current with a balance left after the instalment
    b = bucket_of_dpd(history.days_past_due.to_numpy())
    elig = (b == 0) & (history.balance + history.prepaid > 0)
    assert cal.smm_n_eff == elig.sum()
    assert cal.smm == pytest.approx((history.prepaid[elig] > 0).mean(), rel=EXACT)
    # balance-weighted SMM: Σ prepaid / Σ (balance + prepaid)
    cb = calibrate(history, weights="balance")
    x = history[elig]
    assert cb.smm == pytest.approx(x.prepaid.sum() / (x.balance + x.prepaid).sum(), rel=1e-10)
    assert abs(cb.smm - smm) <= Z * np.sqrt(smm * (1 - smm) / cb.smm_n_eff)


def test_cpr_by_age_from_a_known_curve() -> None:
    cpr = [0.05, 0.10, 0.20, 0.30, 0.30, 0.30]
    h = synthetic_history(30_000, seed=8, true_roll_rates=TRUE, true_cpr=cpr, months=8, vintages=2, term=6)
    c = calibrate(h)
    by_age = c.smm_by_months_on_book
    n_by_age = (bucket_of_dpd(h.days_past_due.to_numpy()) == 0) & (h.balance + h.prepaid > 0)
    counts = h[n_by_age].groupby("months_on_book").size()
    for a in range(1, 6):
        smm = float(am.rates.cpr_to_smm(cpr[a - 1]))
        assert abs(by_age[a] - smm) <= Z * np.sqrt(smm * (1 - smm) / counts[a]), a


# ----------------------------------------------------------------------------- chain-ladder
def _known_curve(ages: int) -> np.ndarray:
    timing = np.array([0.0, 0.0, 0.05, 0.15, 0.2, 0.2, 0.15, 0.1, 0.08, 0.05, 0.02, 0.0])[:ages]
    return np.cumsum(timing / timing.sum()) * 0.06


def _cut(full: np.ndarray) -> pd.DataFrame:
    """Triangle: vintage v observed for ages 1 … A − v."""
    V, A = full.shape
    tri = full.copy()
    for v in range(V):
        tri[v, max(1, A - v) :] = np.nan
    return pd.DataFrame(
        tri, index=pd.Index(range(V), name="vintage"), columns=pd.Index(range(1, A + 1), name="months_on_book")
    )


def test_chain_ladder_recovers_a_known_curve_multiplicative() -> None:
    """Vintages at different levels s_v of one curve c (no zeros): f_a = c_{a+1}/c_a exactly, so
    the completed triangle is s_v c and the timing is Δc / c_A."""
    c = _known_curve(12)[2:]  # starts above 0
    scale = np.array([1.0, 1.3, 0.7, 1.1, 0.9, 1.2, 0.8, 1.0])
    full = scale[:, None] * c[None, :]
    cl = chain_ladder(_cut(full), weights=pd.Series(np.linspace(1, 2, 8)))
    np.testing.assert_allclose(cl.completed.to_numpy(), full, rtol=1e-12)
    np.testing.assert_allclose(cl.factors.to_numpy(), c[1:] / c[:-1], rtol=1e-12)
    np.testing.assert_allclose(cl.lifetime.to_numpy(), scale * c[-1], rtol=1e-12)
    np.testing.assert_allclose(cl.timing.to_numpy(), np.diff(np.r_[0.0, c]) / c[-1], rtol=1e-12, atol=1e-15)
    assert cl.timing.sum() == pytest.approx(1.0, rel=EXACT)


def test_chain_ladder_recovers_a_known_curve_with_leading_zeros() -> None:
    """Defaults start at age 3 (no default before 90+ dpd): young vintages still at 0 develop by
    the average increment, which is exact when every vintage follows the same curve."""
    c = _known_curve(12)
    full = np.tile(c, (10, 1))
    cl = chain_ladder(_cut(full))
    np.testing.assert_allclose(cl.completed.to_numpy(), full, rtol=1e-12, atol=1e-15)
    assert cl.lifetime_rate == pytest.approx(0.06, rel=1e-12)
    np.testing.assert_allclose(cl.curve.to_numpy(), c, rtol=1e-12, atol=1e-15)


def test_chain_ladder_validates_the_triangle() -> None:
    bad = _cut(np.tile(_known_curve(6), (3, 1)))
    bad.iloc[0, 2] = np.nan  # a gap inside the observed part
    with pytest.raises(AssumptionError, match="must be a prefix"):
        chain_ladder(bad)


# ----------------------------------------------------------------------------- vintage defaults
def test_vintage_triangle_and_lifetime_match_the_model(cal: Calibration, history: pd.DataFrame) -> None:
    """The roll-rate projection of a fresh 12-month pool under the true parameters gives the
    expected lifetime default rate of the simulated loans; the chain-ladder estimate (incomplete
    vintages extrapolated) must be within sampling error of it."""
    tri = cal.vintages.triangle
    assert tri.shape == (24, 36)
    assert tri.iloc[0].notna().all() and tri.iloc[23].notna().sum() == 36 - 23
    # no default before 4 months on book (90+ dpd = entering M4)
    assert (tri.iloc[:, :3].fillna(0) == 0).all().all()
    # the triangle counts first entries above 90 dpd at their balance
    h = history
    v0 = h[h.vintage == 0]
    first = v0[bucket_of_dpd(v0.days_past_due.to_numpy()) >= 4].groupby("loan_id").head(1)
    orig0 = v0.groupby("loan_id").original_balance.first().sum()
    assert tri.iloc[0, -1] == pytest.approx(first.balance.sum() / orig0, rel=1e-12)
    np.testing.assert_allclose(first.balance.sum(), v0.defaulted.sum(), rtol=1e-12)  # the generator's flag agrees

    pool = am.Pool.from_arrays(
        loan_id=np.array(["x"]),
        original_principal=[1000.0],
        current_principal=[1000.0],
        original_term=[12],
        remaining_term=[12],
        product=["flat_fee"],
        rate=[0.0],
        bucket=[0],
        origination_date=np.array(["2026-06-30"], dtype="datetime64[D]"),
        cutoff_date="2026-06-30",
    )
    cf = am.project(pool, am.Assumptions.make(cpr=TRUE_CPR, roll_rates=TRUE))
    truth = float(cf.frame["defaults"].sum() / 1000.0)
    # s.e. of the ratio Σ d_i / Σ B_i over loans (d_i the defaulted balance of loan i)
    loans = h.groupby("loan_id").agg(d=("defaulted", "sum"), b=("original_balance", "first"))
    r = loans.d.sum() / loans.b.sum()
    se = np.sqrt(((loans.d - r * loans.b) ** 2).sum()) / loans.b.sum()
    assert abs(cal.lifetime_default_rate - truth) <= Z * se * np.sqrt(2)  # √2: incomplete vintages add noise
    # the timing curve by months on book matches the projection's by period
    proj_timing = cf.frame["defaults"].to_numpy()[1:] / cf.frame["defaults"].sum()
    np.testing.assert_allclose(cal.default_timing.to_numpy()[: proj_timing.size], proj_timing, atol=0.02)
    assert cal.default_timing.sum() == pytest.approx(1.0, rel=1e-12)


# ----------------------------------------------------------------------------- assumptions
def test_assumptions_are_ready_for_project(cal: Calibration) -> None:
    a = cal.assumptions(recovery_rate=0.1, recovery_lag=6)
    assert a.convention == "roll_rate"
    np.testing.assert_array_equal(a.roll_rates.matrix, cal.roll_rates.matrix)  # type: ignore[union-attr]
    assert a.cpr.values[0] == pytest.approx(cal.cpr, rel=EXACT)
    assert a.recovery_rate == 0.1 and a.recovery_lag == 6 and a.default_threshold_days == 90
    pool = am.synthetic_pool(2_000, seed=3)
    cf = am.project(pool, a)
    assert cf.frame["defaults"].sum() > 0
    b = cal.assumptions(default_model="cumulative_default")
    assert b.cumulative_default == pytest.approx(cal.lifetime_default_rate, rel=EXACT)
    assert b.default_timing is not None and b.default_timing.values.sum() == pytest.approx(1.0)
    am.project(pool, b)
    with pytest.raises(AssumptionError, match="default_model: must be 'roll_rate' or 'cumulative_default'; got 'x'"):
        cal.assumptions(default_model="x")  # type: ignore[arg-type]


def test_default_threshold_changes_the_default_definition(history: pd.DataFrame) -> None:
    c180 = calibrate(history, default_threshold_days=180)
    assert c180.lifetime_default_rate < calibrate(history).lifetime_default_rate
    assert c180.assumptions().default_threshold_days == 180


# ----------------------------------------------------------------------------- validation
def test_calibrate_names_missing_columns_and_bad_values(history: pd.DataFrame) -> None:
    with pytest.raises(AssumptionError, match=r"history: must have the columns .*; missing \['days_past_due'\]"):
        calibrate(history.drop(columns="days_past_due"))
    bad = history.head(50).copy()
    bad.loc[3, "days_past_due"] = -5
    with pytest.raises(AssumptionError, match="days_past_due: must be ≥ 0; got -5"):
        calibrate(bad)
    with pytest.raises(AssumptionError, match="weights: must be 'count' or 'balance'; got 'dollar'"):
        calibrate(history.head(50), weights="dollar")  # type: ignore[arg-type]
    with pytest.raises(AssumptionError, match="default_threshold_days: must be one of"):
        calibrate(history.head(50), default_threshold_days=100)
    with pytest.raises(AssumptionError, match="history: must be a pandas DataFrame"):
        calibrate([1, 2])


def test_synthetic_history_validates() -> None:
    with pytest.raises(AssumptionError, match="vintages: must be ≤ months"):
        synthetic_history(10, true_roll_rates=TRUE, months=3, vintages=5)
    with pytest.raises(AssumptionError, match="true_cpr: must be decimals in"):
        synthetic_history(10, true_roll_rates=TRUE, true_cpr=20)
    with pytest.raises(AssumptionError, match=r"roll_rates\.matrix"):
        synthetic_history(10, true_roll_rates=np.eye(3))


def test_irregular_transitions_are_counted_not_used(history: pd.DataFrame) -> None:
    h = history.copy()
    row = h.index[(h.days_past_due == 0) & (h.months_on_book == 3)][0]
    h.loc[row, "days_past_due"] = 75  # M0 → M3 skips buckets
    c = calibrate(h)
    assert c.irregular_transitions >= 1
    assert c.roll_rates.matrix[0, 0, 3] == 0.0


def test_restructuring_take_up_and_redefault_are_recovered() -> None:
    # True parameters: 30 % of M2 and 20 % of M3 balances (by count) enter a 6-month plan each
    # month; 8 % of plans re-default each month. Estimates must fall within 4 binomial standard
    # errors, and the roll rates (conditional on not restructuring) are still recovered.
    from abs_model.assumptions.history import synthetic_history

    true_rr = RollRates.simple(roll=[0.06, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], cure=[0.3, 0.2, 0.1, 0.05, 0.0, 0.0])
    h = synthetic_history(40_000, seed=5, true_roll_rates=true_rr, true_cpr=0.1, months=24, vintages=12,
                          true_take_up={2: 0.3, 3: 0.2}, true_redefault=0.08, plan_periods=6)
    assert h["restructured"].any()
    cal = calibrate(h)
    for b, truth in {2: 0.3, 3: 0.2}.items():
        assert abs(cal.take_up[b] - truth) <= 4 * cal.take_up_se[b], (b, cal.take_up[b])
    assert cal.take_up[1] <= 4 * max(cal.take_up_se[1], 1e-4)
    assert cal.redefault_rate is not None and cal.redefault_se is not None
    assert abs(cal.redefault_rate - 0.08) <= 4 * cal.redefault_se
    est, se = cal.roll_rates.matrix[0], cal.roll_rate_se[0]
    for i in range(4):
        assert abs(est[i, i + 1] - true_rr.matrix[0, i, i + 1]) <= 4 * se[i, i + 1] + 1e-12, i
    a = cal.assumptions(plan_periods=6)
    assert a.collections is not None and a.collections.restructuring is not None
    assert a.collections.restructuring.take_up[2] == pytest.approx(cal.take_up[2])


def test_history_without_restructuring_estimates_no_take_up() -> None:
    from abs_model.assumptions.history import synthetic_history

    rr = RollRates.simple(roll=[0.05, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0], cure=[0.3, 0.2, 0.1, 0.05, 0.0, 0.0])
    h = synthetic_history(3000, seed=1, true_roll_rates=rr, restructured_column=True)
    cal = calibrate(h)
    assert all(v == 0.0 for v in cal.take_up.values())
    assert cal.assumptions().collections is None or cal.assumptions().collections.restructuring.take_up.get(2, 0.0) == 0.0

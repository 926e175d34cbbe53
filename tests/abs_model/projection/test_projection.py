"""Projection: worked examples by hand, the reference loop, and the invariants of design §6."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abs_model.assumptions.assumptions import Assumptions, Curve, RollRates, SegmentOverride
from abs_model.assumptions.buyback import BuyBack
from abs_model.collateral.pool import Pool
from abs_model.errors import AssumptionError
from abs_model.projection.engine import project
from tests.abs_model.projection.reference_loop import reference_project

CENT = 0.005
REL = 1e-9


def one_loan(**kw: object) -> Pool:
    base: dict[str, object] = dict(
        loan_id=["a"],
        original_principal=[3000.0],
        current_principal=[3000.0],
        original_term=[3],
        remaining_term=[3],
        product=["flat_fee"],
        rate=[0.005],
    )
    base.update({k: [v] for k, v in kw.items()})
    return Pool.from_arrays(**base)  # type: ignore[arg-type]


def test_flat_fee_three_instalments_by_hand() -> None:
    # 3,000 over 3 instalments, fee 0.5 % a period on the ORIGINAL 3,000 = 15.00 each period;
    # principal 1,000 each period; nothing prepays or defaults.
    f = project(one_loan(), Assumptions.make()).frame
    assert f.loc[1:3, "scheduled_principal"].tolist() == pytest.approx([1000.0] * 3, abs=CENT)
    assert f.loc[1:3, "fee_interest"].tolist() == pytest.approx([15.0] * 3, abs=CENT)
    assert f.loc[1:3, "closing_balance"].tolist() == pytest.approx([2000.0, 1000.0, 0.0], abs=CENT)


def test_prepayment_after_the_scheduled_instalment_by_hand() -> None:
    # SMM 10 % (CPR = 1 − 0.9^12). Period 1: pays 1,000 + 15 fee; 10 % of the remaining 2,000
    # prepays = 200. With unearned fees charged in full the prepaid 10 % also pays the two
    # remaining fees: 0.1 × 2 × 15 = 3.00. Period 2: 0.9 of the loan pays 900 + 13.50 fee,
    # then prepays 0.1 × 0.9 × 1,000 = 90 and 0.09 × 15 = 1.35 of fees.
    cpr = 1 - 0.9**12
    f = project(one_loan(), Assumptions.make(cpr=cpr, unearned_fee="full")).frame
    assert f.loc[1, ["scheduled_principal", "fee_interest", "prepayment", "prepayment_fee"]].tolist() == pytest.approx(
        [1000, 15, 200, 3.0], abs=CENT
    )
    assert f.loc[2, ["scheduled_principal", "fee_interest", "prepayment", "prepayment_fee"]].tolist() == pytest.approx(
        [900, 13.5, 90, 1.35], abs=CENT
    )
    # period 3 pays the last instalment: nothing is left to prepay (prepay base 0)
    assert f.loc[1:2, "smm"].tolist() == pytest.approx([0.1, 0.1], rel=REL)


def test_level_payment_matches_numpy_financial() -> None:
    # 12,000 at 12 % a year over 12 months: numpy-financial's pmt(0.01, 12, 12000) = 1,066.19;
    # first instalment's interest = 1 % × 12,000 = 120.00, principal = 946.19.
    import numpy_financial as npf

    p = one_loan(
        product="level_payment",
        rate=0.12,
        original_principal=12000.0,
        current_principal=12000.0,
        original_term=12,
        remaining_term=12,
    )
    f = project(p, Assumptions.make()).frame
    pay = -npf.pmt(0.01, 12, 12000)
    assert pay == pytest.approx(1066.1854, abs=1e-4)
    assert f.loc[1, "fee_interest"] == pytest.approx(120.0, abs=CENT)
    assert f.loc[1, "scheduled_principal"] == pytest.approx(pay - 120.0, abs=CENT)
    assert (f.loc[1:12, "scheduled_principal"] + f.loc[1:12, "fee_interest"]).tolist() == pytest.approx(
        [pay] * 12, abs=CENT
    )


def test_delinquent_loan_pays_nothing_then_cures_with_arrears() -> None:
    # Current loan of 3,000, 3 × 1,000 + 15 fee. Period 1: all of it rolls to M1 (pays nothing).
    # Period 2: all of it cures: pays 2 instalments (the missed one and the current one):
    # principal 2,000, fees 30.
    P = np.zeros((8, 8))
    P[7, 7] = 1
    for i in range(1, 7):
        P[i, i] = 1
    P[0, 1] = 1.0
    stack = np.stack([P, P.copy()])
    stack[1, 0, 1], stack[1, 0, 0] = 0.0, 1.0
    stack[1, 1, 1], stack[1, 1, 0] = 0.0, 1.0
    # month-on-book 1 uses stack[0] (roll), month 2 uses stack[1] (cure); the loan is new (age 0)
    f = project(one_loan(), Assumptions.make(roll_rates=stack)).frame
    assert f.loc[1, ["scheduled_principal", "fee_interest", "balance_m1"]].tolist() == pytest.approx(
        [0, 0, 3000], abs=CENT
    )
    assert f.loc[2, ["scheduled_principal", "fee_interest", "balance_m0"]].tolist() == pytest.approx(
        [2000, 30, 1000], abs=CENT
    )


def test_default_at_ninety_days_and_recovery_after_lag() -> None:
    # Rolls 100 % every period: M0→M1→M2→M3, then entering M4 (90+) is a default of the
    # full 3,000 in period 4. 20 % is recovered 3 periods later (period 7); net loss 2,400.
    rr = RollRates.simple(roll=[1.0] * 7)
    f = project(one_loan(), Assumptions.make(roll_rates=rr, recovery_rate=0.2, recovery_lag=3)).frame
    assert f.loc[4, "defaults"] == pytest.approx(3000.0, abs=CENT)
    assert f["defaults"].sum() == pytest.approx(3000.0, abs=CENT)
    assert f.loc[7, "recoveries"] == pytest.approx(600.0, abs=CENT)
    assert f["net_loss"].sum() == pytest.approx(2400.0, abs=CENT)


def test_sifma_default_then_prepay_order() -> None:
    # MDR 1 %, SMM 2 % on a 3-instalment flat-fee loan of 3,000. Period 1: defaults 30.00
    # (1 % of 3,000); survivors 0.99 pay 990 principal + 14.85 fee; prepayment follows the Standard
    # Formulas: SMM × PB(0) × q = 2 % × 3,000 × (2,000 / 3,000) = 40.00.
    a = Assumptions.make(mdr=0.01, smm=0.02)
    f = project(one_loan(), a).frame
    assert f.loc[1, ["defaults", "scheduled_principal", "fee_interest", "prepayment"]].tolist() == pytest.approx(
        [30, 990, 14.85, 40.0], abs=CENT
    )
    assert f.loc[1:3, "mdr"].tolist() == pytest.approx([0.01] * 3, rel=REL)
    assert f.loc[1:2, "smm"].tolist() == pytest.approx([0.02] * 2, rel=REL)  # nothing to prepay in period 3


def test_bad_assumptions_are_refused_clearly() -> None:
    with pytest.raises(AssumptionError, match=r"cpr: must be a decimal in \[0, 1\]; got 6.0 — rates are decimals"):
        Assumptions.make(cpr=6.0)
    bad = np.eye(8)
    bad[0, 0] = 0.9
    with pytest.raises(AssumptionError, match=r"row M0\): must sum to 1; got 0.9"):
        Assumptions.make(roll_rates=bad)
    skip = np.eye(8)
    skip[0, 0], skip[0, 2] = 0.5, 0.5
    with pytest.raises(AssumptionError, match="at most one bucket"):
        Assumptions.make(roll_rates=skip)
    with pytest.raises(AssumptionError, match="default_timing: must sum to 1"):
        Assumptions.make(cumulative_default=0.05, default_timing=[0.5, 0.3])
    with pytest.raises(AssumptionError, match="cpr: must be finite"):
        Assumptions.make(cpr=[0.1, float("nan")])


# ---------------------------------------------------------------- random pools vs the reference loop
@st.composite
def pools(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(1, 12))
    loans = []
    for i in range(n):
        term = draw(st.sampled_from([1, 3, 6, 12, 24]))
        rem = draw(st.integers(1, term))
        product = (
            "bullet"
            if term == 1
            else draw(st.sampled_from(["flat_fee", "level_payment", "equal_principal", "flat_fee"]))
        )
        orig = float(draw(st.integers(100, 20000)))
        rate = (
            draw(st.sampled_from([0.0, 0.005, 0.008, 0.012]))
            if product in ("flat_fee", "bullet")
            else draw(st.sampled_from([0.0, 0.1, 0.18]))
        )
        loans.append(
            dict(
                loan_id=str(i),
                original_principal=orig,
                current_principal=orig * rem / term,
                original_term=term,
                remaining_term=rem,
                product=product,
                rate=rate,
                bucket=draw(st.integers(0, 6)) if draw(st.booleans()) else 0,
            )
        )
    return loans


def to_pool(loans: list[dict]) -> Pool:
    return Pool.from_arrays(**{k: [ln[k] for ln in loans] for k in loans[0]})


@st.composite
def assumption_sets(draw: st.DrawFn) -> Assumptions:
    cpr = draw(st.floats(0, 0.6))
    fee = draw(st.sampled_from(["waived", "one_period", "full"]))
    buy_back = draw(st.sampled_from([None, BuyBack(ineligible_rate=0.01, price=0.97), BuyBack(ineligible_rate=0.2)]))  # 赎回
    if draw(st.booleans()):
        roll = [draw(st.floats(0, 1)) for _ in range(7)]
        cure = [draw(st.floats(0, 1 - r)) for r in roll[1:]]
        return Assumptions.make(
            cpr=cpr,
            roll_rates=RollRates.simple(roll=roll, cure=cure),
            unearned_fee=fee,
            default_threshold_days=draw(st.sampled_from([90, 180])),
            recovery_rate=0.1,
            recovery_lag=2,
            default_multiplier=draw(st.floats(0.5, 2)),
            buy_back=buy_back,
        )
    return Assumptions.make(
        cpr=cpr, cdr=draw(st.floats(0, 0.5)), unearned_fee=fee, prepay_multiplier=draw(st.floats(0.5, 2)), buy_back=buy_back
    )


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools(), assumption_sets())
def test_engine_matches_reference_loop_and_repline_equals_loan(loans: list[dict], a: Assumptions) -> None:
    pool = to_pool(loans)
    rep = project(pool, a).frame
    loan = project(pool, a, level="loan").frame
    horizon = len(rep) - len(a.recovery_timing)
    ref = reference_project(loans, a, horizon)
    scale = max(1.0, pool.balance)
    for col, vals in ref.items():
        np.testing.assert_allclose(
            rep[col].to_numpy()[1 : horizon + 1], vals[1:], rtol=REL, atol=REL * scale, err_msg=col
        )
        np.testing.assert_allclose(
            loan[col].to_numpy()[1 : horizon + 1], vals[1:], rtol=REL, atol=REL * scale, err_msg=col
        )


@st.composite
def mechanics_sets(draw: st.DrawFn) -> Assumptions:
    """Roll-rate assumptions with late fees and one to three restructuring plans."""
    from abs_model.assumptions.servicing import CollectionStrategy, LateFees, Restructuring

    roll = [draw(st.floats(0, 1)) for _ in range(7)]
    cure = [draw(st.floats(0, 1 - r)) for r in roll[1:]]
    kinds = draw(st.lists(st.sampled_from(["spread_arrears", "re_age", "freeze", "buy_back"]), min_size=1, max_size=3, unique=True))
    plans = []
    for i, kind in enumerate(kinds):
        plans.append(
            Restructuring(
                take_up={b: draw(st.floats(0, 0.3)) for b in (1, 2, 3) if draw(st.booleans())} or {i + 1: 0.2},
                plan="re_age" if kind == "buy_back" else kind,
                periods=draw(st.integers(1, 14)),
                fee_rate=draw(st.sampled_from([0.0, 0.006])) if kind == "re_age" else 0.0,
                down_payment=draw(st.sampled_from([0.0, 0.1])) if kind in ("re_age", "freeze") else 0.0,
                redefault_rate=draw(st.floats(0, 0.3)),
                prepay_rate=draw(st.floats(0, 0.2)),
                late_fees=draw(st.sampled_from(["capitalise", "waive"])),
                buy_back=kind == "buy_back",
            )
        )
    # every plan states the same deal rules; the first one's apply
    late = LateFees(
        daily_rate=draw(st.sampled_from([0.0, 0.0005, 0.0007])),
        grace_days=draw(st.integers(0, 3)),
        waived_share=draw(st.floats(0, 1)),
        product_rates={"level_payment": 0.0003} if draw(st.booleans()) else {},
        apr_cap=draw(st.sampled_from([None, 0.24])),
    )
    return Assumptions.make(
        cpr=draw(st.floats(0, 0.6)),
        roll_rates=RollRates.simple(roll=roll, cure=cure),
        unearned_fee=draw(st.sampled_from(["waived", "one_period", "full"])),
        default_threshold_days=draw(st.sampled_from([90, 180])),
        default_multiplier=draw(st.floats(0.5, 2)),
        collections=CollectionStrategy("s", restructuring=tuple(plans)),
        late_fees=late,
        buy_back=draw(st.sampled_from([None, BuyBack(ineligible_rate=0.02, price=0.9)])),
        segment_overrides=_take_up_overrides(draw, [p.plan for p in plans]),
    )


def _take_up_overrides(draw: st.DrawFn, kinds: list[str]) -> tuple[SegmentOverride, ...]:
    """Take-up by segment (issue 11): the flat-fee receivables, and those of original term 12,
    restructure at their own rates for one plan type each (the later override wins)."""
    if not draw(st.booleans()):
        return ()
    first = {kinds[0]: {1: draw(st.floats(0, 0.3)), 2: 0.5 / len(kinds)}}
    last = {kinds[-1]: {b: draw(st.floats(0, 1.0 / len(kinds))) for b in (1, 2, 3)}}
    return (SegmentOverride("product", "flat_fee", take_up=first), SegmentOverride("original_term", 12, take_up=last))


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools(), mechanics_sets())
def test_late_fees_and_plans_match_the_reference_loop(loans: list[dict], a: Assumptions) -> None:
    pool = to_pool(loans)
    rep = project(pool, a)
    loan = project(pool, a, level="loan").frame
    horizon = len(rep.frame) - len(a.recovery_timing)
    ref = reference_project(loans, a, horizon)
    scale = max(1.0, pool.balance)
    for col, vals in ref.items():
        for f in (rep.frame, loan):
            np.testing.assert_allclose(f[col].to_numpy()[1 : horizon + 1], vals[1:], rtol=REL, atol=REL * scale, err_msg=col)
    # late fees: accrued = collected + waived + written off + capitalised + change in outstanding
    f = rep.frame
    out = f["late_fees_outstanding"].to_numpy()
    flows = f["late_fees"] + f["late_fees_waived"] + f["late_fees_written_off"] + f["late_fees_capitalised"]
    np.testing.assert_allclose(f["late_fees_accrued"].to_numpy()[1:], flows.to_numpy()[1:] + np.diff(out), atol=REL * scale)


@settings(max_examples=40, derandomize=True, deadline=None)
@given(pools(), assumption_sets())
def test_books_balance_and_rates_are_realised(loans: list[dict], a: Assumptions) -> None:
    cf = project(to_pool(loans), a)
    assert all(c.passed for c in cf.checks)
    f = cf.frame
    # realised SMM equals the input wherever there was a balance to prepay
    mask = f["prepay_base"] > 1e-6
    # 1 − (1 − CPR)^(1/12), written as −expm1(log1p(−CPR)/12) so a tiny CPR keeps its digits
    # (in plain floats 1 − (1 − 2.2e-16)^(1/12) is 0, not 1.85e-17)
    expected = -np.expm1(np.log1p(-min(1.0, float(a.cpr.values[0]) * a.prepay_multiplier)) / 12)
    np.testing.assert_allclose(f.loc[mask, "smm"], expected, rtol=1e-9)
    # every unit of principal ends up collected, defaulted, bought back or still outstanding
    total = f["scheduled_principal"].sum() + f["prepayment"].sum() + f["defaults"].sum() + f["repurchases"].sum() + f["closing_balance"].iloc[-1]
    assert total == pytest.approx(cf.initial_balance, rel=1e-9)


def test_hashed_compression_equals_the_dense_one() -> None:
    from abs_model.collateral.synthetic import synthetic_pool
    from abs_model.projection.engine import project_lines
    from abs_model.projection.replines import _rep_lines_hashed, rep_lines

    pool = synthetic_pool(3000, seed=5)
    a = Assumptions.make(cpr=0.15, roll_rates=RollRates.simple(roll=[0.02, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0]), recovery_rate=0.1)
    dense = project_lines(rep_lines(pool, a), a).totals
    hashed = project_lines(_rep_lines_hashed(pool, a), a).totals
    for k in dense:
        np.testing.assert_allclose(dense[k], hashed[k], rtol=1e-9, atol=1e-6, err_msg=k)


def test_equal_principal_interest_on_the_declining_balance_by_hand() -> None:
    # 等额本金: 1,200 over 3 months at 12 % a year (1 % a month): principal 400 each month;
    # interest 1 % of 1,200, 800, 400 = 12.00, 8.00, 4.00.
    p = one_loan(product="equal_principal", rate=0.12, original_principal=1200.0, current_principal=1200.0)
    f = project(p, Assumptions.make()).frame
    assert f.loc[1:3, "scheduled_principal"].tolist() == pytest.approx([400.0] * 3, abs=CENT)
    assert f.loc[1:3, "fee_interest"].tolist() == pytest.approx([12.0, 8.0, 4.0], abs=CENT)


def test_interest_free_bullet_pays_everything_at_the_end() -> None:
    # 30-day interest-free deferral: one instalment, the whole 500 at the end of period 1, no fee.
    p = one_loan(product="bullet", rate=0.0, original_principal=500.0, current_principal=500.0, original_term=1, remaining_term=1)
    f = project(p, Assumptions.make()).frame
    assert f.loc[1, ["scheduled_principal", "fee_interest", "closing_balance"]].tolist() == pytest.approx([500.0, 0.0, 0.0], abs=CENT)


def test_seasoned_loan_starts_at_its_age() -> None:
    # A 12-instalment flat-fee loan of 1,200 (fee 0.5 % = 6.00 a period on the original), 9
    # instalments paid: 300 left, three instalments of 100 + 6.00.
    p = one_loan(original_principal=1200.0, current_principal=300.0, original_term=12, remaining_term=3)
    f = project(p, Assumptions.make()).frame
    assert len(f) == 4
    assert f.loc[1:3, "scheduled_principal"].tolist() == pytest.approx([100.0] * 3, abs=CENT)
    assert f.loc[1:3, "fee_interest"].tolist() == pytest.approx([6.0] * 3, abs=CENT)


def test_segment_overrides_equal_projecting_each_segment_alone() -> None:
    # The model is linear in balance: projecting score band E with its own CPR and roll rates and
    # the rest with the pool-wide ones, then adding, must equal one projection with overrides.
    from abs_model.assumptions.assumptions import SegmentOverride
    from abs_model.collateral.synthetic import synthetic_pool

    pool = synthetic_pool(4000, seed=9)
    base_rr = RollRates.simple(roll=[0.01, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0], cure=[0.4, 0.2, 0.1, 0.05, 0.0, 0.0])
    e_rr = RollRates.simple(roll=[0.05, 0.6, 0.7, 0.8, 0.9, 0.9, 1.0], cure=[0.2, 0.1, 0.05, 0.0, 0.0, 0.0])
    over = SegmentOverride("score_band", "E", cpr=Curve(np.array([0.05])), roll_rates=e_rr)
    both = Assumptions.make(cpr=0.25, roll_rates=base_rr, segment_overrides=[over], horizon=30)
    is_e = pool.segments["score_band"] == "E"
    a_rest = Assumptions.make(cpr=0.25, roll_rates=base_rr, horizon=30)
    a_e = Assumptions.make(cpr=0.05, roll_rates=e_rr, horizon=30)
    whole = project(pool, both).frame
    parts = project(pool.subset(~is_e), a_rest).frame + project(pool.subset(is_e), a_e).frame
    for col in ("scheduled_principal", "prepayment", "fee_interest", "defaults", "closing_balance"):
        np.testing.assert_allclose(whole[col], parts[col], rtol=1e-9, atol=1e-6, err_msg=col)


def test_stressed_roll_rates_stay_stochastic_for_any_multiple() -> None:
    from abs_model.assumptions.assumptions import stress_rolls

    P = RollRates.simple(roll=[0.02, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0], cure=[0.3, 0.2, 0.1, 0.05, 0.0, 0.0]).matrix
    for m in (0.0, 0.5, 1.0, 3.0, 100.0):
        s = stress_rolls(P, np.array([m]))[0]
        np.testing.assert_allclose(s.sum(axis=-1), 1.0, atol=1e-12)
        assert (s >= 0).all()
    # halving a certain roll (M6 → M7 at 100 %) leaves half in M6
    half = stress_rolls(P, np.array([0.5]))[0, 0]
    assert half[6, 7] == pytest.approx(0.5) and half[6, 6] == pytest.approx(0.5)


def test_recovery_multiples_scale_the_rate_up_to_the_whole_balance() -> None:
    from abs_model.projection.engine import project_lines
    from abs_model.projection.replines import rep_lines

    rr = RollRates.simple(roll=[1.0] * 7)
    a = Assumptions.make(roll_rates=rr, recovery_rate=0.2, recovery_lag=0)
    lines = rep_lines(one_loan(), a)
    out = project_lines(lines, a, recovery_mult=np.array([1.0, 2.0, 10.0])).totals
    # 3,000 defaults; recovered 20 %, 40 %, and capped at 100 %
    assert out["recoveries"].sum(-1).tolist() == pytest.approx([600.0, 1200.0, 3000.0])


def test_payment_rate_and_pool_yield_by_hand() -> None:
    # 3,000 flat-fee loan, fee 15 a period, no prepayment: period 1 collects 1,000 + 15 on an
    # opening balance of 3,000 → payment rate 1,015 / 3,000; pool yield 12 × 15 / 3,000 = 6 %.
    f = project(one_loan(), Assumptions.make()).frame
    assert f.loc[1, "payment_rate"] == pytest.approx(1015.0 / 3000.0)
    assert f.loc[1, "pool_yield"] == pytest.approx(0.06)


def test_loan_level_balances_come_back_in_tape_order() -> None:
    from abs_model.collateral.synthetic import synthetic_pool

    pool = synthetic_pool(300, seed=12)
    rr = RollRates.simple(roll=[0.03, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0], cure=[0.3, 0.2, 0.1, 0.0, 0.0, 0.0])
    a = Assumptions.make(cpr=0.2, roll_rates=rr, horizon=12)
    cf = project(pool, a, level="loan")
    assert cf.line_balances is not None
    np.testing.assert_allclose(cf.line_balances.sum(axis=0), cf.frame["closing_balance"].to_numpy()[:13], rtol=1e-12)
    for i in (0, 17, 299):  # each loan's path equals projecting that loan alone
        alone = project(pool.subset(np.arange(pool.n) == i), a).frame["closing_balance"].to_numpy()[:13]
        np.testing.assert_allclose(cf.line_balances[i], alone, rtol=1e-9, atol=1e-9)

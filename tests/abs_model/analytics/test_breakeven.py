"""Breakeven default multiples (临界违约率) and tranche sizing.

Worked case, derived by hand (``tiny_deal``): a pool of zero-fee bullet receivables, balance
``B``, term ``N = 12``, all current at age 0; no prepayment, recovery 0; a CDR-style default rate
``c`` (SIFMA convention) stressed by the multiple ``m``. Two classes: a zero-coupon senior of
``s·B`` and a subordinated class of ``(1 − s)·B``, sequential principal, period writedowns.

- The stressed CDR is ``m·c`` (≤ 1), so the monthly default rate is ``d = 1 − (1 − m·c)^(1/12)``.
- Bullets pay nothing before period ``N``; the performing balance after ``t`` periods is
  ``B (1 − d)^t`` and period ``N`` collects ``B (1 − d)^N = B (1 − m·c)``. Nothing else is ever
  collected (zero fee, zero recovery).
- The senior has no interest, so first-dollar and principal loss coincide; it is written down by
  ``max(0, s·B − B (1 − d)^t)`` — the binding period is the last one, where the pool is smallest.
  Its loss is therefore ``B · max(0, s − 1 + m·c)``.
- The first-loss point is where that loss becomes positive: ``m* = (1 − s) / c``, and the
  implied cumulative default rate there is ``1 − (1 − d)^N = m*·c = 1 − s``. The solver counts a
  loss above a noise floor of ``10⁻¹² × s·B``, which moves ``m*`` by ``10⁻¹² s / c`` — far inside
  its relative tolerance of ``10⁻⁹``.
- With ``s = 0.8`` and ``c = 0.05``: ``m* = 0.2 / 0.05 = 4`` exactly, rate 20 %.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import abs_model as am
import tranches as tr
from abs_model.analytics.breakeven import breakeven, size_tranches
from abs_model.analytics.scenarios import Scenario

TOL = 1e-9  # the solver tolerance on the multiple, relative
EXAMPLE = "examples/baitiao_revolving.yaml"


def tiny_deal(*, senior: float = 0.8, cdr: float = 0.05, balance: float = 1_000.0, n_loans: int = 4) -> am.Deal:
    each = balance / n_loans
    pool = am.Pool.from_arrays(
        loan_id=[f"L{i}" for i in range(n_loans)],
        original_principal=[each] * n_loans,
        current_principal=[each] * n_loans,
        original_term=[12] * n_loans,
        remaining_term=[12] * n_loans,
        product=["bullet"] * n_loans,
        rate=[0.0] * n_loans,
        bucket=[0] * n_loans,
        cutoff_date="2026-06-30",
    )
    structure = tr.Structure(
        tranches=(
            tr.Tranche("Senior", senior * balance, 0.0, tranche_class="senior"),
            tr.Tranche("Sub", (1.0 - senior) * balance, 0.0, tranche_class="subordinated"),
        ),
        waterfalls={
            "amortising": tr.Waterfall(
                [tr.steps.PayInterest(("Senior",)), tr.steps.PayPrincipal(("Senior", "Sub")), tr.steps.PayResidual()]
            )
        },
        writedown="period",
    )
    return am.Deal(
        name="tiny",
        pool=pool,
        structure=structure,
        cutoff_date=np.datetime64("2026-06-30"),
        periods=12,
        assumptions=am.Assumptions.make(cdr=cdr, recovery_rate=0.0),
    )


def test_closed_form_breakeven_hit_within_tolerance() -> None:
    s, c = 0.8, 0.05
    m_be = (1.0 - s) / c  # 4: the first-loss point itself, no tolerance added
    res = breakeven(tiny_deal(senior=s, cdr=c), scenarios=[Scenario("base")], tranches=["Senior"], tol=TOL)
    for _, row in res.frame.iterrows():  # both variants coincide for a zero-coupon class
        assert abs(row["breakeven_mult"] - m_be) <= TOL * m_be
        assert abs(row["upper_mult"] - m_be) <= TOL * m_be
        assert row["breakeven_mult"] <= row["upper_mult"] <= row["breakeven_mult"] * (1 + TOL)
        assert row["breakeven_default_rate"] == pytest.approx(row["breakeven_mult"] * c, abs=1e-12)
    assert res.summary["breakeven_default_rate"].iloc[0] == pytest.approx(1.0 - s, rel=TOL)


@pytest.mark.parametrize(("s", "c"), [(0.8, 0.05), (0.9, 0.03), (0.55, 0.2)])
def test_first_loss_point_to_1e9_relative_by_default(s: float, c: float) -> None:
    """Loss ``B·max(0, s − 1 + m·c)`` (module doc): the default tolerance finds ``m* = (1 − s)/c``
    to 10⁻⁹ relative; a class losing a millionth of its balance has lost (no 10⁻⁶ allowance)."""
    m_be = (1.0 - s) / c
    res = breakeven(tiny_deal(senior=s, cdr=c), scenarios="base", tranches=["Senior"], variants=("principal",))
    got = float(res.frame["breakeven_mult"].iloc[0])
    assert abs(got - m_be) <= 1e-9 * m_be
    assert res.frame["passes"].iloc[0] < 12  # a secant on the straight loss line, not 1e-9 by bisection
    # base cumulative default rate: 1 − (1 − d)^12 = c
    assert res.base_default_rate == pytest.approx(c, abs=1e-12)


def test_closed_form_sizing() -> None:
    # AAA = 4.5× c = 22.5 % defaults: the senior survives while its loss B·(s − 1 + 0.225) ≤ 0
    c = 0.05
    out = size_tranches(tiny_deal(senior=0.5, cdr=c), {"Senior": "AAA"}, tol=1e-7)
    s_max = 1 - 4.5 * c
    assert s_max - 1e-7 <= out["size"].iloc[0] <= s_max + 1e-12


def test_cannot_bracket_says_which() -> None:
    d = tiny_deal(senior=0.8, cdr=0.05)
    with pytest.raises(am.SolverError, match=r"cannot bracket.*survives at the upper bound"):
        breakeven(d, scenarios="base", tranches=["Senior"], upper=1.0)
    over = replace(
        d,
        structure=replace(
            d.structure,
            tranches=(
                tr.Tranche("Senior", 1_050.0, 0.0, tranche_class="senior"),
                tr.Tranche("Sub", 0.0, 0.0, tranche_class="subordinated"),
            ),
        ),
    )
    with pytest.raises(am.SolverError, match=r"cannot bracket.*loses even at default multiple 0"):
        breakeven(over, scenarios="base", tranches=["Senior"])
    res = breakeven(d, scenarios="base", tranches=["Senior"], upper=1.0, unbracketed="nan")
    assert res.frame["breakeven_mult"].isna().all()
    assert (res.frame["bracket"] == "survives at 1").all()


def _resize(deal: am.Deal, senior_share: float) -> am.Deal:
    ts = deal.structure.tranches
    pool = deal.pool.balance
    sub_share = 1.0 - senior_share - ts[1].balance / pool
    new = (replace(ts[0], balance=senior_share * pool), ts[1], replace(ts[2], balance=sub_share * pool))
    return replace(deal, structure=replace(deal.structure, tranches=new))


def test_more_subordination_never_lowers_the_senior_breakeven() -> None:
    deal = am.load_deal(EXAMPLE)
    prev = -1.0
    for share in (0.80, 0.75, 0.70, 0.65):  # smaller senior = more subordination
        res = breakeven(_resize(deal, share), scenarios="base", tranches=["Senior A"], variants=("principal",), tol=1e-4)
        m = float(res.frame["breakeven_mult"].iloc[0])
        assert m >= prev - 1e-4
        prev = m


def test_frame_and_summary_shape_and_ratings() -> None:
    deal = am.load_deal(EXAMPLE)
    res = breakeven(deal, ratings={"Senior A": "AAA"}, tol=1e-4)
    assert len(res.frame) == 3 * 6 * 2
    assert (res.frame["upper_mult"] - res.frame["breakeven_mult"] <= 1e-4 * res.frame["upper_mult"]).all()
    s = res.summary
    assert len(s) == 3 * 2
    senior = s[(s["tranche"] == "Senior A") & (s["variant"] == "principal")].iloc[0]
    per = res.frame[(res.frame["tranche"] == "Senior A") & (res.frame["variant"] == "principal")]
    assert senior["breakeven_default_rate"] == pytest.approx(per["breakeven_default_rate"].min())
    assert senior["target_default_rate"] == pytest.approx(4.5 * res.base_default_rate)
    assert senior["passes_target"] == (senior["breakeven_default_rate"] >= senior["target_default_rate"])
    # the stressed run just below / above the breakeven: survives / loses
    row = per.iloc[0]
    sc = am.scenario_set([row["scenario"]])[0]
    assert sc.name == "base"
    lo = am.run(deal, default_mult=row["breakeven_mult"]).summary().loc["Senior A", "loss"]
    hi = am.run(deal, default_mult=row["upper_mult"] + 1e-3).summary().loc["Senior A", "loss"]
    assert lo <= 1e-6 * 900_000_000 < hi


def test_bad_options_name_the_rule() -> None:
    d = tiny_deal()
    with pytest.raises(am.AbsModelError, match="variants"):
        breakeven(d, variants=("nope",))  # type: ignore[arg-type]
    with pytest.raises(am.AbsModelError, match="tranches"):
        breakeven(d, tranches=["Nope"])


def test_the_example_deal_agrees_with_the_ba8ab21_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: the faster solver (fewer passes and rows) finds the same first-loss multiples as
    the solver it replaced (kept in tests/abs_model/core/first_positive_reference.py): on the
    Baitiao example, every bracket holds the point the old one holds — they overlap — and is at
    most ``tol × upper_mult`` wide, so the multiples differ by less than ``tol``; but where the
    subordinated class's loss curve falls after a first loss (a trigger trapping excess spread),
    where each solver's bracket must be a genuine sign change (tests/abs_model/analytics/brackets.py)."""
    import abs_model.analytics.breakeven as breakeven_mod
    from tests.abs_model.analytics.brackets import assert_brackets_agree
    from tests.abs_model.core.first_positive_reference import reference_first_positive

    deal = am.load_deal(EXAMPLE, pool=am.synthetic_pool(2_000, seed=5), scale_pool=True)
    got = breakeven(deal, tol=TOL)
    monkeypatch.setattr(breakeven_mod, "first_positive", reference_first_positive)
    want = breakeven(deal, tol=TOL)
    g, w = got.frame, want.frame
    assert (g["bracket"] == "").all() and (w["bracket"] == "").all()
    assert_brackets_agree(deal, g, w, TOL)  # where the curve falls after a first loss, each a genuine sign change
    assert got.base_default_rate == pytest.approx(want.base_default_rate, rel=1e-12)  # with the first pass either way
    assert int(g["passes"].iloc[0]) <= int(w["passes"].iloc[0])
    cols = ["tranche", "variant", "binding_scenario", "implied_rating"]
    assert got.summary[cols].equals(want.summary[cols])

"""The issue's worked example, exactly as stated: one receivable of RMB 1,200, 12 periods at
0.6 % a period on the original principal (等本等费: 100.00 principal + 7.20 fee = 107.20 an
instalment), 2 instalments paid at cut-off (balance 1,000.00, 10 to go), it misses the third
(period 1: M0 → M1). At the start of period 2 — one instalment overdue, no more — it either cures
during period 2 or enters a plan at once, from M1 (``take_up={1: 1.0}``). Month by month, by hand:

Late fees (违约金, 0.05 % a day, 30 days a period) accrue on the amount due and unpaid from the
due date, the end of the period it was missed in: 30 days in period 2 on 107.20 = 1.608.

- **cure** in period 2: the 3rd and 4th instalments (214.40) and 1.608 of 违约金 = 216.008; then
  107.20 in periods 3–10 (the 5th … 12th). Without 违约金: 214.40.
- **spread_arrears(3)**: the schedule continues (period 2 pays the 4th instalment, 107.20, … period
  10 the 12th); the arrears, one instalment of 107.20, are repaid in thirds, 35.7333, on top in
  periods 3–5: 142.9333. Entered at the due date, it carries no 违约金: the same with or without.
- **re_age(12)**, plan fee 0.6 % a month on the plan amount: the whole 1,000.00 over max(10 left,
  12) = 12 months from period 3, 83.3333 a month, the overdue fee 7.20 capitalised over them
  (0.60) and the plan fee 6.00: 89.9333 in periods 3–14; nothing in period 2.
- **freeze(6)** (停息挂账): 1,000.00 over 6 months from period 3, 166.6667, plus the frozen 7.20
  in sixths (1.20): 167.8667 in periods 3–8; no fee after entry.
Each pays back exactly the 1,000.00 of principal.
"""

from __future__ import annotations

import numpy as np
import pytest

import abs_model as am
from abs_model.assumptions.assumptions import Assumptions, RollRates
from abs_model.assumptions.servicing import CollectionStrategy, LateFees, Restructuring
from abs_model.collateral.pool import Pool

CENT = 0.005
INSTALMENT = 107.20
LATE = LateFees(daily_rate=0.0005)


def receivable() -> Pool:
    return Pool.from_arrays(
        loan_id=["bt-1"], original_principal=[1200.0], current_principal=[1000.0], original_term=[12],
        remaining_term=[10], product=["flat_fee"], rate=[0.006],
    )


def misses_the_third(*, cures: bool) -> RollRates:
    """Months on book 3 (period 1): M0 → M1; from 4 on M0 stays current and M1 cures (or rolls
    on to M2 — the plans take it first)."""

    def matrix(moves: dict[int, int]) -> np.ndarray:
        m = np.zeros((8, 8))
        for i in range(7):
            m[i, moves.get(i, i + 1)] = 1.0
        m[7, 7] = 1.0
        return m

    return RollRates(np.stack([matrix({0: 0}), matrix({0: 0}), matrix({0: 1}), matrix({0: 0, 1: 0 if cures else 2})]))


def cash(a: Assumptions, periods: int = 16) -> list[float]:
    cf = am.project(receivable(), a)
    assert all(c.passed for c in cf.checks)
    f = cf.frame
    assert f["scheduled_principal"].sum() + f["prepayment"].sum() == pytest.approx(1000.0, abs=CENT)
    return [float(v) for v in f["total_collections"].to_numpy()[1 : periods + 1]] + [0.0] * max(0, periods + 1 - len(f))


def from_m1(kind: str, periods: int, **kw: object) -> CollectionStrategy:
    return CollectionStrategy(kind, restructuring=Restructuring(take_up={1: 1.0}, plan=kind, periods=periods, redefault_rate=0.0, **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize("late", [LATE, None], ids=["with_late_fees", "without"])
def test_cure(late: LateFees | None) -> None:
    fee = 30 * 0.0005 * INSTALMENT if late is not None else 0.0
    assert fee == pytest.approx(1.608 if late is not None else 0.0, abs=1e-12)
    want = [0.0, 2 * INSTALMENT + fee] + [INSTALMENT] * 8 + [0.0] * 6
    assert cash(Assumptions.make(roll_rates=misses_the_third(cures=True), late_fees=late)) == pytest.approx(want, abs=CENT)


@pytest.mark.parametrize("late", [LATE, None], ids=["with_late_fees", "without"])
def test_spread_arrears_over_three_months(late: LateFees | None) -> None:
    a = Assumptions.make(roll_rates=misses_the_third(cures=False), late_fees=late, collections=from_m1("spread_arrears", 3))
    part = INSTALMENT / 3
    want = [0.0, INSTALMENT] + [INSTALMENT + part] * 3 + [INSTALMENT] * 5 + [0.0] * 6
    assert cash(a) == pytest.approx(want, abs=CENT)
    f = am.project(receivable(), a).frame
    assert f.loc[2, "restructured_entries"] == pytest.approx(1000.0, abs=CENT)
    assert float(f["late_fees_capitalised"].sum()) == 0.0  # entered at the due date: nothing accrued yet


@pytest.mark.parametrize("late", [LATE, None], ids=["with_late_fees", "without"])
def test_re_age_over_twelve_months(late: LateFees | None) -> None:
    a = Assumptions.make(roll_rates=misses_the_third(cures=False), late_fees=late, collections=from_m1("re_age", 12, fee_rate=0.006))
    month = 1000.0 / 12 + 7.20 / 12 + 0.006 * 1000.0
    assert month == pytest.approx(89.9333, abs=1e-4)
    assert cash(a) == pytest.approx([0.0, 0.0] + [month] * 12 + [0.0] * 2, abs=CENT)


@pytest.mark.parametrize("late", [LATE, None], ids=["with_late_fees", "without"])
def test_freeze_over_six_months(late: LateFees | None) -> None:
    a = Assumptions.make(roll_rates=misses_the_third(cures=False), late_fees=late, collections=from_m1("freeze", 6))
    month = 1000.0 / 6 + 7.20 / 6
    assert cash(a) == pytest.approx([0.0, 0.0] + [month] * 6 + [0.0] * 8, abs=CENT)


@pytest.mark.parametrize(("kind", "periods"), [("spread_arrears", 3), ("re_age", 12), ("freeze", 6)])
def test_a_tenth_of_the_plans_re_default_each_month_in_count_as_in_money(kind: str, periods: int) -> None:
    """With ``redefault_rate = 0.1`` the one receivable in a plan re-defaults a tenth a month from
    period 3: 0.1 of a loan, then 0.1 × 0.9, 0.1 × 0.81 — the count of the plan before that month's
    re-default, the same base as the money; the count rolls forward: count(t) = count(t − 1) −
    defaults_count(t). (Spread plans took the count after the re-default until issue 16: 0.09 first.)"""
    strategy = CollectionStrategy(kind, restructuring=Restructuring(take_up={1: 1.0}, plan=kind, periods=periods, redefault_rate=0.1))  # type: ignore[arg-type]
    f = am.project(receivable(), Assumptions.make(roll_rates=misses_the_third(cures=False), collections=strategy)).frame
    n = f["defaults_count"].to_numpy()
    assert n[3:6] == pytest.approx([0.1, 0.09, 0.081], abs=1e-12)
    count = f["count"].to_numpy()
    assert count[2:6] == pytest.approx([1.0, 0.9, 0.81, 0.729], abs=1e-12)

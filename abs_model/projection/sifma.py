"""The SIFMA/BMA Standard Formulas convention (§C.2–C.3, without P&I advancing).

Period ``t``, ``PB`` the performing balance: defaults ``= MDR × PB(t−1)``; scheduled principal
and interest on the surviving balance ``(PB(t−1) − defaults) × (1 − q)``; prepayment ``= SMM ×
PB(t−1) × q`` with ``q = S(t)/S(t−1)`` (the prior performing balance after scheduled
amortisation, this period's defaults included), capped at the surviving balance.

The MDR is the segment's CDR curve (``MDR = 1 − (1 − min(1, CDR × default multiple))^(1/12)``),
set to 0 in the last ``L`` months of each receivable's term (``t > n − L``, ``n`` its instalments
left at cut-off, ``L`` the recovery lag; SF-20 §C.3.j: a loan defaulting later could not be
liquidated before maturity), or, under the Chinese cumulative default rate (累计违约率), the rate that makes the period's
defaults equal ``cumulative_default × default multiple × initial balance × timing[t]``, capped at
the performing balance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abs_model.assumptions.assumptions import Assumptions, Curve
from abs_model.core import rates
from abs_model.projection.context import Context, PeriodStep, curve_table
from abs_model.projection.groups import StateGroups, Weights


@dataclass(frozen=True, slots=True)
class Sifma:
    """The SIFMA convention's tables for one run: ``mdr`` (S, Gseg, max_age) from CDR curves, or
    ``cum_target`` (S, T) defaults per period under a cumulative default rate, or neither."""

    ctx: Context
    mdr: np.ndarray | None
    mdr_age: np.ndarray  # (Gseg,) whether the segment's CDR curve is indexed by age
    cum_target: np.ndarray | None
    lag: int = 0  # no CDR defaults in the last `lag` months of a term (state groups key on n)

    @property
    def by_age(self) -> bool:
        return bool(self.mdr_age.any())

    def initial_state(self, groups: StateGroups) -> np.ndarray:
        return np.ones((1, self.ctx.S, groups.size))

    def pre_default(self, groups: StateGroups, balance: np.ndarray) -> np.ndarray:
        return np.zeros(groups.size)

    def period_mdr(self, groups: StateGroups, open_bal: np.ndarray, t: int) -> np.ndarray:
        """MDR per scenario and group, (S, G) or broadcastable to it."""
        if self.cum_target is not None:
            perf = open_bal.sum(-1)  # (S,)
            safe = np.where(perf > 0, perf, 1.0)
            return np.where(perf > 0, np.minimum(1.0, self.cum_target[:, t - 1] / safe), 0.0)[:, None]
        if self.mdr is not None:
            age = np.where(self.mdr_age[groups.seg], groups.age, 0)
            mdr = self.mdr[:, groups.seg, np.clip(age + t, 1, self.ctx.max_age) - 1]
            if self.lag and groups.n is not None:
                mdr = np.where(t > groups.n - self.lag, 0.0, mdr)  # SF §C.3.j
            return mdr
        return np.zeros((1, 1))

    def step(
        self,
        groups: StateGroups,
        x: np.ndarray,
        t: int,
        wb: Weights,
        wa: Weights,
        smm: np.ndarray,
        *,
        pre_default: np.ndarray | None = None,
        late: np.ndarray | None = None,
    ) -> PeriodStep:
        """One period of the module doc (``pre_default`` is always zero here; nothing is overdue,
        so ``late`` is unused)."""
        open_bal = x[0] * wb.S[0]
        mdr = self.period_mdr(groups, open_bal, t)
        x0 = x[0]
        surv = x0 * (1.0 - mdr)
        # SF §C.2: VOL_PREPAY = PB(t−1) × q(t) × SMM, on the prior performing balance
        # (this period's new defaults included), capped so the balance never goes negative
        prepay_frac = np.minimum(x0 * smm, surv)
        return PeriodStep(
            x=(surv - prepay_frac)[None],
            open_bal=open_bal,
            default_bal=(x0 - surv) * wb.S[0],
            default_count=(x0 - surv) @ wb.C[0],
            sched_prin=surv * (wb.S[0] - wa.S[0]),
            fee=surv * (wa.F[0] - wb.F[0]),
            prepay_frac=prepay_frac,
            prepay_base=x0 * wa.S[0],
            costs=np.zeros(self.ctx.S),
            entering=None,
            entry_bal=np.zeros_like(open_bal),
        )


def build(ctx: Context) -> Sifma:
    """MDR tables from the segments' CDR curves, or the cumulative-default target per period."""
    a = ctx.assumptions
    cdrs = ctx.segments.cdr
    mdr = None
    mdr_age = np.zeros(len(ctx.segments.cpr), dtype=bool)
    if a.cumulative_default is None and any(c is not None for c in cdrs):
        cdr_tab, mdr_age = curve_table([c if c is not None else Curve(np.zeros(1)) for c in cdrs], ctx.max_age)
        mdr = rates.monthly_from_annual(np.minimum(1.0, cdr_tab[None] * ctx.dm[:, None, None]))
    cum_target = None
    if a.cumulative_default is not None and a.default_timing is not None:
        w = a.default_timing.at(np.arange(1, ctx.T + 1))
        cum_target = a.cumulative_default * ctx.dm[:, None] * ctx.initial_balance * w[None, :]  # (S, T)
    return Sifma(ctx, mdr, mdr_age, cum_target, a.recovery_lag if by_term(a) else 0)


def by_term(a: Assumptions) -> bool:
    """Whether the SIFMA rule "MDR = 0 in the last ``L`` months of the term" applies: the sifma
    convention with CDR-type defaults (``cdr``, ``mdr``, ``sda``, pool-wide or by segment) and a
    recovery lag ``L > 0``. The state groups then key on each line's instalments left."""
    if a.convention != "sifma" or a.cumulative_default is not None or a.recovery_lag == 0:
        return False
    return a.cdr is not None or any(o.cdr is not None for o in a.segment_overrides)

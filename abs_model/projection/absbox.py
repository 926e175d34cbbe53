"""The ``absbox`` convention: the Hastructure order for instalment pools.

absbox is a Python front end to the Haskell engine Hastructure. This module follows the order of
one period in Hastructure's ``projectInstallmentFlow`` (``src/AssetClass/Installment.hs``, the
``projCashflow`` of a current ``Installment``): defaults are taken first from the balance at the
start of the period, prepayment from what survives them, and the scheduled fee and principal of
the instalment are the contractual ones scaled by the survival factor (the surviving balance over
the scheduled balance). Written from the formulas, not from its code.

Period ``t``, ``PB(t−1)`` the performing balance at its start, ``S(k)`` the contractual balance
after ``k`` instalments (per unit of the cut-off balance, :mod:`abs_model.core.schedule`):

- defaults ``D = MDR × PB(t−1)``;
- prepayment ``P = SMM × (PB(t−1) − D)``, before the period's instalment (so the prepaid share
  pays neither its principal nor its fee for period ``t``);
- survival factor ``φ = (PB(t−1) − D − P) / S(k−1)`` (as a share of the scheduled balance);
- scheduled principal ``= φ × (S(k−1) − S(k))``, fee/interest ``= φ × (Φ(k) − Φ(k−1))``;
- closing ``PB(t) = PB(t−1) − D − P − scheduled principal = φ × S(k)``.

Compared with ``sifma`` (which takes prepayment after scheduled amortisation, ``SMM × (PB(t−1) −
D) × S(k)/S(k−1)``), the prepayment here is larger by the prepaid share's scheduled principal,
and the scheduled principal and fee are smaller by the same share. The MDR is the ``sifma``
convention's (CDR curve, or the Chinese cumulative default rate with its timing); so is the
unearned fee charged on prepayment, here the fees of instalments ``k … n`` (valued before the
instalment). No delinquency states: ``roll_rates`` belong to the ``roll_rate`` convention.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abs_model.projection import sifma
from abs_model.projection.context import Context, PeriodStep
from abs_model.projection.groups import StateGroups, Weights


@dataclass(frozen=True, slots=True)
class Absbox:
    """The convention for one run; its default rates are the ``sifma`` convention's tables."""

    ctx: Context
    rates: sifma.Sifma

    @property
    def by_age(self) -> bool:
        return self.rates.by_age

    def initial_state(self, groups: StateGroups) -> np.ndarray:
        return np.ones((1, self.ctx.S, groups.size))

    def pre_default(self, groups: StateGroups, balance: np.ndarray) -> np.ndarray:
        return np.zeros(groups.size)

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
        """One period of the module doc. ``x`` is the survival factor ``φ`` per scenario and
        group (the performing share of the scheduled balance); nothing is ever overdue."""
        x0 = x[0]
        open_bal = x0 * wb.S[0]
        mdr = self.rates.period_mdr(groups, open_bal, t)
        after_default = x0 * (1.0 - mdr)
        prepaid = after_default * smm  # SMM on the survivors of the defaults, before the instalment
        phi = after_default - prepaid
        return PeriodStep(
            x=phi[None],
            open_bal=open_bal,
            default_bal=(x0 - after_default) * wb.S[0],
            default_count=(x0 - after_default) @ wb.C[0],
            sched_prin=phi * (wb.S[0] - wa.S[0]),
            fee=phi * (wa.F[0] - wb.F[0]),
            prepay_frac=prepaid,
            prepay_base=after_default * wb.S[0],
            costs=np.zeros(self.ctx.S),
            entering=None,
            entry_bal=np.zeros_like(open_bal),
            prepay_at=wb,
        )


def build(ctx: Context) -> Absbox:
    """The MDR tables of :func:`abs_model.projection.sifma.build`, stepped in Hastructure's order."""
    return Absbox(ctx, sifma.build(ctx))

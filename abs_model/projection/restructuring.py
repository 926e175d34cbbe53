"""Restructured plans (逾期分期 / 协商还款): cohorts by entry period, a state of their own.

A share ``take_up[j]`` of bucket ``j`` enters a plan each period at its full balance (the roll-rate
convention takes it out of the state machine). Per cohort ``e`` (entry period) and scenario:

- plan amount ``A_e = (1 − down_payment) × entry balance``; the down payment is paid at entry;
- each later period a share ``q`` (re-default rate) of the cohort's outstanding plan balance
  defaults: ``O_e(t) = A_e × alive_e × (1 − paid_e / m)`` with ``paid_e`` instalments paid of
  ``m``; then ``alive_e ← alive_e × (1 − q)``;
- principal ``A_e × alive_e / m`` and fee ``fee_rate × A_e × alive_e`` are paid while the plan runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from abs_model.assumptions.servicing import Restructuring
from abs_model.projection.groups import Weights


@dataclass(frozen=True, slots=True)
class PlanFlows:
    """One period of every plan, per scenario (S,)."""

    opening: np.ndarray
    principal: np.ndarray
    fee: np.ndarray
    defaults: np.ndarray
    default_count: np.ndarray
    closing: np.ndarray
    entries: np.ndarray
    count: np.ndarray


@dataclass(frozen=True, slots=True)
class PlanBook:
    """Plan cohorts by entry period 0 … T (arrays of shape (S, T + 1), updated in place)."""

    terms: Restructuring
    amount: np.ndarray  # plan principal after the down payment, by entry period
    alive: np.ndarray  # share of each cohort not re-defaulted
    count: np.ndarray  # receivables entering, by entry period
    entries: np.ndarray  # balance entering, by entry period

    @classmethod
    def start(cls, terms: Restructuring, *, scenarios: int, horizon: int) -> PlanBook:
        shape = (scenarios, horizon + 1)
        return cls(terms, np.zeros(shape), np.ones(shape), np.zeros(shape), np.zeros(shape))

    def enter(self, t: int, entering: np.ndarray, entry_bal: np.ndarray, wb: Weights) -> None:
        """Record period ``t``'s entries: fractions ``entering`` (B, S, G) at balances ``entry_bal``."""
        self.entries[:, t] = entry_bal.sum(-1)
        self.count[:, t] = sum(entering[j] @ wb.C[j] for j in range(1, entering.shape[0]))
        down = self.terms.down_payment * entry_bal.sum(-1)
        self.amount[:, t] = entry_bal.sum(-1) - down

    def step(self, t: int) -> PlanFlows:
        """Period ``t`` of every earlier cohort (module doc), plus the entries of ``t``."""
        m = self.terms.periods
        q = self.terms.redefault_rate
        entry_period = np.arange(self.amount.shape[1])
        paid = np.clip(t - 1 - entry_period, 0, m)  # instalments paid by earlier cohorts
        active = (entry_period < t) & (paid < m)
        out_open = self.amount * self.alive * (1.0 - paid / m) * (entry_period < t)
        redefault = out_open * q * active
        default_count = (self.count * self.alive * q * active).sum(-1)
        self.alive[...] = np.where(active, self.alive * (1.0 - q), self.alive)
        principal = self.amount * self.alive / m * active
        opening = out_open.sum(-1)
        defaults = redefault.sum(-1)
        alive_plans = (entry_period < t) & (paid + 1 < m)
        return PlanFlows(
            opening=opening,
            principal=principal.sum(-1) + self.terms.down_payment * self.entries[:, t],
            fee=(self.terms.fee_rate * self.amount * self.alive * active).sum(-1),
            defaults=defaults,
            default_count=default_count,
            # closing: what is left of earlier cohorts plus this period's entries (after down payment)
            closing=opening - defaults - principal.sum(-1) + self.amount[:, t],
            entries=self.entries[:, t],
            count=(self.count * self.alive * alive_plans).sum(-1) + self.count[:, t],
        )

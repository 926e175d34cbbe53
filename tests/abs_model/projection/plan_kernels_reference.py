"""The restructuring and late-fee kernels as they were before issue 16's fifth round (commit 8c996d5),
kept verbatim as plain references: tests/abs_model/projection/test_plan_kernels.py runs the engine
with them and with the current ones and asks for the same numbers bit for bit. Not a test module."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from abs_model.assumptions.servicing import LateFees, Restructuring, take_up_by_plan
from abs_model.projection.groups import Weights, WeightTables
from abs_model.projection.late_fees import LateFeeFlows


@dataclass(frozen=True, slots=True)
class PlanFlows:
    """One period of every plan, per scenario (S,); ``by_type`` closing balance per plan type."""

    opening: np.ndarray
    principal: np.ndarray
    fee: np.ndarray
    prepayment: np.ndarray
    prepay_base: np.ndarray
    defaults: np.ndarray
    default_count: np.ndarray
    closing: np.ndarray
    entries: np.ndarray
    count: np.ndarray
    by_type: dict[str, np.ndarray]
    completed: np.ndarray | None  # (S, G) spread plans back to M0 at the end of the period


@dataclass(frozen=True, slots=True)
class _Cohorts:
    """Money paths of one plan by entry period ``e`` and plan month ``m`` (S, T + 1, M + 1) and
    the surviving share of each cohort (S, T + 1). ``y``: spread plans' continuing schedules by
    months in plan (N + 1, S, G)."""

    terms: Restructuring
    balance: np.ndarray
    fee: np.ndarray
    count: np.ndarray
    alive: np.ndarray
    down: np.ndarray  # (S, T + 1) down payment paid at entry
    y: np.ndarray | None


def take_up(
    plans: tuple[Restructuring, ...], B: int, segments: Sequence[tuple[Mapping[str, Mapping[int, float]], ...]] = ((),)
) -> np.ndarray:
    """(P, B, Gseg): each plan's take-up by live bucket for each segment group, its own
    ``take_up`` unless a matching segment override states one for its plan type
    (:func:`~abs_model.assumptions.servicing.take_up_by_plan`)."""
    rho = np.zeros((len(plans), B, max(len(segments), 1)))
    for g, overrides in enumerate(segments or ((),)):
        for i, tu in enumerate(take_up_by_plan(plans, overrides)):
            for j, v in tu.items():
                if j < B:
                    rho[i, j, g] = v
    return rho


@dataclass(frozen=True, slots=True)
class PlanBook:
    """Every plan type's cohorts; updated in place period by period."""

    cohorts: tuple[_Cohorts, ...]
    rho: np.ndarray
    tables: WeightTables

    @classmethod
    def start(
        cls, plans: tuple[Restructuring, ...], *, tables: WeightTables, scenarios: int, groups: int, horizon: int, rho: np.ndarray | None = None
    ) -> PlanBook:
        """``rho``: (P, B, G) take-up per state group (default: each plan's own, every group)."""
        shape = (scenarios, horizon + 1, horizon + 1)
        cohorts = tuple(
            _Cohorts(
                p,
                np.zeros(shape),
                np.zeros(shape),
                np.zeros(shape),
                np.ones((scenarios, horizon + 1)),
                np.zeros((scenarios, horizon + 1)),
                np.zeros((p.periods + 1, scenarios, groups)) if p.plan == "spread_arrears" else None,
            )
            for p in plans
        )
        return cls(cohorts, take_up(plans, tables.B) if rho is None else rho, tables)

    @property
    def keep(self) -> np.ndarray:
        """(B, 1, G) (or (B, 1, 1)): share of each bucket not restructured."""
        return (1.0 - self.rho.sum(axis=0))[:, None, :]

    def enter(self, t: int, x: np.ndarray, L: np.ndarray | None, wb: Weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Record period ``t``'s entries from the state ``x`` (B, S, G) at its start and the late
        fees ``L``; returns (repurchased, late fees waived, late fees capitalised) per scenario."""
        S = x.shape[1]
        bought = np.zeros(S)
        waived = np.zeros(S)
        capitalised_late = np.zeros(S)
        for c, rho in zip(self.cohorts, self.rho, strict=True):
            share = x * rho[:, None, :]  # (B, S, G) entering this plan; rho (B, G) or (B, 1)
            E = sum((share[j] * wb.S[j]).sum(-1) for j in range(1, x.shape[0]))
            late = np.zeros(S) if L is None else (L * rho[:, None, :]).sum(axis=(0, 2))
            fees = sum((share[j] * (wb.F[0] - wb.F[j])).sum(-1) for j in range(1, x.shape[0]))
            p = c.terms
            if p.buy_back:
                bought += E
                waived += late
                continue
            N = p.periods
            months = np.arange(c.balance.shape[2])
            spread_part = np.where((months >= 1) & (months <= N), 1.0 / N, 0.0)
            cap = p.late_fees == "capitalise"
            if cap:
                capitalised_late += late
            else:
                waived += late
            if p.plan == "spread_arrears" and c.y is not None:
                arrears = E - sum((share[j] * wb.S[0]).sum(-1) for j in range(1, x.shape[0]))
                c.y[0] += share[1:].sum(axis=0)
                c.balance[:, t] = arrears[:, None] * np.maximum(0.0, 1.0 - months / N)
                c.fee[:, t] = (fees + (late if cap else 0.0))[:, None] * spread_part
                continue
            kept = 1.0 - p.down_payment
            c.down[:, t] = p.down_payment * E
            capitalised = (fees + late if cap else np.zeros(S))[:, None] * spread_part
            if p.plan == "re_age" and self.tables.re_age is not None:
                tab = self.tables.re_age[N]
                rows = [self.tables.row(t - 1 - j) for j in range(1, x.shape[0])]
                c.balance[:, t] = kept * sum(share[j] @ tab.balance[r] for j, r in zip(range(1, x.shape[0]), rows, strict=True))
                amount = kept * sum(share[j] @ tab.amount[r] for j, r in zip(range(1, x.shape[0]), rows, strict=True))
                c.fee[:, t] = p.fee_rate * amount * (months >= 1) + capitalised
                c.count[:, t] = sum(share[j] @ tab.count[r] for j, r in zip(range(1, x.shape[0]), rows, strict=True))
            else:  # freeze: N equal parts for every receivable
                n_in = sum(share[j] @ wb.C[j] for j in range(1, x.shape[0]))
                c.balance[:, t] = kept * E[:, None] * np.maximum(0.0, 1.0 - months / N)
                c.fee[:, t] = capitalised
                c.count[:, t] = n_in[:, None] * (months < N)
        return bought, waived, capitalised_late

    def step(self, t: int, wb: Weights, wa: Weights, *, entries: np.ndarray) -> PlanFlows:
        """Period ``t`` of every cohort (module doc); ``entries`` (S,) the balance that entered."""
        S = entries.shape[0]
        tot = {k: np.zeros(S) for k in ("opening", "principal", "fee", "prepayment", "base", "defaults", "count", "ndef", "closing")}
        by_type: dict[str, np.ndarray] = {}
        completed = None
        for c in self.cohorts:
            before = tot["closing"].copy()
            _money_step(c, t, tot)
            if c.y is not None:
                done = _schedule_step(c.y, c.terms, wb, wa, tot)
                completed = done if completed is None else completed + done
            by_type[c.terms.plan] = by_type.get(c.terms.plan, np.zeros(S)) + tot["closing"] - before
        return PlanFlows(
            opening=tot["opening"],
            principal=tot["principal"],
            fee=tot["fee"],
            prepayment=tot["prepayment"],
            prepay_base=tot["base"],
            defaults=tot["defaults"],
            default_count=tot["ndef"],
            closing=tot["closing"],
            entries=entries,
            count=tot["count"],
            by_type=by_type,
            completed=completed,
        )


def _money_step(c: _Cohorts, t: int, tot: dict[str, np.ndarray]) -> None:
    """Cohorts entered before ``t`` (month ``d = t − e``) plus the entry at ``t`` (month 0; its
    down payment is principal now)."""
    p = c.terms
    q, pr = p.redefault_rate, p.prepay_rate
    e = np.arange(t)  # earlier cohorts
    d = t - e
    M = c.balance.shape[2] - 1
    dm = np.minimum(d, M)
    prev = c.balance[:, e, dm - 1]  # (S, t)
    now = np.where(d <= M, c.balance[:, e, dm], 0.0)
    alive = c.alive[:, :t].copy()
    opening = alive * prev
    survive = alive * (1.0 - q)
    after = survive * now
    prepay = pr * after
    c.alive[:, :t] = survive * (1.0 - pr)
    tot["opening"] += opening.sum(-1)
    tot["defaults"] += q * opening.sum(-1)
    tot["ndef"] += (q * alive * c.count[:, e, dm - 1]).sum(-1)
    tot["principal"] += (survive * (prev - now)).sum(-1)
    tot["fee"] += (survive * np.where(d <= M, c.fee[:, e, dm], 0.0)).sum(-1)
    tot["prepayment"] += prepay.sum(-1)
    tot["base"] += after.sum(-1)
    tot["closing"] += (after - prepay).sum(-1) + c.balance[:, t, 0]
    tot["count"] += (c.alive[:, :t] * np.where(d <= M, c.count[:, e, dm], 0.0)).sum(-1) + c.count[:, t, 0]
    tot["principal"] += c.down[:, t]


def _schedule_step(y: np.ndarray, p: Restructuring, wb: Weights, wa: Weights, tot: dict[str, np.ndarray]) -> np.ndarray:
    """Spread plans' continuing schedules ``y`` (N + 1, S, G) by months in plan: months
    ``d = 1 … N`` re-default and prepay, every month pays its instalment with bucket-0 weights;
    month N is complete and returned (to M0)."""
    q, pr = p.redefault_rate, p.prepay_rate
    old = y[1:]  # entered earlier
    opening = (old * wb.S[0]).sum(axis=(0, 2))
    tot["ndef"] += q * (old @ wb.C[0]).sum(axis=0)  # the count before re-default (fixed: was after)
    survive = old * (1.0 - q)
    y[1:] = survive
    paying = y.sum(axis=0)
    tot["opening"] += opening
    tot["defaults"] += q * opening
    tot["principal"] += (paying * (wb.S[0] - wa.S[0])).sum(-1)
    tot["fee"] += (paying * (wa.F[0] - wb.F[0])).sum(-1)
    after = (survive * wa.S[0]).sum(axis=(0, 2))
    tot["prepayment"] += pr * after
    tot["base"] += after
    y[1:] = survive * (1.0 - pr)
    done = y[-1].copy()
    y[1:] = y[:-1].copy()
    y[0] = 0.0
    live = y[1:]  # still in a plan at the end of the period (months 1 … N − 1 after the shift)
    tot["closing"] += (live * wa.S[0]).sum(axis=(0, 2))
    tot["count"] += (live @ wa.C[0]).sum(axis=0)
    return done


def overdue(w: Weights, j: int) -> np.ndarray:
    """Rate-weighted amount due and unpaid of bucket ``j`` per group: ``Σ r_ℓ O_ℓ,j`` (module doc).
    Bucket 0's row is the state after ``k_j + j`` instalments."""
    return w.RS[j] - w.RS[0] + w.RF[0] - w.RF[j]


def late_fee_step(
    terms: LateFees,
    L: np.ndarray,
    xk: np.ndarray,
    coef: np.ndarray,
    used: tuple[tuple[int, int], ...],
    wb: Weights,
) -> LateFeeFlows:
    """Accrue on the receivables staying in the machine (``xk``) and move ``L`` with them."""
    B, S = xk.shape[0], xk.shape[1]
    Lk = L.copy()
    accrued = np.zeros(S)
    for j in range(1, B):
        a = terms.days(j) * xk[j] * overdue(wb, j)
        Lk[j] += a
        accrued += a.sum(-1)
    new = np.zeros_like(L)
    cured = np.zeros(S)
    lost = np.zeros(S)
    for j, c in used:
        if j == 0:
            continue  # nothing is overdue in M0
        moved = Lk[j] * coef[:, j, c]
        if c == 0:
            cured += moved.sum(-1)
        elif c == B:
            lost += moved.sum(-1)
        else:
            new[c] += moved
    return LateFeeFlows(
        state=new,
        accrued=accrued,
        collected=cured * (1.0 - terms.waived_share),
        waived=cured * terms.waived_share,
        written_off=lost,
    )

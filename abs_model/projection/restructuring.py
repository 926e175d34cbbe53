"""Restructured plans (逾期分期 / 协商还款 / 停息挂账): a state of their own, one per plan type.

Entry. At the start of period ``t`` a share ``take_up[j]`` (the plan's own, or its segment's:
``SegmentOverride.take_up``) of bucket ``j`` (``k = b0 + t − 1 − j``
instalments paid, ``j`` missed) leaves the roll-rate machine with its accrued late fees ``L``:

- ``spread_arrears`` (N months): the continuing schedule stays with the receivable (it pays its
  instalments as a current one, bucket-0 weights, from period ``t``); the arrears — principal
  ``S(k) − S(k + j)`` and fees ``Φ(k + j) − Φ(k)`` — plus ``L`` when capitalised are repaid in N
  equal parts in periods ``t + 1 … t + N``; after the N-th it is current again (back to M0).
- ``re_age`` (N): the balance ``S(k)`` (less a down payment paid at entry) is repaid in equal
  principal parts over ``M_ℓ = max(n_ℓ − k, N)`` months from ``t + 1`` — each receivable's own
  remaining term — with a plan fee ``fee_rate × plan amount`` a month while it runs.
- ``freeze`` (停息挂账, N ≤ 60): the balance (less the down payment) over N months, no fee.
- Under ``re_age`` and ``freeze`` the overdue instalment fees and ``L`` are, by option, either
  capitalised (repaid in N equal parts from ``t + 1``) or waived; ``buy_back``: the originator buys
  the entering receivables back at par instead (``repurchases``; their fees are waived).

Every later period of a plan (the entry period excepted): a share ``q`` (re-default rate) of its
opening balance defaults, the survivors pay the month's amounts, then a share ``p`` (prepay rate)
of what is left prepays. Plan cash flows are money paths per entry cohort (S, entry, month); the
spread plans' continuing schedules are fractions of each state group by months in plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from abs_model.assumptions.servicing import Restructuring, take_up_by_plan
from abs_model.projection.groups import PartSums, Weights, WeightTables


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
    active: tuple[int, ...] = (1,)
    """The buckets ``j ≥ 1`` with a take-up in some group (the others enter nothing: their terms
    are exact zeros, left out of the sums; at least one, so that the sums keep their shape)."""
    shapes: _PlanShapes | None = None
    """The plan's month profiles, made once (:func:`_plan_shapes`)."""
    entered: list[bool] = field(default_factory=lambda: [False])
    """Whether anything has entered yet: before, every path is zero and a period of the plan adds
    exact zeros, so :meth:`PlanBook.step` skips it (its survival shares then are never read:
    they multiply only zero paths)."""

    @property
    def counts(self) -> bool:
        """Whether the plan writes counts and down payments (re-aged and frozen plans; a spread
        plan's receivables stay counted in the machine, a bought-back one leaves)."""
        return self.terms.plan != "spread_arrears" and not self.terms.buy_back


@dataclass(frozen=True, slots=True)
class _PlanShapes:
    """Month profiles of a plan of ``N`` months over plan months ``m = 0 … M``: ``part`` = 1 / N in
    months 1 … N (the capitalised amounts' parts), ``decay`` = max(0, 1 − m / N) (the balance
    left), ``after_entry`` = [m ≥ 1], ``running`` = [m < N]."""

    part: np.ndarray
    decay: np.ndarray
    after_entry: np.ndarray
    running: np.ndarray


def _plan_shapes(N: int, M: int) -> _PlanShapes:
    months = np.arange(M + 1)
    part = np.where((months >= 1) & (months <= N), 1.0 / N, 0.0)
    return _PlanShapes(part, np.maximum(0.0, 1.0 - months / N), months >= 1, months < N)


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
    sums: PartSums | None = None
    """Sums over groups per part of the lines (None: one part, the plain sums)."""

    @classmethod
    def start(
        cls,
        plans: tuple[Restructuring, ...],
        *,
        tables: WeightTables,
        scenarios: int,
        groups: int,
        horizon: int,
        rho: np.ndarray | None = None,
        parts: PartSums | None = None,
    ) -> PlanBook:
        """``rho``: (P, B, G) take-up per state group (default: each plan's own, every group);
        ``parts``: the money paths kept per part (``parts.rows`` rows), the spread plans'
        schedules per state group (``scenarios`` rows)."""
        rows = scenarios if parts is None else parts.rows
        shape = (rows, horizon + 1, horizon + 1)
        rho = take_up(plans, tables.B) if rho is None else rho
        cohorts = tuple(
            _Cohorts(
                p,
                np.zeros(shape),
                np.zeros(shape),
                np.zeros(shape),
                np.ones((rows, horizon + 1)),
                np.zeros((rows, horizon + 1)),
                np.zeros((p.periods + 1, scenarios, groups)) if p.plan == "spread_arrears" else None,
                tuple(j for j in range(1, tables.B) if np.any(r[j] != 0.0)) or (1,),
                _plan_shapes(p.periods, horizon),
            )
            for p, r in zip(plans, rho, strict=True)
        )
        return cls(cohorts, rho, tables, parts)

    @property
    def keep(self) -> np.ndarray:
        """(B, 1, G) (or (B, 1, 1)): share of each bucket not restructured."""
        return (1.0 - self.rho.sum(axis=0))[:, None, :]

    def enter(self, t: int, x: np.ndarray, L: np.ndarray | None, wb: Weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Record period ``t``'s entries from the state ``x`` (B, S, G) at its start and the late
        fees ``L``; returns (repurchased, late fees waived, late fees capitalised) per scenario.

        Sums over the buckets run over each plan's :attr:`_Cohorts.active` ones, in order: a
        bucket without take-up adds exact zeros."""
        ps = self.sums if self.sums is not None else PartSums(None, x.shape[1])
        S = ps.rows
        bought = np.zeros(S)
        waived = np.zeros(S)
        capitalised_late = np.zeros(S)
        for c, rho in zip(self.cohorts, self.rho, strict=True):
            share = {j: x[j] * rho[j] for j in c.active}  # (S, G) entering this plan; rho (B, G) or (B, 1)
            E = sum(ps.sum(share[j] * wb.S[j]) for j in c.active)
            late = np.zeros(S) if L is None else ps.sum02(L * rho[:, None, :])
            p = c.terms
            if p.buy_back:
                bought += E
                waived += late
                continue
            fees = sum(ps.sum(share[j] * (wb.F[0] - wb.F[j])) for j in c.active)
            N = p.periods
            shapes = c.shapes if c.shapes is not None else _plan_shapes(N, c.balance.shape[2] - 1)
            spread_part = shapes.part
            cap = p.late_fees == "capitalise"
            if cap:
                capitalised_late += late
            else:
                waived += late
            if p.plan == "spread_arrears" and c.y is not None:
                arrears = E - sum(ps.sum(share[j] * wb.S[0]) for j in c.active)
                into = share[c.active[0]]
                for j in c.active[1:]:
                    into = into + share[j]
                c.y[0] += into
                c.balance[:, t] = arrears[:, None] * shapes.decay
                c.fee[:, t] = (fees + (late if cap else 0.0))[:, None] * spread_part
                _mark_entered(c, t)
                continue
            kept = 1.0 - p.down_payment
            c.down[:, t] = p.down_payment * E
            capitalised = (fees + late if cap else np.zeros(S))[:, None] * spread_part
            if p.plan == "re_age" and self.tables.re_age is not None:
                tab = self.tables.re_age[N]
                rows = [(j, self.tables.row(t - 1 - j)) for j in c.active]
                c.balance[:, t] = kept * sum(ps.mat(share[j], tab.balance[r]) for j, r in rows)
                amount = kept * sum(ps.mat(share[j], tab.amount[r]) for j, r in rows)
                c.fee[:, t] = p.fee_rate * amount * shapes.after_entry + capitalised
                c.count[:, t] = sum(ps.mat(share[j], tab.count[r]) for j, r in rows)
            else:  # freeze: N equal parts for every receivable
                n_in = sum(ps.dot(share[j], wb.C[j]) for j in c.active)
                c.balance[:, t] = kept * E[:, None] * shapes.decay
                c.fee[:, t] = capitalised
                c.count[:, t] = n_in[:, None] * shapes.running
            _mark_entered(c, t)
        return bought, waived, capitalised_late

    def step(self, t: int, wb: Weights, wa: Weights, *, entries: np.ndarray) -> PlanFlows:
        """Period ``t`` of every cohort (module doc); ``entries`` (S,) the balance that entered.
        A plan nothing has entered yet adds exact zeros: it is skipped (its closing by type zero)."""
        S = entries.shape[0]
        keys = ("opening", "principal", "fee", "prepayment", "base", "defaults", "count", "ndef", "closing")
        block = np.zeros((len(keys), S))
        tot = {k: block[i] for i, k in enumerate(keys)}  # rows of one block of zeros
        by_type: dict[str, np.ndarray] = {}
        completed = None
        for c in self.cohorts:
            if not c.entered[0]:  # as below with closing = before (the same roundings where a type repeats)
                kind = c.terms.plan
                by_type[kind] = by_type[kind] + tot["closing"] - tot["closing"] if kind in by_type else np.zeros(S)
                continue
            before = tot["closing"].copy()
            _money_step(c, t, tot)
            if c.y is not None:
                done = _schedule_step(c.y, c.terms, wb, wa, tot, self.sums)
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


def _mark_entered(c: _Cohorts, t: int) -> None:
    """Note the first period whose entry is not all zeros (its paths or the spread schedules)."""
    if not c.entered[0]:
        c.entered[0] = bool(
            c.balance[:, t].any() or c.fee[:, t].any() or c.count[:, t].any() or c.down[:, t].any() or (c.y is not None and c.y.any())
        )


def _diagonal(a: np.ndarray, t: int, shift: int) -> np.ndarray:
    """``a[:, e, t − e − shift]`` for ``e = 0 … t − 1`` of ``a`` (S, T + 1, M + 1) with ``t ≤ M``:
    a strided view (flat index ``e (M + 1) + t − e − shift = t − shift + e M``), no copy."""
    M = a.shape[2] - 1
    flat = a.reshape(a.shape[0], -1)
    start = t - shift
    return flat[:, start : start + (t - 1) * M + 1 : M] if M > 0 else flat[:, start : start + 1]


def _money_step(c: _Cohorts, t: int, tot: dict[str, np.ndarray]) -> None:
    """Cohorts entered before ``t`` (month ``d = t − e``) plus the entry at ``t`` (month 0; its
    down payment is principal now).

    The paths of month ``d`` and ``d − 1`` are read as strided views (``d ≤ t ≤ M`` always: the
    paths run over the horizon); counts and down payments only where the plan writes them
    (:attr:`_Cohorts.counts`; elsewhere they are zeros and would add zeros)."""
    p = c.terms
    q, pr = p.redefault_rate, p.prepay_rate
    M = c.balance.shape[2] - 1
    if t > M:  # pragma: no cover - the paths run over the horizon (PlanBook.start)
        raise IndexError(f"restructuring: period {t} is past the plans' {M} months")
    prev = _diagonal(c.balance, t, 1)  # (S, t)
    now = _diagonal(c.balance, t, 0)
    alive = c.alive[:, :t]
    opening = alive * prev
    survive = alive * (1.0 - q)
    if c.counts:
        tot["ndef"] += (q * alive * _diagonal(c.count, t, 1)).sum(-1)
    after = survive * now
    o = opening.sum(-1)
    tot["opening"] += o
    tot["defaults"] += q * o
    tot["principal"] += (survive * (prev - now)).sum(-1)
    tot["fee"] += (survive * _diagonal(c.fee, t, 0)).sum(-1)
    if pr == 0.0:  # nothing prepays: prepay = +0, after − prepay = after, survive × 1 = survive
        c.alive[:, :t] = survive
        base = after.sum(-1)
        tot["base"] += base
        tot["closing"] += base + c.balance[:, t, 0]
    else:
        prepay = pr * after
        c.alive[:, :t] = survive * (1.0 - pr)
        tot["prepayment"] += prepay.sum(-1)
        tot["base"] += after.sum(-1)
        tot["closing"] += (after - prepay).sum(-1) + c.balance[:, t, 0]
    if c.counts:
        tot["count"] += (c.alive[:, :t] * _diagonal(c.count, t, 0)).sum(-1) + c.count[:, t, 0]
        tot["principal"] += c.down[:, t]


def _schedule_step(
    y: np.ndarray, p: Restructuring, wb: Weights, wa: Weights, tot: dict[str, np.ndarray], ps: PartSums | None = None
) -> np.ndarray:
    """Spread plans' continuing schedules ``y`` (N + 1, S, G) by months in plan: months
    ``d = 1 … N`` re-default and prepay, every month pays its instalment with bucket-0 weights;
    month N is complete and returned (to M0).

    The re-default count is ``q × Σ y × C`` over the schedules entered earlier, before they
    re-default: the same base as the re-defaulted money ``q × opening`` (until issue 16's fifth
    round it was taken after, from the survivors, i.e. ``q (1 − q)`` of the count). Without prepayment (``p = 0``) the
    prepayment adds +0 and the survivors stay as they are."""
    q, pr = p.redefault_rate, p.prepay_rate
    ps = ps if ps is not None else PartSums(None, y.shape[1])
    old = y[1:]  # entered earlier
    S0 = wb.S[0]
    opening = ps.sum02(old * S0)
    tot["ndef"] += q * ps.dot_sum0(old, wb.C[0])  # before the survivors overwrite ``old``
    survive = np.multiply(old, 1.0 - q, out=old)  # y[1:] = the survivors
    paying = y.sum(axis=0)
    tot["opening"] += opening
    tot["defaults"] += q * opening
    tot["principal"] += ps.sum(paying * (S0 - wa.S[0]))
    tot["fee"] += ps.sum(paying * (wa.F[0] - wb.F[0]))
    after = ps.sum02(survive * wa.S[0])
    if pr != 0.0:
        tot["prepayment"] += pr * after
        y[1:] = survive * (1.0 - pr)
    tot["base"] += after
    done = y[-1].copy()
    y[1:] = y[:-1]  # overlapping: numpy copies through a buffer
    y[0] = 0.0
    live = y[1:]  # still in a plan at the end of the period (months 1 … N − 1 after the shift)
    tot["closing"] += ps.sum02(live * wa.S[0])
    tot["count"] += ps.dot_sum0(live, wa.C[0])
    return done

"""The roll-rate convention: a Markov state machine over delinquency buckets.

Period ``t`` (``x_j`` = fraction of a state group in bucket ``j``; a receivable in bucket ``j``
at the end of period ``t`` has paid ``k = b0 + t − j`` instalments of its ``n``, ``b0`` its
cut-off bucket):

- ``x' = x · P`` with ``P`` the period's roll-rate matrix (stressed by the default multiple, with
  each collection stage's cure rate); moving ``j → j'`` pays ``j − j' + 1`` instalments (0 when
  rolling forward, 1 when staying, all arrears when curing).
- Defaults: the share entering the default bucket ``d`` (90+ → M4): balance ``x_j P[j, d] S(k_j)``.
- Restructuring takes a share ``take_up[j]`` of bucket ``j`` out of the machine at its full
  balance before it moves (:mod:`abs_model.projection.restructuring` runs the plans).
- Scheduled principal = opening balance − defaults − entries into plans − balance after
  instalments; fee/interest = ``Σ x'_j Φ(k'_j) − Σ (x_j − default share) Φ(k_j)`` (``Φ`` the
  cumulative fee).
- Prepayment = ``SMM × M0 balance after its instalment``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from abs_model.assumptions.assumptions import N_BUCKETS, stress_rolls
from abs_model.assumptions.servicing import CollectionStage, CollectionStrategy
from abs_model.projection.context import Context, PeriodStep
from abs_model.projection.groups import PartSums, StateGroups, Weights, bsum
from abs_model.projection.late_fees import late_fee_step
from abs_model.projection.restructuring import take_up


@dataclass(frozen=True, slots=True)
class RollRate:
    """The roll-rate convention's tables for one run.

    ``P``: (S, Gseg, M, B, B + 1) — live buckets and one default column, per scenario, segment
    and month on book; ``used``: the (from, to) pairs with any positive entry; ``keep``: (B, 1, Gseg)
    share of each bucket not restructured, by segment group (None without restructuring).
    """

    ctx: Context
    P: np.ndarray
    depth: int
    used: tuple[tuple[int, int], ...]
    keep: np.ndarray | None
    stages: tuple[CollectionStage, ...]

    _coefficients: dict[tuple[bytes, bytes], tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False, compare=False
    )
    parts: PartSums | None = None
    """Sums over groups per part of the lines (None: one part, the plain sums)."""

    @property
    def sums(self) -> PartSums:
        """The run's sums over state groups (:class:`~abs_model.projection.groups.PartSums`)."""
        return self.parts if self.parts is not None else PartSums(None, self.ctx.S)

    @property
    def by_age(self) -> bool:
        return self.depth > 1

    def coefficients(self, groups: StateGroups, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The period's roll coefficients per group: ``coef`` (S, B, B + 1, G), as ``P[s, seg,
        mob, j, c]`` with ``mob`` each group's month on book (capped at the matrix stack's depth);
        ``live`` (B, B, S, G) = ``coef[:, j, c]`` for the live buckets ``c``, by source ``j``;
        ``to_default`` (B, S, G) = ``coef[:, j, B]``. Kept per (segments, months on book): with
        one matrix for every age, they are computed once per run."""
        mob = np.minimum(np.maximum(groups.age + t, 1), self.depth) - 1  # np.clip, without its overhead
        key = (groups.seg.tobytes(), mob.tobytes())
        got = self._coefficients.get(key)
        if got is None:
            B = self.ctx.B
            coef = np.moveaxis(self.P[:, groups.seg, mob], 1, -1)
            live = np.ascontiguousarray(coef[:, :, :B].transpose(1, 2, 0, 3))
            got = (coef, live, np.moveaxis(coef[:, :, B], 1, 0))
            self._coefficients[key] = got
        return got

    def initial_state(self, groups: StateGroups) -> np.ndarray:
        x = np.zeros((self.ctx.B, self.ctx.S, groups.size))
        live = groups.b0 < self.ctx.B
        x[groups.b0[live], :, np.flatnonzero(live)] = 1.0
        return x

    def pre_default(self, groups: StateGroups, balance: np.ndarray) -> np.ndarray:
        return groups.sum(balance * (groups.b0_line >= self.ctx.B))

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
        """One period of the module doc's state machine; ``pre_default`` (period 1 only) is the
        balance past the default bucket at cut-off, defaulted now; ``late`` the late fees accrued
        and unpaid by bucket (:mod:`abs_model.projection.late_fees`)."""
        B = self.ctx.B
        coef, live, to_default = self.coefficients(groups, t)
        keep = self.keep[:, :, groups.seg] if self.keep is not None else None  # (B, 1, G)
        xk = x * keep if keep is not None else x  # the part of each bucket not restructured
        # x'_c = Σ_j xk_j P[j, c] over the live buckets c, added in the order of j (a leading-axis sum)
        xn = (xk[:, None] * live).sum(axis=0)
        dshare = xk * to_default  # (B, S, G) default share by source
        open_bal = bsum(x, wb.S)
        default_bal = bsum(dshare, wb.S)
        entering = None if self.keep is None else x - xk  # restructured this period, at their full balance
        entry_bal = bsum(entering, wb.S) if entering is not None else np.zeros((self.ctx.S, groups.size))
        ps = self.sums
        costs = np.zeros(ps.rows)
        if self.stages:
            costs += stage_costs(self.stages, x, xk, coef, self.used, wb, wa, B, ps)
        default_count = sum(ps.dot_each(dshare, wb.C))
        if pre_default is not None:
            default_bal = default_bal + pre_default
            open_bal = open_bal + pre_default
        # a receivable ending in bucket j' has paid b0 + t − j' instalments: weights of j'
        after_bal = bsum(xn, wa.S)
        fee = bsum(xn, wa.F) - bsum(xk - dshare, wb.F)
        x0 = xn[0]
        prepay_frac = x0 * smm
        prepay_base = x0 * wa.S[0]
        xn[0] = x0 - prepay_frac
        terms = self.ctx.assumptions.late_fees
        fees = None
        if terms is not None:
            L = np.zeros_like(x) if late is None else late
            Lk = L * keep if keep is not None else L
            fees = late_fee_step(terms, Lk, xk, coef, self.used, wb) if self.parts is None else late_fee_step(terms, Lk, xk, coef, self.used, wb, ps)
        return PeriodStep(
            x=xn,
            open_bal=open_bal,
            default_bal=default_bal,
            default_count=np.zeros(ps.rows) + default_count,
            sched_prin=open_bal - default_bal - after_bal - entry_bal,
            fee=fee,
            prepay_frac=prepay_frac,
            prepay_base=prepay_base,
            costs=costs,
            entering=entering,
            entry_bal=entry_bal,
            late=fees,
        )


def build(ctx: Context) -> RollRate:
    """Stack each segment's roll matrix (padded to the deepest month-on-book stack, with the
    collection stages' cures), stress it by the default multiples and keep the live buckets plus
    one default column."""
    a = ctx.assumptions
    strategy: CollectionStrategy | None = a.collections
    rollstacks = ctx.segments.rolls
    if strategy is not None:
        rollstacks = [None if r is None else strategy.apply_cures(r) for r in rollstacks]
    B, S = ctx.B, ctx.S
    depth = max(r.shape[0] for r in rollstacks if r is not None)
    stack = np.stack(
        [np.concatenate([r, np.repeat(r[-1:], depth - r.shape[0], axis=0)]) for r in rollstacks if r is not None]
    )  # (Gseg, M, 8, 8)
    stressed = stress_rolls(stack.reshape(-1, N_BUCKETS, N_BUCKETS), ctx.dm).reshape(
        S, stack.shape[0], depth, N_BUCKETS, N_BUCKETS
    )
    P = np.concatenate([stressed[..., :B, :B], stressed[..., :B, B:].sum(axis=-1, keepdims=True)], axis=-1)
    used = tuple((j, c) for j in range(B) for c in range(B + 1) if np.any(P[..., j, c] > 0))
    plans = strategy.plans if strategy is not None else ()
    keep = None
    if plans:  # (B, 1, Gseg): share of each bucket not restructured, by segment group
        keep = (1.0 - take_up(plans, B, ctx.segments.take_up).sum(axis=0))[:, None, :]
    stages = strategy.stages if strategy is not None else ()
    return RollRate(ctx, P, depth, used, keep, stages)


def stage_costs(
    stages: tuple[CollectionStage, ...],
    x: np.ndarray,
    xk: np.ndarray,
    coef: np.ndarray,
    used: tuple[tuple[int, int], ...],
    wb: Weights,
    wa: Weights,
    B: int,
    ps: PartSums | None = None,
) -> np.ndarray:
    """Collection costs of the period, per scenario (see :mod:`abs_model.assumptions.servicing`).

    Defined per stage as ``cost_per_account × Σ accounts in its buckets + cost_rate × Σ balance
    in its buckets + contingency_fee × cash collected from its buckets``, where the cash
    collected from bucket j is ``Σ_{j' ≤ j} x_j P[j, j'] (S(k_j) − S(k'_{j'}) + Φ(k'_{j'}) − Φ(k_j))``
    in money (the arrears and current instalments its cures and stays pay).
    """
    ps = ps if ps is not None else PartSums(None, x.shape[1])
    total = np.zeros(ps.rows)
    by_part = ps.starts is not None  # then every bucket's accounts and balance in one batch of part sums
    xc = ps.dot_each(x, wb.C) if by_part else None
    xs = ps.dot_each(x, wb.S) if by_part else None
    for st in stages:
        for j in st.buckets:
            if j >= B:
                continue
            if xc is not None and xs is not None:
                total += st.cost_per_account * xc[j] + st.cost_rate * xs[j]
            else:
                total += st.cost_per_account * (x[j] @ wb.C[j]) + st.cost_rate * (x[j] @ wb.S[j])
            if st.contingency_fee:
                cash = np.zeros(ps.rows)
                for jj, c in used:
                    if jj != j or c > j:
                        continue
                    per_g = wb.S[j] - wa.S[c] + wa.F[c] - wb.F[j]
                    cash += ps.sum((xk[j] * coef[:, j, c]) * per_g)
                total += st.contingency_fee * cash
    return total

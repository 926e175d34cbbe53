"""Pool projection: ``project(pool, assumptions) -> PoolCashflows``.

Vectorised over lines (rep-lines or loans) and over a leading scenario axis; the only Python loop
is over periods. State is the *fraction* of each line's receivables in each delinquency bucket,
together with how many instalments they have paid; balances follow from the closed-form schedules
of :mod:`abs_model.core.schedule`.

Roll-rate convention, period ``t`` (``x_j`` = fraction of the line in bucket ``j``; a receivable
in bucket ``j`` at the end of period ``t`` has paid ``k = b0 + t − j`` instalments of its ``n``,
``b0`` its cut-off bucket):

- ``x' = x · P`` with ``P`` the period's roll-rate matrix; moving ``j → j'`` pays ``j − j' + 1``
  instalments (0 when rolling forward, 1 when staying, all arrears when curing).
- Defaults: the share entering the default bucket ``d`` (90+ → M4): balance ``x_j P[j, d] S(k_j)``.
- Scheduled principal = opening balance − defaults − balance after instalments; fee/interest =
  ``Σ x'_j Φ(k'_j) − Σ (x_j − default share) Φ(k_j)`` (``Φ`` the cumulative fee).
- Prepayment = ``SMM × M0 balance after its instalment``; unearned fees per the deal option.

SIFMA convention (Standard Formulas §C.2–C.3, without P&I advancing), period ``t``: defaults
``= MDR × PB(t−1)``; scheduled principal and interest on the surviving balance
``(PB(t−1) − defaults) × (1 − q)``; prepayment ``= SMM × PB(t−1) × q`` with ``q = S(t)/S(t−1)``
(the prior performing balance after scheduled amortisation, this period's defaults included),
capped at the surviving balance.

Both: recoveries ``= recovery_rate × defaults`` paid after the recovery lag (or spread by the
recovery timing vector); net loss ``= defaults − recoveries`` booked at default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from abs_model.assumptions.assumptions import N_BUCKETS, Assumptions, Curve, stress_rolls
from abs_model.assumptions.servicing import CollectionStage
from abs_model.collateral.pool import Pool
from abs_model.core.schedule import ScheduleShape
from abs_model.errors import AssumptionError
from abs_model.projection.cashflows import FIELDS, STOCK_FIELDS, PoolCashflows
from abs_model.projection.replines import Lines, loan_lines, rep_lines

Level = Literal["repline", "loan"]


def project(
    pool: Pool,
    assumptions: Assumptions,
    *,
    level: Level = "repline",
    check: bool = True,
) -> PoolCashflows:
    """Project the pool's cash flows, one row per period (period 0 = cut-off).

    ``level="repline"`` (default) compresses exact rep-lines first; ``level="loan"`` runs one line
    per receivable and also returns loan-level closing balances. Both give the same pool cash flows
    (to floating-point rounding). The roll-forward and conservation checks run on every result and
    raise :class:`~abs_model.errors.ConservationError` on violation.
    """
    if not isinstance(assumptions, Assumptions):
        raise AssumptionError(
            f"assumptions: must be an abs_model.Assumptions (use Assumptions.make(...)); got {type(assumptions).__name__}"
        )
    if level == "repline":
        lines = rep_lines(pool, assumptions)
    elif level == "loan":
        lines = loan_lines(pool, assumptions)
    else:
        raise AssumptionError(f"level: must be 'repline' or 'loan'; got {level!r}")
    out = project_lines(lines, assumptions, keep_lines=(level == "loan"))
    cf = PoolCashflows.from_arrays(
        {k: v[0] for k, v in out.totals.items()},
        convention=assumptions.convention,
        assumptions=assumptions,
        initial_balance=float(lines.balance.sum()),
        initial_count=float(lines.count.sum()),
        line_balances=None if out.line_closing is None else out.line_closing,
        n_lines=len(lines),
    )
    if check:
        cf.check()
    return cf


@dataclass(frozen=True, slots=True)
class LineProjection:
    """Raw projection output: ``totals[field]`` of shape (S, T + 1) (row 0 = cut-off)."""

    totals: dict[str, np.ndarray]
    line_closing: np.ndarray | None


def horizon_for(lines: Lines, assumptions: Assumptions) -> int:
    """Periods projected: the longest remaining schedule plus the delinquency pipeline, unless
    ``assumptions.horizon`` says otherwise. Recoveries run past it by the recovery lag."""
    if assumptions.horizon is not None:
        return int(assumptions.horizon)
    extra = assumptions.default_bucket if assumptions.roll_rates is not None else 0
    return int(lines.n.max(initial=1)) + extra


def _resolve(
    lines: Lines, assumptions: Assumptions
) -> tuple[list[Curve], list[Curve | None], list[np.ndarray | None], np.ndarray, np.ndarray]:
    """Per distinct group: (cpr curve, cdr curve, roll stack, recovery rate); and each line's
    group index."""
    ugroups, ginv = np.unique(lines.group, return_inverse=True)
    cprs: list[Curve] = []
    cdrs: list[Curve | None] = []
    rolls: list[np.ndarray | None] = []
    recs = np.empty(len(ugroups))
    for gi, g in enumerate(ugroups):
        cpr, cdr = assumptions.cpr, assumptions.cdr
        rr = assumptions.roll_rates.matrix if assumptions.roll_rates is not None else None
        rec = assumptions.recovery_rate
        for i, o in enumerate(assumptions.segment_overrides):
            if (int(g) >> i) & 1:
                cpr = o.cpr if o.cpr is not None else cpr
                cdr = o.cdr if o.cdr is not None else cdr
                rr = o.roll_rates.matrix if o.roll_rates is not None else rr
                rec = o.recovery_rate if o.recovery_rate is not None else rec
        cprs.append(cpr)
        cdrs.append(cdr)
        rolls.append(rr)
        recs[gi] = rec
    return cprs, cdrs, rolls, recs, ginv.astype(np.int64)


def _curve_table(curves: list[Curve], length: int) -> tuple[np.ndarray, np.ndarray]:
    """Stack curves into a (G, length) table by 1-based index, with an is-age flag per curve."""
    ks = np.arange(1, length + 1)
    tab = np.stack([c.at(ks) for c in curves])
    is_age = np.array([c.index == "age" for c in curves])
    return tab, is_age


def project_lines(
    lines: Lines,
    assumptions: Assumptions,
    *,
    prepay_mult: np.ndarray | None = None,
    default_mult: np.ndarray | None = None,
    recovery_mult: np.ndarray | None = None,
    keep_lines: bool = False,
    horizon: int | None = None,
) -> LineProjection:
    """The engine (see :func:`_project_sorted`). Lines are first ordered by (segment group,
    cut-off bucket, age) so that every state group is a contiguous run of lines and the sums by
    group are segment sums; loan-level balances come back in the caller's order."""
    age = lines.age.astype(np.int64)
    bucket = lines.bucket.astype(np.int64) if assumptions.roll_rates is not None else 0
    key = (lines.group.astype(np.int64) * 8 + bucket) * (int(age.max(initial=0)) + 1) + age
    small = key.max(initial=0) < np.iinfo(np.int16).max
    order = np.argsort(key.astype(np.int16) if small else key, kind="stable")
    if np.all(order[1:] > order[:-1]):
        return _project_sorted(lines, assumptions, prepay_mult=prepay_mult, default_mult=default_mult,
                               recovery_mult=recovery_mult, keep_lines=keep_lines, horizon=horizon)
    sorted_lines = Lines(
        product=lines.product[order],
        original_term=lines.original_term[order],
        n=lines.n[order],
        bucket=lines.bucket[order],
        age=lines.age[order],
        rate=lines.rate[order],
        balance=lines.balance[order],
        flat_fee=lines.flat_fee[order],
        count=lines.count[order],
        group=lines.group[order],
    )
    out = _project_sorted(sorted_lines, assumptions, prepay_mult=prepay_mult, default_mult=default_mult,
                          recovery_mult=recovery_mult, keep_lines=keep_lines, horizon=horizon)
    if out.line_closing is None:
        return out
    back = np.empty_like(out.line_closing)
    back[order] = out.line_closing
    return LineProjection(out.totals, back)


def _project_sorted(
    lines: Lines,
    assumptions: Assumptions,
    *,
    prepay_mult: np.ndarray | None = None,
    default_mult: np.ndarray | None = None,
    recovery_mult: np.ndarray | None = None,
    keep_lines: bool = False,
    horizon: int | None = None,
) -> LineProjection:
    """The engine on lines ordered by (segment group, cut-off bucket, age). Scenario multipliers (arrays of shape (S,)) stress CPR, the default rate
    (CDR / cumulative default / roll-forward rates) and the recovery rate; S = 1 by default.

    State groups. The *fractions* path of a line (how much of it sits in each bucket, has
    defaulted or prepaid) depends only on its cut-off bucket, its months on book (when a curve or
    the roll-rate matrix is indexed by age) and its assumption segment — not on its schedule. So
    the state is kept per state group and scenario, shape (B, S, G), and every money column is a
    contraction with scenario-free weights ``W[j, g] = Σ_{lines ℓ in g} balance_ℓ · S_ℓ(k_j)``
    (and the same for the cumulative fee Φ, the unearned fee and the count), tabulated once per
    period. Exact, and the scenario axis costs O(B · G) per period instead of O(B · L).
    """
    pm = np.atleast_1d(np.asarray(1.0 if prepay_mult is None else prepay_mult, dtype=np.float64))
    dm = np.atleast_1d(np.asarray(1.0 if default_mult is None else default_mult, dtype=np.float64))
    rm = np.atleast_1d(np.asarray(1.0 if recovery_mult is None else recovery_mult, dtype=np.float64))
    S = max(pm.size, dm.size, rm.size)
    pm = np.broadcast_to(pm, (S,)) * assumptions.prepay_multiplier
    dm = np.broadcast_to(dm, (S,)) * assumptions.default_multiplier
    rm = np.broadcast_to(rm, (S,))
    T = horizon if horizon is not None else horizon_for(lines, assumptions)
    L = len(lines)
    roll = assumptions.roll_rates is not None
    sched = ScheduleShape.build(
        product=lines.product,
        n=lines.n,
        annual_rate=lines.rate,
        balance=lines.balance,
        flat_fee=lines.flat_fee,
    )
    bal = lines.balance
    cprs, cdrs, rollstacks, recs, gi = _resolve(lines, assumptions)
    strategy = assumptions.collections
    if strategy is not None and roll:
        rollstacks = [None if r is None else strategy.apply_cures(r) for r in rollstacks]
    max_age = int(lines.age.max(initial=0)) + T + 1
    cpr_tab, cpr_age = _curve_table(cprs, max_age)
    B = min(assumptions.default_bucket, N_BUCKETS - 1) if roll else 1
    restr = strategy.restructuring if strategy is not None and roll else None
    rho = np.zeros(B)
    if restr is not None:
        for j, v in restr.take_up.items():
            if j < B:
                rho[j] = v
    keep = (1.0 - rho)[:, None, None]  # (B, 1, 1): share of each bucket not restructured
    stages = strategy.stages if strategy is not None and roll else ()

    # ---- roll-rate tables: (S, Gseg, M, B, B+1), live buckets + a default column
    depth = 1
    if roll:
        depth = max(r.shape[0] for r in rollstacks if r is not None)
        stack = np.stack(
            [np.concatenate([r, np.repeat(r[-1:], depth - r.shape[0], axis=0)]) for r in rollstacks if r is not None]
        )  # (Gseg, M, 8, 8)
        stressed = stress_rolls(stack.reshape(-1, N_BUCKETS, N_BUCKETS), dm).reshape(
            S, stack.shape[0], depth, N_BUCKETS, N_BUCKETS
        )
        P = np.concatenate([stressed[..., :B, :B], stressed[..., :B, B:].sum(axis=-1, keepdims=True)], axis=-1)
    cdr_tab = None
    cdr_age = np.zeros(len(cprs), dtype=bool)
    if not roll and assumptions.cumulative_default is None and any(c is not None for c in cdrs):
        cdr_tab, cdr_age = _curve_table([c if c is not None else Curve(np.zeros(1)) for c in cdrs], max_age)
    cum_target = None
    if not roll and assumptions.cumulative_default is not None and assumptions.default_timing is not None:
        w = assumptions.default_timing.at(np.arange(1, T + 1))
        cum_target = assumptions.cumulative_default * dm[:, None] * bal.sum() * w[None, :]  # (S, T)

    # ---- state groups: (cut-off bucket, age when anything is age-indexed, segment group)
    by_age = bool(cpr_age.any() or cdr_age.any() or depth > 1)
    b0_line = lines.bucket.astype(np.int64) if roll else np.zeros(L, dtype=np.int64)
    age_line = lines.age.astype(np.int64) if by_age else np.zeros(L, dtype=np.int64)
    skey = (gi * 8 + b0_line) * (int(age_line.max(initial=0)) + 1) + age_line
    present = np.bincount(skey) > 0  # a small dense key: map it to group numbers directly
    code = np.cumsum(present) - 1
    sg = code[skey]
    G = int(present.sum())
    first = np.zeros(G, dtype=np.int64)
    first[sg[::-1]] = np.arange(L - 1, -1, -1)
    g_seg, g_b0, g_age = gi[first], b0_line[first], age_line[first]
    rec_g = recs[g_seg]

    # lines arrive ordered so that each state group is one contiguous run: segment sums
    starts = np.flatnonzero(np.diff(sg, prepend=-1))
    if starts.size != G or np.any(np.diff(sg) < 0):  # pragma: no cover - guarded by project_lines
        raise RuntimeError("internal: lines must be ordered by state group (call project_lines)")

    def gsum(v: np.ndarray) -> np.ndarray:
        return np.add.reduceat(np.asarray(v, dtype=np.float64), starts) if L else np.zeros(G)

    unearned = assumptions.unearned_fee
    one_period = unearned == "one_period"
    # Scenario-free weights by state group. A receivable in bucket j at the end of period t has
    # paid k = b0 + t − j instalments, so bucket j's weights at t are bucket 0's at τ = t − j:
    # evaluate the closed forms once per τ = −(B − 1) … T, vectorised over lines.
    taus = np.arange(-(B - 1), T + 1)
    WS_all = np.empty((taus.size, G))
    WF_all = np.empty((taus.size, G))
    WC_all = np.empty((taus.size, G))
    WU_all = np.zeros((taus.size, G))
    s_keep: dict[int, np.ndarray] = {}
    n_f = lines.n.astype(np.float64)
    unit_counts = bool(np.all(lines.count == 1.0))
    for i_tau, tau in enumerate(taus):
        k = np.minimum(np.maximum(b0_line + float(tau), 0.0), n_f)
        s_l = sched.balance_factor(k, clipped=True)
        WS_all[i_tau] = gsum(bal * s_l)
        WF_all[i_tau] = gsum(sched.fee_cumulative(k, s_l, clipped=True))
        # receivables with a balance left; when every line is one receivable, the flags are the count
        WC_all[i_tau] = gsum(k < n_f) if unit_counts else gsum(lines.count * (k < n_f))
        if unearned != "waived":
            u = sched.fee_remaining(k)
            WU_all[i_tau] = gsum(np.minimum(u, sched.flat_fee) if one_period else u)
        if keep_lines:
            s_keep[int(tau)] = s_l

    def weights(t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Rows for buckets j = 0 … B − 1 at period t (τ = t − j)."""
        rows = t - np.arange(B) + (B - 1)
        return WS_all[rows], WF_all[rows], WC_all[rows], WU_all[rows[0]]

    def line_factors(t: int) -> list[np.ndarray]:
        """Per-line S(b0 + t − j) for each bucket (loan-level output only)."""
        return [s_keep[t - j] for j in range(B)]

    # ---- initial state: fraction of each state group per live bucket, (B, S, G)
    x = np.zeros((B, S, G))
    live_g = g_b0 < B
    x[g_b0[live_g], :, np.flatnonzero(live_g)] = 1.0
    pre_default = gsum(bal * (b0_line >= B)) if roll else np.zeros(G)

    tot = {f: np.zeros((S, T + 1)) for f in FIELDS}
    tot["closing_balance"][:, 0] = bal.sum()
    tot["count"][:, 0] = lines.count.sum()
    for j in range(N_BUCKETS - 1):
        tot[f"balance_m{j}"][:, 0] = bal[b0_line == j].sum()
    line_closing = np.zeros((L, T + 1)) if keep_lines else None
    if line_closing is not None:
        line_closing[:, 0] = bal
    recoverable = np.zeros((S, T + 1))  # recovery money to be received from defaults of t

    smm_tab = 1.0 - (1.0 - np.minimum(1.0, cpr_tab[None] * pm[:, None, None])) ** (1.0 / 12.0)  # (S, Gseg, A)
    g_cpr_age = np.where(cpr_age[g_seg], g_age, 0)
    if cdr_tab is not None:
        mdr_tab = 1.0 - (1.0 - np.minimum(1.0, cdr_tab[None] * dm[:, None, None])) ** (1.0 / 12.0)
        g_cdr_age = np.where(cdr_age[g_seg], g_age, 0)
    if roll:
        used = [(j, c) for j in range(B) for c in range(B + 1) if np.any(P[..., j, c] > 0)]

    # restructured plans: one cohort per entry period, money amounts per scenario
    plan_amount = np.zeros((S, T + 1))  # plan principal after the down payment, by entry period
    plan_alive = np.ones((S, T + 1))  # share of each cohort not re-defaulted
    plan_count = np.zeros((S, T + 1))
    m_plan = restr.periods if restr is not None else 1
    q_plan = restr.redefault_rate if restr is not None else 0.0
    entry_period = np.arange(T + 1)

    WS_b, WF_b, WC_b, _ = weights(0)
    for t in range(1, T + 1):
        WS_a, WF_a, WC_a, WU = weights(t)
        open_bal = _bsum(x, WS_b)  # (S, G)
        smm = smm_tab[:, g_seg, np.clip(g_cpr_age + t, 1, max_age) - 1]  # (S, G)
        if roll:
            mob = np.clip(g_age + t, 1, depth) - 1
            coef = np.moveaxis(P[:, g_seg, mob], 1, -1)  # (S, B, B+1, G)
            xk = x * keep if restr is not None else x  # the part of each bucket not restructured
            new = np.zeros((B + 1, S, G))
            for j, c in used:
                new[c] += xk[j] * coef[:, j, c]
            dshare = xk * np.moveaxis(coef[:, :, B], 1, 0)  # (B, S, G) default share by source
            default_bal = _bsum(dshare, WS_b)
            if restr is not None:
                entering = x - xk  # (B, S, G) restructured this period, at their full balance
                entry_bal = _bsum(entering, WS_b)
                tot["restructured_entries"][:, t] = entry_bal.sum(-1)
                plan_count[:, t] = sum(entering[j] @ WC_b[j] for j in range(1, B))
                down = restr.down_payment * entry_bal.sum(-1)
                plan_amount[:, t] = entry_bal.sum(-1) - down
            else:
                entry_bal = np.zeros((S, G))
            if stages:
                tot["collection_costs"][:, t] += _stage_costs(stages, x, xk, coef, used, WS_b, WS_a, WF_b, WF_a, WC_b, B)
            tot["defaults_count"][:, t] += sum((dshare[j] @ WC_b[j]) for j in range(B))
            if t == 1:
                default_bal = default_bal + pre_default
                open_bal = open_bal + pre_default
            xn = new[:B]
            # a receivable ending in bucket j' has paid b0 + t − j' instalments: weights of j'
            after_bal = _bsum(xn, WS_a)
            fee = _bsum(xn, WF_a) - _bsum(xk - dshare, WF_b)
            x0 = xn[0]
            prepay_frac = x0 * smm
            prepay_base = x0 * WS_a[0]
            sched_prin = open_bal - default_bal - after_bal - entry_bal
            xn[0] = x0 - prepay_frac
            x = xn
        else:
            if cum_target is not None:
                perf = open_bal.sum(-1)  # (S,)
                safe = np.where(perf > 0, perf, 1.0)
                mdr = np.where(perf > 0, np.minimum(1.0, cum_target[:, t - 1] / safe), 0.0)[:, None]
            elif cdr_tab is not None:
                mdr = mdr_tab[:, g_seg, np.clip(g_cdr_age + t, 1, max_age) - 1]
            else:
                mdr = np.zeros((1, 1))
            x0 = x[0]
            surv = x0 * (1.0 - mdr)
            default_bal = (x0 - surv) * WS_b[0]
            tot["defaults_count"][:, t] = (x0 - surv) @ WC_b[0]
            sched_prin = surv * (WS_b[0] - WS_a[0])
            fee = surv * (WF_a[0] - WF_b[0])
            # SF §C.2: VOL_PREPAY = PB(t−1) × q(t) × SMM, on the prior performing balance
            # (this period's new defaults included), capped so the balance never goes negative
            prepay_frac = np.minimum(x0 * smm, surv)
            prepay_base = x0 * WS_a[0]
            x = (surv - prepay_frac)[None]
        prepay = prepay_frac * WS_a[0]
        plan_open = plan_close = plan_prin = plan_fee = plan_default = 0.0
        if restr is not None:
            paid = np.clip(t - 1 - entry_period, 0, m_plan)  # instalments paid by earlier cohorts
            active = (entry_period < t) & (paid < m_plan)
            out_open = plan_amount * plan_alive * (1.0 - paid / m_plan) * (entry_period < t)
            redefault = out_open * q_plan * active
            tot["defaults_count"][:, t] += (plan_count * plan_alive * q_plan * active).sum(-1)
            plan_alive = np.where(active, plan_alive * (1.0 - q_plan), plan_alive)
            principal = plan_amount * plan_alive / m_plan * active
            plan_prin = principal.sum(-1) + restr.down_payment * tot["restructured_entries"][:, t]
            plan_fee = (restr.fee_rate * plan_amount * plan_alive * active).sum(-1)
            plan_default = redefault.sum(-1)
            plan_open = out_open.sum(-1)
            # closing: what is left of earlier cohorts plus this period's entries (after down payment)
            plan_close = plan_open - plan_default - principal.sum(-1) + plan_amount[:, t]
            tot["balance_restructured"][:, t] = plan_close
            alive_plans = (entry_period < t) & (paid + 1 < m_plan)
            tot["count"][:, t] += (plan_count * plan_alive * alive_plans).sum(-1) + plan_count[:, t]
        if unearned != "waived":
            tot["prepayment_fee"][:, t] = (prepay_frac * WU).sum(-1)
        tot["opening_balance"][:, t] = open_bal.sum(-1) + plan_open
        tot["scheduled_principal"][:, t] = sched_prin.sum(-1) + plan_prin
        tot["prepayment"][:, t] = prepay.sum(-1)
        tot["fee_interest"][:, t] = fee.sum(-1) + plan_fee
        tot["defaults"][:, t] = default_bal.sum(-1) + plan_default
        tot["prepay_base"][:, t] = prepay_base.sum(-1)
        # recovery multiples scale the rate, capped at 100 % of the defaulted balance
        recoverable[:, t] = (default_bal * np.minimum(1.0, rec_g[None, :] * rm[:, None])).sum(-1) + plan_default * np.minimum(
            1.0, assumptions.recovery_rate * rm
        )
        closing = np.zeros(S) + tot["balance_restructured"][:, t]
        count = np.zeros(S)
        for j in range(B):
            bj = x[j] @ WS_a[j]
            tot[f"balance_m{j}"][:, t] = bj
            closing += bj
            count += x[j] @ WC_a[j]
        tot["closing_balance"][:, t] = closing
        tot["count"][:, t] += count
        if line_closing is not None:
            s_lines = line_factors(t)
            line_closing[:, t] = sum(x[j][0][sg] * s_lines[j] for j in range(B)) * bal
        WS_b, WF_b, WC_b = WS_a, WF_a, WC_a

    # recoveries: money from the defaults of period s arrives by the recovery timing vector,
    # or by the strategy's charge-off path (debt sale now, legal recoveries over its curve)
    charge_off = strategy.charge_off if strategy is not None else None
    if charge_off is not None:
        timing = charge_off.recovery_vector()
        # a recovery multiple scales what the path recovers, never beyond the defaulted balance
        cap = 1.0 / timing.sum() if timing.sum() > 0 else 1.0
        recoverable = tot["defaults"] * np.minimum(cap, rm)[:, None]
        tot["collection_costs"] += charge_off.legal_share * charge_off.legal_cost_per_case * tot["defaults_count"]
    else:
        timing = assumptions.recovery_timing
    ext = T + len(timing) - 1
    full = {f: np.zeros((S, ext + 1)) for f in FIELDS}
    for f in FIELDS:
        full[f][:, : T + 1] = tot[f]
        if f in STOCK_FIELDS:
            full[f][:, T + 1 :] = tot[f][:, T : T + 1]
    rec = np.zeros((S, ext + 1))
    for lag, wgt in enumerate(timing):
        if wgt:
            rec[:, lag : T + 1 + lag] += wgt * recoverable
    full["recoveries"] = rec
    eventual = recoverable * (timing.sum() if charge_off is not None else 1.0)
    full["net_loss"] = full["defaults"] - np.pad(eventual, ((0, 0), (0, ext - T)))
    full["opening_balance"][:, T + 1 :] = 0.0
    # the closing balance carries into the tail rows; opening follows it
    if ext > T:
        full["opening_balance"][:, T + 1 :] = full["closing_balance"][:, T : T + 1]
    return LineProjection(full, line_closing)


def _bsum(x: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``Σ_j x[j] · f[j]`` over the bucket axis: x (B, S, L), f (B, L) → (S, L)."""
    out = x[0] * f[0]
    for j in range(1, x.shape[0]):
        out += x[j] * f[j]
    return out


def _stage_costs(
    stages: tuple[CollectionStage, ...],
    x: np.ndarray,
    xk: np.ndarray,
    coef: np.ndarray,
    used: list[tuple[int, int]],
    WS_b: np.ndarray,
    WS_a: np.ndarray,
    WF_b: np.ndarray,
    WF_a: np.ndarray,
    WC_b: np.ndarray,
    B: int,
) -> np.ndarray:
    """Collection costs of the period, per scenario (see :mod:`abs_model.assumptions.servicing`).

    Defined per stage as ``cost_per_account × Σ accounts in its buckets + cost_rate × Σ balance
    in its buckets + contingency_fee × cash collected from its buckets``, where the cash
    collected from bucket j is ``Σ_{j' ≤ j} x_j P[j, j'] (S(k_j) − S(k'_{j'}) + Φ(k'_{j'}) − Φ(k_j))``
    in money (the arrears and current instalments its cures and stays pay).
    """
    S = x.shape[1]
    total = np.zeros(S)
    for st in stages:
        for j in st.buckets:
            if j >= B:
                continue
            total += st.cost_per_account * (x[j] @ WC_b[j]) + st.cost_rate * (x[j] @ WS_b[j])
            if st.contingency_fee:
                cash = np.zeros(S)
                for jj, c in used:
                    if jj != j or c > j:
                        continue
                    per_g = WS_b[j] - WS_a[c] + WF_a[c] - WF_b[j]
                    cash += ((xk[j] * coef[:, j, c]) * per_g).sum(-1)
                total += st.contingency_fee * cash
    return total

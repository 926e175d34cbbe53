"""Pool projection: ``project(pool, assumptions) -> PoolCashflows``.

Vectorised over lines (rep-lines or loans) and over a leading scenario axis; the only Python loop
is over periods. State is the *fraction* of each line's receivables in each delinquency bucket,
together with how many instalments they have paid; balances follow from the closed-form schedules
of :mod:`abs_model.schedule`.

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

from abs_model.assumptions import N_BUCKETS, Assumptions, Curve, stress_rolls
from abs_model.cashflows import FIELDS, PoolCashflows
from abs_model.errors import AssumptionError
from abs_model.pool import Pool
from abs_model.replines import Lines, loan_lines, rep_lines
from abs_model.schedule import ScheduleShape

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
    """The engine. Scenario multipliers (arrays of shape (S,)) stress CPR, the default rate
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
    max_age = int(lines.age.max(initial=0)) + T + 1
    cpr_tab, cpr_age = _curve_table(cprs, max_age)
    B = min(assumptions.default_bucket, N_BUCKETS - 1) if roll else 1

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

    def gsum(v: np.ndarray) -> np.ndarray:
        return np.bincount(sg, weights=v, minlength=G)

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
    for i_tau, tau in enumerate(taus):
        k = np.minimum(np.maximum(b0_line + float(tau), 0.0), n_f)
        s_l = sched.balance_factor(k)
        WS_all[i_tau] = gsum(bal * s_l)
        WF_all[i_tau] = gsum(sched.fee_cumulative(k, s_l))
        WC_all[i_tau] = gsum(lines.count * (s_l > 0))
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

    WS_b, WF_b, _, _ = weights(0)
    for t in range(1, T + 1):
        WS_a, WF_a, WC_a, WU = weights(t)
        open_bal = _bsum(x, WS_b)  # (S, G)
        smm = smm_tab[:, g_seg, np.clip(g_cpr_age + t, 1, max_age) - 1]  # (S, G)
        if roll:
            mob = np.clip(g_age + t, 1, depth) - 1
            coef = np.moveaxis(P[:, g_seg, mob], 1, -1)  # (S, B, B+1, G)
            new = np.zeros((B + 1, S, G))
            for j, c in used:
                new[c] += x[j] * coef[:, j, c]
            dshare = x * np.moveaxis(coef[:, :, B], 1, 0)  # (B, S, G) default share by source
            default_bal = _bsum(dshare, WS_b)
            if t == 1:
                default_bal = default_bal + pre_default
                open_bal = open_bal + pre_default
            xn = new[:B]
            # a receivable ending in bucket j' has paid b0 + t − j' instalments: weights of j'
            after_bal = _bsum(xn, WS_a)
            fee = _bsum(xn, WF_a) - _bsum(x - dshare, WF_b)
            x0 = xn[0]
            prepay_frac = x0 * smm
            prepay_base = x0 * WS_a[0]
            sched_prin = open_bal - default_bal - after_bal
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
            sched_prin = surv * (WS_b[0] - WS_a[0])
            fee = surv * (WF_a[0] - WF_b[0])
            # SF §C.2: VOL_PREPAY = PB(t−1) × q(t) × SMM, on the prior performing balance
            # (this period's new defaults included), capped so the balance never goes negative
            prepay_frac = np.minimum(x0 * smm, surv)
            prepay_base = x0 * WS_a[0]
            x = (surv - prepay_frac)[None]
        prepay = prepay_frac * WS_a[0]
        if unearned != "waived":
            tot["prepayment_fee"][:, t] = (prepay_frac * WU).sum(-1)
        tot["opening_balance"][:, t] = open_bal.sum(-1)
        tot["scheduled_principal"][:, t] = sched_prin.sum(-1)
        tot["prepayment"][:, t] = prepay.sum(-1)
        tot["fee_interest"][:, t] = fee.sum(-1)
        tot["defaults"][:, t] = default_bal.sum(-1)
        tot["prepay_base"][:, t] = prepay_base.sum(-1)
        recoverable[:, t] = (default_bal * rec_g).sum(-1) * np.minimum(1.0, rm)
        closing = np.zeros(S)
        count = np.zeros(S)
        for j in range(B):
            bj = x[j] @ WS_a[j]
            tot[f"balance_m{j}"][:, t] = bj
            closing += bj
            count += x[j] @ WC_a[j]
        tot["closing_balance"][:, t] = closing
        tot["count"][:, t] = count
        if line_closing is not None:
            s_lines = line_factors(t)
            line_closing[:, t] = sum(x[j][0][sg] * s_lines[j] for j in range(B)) * bal
        WS_b, WF_b = WS_a, WF_a

    # recoveries: money from the defaults of period s arrives by the recovery timing vector
    timing = assumptions.recovery_timing
    ext = T + len(timing) - 1
    full = {f: np.zeros((S, ext + 1)) for f in FIELDS}
    for f in FIELDS:
        full[f][:, : T + 1] = tot[f]
        if f in ("closing_balance", "count") or f.startswith("balance_m"):
            full[f][:, T + 1 :] = tot[f][:, T : T + 1]
    rec = np.zeros((S, ext + 1))
    for lag, wgt in enumerate(timing):
        if wgt:
            rec[:, lag : T + 1 + lag] += wgt * recoverable
    full["recoveries"] = rec
    full["net_loss"] = full["defaults"] - np.pad(recoverable, ((0, 0), (0, ext - T)))
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

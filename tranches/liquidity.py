"""Kernels of the liquidity-reserve and period-return steps (流动性储备, 期间收益).

Each kernel has the signature of :mod:`tranches.kernels` (period context, compiled step, float
mask of the scenarios it acts on or None for all) and records every amount it moves in its
ledger row; the engine's conservation check covers them like any other step.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tranches.fees import Tax
from tranches.kernels import INTEREST, PRINCIPAL, Compiled, Ctx, draw, on, rowsum
from tranches.steps import FundLiquidityReserve, PayPeriodReturn, ReleaseReserve

FloatArray = npt.NDArray[np.float64]


def senior_due(ctx: Ctx, tranche_idx: tuple[int, ...] | None = None) -> FloatArray:
    """What is due now ahead of the notes' principal, defined as ``Σ senior-ranked fee_due_j +
    Σ_k max(interest_due_k − interest_paid_k, 0)`` over the senior classes (or ``tranche_idx``)."""
    eng, st = ctx.engine, ctx.state
    need = np.zeros(eng.n)
    for j, e in enumerate(eng.expenses):
        if e.rank == "senior":
            need += st.fee_due[j]
    idx = tuple(int(i) for i in eng.senior_idx) if tranche_idx is None else tranche_idx
    for i in idx:
        need += np.maximum(st.int_due[i] - st.int_paid[i], 0.0)
    return need


def liquidity_target(ctx: Ctx, months: int, tranche_idx: tuple[int, ...] | None = None) -> FloatArray:
    """The next payment date's taxes, senior fees and senior interest (see
    :class:`~tranches.steps.FundLiquidityReserve`), over periods ``t+1 … t+months`` still in the
    deal; 0 in the last period and in a period whose clean-up call is exercised."""
    eng, st, k = ctx.engine, ctx.state, ctx.k
    lo, hi = k + 1, min(k + 1 + months, eng.T)
    target = np.zeros(eng.n)
    if lo >= hi:
        return target
    if eng.structure.cleanup is not None:  # the deal ends in a period whose clean-up call is exercised
        ends = ctx.L[eng.row_call] > 0.0
    for i in eng.senior_idx if tranche_idx is None else tranche_idx:
        target += st.bal[i] * float(eng.coupon_frac[i, lo:hi].sum())
    interest_collected = ctx.L[eng.row_ci] + ctx.L[eng.row_lf]  # income: interest and late fees
    notes = rowsum(st.bal)
    for e in eng.expenses:
        if e.rank != "senior":
            continue
        if isinstance(e, Tax):
            target += e.rate * interest_collected * (hi - lo)
            continue
        acc = float(eng.accrual[e.day_count][lo:hi].sum())
        if e.basis == "fixed":
            target += e.amount * acc
        elif e.basis == "pool_balance":
            target += e.rate * acc * ctx.pool_end
        else:
            target += e.rate * acc * notes
    if eng.structure.cleanup is not None:
        target[ends] = 0.0
    return target


def draw_liquidity(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    """``draw = min(reserve, max(0, senior needs − cash))``."""
    st = ctx.state
    to = c.pots[0]
    if ctx.engine.structure.collection_account == "combined":
        cash = st.cash[INTEREST] + st.cash[PRINCIPAL]
    else:
        cash = st.cash[to]
    x = np.minimum(st.reserve, np.maximum(on(senior_due(ctx, c.idx or None), mf) - cash, 0.0))
    st.reserve -= x
    st.cash[to] += x
    ctx.book(c.rows[0], x)


def fund_liquidity(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    """``deposit = min(max(target − reserve, 0), cash)``; the target is recorded."""
    st = ctx.state
    step = c.step
    months = step.months if isinstance(step, FundLiquidityReserve) else 1
    target = liquidity_target(ctx, months, c.idx or None)
    if "res_target" in ctx.buf:
        rec = ctx.buf["res_target"][ctx.k]
        if mf is None:
            rec[...] = target
        else:
            rec[...] = np.where(mf > 0.0, target, rec)
    x = draw(st.cash, c.pots, on(np.maximum(target - st.reserve, 0.0), mf))
    st.reserve += x
    ctx.book(c.rows[0], x)


def release_reserve(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    """``release = max(reserve − target, 0)`` into the ``to`` pot."""
    st = ctx.state
    step = c.step
    if isinstance(step, ReleaseReserve) and step.liquidity:
        target = liquidity_target(ctx, step.months, c.idx or None)
    else:
        target = ctx.reserve_target
    x = on(np.maximum(st.reserve - target, 0.0), mf)
    st.reserve -= x
    st.cash[c.pots[0]] += x
    ctx.book(c.rows[0], x)


def months_since_payment(ctx: Ctx) -> FloatArray:
    """Months since the previous payment date (or the cut-off), counting this one: ``k − last``."""
    k = ctx.k
    if k == 0:
        return np.ones(ctx.engine.n)
    past = ctx.buf["pay"][:k]
    any_paid = past.any(axis=0)
    last = np.where(any_paid, k - 1 - np.argmax(past[::-1], axis=0), -1)
    return (k - last).astype(np.float64)


def period_return(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    """Pay ``min(rate · balance · months / 12, cash)`` to the class; turbo the rest if asked. In
    the period the deal ends (``ctx.ends``) every class's balance still owed is repaid first, most
    senior first (``c.rows[1 + turbo:]``, one row a class): a return is what is left after them."""
    st = ctx.state
    step = c.step
    if not isinstance(step, PayPeriodReturn):  # pragma: no cover - compiled by type
        return
    n_turbo = len(step.turbo)
    if ctx.ends is not None:
        em = ctx.ends if mf is None else ctx.ends * mf
        for j, row in enumerate(c.rows[1 + n_turbo :]):
            y = draw(st.cash, c.pots, st.bal[j] * em)
            st.bal[j] -= y
            ctx.book(row, y)
    i = c.idx[0]
    cap = step.rate * st.bal[i] * months_since_payment(ctx) / 12.0
    x = draw(st.cash, c.pots, on(cap, mf))
    ctx.book(c.rows[0], x)
    for r, j in zip(c.rows[1 : 1 + n_turbo], c.idx[1:], strict=True):
        avail = st.cash[c.pots[0]].copy()
        for p in c.pots[1:]:
            avail += st.cash[p]
        y = draw(st.cash, c.pots, on(np.minimum(st.bal[j], avail), mf))
        st.bal[j] -= y
        ctx.book(r, y)

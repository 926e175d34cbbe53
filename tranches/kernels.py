"""Vectorised step kernels: what each waterfall step does to the state, for all scenarios at once.

Each kernel gets the period context, its compiled step and ``mf``: the scenarios it acts on as a
float mask (1.0 / 0.0), or None for all. Kernels move cash between the collection account's pots,
the reserve and the payees, and add every amount moved to its ledger row; the engine checks after
each period that the ledger and the balances agree.

Kernels compute into the context's scratch arrays and, the first time a ledger row is written in a
period, straight into the row (:meth:`Ctx.dest`): the same arithmetic, in the same order, as
``row += amount``, without the temporaries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from tranches.steps import BuyReceivables, PayFee, PayInterest, PayPrincipal, Step

if TYPE_CHECKING:
    from tranches.engine import Engine, EngineState

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

INTEREST, PRINCIPAL = 0, 1
BIG = 1e300
"""Stands in for an unlimited purchase capacity (so that ``capacity × 0`` stays 0, not NaN)."""


@dataclass(frozen=True, slots=True)
class Compiled:
    step: Step
    run: Callable[..., None]
    pots: tuple[int, ...]
    rows: tuple[int, ...]
    idx: tuple[int, ...]

    @property
    def monthly(self) -> bool:
        """Runs every month of its phase (revolving purchases), not only on payment dates."""
        return isinstance(self.step, BuyReceivables)


def draw(cash: FloatArray, pots: tuple[int, ...], want: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """Take up to ``want`` from the pots in order; defined as ``min(want, Σ cash[pots])``.

    ``out``: where the amount drawn is written (a new array when None); it must not be ``want``
    itself when there is more than one pot. Over several pots the amount is capped at ``want``:
    ``got + (want − got)`` can round one unit in the last place above ``want``, and a class paid
    that much more than its balance would end below zero — by 1e-9 of a note, but in some
    scenarios only, so a later stage that stops once no scenario of the batch has work left (the
    writedowns) would treat it differently with other scenarios beside it."""
    p0 = pots[0]
    got = np.minimum(want, cash[p0], out=out)
    cash[p0] -= got
    if len(pots) == 1:
        return got
    for p in pots[1:]:
        g = np.subtract(want, got)
        np.minimum(g, cash[p], out=g)
        cash[p] -= g
        got += g
    return np.minimum(got, want, out=got)


def draw_reserve(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    st, r = ctx.state, c.rows[0]
    d = ctx.dest(r)
    if mf is not None:
        x = np.multiply(st.reserve, mf, out=d)
    elif d is None:
        x = st.reserve.copy()
    else:
        np.copyto(d, st.reserve)
        x = d
    st.reserve -= x
    st.cash[c.pots[0]] += x
    if d is None:
        ctx.book(r, x)


def fee(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    st, j, r = ctx.state, c.idx[0], c.rows[0]
    eng = ctx.engine
    if eng.fee_zero[j]:  # accrues nothing in any period: nothing is ever due
        return
    paid = st.fee_paid
    want = st.fee_due[j]
    step = c.step
    e = eng.expenses[j]
    capped = not isinstance(step, PayFee) or step.capped
    if capped and e.cap is not None:
        want = np.minimum(want, np.maximum(e.cap - paid[j], 0.0))
    if mf is not None:
        want = np.multiply(want, mf, out=ctx.a)
    d = ctx.dest(r)
    x = draw(st.cash, c.pots, want, out=d)
    st.fee_due[j] -= x
    if e.cap is not None:
        paid[j] += x
    if d is None:
        ctx.book(r, x)


def interest(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    st = ctx.state
    due = st.int_due
    paid = st.int_paid
    step = c.step
    if isinstance(step, PayInterest) and step.mode == "pro_rata" and len(c.idx) > 1:
        owed = [np.maximum(due[i] - paid[i], 0.0) for i in c.idx]
        total = on(listsum(owed), mf)
        x = draw(st.cash, c.pots, total)
        share = safe_div(x, total)
        for r, i, o in zip(c.rows, c.idx, owed, strict=True):
            y = o * share
            paid[i] += y
            ctx.paid_classes.add(i)
            ctx.book(r, y)
        return
    no_coupon = ctx.engine.no_coupon
    for r, i in zip(c.rows, c.idx, strict=True):
        if no_coupon[i]:  # no coupon in any period: nothing is ever due
            continue
        if i in ctx.paid_classes:
            want = np.subtract(due[i], paid[i], out=ctx.a)  # paid <= due
            if mf is not None:
                want *= mf
        else:  # nothing paid to the class yet this period: due − 0 is due
            want = due[i] if mf is None else np.multiply(due[i], mf, out=ctx.a)
            ctx.paid_classes.add(i)
        d = ctx.dest(r)
        x = draw(st.cash, c.pots, want, out=d)
        paid[i] += x
        if d is None:
            ctx.book(r, x)


def principal(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    st = ctx.state
    step = c.step
    if not isinstance(step, PayPrincipal):  # pragma: no cover - compiled by type
        return
    idx = c.idx
    bal = st.bal
    plain = step.advance_rate is None and (step.mode == "sequential" or len(idx) == 1) and ctx.engine._detect
    if plain and len(idx) == 1:  # the group is the class: min(balance, balance · mask) = balance · mask
        i, r = idx[0], c.rows[0]
        d = ctx.dest(r)
        x = draw(st.cash, c.pots, bal[i] if mf is None else np.multiply(bal[i], mf, out=ctx.a), out=d)
        bal[i] -= x
        if d is None:
            ctx.book(r, x)
        return
    group = rows_sum(bal, idx, ctx.b)
    limit = group
    if step.advance_rate is not None:
        first = min(idx)
        senior = rowsum(bal[:first]) if first > 0 else 0.0
        limit = np.clip(group + senior - step.advance_rate * ctx.pool_end, 0.0, group)
        ends = ctx.ends  # the deal ends: no target OC is kept, every class is owed in full
        if ends is not None:
            limit = np.where(ends > 0.0, group, limit)
    if step.mode == "pro_rata" and len(idx) > 1:
        seq = ctx.sequential
        pro = mf if seq is None else ((~seq).astype(np.float64) if mf is None else mf * ~seq)
        x = draw(st.cash, c.pots, on(limit, pro))
        share = safe_div(x, group)
        for r, i in zip(c.rows, idx, strict=True):
            y = bal[i] * share
            ctx.book(r, y)
            bal[i] -= y
            np.maximum(bal[i], 0.0, out=bal[i])
        if seq is None or not seq.any():
            return
        mf = seq.astype(np.float64) if mf is None else mf * seq
    left = limit if mf is None else np.multiply(limit, mf, out=ctx.c)  # a scratch array: updated in place
    last = len(idx) - 1
    for pos, (r, i) in enumerate(zip(c.rows, idx, strict=True)):
        d = ctx.dest(r)
        if pos == 0 and plain:  # left = group · mask and group >= the first balance (all >= 0)
            want = bal[i] if mf is None else np.multiply(bal[i], mf, out=ctx.a)
        else:
            want = np.minimum(bal[i], left, out=ctx.a)
        x = draw(st.cash, c.pots, want, out=d)
        if pos < last:
            left -= x
        bal[i] -= x
        if d is None:
            ctx.book(r, x)


def fund_reserve(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    st, r = ctx.state, c.rows[0]
    want = np.subtract(ctx.reserve_target, st.reserve, out=ctx.a)
    np.maximum(want, 0.0, out=want)
    if mf is not None:
        want *= mf
    d = ctx.dest(r)
    x = draw(st.cash, c.pots, want, out=d)
    st.reserve += x
    if d is None:
        ctx.book(r, x)


def cover_pdl(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    st, r = ctx.state, c.rows[0]
    d = ctx.dest(r)
    x = draw(st.cash, c.pots, st.pdl if mf is None else np.multiply(st.pdl, mf, out=ctx.a), out=d)
    st.pdl -= x
    st.cash[PRINCIPAL] += x
    if d is None:
        ctx.book(r, x)


def buy(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    st, buf, k = ctx.state, ctx.buf, ctx.k
    step = c.step
    price = step.price if isinstance(step, BuyReceivables) else 1.0
    cap_left = np.minimum(np.maximum(ctx.capacity - buf["purchased"][k], 0.0) * price, BIG)
    want = on(cap_left, mf)
    if ctx.all_pay:
        x = draw(st.cash, c.pots, want)
    else:
        x = draw(st.cash, c.pots, want * ctx.payf)
        x += draw(st.cash, (PRINCIPAL,), want * (1.0 - ctx.payf))
    bought = x / price
    buf["purchased"][k] += bought
    st.cum_purchased += bought
    ctx.book(c.rows[0], x)


def residual(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    """All cash left in the pots as residual, after what the classes are still owed, most senior
    first, each ``min(owed, cash)``: the interest due and unpaid (the carried shortfall in it;
    ``c.rows[1 + K:]``, the classes with a coupon, booked as interest); where the deal ends this
    period (``ctx.ends``) the balance still owed, which would otherwise be written down at once;
    with ``reimburse_writedowns`` the principal written down and not yet repaid (a negative
    writedown of the period). Principal goes to ``c.rows[1:1 + K]``, one row a class."""
    st = ctx.state
    K = len(ctx.engine.tranches)
    _interest_owed(ctx, c, mf, K)
    ends, reimburses = ctx.ends, ctx.engine.reimburses and st.wd_any
    for j in range(K) if ends is not None or reimburses else ():
        final = None if ends is None else np.multiply(st.bal[j], ends, out=ctx.b)
        open_ = st.wd_open[j] if reimburses and st.wd_open[j].max() > 0.0 else None
        if open_ is None:
            if final is None:
                continue
            owed = final
        else:
            owed = open_ if final is None else np.add(final, open_, out=ctx.c)
        row = c.rows[1 + j]
        d = ctx.dest(row)
        x = draw(st.cash, c.pots, on(owed, mf), out=d)
        if final is not None:
            to_balance = np.minimum(x, final, out=ctx.b)
            st.bal[j] -= to_balance
            rest = np.subtract(x, to_balance, out=ctx.c) if open_ is not None else None
        else:
            rest = x
        if open_ is not None and rest is not None:
            open_ -= rest
            ctx.buf["writedown"][ctx.k][j] -= rest
        if d is None:
            ctx.book(row, x)
    if reimburses:
        st.wd_any = bool(st.wd_open.max() > 0.0)
    avail = rows_sum(st.cash, c.pots, ctx.a)
    if mf is not None:
        avail *= mf
    d = ctx.dest(c.rows[0])
    x = draw(st.cash, c.pots, avail, out=d)
    if d is None:
        ctx.book(c.rows[0], x)


def _interest_owed(ctx: Ctx, c: Compiled, mf: FloatArray | None, K: int) -> None:
    """Each class's interest due and unpaid, ``max(due − paid, 0)`` (``int_due`` holds the carried
    shortfall on payment dates), paid before any residual, most senior first; nothing is run
    where no class is owed anything."""
    st = ctx.state
    classes = [(r, j) for r, j in zip(c.rows[1 + K :], c.idx[1 + K :], strict=True) if not ctx.engine.no_coupon[j]]
    if not classes:
        return
    unpaid = np.subtract(st.int_due, st.int_paid)
    if not unpaid.max() > 0.0:
        return
    for r, j in classes:
        want = np.maximum(unpaid[j], 0.0, out=ctx.a)
        if mf is not None:
            want *= mf
        d = ctx.dest(r)
        x = draw(st.cash, c.pots, want, out=d)
        st.int_paid[j] += x
        ctx.paid_classes.add(j)
        if d is None:
            ctx.book(r, x)


class Ctx:
    """Per-period context handed to the step functions.

    ``a``, ``b``, ``c``: (N,) scratch arrays a kernel may overwrite (never holding anything across
    kernels); ``touched``: ledger rows written so far in the period (see :meth:`dest`);
    ``paid_classes``: classes paid interest so far in the period."""

    __slots__ = (
        "L",
        "a",
        "all_pay",
        "b",
        "buf",
        "c",
        "capacity",
        "ends",
        "engine",
        "k",
        "paid_classes",
        "pay",
        "payf",
        "pool_end",
        "reserve_target",
        "sequential",
        "state",
        "touched",
    )

    def __init__(
        self,
        state: EngineState,
        buf: dict[str, Any],
        k: int,
        L: FloatArray,
        pay: BoolArray,
        payf: FloatArray,
        all_pay: bool,
        pool_end: FloatArray,
        capacity: FloatArray,
        reserve_target: FloatArray,
        sequential: BoolArray | None,
        engine: Engine,
    ) -> None:
        self.state = state
        self.buf = buf
        self.k = k
        self.L = L
        self.pay = pay
        self.payf = payf
        self.all_pay = all_pay
        self.pool_end = pool_end
        self.capacity = capacity
        self.reserve_target = reserve_target
        self.sequential = sequential
        self.engine = engine
        self.a, self.b, self.c = state.scratch[0], state.scratch[1], state.scratch[2]
        #: 1.0 where the deal ends this period (a clean-up call; the legal final with
        #: ``ends_at_legal_final``), None where it ends in no scenario
        self.ends: FloatArray | None = None
        self.touched: set[int] = set()
        #: classes paid interest so far this period (the others' ``int_paid`` is still 0)
        self.paid_classes: set[int] = set() if engine._detect else set(range(len(engine.tranches)))

    def dest(self, r: int) -> FloatArray | None:
        """The ledger row ``r`` itself when nothing was written to it yet this period (it holds 0,
        so writing the amount there equals adding it), else None: compute the amount elsewhere
        and :meth:`book` it."""
        if r in self.touched:
            return None
        self.touched.add(r)
        row: FloatArray = self.L[r]
        return row

    def book(self, r: int, x: FloatArray) -> None:
        """Add ``x`` to ledger row ``r``."""
        self.L[r] += x
        self.touched.add(r)


def on(x: FloatArray, mf: FloatArray | None) -> FloatArray:
    """``x`` where the mask is 1, 0 elsewhere (``x`` itself, not a copy, when ``mf`` is None)."""
    return x if mf is None else x * mf


def listsum(xs: list[FloatArray]) -> FloatArray:
    """Element-wise sum of a non-empty list of (N,) arrays (a new array)."""
    out = xs[0].copy()
    for x in xs[1:]:
        out += x
    return out


def rows_sum(a: FloatArray, idx: tuple[int, ...], out: FloatArray) -> FloatArray:
    """``a[idx[0]] + a[idx[1]] + …`` (left to right, as :func:`listsum`) written into ``out``."""
    if len(idx) == 1:
        np.copyto(out, a[idx[0]])
        return out
    np.add(a[idx[0]], a[idx[1]], out=out)
    for i in idx[2:]:
        out += a[i]
    return out


def rowsum(a: FloatArray) -> FloatArray:
    """Sum over the first axis of a (K, N) array (faster than ``a.sum(axis=0)`` for small K)."""
    return listsum(list(a))


def excess_spread(
    interest_collected: FloatArray, note_interest_accrued: FloatArray, fees_accrued: FloatArray, pool_balance_begin: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Excess spread of a period, on an accrual basis, monthly — the one definition used by the
    ``excess_spread`` trigger, the report and the workbook.

    Defined as ``excess_spread = interest collected (net of collection costs) − taxes and fees
    accrued − note interest accrued (every class)`` and, annualised,
    ``excess_spread_rate = 12 · excess_spread / pool_balance_begin`` (0 for an empty pool).
    """
    amount = interest_collected - note_interest_accrued - fees_accrued
    return amount, 12.0 * safe_div(amount, pool_balance_begin)


def safe_div(a: FloatArray, b: FloatArray) -> FloatArray:
    """``a / b`` where ``b > 0``, else 0."""
    out = np.zeros(np.broadcast(a, b).shape)
    np.divide(a, b, out=out, where=b > 0)
    return out

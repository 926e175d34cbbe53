"""The stages of a period (the module doc of :mod:`tranches.engine` lists them in order):
collect, accrue, excess spread, phase, payment dates, clean-up call, reserve target and release,
shortfalls, writedowns, the conservation check and the record. Functions of
the :class:`~tranches.engine.Engine` (``eng``), kept apart from the period loop so each reads as
its definition; each works on whole scenario arrays, in place where it can.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tranches.errors import ConservationError
from tranches.fees import Tax
from tranches.kernels import INTEREST, PRINCIPAL, Ctx, rows_sum
from tranches.triggers import CALL_RTOL, CleanupCall

if TYPE_CHECKING:
    from tranches.engine import Engine
    from tranches.state import EngineState

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

REVOLVING, AMORTISING, ACCELERATED, DEFAULT, CLEANUP = range(5)
NEGATIVE_TOL = 1e-6


def collect(
    eng: Engine,
    state: EngineState,
    k: int,
    L: FloatArray,
    ic: FloatArray,
    pc: FloatArray,
    rec: FloatArray,
    nd: FloatArray,
    zero: dict[str, bool],
) -> None:
    """Stage 1: collections into the collection account's pots; the PDL debited with defaults.
    (An input that is 0 in every scenario adds nothing: skipped; its ledger row stays 0.)"""
    cash = state.cash
    L[eng.row_ci] = ic
    cash[INTEREST] += ic
    L[eng.row_cp] = pc
    cash[PRINCIPAL] += pc
    if not zero["recoveries"]:
        L[eng.row_cr] = rec
        cash[PRINCIPAL] += rec
        state.cum_recoveries += rec
    if not zero["new_defaults"]:
        state.pdl += nd
        state.buf["pdl_debit"][k] = nd
        state.cum_defaults += nd

def credit_pdl(
    eng: Engine,
    state: EngineState,
    k: int,
    t: int,
    rec: FloatArray,
    adv: FloatArray,
    rp: FloatArray,
    zero: dict[str, bool],
    livef: FloatArray | None,
) -> None:
    """Stage 1b: the PDL credited with the recoveries, which land in the principal pot and make
    good part of the defaults it was debited with (without this the defaults were made good twice:
    by ``cover_pdl`` out of interest, then by their recoveries in the principal pot).

    Defined as ``credit_t = recoveries_t + advanced_t + (rp_t − rp_{t−1})`` (``advanced``: principal
    a servicer advanced on defaulted receivables, cash on them like recoveries) with ``rp`` the recoveries still to
    come (:class:`~tranches.period.PeriodInputs`; ``rp_T = 0``: nothing comes after the last
    period). Where the caller gives ``rp`` (every run from a pool does) the PDL so holds the net
    loss (defaults less their eventual recoveries) from the period of the default, and the
    recoveries that never come (after the last period, or fewer than expected) are debited back
    then; without ``rp`` the recoveries credit it as they are received. A positive credit
    ``min(credit, PDL)`` is booked as a PDL credit (``pdl_other_credit``), a negative one as a debit,
    so ``PDL_t = PDL_{t−1} + debit_t − credit_t`` holds every period."""
    has_rp = not zero["recoveries_pending"] or state.rp_seen
    if zero["recoveries"] and zero["principal_advanced"] and not has_rp:
        return
    w = state.pdl_work
    if zero["recoveries"]:
        w.fill(0.0)
    else:
        np.copyto(w, rec)
    if not zero["principal_advanced"]:
        w += adv
    if has_rp:
        w -= state.rp_prev
        if t == eng.T or zero["recoveries_pending"]:
            state.rp_prev.fill(0.0)
        else:
            w += rp
            np.copyto(state.rp_prev, rp)
        state.rp_seen = True
    if livef is not None:  # a deal that has ended (clean-up call) books nothing more
        w *= livef
    np.minimum(w, state.pdl, out=w)  # applied: below 0 a debit (recoveries no longer expected)
    state.pdl -= w
    credited = state.buf["pdl_other_credit"][k]
    np.maximum(w, 0.0, out=credited)
    if w.min() < 0.0:
        state.buf["pdl_debit"][k] += credited - w


def accrue(
    eng: Engine, state: EngineState, k: int, ic: FloatArray, pb: FloatArray, livef: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Stage 2: note interest (on the beginning balance, plus interest on shortfalls where the
    class says so) and fees accrue. Returns the notes' beginning balance and both accruals."""
    w = state.scratch
    notes_begin = rows_sum(state.bal, eng.all_tranches, w[5])
    cf = eng.coupon_frac[:, k : k + 1]
    clear = state.accrued_clear and eng._detect  # accrued = 0 + accrual: the accrual itself
    note_accr = np.multiply(state.bal, cf, out=state.accrued if clear else state.note_accr)
    if eng.any_ios and (state.has_shortfall or not eng._detect):
        note_accr += (state.shortfall * cf) * eng.ios
    if not clear:
        state.accrued += note_accr
    fee_accr = state.buf["fee_accrued"][k]
    for j, e in enumerate(eng.expenses):
        if isinstance(e, Tax):
            np.multiply(ic, e.rate, out=fee_accr[j])
        elif e.basis == "fixed":
            fee_accr[j] = e.amount * eng.accrual[e.day_count][k]
        else:
            base = pb if e.basis == "pool_balance" else notes_begin
            np.multiply(base, e.rate * eng.accrual[e.day_count][k], out=fee_accr[j])
    if livef is not None and eng.expenses:
        fee_accr *= livef
    state.fee_due += fee_accr
    return notes_begin, note_accr, fee_accr

def excess_spread(
    eng: Engine,
    state: EngineState,
    k: int,
    ic: FloatArray,
    pb: FloatArray,
    pb_min: float,
    note_accr: FloatArray,
    fee_accr: FloatArray,
) -> FloatArray:
    """Stage 2b: the notes' accrued interest and the excess spread
    (:func:`tranches.kernels.excess_spread`, the same arithmetic) recorded; returns its rate."""
    buf = state.buf
    notes_accr = rows_sum(note_accr, eng.all_tranches, buf["note_accrued"][k])
    xs = np.subtract(ic, notes_accr, out=buf["xs"][k])
    if eng.expenses:  # x − 0 is x: without fees nothing to take off
        xs -= rows_sum(fee_accr, eng.all_expenses, state.scratch[6])
    xs_rate = buf["xs_rate"][k]
    if pb_min > 0.0 and eng._detect:
        np.divide(xs, pb, out=xs_rate)
    else:  # safe_div: 0 where the pool is empty (the buffer holds 0 there)
        np.divide(xs, pb, out=xs_rate, where=pb > 0)
    xs_rate *= 12.0
    return xs_rate

def phase(eng: Engine, state: EngineState, t: int, eff: dict[str, BoolArray]) -> npt.NDArray[np.int8]:
    """Stage 3a: the phase of each scenario (revolving ends at its period or on a trigger;
    acceleration and default override it)."""
    accel, dflt = eff.get("accelerate"), eff.get("default")
    for flag in (eff.get("end_revolving"), accel, dflt):
        if flag is not None:
            state.rev_ended |= flag
    revolving = t <= eng.structure.revolving_periods
    if accel is not None and not revolving and eng._detect:  # ACCELERATED = AMORTISING + 1
        phase = np.add(accel.view(np.int8), np.int8(AMORTISING))
    else:
        phase = np.full(eng.n, AMORTISING, dtype=np.int8)
        if revolving:
            phase -= (~state.rev_ended).view(np.int8)  # REVOLVING = AMORTISING - 1
        if accel is not None:
            np.putmask(phase, accel, ACCELERATED)
    if dflt is not None:
        np.putmask(phase, dflt, DEFAULT)
    return phase

def payment_dates(
    eng: Engine, state: EngineState, t: int, phase: npt.NDArray[np.int8], live: BoolArray, all_live: bool
) -> BoolArray:
    """Stage 3b: note payment dates — every ``payment_every[phase]`` months, and the last period."""
    due = t == eng.T or eng.monthly
    pay = live.copy() if due else live & (state.months_since_pay + 1 >= eng.every[phase])
    if due and all_live:  # every scenario pays: (months + 1) · 0
        state.months_since_pay.fill(0)
    else:
        state.months_since_pay += 1
        state.months_since_pay *= ~pay
    return pay

def cleanup(
    eng: Engine,
    t: int,
    L: FloatArray,
    state: EngineState,
    phase: npt.NDArray[np.int8],
    pay: BoolArray,
    pe: FloatArray,
    sold: FloatArray | None = None,
) -> BoolArray:
    """Stage 3c: the clean-up call, tested only on payment dates after revolving has ended
    (a pool that pays down while revolving is replenished, not called).

    Exercised where ``0 < pool_balance_end ≤ threshold · initial_pool`` and (``redeems`` not
    "any") ``proceeds + cash in both pots + reserve ≥ (1 − CALL_RTOL) × (Σ expenses due + Σ
    (interest accrued + shortfall + balance) of the classes it must redeem)``; the proceeds,
    defined as ``price · sold`` with ``sold`` the whole pool sold (``pool_balance_end`` plus the
    receivables outside the collateral balance, :attr:`~tranches.period.PeriodInputs.ineligible_balance`;
    ``pe`` when None), go to the principal pot. The recoveries still to come
    on past defaults go with the pool (``price`` is paid on the performing balance): the PDL,
    which counted them (:func:`credit_pdl`), is debited with them."""
    cl = eng.structure.cleanup
    if cl is None:
        return eng._false
    called_now = pay & (phase != REVOLVING) & (pe <= cl.threshold * eng.pool0) & (pe > 0.0)
    sold = pe if sold is None else sold
    if called_now.any() and cl.redeems != "any":
        called_now &= _call_covers(eng, state, cl, sold * cl.price)
    if called_now.any():
        proceeds = sold * cl.price * called_now
        L[eng.row_call] = proceeds
        state.cash[PRINCIPAL] += proceeds
        if state.rp_seen:
            forgone = state.rp_prev * called_now
            state.pdl += forgone
            state.buf["pdl_debit"][t - 1] += forgone
            state.rp_prev -= forgone
        if CLEANUP in eng.programs:
            np.putmask(phase, called_now, CLEANUP)
    return called_now


def _call_covers(eng: Engine, state: EngineState, cl: CleanupCall, proceeds: FloatArray) -> BoolArray:
    """Where the call's proceeds, with the cash in the trust, repay what it must redeem (see
    :func:`cleanup`)."""
    idx = [i for i, tr in enumerate(eng.tranches) if cl.must_redeem(tr.tranche_class)]
    owed = state.fee_due.sum(axis=0)
    for i in idx:
        owed = owed + state.accrued[i] + state.shortfall[i] + state.bal[i]
    have = proceeds + state.cash[INTEREST] + state.cash[PRINCIPAL] + state.reserve
    return have >= owed * (1.0 - CALL_RTOL)


def reserve_target(
    eng: Engine,
    state: EngineState,
    k: int,
    t: int,
    notes_begin: FloatArray,
    pe: FloatArray,
    pay: BoolArray,
    every_pays: bool,
    called_now: BoolArray,
) -> FloatArray:
    """Stage 3d: the reserve target in force this period (set on payment dates); capped at the
    notes' balance, and 0 in the last period and on a clean-up call, so the reserve is
    released when the notes are paid or the deal ends."""
    rs = eng.structure.reserve
    if rs is None:
        return eng._zeros
    tgt = state.scratch[6]
    if rs.basis == "fixed":
        tgt.fill(max(rs.amount, rs.floor))
    else:
        np.multiply(notes_begin if rs.basis == "note_balance" else pe, rs.rate, out=tgt)
        np.maximum(tgt, rs.floor, out=tgt)
    if not rs.step_down:
        np.maximum(tgt, state.reserve_target, out=tgt)
    np.copyto(state.reserve_target, tgt, where=True if every_pays else pay)  # np.where(pay, tgt, target)
    target_now: FloatArray = state.buf["res_target"][k]
    if t == eng.T:  # 0: the buffer holds it
        return target_now
    np.minimum(state.reserve_target, notes_begin, out=target_now)
    if eng.structure.cleanup is not None:
        target_now *= ~called_now
    # a liquidity reserve's funding step records its own target in the buffer
    return target_now.copy() if eng.liquidity_managed else target_now

def release_reserve(eng: Engine, ctx: Ctx, *, ending: BoolArray) -> None:
    """Stage 4a: on a payment date the reserve above its target is released into the interest
    pot, ahead of the waterfall. Defined as ``release = max(reserve − target, 0)``.

    A liquidity reserve (sized by the waterfall's ``fund_liquidity_reserve`` step, drawn and
    released by its own steps) is released here only where the deal ends (last period or a
    clean-up call), so that no cash is left in it."""
    if eng.structure.reserve is None or not (ctx.all_pay or ctx.pay.any()):
        return
    st = ctx.state
    d = ctx.dest(eng.row_release)
    x = np.subtract(st.reserve, ctx.reserve_target, out=d)
    np.maximum(x, 0.0, out=x)
    if ctx.payf is not eng._ones:
        x *= ctx.payf
    if eng.liquidity_managed:
        x *= ending
    st.reserve -= x
    st.cash[INTEREST] += x
    if d is None:
        ctx.book(eng.row_release, x)

def close_interest(eng: Engine, state: EngineState, k: int, pay: BoolArray, payf: FloatArray, all_pay: bool) -> None:
    """Stage 5a: on a payment date unpaid note interest becomes the carried shortfall and the
    accrual restarts; elsewhere both carry. (Two shortfall arrays take turns; the result
    buffer is written only where some class is short: it holds 0 otherwise.)"""
    new_sf = state.shortfall_spare
    np.subtract(state.int_due, state.int_paid, out=new_sf)
    np.maximum(new_sf, 0.0, out=new_sf)
    if all_pay:
        if eng._detect:  # the next accrual overwrites it
            state.accrued_clear = True
        else:
            state.accrued.fill(0.0)
    else:
        keep = 1.0 - payf
        new_sf *= payf
        new_sf += state.shortfall * keep
        state.accrued *= keep
        state.accrued_clear = False
    state.shortfall_spare, state.shortfall = state.shortfall, new_sf
    state.has_shortfall = bool(new_sf.any()) or not eng._detect
    if state.has_shortfall:
        state.buf["shortfall"][k] = new_sf

def write_down(
    eng: Engine,
    state: EngineState,
    k: int,
    t: int,
    pay: BoolArray,
    live: BoolArray,
    called_now: BoolArray,
    pe: FloatArray,
    rp: FloatArray | None,
    every_pays: bool,
) -> None:
    """Stage 5b: losses written down junior first.

    Defined as ``excess = max(notes − (pool_balance_end + receivables bought this period +
    principal cash + recoveries pending), 0)`` on payment dates (``writedown="period"``) or in the last period only (``"legal_final"``),
    the recoveries still to come (``rp``, None: none) counted before the last period only (after
    it nothing more comes in); and ``excess = notes``
    on a clean-up call (the deal ends) and, with ``ends_at_legal_final``, in the last period
    (principal still owed at legal final is a loss, whatever the mode).
    """
    last = live & (t == eng.T)
    period_mode = eng.structure.writedown == "period"
    every = every_pays and period_mode  # every scenario is written down (× 1 skipped)
    if not every:
        wd_when = pay if period_mode else last
        wd_when = wd_when | called_now
        if not wd_when.any():
            return
    bal, cash, w = state.bal, state.cash, state.scratch
    notes = rows_sum(bal, eng.all_tranches, w[5])
    cover = np.add(pe, cash[PRINCIPAL], out=w[6])
    if "purchased" in state.buf:  # receivables bought this period: they join the pool at its end (pe is before them)
        cover += state.buf["purchased"][k]
    if rp is not None and t < eng.T:  # recoveries to come on past defaults: they will repay the notes
        cover += rp
    if eng.structure.collection_account == "combined":
        cover += cash[INTEREST]
    excess = np.subtract(notes, cover, out=w[7])
    np.maximum(excess, 0.0, out=excess)
    if not every:
        excess *= wd_when
    ends = (last & eng.ends_at_legal_final) | called_now
    if ends.any():
        excess = np.where(ends, notes, excess)
    wd = state.buf["writedown"][k]  # may hold − the reimbursement paid this period (kernels.residual)
    for j in range(len(eng.tranches) - 1, -1, -1):
        if not excess.max() > 0.0:  # nothing (left) to write down
            break
        x = np.minimum(bal[j], excess, out=w[4])
        bal[j] -= x
        excess -= x
        wd[j] += x
        if eng.reimburses:
            state.wd_open[j] += x
            state.wd_any = True

def check(eng: Engine, state: EngineState, t: int, L: FloatArray) -> None:
    """Conservation: the collection account's cash (both pots) and the reserve moved by
    exactly their ledger rows this period (``signs @ L``), to the tolerance; nothing that must
    not be negative is. The period's ends are the next period's beginnings."""
    net = np.matmul(eng.signs, L, out=state.net)
    ends, begins = state.ends, state.begins  # (2, N): collection account cash, reserve
    np.add(state.cash[0], state.cash[1], out=ends[0])
    np.copyto(ends[1], state.reserve)
    tol = eng.tolerance
    gap = np.subtract(ends, begins, out=state.scratch[6:8])
    gap -= net
    np.abs(gap, out=gap)
    worst = float(gap.max())  # the reserve row is 0 without a reserve
    if not worst <= tol:  # also catches NaN
        bad = (gap[0] > tol) | (gap[1] > tol) | np.isnan(gap[0])
        i = int(np.argmax(bad))
        raise ConservationError(
            f"period {t}, scenario {i}: available funds do not equal payments + account "
            f"deposits − account draws + cash carried (collection account off by "
            f"{float(ends[0, i] - begins[0, i] - net[0, i]):.9g}, reserve off by "
            f"{float(ends[1, i] - begins[1, i] - net[1, i]):.9g})"
        )
    state.ends, state.begins = begins, ends
    # the engine's own rows are >= 0 by construction: the steps' rows are checked
    steps_rows = L[eng.first_step_row :] if eng._detect else L
    if (not steps_rows.size or float(steps_rows.min()) >= -NEGATIVE_TOL) and float(state.nonneg.min()) >= -NEGATIVE_TOL:
        return
    for name, arr in (
        ("cash movement", L),
        ("collection account cash", state.cash),
        ("tranche balance", state.bal),
        ("reserve", state.reserve),
        ("PDL", state.pdl),
        ("fees due", state.fee_due),
    ):
        if arr.size and float(arr.min()) < -NEGATIVE_TOL:
            raise ConservationError(f"period {t}: negative {name} ({float(arr.min()):.9g})")

def record(
    eng: Engine, state: EngineState, k: int, phase: npt.NDArray[np.int8], pay: BoolArray, called_now: BoolArray
) -> None:
    """Copy the state at the period's end into the result buffers: cash, balances, reserve and
    PDL in one copy (adjacent in the state's block and in the buffer); the shortfall is
    already there (:meth:`_close_interest`)."""
    buf = state.buf
    k_bal = len(eng.tranches)
    buf["end"][k] = state.nonneg[: 4 + k_bal]  # cash_int, cash_prin, bal_end, res_end, pdl_end
    if "unreinvested" in buf:
        np.multiply(state.cash[PRINCIPAL], phase == REVOLVING, out=buf["unreinvested"][k])
    if "called" in buf:
        buf["called"][k] = called_now
    buf["phase"][k] = phase
    buf["pay"][k] = pay

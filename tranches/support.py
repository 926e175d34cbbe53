"""Credit support beyond subordination, and the engine hooks of the issue-12 structures.

- :func:`shortfall_support`: the originator's shortfall undertaking (差额支付承诺);
- :func:`default_cover`: external guarantee / credit insurance, or the originator's buy-back (赎回)
  of defaulted receivables;
- :func:`compile_extra`: compiles the steps appended to :mod:`tranches.steps` for the engine
  (liquidity reserve, period return, support), :func:`check_extra_steps` validates their names
  against a structure.

Cash paid in by a supporter enters the collection account through a ledger row whose source is
the supporter ("originator", "guarantor"), so conservation counts it as available funds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from tranches import liquidity
from tranches.errors import must
from tranches.kernels import INTEREST, PRINCIPAL, Compiled, Ctx, on, safe_div
from tranches.ledger import RESERVE
from tranches.steps import (
    DefaultCover,
    DrawLiquidityReserve,
    FundLiquidityReserve,
    PayPeriodReturn,
    ReleaseReserve,
    ShortfallSupport,
)

if TYPE_CHECKING:
    from tranches.engine import Engine, EngineState
    from tranches.period import PeriodInputs
    from tranches.structure import Structure

FloatArray = npt.NDArray[np.float64]
_POT = {"interest": INTEREST, "principal": PRINCIPAL}
_POT_NAME = ("interest_account", "principal_account")


def _paid_key(label: str) -> str:
    return f"support_paid:{label}"


def _paid_before(ctx: Ctx, label: str) -> tuple[FloatArray, FloatArray]:
    """(T, N) record of what a supporter paid, and the total paid before now (created lazily)."""
    eng = ctx.engine
    rec: FloatArray = ctx.buf.setdefault(_paid_key(label), np.zeros((eng.T, eng.n)))
    return rec, rec[: ctx.k + 1].sum(axis=0)


def shortfall_support(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    """``paid = min(max(0, need − cash), limit − paid before)``; interest part first."""
    step = c.step
    if not isinstance(step, ShortfallSupport):  # pragma: no cover - compiled by type
        return
    eng, st, t = ctx.engine, ctx.state, ctx.k + 1
    if step.provider_default_period is not None and t >= step.provider_default_period:
        return
    rec, before = _paid_before(ctx, step.label)
    room = np.maximum(step.limit - before, 0.0)
    need_int = liquidity.senior_due(ctx, c.idx)
    need_prin = np.zeros(eng.n)
    final = t >= (step.principal_from if step.principal_from is not None else eng.T)
    ends = ctx.L[eng.row_call] > 0.0 if eng.structure.cleanup is not None else None  # called: last payment
    if final or (ends is not None and ends.any()):
        for i in c.idx:
            need_prin += st.bal[i]
        if not final and ends is not None:
            need_prin *= ends
    if eng.structure.collection_account == "combined":
        short_int = np.maximum(need_int + need_prin - st.cash[INTEREST] - st.cash[PRINCIPAL], 0.0)
        short_prin = np.zeros(eng.n)
    else:
        short_int = np.maximum(need_int - st.cash[INTEREST], 0.0)
        short_prin = np.maximum(need_prin - st.cash[PRINCIPAL], 0.0)
    x_int = np.minimum(on(short_int, mf), room)
    x_prin = np.minimum(on(short_prin, mf), room - x_int)
    st.cash[INTEREST] += x_int
    st.cash[PRINCIPAL] += x_prin
    ctx.book(c.rows[0], x_int)
    ctx.book(c.rows[1], x_prin)
    rec[ctx.k] += x_int + x_prin


def default_cover(ctx: Ctx, c: Compiled, mf: FloatArray | None) -> None:
    """``paid = min(price · share · cumulative defaults − paid before, limit − paid before)``."""
    step = c.step
    if not isinstance(step, DefaultCover):  # pragma: no cover - compiled by type
        return
    st = ctx.state
    rec, before = _paid_before(ctx, step.label)
    owed = step.price * step.share * st.cum_defaults - before
    x = on(np.maximum(np.minimum(owed, step.limit - before), 0.0), mf)
    st.cash[PRINCIPAL] += x
    credit = np.minimum(st.pdl, x)
    st.pdl -= credit
    st.buf["pdl_other_credit"][ctx.k] += credit  # a PDL credit beside cover_pdl (LiabilityResult.arrays)
    ctx.book(c.rows[0], x)
    rec[ctx.k] += x


def compile_extra(engine: Engine, step: Any) -> Compiled:
    """Compile one of :data:`tranches.steps.EXTRA_STEP_TYPES` (the engine's dispatch hook)."""
    lay = engine.layout
    tnames = [t.name for t in engine.tranches]
    combined = engine.structure.collection_account == "combined"
    if isinstance(step, DrawLiquidityReserve | ReleaseReserve):
        to = _POT[step.to]
        row = lay.row(RESERVE, step.label, _POT_NAME[to])
        run = liquidity.draw_liquidity if isinstance(step, DrawLiquidityReserve) else liquidity.release_reserve
        return Compiled(step, run, (to,), (row,), tuple(tnames.index(n) for n in step.tranches))
    if isinstance(step, FundLiquidityReserve):
        pots = engine._pots(step.source)
        row = lay.row(engine._src(pots), step.label, RESERVE)
        return Compiled(step, liquidity.fund_liquidity, pots, (row,), tuple(tnames.index(n) for n in step.tranches))
    if isinstance(step, PayPeriodReturn):
        pots = engine._pots(step.source)
        src = engine._src(pots)
        rows = (lay.row(src, step.label, f"{step.tranche}:residual"), *tuple(lay.row(src, step.label, f"{n}:principal") for n in step.turbo))
        rows += tuple(lay.row(src, step.label, f"{n}:principal") for n in tnames)  # owed when the deal ends
        idx = tuple(tnames.index(n) for n in (step.tranche, *step.turbo))
        return Compiled(step, liquidity.period_return, pots, rows, idx)
    if isinstance(step, ShortfallSupport):
        dst = ("collection_account", "collection_account") if combined else _POT_NAME
        rows = tuple(lay.row("originator", step.label, d) for d in dst)
        idx = tuple(tnames.index(n) for n in step.tranches)
        return Compiled(step, shortfall_support, (INTEREST, PRINCIPAL), rows, idx)
    if isinstance(step, DefaultCover):
        into = "collection_account" if combined else "principal_account"
        return Compiled(step, default_cover, (PRINCIPAL,), (lay.row(step.provider, step.label, into),), ())
    raise must("step", "unknown step type", step)  # pragma: no cover - Waterfall validates


def check_extra_steps(structure: Structure) -> None:
    """Validate the names and accounts the issue-12 steps refer to (called by the structure)."""
    tnames = [t.name for t in structure.tranches]
    for phase, wf in structure.waterfalls.items():
        for i, s in enumerate(wf.steps):
            path = f"waterfalls[{phase!r}].steps[{i}]"
            names: tuple[str, ...] = ()
            if isinstance(s, DrawLiquidityReserve | FundLiquidityReserve | ReleaseReserve) and structure.reserve is None:
                raise must(path, "needs a reserve account on the structure", s)
            if isinstance(s, DrawLiquidityReserve | FundLiquidityReserve | ReleaseReserve):
                names = s.tranches
            elif isinstance(s, PayPeriodReturn):
                names = (s.tranche, *s.turbo)
            elif isinstance(s, ShortfallSupport):
                names = s.tranches
            for n in names:
                if n not in tnames:
                    raise must(f"{path}.tranches", f"names unknown tranche (known: {sorted(tnames)})", n)
            if isinstance(s, PayPeriodReturn) and s.tranche in s.turbo:
                raise must(f"{path}.turbo", "must not name the class that gets the period return", s.turbo)


# --------------------------------------------------------------------------------------------
# engine hooks for bucket-window triggers (严重拖欠率)


COMMINGLING = "commingling_loss"


def prepare(engine: Engine) -> None:
    """Ledger rows of the hooks below (rows must exist before the engine allocates its buffers)."""
    for g in engine.triggers:
        if g.metric == "servicer_event" and g.commingling_loss > 0.0:
            for pot in _POT_NAME:
                engine.layout.row(pot, f"{COMMINGLING}:{g.name}", COMMINGLING)


def _commingle(engine: Engine, state: EngineState, k: int, g: Any) -> None:
    """In the event period, lose ``commingling_loss`` × the period's collections (from each pot).
    Lost principal is a principal loss: the PDL is debited by it (like a default), so excess
    interest covers it before any residual is paid."""
    if g.event_period != k + 1 or g.commingling_loss <= 0.0:
        return
    L = state.buf["ledger"][k]
    lay = engine.layout
    inflow = (L[engine.row_ci] + L[engine.row_lf], L[engine.row_cp] + L[engine.row_cr])
    for pot, name in enumerate(_POT_NAME):
        x = np.minimum(g.commingling_loss * inflow[pot], state.cash[pot])
        state.cash[pot] -= x
        L[lay.index[(name, f"{COMMINGLING}:{g.name}", COMMINGLING)]] += x
        if pot == PRINCIPAL:
            state.pdl += x
            state.buf["pdl_debit"][k] += x


def on_collections(engine: Engine, state: EngineState, k: int, inputs: PeriodInputs, pool_end: FloatArray) -> None:
    """After the period's collections: apply a servicer event's commingling loss; record each
    serious-delinquency trigger's ratio ``(Σ_{b in buckets} balance_b + restructured_delinquent) /
    pool_balance_end`` (0 where the pool is empty): restructured plans the deal counts as
    delinquent are in every window, never counted as current."""
    for j, g in enumerate(engine.triggers):
        if g.metric == "servicer_event":
            _commingle(engine, state, k, g)
        if g.metric != "serious_delinquency":
            continue
        if inputs.delinquent_by_bucket is None:
            raise must(
                "PeriodInputs.delinquent_by_bucket",
                f"is needed by trigger {g.name!r} (serious_delinquency): balances by bucket, (B, N)",
                None,
            )
        by_bucket = np.asarray(inputs.delinquent_by_bucket, dtype=np.float64)
        if by_bucket.ndim == 1:
            by_bucket = np.repeat(by_bucket[:, None], engine.n, axis=1)
        lo, hi = g.buckets
        if by_bucket.ndim != 2 or by_bucket.shape[1] != engine.n or by_bucket.shape[0] <= hi:
            raise must("PeriodInputs.delinquent_by_bucket", f"must be (B, {engine.n}) with B > {hi}", by_bucket.shape)
        rec = state.buf.setdefault(f"serious_dq:{j}", np.zeros((engine.T, engine.n)))
        restructured = np.asarray(inputs.restructured_delinquent, dtype=np.float64)
        rec[k] = safe_div(by_bucket[lo : hi + 1].sum(axis=0) + restructured, pool_end)


def metric_value(engine: Engine, state: EngineState, k: int, j: int) -> FloatArray:
    """The value of an issue-12 metric trigger: the serious-delinquency ratio averaged over the
    last ``min(average_periods, t)`` periods, or the servicer event flag (1 from its period)."""
    g = engine.triggers[j]
    if g.metric == "servicer_event":
        hit = g.event_period is not None and k + 1 >= g.event_period
        return np.full(engine.n, 1.0 if hit else 0.0)
    rec = state.buf[f"serious_dq:{j}"]
    first = max(0, k + 1 - g.average_periods)
    out: FloatArray = rec[first : k + 1].mean(axis=0)
    return out

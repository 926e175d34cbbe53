"""Trigger tests of one period: each trigger's value against its threshold schedule, the breach
recorded (curable triggers follow the value, others stay breached), and which effects are in force.

Functions of the :class:`~tranches.engine.Engine` (its stage "triggers"), kept apart from the
period loop so each reads as its definition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from tranches import support
from tranches.kernels import PRINCIPAL, rowsum, safe_div
from tranches.structure import PHASES

if TYPE_CHECKING:
    from tranches.engine import Engine
    from tranches.state import EngineState

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_REVOLVING = PHASES.index("revolving")


def effects(engine: Engine, state: EngineState) -> dict[str, BoolArray]:
    """Effect → scenarios where a trigger with that effect is in force (only effects in use)."""
    out: dict[str, BoolArray] = {}
    for eff, idx in engine.effect_index.items():
        arr = state.trig_state[idx[0]].copy()
        for j in idx[1:]:
            arr |= state.trig_state[j]
        if arr.any():
            out[eff] = arr
    return out

def judge(
    engine: Engine,
    state: EngineState,
    k: int,
    j: int,
    value: FloatArray,
    live: BoolArray,
    *,
    every_live: bool = False,
    stored: bool = False,
) -> None:
    """Record trigger j's value and breach of period k and update its state. ``every_live``: no
    scenario has ended (``live`` is all true), so the masking with it is skipped; ``stored``:
    ``value`` is already the value buffer's row."""
    g = engine.triggers[j]
    thr = engine.thresholds[j, k]
    buf = state.buf
    breached = buf["trig_breached"][k, j]
    if g.breach_when == "above":
        np.greater(value, thr, out=breached)
    elif g.breach_when == "below":
        np.less(value, thr, out=breached)
    else:
        np.greater_equal(value, thr, out=breached)
    if not every_live:
        breached &= live
    if not stored:
        buf["trig_value"][k, j] = value
    if g.curable:
        state.trig_state[j] = breached if every_live else np.where(live, breached, state.trig_state[j])
    else:
        state.trig_state[j] |= breached


def metric_triggers(
    engine: Engine,
    state: EngineState,
    k: int,
    pe: FloatArray,
    dq: FloatArray,
    xs_rate: FloatArray,
    live: BoolArray,
    every_live: bool = False,
) -> None:
    for j in engine.metric_idx:
        metric = engine.triggers[j].metric
        stored = metric == "cumulative_default_rate"
        if stored:
            den = engine.cdr_denominator if engine.cdr_denominator is not None else engine.pool0 + state.cum_purchased
            value = np.divide(state.cum_defaults, den, out=state.buf["trig_value"][k, j])
        elif metric == "cumulative_net_loss_rate":
            den = engine.cdr_denominator if engine.cdr_denominator is not None else engine.pool0 + state.cum_purchased
            value = np.subtract(state.cum_defaults, state.cum_recoveries) / den
        elif metric == "delinquency_ratio":
            value = safe_div(dq, pe)
        elif metric == "excess_spread":  # kernels.excess_spread: accrual basis, annualised
            value = xs_rate
        else:
            value = support.metric_value(engine, state, k, j)
        judge(engine, state, k, j, value, live, every_live=every_live, stored=stored)


def event_triggers(
    engine: Engine, state: EngineState, k: int, phase: npt.NDArray[np.int8], pay: BoolArray, live: BoolArray
) -> None:
    for j in engine.event_idx:
        g = engine.triggers[j]
        if g.metric == "missed_senior_interest":
            if engine.senior_idx.size == 0:
                value = np.zeros(engine.n)
            else:
                sf = state.int_due[engine.senior_idx] - state.int_paid[engine.senior_idx]
                value = rowsum(np.maximum(sf, 0.0)) * pay
                value *= value > g.tolerance
            judge(engine, state, k, j, value, live & pay)  # tested on payment dates only
            continue
        else:  # unable_to_revolve
            rev = phase == _REVOLVING
            stuck = rev & (state.cash[PRINCIPAL] > g.tolerance)
            state.unable_count = (state.unable_count + 1.0) * stuck
            value = state.unable_count.copy()
        judge(engine, state, k, j, value, live)

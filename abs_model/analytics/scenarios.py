"""Named stress scenarios and the deal/assumption variants they need.

A :class:`Scenario` is a set of multipliers on the base assumptions plus two shape levers:

- ``prepay_mult`` scales CPR (capped at 1), ``default_mult`` the default rate (CDR, cumulative
  default or the roll-forward rates of a roll-rate matrix), ``recovery_mult`` the recovery rate.
  These three run side by side in one vectorised batch (:func:`abs_model.runs.runner.run_arrays`).
- ``timing``: ``"base"``, ``"front"`` or ``"back"`` — default timing tilted towards the early
  or late periods (see :func:`timing_shape`).
- ``spread_bp``: spread compression — the pool's yield cut by ``spread_bp`` basis points a year
  (see :func:`with_spread_compression`).
- event stresses (:func:`with_events`): ``support_default_period`` — the originator providing the
  shortfall undertaking (差额支付承诺) has itself defaulted from that period and pays nothing more;
  ``servicer_event_period`` (and ``commingling_loss``) — servicer termination / originator
  insolvency → 权利完善事件 at that period, with that share of the period's collections lost
  with the servicer (commingling).

Scenarios that share ``(timing, spread_bp)`` and their event stresses (:func:`variant_key`) run in
the same batch; each distinct key is one deal/assumption variant (:func:`variant`).

Rating stresses follow the US agency practice of multiples of the base-case default rate per
target rating (:data:`RATING_MULTIPLES`, editable by passing your own mapping); Chinese practice
(临界违约率) solves for the breakeven multiple instead (:mod:`abs_model.analytics.breakeven`) and compares
it with :data:`TARGET_DEFAULT_MULTIPLES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Literal

import numpy as np

import tranches as tr
from abs_model.assumptions.assumptions import Assumptions, Curve, RollRates, stress_rolls
from abs_model.core.limits import name_problem
from abs_model.deal.model import Deal
from abs_model.errors import AssumptionError, must

__all__ = [
    "EVENT_SCENARIOS",
    "RATING_MULTIPLES",
    "SCENARIO_SETS",
    "SPREAD_FEE",
    "STRESS_SCENARIOS",
    "TARGET_DEFAULT_MULTIPLES",
    "TIMING_TILT",
    "Scenario",
    "Timing",
    "rating_scenarios",
    "scenario_frame",
    "scenario_set",
    "timing_shape",
    "variant",
    "variant_key",
    "variant_of",
    "with_events",
    "with_spread_compression",
    "with_timing",
]

Timing = Literal["base", "front", "back"]
TIMINGS: tuple[str, ...] = ("base", "front", "back")

#: Stress multiples of the base-case default rate by target rating (US agency practice, roughly
#: AAA 4–5×, AA 3–4×, A 2–3×, BBB 1.5–2×). Pass your own mapping to change them.
RATING_MULTIPLES: Mapping[str, float] = MappingProxyType({"AAA": 4.5, "AA": 3.5, "A": 2.5, "BBB": 1.75})

#: The breakeven default multiple a class must reach for its target rating (the coverage
#: multiple, 覆盖倍数). Defaults to the same table; pass your own to compare against others.
TARGET_DEFAULT_MULTIPLES: Mapping[str, float] = RATING_MULTIPLES

#: How strongly ``timing="front"``/``"back"`` tilt defaults: the shape runs linearly from
#: ``1 + TIMING_TILT`` to ``1 − TIMING_TILT`` (front) or the reverse (back) over the deal's periods.
TIMING_TILT = 0.5

#: Name of the senior expense that models spread compression.
SPREAD_FEE = "spread_compression"


@dataclass(frozen=True, slots=True)
class Scenario:
    """One stress scenario: multipliers on the base assumptions and two shape levers.

    Defined on the base assumptions as ``CPR' = min(1, prepay_mult × CPR)``,
    ``default' = default_mult × default rate`` (CDR capped at 1; roll-forward rates capped at 1),
    ``recovery' = recovery_mult × recovery rate``; ``timing`` and ``spread_bp`` as in the module doc.
    """

    name: str
    prepay_mult: float = 1.0
    default_mult: float = 1.0
    recovery_mult: float = 1.0
    timing: Timing = "base"
    spread_bp: float = 0.0
    description: str = ""
    support_default_period: int | None = None
    servicer_event_period: int | None = None
    commingling_loss: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise must("scenario.name", "must be a non-empty string", self.name)
        problem = name_problem(self.name)  # shown in every breakeven/sweep output, like a tranche name
        if problem is not None:
            raise AssumptionError(f"scenario.name: {problem}")
        for f in ("prepay_mult", "default_mult", "recovery_mult", "spread_bp"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v < 0:
                raise must(f"scenarios[{self.name!r}].{f}", "must be a finite number ≥ 0", v)
            object.__setattr__(self, f, float(v))
        if self.timing not in TIMINGS:
            raise must(f"scenarios[{self.name!r}].timing", f"must be one of {list(TIMINGS)}", self.timing)
        for f in ("support_default_period", "servicer_event_period"):
            v = getattr(self, f)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
                raise must(f"scenarios[{self.name!r}].{f}", "must be a period ≥ 1 or None (no event)", v)
        c = self.commingling_loss
        if c is not None and (isinstance(c, bool) or not isinstance(c, int | float) or not 0.0 <= c <= 1.0):
            raise must(f"scenarios[{self.name!r}].commingling_loss", "must be a decimal share in [0, 1] or None (the deal's own)", c)

    def as_dict(self) -> dict[str, object]:
        return {
            "scenario": self.name,
            "prepay_mult": self.prepay_mult,
            "default_mult": self.default_mult,
            "recovery_mult": self.recovery_mult,
            "timing": self.timing,
            "spread_bp": self.spread_bp,
        }


#: The stress scenarios a breakeven runs by default (the default multiple is what it solves for).
STRESS_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("base", description="base assumptions"),
    Scenario("front_loaded", timing="front", description="default timing front-loaded"),
    Scenario("back_loaded", timing="back", description="default timing back-loaded"),
    Scenario("prepay_up", prepay_mult=1.5, description="prepayment +50 %"),
    Scenario("prepay_down", prepay_mult=0.5, description="prepayment −50 %"),
    Scenario("recovery_haircut", recovery_mult=0.5, description="recovery rate −50 %"),
)

#: The period at which the named event scenarios strike (half a year after closing).
EVENT_PERIOD = 6

#: Event stresses (issue 12, credit support and servicer events), by name and in the set "events".
EVENT_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("support_default", support_default_period=1,
             description="the 差额支付 provider has defaulted: the shortfall undertaking pays nothing"),
    Scenario("servicer_event", servicer_event_period=EVENT_PERIOD,
             description=f"servicer termination / 权利完善事件 in period {EVENT_PERIOD}, commingling loss as the deal states"),
    Scenario("originator_default", support_default_period=EVENT_PERIOD, servicer_event_period=EVENT_PERIOD,
             description=f"originator (provider and servicer) insolvent in period {EVENT_PERIOD}: no more 差额支付, 权利完善事件 with commingling loss"),
)

#: Further scenarios available by name (not in the default breakeven set).
EXTRA_SCENARIOS: tuple[Scenario, ...] = (
    Scenario("spread_100bp", spread_bp=100.0, description="pool yield −100 bp a year"),
    Scenario("combined", prepay_mult=0.5, recovery_mult=0.5, timing="front", spread_bp=100.0,
             description="front-loaded, slow prepayment, recovery −50 %, yield −100 bp"),
)


def rating_scenarios(multiples: Mapping[str, float] = RATING_MULTIPLES) -> tuple[Scenario, ...]:
    """One scenario per rating: ``default_mult = multiples[rating]`` on the base assumptions."""
    out = []
    for rating, m in multiples.items():
        out.append(Scenario(rating, default_mult=float(m), description=f"{rating} stress: {m:g}× base defaults"))
    return tuple(out)


SCENARIO_SETS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "base": ("base",),
        "stress": tuple(s.name for s in STRESS_SCENARIOS),
        "rating": tuple(RATING_MULTIPLES),
        "all": (*(s.name for s in STRESS_SCENARIOS), *(s.name for s in EXTRA_SCENARIOS), *RATING_MULTIPLES),
        "events": tuple(s.name for s in EVENT_SCENARIOS),
    }
)


def _registry(multiples: Mapping[str, float]) -> dict[str, Scenario]:
    return {s.name: s for s in (*STRESS_SCENARIOS, *EXTRA_SCENARIOS, *EVENT_SCENARIOS, *rating_scenarios(multiples))}


def scenario_set(
    names: str | Iterable[str | Scenario] = "stress",
    *,
    multiples: Mapping[str, float] = RATING_MULTIPLES,
) -> tuple[Scenario, ...]:
    """Scenarios by set name (``"base"``, ``"stress"``, ``"rating"``, ``"all"``, ``"events"``), by scenario
    name, or given as :class:`Scenario` objects (passed through)."""
    reg = _registry(multiples)
    if isinstance(names, str):
        items: list[str | Scenario] = list(SCENARIO_SETS[names]) if names in SCENARIO_SETS else [names]
    else:
        items = list(names)
    out = []
    for item in items:
        if isinstance(item, Scenario):
            out.append(item)
        elif item in reg:
            out.append(reg[item])
        else:
            raise must("scenarios", f"must name a scenario ({sorted(reg)}) or a set ({sorted(SCENARIO_SETS)})", item)
    if not out:
        raise must("scenarios", "must hold at least one scenario", items)
    return tuple(out)


def scenario_frame(scenarios: Iterable[Scenario]) -> object:
    """The scenarios as a DataFrame (one row each), ready for :func:`abs_model.analytics.sweep.sweep`."""
    import pandas as pd

    return pd.DataFrame([s.as_dict() for s in scenarios])


# ------------------------------------------------------------------------------------ variants
def timing_shape(timing: str, n: int) -> np.ndarray:
    """The default-timing tilt over ``n`` periods.

    Defined as ``g_k = 1 + TIMING_TILT × (1 − 2 (k − 1) / (n − 1))`` for ``"front"`` (1.5 → 0.5),
    ``g_k = 1 − TIMING_TILT × (1 − 2 (k − 1) / (n − 1))`` for ``"back"`` (0.5 → 1.5) and ``g = 1``
    for ``"base"``; its mean over the ``n`` periods is 1.
    """
    if timing not in TIMINGS:
        raise must("timing", f"must be one of {list(TIMINGS)}", timing)
    k = np.arange(n, dtype=np.float64)
    ramp = 1.0 - 2.0 * k / max(n - 1, 1)
    if timing == "front":
        return 1.0 + TIMING_TILT * ramp
    if timing == "back":
        return 1.0 - TIMING_TILT * ramp
    return np.ones(n)


def with_timing(a: Assumptions, timing: str, *, periods: int) -> Assumptions:
    """Assumptions whose defaults are tilted front or back over ``periods`` periods.

    - cumulative default (累计违约率): ``w'_t = w_t g_t / Σ_s w_s g_s`` — the same cumulative
      default, earlier or later;
    - CDR curve: ``CDR'_k = min(1, CDR_k g_k)`` with ``k`` the curve's own index (period or age);
    - roll-rate matrix: each month on book ``a`` gets its roll-forward rates scaled by ``g_a``
      (capped at 1; a row that rolls forward with certainty stays as it is), so the tilt runs by
      months on book, not by calendar period.
    """
    if timing == "base":
        return a
    g = timing_shape(timing, periods)
    overrides = a.segment_overrides
    if any(o.cdr is not None or o.roll_rates is not None for o in overrides):
        raise AssumptionError(
            f"timing: {timing!r} is not supported with segment overrides of the default rate; got "
            f"{[f'{o.column}={o.value}' for o in overrides if o.cdr is not None or o.roll_rates is not None]}"
        )
    if a.roll_rates is not None:
        m = a.roll_rates.matrix
        depth = max(periods, m.shape[0])
        stack = np.concatenate([m, np.repeat(m[-1:], depth - m.shape[0], axis=0)])
        gg = np.concatenate([g, np.ones(depth - periods + 1)])[:depth]
        tilted = np.stack([stress_rolls(stack[i : i + 1], gg[i : i + 1])[0, 0] for i in range(depth)])
        # a row that rolls forward with certainty (P[i, i+1] = 1) has nowhere else to go: keep it
        certain = np.zeros_like(stack, dtype=bool)
        idx = np.arange(stack.shape[1] - 1)
        certain[:, idx, :] = (stack[:, idx, idx + 1] >= 1.0)[..., None]
        tilted = np.where(certain, stack, tilted)
        return replace(a, roll_rates=RollRates(tilted))
    if a.cumulative_default is not None and a.default_timing is not None:
        w = a.default_timing.values
        n = max(w.size, periods)
        ww = np.concatenate([w, np.zeros(n - w.size)])
        gg = np.concatenate([g, np.full(n - periods, g[-1])])
        total = float((ww * gg).sum())
        if total <= 0:
            raise AssumptionError(f"default_timing: must put weight inside the deal's {periods} periods; got none")
        return replace(a, default_timing=Curve(ww * gg / total, "period"))
    if a.cdr is not None:
        v = a.cdr.values
        n = max(v.size, periods)
        vv = np.concatenate([v, np.full(n - v.size, v[-1])])
        gg = np.concatenate([g, np.full(n - periods, g[-1])])
        return replace(a, cdr=Curve(np.minimum(1.0, vv * gg), a.cdr.index))
    return a


def with_spread_compression(deal: Deal, spread_bp: float) -> Deal:
    """A copy of ``deal`` whose pool yield is ``spread_bp`` basis points a year lower.

    Modelled as a senior expense :data:`SPREAD_FEE` accrued at ``spread_bp / 10⁴ × pool balance
    at the start of the period × accrual`` (30/360) and paid first in every waterfall, from
    interest collections. It differs from a true yield cut in one way: what interest collections
    cannot pay stays due (like any fee) instead of vanishing.
    """
    if spread_bp == 0:
        return deal
    if not np.isfinite(spread_bp) or spread_bp < 0:
        raise must("spread_bp", "must be a finite number of basis points ≥ 0", spread_bp)
    s = deal.structure
    fee = tr.Fee(SPREAD_FEE, basis="pool_balance", rate=float(spread_bp) / 1e4, day_count="30/360")
    step = tr.steps.PayFee(SPREAD_FEE)
    waterfalls = {ph: tr.Waterfall((step, *w.steps)) for ph, w in s.waterfalls.items()}
    structure = replace(s, fees=(fee, *s.fees), waterfalls=waterfalls)
    return replace(deal, structure=structure)


#: The scenario fields of the event stresses (columns of a sweep's grid when named scenarios use them).
EVENT_COLUMNS: tuple[str, ...] = ("support_default_period", "servicer_event_period", "commingling_loss")

VariantKey = tuple[str, float, "int | None", "int | None", "float | None"]


def variant_key(s: Scenario) -> VariantKey:
    """What makes a scenario's deal/assumption variant: ``(timing, spread_bp,
    support_default_period, servicer_event_period, commingling_loss)``; scenarios with equal keys
    run in one batch."""
    return (s.timing, s.spread_bp, s.support_default_period, s.servicer_event_period, s.commingling_loss)


def with_events(
    deal: Deal,
    *,
    support_default_period: int | None = None,
    servicer_event_period: int | None = None,
    commingling_loss: float | None = None,
) -> Deal:
    """A copy of ``deal`` under the event stresses of the module doc.

    - ``support_default_period``: every shortfall-undertaking step (差额支付) gets
      ``provider_default_period = min(its own, support_default_period)``; a deal without one is
      unchanged (no support to lose).
    - ``servicer_event_period``: every ``servicer_event`` trigger fires at that period, losing
      ``commingling_loss`` (None: the trigger's own share) of the period's collections; a deal
      that states no such trigger gets one, ``servicer_event_stress`` (threshold 1, effect
      ``end_revolving``: a terminated servicer buys no more receivables), losing
      ``commingling_loss`` (None: 0).
    """
    if support_default_period is None and servicer_event_period is None:
        return deal
    s = deal.structure
    waterfalls = dict(s.waterfalls)
    triggers = tuple(s.triggers)
    if support_default_period is not None:
        p = int(support_default_period)

        def fail(step: object) -> object:
            if not isinstance(step, tr.steps.ShortfallSupport):
                return step
            own = step.provider_default_period
            return replace(step, provider_default_period=p if own is None else min(own, p))

        waterfalls = {ph: tr.Waterfall(tuple(fail(st) for st in w.steps)) for ph, w in waterfalls.items()}  # type: ignore[misc]
    if servicer_event_period is not None:
        q = int(servicer_event_period)
        ours = [g for g in triggers if g.metric == "servicer_event"]
        if ours:
            triggers = tuple(
                replace(g, event_period=q, commingling_loss=g.commingling_loss if commingling_loss is None else float(commingling_loss))
                if g.metric == "servicer_event" else g
                for g in triggers
            )
        else:
            loss = 0.0 if commingling_loss is None else float(commingling_loss)
            triggers = (*triggers, tr.Trigger("servicer_event_stress", "servicer_event", 1.0, "end_revolving", event_period=q, commingling_loss=loss))
    return replace(deal, structure=replace(s, waterfalls=waterfalls, triggers=triggers))


def variant(
    deal: Deal,
    a: Assumptions,
    *,
    timing: str = "base",
    spread_bp: float = 0.0,
    support_default_period: int | None = None,
    servicer_event_period: int | None = None,
    commingling_loss: float | None = None,
) -> tuple[Deal, Assumptions]:
    """The deal and assumptions of one variant key (see module doc and :func:`variant_key`)."""
    d = with_events(
        with_spread_compression(deal, spread_bp),
        support_default_period=support_default_period,
        servicer_event_period=servicer_event_period,
        commingling_loss=commingling_loss,
    )
    return d, with_timing(a, timing, periods=deal.periods)


def variant_of(deal: Deal, a: Assumptions, key: VariantKey) -> tuple[Deal, Assumptions]:
    """:func:`variant` for a :func:`variant_key`."""
    timing, spread_bp, support, servicer, loss = key
    return variant(
        deal, a, timing=str(timing), spread_bp=float(spread_bp),
        support_default_period=support, servicer_event_period=servicer, commingling_loss=loss,
    )

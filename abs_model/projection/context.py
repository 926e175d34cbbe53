"""What every convention of the period engine shares: the run's :class:`Context` (scenario
multiples, horizon, per-segment assumptions), the :class:`PeriodStep` a convention returns for
one period, and the :class:`Convention` protocol the engine dispatches on by name.

A convention owns the delinquency state ``x`` (fractions of each state group, shape (B, S, G):
live bucket, scenario, group) and moves it one period; the engine books the money.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from abs_model.assumptions.assumptions import N_BUCKETS, Assumptions, Curve
from abs_model.core import rates
from abs_model.errors import AbsModelError, AssumptionError
from abs_model.projection.groups import StateGroups, Weights
from abs_model.projection.late_fees import LateFeeFlows
from abs_model.projection.replines import Lines


@dataclass(frozen=True, slots=True)
class Segments:
    """Assumptions per distinct segment group (bit mask of matching overrides)."""

    cpr: list[Curve]
    cdr: list[Curve | None]
    rolls: list[np.ndarray | None]
    recovery_rate: np.ndarray  # (Gseg,)
    of_line: np.ndarray  # (L,) segment index of each line
    take_up: list[tuple[Mapping[str, Mapping[int, float]], ...]] = field(default_factory=list)
    """Per segment group, the restructuring take-ups of its matching overrides, in order."""


def resolve_segments(lines: Lines, assumptions: Assumptions) -> Segments:
    """Per distinct segment group: CPR and CDR curves, roll stack and recovery rate, each the
    pool-wide assumption overridden by every matching segment override in order."""
    ugroups, ginv = np.unique(lines.group, return_inverse=True)
    cprs: list[Curve] = []
    cdrs: list[Curve | None] = []
    rolls: list[np.ndarray | None] = []
    recs = np.empty(len(ugroups))
    take_ups: list[tuple[Mapping[str, Mapping[int, float]], ...]] = []
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
        take_ups.append(tuple(o.take_up for i, o in enumerate(assumptions.segment_overrides) if (int(g) >> i) & 1 and o.take_up))
    return Segments(cprs, cdrs, rolls, recs, ginv.astype(np.int64), take_ups)


def curve_table(curves: list[Curve], length: int) -> tuple[np.ndarray, np.ndarray]:
    """Stack curves into a (G, length) table by 1-based index, with an is-age flag per curve."""
    ks = np.arange(1, length + 1)
    tab = np.stack([c.at(ks) for c in curves])
    is_age = np.array([c.index == "age" for c in curves])
    return tab, is_age


def scenario_multiples(
    prepay_mult: np.ndarray | None, default_mult: np.ndarray | None, recovery_mult: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The scenario axis: each multiple as an array of shape (S,), S the longest given.

    Every multiple is a finite number ≥ 0 (NaN, ±inf or a negative one is refused naming the
    multiple and the scenario: an infinite default multiple once ran as a table of untouched
    classes, a NaN one failed deep in the waterfall naming none of them)."""
    pm = np.atleast_1d(np.asarray(1.0 if prepay_mult is None else prepay_mult, dtype=np.float64))
    dm = np.atleast_1d(np.asarray(1.0 if default_mult is None else default_mult, dtype=np.float64))
    rm = np.atleast_1d(np.asarray(1.0 if recovery_mult is None else recovery_mult, dtype=np.float64))
    for name, arr in (("prepay_mult", pm), ("default_mult", dm), ("recovery_mult", rm)):
        bad = ~np.isfinite(arr) | (arr < 0.0)
        if bad.any():
            i = int(np.argmax(bad))
            rule = "must be a finite multiple ≥ 0 (1 = the base case)"
            raise AssumptionError(f"{name}[{i}]: {rule}; got {float(arr[i])!r}")
    S = max(pm.size, dm.size, rm.size)
    return np.broadcast_to(pm, (S,)), np.broadcast_to(dm, (S,)), np.broadcast_to(rm, (S,))


@dataclass(frozen=True, slots=True)
class Context:
    """One run of the engine: assumptions with the scenario multiples applied, the horizon, the
    number of live buckets ``B`` (buckets before the default bucket; 1 under ``sifma``) and the
    per-segment tables. ``smm`` is (S, Gseg, max_age): SMM by segment and 1-based index."""

    assumptions: Assumptions
    S: int
    T: int
    B: int
    pm: np.ndarray
    dm: np.ndarray
    rm: np.ndarray
    segments: Segments
    max_age: int
    smm: np.ndarray
    cpr_age: np.ndarray  # (Gseg,) whether the segment's CPR curve is indexed by age
    initial_balance: float

    @property
    def roll(self) -> bool:
        return self.assumptions.roll_rates is not None


def make_context(
    lines: Lines,
    assumptions: Assumptions,
    *,
    multiples: tuple[np.ndarray, np.ndarray, np.ndarray],
    horizon: int,
) -> Context:
    """The run's context. SMM is defined as ``1 − (1 − min(1, CPR × prepay multiple))^(1/12)``.

    Lines of no receivable (an empty pool) have no cash flows to project: a named error."""
    if len(lines) == 0:
        raise AbsModelError("pool: must hold at least one receivable to project; got 0 receivables (0 lines)")
    pm, dm, rm = multiples
    pm = pm * assumptions.prepay_multiplier
    dm = dm * assumptions.default_multiplier
    segments = resolve_segments(lines, assumptions)
    max_age = int(lines.age.max(initial=0)) + horizon + 1
    cpr_tab, cpr_age = curve_table(segments.cpr, max_age)
    roll = assumptions.roll_rates is not None
    B = min(assumptions.default_bucket, N_BUCKETS - 1) if roll else 1
    smm = rates.monthly_from_annual(np.minimum(1.0, cpr_tab[None] * pm[:, None, None]))  # (S, Gseg, A)
    return Context(
        assumptions=assumptions,
        S=pm.size,
        T=horizon,
        B=B,
        pm=pm,
        dm=dm,
        rm=rm,
        segments=segments,
        max_age=max_age,
        smm=smm,
        cpr_age=cpr_age,
        initial_balance=float(lines.balance.sum()),
    )


@dataclass(frozen=True, slots=True)
class PeriodStep:
    """One period of a convention, money per scenario and state group (S, G) unless noted.

    ``x``: the new state (B, S, G). ``entering``: fractions entering restructuring this period
    (B, S, G) or None. ``default_count``, ``costs``: per scenario (S,).
    """

    x: np.ndarray
    open_bal: np.ndarray
    default_bal: np.ndarray
    default_count: np.ndarray
    sched_prin: np.ndarray
    fee: np.ndarray
    prepay_frac: np.ndarray
    prepay_base: np.ndarray
    costs: np.ndarray
    entering: np.ndarray | None
    entry_bal: np.ndarray
    late: LateFeeFlows | None = None
    prepay_at: Weights | None = None  # weights the prepaid share is valued at (None: after the instalment)


class Convention(Protocol):
    """A default-timing convention: its own tables, built once per run, and a step per period."""

    @property
    def by_age(self) -> bool:
        """Whether its rates vary with months on book (state groups then key on age)."""
        ...

    def initial_state(self, groups: StateGroups) -> np.ndarray:
        """Fractions (B, S, G) at cut-off."""
        ...

    def pre_default(self, groups: StateGroups, balance: np.ndarray) -> np.ndarray:
        """Balance per group already at or past the default bucket at cut-off (defaults of period 1)."""
        ...

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
        """Move the state from the end of period ``t − 1`` (weights ``wb``) to the end of ``t``
        (``wa``); ``pre_default`` (period 1 only): balance past the default bucket at cut-off;
        ``late``: late fees accrued and unpaid by bucket (B, S, G), None when there are none."""
        ...

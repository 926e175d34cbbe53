"""Pool projection: ``project(pool, assumptions) -> PoolCashflows``.

Vectorised over lines (rep-lines or loans) and over a leading scenario axis; the only Python loop
is over periods. State is the *fraction* of each state group's receivables in each delinquency
bucket (:mod:`abs_model.projection.groups`); balances follow from the closed-form schedules of
:mod:`abs_model.core.schedule`.

This module keeps the period loop and the books; each piece of the model has its own module:

- the default-timing conventions, chosen by name (:data:`CONVENTIONS`):
  :mod:`~abs_model.projection.roll_rate` (the consumer-receivable state machine) and
  :mod:`~abs_model.projection.sifma` (SIFMA/BMA Standard Formulas);
- :mod:`~abs_model.projection.restructuring`: restructured plans, a state of their own;
- :mod:`~abs_model.projection.recoveries`: recoveries after the lag or by the charge-off path,
  and net loss ``= defaults − recoveries`` booked at default.

Both conventions: prepayment ``= SMM × S(k_0)`` share of the current balance after its
instalment; unearned fees charged on it per the deal option (``unearned_fee``). The originator's
buy-back of ineligible receivables (:mod:`abs_model.assumptions.buyback`) leaves beside it.

Exact economies (issue 16): the loop runs each distinct (prepay, default) multiple pair once and
:func:`project_parts` projects parts of the lines side by side, each part's totals apart
(:mod:`abs_model.projection.rows`); the scenario-free weight tables are kept by content across
runs (:data:`_TABLES`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from abs_model.assumptions.assumptions import N_BUCKETS, Assumptions
from abs_model.assumptions.servicing import LateFees
from abs_model.collateral.pool import Pool
from abs_model.core.products import Product
from abs_model.errors import AssumptionError
from abs_model.projection import absbox, advancing, recoveries, roll_rate, sifma
from abs_model.projection.cashflows import FIELDS, PoolCashflows
from abs_model.projection.context import Context, Convention, PeriodStep, make_context, scenario_multiples
from abs_model.projection.groups import PartSums, StateGroups, Weights, WeightTables, state_groups, weight_tables
from abs_model.projection.replines import Lines, legal_min_balance, loan_lines, rep_lines
from abs_model.projection.restructuring import PlanBook, PlanFlows, take_up
from abs_model.projection.rows import ScenarioRows, scenario_rows

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
    rows: np.ndarray | None = None  # with expand=False: each scenario's row of the columns left on the distinct rows


def horizon_for(lines: Lines, assumptions: Assumptions) -> int:
    """Periods projected: the longest remaining schedule plus the delinquency pipeline, plus the
    longest restructuring plan (a re-aged plan runs up to the longest schedule), unless
    ``assumptions.horizon`` says otherwise. Recoveries run past it by the recovery lag."""
    if assumptions.horizon is not None:
        return int(assumptions.horizon)
    roll = assumptions.roll_rates is not None
    extra = assumptions.default_bucket if roll else 0
    longest = int(lines.n.max(initial=1))
    plans = assumptions.collections.plans if roll and assumptions.collections is not None else ()
    taken = [p for p in plans if not p.buy_back and any(v > 0 for v in p.take_up.values())]
    plan_months = max((max(p.periods, longest) if p.plan == "re_age" else p.periods for p in taken), default=0)
    return longest + extra + plan_months


def projected_periods(lines: Lines, assumptions: Assumptions, *, horizon: int | None = None) -> int:
    """Periods (columns − 1) of :func:`project_lines`' totals, without projecting: the horizon
    (``horizon`` or :func:`horizon_for`) plus the recovery tail, ``len(timing) − 1`` with the
    recovery timing or the charge-off path's recovery vector
    (:func:`~abs_model.projection.recoveries.with_recoveries`)."""
    h = horizon if horizon is not None else horizon_for(lines, assumptions)
    strategy = assumptions.collections
    path = strategy.charge_off if strategy is not None else None
    timing = path.recovery_vector() if path is not None else assumptions.recovery_timing
    return int(h) + len(timing) - 1


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
    cut-off bucket, [instalments left under :func:`sifma.by_term`,] age) so that every state group
    is a contiguous run of lines and the sums by group are segment sums; loan-level balances come
    back in the caller's order. With a legal threshold the lines at or above it and those below
    run apart (:func:`_legal_split`)."""
    if legal_min_balance(assumptions) > 0:
        return _legal_split(lines, assumptions, prepay_mult=prepay_mult, default_mult=default_mult,
                            recovery_mult=recovery_mult, keep_lines=keep_lines, horizon=horizon)
    age = lines.age.astype(np.int64)
    bucket = lines.bucket.astype(np.int64) if assumptions.roll_rates is not None else 0
    term = lines.n.astype(np.int64) if sifma.by_term(assumptions) else np.zeros(len(lines), dtype=np.int64)
    key = (lines.group.astype(np.int64) * 8 + bucket) * (int(term.max(initial=0)) + 1) + term
    key = key * (int(age.max(initial=0)) + 1) + age
    small = key.max(initial=0) < np.iinfo(np.int16).max
    order = np.argsort(key.astype(np.int16) if small else key, kind="stable")
    if np.all(order[1:] > order[:-1]):
        return _project_sorted(lines, assumptions, prepay_mult=prepay_mult, default_mult=default_mult,
                               recovery_mult=recovery_mult, keep_lines=keep_lines, horizon=horizon)
    sorted_lines = _ordered(lines, order)
    out = _project_sorted(sorted_lines, assumptions, prepay_mult=prepay_mult, default_mult=default_mult,
                          recovery_mult=recovery_mult, keep_lines=keep_lines, horizon=horizon)
    if out.line_closing is None:
        return out
    back = np.empty_like(out.line_closing)
    back[order] = out.line_closing
    return LineProjection(out.totals, back)


@dataclass(frozen=True, slots=True)
class PartProjection:
    """Totals per part of the lines: ``totals[field]`` of shape (K, S, T + 1), part ``k``'s equal to
    :func:`project_lines` of that part's lines alone over the same horizon. With ``rows`` (S,)
    (:func:`project_parts` with ``expand=False``), a column of shape (K, U, T + 1) holds the
    ``U`` distinct rows of the run (scenarios sharing their state path): scenario ``s`` is row
    ``rows[s]`` (:meth:`scenario_rows`)."""

    totals: dict[str, np.ndarray]
    rows: np.ndarray | None = None

    def part(self, k: int) -> dict[str, np.ndarray]:
        """Part ``k``'s totals, each (S, T + 1)."""
        return {f: self.scenario_rows(v[k]) for f, v in self.totals.items()}

    def scenario_rows(self, v: np.ndarray) -> np.ndarray:
        """``v`` (U or S rows) on the S scenario rows (a copy; ``v`` itself when already S)."""
        return v if self.rows is None or v.shape[0] == self.rows.size else v[self.rows]


def project_parts(
    lines: Lines,
    assumptions: Assumptions,
    parts: np.ndarray,
    *,
    prepay_mult: np.ndarray | None = None,
    default_mult: np.ndarray | None = None,
    recovery_mult: np.ndarray | None = None,
    horizon: int | None = None,
    fields: Collection[str] | None = None,
    expand: bool = True,
) -> PartProjection:
    """Project the parts of ``lines`` (``parts[ℓ]`` = line ℓ's part, ``0 … K − 1``, each used) in
    one run of the engine, each part's totals apart: defined as ``project_lines(part k's lines,
    horizon=h)`` for every ``k``, ``h`` = ``horizon`` or the horizon of all the lines.

    One run serves every part (:mod:`abs_model.projection.rows`: a block of scenario rows per
    part; under the roll-rate convention the blocks are not stepped: the state keeps one block of
    rows and each part's own state groups, and every sum over groups is taken per part,
    :class:`~abs_model.projection.groups.PartSums`); where the convention couples the lines of a
    run (the SIFMA / absbox cumulative default rate, a share of the run's initial balance) or a
    legal threshold splits them, each part is projected on its own instead — the same
    definition, K runs. ``fields`` (None: all): the columns wanted (others may be left out; those
    returned are the same numbers, :func:`~abs_model.projection.recoveries.with_recoveries`).
    ``expand=False``: the columns that do not depend on the recovery multiple stay on the run's
    distinct rows (:class:`PartProjection` ``rows``), the same numbers."""
    parts = np.asarray(parts)
    if parts.shape != (len(lines),) or parts.dtype.kind not in "iu" or (parts.size and parts.min() < 0):
        raise AssumptionError(f"parts: must give each of the {len(lines)} lines a part number ≥ 0; got {parts!r}")
    K = int(parts.max(initial=-1)) + 1
    used = np.bincount(parts, minlength=K) > 0 if K else np.zeros(0, dtype=bool)
    if K == 0 or not used.all():
        raise AssumptionError(f"parts: must use every part number 0 … K − 1; got parts {sorted(set(parts.tolist()))}")
    h = horizon if horizon is not None else horizon_for(lines, assumptions)
    mults = {"prepay_mult": prepay_mult, "default_mult": default_mult, "recovery_mult": recovery_mult}
    coupled = assumptions.convention in ("sifma", "absbox") and assumptions.cumulative_default is not None
    if coupled or legal_min_balance(assumptions) > 0:
        each = [project_lines(_subset(lines, parts == k), assumptions, horizon=h, **mults).totals for k in range(K)]  # type: ignore[arg-type]
        return PartProjection({f: np.stack([e[f] for e in each]) for f in each[0] if fields is None or f in fields})
    age = lines.age.astype(np.int64)
    bucket = lines.bucket.astype(np.int64) if assumptions.roll_rates is not None else 0
    term = lines.n.astype(np.int64) if sifma.by_term(assumptions) else np.zeros(len(lines), dtype=np.int64)
    key = ((parts.astype(np.int64) * (int(lines.group.max(initial=0)) + 1) + lines.group) * 8 + bucket) * (int(term.max(initial=0)) + 1) + term
    order = np.argsort(key * (int(age.max(initial=0)) + 1) + age, kind="stable")
    out = _project_sorted(_ordered(lines, order), assumptions, horizon=h, parts=parts[order], fields=fields, expand=expand, **mults)  # type: ignore[arg-type]
    return PartProjection({f: v.reshape(K, -1, v.shape[1]) for f, v in out.totals.items()}, out.rows)


def _legal_split(lines: Lines, assumptions: Assumptions, *, horizon: int | None, keep_lines: bool, **mults: np.ndarray | None) -> LineProjection:
    """Legal action only above a balance: the lines at or above ``legal_min_balance`` (their
    group's legal bit, :func:`~abs_model.projection.replines.override_groups`) run under the
    charge-off path as given, the others under it with ``legal_share = 0`` (written off: no legal
    recovery, no legal cost). The projection is linear in lines, so the totals are the sums of
    the two runs, over the same horizon; loan-level balances come back in the caller's order."""
    strategy = assumptions.collections
    if strategy is None or strategy.charge_off is None:  # pragma: no cover - legal_min_balance > 0 implies a path
        raise AssumptionError("collections.charge_off: a legal threshold needs a charge-off path; got none")
    path = strategy.charge_off
    big = ((lines.group >> len(assumptions.segment_overrides)) & 1).astype(bool)
    h = horizon if horizon is not None else horizon_for(lines, assumptions)
    out_totals: dict[str, np.ndarray] = {}
    closing = np.zeros((len(lines), h + 1)) if keep_lines else None
    for side, terms in ((big, dataclasses.replace(path, legal_min_balance=0.0)),
                        (~big, dataclasses.replace(path, legal_share=0.0, legal_min_balance=0.0))):
        if not side.any():
            continue
        a = dataclasses.replace(assumptions, collections=dataclasses.replace(strategy, charge_off=terms))
        part = project_lines(_subset(lines, side), a, horizon=h, keep_lines=keep_lines, **mults)
        for f, v in part.totals.items():
            out_totals[f] = out_totals[f] + v if f in out_totals else v
        if closing is not None and part.line_closing is not None:
            closing[side] = part.line_closing[:, : h + 1]
    return LineProjection(out_totals, closing)


def _ordered(lines: Lines, order: np.ndarray) -> Lines:
    """The lines in the order ``order`` (their cents schedules too, when billed)."""
    parts = {f: getattr(lines, f)[order] for f in Lines.__dataclass_fields__ if f != "billed"}
    return Lines(**parts, billed=None if lines.billed is None else lines.billed.take(order))


def _subset(lines: Lines, mask: np.ndarray) -> Lines:
    """The lines where ``mask`` holds (their cents schedules too, when billed)."""
    idx = np.flatnonzero(mask)
    parts = {f: getattr(lines, f)[idx] for f in Lines.__dataclass_fields__ if f != "billed"}
    return Lines(**parts, billed=None if lines.billed is None else lines.billed.take(idx))


def _project_sorted(
    lines: Lines,
    assumptions: Assumptions,
    *,
    prepay_mult: np.ndarray | None = None,
    default_mult: np.ndarray | None = None,
    recovery_mult: np.ndarray | None = None,
    keep_lines: bool = False,
    horizon: int | None = None,
    parts: np.ndarray | None = None,
    fields: Collection[str] | None = None,
    expand: bool = True,
) -> LineProjection:
    """The engine on lines ordered by (segment group, cut-off bucket, age). Scenario multipliers
    (arrays of shape (S,)) stress CPR, the default rate (CDR / cumulative default / roll-forward
    rates) and the recovery rate; S = 1 by default.

    The state is kept per state group and scenario (:mod:`abs_model.projection.groups`); the
    convention named by ``assumptions.convention`` (:data:`CONVENTIONS`) moves it each period, the
    plans run beside it, and :func:`_book` writes the period's money. The loop runs the rows of
    :func:`~abs_model.projection.rows.scenario_rows` (scenarios sharing their state path once;
    with ``parts`` (each line's part, lines ordered by part first) one block of rows per part,
    see :func:`project_parts`); the totals come back per scenario (part-major with parts),
    the columns of ``fields`` (None: all; see :func:`_finish`). ``expand=False`` (not with
    advancing): the columns but recoveries and net loss stay on the loop's rows, part-major
    (``K · U``), and ``rows`` gives each scenario's row within a part (:class:`PartProjection`).
    """
    K = 1 if parts is None else int(parts.max(initial=0)) + 1
    rows = scenario_rows(scenario_multiples(prepay_mult, default_mult, recovery_mult), parts=K, share=not keep_lines)
    along = parts is not None and K > 1 and assumptions.convention == "roll_rate"  # the parts' own groups (PartSums)
    loop = tuple(m[: rows.distinct] for m in rows.loop) if along else rows.loop
    ctx = make_context(lines, assumptions, multiples=loop, horizon=horizon if horizon is not None else horizon_for(lines, assumptions))  # type: ignore[arg-type]
    conv = CONVENTIONS[assumptions.convention](ctx)
    by_age = bool(ctx.cpr_age.any() or conv.by_age)
    groups = _state_groups(lines, ctx, by_age=by_age, parts=parts)
    tables, plans = _tables_and_plans(lines, groups, ctx, keep_lines=keep_lines)
    ps, conv, plans = _along_groups(parts[groups.starts], ctx, conv, plans, groups) if along and parts is not None else (PartSums(None, ctx.S), conv, plans)
    tot = _cutoff_totals(lines, groups, dataclasses.replace(ctx, S=ps.rows), parts=parts, rows=rows)
    recoverable = np.zeros((rows.final[0].size, ctx.T + 1))  # recovery money to be received from defaults of t
    line_closing = np.zeros((len(lines), ctx.T + 1)) if keep_lines else None
    if line_closing is not None:
        line_closing[:, 0] = lines.balance
    # recoverable money per period (discarded under a charge-off path, which recomputes it from the defaults)
    charge_off = assumptions.collections is not None and assumptions.collections.charge_off is not None
    money = None if charge_off else recoveries.Recoverable(ctx.segments.recovery_rate[groups.seg], rows.final[2], assumptions.recovery_rate)
    buy_back = assumptions.buy_back if assumptions.buy_back is not None and assumptions.buy_back.ineligible_rate > 0.0 else None
    cpr_age = np.where(ctx.cpr_age[groups.seg], groups.age, 0)
    smm_at = np.minimum(np.maximum(cpr_age[None, :] + np.arange(ctx.T + 1)[:, None], 1), ctx.max_age) - 1  # (T + 1, G): np.clip's
    x, pre_default = _initial_state(conv, groups, lines, rows, None if ps.starts is not None else parts)
    late = None
    # defaults by group (and the plans' re-defaults) per period: recoverable money after the loop, and advancing
    defaults_g = np.zeros((ctx.T + 1, ctx.S, groups.size))
    plan_defaults = np.zeros((ctx.T + 1, ps.rows)) if plans is not None else None
    wb = tables.at(0)
    for t in range(1, ctx.T + 1):
        wa = tables.at(t)
        smm = ctx.smm[:, groups.seg, smm_at[t]]  # (S, G)
        leaving, prepaid = buy_back.split(smm) if buy_back is not None else (smm, None)
        step = conv.step(groups, x, t, wb, wa, leaving, pre_default=pre_default if t == 1 else None, late=late)
        if prepaid is not None:  # 赎回: the ineligible share leaves beside prepayment, on the same base
            step = _book_ineligible(tot, t, step, prepaid, wa, ps)
        plan = None if plans is None else _step_plans(plans, tot, t, step, x, late, wb, wa, ps)
        _book(tot, t, step, plan, wa, ps)
        defaults_g[t] = step.default_bal
        if plan_defaults is not None and plan is not None:
            plan_defaults[t] = plan.defaults
        x = step.x
        late = step.late.state if step.late is not None else None
        if line_closing is not None:
            s_lines = tables.line_factors(t)
            line_closing[:, t] = sum(x[j][0][groups.line_group] * s_lines[j] for j in range(ctx.B)) * lines.balance
        wb = wa
    if money is not None:  # each period's recoverable money, every final row its own recovery multiple (each part its own groups)
        recoverable[:, 1:] = money.periods(defaults_g[1:], None if plan_defaults is None else plan_defaults[1:], rows.take, parts=ps)
    by_group = ps.blocks(defaults_g, None if parts is None else parts[groups.starts]) if assumptions.advancing else None  # block rows
    full, inv = _to_scenarios(tot, recoverable, by_group, lines, groups, ctx, rows, K=K, fields=fields, expand=expand)
    return LineProjection(full, line_closing, inv)


def _initial_state(conv: Convention, groups: StateGroups, lines: Lines, rows: ScenarioRows, parts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The convention's state at the cut-off and the balance past the default bucket then; with
    ``parts`` in blocks of rows, block k carries part k alone (rows module doc)."""
    x = conv.initial_state(groups)
    pre_default = conv.pre_default(groups, lines.balance)
    if parts is not None:
        mask = rows.block_mask(parts[groups.starts])
        x, pre_default = x * mask, pre_default * mask
    return x, pre_default


def _to_scenarios(
    tot: dict[str, np.ndarray], recoverable: np.ndarray, by_group: np.ndarray | None, lines: Lines, groups: StateGroups,
    ctx: Context, rows: ScenarioRows, *, K: int, fields: Collection[str] | None, expand: bool,
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """After the loop of :func:`_project_sorted`: back to the scenarios asked for (every row its own
    recovery multiple), then :func:`_finish`. Returns the columns and, when they stay on the loop's
    rows (``expand=False``), each scenario's row within a part (part 0's rows: ``k·U + inv`` in
    part k)."""
    a = ctx.assumptions
    if rows.take is not None:
        by_group = None if by_group is None else by_group[:, rows.take]
        pm, dm, rm = rows.final
        ctx = dataclasses.replace(ctx, S=pm.size, pm=pm * a.prepay_multiplier, dm=dm * a.default_multiplier, rm=rm)
    lazy = not expand and by_group is None and rows.take is not None
    full = _finish(tot, recoverable, by_group, lines, groups, ctx, take=rows.take, fields=fields, expand=not lazy)
    inv = rows.take[: rows.take.size // K] if lazy and rows.take is not None else None
    return full, inv


def _state_groups(lines: Lines, ctx: Context, *, by_age: bool, parts: np.ndarray | None) -> StateGroups:
    """The state groups; with ``parts``, no group spans two parts (the part leads the segment in
    the groups' key, then the segment index is restored)."""
    by_term = sifma.by_term(ctx.assumptions)
    seg = ctx.segments.of_line
    if parts is None:
        return state_groups(lines, seg, roll=ctx.roll, by_age=by_age, by_term=by_term)
    n_seg = int(seg.max(initial=0)) + 1
    groups = state_groups(lines, parts.astype(np.int64) * n_seg + seg, roll=ctx.roll, by_age=by_age, by_term=by_term)
    return dataclasses.replace(groups, seg=groups.seg % n_seg)


def _along_groups(
    part_of_group: np.ndarray, ctx: Context, conv: Convention, plans: PlanBook | None, groups: StateGroups
) -> tuple[PartSums, Convention, PlanBook | None]:
    """The parts along the group axis (:class:`~abs_model.projection.groups.PartSums`): the state
    keeps the run's ``U`` distinct scenario rows (``ctx.S``) and every sum over groups is taken per
    part, ``K · U`` rows — the numbers of the block rows (rows module doc: the other parts' groups
    there are exact zeros), without stepping them. The convention and the plans' money paths take
    the part sums."""
    starts = np.flatnonzero(np.diff(part_of_group, prepend=-1))
    ps = PartSums(starts, ctx.S)
    if plans is not None:
        terms = tuple(c.terms for c in plans.cohorts)
        plans = PlanBook.start(terms, tables=plans.tables, scenarios=ctx.S, groups=groups.size, horizon=ctx.T, rho=plans.rho, parts=ps)
    if not isinstance(conv, roll_rate.RollRate):  # pragma: no cover - only the roll-rate convention runs parts along groups
        raise TypeError(f"internal: parts along the group axis need the roll-rate convention; got {type(conv).__name__}")
    return ps, dataclasses.replace(conv, parts=ps), plans


def _step_plans(
    plans: PlanBook,
    tot: dict[str, np.ndarray],
    t: int,
    step: PeriodStep,
    x: np.ndarray,
    late: np.ndarray | None,
    wb: Weights,
    wa: Weights,
    ps: PartSums | None = None,
) -> PlanFlows:
    """Period ``t`` of the restructuring plans: receivables enter them (bought back, late fees
    waived or capitalised, as the plans say), the plans run, and spread plans whose arrears are
    paid return their balance to current."""
    bought, waived, capitalised = plans.enter(t, x, late, wb)
    plan = plans.step(t, wb, wa, entries=step.entry_bal.sum(-1) if ps is None else ps.sum(step.entry_bal))
    tot["repurchases"][:, t] += bought
    tot["late_fees_waived"][:, t] += waived
    tot["late_fees_capitalised"][:, t] = capitalised
    if plan.completed is not None:
        step.x[0] += plan.completed  # spread plans whose arrears are paid are current again
    return plan


def _finish(
    tot: dict[str, np.ndarray],
    recoverable: np.ndarray,
    by_group: np.ndarray | None,
    lines: Lines,
    groups: StateGroups,
    ctx: Context,
    *,
    take: np.ndarray | None = None,
    fields: Collection[str] | None = None,
    expand: bool = True,
) -> dict[str, np.ndarray]:
    """After the period loop: buy-backs priced (proceeds = price × balance, the discount a loss),
    recoveries received on their timing (and the charge-off path), and the advancing columns.
    ``tot`` holds the loop's rows, ``take`` the loop row of each final row (None: the same rows;
    :meth:`~abs_model.projection.rows.ScenarioRows.expand`): every step before the recoveries is
    elementwise by row, so it runs on the loop's rows and the rows are copied out once, in
    :func:`~abs_model.projection.recoveries.with_recoveries`, the columns of ``fields`` alone (None:
    all; with advancing, all), every column but recoveries and net loss on the loop's rows when
    not ``expand`` (without advancing)."""
    a = ctx.assumptions
    price = a.buy_back.price if a.buy_back is not None else 1.0
    tot["repurchase_proceeds"] = price * tot["repurchases"]
    tot["repurchase_loss"] = tot["repurchases"] - tot["repurchase_proceeds"]
    strategy = a.collections
    full = recoveries.with_recoveries(
        tot,
        recoverable,
        timing=a.recovery_timing,
        charge_off=strategy.charge_off if strategy is not None else None,
        rm=ctx.rm,
        take=take,
        fields=fields if by_group is None else None,
        expand=expand or by_group is not None,
    )
    if by_group is not None:
        full = advancing.with_advancing(full, by_group, lines, groups, ctx)
    return full


def trust_late_fees(arrays: dict[str, np.ndarray], assumptions: Assumptions) -> np.ndarray:
    """The late fees that are the trust's available funds: the pool's ``late_fees`` column when
    ``late_fees.to_trust`` (else zero: the originator keeps them)."""
    lf = assumptions.late_fees
    col = arrays["late_fees"]
    return col if lf is not None and lf.to_trust else np.zeros_like(col)


def late_rates(lines: Lines, terms: LateFees) -> np.ndarray:
    """Each line's late-fee daily rate: its product's override or the default, capped."""
    by_code = np.array([terms.rate_of(p.key) for p in Product])
    return by_code[lines.product.astype(np.int64)]


def _tables_and_plans(lines: Lines, groups: StateGroups, ctx: Context, *, keep_lines: bool) -> tuple[WeightTables, PlanBook | None]:
    """The weight tables (with late-fee rates and re-aging tables when needed) and the plan book."""
    a = ctx.assumptions
    plan_terms = a.collections.plans if a.collections is not None and ctx.roll else ()
    late_terms = a.late_fees if ctx.roll else None
    options = {
        "buckets": ctx.B,
        "horizon": ctx.T,
        "unearned_fee": a.unearned_fee,
        "keep_lines": keep_lines,
        "late_rate": None if late_terms is None else late_rates(lines, late_terms),
        "re_age": tuple(p.periods for p in plan_terms if p.plan == "re_age" and not p.buy_back),
    }
    key = None if keep_lines or lines.billed is not None else _tables_key(lines, groups, options)
    tables = None if key is None else _TABLES.get(key)
    if tables is None:
        tables = weight_tables(lines, groups, **options)  # type: ignore[arg-type]
        if key is not None:
            _keep_tables(key, tables)
    if not plan_terms:
        return tables, None
    rho = take_up(plan_terms, ctx.B, ctx.segments.take_up)[:, :, groups.seg]  # (P, B, G): by each group's segment
    return tables, PlanBook.start(plan_terms, tables=tables, scenarios=ctx.S, groups=groups.size, horizon=ctx.T, rho=rho)


def _tables_key(lines: Lines, groups: StateGroups, options: Mapping[str, object]) -> bytes:
    """Digest of everything :func:`~abs_model.projection.groups.weight_tables` reads, by content:
    the lines, their state groups and the options (the tables are scenario-free, so every run on
    the same lines — a sweep's chunks, breakeven's passes — can share them)."""
    h = hashlib.blake2b(digest_size=32)
    for f in Lines.__dataclass_fields__:
        if f != "billed":
            arr = np.ascontiguousarray(getattr(lines, f))
            h.update(f"{f}:{arr.dtype.str}:{arr.shape}".encode())
            h.update(arr.tobytes())
    for arr in (groups.line_group, groups.starts, groups.b0_line):
        h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
    for k, v in options.items():
        h.update(k.encode())
        h.update(np.ascontiguousarray(v).tobytes() if isinstance(v, np.ndarray) else repr(v).encode())
    return h.digest()


def _keep_tables(key: bytes, tables: WeightTables) -> None:
    """Keep ``tables`` (read-only from now on) in :data:`_TABLES`, the oldest out past its bound."""
    for arr in (tables.S, tables.F, tables.C, tables.U, tables.RS, tables.RF):
        if arr is not None:
            arr.setflags(write=False)
    for t in (tables.re_age or {}).values():
        for arr in (t.balance, t.amount, t.count):
            arr.setflags(write=False)
    with _TABLES_LOCK:
        _TABLES[key] = tables
        while len(_TABLES) > _TABLES_MAX:
            _TABLES.pop(next(iter(_TABLES)))


_TABLES: dict[bytes, WeightTables] = {}
"""Weight tables made in this process, by content (:func:`_tables_key`); at most :data:`_TABLES_MAX`."""
_TABLES_MAX = 64
_TABLES_LOCK = threading.Lock()


#: The default-timing conventions by name: each builds its tables from the run's context.
CONVENTIONS: dict[str, Callable[[Context], Convention]] = {
    "roll_rate": roll_rate.build,
    "sifma": sifma.build,
    "absbox": absbox.build,
}


def _cutoff_totals(
    lines: Lines, groups: StateGroups, ctx: Context, *, parts: np.ndarray | None = None, rows: ScenarioRows | None = None
) -> dict[str, np.ndarray]:
    """Totals of every field, (S, T + 1), with the cut-off row (period 0) filled in; with
    ``parts``, each block of rows with its own part's cut-off (rows module doc)."""
    tot = {f: np.zeros((ctx.S, ctx.T + 1)) for f in FIELDS}
    K = 1 if parts is None else int(parts.max(initial=0)) + 1
    for k in range(K):
        mine = slice(None) if parts is None or rows is None else slice(k * rows.distinct, (k + 1) * rows.distinct)
        ln = lines if parts is None else _subset(lines, parts == k)
        b0 = groups.b0_line if parts is None else groups.b0_line[parts == k]
        tot["closing_balance"][mine, 0] = ln.balance.sum()
        tot["count"][mine, 0] = ln.count.sum()
        for j in range(N_BUCKETS - 1):
            tot[f"balance_m{j}"][mine, 0] = ln.balance[b0 == j].sum()
    return tot


def _book(tot: dict[str, np.ndarray], t: int, step: PeriodStep, plan: PlanFlows | None, wa: Weights, ps: PartSums | None = None) -> None:
    """Write period ``t``'s money into the totals: the convention's flows plus the plans'.

    Defined as opening = Σ opening + plan opening; scheduled principal = convention's + plan
    principal; prepayment = ``prepay share × S(k_0)`` + plans' prepayments; prepayment fee =
    ``prepay share × U``; closing = Σ_j x_j S(k_j) + plan closing; count likewise.
    """
    ps = ps if ps is not None else PartSums(None, step.x.shape[1])
    tot["collection_costs"][:, t] += step.costs
    tot["defaults_count"][:, t] += step.default_count
    p_open: np.ndarray | float = 0.0
    p_prin: np.ndarray | float = 0.0
    p_fee: np.ndarray | float = 0.0
    p_def: np.ndarray | float = 0.0
    if plan is not None:
        _book_plans(tot, t, plan)
        p_open, p_prin, p_fee, p_def = plan.opening, plan.principal, plan.fee, plan.defaults
    if step.late is not None:
        _book_late_fees(tot, t, step, ps)
    pw = wa if step.prepay_at is None else step.prepay_at
    B = step.x.shape[0]
    # the seven flows summed over groups at once (each row the same sum as alone); the bucket
    # balances and counts by matrix products, or with parts in the same batch of part sums
    flows = np.stack([step.prepay_frac * pw.U, step.open_bal, step.sched_prin, step.prepay_frac * pw.S[0],
                      step.fee, step.default_bal, step.prepay_base])
    if ps.starts is None:
        sums = flows.sum(-1)
        bal = [step.x[j] @ wa.S[j] for j in range(B)]
        cnt = [step.x[j] @ wa.C[j] for j in range(B)]
    else:
        sums = ps.sum_each(np.concatenate([flows, step.x * wa.S[:B, None, :], step.x * wa.C[:B, None, :]]))
        bal, cnt = list(sums[7 : 7 + B]), list(sums[7 + B :])
    tot["prepayment_fee"][:, t] = sums[0]
    tot["opening_balance"][:, t] = sums[1] + p_open
    tot["scheduled_principal"][:, t] = sums[2] + p_prin
    tot["prepayment"][:, t] += sums[3]
    tot["fee_interest"][:, t] = sums[4] + p_fee
    tot["defaults"][:, t] = sums[5] + p_def
    tot["prepay_base"][:, t] += sums[6]
    closing = np.zeros(ps.rows) + tot["balance_restructured"][:, t]
    count = np.zeros(ps.rows)
    for j in range(B):
        tot[f"balance_m{j}"][:, t] = bal[j]
        closing += bal[j]
        count += cnt[j]
    tot["closing_balance"][:, t] = closing
    tot["count"][:, t] += count


def _book_plans(tot: dict[str, np.ndarray], t: int, plan: PlanFlows) -> None:
    """The plans' own columns; their prepayments join the pool's (on their own base)."""
    tot["restructured_entries"][:, t] = plan.entries
    tot["balance_restructured"][:, t] = plan.closing
    tot["defaults_count"][:, t] += plan.default_count
    tot["count"][:, t] += plan.count
    tot["restructured_redefaults"][:, t] = plan.defaults
    if plan.prepay_base.any():
        tot["prepayment"][:, t] = plan.prepayment
        tot["prepay_base"][:, t] = plan.prepay_base
    for kind, bal in plan.by_type.items():
        tot[f"balance_{kind}"][:, t] = bal


def _book_ineligible(
    tot: dict[str, np.ndarray], t: int, step: PeriodStep, prepaid: np.ndarray, wa: Weights, ps: PartSums | None = None
) -> PeriodStep:
    """Split the share that left the performing balance (prepayment and ineligible buy-back,
    :mod:`abs_model.assumptions.buyback`) into its two parts: ``prepaid`` of it is prepayment (the
    step keeps it, with its unearned fees), the rest is bought back at its balance after the
    instalment, ``S(k_0)`` (before it, ``S(k_0 − 1)``, where the convention prepays there:
    ``step.prepay_at``, absbox). Returns the step with the prepayment part only."""
    bought = step.prepay_frac * (1.0 - prepaid)
    at = wa if step.prepay_at is None else step.prepay_at
    amount = (bought * at.S[0]).sum(-1) if ps is None else ps.sum(bought * at.S[0])
    tot["repurchases"][:, t] += amount
    tot["repurchases_ineligible"][:, t] = amount
    return dataclasses.replace(step, prepay_frac=step.prepay_frac * prepaid)


def _book_late_fees(tot: dict[str, np.ndarray], t: int, step: PeriodStep, ps: PartSums | None = None) -> None:
    """Late fees: accrued = collected + waived + written off + change in outstanding."""
    late = step.late
    if late is None:
        return
    tot["late_fees"][:, t] = late.collected
    tot["late_fees_accrued"][:, t] = late.accrued
    tot["late_fees_waived"][:, t] += late.waived
    tot["late_fees_written_off"][:, t] = late.written_off
    tot["late_fees_outstanding"][:, t] = late.state.sum(axis=(0, 2)) if ps is None else ps.sum02(late.state)

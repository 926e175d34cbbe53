"""The period-by-period liability engine, vectorised across scenarios.

All state is numpy arrays over the scenario axis; the Python loop runs over periods (the caller's)
and steps only. Scenarios in different phases are handled by masks. Every period the engine checks
conservation and raises :class:`~tranches.errors.ConservationError` on a violation.

Order of events in period t (per scenario):

1. collections of the month go to the collection account (interest and late fees, each a line of
   its own → interest pot; principal and recoveries → principal pot); the PDL is debited with new
   defaults;
2. note interest and fees accrue (interest on the period's beginning balance);
3. metric triggers are tested; phase and payment date are decided; on a payment date after
   revolving has ended a clean-up call may be exercised (its proceeds, price × pool balance, go to
   the principal pot); the reserve target is set (0 in the last period and on a call);
4. on a payment date the reserve above its target is released into the interest pot and the
   phase's waterfall runs; in other months only BuyReceivables runs (revolving) and collections
   are carried;
5. unpaid note interest becomes a shortfall; losses are written down junior first — on a
   clean-up call, and in the last period when it is the legal final (``ends_at_legal_final``),
   every note balance still outstanding is a loss;
6. event triggers are tested (they act from the next period); conservation is checked.

In the last period every account is released through the waterfall (the reserve target is 0), so
a run ends with no cash in any account when its waterfall pays the residual.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from tranches import kernels, stages, support, trigger_tests
from tranches.errors import must
from tranches.fees import Tax
from tranches.kernels import INTEREST, PRINCIPAL, Compiled, Ctx
from tranches.ledger import RESERVE, LedgerLayout
from tranches.normalise import scenario_vector, schedule_array
from tranches.period import INPUT_NAMES, PeriodInputs, StepOutput
from tranches.results import LiabilityResult
from tranches.schedule import accrual_fractions, period_dates
from tranches.stages import REVOLVING
from tranches.state import EngineState
from tranches.steps import (
    EXTRA_STEP_TYPES,
    BuyReceivables,
    CoverPDL,
    DrawLiquidityReserve,
    DrawReserve,
    FundLiquidityReserve,
    FundReserve,
    PayFee,
    PayInterest,
    PayPrincipal,
    PayResidual,
    PayTax,
    Step,
)
from tranches.structure import PHASES, Structure

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

CONSERVATION_TOL = 1e-6
"""Absolute tolerance of the conservation check (plus 1e-12 × the deal size, for float rounding)."""


class Engine:
    """Runs a :class:`~tranches.structure.Structure` period by period for ``n_scenarios`` at once.

    ``period_end_dates``: (T,) ``datetime64[D]`` end dates of the monthly collection periods;
    ``start_date``: the cut-off (default one month before the first end date);
    ``initial_pool_balance``: scalar or (N,);
    ``ends_at_legal_final``: the last period is the deal's legal final, so every note balance still
    owed after its waterfall is written down as a loss (off by default: a run may be a window of a
    longer deal; :func:`abs_model.run` always sets it, its horizon reaching legal final);
    ``accrual_dates``: (T + 1,) ends of the note interest accrual periods, ``[closing, payment
    date of period 1, …]``: class interest of period t accrues over ``(d_{t−1}, d_t]`` in its day
    count (default: the collection period dates, cut-off to month-ends). Fees keep the collection
    periods.
    """

    _detect = True
    """Skip work that cannot change a number (inputs 0 everywhere, masks true everywhere, classes
    without coupon, fees without rate); False runs every stage in full (the tests compare)."""

    def __init__(
        self,
        structure: Structure,
        *,
        n_scenarios: int,
        period_end_dates: npt.ArrayLike,
        initial_pool_balance: npt.ArrayLike,
        start_date: npt.ArrayLike | None = None,
        ends_at_legal_final: bool = False,
        accrual_dates: npt.ArrayLike | None = None,
    ) -> None:
        if not isinstance(structure, Structure):
            raise must("structure", "must be a tranches.Structure", structure)
        if not isinstance(n_scenarios, int) or n_scenarios < 1:
            raise must("n_scenarios", "must be an integer >= 1", n_scenarios)
        self.structure = structure
        self.n = n_scenarios
        self.ends_at_legal_final = bool(ends_at_legal_final)
        self.dates = period_dates(period_end_dates, start_date=start_date)
        self.T = int(self.dates.size - 1)
        self.pool0 = scenario_vector("initial_pool_balance", initial_pool_balance, self.n)
        self.tranches = structure.tranches
        self.expenses = structure.fees
        self.triggers = structure.triggers
        self.note0 = np.array([t.balance for t in self.tranches], dtype=np.float64)
        #: pay_residual first repays principal written down and not yet repaid (Structure.reimburse_writedowns)
        self.reimburses = structure.writedown == "period" and structure.reimburse_writedowns
        self._check_event_periods()
        self._accruals(accrual_dates)
        self.senior_idx = np.array(
            [i for i, t in enumerate(self.tranches) if t.tranche_class == "senior"], dtype=np.int64
        )
        self.expense_index = {f.name: j for j, f in enumerate(self.expenses)}
        self._trigger_indexes()
        every = structure.payment_every
        self.every = np.array([every.get(p, 1) for p in PHASES], dtype=np.int64)
        self.monthly = bool((self.every == 1).all())
        self.any_ios = bool(self.ios.any())
        self.any_cap = any(e.cap is not None for e in self.expenses)
        #: the reserve is a liquidity reserve managed by the waterfall's own steps (tranches.liquidity)
        self.liquidity_managed = any(
            isinstance(s, DrawLiquidityReserve | FundLiquidityReserve) for wf in structure.waterfalls.values() for s in wf.steps
        )
        self.layout = LedgerLayout()
        lay = self.layout
        self.row_ci = lay.row("pool", "collect_interest", "interest_account")
        self.row_cp = lay.row("pool", "collect_principal", "principal_account")
        self.row_cr = lay.row("pool", "collect_recoveries", "principal_account")
        self.row_lf = lay.row("pool", "collect_late_fees", "interest_account")  # 违约金: its own line
        self.row_call = lay.row("cleanup_call", "cleanup_proceeds", "principal_account")
        self.row_release = lay.row(RESERVE, "release_reserve", "interest_account") if structure.reserve is not None else -1
        #: rows before this one are the engine's own (collections: validated inputs >= 0, clean-up
        #: proceeds, reserve release: max(·, 0)); the steps' rows follow
        self.first_step_row = len(lay.rows)
        self.programs: dict[int, list[Compiled]] = {
            PHASES.index(p): [self._compile(s) for s in wf.steps] for p, wf in structure.waterfalls.items()
        }
        support.prepare(self)
        self.signs = lay.signs()
        self._prefix: dict[tuple[int, ...], tuple[int, int]] = {}
        self._static_facts()
        scale = max(float(self.pool0.max()), float(self.note0.sum()))
        self.tolerance = CONSERVATION_TOL + 1e-12 * scale

    def _accruals(self, accrual_dates: npt.ArrayLike | None) -> None:
        """Accrual fractions by day count for the periods and for the notes (their own dates when
        given), coupon × accrual per tranche and period (K, T), interest-on-shortfall flags."""
        T = self.T
        fracs = {
            dc: accrual_fractions(self.dates[1:], day_count=dc, start_date=self.dates[0])
            for dc in ("30/360", "ACT/365F")
        }
        self.accrual = fracs
        self.note_dates = self.dates if accrual_dates is None else self._note_dates(accrual_dates)
        note_fracs = fracs if accrual_dates is None else {
            dc: accrual_fractions(self.note_dates[1:], day_count=dc, start_date=self.note_dates[0])
            for dc in ("30/360", "ACT/365F")
        }
        self.coupon_frac = np.stack([schedule_array(t.coupons, T) * note_fracs[t.day_count] for t in self.tranches])
        self.ios = np.array([float(t.interest_on_shortfall) for t in self.tranches])[:, None]

    def _trigger_indexes(self) -> None:
        """Trigger thresholds (G, T), triggers by effect, metric and event triggers' indexes."""
        T = self.T
        self.thresholds = (
            np.stack([schedule_array(g.thresholds, T) for g in self.triggers]) if self.triggers else np.zeros((0, T))
        )
        self.effect_index: dict[str, list[int]] = {}
        for j, g in enumerate(self.triggers):
            self.effect_index.setdefault(g.effect, []).append(j)
        self.metric_idx = [j for j, g in enumerate(self.triggers) if not g.is_event]
        self.event_idx = [j for j, g in enumerate(self.triggers) if g.is_event]

    def _static_facts(self) -> None:
        """What the structure alone says is inactive for a whole run, and constant arrays.

        ``no_coupon[i]``: class i has a zero coupon in every period, so its interest due (accrual
        plus shortfall) is always 0 and paying it moves nothing; ``fee_zero[j]``: expense j accrues
        0 in every period (rate or amount 0), so nothing is ever due. Steps skip them."""
        detect = self._detect
        self.no_coupon = [detect and not bool(row.any()) for row in self.coupon_frac]
        zero_fee = []
        for e in self.expenses:
            if isinstance(e, Tax):
                coef = np.array([e.rate])
            else:
                coef = (e.amount if e.basis == "fixed" else e.rate) * self.accrual[e.day_count]
            zero_fee.append(detect and not bool(coef.any()))
        self.fee_zero = zero_fee
        buys = any(isinstance(c.step, BuyReceivables) for prog in self.programs.values() for c in prog)
        #: the cumulative default rate's denominator ``initial pool + purchases`` when nothing is
        #: ever bought (None: computed each period)
        self.cdr_denominator = self.pool0 + 0.0 if detect and not buys else None
        self.all_tranches = tuple(range(len(self.tranches)))
        self.all_expenses = tuple(range(len(self.expenses)))
        self._consts: dict[float, FloatArray] = {}
        self._zeros = self._const(0.0)
        self._ones = self._const(1.0)
        self._true = np.ones(self.n, dtype=bool)
        self._false = np.zeros(self.n, dtype=bool)
        for a in (self._true, self._false):
            a.flags.writeable = False

    def _note_dates(self, accrual_dates: npt.ArrayLike) -> npt.NDArray[np.datetime64]:
        d = np.asarray(accrual_dates, dtype="datetime64[D]").reshape(-1)
        if d.size != self.T + 1:
            raise must("accrual_dates", f"must hold T + 1 = {self.T + 1} dates", d.size)
        return period_dates(d[1:], start_date=d[0])

    # ------------------------------------------------------------------ compile
    def _pots(self, source: str) -> tuple[int, ...]:
        base = {
            "interest": (INTEREST,),
            "principal": (PRINCIPAL,),
            "interest_then_principal": (INTEREST, PRINCIPAL),
            "principal_then_interest": (PRINCIPAL, INTEREST),
        }[source]
        if self.structure.collection_account == "combined" and len(base) == 1:
            other = PRINCIPAL if base[0] == INTEREST else INTEREST
            base = (base[0], other)
        return base

    def _src(self, pots: tuple[int, ...]) -> str:
        if self.structure.collection_account == "combined":
            return "collection_account"
        names = ("interest_account", "principal_account")
        return "+".join(names[p] for p in pots)

    def _compile(self, step: Step) -> Compiled:
        if isinstance(step, EXTRA_STEP_TYPES):
            return support.compile_extra(self, step)
        lay = self.layout
        tnames = [t.name for t in self.tranches]
        if isinstance(step, DrawReserve):
            to = INTEREST if step.to == "interest" else PRINCIPAL
            row = lay.row(RESERVE, step.label, ("interest_account", "principal_account")[to])
            return Compiled(step, kernels.draw_reserve, (to,), (row,), ())
        if isinstance(step, PayTax | PayFee):
            name = step.tax if isinstance(step, PayTax) else step.fee
            pots = self._pots(step.source)
            kind = "tax" if isinstance(step, PayTax) else "fee"
            row = lay.row(self._src(pots), step.label, f"{kind}:{name}")
            return Compiled(step, kernels.fee, pots, (row,), (self.expense_index[name],))
        if isinstance(step, PayInterest):
            pots = self._pots(step.source)
            idx = tuple(tnames.index(n) for n in step.tranches)
            rows = tuple(lay.row(self._src(pots), step.label, f"{n}:interest") for n in step.tranches)
            return Compiled(step, kernels.interest, pots, rows, idx)
        if isinstance(step, PayPrincipal):
            pots = self._pots(step.source)
            idx = tuple(tnames.index(n) for n in step.tranches)
            rows = tuple(lay.row(self._src(pots), step.label, f"{n}:principal") for n in step.tranches)
            return Compiled(step, kernels.principal, pots, rows, idx)
        if isinstance(step, FundReserve):
            pots = self._pots(step.source)
            row = lay.row(self._src(pots), step.label, RESERVE)
            return Compiled(step, kernels.fund_reserve, pots, (row,), ())
        if isinstance(step, CoverPDL):
            pots = self._pots(step.source)
            dst = "collection_account" if self.structure.collection_account == "combined" else ("principal_account")
            row = lay.row(self._src(pots), step.label, dst)
            return Compiled(step, kernels.cover_pdl, pots, (row,), ())
        if isinstance(step, BuyReceivables):
            pots = self._pots(step.source)
            row = lay.row(self._src(pots), step.label, "receivables_purchase")
            return Compiled(step, kernels.buy, pots, (row,), ())
        if isinstance(step, PayResidual):
            pots = self._pots(step.source)
            src, k = self._src(pots), len(tnames)
            row = lay.row(src, step.label, f"{tnames[-1]}:residual")
            back = tuple(lay.row(src, step.label, f"{n}:principal") for n in tnames)
            accruing = tuple(i for i in range(k) if bool(self.coupon_frac[i].any()))  # the classes ever owed interest
            owed_int = tuple(lay.row(src, step.label, f"{tnames[i]}:interest") for i in accruing)
            return Compiled(step, kernels.residual, pots, (row, *back, *owed_int), (k - 1, *range(k), *accruing))
        raise must("step", "unknown step type", step)  # pragma: no cover - Waterfall validates

    # ------------------------------------------------------------------ buffers
    def allocate(self) -> dict[str, Any]:
        """Preallocated result buffers, laid out (T, ..., N) so each period writes contiguous rows.

        Cash movements are stored once, in the ledger (T, rows, N); per-tranche and per-fee paid
        amounts are sums of ledger rows, built by the result. Derivable quantities (beginning
        balances, unpaid fees, reserve at the start) are not stored. All buffers are views into
        one zeroed block: one large allocation is mapped with huge pages, which makes first
        writes to it much cheaper than to many separate arrays.
        """
        T, n, k = self.T, self.n, len(self.tranches)
        f, g = len(self.expenses), len(self.triggers)
        f8, i1, b1 = np.dtype(np.float64), np.dtype(np.int8), np.dtype(bool)
        specs: dict[str, tuple[tuple[int, ...], np.dtype[Any]]] = {
            "ledger": ((T, len(self.layout.rows), n), f8),
            "shortfall": ((T, k, n), f8),
            "writedown": ((T, k, n), f8),
            "end": ((T, 4 + k, n), f8),  # cash (2), class balances, reserve, PDL: one copy a period
            "fee_accrued": ((T, f, n), f8),
            "pdl_debit": ((T, n), f8),
            "pdl_other_credit": ((T, n), f8),
            "xs": ((T, n), f8),
            "xs_rate": ((T, n), f8),
            "note_accrued": ((T, n), f8),
            "trig_value": ((T, g, n), f8),
            "phase": ((T, n), i1),
            "pay": ((T, n), b1),
            "trig_breached": ((T, g, n), b1),
        }
        if self.structure.reserve is not None:
            specs["res_target"] = ((T, n), f8)
        if REVOLVING in self.programs:
            specs["purchased"] = ((T, n), f8)
            specs["unreinvested"] = ((T, n), f8)
        if self.structure.cleanup is not None:
            specs["called"] = ((T, n), b1)
        sizes = {key: int(np.prod(shape)) * dt.itemsize for key, (shape, dt) in specs.items()}
        block = np.zeros(sum((size + 63) // 64 * 64 for size in sizes.values()), dtype=np.uint8)
        buf: dict[str, Any] = {}
        offset = 0
        for key, (shape, dt) in specs.items():
            size = sizes[key]
            buf[key] = block[offset : offset + size].view(dt).reshape(shape)
            offset += (size + 63) // 64 * 64
        end = buf.pop("end")  # the state's block (EngineState.nonneg) as it stands at each period's end
        buf["cash_int"], buf["cash_prin"], buf["bal_end"] = end[:, INTEREST], end[:, PRINCIPAL], end[:, 2 : 2 + k]
        buf["pdl_end"] = end[:, 3 + k]
        buf["end"] = end
        if self.structure.reserve is not None:
            buf["res_end"] = end[:, 2 + k]
        return buf

    # ------------------------------------------------------------------ public
    def start(self) -> EngineState:
        """A fresh state at the cut-off (period 0)."""
        return EngineState(self)

    def _check_event_periods(self) -> None:
        """An event stated for a period after the run's last would silently never happen: refused."""
        for j, g in enumerate(self.triggers):
            if g.event_period is not None and g.event_period > self.T:
                raise must(f"triggers[{j}].event_period", f"must fall within the run's {self.T} periods (later, the event never happens)", g.event_period)
        for phase, wf in self.structure.waterfalls.items():
            for i, st in enumerate(wf.steps):
                v = getattr(st, "provider_default_period", None)
                if v is not None and v > self.T:
                    raise must(f"waterfalls[{phase!r}].steps[{i}].provider_default_period",
                               f"must fall within the run's {self.T} periods (later, the provider never defaults)", v)

    def _const(self, value: float) -> FloatArray:
        """A read-only (N,) array of ``value`` (scalar inputs: built once per engine, not per period)."""
        arr = self._consts.get(value)
        if arr is None:
            arr = np.full(self.n, value)
            arr.flags.writeable = False
            self._consts[value] = arr
        return arr

    def _inputs(self, inputs: PeriodInputs) -> tuple[list[FloatArray], list[bool], float]:
        """The period's inputs as (N,) arrays (a scalar as a read-only constant array), whether each
        is 0 in every scenario, and the smallest ``pool_balance_begin``; refused where negative,
        NaN or (but ``purchase_capacity``) infinite."""
        n = self.n
        out: list[FloatArray] = []
        zero: list[bool] = []
        pb_min = 0.0
        for name in INPUT_NAMES:
            raw = getattr(inputs, name)
            arr = raw if isinstance(raw, float) else np.asarray(raw, dtype=np.float64)
            if isinstance(arr, float) or arr.ndim == 0:
                v = float(arr)
                if not (v >= 0.0 and (name == "purchase_capacity" or math.isfinite(v))):
                    scenario_vector(name, v, n, allow_inf=name == "purchase_capacity")
                lo, is_zero, arr = v, v == 0.0, self._const(v)
            elif arr.shape != (n,):
                raise must(name, f"must be a scalar or shape ({n},)", arr.shape)
            else:
                # one reduction each: NaN fails `>= 0`; inf makes the sum non-finite; amounts >= 0
                # that sum to 0 are all 0
                lo = arr.min()
                total = np.inf if name == "purchase_capacity" else arr.sum()
                if not (lo >= 0.0 and (name == "purchase_capacity" or np.isfinite(total))):
                    scenario_vector(name, arr, n, allow_inf=name == "purchase_capacity")
                is_zero = bool(total == 0.0)
            if name == "pool_balance_begin":
                pb_min = float(lo)
            out.append(arr)
            zero.append(is_zero)
        return out, zero, pb_min

    def step(self, state: EngineState, t: int, inputs: PeriodInputs) -> StepOutput:
        """Run period ``t`` (1-based, consecutive) for all scenarios; returns purchases and calls.

        The six stages of the module doc, each a function of :mod:`tranches.stages`: collect, accrue, decide
        (phase, payment date, clean-up call, reserve target), pay (reserve release and the
        waterfalls), close (shortfalls, writedowns), then event triggers and the checks.

        Work that cannot change a number this period is skipped (an input that is 0 everywhere,
        a mask that holds for every scenario); ``Engine._detect = False`` turns the skipping off
        (the tests compare both ways bit for bit).
        """
        if t != state.t + 1 or t > self.T:
            raise must("t", f"must be the next period {state.t + 1} (of {self.T})", t)
        k = t - 1
        arrays, zero, pb_min = self._inputs(inputs)
        ic, pc, rec, nd, pb, pe, dq, cap, lf, pl, rp, adv, dc = arrays
        detect = self._detect
        all_live = detect and not state.any_called
        live = self._true if all_live else ~state.called
        livef = None if all_live or live.all() else live.astype(np.float64)
        if livef is not None:
            ic, pc, rec, nd, pe, dq, lf, pl, rp, adv, dc = (x * livef for x in (ic, pc, rec, nd, pe, dq, lf, pl, rp, adv, dc))
        if not detect:
            zero = [False] * len(zero)
        z = dict(zip(INPUT_NAMES, zero, strict=True))
        buf = state.buf
        L = buf["ledger"][k]
        state.int_paid.fill(0.0)
        if self.any_cap:
            state.fee_paid.fill(0.0)
        stages.collect(self, state, k, L, ic, pc, rec, nd, z)
        if not z["defaults_counted_only"]:  # counted as defaults by the deal's rules, not lost: no PDL debit
            state.cum_defaults += dc
        if not z["principal_losses"]:  # principal lost other than by default (buy-back discount): a PDL debit, not a default
            state.pdl += pl
            buf["pdl_debit"][k] += pl
        if not z["late_fees"]:  # late fees: a line of available funds of their own, into the interest pot
            L[self.row_lf] = lf
            state.cash[INTEREST] += lf
            ic = ic + lf  # income: the base of taxes and excess spread (the ledger keeps both lines)
        support.on_collections(self, state, k, inputs, pe)  # commingling loss, serious-delinquency ratios
        stages.credit_pdl(self, state, k, t, rec, adv, rp, z, livef)
        notes_begin, note_accr, fee_accr = stages.accrue(self, state, k, ic, pb, livef)
        xs_rate = stages.excess_spread(self, state, k, ic, pb, pb_min, note_accr, fee_accr)
        if self.metric_idx:
            trigger_tests.metric_triggers(self, state, k, pe, dq, xs_rate, live, all_live)
        eff = trigger_tests.effects(self, state)
        phase = stages.phase(self, state, t, eff)
        pay = stages.payment_dates(self, state, t, phase, live, all_live)
        inel = None if self.structure.cleanup is None else np.asarray(inputs.ineligible_balance, dtype=np.float64)
        sold = pe + inel if inel is not None and inel.any() else None  # ineligible receivables are sold too
        called_now = stages.cleanup(self, t, L, state, phase, pay, pe, sold)
        all_pay = bool(pay.all())
        target_now = stages.reserve_target(self, state, k, t, notes_begin, pe, pay, all_pay and detect, called_now)
        int_due = state.int_due
        np.add(state.accrued, state.shortfall, out=int_due)
        payf = self._ones if all_pay and detect else pay.astype(np.float64)
        if not all_pay:
            int_due *= payf
        ctx = Ctx(state, buf, k, L, pay, payf, all_pay, pe, cap, target_now, eff.get("sequential"), self)
        ends = called_now | live if self.ends_at_legal_final and t == self.T else called_now
        ctx.ends = ends.astype(np.float64) if ends.any() else None
        stages.release_reserve(self, ctx, ending=called_now | (t == self.T))
        self._pay(ctx, phase, live, all_live)
        stages.close_interest(self, state, k, pay, payf, all_pay)
        stages.write_down(self, state, k, t, pay, live, called_now, pe, None if z["recoveries_pending"] else rp, detect and all_pay)
        if self.event_idx:
            trigger_tests.event_triggers(self, state, k, phase, pay, live)
        if self.structure.cleanup is not None:
            state.called |= called_now
            state.any_called = state.any_called or bool(called_now.any())
        stages.check(self, state, t, L)
        stages.record(self, state, k, phase, pay, called_now)
        state.t = t
        purchased = buf["purchased"][k].copy() if "purchased" in buf else np.zeros(self.n)
        return StepOutput(purchased=purchased, called=called_now.copy(), payment_date=pay, phase=phase)

    def _pay(self, ctx: Ctx, phase: npt.NDArray[np.int8], live: BoolArray, all_live: bool) -> None:
        """Stage 4b: each phase's waterfall for its scenarios (revolving purchases every month,
        everything else on payment dates). Steps that every present phase starts with, or ends
        with, run once for all of them: scenarios are independent, so each still sees its own
        phase's steps in order."""
        detect = self._detect
        any_done = not all_live and not bool(live.all())
        pay, payf, all_pay = ctx.pay, ctx.payf, ctx.all_pay
        counts = np.bincount(phase[live] if any_done else phase, minlength=5)
        phases = tuple(p for p in range(5) if counts[p] and p in self.programs)
        if len(phases) == 1 and not any_done:
            self._run_program(ctx, self.programs[phases[0]], None, None if all_pay else payf, all_pay or bool(pay.any()))
            return
        if not phases:
            return
        # every scenario is in one of the phases run: their masks' union is everyone
        every = detect and not any_done and sum(int(counts[p]) for p in phases) == self.n
        masks = [phase == p if detect and not any_done else live & (phase == p) for p in phases]
        head, tail = self._shared(phases)
        union: BoolArray | None = None
        up: FloatArray | None = None if all_pay else payf
        run_shared = all_pay or bool(pay.any())
        if (head or tail) and not every:
            union = masks[0].copy()
            for mb in masks[1:]:
                union |= mb
            up_b = union & pay
            run_shared = bool(up_b.any())
            up = up_b.astype(np.float64)
        first = self.programs[phases[0]]
        if head and run_shared:
            self._run_program(ctx, first[:head], union, up, True)
        for p, mb in zip(phases, masks, strict=True):
            prog = self.programs[p]
            mp = mb if all_pay and detect else mb & pay
            self._run_program(ctx, prog[head : len(prog) - tail], mb, mp.astype(np.float64), (all_pay and detect) or bool(mp.any()))
        if tail and run_shared:
            self._run_program(ctx, first[len(first) - tail :], union, up, True)

    @staticmethod
    def _run_program(
        ctx: Ctx, program: list[Compiled], m: BoolArray | None, mpf: FloatArray | None, any_pay: bool
    ) -> None:
        """Run steps for the scenarios in ``m`` (None: all); ``mpf``: those with a payment date."""
        for c in program:
            if c.monthly:
                c.run(ctx, c, None if m is None else m.astype(np.float64))
            elif any_pay:
                c.run(ctx, c, mpf)

    def _shared(self, phases: tuple[int, ...]) -> tuple[int, int]:
        """Numbers of leading and of trailing payment-date steps that the phases' waterfalls have
        in common (the same step, pots and ledger rows)."""
        if len(phases) < 2:
            return 0, 0
        if phases not in self._prefix:
            progs = [self.programs[p] for p in phases]

            def common(columns: Any) -> int:
                n = 0
                for column in columns:
                    first = column[0]
                    if first.monthly or any(
                        c.step != first.step or c.pots != first.pots or c.rows != first.rows for c in column[1:]
                    ):
                        break
                    n += 1
                return n

            head = common(zip(*progs, strict=False))
            tail = common(zip(*(reversed(p[head:]) for p in progs), strict=False))
            self._prefix[phases] = (head, tail)
        return self._prefix[phases]

    def finish(self, state: EngineState) -> LiabilityResult:
        """The result of the periods run so far (normally all T)."""
        return LiabilityResult.from_buffers(self, state.buf, state.t)

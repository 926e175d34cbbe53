"""The period-by-period liability engine, vectorised across scenarios.

All state is numpy arrays over the scenario axis; the Python loop runs over periods (the caller's)
and steps only. Scenarios in different phases are handled by masks. Every period the engine checks
conservation and raises :class:`~tranches.errors.ConservationError` on a violation.

Order of events in period t (per scenario):

1. collections of the month go to the collection account (interest → interest pot; principal and
   recoveries → principal pot); the PDL is debited with new defaults;
2. note interest and fees accrue (interest on the period's beginning balance);
3. metric triggers are tested; phase and payment date are decided; a clean-up call is exercised
   (its proceeds go to the principal pot);
4. on a payment date the phase's waterfall runs; in other months only BuyReceivables runs
   (revolving) and collections are carried;
5. unpaid note interest becomes a shortfall; losses are written down junior first;
6. event triggers are tested (they act from the next period); conservation is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tranches.errors import ConservationError, must
from tranches.fees import Tax
from tranches.ledger import RESERVE, LedgerLayout
from tranches.normalise import scenario_vector, schedule_array
from tranches.results import LiabilityResult
from tranches.schedule import accrual_fractions, period_dates
from tranches.steps import (
    BuyReceivables,
    CoverPDL,
    DrawReserve,
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

INTEREST, PRINCIPAL = 0, 1
REVOLVING, AMORTISING, ACCELERATED, DEFAULT, CLEANUP = range(5)
CONSERVATION_TOL = 1e-6
"""Absolute tolerance of the conservation check (plus 1e-12 × the period's available funds)."""
NEGATIVE_TOL = 1e-6
BIG = 1e300
_INPUT_NAMES = (
    "interest_collected",
    "principal_collected",
    "recoveries",
    "new_defaults",
    "pool_balance_begin",
    "pool_balance_end",
    "delinquent_balance",
    "purchase_capacity",
)


@dataclass(frozen=True, slots=True)
class PeriodInputs:
    """What the collateral side hands the engine for one monthly period; each (N,) or a scalar.

    ``principal_collected`` is scheduled plus prepaid principal. ``purchase_capacity`` is the par
    amount of eligible receivables available to buy this period (may be ``inf``).
    """

    interest_collected: npt.ArrayLike
    principal_collected: npt.ArrayLike
    pool_balance_begin: npt.ArrayLike
    pool_balance_end: npt.ArrayLike
    recoveries: npt.ArrayLike = 0.0
    new_defaults: npt.ArrayLike = 0.0
    delinquent_balance: npt.ArrayLike = 0.0
    purchase_capacity: npt.ArrayLike = np.inf


@dataclass(frozen=True, slots=True)
class StepOutput:
    """What one period returns to the caller.

    ``purchased``: par amount of receivables bought (add them to the pool); ``called``: the
    clean-up call was exercised this period (stop feeding collections); ``payment_date``: notes
    were paid this period; ``phase``: phase code per scenario (index into ``PHASES``).
    """

    purchased: FloatArray
    called: BoolArray
    payment_date: BoolArray
    phase: npt.NDArray[np.int8]


class EngineState:
    """Mutable per-scenario state of one run (arrays over scenarios). Made by :meth:`Engine.start`."""

    __slots__ = (
        "accrued",
        "bal",
        "buf",
        "called",
        "cash",
        "cum_defaults",
        "cum_purchased",
        "fee_due",
        "fee_paid",
        "int_due",
        "int_paid",
        "months_since_pay",
        "pdl",
        "reserve",
        "reserve_target",
        "rev_ended",
        "shortfall",
        "t",
        "trig_state",
        "unable_count",
    )

    def __init__(self, engine: Engine) -> None:
        n, k, f, g = engine.n, len(engine.tranches), len(engine.expenses), len(engine.triggers)
        s = engine.structure
        self.t = 0
        self.bal = np.repeat(engine.note0[:, None], n, axis=1)
        self.accrued = np.zeros((k, n))
        self.shortfall = np.zeros((k, n))
        self.fee_due = np.zeros((f, n))
        self.fee_paid = np.zeros((f, n))  # paid on the current payment date (cap), scratch
        self.int_due = np.zeros((k, n))  # scratch of the current period
        self.int_paid = np.zeros((k, n))
        self.cash = np.zeros((2, n))
        self.reserve = np.full(n, s.reserve.initial if s.reserve is not None else 0.0)
        self.reserve_target = np.zeros(n)
        self.pdl = np.zeros(n)
        self.cum_defaults = np.zeros(n)
        self.cum_purchased = np.zeros(n)
        self.called = np.zeros(n, dtype=bool)
        self.rev_ended = np.zeros(n, dtype=bool)
        self.months_since_pay = np.zeros(n, dtype=np.int64)
        self.trig_state = np.zeros((g, n), dtype=bool)
        self.unable_count = np.zeros(n)
        self.buf = engine.allocate()


@dataclass(frozen=True, slots=True)
class _Compiled:
    step: Step
    run: Callable[..., None]
    pots: tuple[int, ...]
    rows: tuple[int, ...]
    idx: tuple[int, ...]

    @property
    def monthly(self) -> bool:
        """Runs every month of its phase (revolving purchases), not only on payment dates."""
        return isinstance(self.step, BuyReceivables)


class Engine:
    """Runs a :class:`~tranches.structure.Structure` period by period for ``n_scenarios`` at once.

    ``period_end_dates``: (T,) ``datetime64[D]`` end dates of the monthly collection periods;
    ``start_date``: the cut-off (default one month before the first end date);
    ``initial_pool_balance``: scalar or (N,).
    """

    def __init__(
        self,
        structure: Structure,
        *,
        n_scenarios: int,
        period_end_dates: npt.ArrayLike,
        initial_pool_balance: npt.ArrayLike,
        start_date: npt.ArrayLike | None = None,
    ) -> None:
        if not isinstance(structure, Structure):
            raise must("structure", "must be a tranches.Structure", structure)
        if not isinstance(n_scenarios, int) or n_scenarios < 1:
            raise must("n_scenarios", "must be an integer >= 1", n_scenarios)
        self.structure = structure
        self.n = n_scenarios
        self.dates = period_dates(period_end_dates, start_date=start_date)
        self.T = int(self.dates.size - 1)
        self.pool0 = scenario_vector("initial_pool_balance", initial_pool_balance, self.n)
        self.tranches = structure.tranches
        self.expenses = structure.fees
        self.triggers = structure.triggers
        self.note0 = np.array([t.balance for t in self.tranches], dtype=np.float64)
        T = self.T
        fracs = {
            dc: accrual_fractions(self.dates[1:], day_count=dc, start_date=self.dates[0])
            for dc in ("30/360", "ACT/365F")
        }
        self.accrual = fracs
        # coupon × accrual per tranche and period, (K, T)
        self.coupon_frac = np.stack([schedule_array(t.coupons, T) * fracs[t.day_count] for t in self.tranches])
        self.ios = np.array([float(t.interest_on_shortfall) for t in self.tranches])[:, None]
        self.senior_idx = np.array(
            [i for i, t in enumerate(self.tranches) if t.tranche_class == "senior"], dtype=np.int64
        )
        self.expense_index = {f.name: j for j, f in enumerate(self.expenses)}
        self.thresholds = (
            np.stack([schedule_array(g.thresholds, T) for g in self.triggers]) if self.triggers else np.zeros((0, T))
        )
        self.effect_index: dict[str, list[int]] = {}
        for j, g in enumerate(self.triggers):
            self.effect_index.setdefault(g.effect, []).append(j)
        self.metric_idx = [j for j, g in enumerate(self.triggers) if not g.is_event]
        self.event_idx = [j for j, g in enumerate(self.triggers) if g.is_event]
        every = structure.payment_every
        self.every = np.array([every.get(p, 1) for p in PHASES], dtype=np.int64)
        self.monthly = bool((self.every == 1).all())
        self.any_ios = bool(self.ios.any())
        self.any_cap = any(e.cap is not None for e in self.expenses)
        self.layout = LedgerLayout()
        lay = self.layout
        self.row_ci = lay.row("pool", "collect_interest", "interest_account")
        self.row_cp = lay.row("pool", "collect_principal", "principal_account")
        self.row_cr = lay.row("pool", "collect_recoveries", "principal_account")
        self.row_call = lay.row("cleanup_call", "cleanup_proceeds", "principal_account")
        self.programs: dict[int, list[_Compiled]] = {
            PHASES.index(p): [self._compile(s) for s in wf.steps] for p, wf in structure.waterfalls.items()
        }
        self.signs = lay.signs()
        self._prefix: dict[tuple[int, ...], int] = {}

    # ------------------------------------------------------------------ compile
    def _pots(self, source: str, interest_type: bool) -> tuple[int, ...]:
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

    def _compile(self, step: Step) -> _Compiled:
        lay = self.layout
        tnames = [t.name for t in self.tranches]
        if isinstance(step, DrawReserve):
            to = INTEREST if step.to == "interest" else PRINCIPAL
            row = lay.row(RESERVE, step.label, ("interest_account", "principal_account")[to])
            return _Compiled(step, self._run_draw_reserve, (to,), (row,), ())
        if isinstance(step, PayTax | PayFee):
            name = step.tax if isinstance(step, PayTax) else step.fee
            pots = self._pots(step.source, True)
            kind = "tax" if isinstance(step, PayTax) else "fee"
            row = lay.row(self._src(pots), step.label, f"{kind}:{name}")
            return _Compiled(step, self._run_fee, pots, (row,), (self.expense_index[name],))
        if isinstance(step, PayInterest):
            pots = self._pots(step.source, True)
            idx = tuple(tnames.index(n) for n in step.tranches)
            rows = tuple(lay.row(self._src(pots), step.label, f"{n}:interest") for n in step.tranches)
            return _Compiled(step, self._run_interest, pots, rows, idx)
        if isinstance(step, PayPrincipal):
            pots = self._pots(step.source, False)
            idx = tuple(tnames.index(n) for n in step.tranches)
            rows = tuple(lay.row(self._src(pots), step.label, f"{n}:principal") for n in step.tranches)
            return _Compiled(step, self._run_principal, pots, rows, idx)
        if isinstance(step, FundReserve):
            pots = self._pots(step.source, True)
            row = lay.row(self._src(pots), step.label, RESERVE)
            return _Compiled(step, self._run_fund_reserve, pots, (row,), ())
        if isinstance(step, CoverPDL):
            pots = self._pots(step.source, True)
            dst = "collection_account" if self.structure.collection_account == "combined" else ("principal_account")
            row = lay.row(self._src(pots), step.label, dst)
            return _Compiled(step, self._run_cover_pdl, pots, (row,), ())
        if isinstance(step, BuyReceivables):
            pots = self._pots(step.source, False)
            row = lay.row(self._src(pots), step.label, "receivables_purchase")
            return _Compiled(step, self._run_buy, pots, (row,), ())
        if isinstance(step, PayResidual):
            pots = self._pots(step.source, True)
            row = lay.row(self._src(pots), step.label, f"{tnames[-1]}:residual")
            return _Compiled(step, self._run_residual, pots, (row,), (len(tnames) - 1,))
        raise must("step", "unknown step type", step)  # pragma: no cover - Waterfall validates

    # ------------------------------------------------------------------ buffers
    def allocate(self) -> dict[str, Any]:
        """Preallocated result buffers, laid out (T, ..., N) so each period writes contiguous rows.

        Cash movements are stored once, in the ledger (T, rows, N); per-tranche and per-fee paid
        amounts are sums of ledger rows, built by the result. Derivable quantities (beginning
        balances, unpaid fees, reserve at the start) are not stored.
        """
        T, n, k = self.T, self.n, len(self.tranches)
        f, g = len(self.expenses), len(self.triggers)
        z = np.zeros
        buf: dict[str, Any] = {
            "ledger": z((T, len(self.layout.rows), n)),
            "shortfall": z((T, k, n)),
            "writedown": z((T, k, n)),
            "bal_end": z((T, k, n)),
            "fee_accrued": z((T, f, n)),
            "available": z((T, n)),
            "pdl_debit": z((T, n)),
            "pdl_end": z((T, n)),
            "cash_int": z((T, n)),
            "cash_prin": z((T, n)),
            "phase": z((T, n), dtype=np.int8),
            "pay": z((T, n), dtype=bool),
            "trig_value": z((T, g, n)),
            "trig_breached": z((T, g, n), dtype=bool),
        }
        if self.structure.reserve is not None:
            buf["res_end"] = z((T, n))
            buf["res_target"] = z((T, n))
        if REVOLVING in self.programs:
            buf["purchased"] = z((T, n))
            buf["unreinvested"] = z((T, n))
        if self.structure.cleanup is not None:
            buf["called"] = z((T, n), dtype=bool)
        return buf

    # ------------------------------------------------------------------ public
    def start(self) -> EngineState:
        """A fresh state at the cut-off (period 0)."""
        return EngineState(self)

    def _inputs(self, inputs: PeriodInputs) -> tuple[FloatArray, ...]:
        n = self.n
        out = []
        for name in _INPUT_NAMES:
            arr = np.asarray(getattr(inputs, name), dtype=np.float64)
            if arr.ndim == 0:
                arr = np.full(n, float(arr))
            elif arr.shape != (n,):
                raise must(name, f"must be a scalar or shape ({n},)", arr.shape)
            # one reduction each: NaN fails `>= 0`; inf makes the sum non-finite
            ok = arr.min() >= 0.0 and (name == "purchase_capacity" or np.isfinite(arr.sum()))
            if not ok:
                scenario_vector(name, arr, n, allow_inf=name == "purchase_capacity")
            out.append(arr)
        return tuple(out)

    def step(self, state: EngineState, t: int, inputs: PeriodInputs) -> StepOutput:
        """Run period ``t`` (1-based, consecutive) for all scenarios; returns purchases and calls."""
        if t != state.t + 1 or t > self.T:
            raise must("t", f"must be the next period {state.t + 1} (of {self.T})", t)
        n, k = self.n, t - 1
        ic, pc, rec, nd, pb, pe, dq, cap = self._inputs(inputs)
        live = ~state.called
        any_done = not bool(live.all())
        livef = live.astype(np.float64) if any_done else None
        if livef is not None:
            ic, pc, rec, nd, pe, dq = (x * livef for x in (ic, pc, rec, nd, pe, dq))
        buf = state.buf
        L = buf["ledger"][k]
        cash = state.cash
        cash_begin = cash[0] + cash[1]
        res_begin = state.reserve.copy()
        bal = state.bal
        state.int_paid[...] = 0.0
        if self.any_cap:
            state.fee_paid[...] = 0.0

        # 1. collections, PDL debit
        L[self.row_ci] = ic
        L[self.row_cp] = pc
        L[self.row_cr] = rec
        cash[INTEREST] += ic
        cash[PRINCIPAL] += pc
        cash[PRINCIPAL] += rec
        state.pdl += nd
        buf["pdl_debit"][k] = nd
        state.cum_defaults += nd

        # 2. accruals
        notes_begin = _rowsum(bal)
        cf = self.coupon_frac[:, k : k + 1]
        note_accr = bal * cf
        if self.any_ios:
            note_accr += (state.shortfall * cf) * self.ios
        state.accrued += note_accr
        fee_accr = buf["fee_accrued"][k]
        for j, e in enumerate(self.expenses):
            if isinstance(e, Tax):
                np.multiply(ic, e.rate, out=fee_accr[j])
            elif e.basis == "fixed":
                fee_accr[j] = e.amount * self.accrual[e.day_count][k]
            else:
                base = pb if e.basis == "pool_balance" else notes_begin
                np.multiply(base, e.rate * self.accrual[e.day_count][k], out=fee_accr[j])
        if livef is not None and self.expenses:
            fee_accr *= livef
        state.fee_due += fee_accr

        # 3. metric triggers, effects, clean-up, phase, payment date
        if self.metric_idx:
            self._test_metric_triggers(state, k, ic, pb, pe, dq, note_accr, fee_accr)
        eff = self._effects(state)
        accel, dflt = eff.get("accelerate"), eff.get("default")
        ended = eff.get("end_revolving")
        for flag in (ended, accel, dflt):
            if flag is not None:
                state.rev_ended |= flag
        phase = np.full(n, AMORTISING, dtype=np.int8)
        if t <= self.structure.revolving_periods:
            phase -= (~state.rev_ended).view(np.int8)  # REVOLVING = AMORTISING - 1
        if accel is not None:
            np.putmask(phase, accel, ACCELERATED)
        if dflt is not None:
            np.putmask(phase, dflt, DEFAULT)
        called_now = np.zeros(n, dtype=bool)
        cl = self.structure.cleanup
        if cl is not None:
            called_now = live & (pe <= cl.threshold * self.pool0)
            if called_now.any():
                proceeds = pe * cl.price * called_now
                L[self.row_call] = proceeds
                cash[PRINCIPAL] += proceeds
                if CLEANUP in self.programs:
                    np.putmask(phase, called_now, CLEANUP)
        if t == self.T:
            pay = live.copy()
        elif self.monthly:
            pay = live | called_now
        else:
            pay = live & ((state.months_since_pay + 1 >= self.every[phase]) | called_now)
        state.months_since_pay += 1
        state.months_since_pay *= ~pay
        payf = pay.astype(np.float64)
        all_pay = bool(pay.all())
        buf["available"][k] = cash_begin + ic + pc + rec + state.reserve * payf
        if cl is not None:
            buf["available"][k] += L[self.row_call]

        # reserve target on payment dates
        rs = self.structure.reserve
        if rs is not None:
            if rs.basis == "fixed":
                tgt = np.full(n, max(rs.amount, rs.floor))
            else:
                tgt = rs.rate * (notes_begin if rs.basis == "note_balance" else pe)
                np.maximum(tgt, rs.floor, out=tgt)
            if not rs.step_down:
                np.maximum(tgt, state.reserve_target, out=tgt)
            if all_pay:
                state.reserve_target = tgt
            else:
                state.reserve_target = tgt * payf + state.reserve_target * (1.0 - payf)
            if t == self.T:
                target_now = np.zeros(n)
            else:
                target_now = np.minimum(state.reserve_target, notes_begin)
                if cl is not None:
                    target_now *= ~called_now
            buf["res_target"][k] = target_now
        else:
            target_now = np.zeros(n)

        # 4. waterfalls
        int_due = state.int_due
        np.add(state.accrued, state.shortfall, out=int_due)
        if not all_pay:
            int_due *= payf
        ctx = _Ctx(state, buf, k, L, pay, payf, all_pay, pe, cap, target_now, eff.get("sequential"), self)
        counts = np.bincount(phase[live] if any_done else phase, minlength=5)
        phases = tuple(p for p in range(5) if counts[p] and p in self.programs)
        if len(phases) == 1 and not any_done:
            self._run_program(
                ctx, self.programs[phases[0]], None, None if all_pay else payf, all_pay or bool(pay.any())
            )
        else:
            masks = [live & (phase == p) for p in phases]
            shared = self._shared_prefix(phases)
            if shared:  # steps every present phase starts with: run once for all of them
                union = masks[0].copy()
                for mb in masks[1:]:
                    union |= mb
                up = union & pay
                if up.any():
                    self._run_program(ctx, self.programs[phases[0]][:shared], union, up.astype(np.float64), True)
            for p, mb in zip(phases, masks, strict=True):
                mp = mb & pay
                self._run_program(ctx, self.programs[p][shared:], mb, mp.astype(np.float64), bool(mp.any()))

        # 5. shortfalls, writedowns
        int_paid = state.int_paid
        new_sf = np.maximum(int_due - int_paid, 0.0)
        if all_pay:
            state.shortfall = new_sf
            state.accrued[...] = 0.0
        else:
            keep = 1.0 - payf
            state.shortfall = new_sf * payf + state.shortfall * keep
            state.accrued *= keep
        wd_when = pay if self.structure.writedown == "period" else live & (t == self.T)
        if cl is not None:
            wd_when = wd_when | called_now
        if wd_when.any():
            cover = pe + cash[PRINCIPAL]
            if self.structure.collection_account == "combined":
                cover += cash[INTEREST]
            notes = _rowsum(bal)
            excess = np.maximum(notes - cover, 0.0) * wd_when
            if cl is not None and called_now.any():
                excess = np.where(called_now, notes, excess)
            wd = buf["writedown"][k]
            for j in range(len(self.tranches) - 1, -1, -1):
                if not excess.max() > 0.0:  # nothing (left) to write down
                    break
                x = np.minimum(bal[j], excess)
                wd[j] = x
                bal[j] -= x
                excess -= x

        # 6. event triggers
        if self.event_idx:
            self._test_event_triggers(state, k, phase, pay, live)
        state.called |= called_now
        self._check(state, t, L, cash_begin, res_begin, buf["available"][k])
        self._record(state, k, phase, pay, called_now)
        state.t = t
        purchased = buf["purchased"][k] if "purchased" in buf else np.zeros(n)
        return StepOutput(purchased=purchased, called=called_now, payment_date=pay, phase=phase)

    @staticmethod
    def _run_program(
        ctx: _Ctx, program: list[_Compiled], m: BoolArray | None, mpf: FloatArray | None, any_pay: bool
    ) -> None:
        """Run steps for the scenarios in ``m`` (None: all); ``mpf``: those with a payment date."""
        for c in program:
            if c.monthly:
                c.run(ctx, c, None if m is None else m.astype(np.float64))
            elif any_pay:
                c.run(ctx, c, mpf)

    def _shared_prefix(self, phases: tuple[int, ...]) -> int:
        """Number of leading payment-date steps that the phases' waterfalls have in common."""
        if len(phases) < 2:
            return 0
        if phases not in self._prefix:
            progs = [self.programs[p] for p in phases]
            n = 0
            for column in zip(*progs, strict=False):
                first = column[0]
                if first.monthly or any(
                    c.step != first.step or c.pots != first.pots or c.rows != first.rows for c in column[1:]
                ):
                    break
                n += 1
            self._prefix[phases] = n
        return self._prefix[phases]

    def finish(self, state: EngineState) -> LiabilityResult:
        """The result of the periods run so far (normally all T)."""
        return LiabilityResult.from_buffers(self, state.buf, state.t)

    def purchase_prices(self) -> tuple[float, ...]:
        """Prices of the BuyReceivables steps (for reporting)."""
        return tuple(
            c.step.price for prog in self.programs.values() for c in prog if isinstance(c.step, BuyReceivables)
        )

    # ------------------------------------------------------------------ triggers
    def _effects(self, state: EngineState) -> dict[str, BoolArray]:
        """Effect → scenarios where a trigger with that effect is in force (only effects in use)."""
        out: dict[str, BoolArray] = {}
        for eff, idx in self.effect_index.items():
            arr = state.trig_state[idx[0]].copy()
            for j in idx[1:]:
                arr |= state.trig_state[j]
            if arr.any():
                out[eff] = arr
        return out

    def _judge(self, state: EngineState, k: int, j: int, value: FloatArray, live: BoolArray) -> None:
        g = self.triggers[j]
        thr = self.thresholds[j, k]
        if g.breach_when == "above":
            breached = value > thr
        elif g.breach_when == "below":
            breached = value < thr
        else:
            breached = value >= thr
        breached &= live
        buf = state.buf
        buf["trig_value"][k, j] = value
        buf["trig_breached"][k, j] = breached
        if g.curable:
            state.trig_state[j] = np.where(live, breached, state.trig_state[j])
        else:
            state.trig_state[j] |= breached

    def _test_metric_triggers(
        self,
        state: EngineState,
        k: int,
        ic: FloatArray,
        pb: FloatArray,
        pe: FloatArray,
        dq: FloatArray,
        note_accr: FloatArray,
        fee_accr: FloatArray,
    ) -> None:
        live = ~state.called
        for j in self.metric_idx:
            metric = self.triggers[j].metric
            if metric == "cumulative_default_rate":
                value = state.cum_defaults / (self.pool0 + state.cum_purchased)
            elif metric == "delinquency_ratio":
                value = _safe_div(dq, pe)
            else:  # excess_spread
                spread = ic - _rowsum(note_accr)
                if len(fee_accr):
                    spread -= _rowsum(fee_accr)
                value = 12.0 * _safe_div(spread, pb)
            self._judge(state, k, j, value, live)

    def _test_event_triggers(
        self, state: EngineState, k: int, phase: npt.NDArray[np.int8], pay: BoolArray, live: BoolArray
    ) -> None:
        for j in self.event_idx:
            g = self.triggers[j]
            if g.metric == "missed_senior_interest":
                if self.senior_idx.size == 0:
                    value = np.zeros(self.n)
                else:
                    sf = state.int_due[self.senior_idx] - state.int_paid[self.senior_idx]
                    value = _rowsum(np.maximum(sf, 0.0)) * pay
                    value *= value > g.tolerance
                self._judge(state, k, j, value, live & pay)  # tested on payment dates only
                continue
            else:  # unable_to_revolve
                rev = phase == REVOLVING
                stuck = rev & (state.cash[PRINCIPAL] > g.tolerance)
                state.unable_count = (state.unable_count + 1.0) * stuck
                value = state.unable_count.copy()
            self._judge(state, k, j, value, live)

    # ------------------------------------------------------------------ checks, records
    def _check(
        self,
        state: EngineState,
        t: int,
        L: FloatArray,
        cash_begin: FloatArray,
        res_begin: FloatArray,
        available: FloatArray,
    ) -> None:
        net = self.signs @ L
        cash_end = state.cash[0] + state.cash[1]
        tol = CONSERVATION_TOL + 1e-12 * np.abs(available)
        gap = np.abs(cash_end - cash_begin - net[0])
        gap_res = np.abs(state.reserve - res_begin - net[1])
        bad = (gap > tol) | (gap_res > tol)
        if bad.any():
            i = int(np.argmax(bad))
            raise ConservationError(
                f"period {t}, scenario {i}: available funds do not equal payments + account "
                f"deposits − account draws + cash carried (collection account off by "
                f"{float(cash_end[i] - cash_begin[i] - net[0, i]):.9g}, reserve off by "
                f"{float(state.reserve[i] - res_begin[i] - net[1, i]):.9g})"
            )
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

    def _record(
        self, state: EngineState, k: int, phase: npt.NDArray[np.int8], pay: BoolArray, called_now: BoolArray
    ) -> None:
        buf = state.buf
        buf["shortfall"][k] = state.shortfall
        buf["bal_end"][k] = state.bal
        buf["pdl_end"][k] = state.pdl
        buf["cash_int"][k] = state.cash[INTEREST]
        buf["cash_prin"][k] = state.cash[PRINCIPAL]
        if "unreinvested" in buf:
            np.multiply(state.cash[PRINCIPAL], phase == REVOLVING, out=buf["unreinvested"][k])
        if "res_end" in buf:
            buf["res_end"][k] = state.reserve
        if "called" in buf:
            buf["called"][k] = called_now
        buf["phase"][k] = phase
        buf["pay"][k] = pay

    # ------------------------------------------------------------------ steps
    # Each step gets ``mf``: the scenarios it acts on as a float mask (1.0 / 0.0), or None for all.
    @staticmethod
    def _draw(cash: FloatArray, pots: tuple[int, ...], want: FloatArray) -> FloatArray:
        """Take up to ``want`` from the pots in order; defined as ``min(want, Σ cash[pots])``."""
        p0 = pots[0]
        got = np.minimum(want, cash[p0])
        cash[p0] -= got
        for p in pots[1:]:
            g = np.minimum(want - got, cash[p])
            cash[p] -= g
            got += g
        return got

    @staticmethod
    def _run_draw_reserve(ctx: _Ctx, c: _Compiled, mf: FloatArray | None) -> None:
        st = ctx.state
        x = st.reserve.copy() if mf is None else st.reserve * mf
        st.reserve -= x
        st.cash[c.pots[0]] += x
        ctx.L[c.rows[0]] += x

    @staticmethod
    def _run_fee(ctx: _Ctx, c: _Compiled, mf: FloatArray | None) -> None:
        st, j = ctx.state, c.idx[0]
        paid = st.fee_paid
        want = st.fee_due[j]
        step = c.step
        e = ctx.engine.expenses[j]
        capped = not isinstance(step, PayFee) or step.capped
        if capped and e.cap is not None:
            want = np.minimum(want, np.maximum(e.cap - paid[j], 0.0))
        x = Engine._draw(st.cash, c.pots, _on(want, mf))
        st.fee_due[j] -= x
        if e.cap is not None:
            paid[j] += x
        ctx.L[c.rows[0]] += x

    @staticmethod
    def _run_interest(ctx: _Ctx, c: _Compiled, mf: FloatArray | None) -> None:
        st = ctx.state
        due = st.int_due
        paid = st.int_paid
        step = c.step
        if isinstance(step, PayInterest) and step.mode == "pro_rata" and len(c.idx) > 1:
            owed = [np.maximum(due[i] - paid[i], 0.0) for i in c.idx]
            total = _on(_listsum(owed), mf)
            x = Engine._draw(st.cash, c.pots, total)
            share = _safe_div(x, total)
            for r, i, o in zip(c.rows, c.idx, owed, strict=True):
                y = o * share
                paid[i] += y
                ctx.L[r] += y
            return
        for r, i in zip(c.rows, c.idx, strict=True):
            x = Engine._draw(st.cash, c.pots, _on(due[i] - paid[i], mf))  # paid <= due
            paid[i] += x
            ctx.L[r] += x

    @staticmethod
    def _run_principal(ctx: _Ctx, c: _Compiled, mf: FloatArray | None) -> None:
        st = ctx.state
        step = c.step
        if not isinstance(step, PayPrincipal):  # pragma: no cover - compiled by type
            return
        idx = c.idx
        bal = st.bal
        group = _listsum([bal[i] for i in idx])
        limit = group
        if step.advance_rate is not None:
            first = min(idx)
            senior = _rowsum(bal[:first]) if first > 0 else 0.0
            limit = np.clip(group + senior - step.advance_rate * ctx.pool_end, 0.0, group)
        if step.mode == "pro_rata" and len(idx) > 1:
            seq = ctx.sequential
            pro = mf if seq is None else ((~seq).astype(np.float64) if mf is None else mf * ~seq)
            x = Engine._draw(st.cash, c.pots, _on(limit, pro))
            share = _safe_div(x, group)
            for r, i in zip(c.rows, idx, strict=True):
                y = bal[i] * share
                ctx.L[r] += y
                bal[i] -= y
                np.maximum(bal[i], 0.0, out=bal[i])
            if seq is None or not seq.any():
                return
            mf = seq.astype(np.float64) if mf is None else mf * seq
        left = _on(limit, mf)
        last = len(idx) - 1
        for pos, (r, i) in enumerate(zip(c.rows, idx, strict=True)):
            x = Engine._draw(st.cash, c.pots, np.minimum(bal[i], left))
            if pos < last:
                left = left - x
            ctx.L[r] += x
            bal[i] -= x

    @staticmethod
    def _run_fund_reserve(ctx: _Ctx, c: _Compiled, mf: FloatArray | None) -> None:
        st = ctx.state
        want = _on(np.maximum(ctx.reserve_target - st.reserve, 0.0), mf)
        x = Engine._draw(st.cash, c.pots, want)
        st.reserve += x
        ctx.L[c.rows[0]] += x

    @staticmethod
    def _run_cover_pdl(ctx: _Ctx, c: _Compiled, mf: FloatArray | None) -> None:
        st = ctx.state
        x = Engine._draw(st.cash, c.pots, _on(st.pdl, mf))
        st.pdl -= x
        st.cash[PRINCIPAL] += x
        ctx.L[c.rows[0]] += x

    @staticmethod
    def _run_buy(ctx: _Ctx, c: _Compiled, mf: FloatArray | None) -> None:
        st, buf, k = ctx.state, ctx.buf, ctx.k
        step = c.step
        price = step.price if isinstance(step, BuyReceivables) else 1.0
        cap_left = np.minimum(np.maximum(ctx.capacity - buf["purchased"][k], 0.0) * price, BIG)
        want = _on(cap_left, mf)
        if ctx.all_pay:
            x = Engine._draw(st.cash, c.pots, want)
        else:
            x = Engine._draw(st.cash, c.pots, want * ctx.payf)
            x += Engine._draw(st.cash, (PRINCIPAL,), want * (1.0 - ctx.payf))
        bought = x / price
        buf["purchased"][k] += bought
        st.cum_purchased += bought
        ctx.L[c.rows[0]] += x

    @staticmethod
    def _run_residual(ctx: _Ctx, c: _Compiled, mf: FloatArray | None) -> None:
        st = ctx.state
        avail = _listsum([st.cash[p] for p in c.pots])
        x = Engine._draw(st.cash, c.pots, _on(avail, mf))
        ctx.L[c.rows[0]] += x


class _Ctx:
    """Per-period context handed to the step functions."""

    __slots__ = (
        "L",
        "all_pay",
        "buf",
        "capacity",
        "engine",
        "k",
        "pay",
        "payf",
        "pool_end",
        "reserve_target",
        "sequential",
        "state",
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


def _on(x: FloatArray, mf: FloatArray | None) -> FloatArray:
    """``x`` where the mask is 1, 0 elsewhere (``x`` itself, not a copy, when ``mf`` is None)."""
    return x if mf is None else x * mf


def _listsum(xs: list[FloatArray]) -> FloatArray:
    """Element-wise sum of a non-empty list of (N,) arrays (a new array)."""
    out = xs[0].copy()
    for x in xs[1:]:
        out += x
    return out


def _rowsum(a: FloatArray) -> FloatArray:
    """Sum over the first axis of a (K, N) array (faster than ``a.sum(axis=0)`` for small K)."""
    return _listsum(list(a))


def _safe_div(a: FloatArray, b: FloatArray) -> FloatArray:
    """``a / b`` where ``b > 0``, else 0."""
    out = np.zeros(np.broadcast(a, b).shape)
    np.divide(a, b, out=out, where=b > 0)
    return out


def _periodic(path: str, value: npt.ArrayLike, n: int, T: int, *, allow_inf: bool = False) -> FloatArray:
    """Scalar, (T,) (same for every scenario) or (N, T) as an (N, T) array."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0 or arr.shape == (T,):
        arr = np.broadcast_to(arr, (n, T))
    elif arr.shape != (n, T):
        raise must(path, f"must be a scalar, shape ({T},) or ({n}, {T})", arr.shape)
    bad = np.isnan(arr) | (arr < 0.0) | (np.isinf(arr) if not allow_inf else False)
    if np.any(bad):
        i, j = np.argwhere(bad)[0]
        raise must(f"{path}[{i}, {j}]", "must be a finite amount >= 0", float(arr[i, j]))
    return arr


def run_liabilities(
    structure: Structure,
    *,
    period_end_dates: npt.ArrayLike,
    initial_pool_balance: npt.ArrayLike,
    interest_collected: npt.ArrayLike,
    principal_collected: npt.ArrayLike,
    pool_balance_end: npt.ArrayLike,
    recoveries: npt.ArrayLike = 0.0,
    new_defaults: npt.ArrayLike = 0.0,
    pool_balance_begin: npt.ArrayLike | None = None,
    delinquent_balance: npt.ArrayLike = 0.0,
    purchase_capacity: npt.ArrayLike = np.inf,
    n_scenarios: int | None = None,
    start_date: npt.ArrayLike | None = None,
) -> LiabilityResult:
    """Run a structure on given collection vectors (static deals, tests).

    Each collection argument is a scalar, a (T,) vector (every scenario) or an (N, T) array.
    ``pool_balance_begin`` defaults to the previous period's ``pool_balance_end`` (the initial pool
    balance for period 1). N is taken from the 2-D inputs or ``initial_pool_balance`` unless given.
    Purchases are reported, not added to the pool (the caller's pool vectors are used as given).
    """
    T = int(np.asarray(period_end_dates).size)
    if n_scenarios is None:
        shapes = [
            np.shape(x)
            for x in (
                interest_collected,
                principal_collected,
                pool_balance_end,
                recoveries,
                new_defaults,
                delinquent_balance,
                purchase_capacity,
                pool_balance_begin,
            )
            if x is not None
        ]
        ns = [s[0] for s in shapes if len(s) == 2] + [int(np.size(initial_pool_balance))]
        n_scenarios = max(ns)
    n = n_scenarios
    engine = Engine(
        structure,
        n_scenarios=n,
        period_end_dates=period_end_dates,
        initial_pool_balance=initial_pool_balance,
        start_date=start_date,
    )
    ic = _periodic("interest_collected", interest_collected, n, T)
    pc = _periodic("principal_collected", principal_collected, n, T)
    pe = _periodic("pool_balance_end", pool_balance_end, n, T)
    rc = _periodic("recoveries", recoveries, n, T)
    nd = _periodic("new_defaults", new_defaults, n, T)
    dq = _periodic("delinquent_balance", delinquent_balance, n, T)
    cp = _periodic("purchase_capacity", purchase_capacity, n, T, allow_inf=True)
    if pool_balance_begin is None:
        pb = np.concatenate([engine.pool0[:, None], pe[:, :-1]], axis=1)
    else:
        pb = _periodic("pool_balance_begin", pool_balance_begin, n, T)
    state = engine.start()
    for t in range(1, T + 1):
        c = t - 1
        engine.step(
            state,
            t,
            PeriodInputs(
                interest_collected=ic[:, c],
                principal_collected=pc[:, c],
                recoveries=rc[:, c],
                new_defaults=nd[:, c],
                pool_balance_begin=pb[:, c],
                pool_balance_end=pe[:, c],
                delinquent_balance=dq[:, c],
                purchase_capacity=cp[:, c],
            ),
        )
    return engine.finish(state)

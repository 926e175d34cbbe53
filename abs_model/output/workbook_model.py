"""The live ``Model`` of the workbook: the whole waterfall as Excel formulas on the pool's cash flows.

FAST layout: ``Inputs`` (every number the formulas use, in one coloured style; each scalar is a
defined name such as ``in_coupon_1``, each schedule a row by period) → ``Model`` (the pool inputs
by period as values, then one line item per row with one formula across the period columns) →
``Outputs`` (each tranche's, fee's and account's cash flows, referring to Model rows). Time runs
across: column D is the cut-off (period 0: opening states), E… are periods 1…T, the periods the
run covers (the deal's, extended to the last collection period before its legal final); column A
holds each row's key. Formulas type no numbers besides structural ones (0, 1, phase codes, 12 months).

Every line mirrors the liability engine (:mod:`tranches.engine`, :mod:`tranches.kernels`): the
mapping lives here, one method per step type of :class:`_Builder`, so a change of the engine's
accounting is one edit here. Period t, as in the engine: collections → accruals → metric
triggers → effects, phase, payment date, clean-up call, reserve target → reserve release → the
phase's steps (each active only in its phase and, but for revolving purchases, on payment dates)
→ shortfalls, writedowns (junior first) → event triggers. A step draws ``min(want, cash)`` from its pots in
order: one row per pot drawn and one per pot balance after, so every unit of cash can be traced.

Engine behaviours mirrored here (edit the named method when the engine's accounting changes;
the recalculation test then says whether they agree):

- pool columns (one named value row each; collections net of costs, restructuring rules),
  revolving purchases fed back through the eligibility mix, clean-up zeroing:
  :mod:`~abs_model.output.workbook_pool` (the mapping) and
  :mod:`~abs_model.output.workbook_model_pool` (the rows), with the servicer event's
  commingling loss and the serious-delinquency ratios;
- accruals (note interest on shortfall, fee bases, taxes on interest): :meth:`_Builder.accruals`;
  note interest accrues by each class's day count from closing to the first payment date, then
  between payment dates (the run's ``liabilities.accrual_dates``, as the runner passed the
  engine; values in the Timeline, :meth:`_Builder.timeline`), fees over the collection periods;
- trigger metrics, curable / non-curable states, event triggers acting next period:
  :meth:`_Builder.metric_triggers`, :meth:`_Builder.events`;
- phase, payment dates (from the phase before the call), clean-up call (price × pool balance,
  exercised only where it redeems the classes `redeems` names: :meth:`_Builder.call_covers`;
  tested only on payment dates after revolving has ended), reserve target (none in the last
  period or on the call), the reserve above its target released into the interest pot on payment
  dates before the waterfall (counted as a reserve draw, as the run reports it):
  :meth:`_Builder.phase`;
- one method per step type (``step_<snake name>``), as :mod:`tranches.kernels`
  (:mod:`~abs_model.output.workbook_model_steps`) and :mod:`tranches.liquidity` /
  :mod:`tranches.support` (:mod:`~abs_model.output.workbook_model_support`: liquidity reserve,
  period return, shortfall undertaking, default cover); a liquidity reserve is released ahead of
  the waterfall only where the deal ends;
- shortfalls, writedowns (each payment date or only at legal final; everything still owed on the
  call and in the last period, the legal final — ``ends_at_legal_final``), junior first:
  :meth:`_Builder.after`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from openpyxl.workbook.workbook import Workbook

import tranches as tr
from abs_model.output.labels import label
from abs_model.output.workbook_grid import (
    AMOUNT,
    BIG,
    FLAG,
    PHASE_CODES,
    POT_I,
    POT_P,
    RATE,
    Grid,
    Row,
    sum_of,
    write_grid,
)
from abs_model.output.workbook_model_base import dc_key, ndc_key, snake
from abs_model.output.workbook_model_pool import PoolRows
from abs_model.output.workbook_model_steps import StepRows
from abs_model.output.workbook_model_support import SUPPORT_STEPS, SupportRows, paid_var
from abs_model.output.workbook_pool import LiveModelError, pool_basis
from tranches.schedule import accrual_fractions

__all__ = ["LiveModelError", "build_live_model"]

class _Builder(StepRows, SupportRows, PoolRows):
    """Lays out one deal's Inputs, Model and Outputs rows (see module doc)."""

    # ------------------------------------------------------------------ build
    @property
    def support_labels(self) -> list[str]:
        """Labels of the supporters' steps (each one's payments counted over the life)."""
        labs = {st.label for wf in self.s.waterfalls.values() for st in wf.steps if isinstance(st, SUPPORT_STEPS)}
        return sorted(labs)

    @property
    def liquidity_managed(self) -> bool:
        """The reserve is a liquidity reserve drawn and released by the waterfall's own steps."""
        kinds = (tr.steps.DrawLiquidityReserve, tr.steps.FundLiquidityReserve)
        return any(isinstance(st, kinds) for wf in self.s.waterfalls.values() for st in wf.steps)

    def build(self) -> Grid:
        self.inputs()
        self.timeline()
        self.pool_values()
        self.collections()
        self.accruals()
        self.metric_triggers()
        self.phase()
        self.waterfalls()
        self.after()
        self.outputs()
        return self.m

    def inputs(self) -> None:
        s, r = self.s, self.r
        self.section("Inputs", "Pool and calendar")
        self.inp("pool0", "Initial pool balance", float(r.deal.pool.balance))
        self.inp("revolving_periods", "Revolving periods", float(s.revolving_periods), FLAG)
        for ph in tr.PHASES:
            self.inp(f"every_{ph}", f"Months between payment dates: {ph}", float(s.payment_every.get(ph, 1)), FLAG)
        if self.revolving:
            cap = self.basis.capacity
            self.inp("capacity", "Purchase capacity per period (par)", cap, "0.0E+00" if cap >= BIG else AMOUNT)
        self.section("Inputs", "Tranches (most senior first)")
        for k, t in enumerate(s.tranches):
            self.inp(f"balance_{k}", f"{t.name}: original balance", t.balance)
            self.inp(f"coupon_{k}", f"{t.name}: coupon (annual)", t.coupons, RATE)
            self.inp(f"ios_{k}", f"{t.name}: interest on shortfall (1 yes, 0 no)", float(t.interest_on_shortfall), FLAG)
        self.section("Inputs", "Fees and taxes")
        for j, e in enumerate(s.fees):
            if isinstance(e, tr.Tax):
                self.inp(f"fee_rate_{j}", f"{e.name}: tax rate on interest collected", e.rate, RATE)
            elif e.basis == "fixed":
                self.inp(f"fee_amount_{j}", f"{e.name}: amount per year", e.amount)
            else:
                self.inp(f"fee_rate_{j}", f"{e.name}: rate per year on the {e.basis}", e.rate, RATE)
            if e.cap is not None:
                self.inp(f"fee_cap_{j}", f"{e.name}: cap per payment date", e.cap)
        if s.reserve is not None:
            rs = s.reserve
            self.section("Inputs", "Reserve account")
            self.inp("res_initial", "Reserve: initial balance", rs.initial)
            if rs.basis == "fixed":
                self.inp("res_amount", "Reserve: target amount", rs.amount)
            else:
                self.inp("res_rate", f"Reserve: target rate of the {rs.basis}", rs.rate, RATE)
            self.inp("res_floor", "Reserve: floor", rs.floor)
        if s.triggers:
            self.section("Inputs", "Triggers (thresholds)")
        for j, g in enumerate(s.triggers):
            self.inp(f"thr_{j}", f"{g.name}: threshold (breached {g.breach_when})", g.thresholds, RATE if g.metric in _RATE_METRICS else AMOUNT)
            if g.is_event:
                self.inp(f"tol_{j}", f"{g.name}: tolerance", g.tolerance)
            if g.metric == "servicer_event":  # a scenario input: the period of the event, if any
                self.inp(f"event_{j}", f"{g.name}: event period (1E+300 none)", float(g.event_period) if g.event_period is not None else BIG, FLAG)
                self.inp(f"loss_{j}", f"{g.name}: commingling loss (share of the period's collections)", g.commingling_loss, RATE)
        if s.cleanup is not None:
            self.section("Inputs", "Clean-up call")
            self.inp("cleanup_threshold", "Clean-up call: pool factor threshold", s.cleanup.threshold, RATE)
            self.inp("cleanup_price", "Clean-up call: price (share of pool balance)", s.cleanup.price, RATE)
            if s.cleanup.redeems != "any":
                self.inp("cleanup_rtol", "Clean-up call: relative float tolerance of the cover test", tr.triggers.CALL_RTOL, RATE)

    def timeline(self) -> None:
        T = self.T
        dates = np.asarray(self.r.dates).astype("datetime64[D]")
        self.section("Model", "Timeline")
        self.vals("period", "Period", np.arange(T + 1, dtype=float), FLAG)
        self.vals("last", "Last period (1 yes)", (np.arange(T + 1) == T).astype(float), FLAG)
        self.vals("in_run", "Period of the run (1 yes; empty after the last)", (np.arange(T + 1) > 0).astype(float), FLAG)
        for dc in tr.schedule.DAY_COUNTS:
            fr = accrual_fractions(dates[1:], day_count=dc, start_date=dates[0])
            self.vals(dc_key(dc), f"Accrual fraction (fees, collection periods): {dc}", np.r_[np.nan, fr], "0.000000")
        nd = np.asarray(self.r.liabilities.accrual_dates).astype("datetime64[D]")  # as the run accrued
        for dc in sorted({t.day_count for t in self.s.tranches}):
            fr = accrual_fractions(nd[1:], day_count=dc, start_date=nd[0])
            self.vals(ndc_key(dc), f"Note accrual fraction (closing, then payment dates): {dc}", np.r_[np.nan, fr], "0.000000")
        self.row("rev_window", "Within the revolving period (1 yes)", "IF({period}<={$revolving_periods},1,0)", fmt=FLAG)

    def accruals(self) -> None:
        s = self.s
        self.section("Model", "Accruals")
        self.row("notes_begin", "Note balance at the start", sum_of([f"bal_end_{k}@p" for k in range(len(self.tn))]))
        for k, t in enumerate(s.tranches):
            cf = f"{{$coupon_{k}}}*{{{ndc_key(t.day_count)}}}"
            self.row(f"accr_{k}", f"{t.name}: interest accrued", f"({{bal_end_{k}@p}}+{{$ios_{k}}}*{{sf_{k}@p}})*{cf}")
            self.row(f"acc_{k}", f"{t.name}: interest accrued since the last payment date", f"{{acc_after_{k}@p}}+{{accr_{k}}}")
        for j, e in enumerate(s.fees):
            if isinstance(e, tr.Tax):
                x = f"{{$fee_rate_{j}}}*{{interest_collected}}"
            elif e.basis == "fixed":
                x = f"{{$fee_amount_{j}}}*{{{dc_key(e.day_count)}}}"
            else:
                base = "pool_balance_begin" if e.basis == "pool_balance" else "notes_begin"
                x = f"{{$fee_rate_{j}}}*{{{base}}}*{{{dc_key(e.day_count)}}}"
            self.row(f"fee_accr_{j}", f"{e.name}: accrued", f"{x}*{{live}}")
            self.cur[f"fee_due_{j}"] = self.row(f"fee_due0_{j}", f"{e.name}: due", f"{{fee_due_end_{j}@p}}+{{fee_accr_{j}}}")

    def metric_triggers(self) -> None:
        if not self.s.triggers:
            return
        self.section("Model", "Performance triggers (tested before the waterfall)")
        if self.revolving:
            self.row("cum_purchased_before", "Purchases before this period", "{cum_purchased@p}")
        for j, g in enumerate(self.s.triggers):
            if g.is_event:
                continue
            if g.metric in ("cumulative_default_rate", "cumulative_net_loss_rate"):
                den = "{$pool0}" + ("+{cum_purchased_before}" if self.revolving else "")
                v = f"{{cum_defaults}}/({den})"
                if g.metric == "cumulative_net_loss_rate":
                    if "cum_recoveries" not in self.m.where:
                        self.row("cum_recoveries", "Cumulative recoveries received", "{cum_recoveries@p}+{recoveries}", init=0.0)
                    v = f"({{cum_defaults}}-{{cum_recoveries}})/({den})"
            elif g.metric == "delinquency_ratio":
                v = "IF({pool_balance_end}>0,{delinquent_balance}/{pool_balance_end},0)"
            elif g.metric == "serious_delinquency":
                v = f"{{{self.serious_delinquency(j, *g.buckets, g.average_periods)}}}"
            elif g.metric == "servicer_event":
                v = f"IF({{period}}>={{$event_{j}}},1,0)"
            elif g.metric == "excess_spread":
                spread = "{interest_collected}-(" + sum_of([f"accr_{k}" for k in range(len(self.tn))])
                spread += ")-(" + sum_of([f"fee_accr_{i}" for i in range(len(self.s.fees))]) + ")"
                v = f"12*IF({{pool_balance_begin}}>0,({spread})/{{pool_balance_begin}},0)"
            else:  # pragma: no cover - checked in build_live_model
                raise LiveModelError(f"live model: trigger metric {g.metric!r} not expressible")
            self.row(f"trig_value_{j}", f"{g.name}: value", v, fmt=RATE)
            self.judge(j, g, "{live}")

    def judge(self, j: int, g: tr.Trigger, when: str) -> None:
        op = {"above": ">", "below": "<", "at_least": ">="}[str(g.breach_when)]
        self.row(f"trig_breach_{j}", f"{g.name}: breached (1 yes)", f"IF({{trig_value_{j}}}{op}{{$thr_{j}}},1,0)*{when}", fmt=FLAG)
        st = f"IF({when}=1,{{trig_breach_{j}}},{{trig_state_{j}@p}})" if g.curable else f"MAX({{trig_state_{j}@p}},{{trig_breach_{j}}})"
        self.row(f"trig_state_{j}", f"{g.name}: in force (1 yes)", st, fmt=FLAG, init=0.0)

    def call_covers(self, cl: tr.CleanupCall) -> str:
        """The clean-up call's condition (``redeems`` "rated" or "all",
        :func:`tranches.stages.cleanup`): proceeds + both pots after the period's collections
        (less a servicer event's commingling loss) + the reserve ≥ (1 − CALL_RTOL) × (expenses due +
        interest due and balance of every class it must redeem). Returns the flag row's key."""
        s = self.s
        cash = self.pool_sold + "*{$cleanup_price}"  # the whole pool sold, ineligible plans included
        cash += "+{pot_I_end@p}+{interest_collected}+{pot_P_end@p}+{principal_collected}+{recoveries}"
        for j, g in enumerate(s.triggers):
            if g.metric == "servicer_event" and g.commingling_loss > 0.0:
                cash += f"-{{$loss_{j}}}*({{interest_collected}}+{{principal_collected}}+{{recoveries}})*IF({{period}}={{$event_{j}}},1,0)"
        if s.reserve is not None:
            cash += "+{res_end@p}"
        self.row("call_cash", "Clean-up call: proceeds + cash in the collection account + reserve", cash)
        owed = [f"fee_due0_{j}" for j in range(len(s.fees))]
        for k, t in enumerate(s.tranches):
            if cl.must_redeem(t.tranche_class):
                owed += [f"acc_{k}", f"sf_{k}@p", f"bal_end_{k}@p"]
        text = "every class" if cl.redeems == "all" else "every class but the subordinated"
        self.row("call_owed", f"Clean-up call: expenses due + interest due and balance of {text}", sum_of(owed))
        flag = "IF({call_cash}>={call_owed}*(1-{$cleanup_rtol}),1,0)"
        return self.row("call_covers", "Clean-up call: proceeds with the cash cover them (1 yes)", flag, fmt=FLAG)

    def phase(self) -> None:
        s = self.s
        self.section("Model", "Effects, phase, clean-up call, payment date, reserve target")
        for eff in tr.triggers.EFFECTS:
            idx = [j for j, g in enumerate(s.triggers) if g.effect == eff]
            if not idx:
                continue
            parts = [f"{{trig_state_{j}@p}}" if s.triggers[j].is_event else f"{{trig_state_{j}}}" for j in idx]
            self.row(f"eff_{eff}", f"Effect in force: {eff}", f"MAX({','.join(parts)})", fmt=FLAG)
        ends = [f"{{eff_{e}}}" for e in ("end_revolving", "accelerate", "default") if f"eff_{e}" in self.m.where]
        self.row("rev_ended", "Revolving ended (1 yes)", f"MAX({{rev_ended@p}}{''.join(',' + x for x in ends)})", fmt=FLAG, init=0.0)
        ph = "IF(AND({rev_window}=1,{rev_ended}=0),0,1)"
        if "eff_accelerate" in self.m.where:
            ph = f"IF({{eff_accelerate}}=1,{PHASE_CODES['accelerated']},{ph})"
        if "eff_default" in self.m.where:
            ph = f"IF({{eff_default}}=1,{PHASE_CODES['default']},{ph})"
        self.row("phase_pre", "Phase before the clean-up call (0 revolving, 1 amortising, 2 accelerated, 3 default)", ph, fmt=FLAG)
        every = "CHOOSE({phase_pre}+1," + ",".join(f"{{$every_{p}}}" for p in tr.PHASES) + ")"
        self.row("pay", "Payment date (1 yes)", f"IF({{last}}=1,{{live}},{{live}}*IF({{msp@p}}+1>={every},1,0))", fmt=FLAG)
        self.row("msp", "Months since the last payment date", "IF({pay}=1,0,{msp@p}+1)", fmt=FLAG, init=0.0)
        ph = "{phase_pre}"
        if s.cleanup is not None:  # tested on payment dates after revolving has ended
            rev = PHASE_CODES["revolving"]
            covers = "" if s.cleanup.redeems == "any" else f"*{{{self.call_covers(s.cleanup)}}}"
            self.row(
                "called_now",
                "Clean-up call exercised (1 yes)",
                f"{{pay}}*IF({{phase_pre}}<>{rev},1,0)*IF({{pool_balance_end}}<={{$cleanup_threshold}}*{{$pool0}},1,0)*IF({{pool_balance_end}}>0,1,0){covers}",
                fmt=FLAG,
            )
            self.row("cleanup_proceeds", "Clean-up call proceeds", self.pool_sold + "*{$cleanup_price}*{called_now}")
            self.row("call_paid", "Clean-up call proceeds paid in (1 yes)", "IF({cleanup_proceeds}>0,1,0)", fmt=FLAG)
            if "cleanup" in s.waterfalls:
                ph = f"IF({{called_now}}=1,{PHASE_CODES['cleanup']},{ph})"
        self.row("phase", "Phase (0 revolving, 1 amortising, 2 accelerated, 3 default, 4 clean-up)", ph, fmt=FLAG)
        for p in s.waterfalls:
            c = PHASE_CODES[p]
            self.row(f"in_{p}", f"In phase (1 yes): {p}", f"IF({{phase}}={c},1,0)", fmt=FLAG)
            self.row(f"pay_{p}", f"Payment date in phase (1 yes): {p}", f"{{in_{p}}}*{{pay}}", fmt=FLAG)
        rs = s.reserve
        if rs is not None:
            if rs.basis == "fixed":
                tgt = "MAX({$res_amount},{$res_floor})"
            else:
                base = "{notes_begin}" if rs.basis == "note_balance" else "{pool_balance_end}"
                tgt = f"MAX({{$res_rate}}*{base},{{$res_floor}})"
            if not rs.step_down:
                tgt = f"MAX({tgt},{{res_target_state@p}})"
            self.row("res_target_state", "Reserve target (set on payment dates)", f"IF({{pay}}=1,{tgt},{{res_target_state@p}})", init=0.0)
            off = "*(1-{called_now})" if s.cleanup is not None else ""
            self.row("target_now", "Reserve target this period", f"IF({{last}}=1,0,MIN({{res_target_state}},{{notes_begin}}){off})")
        self.section("Model", "Collection account and interest due")
        proceeds = "+{cleanup_proceeds}" if s.cleanup is not None else ""
        self.pot[POT_I] = self.row("pot_I0", "Interest pot: carried + collected", "{pot_I_end@p}+{interest_collected}", init=0.0)
        self.pot[POT_P] = self.row("pot_P0", "Principal pot: carried + collected + recoveries + call proceeds", f"{{pot_P_end@p}}+{{principal_collected}}+{{recoveries}}{proceeds}", init=0.0)
        self.commingling()
        self.pdl_rows()
        if rs is not None:
            self.cur["res"] = self.row("res0", "Reserve at the start", "{res_end@p}")
            when = "{pay}"
            if self.liquidity_managed:  # released here only where the deal ends
                when += "*MAX({last},{called_now})" if s.cleanup is not None else "*{last}"
            x = self.flow("reserve_draw", self.row("res_release", "Reserve above its target, released to the interest pot (payment dates)", f"MAX({{res0}}-{{target_now}},0)*{when}"))
            self.update("res", "release", "Reserve after the release", f"{self.v('res')}-{{{x}}}")
            self.pot[POT_I] = self.row("pot_I_release", "Interest pot after the reserve release", f"{{{self.pot[POT_I]}}}+{{{x}}}")
        for k, name in enumerate(self.tn):
            self.row(f"int_due_{k}", f"{name}: interest due", f"({{acc_{k}}}+{{sf_{k}@p}})*{{pay}}")
            self.cur[f"int_paid_{k}"] = ""
            self.cur[f"bal_{k}"] = f"bal_end_{k}@p"
            if self.reimburses:  # written down, not yet repaid (pay_residual repays it first)
                self.cur[f"wdo_{k}"] = f"wd_open_end_{k}@p"
                self.cur[f"reimb_{k}"] = ""
        if self.revolving:
            self.cur["purchased"] = ""
        for lab in self.support_labels:
            self.cur[paid_var(lab)] = f"{paid_var(lab)}_end@p"

    # ------------------------------------------------------------------ waterfall steps
    def pdl_rows(self) -> None:
        """The PDL before the waterfall: carried + new defaults (+ principal lost otherwise), less
        the recoveries' credit (:func:`tranches.stages.credit_pdl`), plus what a clean-up call
        forgoes (:func:`tranches.stages.cleanup`)."""
        s = self.s
        lost = "".join(f"+{{{k}}}" for k in self.commingled_principal)  # commingled principal, a principal loss
        text = "PDL: carried + new defaults" + (" + commingled principal" if lost else "")
        if "repurchase_loss" in self.basis.base:  # the buy-back discount, principal lost (not a default)
            lost += "+{pool.repurchase_loss}"
            text += " + buy-back discount"
        self.cur["pdl"] = self.row("pdl0", text, "{pdl_end@p}+{new_defaults}" + lost, init=0.0)
        # the recoveries make good part of the defaults: credited as they become expected (the
        # change in those still to come) and as they arrive (tranches.stages.credit_pdl)
        self.row("rp_now", "Recoveries still to come in the PDL (0 in the last period)", "{recoveries_pending}*(1-{last})", init=0.0)
        adv = "+{pool.advanced_principal}" if "advanced_principal" in self.basis.base else ""  # P&I advancing: cash on defaulted receivables
        x = self.row("pdl_rec", "PDL credit by recoveries (received + change in those still to come)", f"({{recoveries}}{adv}+{{rp_now}}-{{rp_now@p}})*{{live}}")
        x = self.row("pdl_rec_applied", "PDL credit by recoveries applied (below 0 a debit)", f"MIN({{{x}}},{self.v('pdl')})")
        self.flow("pdl_credit", self.row("pdl_rec_credit", "PDL credited by recoveries", f"MAX({{{x}}},0)"))
        self.update("pdl", "pdl_rec", "PDL after the recoveries", f"{self.v('pdl')}-{{{x}}}")
        if s.cleanup is not None:  # the recoveries still to come go with the pool when it is called
            x = self.row("pdl_forgone", "PDL debited with the recoveries that go with the called pool", "{rp_now}*{called_now}")
            self.update("pdl", "pdl_forgone", "PDL after the clean-up call", f"{self.v('pdl')}+{{{x}}}")

    def waterfalls(self) -> None:
        for phase, wf in self.s.waterfalls.items():
            self.section("Model", f"Waterfall (active in its phase): {phase}")
            for i, step in enumerate(wf.steps):
                tag = f"{phase}.{i + 1}"
                text = f"{phase} {i + 1} {step.label}"
                method = getattr(self, f"step_{snake(type(step).__name__)}", None)
                if method is None:  # pragma: no cover - checked in build_live_model
                    raise LiveModelError(f"live model: waterfall step {type(step).__name__} not expressible")
                method(step, tag, text, f"{{pay_{phase}}}", phase)

    # ------------------------------------------------------------------ after the waterfall
    def after(self) -> None:
        s = self.s
        K = len(self.tn)
        self.section("Model", "After the waterfall: shortfalls, writedowns, balances")
        for k, name in enumerate(self.tn):
            paid = self.row(f"int_paid_{k}", f"{name}: interest paid", self.v(f"int_paid_{k}"))
            self.row(f"sf_{k}", f"{name}: interest shortfall carried", f"IF({{pay}}=1,MAX({{int_due_{k}}}-{{{paid}}},0),{{sf_{k}@p}})", init=0.0)
            self.row(f"acc_after_{k}", f"{name}: accrued interest carried", f"IF({{pay}}=1,0,{{acc_{k}}})", init=0.0)
            self.row(f"bal_paid_{k}", f"{name}: balance after principal", self.v(f"bal_{k}"))
        for j, e in enumerate(s.fees):
            self.row(f"fee_due_end_{j}", f"{e.name}: unpaid, carried", self.v(f"fee_due_{j}"), init=0.0)
        self.row("pot_I_end", "Interest pot carried", f"{{{self.pot[POT_I]}}}", init=0.0)
        self.row("pot_P_end", "Principal pot carried", f"{{{self.pot[POT_P]}}}", init=0.0)
        self.row("pdl_end", "PDL at the end", self.v("pdl"), init=0.0)
        if s.reserve is not None:
            self.row("res_end", "Reserve at the end", self.v("res"), init="{$res_initial}")
        for lab in self.support_labels:
            self.row(f"{paid_var(lab)}_end", "Paid in by the supporter so far", self.v(paid_var(lab)), init=0.0)
        if self.revolving:
            self.row("purchased", "Receivables purchased (par)", self.v("purchased"))
            self.row("cum_purchased", "Purchases to date (par)", "{cum_purchased@p}+{purchased}", init=0.0)
        when = "{pay}" if s.writedown == "period" else "{live}*{last}"
        called = s.cleanup is not None
        if called:
            when = f"MAX({when},{{called_now}})"
        ends = self.ends_now()  # the deal ends: everything owed is lost
        self.row("notes_paid", "Note balance after principal", sum_of([f"bal_paid_{k}" for k in range(K)]))
        bought = "+{purchased}" if self.revolving else ""  # receivables bought this period join the pool at its end
        cover = "{pool_balance_end}" + bought + "+{pot_P_end}+{recoveries_pending}*(1-{last})" + ("+{pot_I_end}" if self.combined else "")
        excess = f"MAX({{notes_paid}}-({cover}),0)*{when}"
        excess = f"IF({ends}>0,{{notes_paid}},{excess})"
        left = self.row("wd_total", "Notes not covered by the pool, principal cash and recoveries to come: written down", excess)
        for k in range(K - 1, -1, -1):
            self.row(f"wd_{k}", f"{self.tn[k]}: written down", f"MIN({{bal_paid_{k}}},{{{left}}})")
            self.row(f"bal_end_{k}", f"{self.tn[k]}: balance at the end", f"{{bal_paid_{k}}}-{{wd_{k}}}", init=f"{{$balance_{k}}}")
            if self.reimburses:
                self.row(f"wd_net_{k}", f"{self.tn[k]}: written down less repaid this period", f"{{wd_{k}}}-{self.v(f'reimb_{k}')}")
                self.row(f"wd_open_end_{k}", f"{self.tn[k]}: written down, not yet repaid", f"{self.v(f'wdo_{k}')}+{{wd_{k}}}", init=0.0)
            if k > 0:
                left = self.row(f"wd_left_{k}", "Writedown left for more senior classes", f"{{{left}}}-{{wd_{k}}}")
        self.events()
        if called:
            self.row("called_cum", "Called by the end of this period (1 yes)", "MAX({called_cum@p},{called_now})", fmt=FLAG, init=0.0)
        else:
            self.row("called_cum", "Called by the end of this period (1 yes)", "0", fmt=FLAG, init=0.0)

    def events(self) -> None:
        senior = [k for k, t in enumerate(self.s.tranches) if t.tranche_class == "senior"]
        for j, g in enumerate(self.s.triggers):
            if not g.is_event:
                continue
            if g.metric == "missed_senior_interest":
                miss = "+".join(f"MAX({{int_due_{k}}}-{{int_paid_{k}}},0)" for k in senior) or "0"
                self.row(f"trig_missed_{j}", f"{g.name}: senior interest unpaid", f"({miss})*{{pay}}")
                self.row(f"trig_value_{j}", f"{g.name}: value", f"{{trig_missed_{j}}}*IF({{trig_missed_{j}}}>{{$tol_{j}}},1,0)")
                self.judge(j, g, "{live}*{pay}")
            else:  # unable_to_revolve
                stuck = f"IF({{phase}}=0,1,0)*IF({{pot_P_end}}>{{$tol_{j}}},1,0)"
                self.row(f"trig_value_{j}", f"{g.name}: consecutive months not reinvested", f"({{trig_value_{j}@p}}+1)*{stuck}", fmt=FLAG, init=0.0)
                self.judge(j, g, "{live}")

    # ------------------------------------------------------------------ outputs
    def outputs(self) -> None:
        def out(key: str, text: str, terms: list[str], fmt: str = AMOUNT) -> None:
            self.m.add("Outputs", Row(key, text, fmt, formula=sum_of(terms)))

        for k, name in enumerate(self.tn):
            self.section("Outputs", name)
            out(f"out.{k}.interest_paid", f"{name}: {label('interest_paid', self.lang)}", [f"int_paid_{k}"])
            out(f"out.{k}.principal_paid", f"{name}: {label('principal_paid', self.lang)}", self.flows.get(f"principal_{k}", []))
            out(f"out.{k}.residual_paid", f"{name}: {label('residual_paid', self.lang)}", self.flows.get(f"residual_{k}", []))
            out(f"out.{k}.writedown", f"{name}: {label('writedown', self.lang)}", [f"wd_net_{k}" if self.reimburses else f"wd_{k}"])
            out(f"out.{k}.shortfall", f"{name}: {label('interest_shortfall', self.lang)}", [f"sf_{k}"])
            out(f"out.{k}.balance_end", f"{name}: {label('balance_end', self.lang)}", [f"bal_end_{k}"])
        self.section("Outputs", "Fees and taxes")
        for j, e in enumerate(self.s.fees):
            out(f"out.fee.{j}.paid", f"{e.name}: {label('paid', self.lang)}", self.flows.get(f"fee_{j}", []))
        if self.s.triggers:
            self.section("Outputs", "Triggers (thresholds)")
        for j, g in enumerate(self.s.triggers):
            out(f"out.trig.{j}.value", f"{g.name}: {label('value', self.lang)}", [f"trig_value_{j}"], RATE if g.metric in _RATE_METRICS else AMOUNT)
            out(f"out.trig.{j}.breached", f"{g.name}: {label('breached', self.lang)}", [f"trig_breach_{j}"], FLAG)
        self.section("Outputs", "Accounts")
        out("out.interest_account_end", label("interest_account_end", self.lang), ["pot_I_end"])
        out("out.principal_account_end", label("principal_account_end", self.lang), ["pot_P_end"])
        out("out.pdl_credit", label("pdl_credit", self.lang), self.flows.get("pdl_credit", []))
        out("out.pdl_end", label("pdl_end", self.lang), ["pdl_end"])
        if self.s.reserve is not None:
            out("out.reserve_deposit", label("reserve_deposit", self.lang), self.flows.get("reserve_deposit", []))
            out("out.reserve_draw", label("reserve_draw", self.lang), self.flows.get("reserve_draw", []))
            out("out.reserve_end", label("reserve_end", self.lang), ["res_end"])
        if self.s.cleanup is not None:
            out("out.cleanup_proceeds", label("cleanup_proceeds", self.lang), ["cleanup_proceeds"])
        if self.revolving:
            out("out.purchased", label("purchased", self.lang), ["purchased"])
        for lab in self.support_labels:
            out(f"out.support.{lab}", f"{label('support_paid', self.lang)}: {lab}", self.flows.get(f"support:{lab}", []))
        if "commingling" in self.flows:
            out("out.commingling", label("commingling_loss", self.lang), self.flows["commingling"])
        if "costs_paid" in self.m.where:
            out("out.collection_costs_paid", label("collection_costs_paid", self.lang), ["costs_paid"])
        out("out.phase", label("phase", self.lang), ["phase"], FLAG)
        out("out.payment_date", label("payment_date", self.lang), ["pay"], FLAG)


_RATE_METRICS = ("cumulative_default_rate", "cumulative_net_loss_rate", "delinquency_ratio", "excess_spread", "serious_delinquency")
#: Step types the formulas express (a ``step_<snake name>`` method each; others are refused).
STEPS = tuple(t.__name__ for t in tr.steps.STEP_TYPES if hasattr(_Builder, f"step_{snake(t.__name__)}"))


def check_expressible(structure: tr.Structure) -> None:
    """Raise :class:`LiveModelError` naming the first part of ``structure`` the formulas can't express."""
    for phase, wf in structure.waterfalls.items():
        for i, st in enumerate(wf.steps):
            if type(st).__name__ not in STEPS:
                raise LiveModelError(f"live model: waterfalls[{phase!r}].steps[{i}] ({type(st).__name__}) is not expressible as formulas")
    for g in structure.triggers:
        if g.metric not in tr.triggers.METRICS:
            raise LiveModelError(f"live model: trigger {g.name!r} metric {g.metric!r} is not expressible as formulas")
    for e in structure.fees:
        if not isinstance(e, tr.Tax | tr.Fee):
            raise LiveModelError(f"live model: fee {e!r} is not expressible as formulas")


def build_live_model(wb: Workbook, result: Any, *, lang: str = "en") -> set[tuple[str, int, int]]:
    """Add the ``Inputs``, ``Model`` and ``Outputs`` sheets for ``result`` to ``wb``; returns the
    (sheet, row, column) of every formula written. Raises :class:`LiveModelError` (and adds
    nothing) when the structure or the run can't be expressed."""
    structure = getattr(getattr(result, "deal", None), "structure", None)
    if not isinstance(structure, tr.Structure):
        raise LiveModelError("live model: the result carries no tranches.Structure (not a DealResult of abs_model.run)")
    check_expressible(structure)
    model = _Builder(result, pool_basis(result), lang).build()
    return write_grid(wb, model, np.asarray(result.dates).astype("datetime64[D]"))


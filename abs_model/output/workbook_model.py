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

- pool inputs, revolving purchases fed back, clean-up zeroing: :mod:`~abs_model.output.workbook_pool`;
- accruals (note interest on shortfall, fee bases, taxes on interest): :meth:`_Builder.accruals`;
  note interest accrues by each class's day count from closing to the first payment date, then
  between payment dates (:func:`abs_model.runs.dates.accrual_dates`, as the runner passes the
  engine; values in the Timeline, :meth:`_Builder.timeline`), fees over the collection periods;
- trigger metrics, curable / non-curable states, event triggers acting next period:
  :meth:`_Builder.metric_triggers`, :meth:`_Builder.events`;
- phase, payment dates (from the phase before the call), clean-up call (price × pool balance,
  tested only on payment dates after revolving has ended), reserve target (none in the last
  period or on the call), the reserve above its target released into the interest pot on payment
  dates before the waterfall (counted as a reserve draw, as the run reports it):
  :meth:`_Builder.phase`;
- one method per step type (``step_<snake name>``), as :mod:`tranches.kernels`;
- shortfalls, writedowns (each payment date or only at legal final; everything still owed on the
  call and in the last period, the legal final — ``ends_at_legal_final``), junior first:
  :meth:`_Builder.after`.
"""

from __future__ import annotations

import re
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
    POT_NAMES,
    POT_P,
    RATE,
    Grid,
    Row,
    Template,
    sum_of,
    write_grid,
)
from abs_model.output.workbook_pool import LiveModelError, PoolBasis, pool_basis
from abs_model.runs.dates import accrual_dates
from tranches.normalise import schedule_array
from tranches.schedule import accrual_fractions

__all__ = ["LiveModelError", "build_live_model"]

#: Chinese labels of rows added since the label registry (:mod:`abs_model.output.labels`) was
#: written; they belong there (``model:<English>``) and are kept here until they move.
_ZH = {
    "Accrual fraction (fees, collection periods)": "计息期年化比例（费用，按收款期间）",
    "Note accrual fraction (closing, then payment dates)": "证券计息期年化比例（起息日至首个兑付日，其后兑付日之间）",
    "Phase before the clean-up call (0 revolving, 1 amortising, 2 accelerated, 3 default)": "清仓回购前阶段（0 循环购买，1 摊还，2 加速清偿，3 违约事件）",
    "Reserve above its target, released to the interest pot (payment dates)": "超出目标的储备释放至收入分账户（兑付日）",
    "Reserve after the release": "释放后储备账户余额",
    "Interest pot after the reserve release": "储备释放后收入分账户余额",
}

class _Builder:
    """Lays out one deal's Inputs, Model and Outputs rows (see module doc)."""

    def __init__(self, result: Any, basis: PoolBasis, lang: str) -> None:
        self.r = result
        self.s: tr.Structure = result.deal.structure
        self.T = len(result.pool) - 1  # the periods run (to the legal final)
        zh = {**_ZH, **dict(getattr(result.deal, "tranche_labels_zh", None) or {})} if lang == "zh" else {}
        self.m = Grid(self.T, lang=lang, display=zh)
        self.basis = basis
        self.lang = lang
        self.pot: dict[str, str] = {}
        self.cur: dict[str, str] = {}
        self.flows: dict[str, list[str]] = {}
        self.combined = self.s.collection_account == "combined"
        self.tn = [t.name for t in self.s.tranches]

    # ------------------------------------------------------------------ rows
    def inp(self, key: str, text: str, value: float | tuple[float, ...], fmt: str = AMOUNT) -> None:
        """An input: a scalar (defined name ``in_<key>``) or a schedule by period (a row)."""
        vals = tuple(float(v) for v in value) if isinstance(value, tuple) else (float(value),)
        if len(set(vals)) == 1:
            self.m.add("Inputs", Row(key, text, fmt, const=vals[0]))
            self.m.names[key] = f"in_{key}"
        else:
            full = schedule_array(vals, self.T)
            self.m.add("Inputs", Row(key, text, fmt, values=(float("nan"), *full)))

    def row(self, key: str, text: str, formula: Template, *, fmt: str = AMOUNT, init: str | float | None = None) -> str:
        return self.m.add("Model", Row(key, text, fmt, formula=formula, init=init))

    def vals(self, key: str, text: str, values: np.ndarray, fmt: str = AMOUNT) -> str:
        return self.m.add("Model", Row(key, text, fmt, values=tuple(float(v) for v in values)))

    def section(self, sheet: str, title: str) -> None:
        self.m.sheets[sheet].append(title)

    def flow(self, out: str, key: str) -> str:
        self.flows.setdefault(out, []).append(key)
        return key

    def draw(self, tag: str, text: str, want: str, pots: tuple[str, ...]) -> str:
        """Defined as ``got_1 = min(want, pot_1)``, ``got_2 = min(want − got_1, pot_2)``; the pots
        fall by what was drawn. Returns the row of the amount drawn."""
        w = self.row(f"{tag}.want", f"{text}: wanted", want)
        got: list[str] = []
        for p in pots:
            before = self.pot[p]
            prior = "".join(f"-{{{g}}}" for g in got)
            g = self.row(f"{tag}.from_{p}", f"{text}: from the {POT_NAMES[p]} pot", f"MIN({{{w}}}{prior},{{{before}}})")
            got.append(g)
            self.pot[p] = self.row(f"{tag}.pot_{p}", f"{POT_NAMES[p].capitalize()} pot after", f"{{{before}}}-{{{g}}}")
        if len(got) == 1:
            return got[0]
        return self.row(f"{tag}.paid", f"{text}: drawn", sum_of(got))

    def pots(self, source: str) -> tuple[str, ...]:
        base = {
            "interest": (POT_I,),
            "principal": (POT_P,),
            "interest_then_principal": (POT_I, POT_P),
            "principal_then_interest": (POT_P, POT_I),
        }[source]
        if self.combined and len(base) == 1:
            base = (base[0], POT_P if base[0] == POT_I else POT_I)
        return base

    def update(self, var: str, tag: str, text: str, formula: str, *, fmt: str = AMOUNT) -> str:
        self.cur[var] = self.row(f"{tag}.{var}", text, formula, fmt=fmt)
        return self.cur[var]

    # ------------------------------------------------------------------ build
    def build(self) -> Grid:
        self.inputs()
        self.timeline()
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
        if self.basis.unit is not None:
            cap = self.basis.capacity
            self.inp("capacity", "Purchase capacity per period (par)", BIG if not np.isfinite(cap) else cap, "0.0E+00" if not np.isfinite(cap) else AMOUNT)
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
            self.inp(f"thr_{j}", f"{g.name}: threshold (breached {g.breach_when})", g.thresholds, RATE if g.metric in ("cumulative_default_rate", "delinquency_ratio", "excess_spread") else AMOUNT)
            if g.is_event:
                self.inp(f"tol_{j}", f"{g.name}: tolerance", g.tolerance)
        if s.cleanup is not None:
            self.section("Inputs", "Clean-up call")
            self.inp("cleanup_threshold", "Clean-up call: pool factor threshold", s.cleanup.threshold, RATE)
            self.inp("cleanup_price", "Clean-up call: price (share of pool balance)", s.cleanup.price, RATE)

    def timeline(self) -> None:
        T = self.T
        dates = np.asarray(self.r.dates).astype("datetime64[D]")
        self.section("Model", "Timeline")
        self.vals("period", "Period", np.arange(T + 1, dtype=float), FLAG)
        self.vals("last", "Last period (1 yes)", (np.arange(T + 1) == T).astype(float), FLAG)
        for dc in tr.schedule.DAY_COUNTS:
            fr = accrual_fractions(dates[1:], day_count=dc, start_date=dates[0])
            self.vals(_dc(dc), f"Accrual fraction (fees, collection periods): {dc}", np.r_[np.nan, fr], "0.000000")
        d = self.r.deal
        nd = accrual_dates(d.cutoff_date, T, closing=d.closing_date, first_payment=d.first_payment)
        for dc in sorted({t.day_count for t in self.s.tranches}):
            fr = accrual_fractions(nd[1:], day_count=dc, start_date=nd[0])
            self.vals(_ndc(dc), f"Note accrual fraction (closing, then payment dates): {dc}", np.r_[np.nan, fr], "0.000000")
        self.row("rev_window", "Within the revolving period (1 yes)", "IF({period}<={$revolving_periods},1,0)", fmt=FLAG)

    def collections(self) -> None:
        b = self.basis
        self.section("Model", "Pool inputs (values from the projection, without revolving purchases)")
        for k, v in b.base.items():
            self.vals(f"base.{k}", f"Base: {k}", v)
        if b.unit is not None:
            self.section("Model", "One unit purchased: profile by age, reversed (age T first)")
            for k, u in b.unit.items():
                self.vals(f"unit.{k}", f"Unit profile reversed: {k}", np.r_[np.nan, u[self.T : 0 : -1]], "0.000000")
        self.section("Model", "Collections")
        self.row("live", "Deal live (not called before this period)", "1-{called_cum@p}", fmt=FLAG)
        T = self.T
        for k in b.base:

            def f(t: int, k: str = k) -> str:
                conv = "" if b.unit is None or t < 2 else f"+SUMPRODUCT({{purchased#1:{t - 1}}},{{unit.{k}#{T - t + 2}:{T}}})"
                return f"({{base.{k}}}{conv})*{{live}}"

            self.row(k, k, f)
        self.row("cum_defaults", "Cumulative defaults", "{cum_defaults@p}+{new_defaults}", init=0.0)

    def accruals(self) -> None:
        s = self.s
        self.section("Model", "Accruals")
        self.row("notes_begin", "Note balance at the start", sum_of([f"bal_end_{k}@p" for k in range(len(self.tn))]))
        for k, t in enumerate(s.tranches):
            cf = f"{{$coupon_{k}}}*{{{_ndc(t.day_count)}}}"
            self.row(f"accr_{k}", f"{t.name}: interest accrued", f"({{bal_end_{k}@p}}+{{$ios_{k}}}*{{sf_{k}@p}})*{cf}")
            self.row(f"acc_{k}", f"{t.name}: interest accrued since the last payment date", f"{{acc_after_{k}@p}}+{{accr_{k}}}")
        for j, e in enumerate(s.fees):
            if isinstance(e, tr.Tax):
                x = f"{{$fee_rate_{j}}}*{{interest_collected}}"
            elif e.basis == "fixed":
                x = f"{{$fee_amount_{j}}}*{{{_dc(e.day_count)}}}"
            else:
                base = "pool_balance_begin" if e.basis == "pool_balance" else "notes_begin"
                x = f"{{$fee_rate_{j}}}*{{{base}}}*{{{_dc(e.day_count)}}}"
            self.row(f"fee_accr_{j}", f"{e.name}: accrued", f"{x}*{{live}}")
            self.cur[f"fee_due_{j}"] = self.row(f"fee_due0_{j}", f"{e.name}: due", f"{{fee_due_end_{j}@p}}+{{fee_accr_{j}}}")

    def metric_triggers(self) -> None:
        if not self.s.triggers:
            return
        self.section("Model", "Performance triggers (tested before the waterfall)")
        if self.basis.unit is not None:
            self.row("cum_purchased_before", "Purchases before this period", "{cum_purchased@p}")
        for j, g in enumerate(self.s.triggers):
            if g.is_event:
                continue
            if g.metric == "cumulative_default_rate":
                den = "{$pool0}" + ("+{cum_purchased_before}" if self.basis.unit is not None else "")
                v = f"{{cum_defaults}}/({den})"
            elif g.metric == "delinquency_ratio":
                v = "IF({pool_balance_end}>0,{delinquent_balance}/{pool_balance_end},0)"
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
            self.row(
                "called_now",
                "Clean-up call exercised (1 yes)",
                f"{{pay}}*IF({{phase_pre}}<>{rev},1,0)*IF({{pool_balance_end}}<={{$cleanup_threshold}}*{{$pool0}},1,0)*IF({{pool_balance_end}}>0,1,0)",
                fmt=FLAG,
            )
            self.row("cleanup_proceeds", "Clean-up call proceeds", "{pool_balance_end}*{$cleanup_price}*{called_now}")
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
        self.cur["pdl"] = self.row("pdl0", "PDL: carried + new defaults", "{pdl_end@p}+{new_defaults}", init=0.0)
        if rs is not None:
            self.cur["res"] = self.row("res0", "Reserve at the start", "{res_end@p}")
            x = self.flow("reserve_draw", self.row("res_release", "Reserve above its target, released to the interest pot (payment dates)", "MAX({res0}-{target_now},0)*{pay}"))
            self.update("res", "release", "Reserve after the release", f"{self.v('res')}-{{{x}}}")
            self.pot[POT_I] = self.row("pot_I_release", "Interest pot after the reserve release", f"{{{self.pot[POT_I]}}}+{{{x}}}")
        for k, name in enumerate(self.tn):
            self.row(f"int_due_{k}", f"{name}: interest due", f"({{acc_{k}}}+{{sf_{k}@p}})*{{pay}}")
            self.cur[f"int_paid_{k}"] = ""
            self.cur[f"bal_{k}"] = f"bal_end_{k}@p"
        if self.basis.unit is not None:
            self.cur["purchased"] = ""

    # ------------------------------------------------------------------ waterfall steps
    def v(self, var: str) -> str:
        """The current value of a state variable as a template term ("0" before any step)."""
        key = self.cur.get(var, "")
        return f"{{{key}}}" if key else "0"

    def add_to(self, var: str, tag: str, text: str, amount: str) -> None:
        self.update(var, tag, text, f"{self.v(var)}+{{{amount}}}")

    def waterfalls(self) -> None:
        for phase, wf in self.s.waterfalls.items():
            self.section("Model", f"Waterfall (active in its phase): {phase}")
            for i, step in enumerate(wf.steps):
                tag = f"{phase}.{i + 1}"
                text = f"{phase} {i + 1} {step.label}"
                method = getattr(self, f"step_{_snake(type(step).__name__)}", None)
                if method is None:  # pragma: no cover - checked in build_live_model
                    raise LiveModelError(f"live model: waterfall step {type(step).__name__} not expressible")
                method(step, tag, text, f"{{pay_{phase}}}", phase)

    def step_draw_reserve(self, st: tr.steps.DrawReserve, tag: str, text: str, mask: str, phase: str) -> None:
        x = self.flow("reserve_draw", self.row(f"{tag}.draw", f"{text}: drawn", f"{self.v('res')}*{mask}"))
        self.update("res", tag, "Reserve after", f"{self.v('res')}-{{{x}}}")
        p = POT_I if st.to == "interest" else POT_P
        self.pot[p] = self.row(f"{tag}.pot_{p}", f"{POT_NAMES[p].capitalize()} pot after", f"{{{self.pot[p]}}}+{{{x}}}")

    def _fee(self, name: str, tag: str, text: str, mask: str, source: str, capped: bool) -> None:
        j = [e.name for e in self.s.fees].index(name)
        e = self.s.fees[j]
        want = self.v(f"fee_due_{j}")
        if capped and e.cap is not None:
            want = f"MIN({want},MAX({{$fee_cap_{j}}}-{self.v(f'fee_paid_{j}')},0))"
        x = self.flow(f"fee_{j}", self.draw(tag, text, f"{want}*{mask}", self.pots(source)))
        self.update(f"fee_due_{j}", tag, f"{name}: still due", f"{self.v(f'fee_due_{j}')}-{{{x}}}")
        if e.cap is not None:
            self.add_to(f"fee_paid_{j}", tag, f"{name}: paid on this payment date", x)

    def step_pay_tax(self, st: tr.steps.PayTax, tag: str, text: str, mask: str, phase: str) -> None:
        self._fee(st.tax, tag, text, mask, st.source, True)

    def step_pay_fee(self, st: tr.steps.PayFee, tag: str, text: str, mask: str, phase: str) -> None:
        self._fee(st.fee, tag, text, mask, st.source, st.capped)

    def step_pay_interest(self, st: tr.steps.PayInterest, tag: str, text: str, mask: str, phase: str) -> None:
        idx = [self.tn.index(n) for n in st.tranches]
        pots = self.pots(st.source)
        if st.mode == "pro_rata" and len(idx) > 1:
            owed = [
                self.row(f"{tag}.owed_{k}", f"{self.tn[k]}: interest owed", f"MAX({{int_due_{k}}}-{self.v(f'int_paid_{k}')},0)")
                for k in idx
            ]
            total = self.row(f"{tag}.total", f"{text}: owed in all", f"({sum_of(owed)})*{mask}")
            x = self.draw(tag, text, f"{{{total}}}", pots)
            for k, o in zip(idx, owed, strict=True):
                y = self.row(f"{tag}.to_{k}", f"{self.tn[k]}: interest paid (pro rata)", f"IF({{{total}}}>0,{{{o}}}*{{{x}}}/{{{total}}},0)")
                self.add_to(f"int_paid_{k}", f"{tag}.{k}", f"{self.tn[k]}: interest paid so far", y)
            return
        for k in idx:
            want = f"({{int_due_{k}}}-{self.v(f'int_paid_{k}')})*{mask}"
            x = self.draw(f"{tag}.{k}", f"{self.tn[k]}: interest", want, pots)
            self.add_to(f"int_paid_{k}", f"{tag}.{k}", f"{self.tn[k]}: interest paid so far", x)

    def step_pay_principal(self, st: tr.steps.PayPrincipal, tag: str, text: str, mask: str, phase: str) -> None:
        idx = [self.tn.index(n) for n in st.tranches]
        pots = self.pots(st.source)
        group = self.row(f"{tag}.group", f"{text}: balance of the classes named", "+".join(self.v(f"bal_{k}") for k in idx))
        limit = f"{{{group}}}"
        if st.advance_rate is not None:
            key = f"adv_{phase}_{tag.split('.')[1]}"
            self.inp(key, f"{text}: advance rate (1 − target OC)", st.advance_rate, RATE)
            senior = "+".join(self.v(f"bal_{k}") for k in range(min(idx))) or "0"
            limit = f"MIN(MAX({{{group}}}+{senior}-{{${key}}}*{{pool_balance_end}},0),{{{group}}})"
        lim = self.row(f"{tag}.limit", f"{text}: principal payable", limit)
        seq = "{eff_sequential}" if "eff_sequential" in self.m.where else None
        if st.mode == "pro_rata" and len(idx) > 1:
            pro_mask = mask if seq is None else f"{mask}*(1-{seq})"
            x = self.draw(f"{tag}.pro", f"{text} (pro rata)", f"{{{lim}}}*{pro_mask}", pots)
            share = self.row(f"{tag}.share", f"{text}: share of each balance paid", f"IF({{{group}}}>0,{{{x}}}/{{{group}}},0)", fmt=RATE)
            for k in idx:
                y = self.flow(f"principal_{k}", self.row(f"{tag}.pro_{k}", f"{self.tn[k]}: principal (pro rata)", f"{self.v(f'bal_{k}')}*{{{share}}}"))
                self.update(f"bal_{k}", f"{tag}.pro_{k}", f"{self.tn[k]}: balance after", f"MAX({self.v(f'bal_{k}')}-{{{y}}},0)")
            if seq is None:
                return
            mask = f"{mask}*{seq}"
        left = self.row(f"{tag}.left", f"{text}: payable left", f"{{{lim}}}*{mask}")
        for n, k in enumerate(idx):
            x = self.flow(f"principal_{k}", self.draw(f"{tag}.{k}", f"{self.tn[k]}: principal", f"MIN({self.v(f'bal_{k}')},{{{left}}})", pots))
            self.update(f"bal_{k}", f"{tag}.{k}", f"{self.tn[k]}: balance after", f"{self.v(f'bal_{k}')}-{{{x}}}")
            if n < len(idx) - 1:
                left = self.row(f"{tag}.{k}.left", f"{text}: payable left", f"{{{left}}}-{{{x}}}")

    def step_fund_reserve(self, st: tr.steps.FundReserve, tag: str, text: str, mask: str, phase: str) -> None:
        x = self.flow("reserve_deposit", self.draw(tag, text, f"MAX({{target_now}}-{self.v('res')},0)*{mask}", self.pots(st.source)))
        self.update("res", tag, "Reserve after", f"{self.v('res')}+{{{x}}}")

    def step_cover_pdl(self, st: tr.steps.CoverPDL, tag: str, text: str, mask: str, phase: str) -> None:
        x = self.flow("pdl_credit", self.draw(tag, text, f"{self.v('pdl')}*{mask}", self.pots(st.source)))
        self.update("pdl", tag, "PDL after", f"{self.v('pdl')}-{{{x}}}")
        self.pot[POT_P] = self.row(f"{tag}.pot_P_in", "Principal pot after the PDL credit", f"{{{self.pot[POT_P]}}}+{{{x}}}")

    def step_buy_receivables(self, st: tr.steps.BuyReceivables, tag: str, text: str, mask: str, phase: str) -> None:
        key = f"price_{tag.replace('.', '_')}"
        self.inp(key, f"{text}: purchase price (par = 1)", st.price, RATE)
        cap = self.row(f"{tag}.cap", f"{text}: capacity left (cash)", f"MIN(MAX({{$capacity}}-{self.v('purchased')},0)*{{${key}}},{BIG:.0E})")
        on = f"{{in_{phase}}}"
        x1 = self.draw(f"{tag}.pay", f"{text} (payment date)", f"{{{cap}}}*{on}*{{pay}}", self.pots(st.source))
        x2 = self.draw(f"{tag}.month", f"{text} (other months, principal only)", f"{{{cap}}}*{on}*(1-{{pay}})", (POT_P,))
        spent = self.flow("spent", self.row(f"{tag}.spent", f"{text}: cash spent", f"{{{x1}}}+{{{x2}}}"))
        self.update("purchased", tag, "Purchased so far this period (par)", f"{self.v('purchased')}+{{{spent}}}/{{${key}}}")

    def step_pay_residual(self, st: tr.steps.PayResidual, tag: str, text: str, mask: str, phase: str) -> None:
        pots = self.pots(st.source)
        want = "(" + "+".join(f"{{{self.pot[p]}}}" for p in pots) + f")*{mask}"
        self.flow(f"residual_{len(self.tn) - 1}", self.draw(tag, text, want, pots))

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
        if self.basis.unit is not None:
            self.row("purchased", "Receivables purchased (par)", self.v("purchased"))
            self.row("cum_purchased", "Purchases to date (par)", "{cum_purchased@p}+{purchased}", init=0.0)
        when = "{pay}" if s.writedown == "period" else "{live}*{last}"
        called = s.cleanup is not None
        if called:
            when = f"MAX({when},{{called_now}})"
        ends = "{live}*{last}" + ("+{called_now}" if called else "")  # the deal ends: everything owed is lost
        self.row("notes_paid", "Note balance after principal", sum_of([f"bal_paid_{k}" for k in range(K)]))
        cover = "{pool_balance_end}+{pot_P_end}" + ("+{pot_I_end}" if self.combined else "")
        excess = f"MAX({{notes_paid}}-({cover}),0)*{when}"
        excess = f"IF({ends}>0,{{notes_paid}},{excess})"
        left = self.row("wd_total", "Notes not covered by the pool and principal cash: written down", excess)
        for k in range(K - 1, -1, -1):
            self.row(f"wd_{k}", f"{self.tn[k]}: written down", f"MIN({{bal_paid_{k}}},{{{left}}})")
            self.row(f"bal_end_{k}", f"{self.tn[k]}: balance at the end", f"{{bal_paid_{k}}}-{{wd_{k}}}", init=f"{{$balance_{k}}}")
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
            out(f"out.{k}.writedown", f"{name}: {label('writedown', self.lang)}", [f"wd_{k}"])
            out(f"out.{k}.shortfall", f"{name}: {label('interest_shortfall', self.lang)}", [f"sf_{k}"])
            out(f"out.{k}.balance_end", f"{name}: {label('balance_end', self.lang)}", [f"bal_end_{k}"])
        self.section("Outputs", "Fees and taxes")
        for j, e in enumerate(self.s.fees):
            out(f"out.fee.{j}.paid", f"{e.name}: {label('paid', self.lang)}", self.flows.get(f"fee_{j}", []))
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
        if self.basis.unit is not None:
            out("out.purchased", label("purchased", self.lang), ["purchased"])
        out("out.phase", label("phase", self.lang), ["phase"], FLAG)
        out("out.payment_date", label("payment_date", self.lang), ["pay"], FLAG)


def _snake(name: str) -> str:
    """``PayPrincipal`` → ``pay_principal``, ``CoverPDL`` → ``cover_pdl``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


def _dc(day_count: str) -> str:
    return "acc_" + re.sub(r"\W", "_", day_count).lower()


def _ndc(day_count: str) -> str:
    return "note_acc_" + re.sub(r"\W", "_", day_count).lower()


#: Step types, trigger metrics and fee bases the formulas express (others are refused).
STEPS = ("DrawReserve", "PayTax", "PayFee", "PayInterest", "PayPrincipal", "FundReserve", "CoverPDL", "BuyReceivables", "PayResidual")


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


"""Waterfall step rows of the live workbook model: one method per step type of
:mod:`tranches.steps` (``step_<snake name>``), each mirroring its kernel in
:mod:`tranches.kernels`. The liquidity-reserve, period-return and credit-support steps are in
:mod:`abs_model.output.workbook_model_support`."""

from __future__ import annotations

import tranches as tr
from abs_model.output.workbook_grid import BIG, POT_I, POT_P, RATE, sum_of
from abs_model.output.workbook_model_base import ModelBase

__all__ = ["StepRows"]


class StepRows(ModelBase):
    """The rows of the engine's original step types (see module doc)."""

    def step_draw_reserve(self, st: tr.steps.DrawReserve, tag: str, text: str, mask: str, phase: str) -> None:
        x = self.flow("reserve_draw", self.row(f"{tag}.draw", f"{text}: drawn", f"{self.v('res')}*{mask}"))
        self.update("res", tag, "Reserve after", f"{self.v('res')}-{{{x}}}")
        p = POT_I if st.to == "interest" else POT_P
        self.pay_in(tag, p, x)

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
            limit = f"IF({self.ends_now()}=1,{{{group}}},{limit})"  # no target OC where the deal ends
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
        """What each class is still owed first, most senior first: the interest due and unpaid;
        then the principal — where the deal ends (the legal final, a call) its balance, and with ``reimburse_writedowns`` what was written down and
        not yet repaid; then everything left, to the most junior class (kernels.residual)."""
        pots = self.pots(st.source)
        ends = self.ends_now()
        for k, name in enumerate(self.tn):  # interest still due (the carried shortfall in it), senior first
            if not any(float(c) for c in self.s.tranches[k].coupons):
                continue
            owed_int = f"MAX({{int_due_{k}}}-{self.v(f'int_paid_{k}')},0)*{mask}"
            y = self.draw(f"{tag}.int_{k}", f"{name}: interest still due", owed_int, pots)
            self.add_to(f"int_paid_{k}", f"{tag}.int_{k}", f"{name}: interest paid so far", y)
        for k, name in enumerate(self.tn):
            final = self.row(f"{tag}.final_{k}", f"{name}: owed at the deal's end", f"{self.v(f'bal_{k}')}*{ends}")
            owed = f"{{{final}}}" + (f"+{self.v(f'wdo_{k}')}" if self.reimburses else "")
            x = self.flow(f"principal_{k}", self.draw(f"{tag}.back_{k}", f"{name}: principal owed, repaid", f"({owed})*{mask}", pots))
            to_bal = self.row(f"{tag}.to_bal_{k}", f"{name}: of which the balance", f"MIN({{{x}}},{{{final}}})")
            self.update(f"bal_{k}", f"{tag}.back_{k}", f"{name}: balance after", f"{self.v(f'bal_{k}')}-{{{to_bal}}}")
            if self.reimburses:
                rest = self.row(f"{tag}.rest_{k}", f"{name}: written down, repaid", f"{{{x}}}-{{{to_bal}}}")
                self.update(f"wdo_{k}", f"{tag}.back_{k}", f"{name}: written down, still to repay", f"{self.v(f'wdo_{k}')}-{{{rest}}}")
                self.add_to(f"reimb_{k}", f"{tag}.back_{k}", f"{name}: written down, repaid this period", rest)
        want = "(" + "+".join(f"{{{self.pot[p]}}}" for p in pots) + f")*{mask}"
        self.flow(f"residual_{len(self.tn) - 1}", self.draw(tag, text, want, pots))

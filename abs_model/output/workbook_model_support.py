"""Rows of the Chinese consumer-ABS steps in the live workbook model: the liquidity reserve
(流动性储备: drawn on a shortfall, funded to the next payment date's senior needs, the excess
released), the subordinated class's capped period return (期间收益) with its turbo, the
originator's shortfall undertaking (差额支付承诺) and default cover (guarantee, insurance or
buy-back of defaults). Each method mirrors its kernel in :mod:`tranches.liquidity` or
:mod:`tranches.support`; the cash a supporter pays in is counted per step label over the deal's
life (state rows ``paid_<label>``), as the engine's record is."""

from __future__ import annotations

import re

import tranches as tr
from abs_model.output.workbook_grid import BIG, FLAG, POT_I, POT_P, RATE
from abs_model.output.workbook_model_base import ModelBase, dc_key, ndc_key

__all__ = ["SUPPORT_STEPS", "SupportRows", "paid_var"]

#: Step types whose supporter payments are counted over the life (the limit applies to the sum).
SUPPORT_STEPS = (tr.steps.ShortfallSupport, tr.steps.DefaultCover)


def paid_var(label: str) -> str:
    """The state row name of what a supporter paid so far (``shortfall_support`` → ``paid_shortfall_support``)."""
    return "paid_" + re.sub(r"\W", "_", label)


class SupportRows(ModelBase):
    """The rows of the steps in :data:`tranches.steps.EXTRA_STEP_TYPES` (see module doc)."""

    # ------------------------------------------------------------------ shared needs and targets
    def senior_due(self, tag: str, text: str, idx: list[int]) -> str:
        """Defined as ``Σ senior-ranked fee_due_j + Σ_k max(interest_due_k − interest_paid_k, 0)``
        over the classes ``idx`` (:func:`tranches.liquidity.senior_due`)."""
        terms = [self.v(f"fee_due_{j}") for j, e in enumerate(self.s.fees) if e.rank == "senior"]
        terms += [f"MAX({{int_due_{k}}}-{self.v(f'int_paid_{k}')},0)" for k in idx]
        return self.row(f"{tag}.need", f"{text}: taxes, senior fees and senior interest due", "+".join(terms) or "0")

    def liquidity_target(self, tag: str, text: str, months: int, idx: list[int]) -> str:
        """The next ``months`` periods' senior interest on the balances now, senior fees and taxes
        (:func:`tranches.liquidity.liquidity_target`): cells past the last period are empty, so the
        sums stop at the legal final and the target is 0 in the last period and on a call."""
        ahead = range(1, months + 1)
        terms = []
        for k in idx:
            nd = ndc_key(self.s.tranches[k].day_count)
            fwd = "+".join(f"{{$coupon_{k}@+{j}}}*{{{nd}@+{j}}}" for j in ahead)
            terms.append(f"{self.v(f'bal_{k}')}*({fwd})")
        notes = "+".join(self.v(f"bal_{k}") for k in range(len(self.tn)))
        for j, e in enumerate(self.s.fees):
            if e.rank != "senior":
                continue
            if isinstance(e, tr.Tax):
                terms.append(f"{{$fee_rate_{j}}}*{{interest_collected}}*(" + "+".join(f"{{in_run@+{i}}}" for i in ahead) + ")")
                continue
            acc = "(" + "+".join(f"{{{dc_key(e.day_count)}@+{i}}}" for i in ahead) + ")"
            if e.basis == "fixed":
                terms.append(f"{{$fee_amount_{j}}}*{acc}")
            elif e.basis == "pool_balance":
                terms.append(f"{{$fee_rate_{j}}}*{acc}*{{pool_balance_end}}")
            else:
                terms.append(f"{{$fee_rate_{j}}}*{acc}*({notes})")
        off = "*(1-{call_paid})" if self.s.cleanup is not None else ""
        return self.row(f"{tag}.target", f"{text}: liquidity target (next payment date's senior needs)", f"({'+'.join(terms) or '0'}){off}")

    def _key(self, tag: str) -> str:
        return tag.replace(".", "_")

    # ------------------------------------------------------------------ liquidity reserve
    def step_draw_liquidity_reserve(self, st: tr.steps.DrawLiquidityReserve, tag: str, text: str, mask: str, phase: str) -> None:
        """``draw = min(reserve, max(0, need − cash))``."""
        p = POT_I if st.to == "interest" else POT_P
        need = self.senior_due(tag, text, self.classes(st.tranches))
        want = f"MIN({self.v('res')},MAX({{{need}}}*{mask}-{self.cash((p,))},0))"
        x = self.flow("reserve_draw", self.row(f"{tag}.draw", f"{text}: drawn", want))
        self.update("res", tag, "Reserve after", f"{self.v('res')}-{{{x}}}")
        self.pay_in(tag, p, x)

    def step_fund_liquidity_reserve(self, st: tr.steps.FundLiquidityReserve, tag: str, text: str, mask: str, phase: str) -> None:
        """``deposit = min(max(target − reserve, 0), cash)``."""
        tgt = self.liquidity_target(tag, text, st.months, self.classes(st.tranches))
        x = self.flow("reserve_deposit", self.draw(tag, text, f"MAX({{{tgt}}}-{self.v('res')},0)*{mask}", self.pots(st.source)))
        self.update("res", tag, "Reserve after", f"{self.v('res')}+{{{x}}}")

    def step_release_reserve(self, st: tr.steps.ReleaseReserve, tag: str, text: str, mask: str, phase: str) -> None:
        """``release = max(reserve − target, 0)`` into the ``to`` pot."""
        tgt = self.liquidity_target(tag, text, st.months, self.classes(st.tranches)) if st.liquidity else "target_now"
        x = self.flow("reserve_draw", self.row(f"{tag}.release", f"{text}: released", f"MAX({self.v('res')}-{{{tgt}}},0)*{mask}"))
        self.update("res", tag, "Reserve after", f"{self.v('res')}-{{{x}}}")
        self.pay_in(tag, POT_I if st.to == "interest" else POT_P, x)

    # ------------------------------------------------------------------ period return
    def step_pay_period_return(self, st: tr.steps.PayPeriodReturn, tag: str, text: str, mask: str, phase: str) -> None:
        """``paid = min(rate · balance · months since the last payment date / 12, cash)`` as the
        class's residual; with ``turbo`` the cash left pays those classes' principal in order."""
        key = self.shared_inp(f"pr_rate_{self._key(tag)}", ("pr", st.tranche, st.rate), f"{st.tranche}: period return cap (annual)", st.rate, RATE)
        i = self.tn.index(st.tranche)
        pots = self.pots(st.source)
        ends = self.ends_now()
        for k, name in enumerate(self.tn):  # the deal ends: every class still owed first, most senior first
            y = self.flow(f"principal_{k}", self.draw(f"{tag}.owed_{k}", f"{name}: owed at the deal's end", f"{self.v(f'bal_{k}')}*{ends}*{mask}", pots))
            self.update(f"bal_{k}", f"{tag}.owed_{k}", f"{name}: balance after", f"{self.v(f'bal_{k}')}-{{{y}}}")
        cap = self.row(f"{tag}.cap", f"{text}: cap", f"{{${key}}}*{self.v(f'bal_{i}')}*({{msp@p}}+1)/12")
        self.flow(f"residual_{i}", self.draw(tag, text, f"{{{cap}}}*{mask}", pots))
        for name in st.turbo:
            j = self.tn.index(name)
            y = self.flow(f"principal_{j}", self.draw(f"{tag}.turbo_{j}", f"{name}: turbo principal", f"{self.v(f'bal_{j}')}*{mask}", pots))
            self.update(f"bal_{j}", f"{tag}.turbo_{j}", f"{name}: balance after", f"{self.v(f'bal_{j}')}-{{{y}}}")

    # ------------------------------------------------------------------ credit support
    def step_shortfall_support(self, st: tr.steps.ShortfallSupport, tag: str, text: str, mask: str, phase: str) -> None:
        """``paid = min(max(0, need − cash), limit − paid before)``, interest part first
        (:func:`tranches.support.shortfall_support`)."""
        pdp = st.provider_default_period
        ident = ("sup", st.tranches, st.limit, pdp, st.principal_from)
        key = self.shared_inp(f"sup_{self._key(tag)}_limit", ident, f"{st.label}: limit over the life", min(st.limit, BIG))[: -len("_limit")]
        self.shared_inp(f"{key}_default", (*ident, "default"), f"{st.label}: provider defaults from period (1E+300 never)", float(pdp) if pdp is not None else BIG, FLAG)
        final = "{last}"
        if st.principal_from is not None:
            self.shared_inp(f"{key}_from", (*ident, "from"), f"{st.label}: notes' principal covered from period", float(st.principal_from), FLAG)
            final = f"IF({{period}}>={{${key}_from}},1,0)"
        idx = self.classes(st.tranches)
        need = self.senior_due(tag, text, idx)
        ends = f"MAX({final},{{call_paid}})" if self.s.cleanup is not None else final
        bal = "+".join(self.v(f"bal_{k}") for k in idx)
        need_p = self.row(f"{tag}.need_p", f"{text}: principal of the classes named due", f"({bal})*{ends}")
        var = paid_var(st.label)
        room = self.row(f"{tag}.room", f"{text}: room left under the limit", f"MAX({{${key}_limit}}-{self.v(var)},0)*IF({{period}}<{{${key}_default}},1,0)")
        if self.combined:
            si = f"MAX({{{need}}}+{{{need_p}}}-{self.cash((POT_I, POT_P))},0)"
            sp = "0"
        else:
            si = f"MAX({{{need}}}-{self.cash((POT_I,))},0)"
            sp = f"MAX({{{need_p}}}-{self.cash((POT_P,))},0)"
        xi = self.row(f"{tag}.int", f"{text}: paid in for interest", f"MIN({si}*{mask},{{{room}}})")
        xp = self.row(f"{tag}.prin", f"{text}: paid in for principal", f"MIN({sp}*{mask},{{{room}}}-{{{xi}}})")
        self.pay_in(f"{tag}.i", POT_I, xi)
        self.pay_in(f"{tag}.p", POT_P, xp)
        x = self.flow(f"support:{st.label}", self.row(f"{tag}.paid", f"{text}: paid in", f"{{{xi}}}+{{{xp}}}"))
        self.add_to(var, tag, f"{text}: paid in so far", x)

    def step_default_cover(self, st: tr.steps.DefaultCover, tag: str, text: str, mask: str, phase: str) -> None:
        """``paid = min(price · share · cumulative defaults − paid before, limit − paid before)``,
        into the principal pot; the PDL falls by it (:func:`tranches.support.default_cover`)."""
        ident = ("cover", st.provider, st.share, st.price, st.limit)
        key = self.shared_inp(f"cover_{self._key(tag)}_share", ident, f"{st.label}: share of defaults covered", st.share, RATE)[: -len("_share")]
        self.shared_inp(f"{key}_price", (*ident, "price"), f"{st.label}: price (share of par)", st.price, RATE)
        self.shared_inp(f"{key}_limit", (*ident, "limit"), f"{st.label}: limit over the life", min(st.limit, BIG))
        var = paid_var(st.label)
        before = self.v(var)
        owed = f"{{${key}_price}}*{{${key}_share}}*{{cum_defaults}}-{before}"
        x = self.flow(f"support:{st.label}", self.row(f"{tag}.paid", f"{text}: paid in", f"MAX(MIN({owed},{{${key}_limit}}-{before}),0)*{mask}"))
        self.pay_in(tag, POT_P, x)
        credit = self.flow("pdl_credit", self.row(f"{tag}.pdl_credit", f"{text}: PDL credited", f"MIN({self.v('pdl')},{{{x}}})"))
        self.update("pdl", tag, "PDL after", f"{self.v('pdl')}-{{{credit}}}")
        self.add_to(var, tag, f"{text}: paid in so far", x)

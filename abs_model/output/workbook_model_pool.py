"""Pool rows of the live workbook model: each pool column the engine is fed from as a named row
(values from the projection, plus revolving purchases as formulas), collections net of
collection costs, the engine's inputs, the servicer event's commingling loss and the serious-
delinquency ratios (see :mod:`abs_model.output.workbook_pool` for the mapping)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from abs_model.output.workbook_grid import FLAG, POT_I, POT_P, RATE, sum_of
from abs_model.output.workbook_model_base import ModelBase
from abs_model.output.workbook_pool import BIG, INTEREST_FIELDS, PRINCIPAL_FIELDS

__all__ = ["PoolRows"]


class PoolRows(ModelBase):
    """The pool's rows (see module doc)."""

    def pool_values(self) -> None:
        """The pool columns without purchases, the purchase mix and each line's unit profile."""
        b, T = self.basis, self.T
        self.section("Model", "Pool inputs (values from the projection, without revolving purchases)")
        for f, v in b.base.items():
            self.vals(f"base.{f}", f"Base: {f}", v)
        if not self.revolving:
            return
        self.vals("supply", "Eligible supply, par (1E+300 unlimited)", np.minimum(b.supply, BIG), "0.00E+00")
        if len(b.units) > 1:
            for lane in range(len(b.units)):
                self.vals(f"w_{lane}", f"Purchase mix weight: {lane + 1}", b.weights[:, lane], RATE)
        self.section("Model", "One unit purchased: profile by age, reversed (age T first)")
        for lane, u in enumerate(b.units):
            for f in b.base:
                self.vals(f"unit.{lane}.{f}", f"Unit profile reversed: {f}: {lane + 1}", np.r_[np.nan, u[f][T:0:-1]], "0.0000%")  # per unit of balance bought, as a % of it

    def _column(self, f: str) -> Callable[[int], str]:
        """Period t of column f: ``(base + Σ_l SUMPRODUCT(bought_l[1..t−1], u_l reversed)) · live``."""
        T, lanes = self.T, len(self.basis.units)
        bought = ["purchased"] if lanes == 1 else [f"bought_{lane}" for lane in range(lanes)]

        def tpl(t: int) -> str:
            conv = "" if t < 2 else "".join(f"+SUMPRODUCT({{{p}#1:{t - 1}}},{{unit.{lane}.{f}#{T - t + 2}:{T}}})" for lane, p in enumerate(bought))
            return f"({{base.{f}}}{conv})*{{live}}"

        return tpl

    def collections(self) -> None:
        """Each pool column as its own row, then the engine's inputs made of them."""
        b = self.basis
        self.section("Model", "Collections")
        self.row("live", "Deal live (not called before this period)", "1-{called_cum@p}", fmt=FLAG)
        if self.revolving:
            self.row("capacity_now", "Purchase capacity this period (par)", "MIN({$capacity},{supply})", fmt="0.00E+00")
            if len(b.units) > 1:
                for lane in range(len(b.units)):
                    self.row(f"bought_{lane}", f"Receivables purchased (par): {lane + 1}", f"{{purchased}}*{{w_{lane}}}")
        for f in b.base:
            self.row(f"pool.{f}", f, self._column(f))
        have = set(b.base)
        self.row("interest_gross", "Interest collections before costs", sum_of([f"pool.{f}" for f in INTEREST_FIELDS if f in have]))
        self.row("principal_gross", "Principal collections before costs", sum_of([f"pool.{f}" for f in PRINCIPAL_FIELDS if f in have]))
        interest, principal, recoveries = "{interest_gross}", "{principal_gross}", "{pool.recoveries}"
        if b.cost_rank is not None:
            left = "{pool.collection_costs}"
            if b.cost_rank == "netted_from_recoveries":
                self.row("cost_rec", "Collection costs paid out of recoveries", "MIN({pool.recoveries},{pool.collection_costs})")
                left, recoveries = "{pool.collection_costs}-{cost_rec}", "{pool.recoveries}-{cost_rec}"
            self.row("cost_int", "Collection costs paid out of interest", f"MIN({{interest_gross}},{left})")
            self.row("cost_prin", "Collection costs paid out of principal", f"MIN({{principal_gross}},{left}-{{cost_int}})")
            self.row("costs_paid", "Collection costs paid", sum_of(["cost_int", "cost_prin"] + (["cost_rec"] if "cost_rec" in self.m.where else [])))
            interest, principal = "{interest_gross}-{cost_int}", "{principal_gross}-{cost_prin}"
        self.row("interest_collected", "interest_collected", interest)
        self.row("principal_collected", "principal_collected", principal)
        self.row("recoveries", "recoveries", recoveries)
        self.engine_inputs()
        counted = "+{defaults_counted_only}" if "defaults_counted_only" in self.m.where else ""
        self.row("cum_defaults", "Cumulative defaults", "{cum_defaults@p}+{new_defaults}" + counted, init=0.0)
        # recoveries still to come on the defaults so far (defaults − net loss − recoveries received −
        # principal advanced, net loss booked at default or liquidation): collateral in the writedown
        # test (tranches.stages.write_down; abs_model.runs.runner._run_periods)
        nl = ("-{pool.net_loss}" if "net_loss" in b.base else "") + ("-{pool.advanced_principal}" if "advanced_principal" in b.base else "")
        self.row("cum_to_recover", "Recoveries still to come (running sum)", f"{{cum_to_recover@p}}+{{pool.defaults}}{nl}-{{pool.recoveries}}", init=0.0)
        self.row("recoveries_pending", "recoveries_pending", "MAX({cum_to_recover},0)")

    def engine_inputs(self) -> None:
        """New defaults, pool balances and the delinquent balance as the runner hands them over
        (restructured receivables counted as the collection strategy's rules say)."""
        b = self.basis
        delinquent, counts_as_default, eligible = b.rules or (False, False, True)
        restr = "pool.balance_restructured" if "balance_restructured" in b.base else None
        self.row("new_defaults", "new_defaults", "{pool.defaults}")
        if counts_as_default and "restructured_entries" in b.base:  # cumulative defaults, not the PDL: they keep paying
            self.row("defaults_counted_only", "defaults_counted_only", "{pool.restructured_entries}")
        out = "" if eligible or restr is None else f"-{{{restr}}}"
        self.row("pool_balance_begin", "pool_balance_begin", "{pool.opening_balance}" + (f"-{{{restr}@p}}" if out else ""))
        self.row("pool_balance_end", "pool_balance_end", "{pool.closing_balance}" + out)
        self.pool_sold = "{pool_balance_end}"  # what a clean-up call sells: ineligible plans too
        if out:
            self.row("ineligible_balance", "ineligible_balance", f"{{{restr}}}")
            self.pool_sold = "({pool_balance_end}+{ineligible_balance})"
        dq = [f"pool.balance_m{j}" for j in range(2, 7) if f"balance_m{j}" in b.base]
        if delinquent and restr is not None:
            dq.append(restr)
        self.row("delinquent_balance", "delinquent_balance", sum_of(dq))

    def commingling(self) -> None:
        """A servicer event's commingling loss (权利完善事件): in the event period a share of that
        period's collections is lost from each pot (:func:`tranches.support.on_collections`);
        the principal lost debits the PDL (``commingled_principal``, added to the PDL row)."""
        self.commingled_principal: list[str] = []
        for j, g in enumerate(self.s.triggers):
            if g.metric != "servicer_event" or g.commingling_loss <= 0.0:
                continue
            hit = self.row(f"comm_{j}", f"{g.name}: event period (1 yes)", f"IF({{period}}={{$event_{j}}},1,0)", fmt=FLAG)
            inflow = {POT_I: "{interest_collected}", POT_P: "({principal_collected}+{recoveries})"}
            for p, flow in inflow.items():
                x = self.flow("commingling", self.row(f"comm_{j}.{p}", f"{g.name}: commingling loss", f"MIN({{$loss_{j}}}*{flow}*{{{hit}}},{{{self.pot[p]}}})"))
                if p == POT_P:  # lost principal is a principal loss: it debits the PDL like a default
                    self.commingled_principal.append(x)
                self.pot[p] = self.row(f"comm_{j}.pot_{p}", f"{'Interest' if p == POT_I else 'Principal'} pot after", f"{{{self.pot[p]}}}-{{{x}}}")

    def serious_delinquency(self, j: int, lo: int, hi: int, n: int) -> str:
        """Defined as the mean over the last ``min(n, t)`` periods of ``(Σ_{b=lo..hi} balance_b +
        restructured plans the deal counts as delinquent) / pool_balance_end`` (0 where the pool is
        empty; :func:`tranches.support.on_collections`). Returns the value's template."""
        name = self.s.triggers[j].name
        terms = [f"pool.balance_m{b}" for b in range(lo, hi + 1) if f"balance_m{b}" in self.basis.base]
        if (self.basis.rules or (False, False, True))[0] and "balance_restructured" in self.basis.base:
            terms.append("pool.balance_restructured")
        num = sum_of(terms)
        self.row(f"trig_ratio_{j}", f"{name}: ratio this period", f"IF({{pool_balance_end}}>0,({num})/{{pool_balance_end}},0)", fmt=RATE)

        def avg(t: int) -> str:
            return f"AVERAGE({{trig_ratio_{j}#{max(1, t - n + 1)}:{t}}})"

        return self.row(f"trig_avg_{j}", f"{name}: average ratio", avg, fmt=RATE)

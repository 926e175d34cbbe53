"""A plain per-period, per-scenario reference of the waterfall, written from the deal-file
reference (docs/deal_file_reference.md) and the step docstrings — scalars, one period at a time,
no masks, no vectorisation, nothing shared with ``tranches.engine`` or ``tranches.kernels``.

It is slow and obvious on purpose: the differential tests run the engine and this loop on the
same collections and require every tranche, fee and account flow to agree to a cent.

Rules, in the order of a period (the deal-file reference's "Order of events"):
1. interest collections and late fees (违约金, a line of their own) go to the interest pot,
   principal collections and recoveries to the principal pot; the PDL is debited with new defaults;
2. each class accrues ``balance × coupon × year fraction`` (+ the same on its carried shortfall
   when ``interest_on_shortfall``); fees accrue (tax: rate × (interest collected + late fees); fixed: amount ×
   year fraction; otherwise rate × basis balance × year fraction);
3. metric triggers are tested; phase; payment date; the clean-up call (payment dates after
   revolving, ``0 < pool end ≤ threshold × initial pool``, proceeds ``price × pool end``); the
   reserve target (0 in the last period and on a call, never above the notes);
4. on a payment date the reserve above its target is released into the interest pot (a liquidity
   reserve — one the waterfall's ``draw``/``fund_liquidity_reserve`` steps manage — only in the last
   period and on a call) and the phase's steps run in order; in other months only
   ``buy_receivables`` runs, from principal;
5. unpaid interest becomes the shortfall (payment dates); writedowns junior first. Before any
   residual, ``pay_residual`` pays each class, senior first, the interest it is still due, then
   each, senior first, the principal it is still owed: where the deal ends (a call; the legal
   final) its balance, and with ``writedown: period`` and
   ``reimburse_writedowns`` what was written down and not yet repaid (a negative writedown);
6. event triggers are tested.

Chinese consumer-ABS steps and triggers (deal-file reference, "Waterfall steps" and "triggers"):
the liquidity target is the next ``months`` periods' (those left in the deal) senior interest
(senior balance × coupon × accrual), senior fees (amount × accrual, rate × pool end × accrual or
rate × notes × accrual) and taxes (rate × this period's interest collected × periods), 0 in the
last period and on a call; the period return is ``rate × balance × months since the last payment
date / 12``; the shortfall undertaking and the default cover count what they paid over the deal's
life against their ``limit``; serious delinquency is the mean over the last ``average_periods``
periods of Σ bucket balances / pool end; a servicer event is 1 from its period, and in that period
``commingling_loss`` × each pot's collections is lost.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tranches import Structure, steps
from tranches.fees import Tax
from tranches.triggers import CALL_RTOL, CleanupCall

INT, PRIN = 0, 1
PHASE_CODES = {"revolving": 0, "amortising": 1, "accelerated": 2, "default": 3, "cleanup": 4}


def _is_month_end(d: dt.date) -> bool:
    return d.day == calendar.monthrange(d.year, d.month)[1]


def year_fraction(start: dt.date, end: dt.date, day_count: str) -> float:
    """30/360 (US, month-end rule: D1 = 31 or month end → 30; then D2 likewise when D1 = 30) or
    ACT/365F (days / 365)."""
    if day_count == "ACT/365F":
        return (end - start).days / 365.0
    d1 = 30 if (start.day == 31 or _is_month_end(start)) else start.day
    d2 = 30 if ((end.day == 31 or _is_month_end(end)) and d1 == 30) else end.day
    return (360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)) / 360.0


def _at(schedule: tuple[float, ...], t: int) -> float:
    """Period t's value of a schedule (1-based; the last value repeats)."""
    return float(schedule[min(t, len(schedule)) - 1])


@dataclass
class Out:
    """Per-period flows of one scenario (lists of length T)."""

    interest_paid: dict[str, list[float]] = field(default_factory=dict)
    principal_paid: dict[str, list[float]] = field(default_factory=dict)
    residual_paid: dict[str, list[float]] = field(default_factory=dict)
    writedown: dict[str, list[float]] = field(default_factory=dict)
    balance_end: dict[str, list[float]] = field(default_factory=dict)
    shortfall: dict[str, list[float]] = field(default_factory=dict)
    fee_paid: dict[str, list[float]] = field(default_factory=dict)
    reserve_end: list[float] = field(default_factory=list)
    pdl_end: list[float] = field(default_factory=list)
    interest_account_end: list[float] = field(default_factory=list)
    principal_account_end: list[float] = field(default_factory=list)
    purchased: list[float] = field(default_factory=list)
    called: list[bool] = field(default_factory=list)


class Reference:
    """One scenario of one structure, run period by period with :meth:`period`."""

    def __init__(
        self, st: Structure, dates: list[dt.date], pool0: float, *, ends_at_legal_final: bool, note_dates: list[dt.date] | None = None
    ) -> None:
        self.st, self.dates, self.pool0 = st, dates, pool0
        self.note_dates = note_dates if note_dates is not None else dates
        self.T = len(dates) - 1
        self.final = ends_at_legal_final
        self.names = [t.name for t in st.tranches]
        self.bal = {t.name: t.balance for t in st.tranches}
        self.accrued = dict.fromkeys(self.names, 0.0)
        self.short = dict.fromkeys(self.names, 0.0)
        self.wd_open = dict.fromkeys(self.names, 0.0)  # written down, not yet repaid
        self.fee_due = {f.name: 0.0 for f in st.fees}
        self.cash = [0.0, 0.0]
        self.reserve = st.reserve.initial if st.reserve is not None else 0.0
        self.target = 0.0
        self.pdl = 0.0
        self.rp_prev = 0.0
        self.cum_def = 0.0
        self.cum_rec = 0.0  # recoveries received so far
        self.cum_bought = 0.0
        self.called = False
        self.rev_ended = False
        self.since_pay = 0
        self.trig = {g.name: False for g in st.triggers}
        self.unable = 0.0
        self.last_pay = 0  # the period of the last payment date (0: none yet)
        self.support_paid: dict[str, float] = {}  # what each supporter (by step label) paid so far
        self.sdq: dict[str, list[float]] = {g.name: [] for g in st.triggers}  # serious-delinquency ratio of each period
        self.liquidity = any(
            isinstance(s, steps.DrawLiquidityReserve | steps.FundLiquidityReserve) for wf in st.waterfalls.values() for s in wf.steps
        )
        self.out = Out()
        for d in (self.out.interest_paid, self.out.principal_paid, self.out.residual_paid, self.out.writedown,
                  self.out.balance_end, self.out.shortfall):
            for n in self.names:
                d[n] = []
        for f in st.fees:
            self.out.fee_paid[f.name] = []

    # ------------------------------------------------------------------ helpers
    def pots(self, source: str) -> list[int]:
        base = {"interest": [INT], "principal": [PRIN], "interest_then_principal": [INT, PRIN], "principal_then_interest": [PRIN, INT]}[source]
        if self.st.collection_account == "combined" and len(base) == 1:
            base = [base[0], 1 - base[0]]
        return base

    def senior_need(self, names: tuple[str, ...], due: dict[str, float], paid_i: dict[str, float]) -> float:
        """Taxes and senior-ranked fees due now + interest still due to ``names`` (default: the
        classes of class "senior")."""
        names = names or tuple(tr.name for tr in self.st.tranches if tr.tranche_class == "senior")
        need = sum(self.fee_due[f.name] for f in self.st.fees if f.rank == "senior")
        return need + sum(max(due[n] - paid_i[n], 0.0) for n in names)

    def liquidity_target(self, t: int, months: int, names: tuple[str, ...], ic: float, pe: float, ending: bool) -> float:
        """The next ``months`` periods' (those left) senior interest, senior fees and taxes."""
        periods = [u for u in range(t + 1, t + months + 1) if u <= self.T]
        if not periods or ending:
            return 0.0
        names = names or tuple(tr.name for tr in self.st.tranches if tr.tranche_class == "senior")
        target = 0.0
        for tr in self.st.tranches:
            if tr.name in names:
                for u in periods:
                    target += self.bal[tr.name] * _at(tr.coupons, u) * year_fraction(self.note_dates[u - 1], self.note_dates[u], tr.day_count)
        notes = sum(self.bal.values())
        for f in self.st.fees:
            if f.rank != "senior":
                continue
            if isinstance(f, Tax):
                target += f.rate * ic * len(periods)
                continue
            for u in periods:
                yf = year_fraction(self.dates[u - 1], self.dates[u], f.day_count)
                if f.basis == "fixed":
                    target += f.amount * yf
                else:
                    target += f.rate * yf * (pe if f.basis == "pool_balance" else notes)
        return target

    def take(self, pots: list[int], want: float) -> float:
        """Take up to ``want`` from the pots in order."""
        got = 0.0
        for p in pots:
            x = min(want - got, self.cash[p])
            if x > 0:
                self.cash[p] -= x
                got += x
        return got

    def call_covers(self, cl: CleanupCall, pe: float) -> bool:
        """The call's condition, written out: with ``redeems`` "rated" (every class but the
        subordinated) or "all", the proceeds with the cash in both pots and the reserve must repay
        every expense due and the classes' interest due and balances; "any" always."""
        if cl.redeems == "any":
            return True
        owed = sum(self.fee_due.values())
        for tr in self.st.tranches:
            if cl.redeems == "all" or tr.tranche_class != "subordinated":
                owed += self.accrued[tr.name] + self.short[tr.name] + self.bal[tr.name]
        have = cl.price * pe + self.cash[0] + self.cash[1] + self.reserve
        return have >= owed * (1.0 - CALL_RTOL)

    def in_force(self, effect: str) -> bool:
        return any(self.trig[g.name] for g in self.st.triggers if g.effect == effect)

    def judge(self, g: Any, t: int, value: float, tested: bool) -> None:
        thr = _at(g.thresholds, t)
        breached = {"above": value > thr, "below": value < thr, "at_least": value >= thr}[g.breach_when] and tested
        if g.curable:
            if tested:
                self.trig[g.name] = breached
        elif breached:
            self.trig[g.name] = True

    # ------------------------------------------------------------------ one period
    def period(
        self, t: int, *, ic: float, pc: float, rec: float, nd: float, pb: float, pe: float, dq: float, cap: float,
        buckets: list[float] | None = None, lf: float = 0.0, pl: float = 0.0, rp: float = 0.0, ap: float = 0.0, dc: float = 0.0,
    ) -> None:
        """``buckets``: the pool's balances by delinquency bucket M0 … M6 at the period's end (needed
        by ``serious_delinquency`` triggers); ``lf``: late fees collected (income like interest:
        taxed, in excess spread and the liquidity target's taxes; lost with interest on commingling);
        ``pl``: principal lost other than by default (a buy-back discount): a PDL debit, not a default;
        ``rp``: recoveries still to come on the defaults so far, collateral in the period writedown
        test before the last period; ``ap``: principal advanced on defaulted receivables (inside
        ``pc``), a PDL credit like the recoveries."""
        st = self.st
        live = not self.called
        if not live:
            ic = pc = rec = nd = pe = dq = lf = pl = rp = ap = dc = 0.0
        paid_i = dict.fromkeys(self.names, 0.0)
        paid_p = dict.fromkeys(self.names, 0.0)
        resid = dict.fromkeys(self.names, 0.0)
        wdn = dict.fromkeys(self.names, 0.0)
        fee_paid = {f.name: 0.0 for f in st.fees}
        bought = 0.0
        # 1. collections
        self.cash[INT] += ic + lf
        self.cash[PRIN] += pc + rec
        income = ic + lf
        self.pdl += nd + pl
        self.cum_def += nd + dc  # counted as defaults by the deal's rules, not lost: no PDL debit
        self.cum_rec += rec
        for g in st.triggers:  # a servicer event: part of the period's collections lost with the servicer
            if g.metric == "servicer_event" and g.event_period == t and g.commingling_loss > 0.0:
                for p, inflow in ((INT, income), (PRIN, pc + rec)):
                    lost = min(g.commingling_loss * inflow, self.cash[p])
                    self.cash[p] -= lost
                    if p == PRIN:  # lost principal is a principal loss: the PDL is debited by it
                        self.pdl += lost
        if live:  # the recoveries credit the PDL, with the change in those still to come (none after the last period)
            now = 0.0 if t == self.T else rp
            credit = rec + ap + (now - self.rp_prev)
            self.rp_prev = now
            self.pdl -= min(credit, self.pdl)
        # 2. accruals
        start, end = self.dates[t - 1], self.dates[t]
        notes_begin = sum(self.bal.values())
        note_accr = 0.0
        n_start, n_end = self.note_dates[t - 1], self.note_dates[t]
        for tr in st.tranches:
            c = _at(tr.coupons, t) * year_fraction(n_start, n_end, tr.day_count)
            a = self.bal[tr.name] * c + (self.short[tr.name] * c if tr.interest_on_shortfall else 0.0)
            self.accrued[tr.name] += a
            note_accr += a
        fee_accr = 0.0
        for f in st.fees:
            if isinstance(f, Tax):
                a = f.rate * income
            elif f.basis == "fixed":
                a = f.amount * year_fraction(start, end, f.day_count)
            else:
                a = f.rate * (pb if f.basis == "pool_balance" else notes_begin) * year_fraction(start, end, f.day_count)
            a = a if live else 0.0
            self.fee_due[f.name] += a
            fee_accr += a
        # 3. metric triggers, phase, payment date, call, reserve target
        for g in st.triggers:
            if g.metric == "cumulative_default_rate":
                self.judge(g, t, self.cum_def / (self.pool0 + self.cum_bought), live)
            elif g.metric == "cumulative_net_loss_rate":
                self.judge(g, t, (self.cum_def - self.cum_rec) / (self.pool0 + self.cum_bought), live)
            elif g.metric == "delinquency_ratio":
                self.judge(g, t, dq / pe if pe > 0 else 0.0, live)
            elif g.metric == "excess_spread":
                self.judge(g, t, 12.0 * (income - note_accr - fee_accr) / pb if pb > 0 else 0.0, live)
            elif g.metric == "serious_delinquency":
                if buckets is None:
                    raise ValueError(f"reference waterfall: trigger {g.name!r} needs the bucket balances")
                lo, hi = g.buckets
                self.sdq[g.name].append(sum(buckets[lo : hi + 1]) / pe if pe > 0 else 0.0)
                window = self.sdq[g.name][-g.average_periods :]
                self.judge(g, t, sum(window) / len(window), live)
            elif g.metric == "servicer_event":
                self.judge(g, t, 1.0 if (g.event_period is not None and t >= g.event_period) else 0.0, live)
        if self.in_force("end_revolving") or self.in_force("accelerate") or self.in_force("default"):
            self.rev_ended = True
        phase = "revolving" if (t <= st.revolving_periods and not self.rev_ended) else "amortising"
        if self.in_force("accelerate"):
            phase = "accelerated"
        if self.in_force("default"):
            phase = "default"
        every = {p: st.payment_every.get(p, 1) for p in PHASE_CODES}
        if not live:
            pay = False
        elif t == self.T or all(v == 1 for v in every.values()):
            pay = True
        else:
            pay = self.since_pay + 1 >= every[phase]
        self.since_pay = 0 if pay else self.since_pay + 1
        called_now = False
        cl = st.cleanup
        if cl is not None and pay and phase != "revolving" and 0.0 < pe <= cl.threshold * self.pool0 and self.call_covers(cl, pe):
            called_now = True
            self.cash[PRIN] += cl.price * pe
            self.pdl += self.rp_prev  # the recoveries still to come go with the pool: a loss to the trust
            self.rp_prev = 0.0
            if "cleanup" in st.waterfalls:
                phase = "cleanup"
        target_now = 0.0
        rs = st.reserve
        if rs is not None:
            if rs.basis == "fixed":
                tgt = max(rs.amount, rs.floor)
            else:
                tgt = max(rs.rate * (notes_begin if rs.basis == "note_balance" else pe), rs.floor)
            if not rs.step_down:
                tgt = max(tgt, self.target)
            if pay:
                self.target = tgt
            target_now = 0.0 if (t == self.T or called_now) else min(self.target, notes_begin)
        due = {n: (self.accrued[n] + self.short[n]) if pay else 0.0 for n in self.names}
        # 4. reserve release and the waterfall
        if rs is not None and pay and (not self.liquidity or t == self.T or called_now):
            x = max(self.reserve - target_now, 0.0)
            self.reserve -= x
            self.cash[INT] += x
        sequential = self.in_force("sequential")
        wf = st.waterfalls.get(phase)
        fee_paid_now = {f.name: 0.0 for f in st.fees}
        for s in wf.steps if (wf is not None and live) else ():
            if not pay and not isinstance(s, steps.BuyReceivables):
                continue
            if isinstance(s, steps.DrawReserve):
                self.cash[INT if s.to == "interest" else PRIN] += self.reserve
                self.reserve = 0.0
            elif isinstance(s, steps.PayTax | steps.PayFee):
                name = s.tax if isinstance(s, steps.PayTax) else s.fee
                f = next(e for e in st.fees if e.name == name)
                want = self.fee_due[name]
                capped = isinstance(s, steps.PayTax) or s.capped
                if capped and f.cap is not None:
                    want = min(want, max(f.cap - fee_paid_now[name], 0.0))
                x = self.take(self.pots(s.source), want)
                self.fee_due[name] -= x
                fee_paid_now[name] += x
                fee_paid[name] += x
            elif isinstance(s, steps.PayInterest):
                pots = self.pots(s.source)
                if s.mode == "pro_rata" and len(s.tranches) > 1:
                    owed = {n: max(due[n] - paid_i[n], 0.0) for n in s.tranches}
                    total = sum(owed.values())
                    x = self.take(pots, total)
                    for n in s.tranches:
                        paid_i[n] += owed[n] * (x / total if total > 0 else 0.0)
                else:
                    for n in s.tranches:
                        paid_i[n] += self.take(pots, due[n] - paid_i[n])
            elif isinstance(s, steps.PayPrincipal):
                pots = self.pots(s.source)
                group = sum(self.bal[n] for n in s.tranches)
                limit = group
                if s.advance_rate is not None:
                    first = min(self.names.index(n) for n in s.tranches)
                    senior = sum(self.bal[n] for n in self.names[:first])
                    limit = min(max(group + senior - s.advance_rate * pe, 0.0), group)
                    if (t == self.T and self.final) or called_now:  # the deal ends: no target OC kept
                        limit = group
                if s.mode == "pro_rata" and len(s.tranches) > 1 and not sequential:
                    x = self.take(pots, limit)
                    shares = {n: self.bal[n] * (x / group if group > 0 else 0.0) for n in s.tranches}
                    for n in s.tranches:
                        paid_p[n] += shares[n]
                        self.bal[n] = max(self.bal[n] - shares[n], 0.0)
                else:
                    left = limit
                    for n in s.tranches:
                        x = self.take(pots, min(self.bal[n], left))
                        left -= x
                        paid_p[n] += x
                        self.bal[n] -= x
            elif isinstance(s, steps.FundReserve):
                x = self.take(self.pots(s.source), max(target_now - self.reserve, 0.0))
                self.reserve += x
            elif isinstance(s, steps.CoverPDL):
                x = self.take(self.pots(s.source), self.pdl)
                self.pdl -= x
                self.cash[PRIN] += x
            elif isinstance(s, steps.BuyReceivables):
                room = min(max(cap - bought, 0.0) * s.price, 1e300)
                x = self.take(self.pots(s.source) if pay else [PRIN], room)
                bought += x / s.price
            elif isinstance(s, steps.DrawLiquidityReserve):
                to = INT if s.to == "interest" else PRIN
                cash = self.cash[INT] + self.cash[PRIN] if st.collection_account == "combined" else self.cash[to]
                x = min(self.reserve, max(self.senior_need(s.tranches, due, paid_i) - cash, 0.0))
                self.reserve -= x
                self.cash[to] += x
            elif isinstance(s, steps.FundLiquidityReserve):
                tgt = self.liquidity_target(t, s.months, s.tranches, income, pe, called_now)
                x = self.take(self.pots(s.source), max(tgt - self.reserve, 0.0))
                self.reserve += x
            elif isinstance(s, steps.ReleaseReserve):
                tgt = self.liquidity_target(t, s.months, s.tranches, income, pe, called_now) if s.liquidity else target_now
                x = max(self.reserve - tgt, 0.0)
                self.reserve -= x
                self.cash[INT if s.to == "interest" else PRIN] += x
            elif isinstance(s, steps.PayPeriodReturn):
                pots = self.pots(s.source)
                if called_now or (live and t == self.T and self.final):  # the deal ends: every class still owed first
                    for n in self.names:
                        y = self.take(pots, self.bal[n])
                        self.bal[n] -= y
                        paid_p[n] += y
                months = t - self.last_pay
                x = self.take(pots, s.rate * self.bal[s.tranche] * months / 12.0)
                resid[s.tranche] += x
                for n in s.turbo:
                    x = self.take(pots, min(self.bal[n], sum(self.cash[p] for p in pots)))
                    paid_p[n] += x
                    self.bal[n] -= x
            elif isinstance(s, steps.ShortfallSupport):
                if s.provider_default_period is not None and t >= s.provider_default_period:
                    continue
                room = max(s.limit - self.support_paid.get(s.label, 0.0), 0.0)
                need_int = self.senior_need(s.tranches, due, paid_i)
                at_maturity = t >= (s.principal_from if s.principal_from is not None else self.T)
                need_prin = sum(self.bal[n] for n in s.tranches) if (at_maturity or called_now) else 0.0
                if st.collection_account == "combined":
                    short_int = max(need_int + need_prin - self.cash[INT] - self.cash[PRIN], 0.0)
                    short_prin = 0.0
                else:
                    short_int = max(need_int - self.cash[INT], 0.0)
                    short_prin = max(need_prin - self.cash[PRIN], 0.0)
                x_int = min(short_int, room)
                x_prin = min(short_prin, room - x_int)
                self.cash[INT] += x_int
                self.cash[PRIN] += x_prin
                self.support_paid[s.label] = self.support_paid.get(s.label, 0.0) + x_int + x_prin
            elif isinstance(s, steps.DefaultCover):
                before = self.support_paid.get(s.label, 0.0)
                x = max(min(s.price * s.share * self.cum_def - before, s.limit - before), 0.0)
                self.cash[PRIN] += x
                self.pdl -= min(self.pdl, x)
                self.support_paid[s.label] = before + x
            elif isinstance(s, steps.PayResidual):
                pots = self.pots(s.source)
                ends = called_now or (live and t == self.T and self.final)
                reimburse = st.writedown == "period" and st.reimburse_writedowns
                for n in self.names:  # first the interest each class is still due (its carried shortfall in it), senior first
                    paid_i[n] += self.take(pots, max(due[n] - paid_i[n], 0.0))
                for n in self.names:  # then the principal each is still owed, senior first
                    final = self.bal[n] if ends else 0.0  # the deal ends: the balance, else written down at once
                    still = self.wd_open[n] if reimburse else 0.0  # written down, not yet repaid
                    x = self.take(pots, final + still)
                    to_balance = min(x, final)
                    self.bal[n] -= to_balance
                    self.wd_open[n] -= x - to_balance
                    wdn[n] -= x - to_balance
                    paid_p[n] += x
                x = self.take(pots, sum(self.cash[p] for p in pots))
                resid[self.names[-1]] += x
            else:
                raise NotImplementedError(f"reference waterfall: step {type(s).__name__} is not modelled here yet")
        self.cum_bought += bought
        # 5. shortfalls, writedowns
        if pay:
            for n in self.names:
                self.short[n] = max(due[n] - paid_i[n], 0.0)
                self.accrued[n] = 0.0
        last = live and t == self.T
        if (pay if st.writedown == "period" else last) or called_now:
            notes = sum(self.bal.values())
            cover = pe + bought + self.cash[PRIN] + (rp if t < self.T else 0.0) + (self.cash[INT] if st.collection_account == "combined" else 0.0)
            excess = notes if (called_now or (last and self.final)) else max(notes - cover, 0.0)
            for n in reversed(self.names):
                x = min(self.bal[n], excess)
                wdn[n] += x
                self.wd_open[n] += x
                self.bal[n] -= x
                excess -= x
        # 6. event triggers
        for g in st.triggers:
            if g.metric == "missed_senior_interest":
                value = sum(max(due[tr.name] - paid_i[tr.name], 0.0) for tr in st.tranches if tr.tranche_class == "senior")
                value = value if (pay and value > g.tolerance) else 0.0
                self.judge(g, t, value, live and pay)
            elif g.metric == "unable_to_revolve":
                self.unable = self.unable + 1.0 if (phase == "revolving" and self.cash[PRIN] > g.tolerance) else 0.0
                self.judge(g, t, self.unable, live)
        self.called = self.called or called_now
        if pay:
            self.last_pay = t
        o = self.out
        for n in self.names:
            o.interest_paid[n].append(paid_i[n])
            o.principal_paid[n].append(paid_p[n])
            o.residual_paid[n].append(resid[n])
            o.writedown[n].append(wdn[n])
            o.balance_end[n].append(self.bal[n])
            o.shortfall[n].append(self.short[n])
        for f in st.fees:
            o.fee_paid[f.name].append(fee_paid[f.name])
        o.reserve_end.append(self.reserve)
        o.pdl_end.append(self.pdl)
        o.interest_account_end.append(self.cash[INT])
        o.principal_account_end.append(self.cash[PRIN])
        o.purchased.append(bought)
        o.called.append(called_now)


def note_payment_dates(cutoff: dt.date, periods: int, *, closing: dt.date | None, first_payment: dt.date | None) -> list[dt.date]:
    """``[closing, payment date of period 1, …]`` as the deal-file reference states it: collection
    period t (the t-th calendar month after the cut-off) is paid in the following month on the day
    of ``first_payment`` (clipped to the month), moved to the next weekday; without
    ``first_payment``, on the period's last day."""
    out = [closing or cutoff]
    y, m = cutoff.year, cutoff.month
    for _ in range(periods):
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)  # the collection month
        if first_payment is None:
            out.append(dt.date(y, m, calendar.monthrange(y, m)[1]))
            continue
        py, pm = (y + 1, 1) if m == 12 else (y, m + 1)
        d = dt.date(py, pm, min(first_payment.day, calendar.monthrange(py, pm)[1]))
        while d.weekday() >= 5:
            d += dt.timedelta(days=1)
        out.append(d)
    return out


def as_dates(values: Any) -> list[dt.date]:
    """datetime64 values → ``datetime.date`` list."""
    return [dt.date.fromisoformat(str(np.datetime64(v, "D"))) for v in values]


def compare(engine: Any, ref: Out, scenario: int, *, tol: float) -> float:
    """Largest absolute difference between a :class:`tranches.LiabilityResult` (one scenario) and
    the reference's flows; raises AssertionError naming the first flow off by more than ``tol``."""
    pairs: list[tuple[str, Any, list[float]]] = []
    for n in engine.tranche_names:
        tr = engine.tranche(n)
        pairs += [
            (f"{n}.interest_paid", tr.interest_paid[scenario], ref.interest_paid[n]),
            (f"{n}.principal_paid", tr.principal_paid[scenario], ref.principal_paid[n]),
            (f"{n}.residual_paid", tr.residual_paid[scenario], ref.residual_paid[n]),
            (f"{n}.writedown", tr.writedown[scenario], ref.writedown[n]),
            (f"{n}.balance_end", tr.balance_end[scenario], ref.balance_end[n]),
            (f"{n}.interest_shortfall", tr.interest_shortfall[scenario], ref.shortfall[n]),
        ]
    for f in engine.fee_names:
        pairs.append((f"{f}.paid", engine.fee(f).paid[scenario], ref.fee_paid[f]))
    acc = engine.account_frame(scenario)
    pairs += [
        ("reserve_end", acc["reserve_end"].to_numpy(), ref.reserve_end),
        ("pdl_end", acc["pdl_end"].to_numpy(), ref.pdl_end),
        ("interest_account_end", acc["interest_account_end"].to_numpy(), ref.interest_account_end),
        ("principal_account_end", acc["principal_account_end"].to_numpy(), ref.principal_account_end),
        ("purchased", engine.purchased[scenario], ref.purchased),
    ]
    worst = 0.0
    for label, got, want in pairs:
        diff = np.abs(np.asarray(got, dtype=np.float64) - np.asarray(want, dtype=np.float64))
        i = int(np.argmax(diff))
        if diff[i] > tol:
            raise AssertionError(f"{label} differs in period {i + 1}: engine {got[i]!r}, reference {want[i]!r}")
        worst = max(worst, float(diff[i]))
    called = list(np.asarray(engine.called[scenario], dtype=bool))
    if called != ref.called:
        raise AssertionError(f"clean-up call periods differ: engine {called}, reference {ref.called}")
    return worst

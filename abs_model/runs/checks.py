"""The deal-life checks of a :class:`~abs_model.runs.result.DealResult`, recomputed from its frames.

Each check is a named :class:`~abs_model.projection.cashflows.CheckResult` holding its worst value
(the largest violation over the periods, tranches or triggers it covers) and its tolerance. A
broken invariant is a failed check, never a pass and never silently dropped: the report and the
workbook list every check, and the CLI exits non-zero on a failed one. Every check reads the
result's frames (scenario 0), not the engine's internals, so it would catch an engine that
moved cash into no account.

- ``ledger``: cash in = cash out + change in account balances, every period. Defined as
  ``Σ into the deal (pool collections, clean-up proceeds) − Σ out of it (notes, fees, taxes,
  purchases) = Δ(interest account + principal account + reserve)``, the reserve starting at its
  pre-funded balance.
- ``accounts at the end``: interest account + principal account + reserve after the last period
  (legal final, clean-up or pool exhausted) — every account is released through the waterfall.
- ``PDL``: ``PDL(t−1) + debit_t − credit_t = PDL(t)`` every period, from the accounts (a credit
  the engine applied but did not book, as a guarantor's cover once was, breaks it).
- ``notes paid or written down``: ``original = Σ principal paid + Σ writedown``, every class.
- ``notes roll-forward``: ``beginning − principal − writedown = ending``, every period and class;
  no balance negative.
- ``residual while owed``: no ``pay_residual`` cash while a class is owed principal or interest.
  Every period ``min(residual_t, Σ_k shortfall_k(t))`` (interest unpaid after the period's
  waterfall) and, with ``writedown: period`` and ``reimburse_writedowns``, ``+ Σ_k open_k(t)``,
  ``open_k(t) = Σ_{s<t} writedown_k(s) − repaid_k(t)``, the writedowns net of earlier repayments
  and ``repaid`` the ledger's ``pay_residual`` rows to ``k:principal``; in the period the deal
  ends (a clean-up call, else the last) also ``min(residual, Σ writedown)``, the writedowns of
  that period (of the life where writedowns are repaid) — residual there means every class was
  paid in full.
- ``collections``: collections into the waterfall = pool collections − collection costs paid.
- ``late fees``: the waterfall's late-fee line (违约金, a line of available funds of its own) =
  the late fees the trust receives less the collection costs left after the pots netted first
  (recoveries when costs are ``netted_from_recoveries``, then interest collections), and the
  interest line = interest collections less the costs netted from them: defined per period as
  ``c = costs paid − min(costs paid, recoveries)`` (that rank only), ``interest line = income −
  min(income, c)``, ``late-fee line = lf − min(lf, max(c − income, 0))``.
- ``clean-up``: proceeds in the ledger = call price × pool balance sold; ``clean-up redeems``
  (a call conditioned on redeeming the notes, ``redeems`` not "any"): in the call's period every
  class it must redeem ends at 0 with nothing written down — the condition tests cash against
  what is owed before the waterfall runs, this checks what the waterfall paid; ``purchases``: par
  bought by the waterfall = purchases added to the pool.
- ``cumulative default stated``: under the Chinese cumulative default rate (累计违约率, a static
  pool), the defaults reach what the assumptions state over the periods run (to the clean-up call):
  ``Σ_{s≤t} defaults_s ≥ cumulative_default × default multiple × initial pool × Σ_{s≤t} timing_s``
  every period. The projection caps each period's defaults at the performing balance, so a rate
  the pool cannot reach (prepaid or amortised first) used to be reported as stated while fewer
  defaults were run; the check's value is the largest shortfall.
- ``triggers``: each cumulative-default, net-loss and delinquency trigger's value recomputed from
  the pool frame (cumulative defaults / (initial pool + purchases before the period); for the net
  loss less the recoveries the ledger's ``collect_recoveries`` rows received; M2–M6 balance /
  pool balance).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from abs_model.projection.cashflows import CheckResult
from abs_model.projection.engine import trust_late_fees
from tranches.ledger import POTS, RESERVE
from tranches.triggers import CleanupCall

if TYPE_CHECKING:
    import pandas as pd

    from abs_model.runs.result import DealResult

CENT = 0.005
"""Smallest tolerance of a money check (half a cent)."""


def _is_pot(label: str) -> bool:
    return all(part in POTS for part in label.split("+"))


def money_tolerance(result: DealResult) -> float:
    """Tolerance of the money checks: ``max(CENT, 1e-9 × deal size)`` (float rounding over a
    deal of billions)."""
    notes = sum(t.balance for t in result.deal.structure.tranches)
    return max(CENT, 1e-9 * max(result.deal.pool.balance, notes))


def deal_checks(result: DealResult) -> tuple[CheckResult, ...]:
    """Every deal-life check of the module doc, in order."""
    tol = money_tolerance(result)
    out = [
        _ledger(result, tol),
        _accounts_at_end(result, tol),
        _pdl_roll_forward(result, tol),
        _notes_settled(result, tol),
        *_notes_roll_forward(result, tol),
        *_residual_while_owed(result, tol),
        _collections(result, tol),
        _late_fee_line(result, tol),
        *_cleanup_and_purchases(result, tol),
        *_cumulative_default_stated(result, tol),
    ]
    trig = _triggers(result)
    if trig is not None:
        out.append(trig)
    return tuple(out)


def _ledger(result: DealResult, tol: float) -> CheckResult:
    led, acc = result.ledger, result.accounts
    T = len(acc)
    src = led["source"].to_numpy()
    dst = led["target"].to_numpy()
    inside = {label: _is_pot(label) or label == RESERVE for label in {*src, *dst}}
    src_in = np.array([not inside[x] for x in src], dtype=bool)
    dst_out = np.array([not inside[x] for x in dst], dtype=bool)
    period = led["period"].to_numpy(dtype=np.int64) - 1
    amount = led["amount"].to_numpy(dtype=np.float64)
    cash_in = np.bincount(period[src_in], weights=amount[src_in], minlength=T)[:T]
    cash_out = np.bincount(period[dst_out], weights=amount[dst_out], minlength=T)[:T]
    held = (acc["interest_account_end"].to_numpy() + acc["principal_account_end"].to_numpy() + acc["reserve_end"].to_numpy())
    reserve = result.deal.structure.reserve
    before = np.concatenate([[reserve.initial if reserve is not None else 0.0], held[:-1]])
    gap = cash_in - cash_out - (held - before)
    return CheckResult("ledger: cash in = cash out + change in account balances, every period", _worst(gap), tol)


def _accounts_at_end(result: DealResult, tol: float) -> CheckResult:
    acc = result.accounts
    if acc.empty:
        return CheckResult("accounts: no cash left in any account at the end", 0.0, tol)
    last = acc.iloc[-1]
    left = float(last["interest_account_end"] + last["principal_account_end"] + last["reserve_end"])
    return CheckResult("accounts: no cash left in any account at the end", abs(left), tol)


def _pdl_roll_forward(result: DealResult, tol: float) -> CheckResult:
    """``PDL(t−1) + debit_t − credit_t = PDL(t)``: every debit (defaults, principal lost, recoveries
    that do not come) and every credit (cover_pdl, recoveries, advances, a guarantor's or the
    originator's cover) booked in the accounts."""
    acc = result.accounts
    name = "PDL: previous balance + debit − credit = balance, every period"
    if acc.empty:
        return CheckResult(name, 0.0, tol)
    end = acc["pdl_end"].to_numpy(dtype=np.float64)
    before = np.concatenate([[0.0], end[:-1]])
    gap = before + acc["pdl_debit"].to_numpy(dtype=np.float64) - acc["pdl_credit"].to_numpy(dtype=np.float64) - end
    return CheckResult(name, _worst(gap), tol)


def _notes_settled(result: DealResult, tol: float) -> CheckResult:
    worst = 0.0
    for t in result.deal.structure.tranches:
        f = result.tranches[t.name]
        worst = max(worst, _worst(np.array([t.balance - float(f["principal_paid"].sum()) - float(f["writedown"].sum())])))
    return CheckResult("notes: original balance = principal paid + written down, every class", worst, tol)


def _notes_roll_forward(result: DealResult, tol: float) -> tuple[CheckResult, CheckResult]:
    worst, negative = 0.0, 0.0
    for f in result.tranches.values():
        gap = f["balance_begin"] - f["principal_paid"] - f["writedown"] - f["balance_end"]
        worst = max(worst, _worst(gap.to_numpy()))
        negative = max(negative, _worst(np.minimum(f["balance_end"].to_numpy(dtype=np.float64), 0.0)))  # NaN: infinitely wrong
    return (
        CheckResult("notes: beginning − principal − writedown = ending, every tranche", worst, tol),
        CheckResult("notes: no balance below zero", negative, tol),
    )


def _residual_while_owed(result: DealResult, tol: float) -> tuple[CheckResult, ...]:
    """The module doc's ``residual while owed`` check."""
    s = result.deal.structure
    led = result.ledger
    T = len(result.accounts)
    if T == 0:
        return ()
    step = (led["step"] == "pay_residual").to_numpy()
    target = led["target"].astype(str).to_numpy()
    period = led["period"].to_numpy(dtype=np.int64) - 1
    amount = led["amount"].to_numpy(dtype=np.float64)

    def per_period(pick: np.ndarray) -> np.ndarray:
        return np.bincount(period[pick], weights=amount[pick], minlength=T)[:T]

    resid = per_period(step & np.char.endswith(target.astype(np.str_), ":residual"))
    called = result.revolving["called"].to_numpy(dtype=bool)[:T] if "called" in result.revolving else np.zeros(T, dtype=bool)
    end = int(np.argmax(called)) if called.any() else T - 1
    repaid = s.writedown == "period" and s.reimburse_writedowns  # else a writedown before the end is for good
    wds = [result.tranches[t.name]["writedown"].to_numpy(dtype=np.float64)[:T] for t in s.tranches]
    lost = sum(float(wd.sum() if repaid else wd[end]) for wd in wds)
    owed = sum(result.tranches[t.name]["interest_shortfall"].to_numpy(dtype=np.float64)[:T] for t in s.tranches)
    worst = min(float(resid[end]), max(lost, 0.0))
    if repaid:
        for t, wd in zip(s.tranches, wds, strict=True):
            before = np.concatenate([[0.0], np.cumsum(wd)[:-1]])
            owed = owed + np.maximum(before - per_period(step & (target == f"{t.name}:principal")), 0.0)
    worst = max(worst, _worst(np.minimum(resid, owed)))
    return (CheckResult("residual: none paid while a class is owed principal or interest", worst, tol),)


def _collections(result: DealResult, tol: float) -> CheckResult:
    p = result.pool
    pool_cash = (p["principal_collections"] + p["fee_interest"] + p["prepayment_fee"] + p["recoveries"] - p["collection_costs_paid"]).iloc[1:].sum()
    pool_cash += float(trust_late_fees({"late_fees": p["late_fees"].to_numpy()}, result.assumptions)[1:].sum())  # 违约金 the trust receives
    pool_cash += float(p["advanced_interest"].iloc[1:].sum()) if "advanced_interest" in p else 0.0  # P&I advancing
    led = result.ledger
    into_deal = float(led.loc[led["source"] == "pool", "amount"].sum())
    return CheckResult("collections into the waterfall = pool collections − collection costs paid", abs(into_deal - float(pool_cash)), tol)


def _late_fee_line(result: DealResult, tol: float) -> CheckResult:
    p = result.pool.iloc[1:]
    costs = p["collection_costs_paid"].to_numpy(dtype=np.float64)
    strategy = result.assumptions.collections
    if strategy is not None and strategy.cost_rank == "netted_from_recoveries":
        costs = costs - np.minimum(costs, p["recoveries"].to_numpy(dtype=np.float64))
    income = (p["fee_interest"] + p["prepayment_fee"]).to_numpy(dtype=np.float64)
    if "advanced_interest" in p:  # P&I advancing: advanced interest is interest collections
        income = income + p["advanced_interest"].to_numpy(dtype=np.float64)
    lf = trust_late_fees({"late_fees": p["late_fees"].to_numpy(dtype=np.float64)}, result.assumptions)
    want_int = income - np.minimum(income, costs)
    want_lf = lf - np.minimum(lf, np.maximum(costs - income, 0.0))
    led = result.ledger
    T = len(p)
    rows = led["period"].to_numpy(dtype=np.int64) - 1
    amount = led["amount"].to_numpy(dtype=np.float64)
    got = {}
    for step in ("collect_interest", "collect_late_fees"):
        pick = (led["source"] == "pool").to_numpy() & (led["step"] == step).to_numpy()
        got[step] = np.bincount(rows[pick], weights=amount[pick], minlength=T)[:T]
    gap = np.maximum(np.abs(got["collect_interest"] - want_int), np.abs(got["collect_late_fees"] - want_lf))
    return CheckResult("late fees: a line of available funds of their own, interest collections without them", _worst(gap), tol)


def _cleanup_and_purchases(result: DealResult, tol: float) -> tuple[CheckResult, ...]:
    out = []
    p, led = result.pool, result.ledger
    cl = result.deal.structure.cleanup
    if cl is not None:
        # the whole pool sold, restructured plans outside the collateral balance included
        sold = p["cleanup_sale"].to_numpy()[1:] if "cleanup_sale" in p else np.zeros(len(p) - 1)
        call = (led["source"] == "cleanup_call").to_numpy()
        rows = led["period"].to_numpy(dtype=np.int64)[call] - 1
        paid = np.bincount(rows, weights=led["amount"].to_numpy(dtype=np.float64)[call], minlength=len(sold))[: len(sold)]
        out.append(CheckResult("clean-up: proceeds = call price × pool balance sold", _worst(paid - cl.price * sold), tol))
        if cl.redeems != "any":
            out.append(_call_redeemed(result, cl, tol))
    if result.deal.revolving.active:
        bought = result.revolving["purchased"].to_numpy()
        added = p["purchases"].to_numpy()[1:] if "purchases" in p else np.zeros(len(bought))
        out.append(CheckResult("purchases: receivables bought by the waterfall = purchases added to the pool", _worst(bought - added), tol))
    return tuple(out)


def _call_redeemed(result: DealResult, cl: CleanupCall, tol: float) -> CheckResult:
    """The module doc's ``clean-up redeems`` check: in a call's period every class the call must
    redeem (``rated``: all but the subordinated; ``all``) ends at 0, nothing written down."""
    lia = result.liabilities
    called = np.asarray(lia.called[0], dtype=bool)
    gap = np.zeros(called.size)
    for t in result.deal.structure.tranches:
        if cl.must_redeem(t.tranche_class):
            tr = lia.tranche(t.name)
            gap += (np.abs(tr.writedown[0]) + np.abs(tr.balance_end[0])) * called
    which = "every class" if cl.redeems == "all" else "every class but the subordinated"
    return CheckResult(f"clean-up: the call repaid {which} in full (nothing written down)", _worst(gap), tol)


def _cumulative_default_stated(result: DealResult, tol: float) -> tuple[CheckResult, ...]:
    """The module doc's ``cumulative default stated`` check (static pools under a cumulative
    default rate only: revolving purchases default on their own balance)."""
    a = result.assumptions
    if a.cumulative_default is None or a.default_timing is None or result.deal.revolving.active:
        return ()
    p = result.pool
    T = len(p) - 1
    called = result.revolving["called"].to_numpy(dtype=bool) if "called" in result.revolving else np.zeros(T, dtype=bool)
    end = int(np.argmax(called)) + 1 if called.any() else T  # no defaults after the pool is sold
    w = a.default_timing.at(np.arange(1, end + 1))
    stated = np.cumsum(a.cumulative_default * a.default_multiplier * result.deal.pool.balance * w)
    realised = np.cumsum(p["defaults"].to_numpy(dtype=np.float64)[1 : end + 1])
    short = float(np.max(stated - realised, initial=0.0))
    name = "defaults: the stated cumulative default rate (累计违约率) reached over the periods run (shortfall)"
    return (CheckResult(name, max(short, 0.0), tol),)


def _triggers(result: DealResult) -> CheckResult | None:
    """Worst relative difference between each trigger's reported value and its value recomputed
    from the pool frame (only the metrics a pool frame determines)."""
    p = result.pool.iloc[1:]
    restr = result.assumptions.collections.rules if result.assumptions.collections is not None else None
    defaults = p["defaults"].to_numpy()
    delinquent = sum(p[f"balance_m{j}"].to_numpy() for j in range(2, 7))
    bought = result.revolving["purchased"].to_numpy()
    pool_end = p["closing_balance"].to_numpy() - bought  # tested before the period's purchases
    restructured = np.zeros_like(pool_end)  # restructured plans counted as delinquent
    if restr is not None:
        if restr.counts_as_default:
            defaults = defaults + p["restructured_entries"].to_numpy()
        if restr.delinquent:
            restructured = p["balance_restructured"].to_numpy()
            delinquent = delinquent + restructured
        if not restr.eligible:
            pool_end = pool_end - p["balance_restructured"].to_numpy()
    called = result.revolving["called"].to_numpy()
    before_call = int(called.argmax()) if called.any() else called.size
    denom = result.deal.pool.balance + np.concatenate([[0.0], np.cumsum(bought)[:-1]])
    led = result.ledger
    rec = led[led["step"] == "collect_recoveries"].groupby("period")["amount"].sum().reindex(range(1, len(denom) + 1), fill_value=0.0)
    expected = {
        "cumulative_default_rate": np.cumsum(defaults) / denom,
        "cumulative_net_loss_rate": (np.cumsum(defaults) - np.cumsum(rec.to_numpy(dtype=np.float64))) / denom,
        "delinquency_ratio": np.divide(delinquent, pool_end, out=np.zeros_like(pool_end), where=pool_end > 0),
    }
    worst, n = 0.0, 0
    for g in result.deal.structure.triggers:
        if g.metric == "serious_delinquency":
            want = _serious_delinquency(p, g, restructured, pool_end)
        elif g.metric in expected:
            want = expected[g.metric]
        else:
            continue
        got = result.triggers[g.name]["value"].to_numpy()
        if g.metric not in ("cumulative_default_rate", "cumulative_net_loss_rate"):  # the pool frame holds the buckets after a call's sale:
            got, want = got[:before_call], want[:before_call]  # the trigger was tested before it
        worst = max(worst, _worst((got - want) / np.maximum(np.abs(want), 1.0)))
        n += 1
    if n == 0:
        return None
    return CheckResult(
        "triggers: values recomputed from the pool frame (cumulative default, net loss, delinquency, serious delinquency)",
        worst,
        1e-9,
    )


def _serious_delinquency(p: pd.DataFrame, g: Any, restructured: np.ndarray, pool_end: np.ndarray) -> np.ndarray:
    """A serious-delinquency trigger's value from the pool frame: the mean over the last
    ``min(average_periods, t)`` periods of ``(Σ_{b in buckets} balance_b + restructured plans
    counted as delinquent) / pool balance at the end`` (0 where the pool is empty)."""
    lo, hi = g.buckets
    num = sum(p[f"balance_m{b}"].to_numpy() for b in range(lo, hi + 1)) + restructured
    ratio = np.divide(num, pool_end, out=np.zeros_like(pool_end), where=pool_end > 0)
    n = int(g.average_periods)
    return np.array([ratio[max(0, t + 1 - n) : t + 1].mean() for t in range(ratio.size)])


def _worst(gap: np.ndarray) -> float:
    """Largest absolute value (NaN counts as infinitely wrong; 0 for no values)."""
    a = np.abs(np.asarray(gap, dtype=np.float64))
    if a.size == 0:
        return 0.0
    return float("inf") if np.isnan(a).any() else float(a.max())

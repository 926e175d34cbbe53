"""Surveillance: observed metrics of a reported history, actual vs expected, re-projection from k.

- :func:`pool_metrics`: the standard observed metrics (:mod:`abs_model.core.observed`) of a pool
  frame — a reported history (:func:`~abs_model.collateral.actuals.read_pool_actuals`) or a
  projection (``DealResult.pool``); the same definitions on both sides.
- :func:`actual_vs_expected`: actual, expected and variance (actual − expected) of every metric
  by period, and the note balances by tranche.
- :func:`reproject`: start the deal at its latest reported period ``k`` and project the rest.
- :func:`calibrate_from_history`: constant speeds measured on the history's last months.

Re-projection from period k
---------------------------
The waterfall is replayed on the *reported* collections of periods 1..k, so note balances,
account balances (reserve, PDL) and trigger states at ``k`` are those the deal's own rules give
for what actually happened (the reported note balances are compared with them in
``Reprojection.reconciliation``; they are not forced, so the engine's cash conservation holds).
The pool after ``k`` is the expected run-off of the cut-off pool (and of every receivable bought
in periods 1..k, from the reported ``purchases``) under the chosen assumptions, every column
scaled by ``s = actual closing balance at k / expected closing balance at k`` — the projection is
linear in balance, so this is the run-off of a pool with the expected composition and the actual
size. Fields the history does not report (counts, bucket balances, ...) are, in periods 1..k,
the expected values scaled by that period's ``actual / expected`` closing balance. A deal whose
actuals are its own projection re-projects to itself from any ``k`` (tested to a cent).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

import tranches as tr
from abs_model.assumptions.assumptions import Assumptions
from abs_model.assumptions.calibration import calibrate
from abs_model.collateral.actuals import POOL_REQUIRED
from abs_model.core import observed as ob
from abs_model.core.rates import mdr_to_cdr, smm_to_cpr
from abs_model.deal.model import Deal, replenishment_pool
from abs_model.errors import AbsModelError, DealError
from abs_model.projection.cashflows import FIELDS, STOCK_FIELDS, PoolCashflows
from abs_model.projection.engine import project_lines
from abs_model.projection.replines import loan_lines
from abs_model.runs import runner as _runner
from abs_model.runs.result import DealResult

__all__ = [
    "POOL_METRICS",
    "Reprojection",
    "SurveillanceFrames",
    "actual_vs_expected",
    "calibrate_from_history",
    "pool_metrics",
    "reproject",
]

#: Metrics compared by :func:`actual_vs_expected`, in column order.
POOL_METRICS: tuple[str, ...] = (
    "opening_balance",
    "scheduled_principal",
    "prepayment",
    "fee_interest",
    "defaults",
    "recoveries",
    "closing_balance",
    "pool_factor",
    "smm",
    "cpr",
    "mdr",
    "cdr",
    "monthly_net_loss",
    "annualised_net_loss_rate",
    "cumulative_net_loss_ratio",
    "delinquency_30p",
    "delinquency_60p",
    "delinquency_90p",
    "delinquency_30p_count",
    "payment_rate",
)


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name in frame.columns:
        return frame[name].to_numpy(dtype=np.float64)
    return np.zeros(len(frame))


def _periods_of(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """``frame`` indexed by period (a ``period`` column or index), with the required columns."""
    if not isinstance(frame, pd.DataFrame):
        raise AbsModelError(f"{what}: must be a DataFrame (read_pool_actuals(path)); got {type(frame).__name__}")
    f = frame.set_index("period") if "period" in frame.columns else frame
    missing = [c for c in POOL_REQUIRED[1:] if c not in f.columns]
    if f.index.name != "period" or missing:
        raise AbsModelError(
            f"{what}: must have a 'period' column and the columns {list(POOL_REQUIRED)}; missing "
            f"{missing if missing else ['period']}"
        )
    return f


def pool_metrics(frame: pd.DataFrame, *, original_balance: float) -> pd.DataFrame:
    """Observed metrics of a pool frame, one row per period (period 0, the cut-off, dropped).

    Defined (conventions of :mod:`abs_model.core.observed`): ``smm = prepayment / (opening −
    scheduled − defaults)``; ``cpr = 1 − (1 − smm)^12``; ``mdr = defaults / opening``; ``cdr =
    1 − (1 − mdr)^12``; ``monthly_net_loss = defaults − recoveries`` (cash basis);
    ``annualised_net_loss_rate = 12 × monthly net loss / opening``; ``cumulative_net_loss_ratio
    = Σ monthly net loss / original_balance``; ``delinquency_30p/60p/90p`` = M2+/M3+/M4+ balance
    ÷ closing balance (NaN when the buckets are not reported); ``delinquency_30p_count`` the same
    by count from ``count_m0..6``; ``payment_rate`` (MPR) = (scheduled + prepayment +
    fee/interest + prepayment fee + recoveries) ÷ opening; ``pool_factor = closing /
    original_balance``.
    """
    f = _periods_of(frame, "frame")
    f = f[f.index > 0]
    opening, sched, prepay = _col(f, "opening_balance"), _col(f, "scheduled_principal"), _col(f, "prepayment")
    defaults, rec = _col(f, "defaults"), _col(f, "recoveries")
    out = pd.DataFrame(index=f.index.astype(np.int64))
    for c in ("opening_balance", "scheduled_principal", "prepayment", "fee_interest", "defaults", "recoveries", "closing_balance"):
        out[c] = _col(f, c)
    out["pool_factor"] = out["closing_balance"] / float(original_balance)
    smm = np.clip(np.asarray(ob.observed_smm(prepay, opening, sched, defaults)), 0.0, 1.0)
    mdr = np.clip(np.asarray(ob.observed_mdr(defaults, opening)), 0.0, 1.0)
    out["smm"], out["cpr"] = smm, smm_to_cpr(smm)
    out["mdr"], out["cdr"] = mdr, mdr_to_cdr(mdr)
    nl = np.asarray(ob.net_loss(defaults, rec))
    out["monthly_net_loss"] = nl
    out["annualised_net_loss_rate"] = ob.annualised_net_loss_rate(nl, opening)
    out["cumulative_net_loss_ratio"] = ob.cumulative_net_loss_ratio(nl, original_balance) if len(nl) else nl
    buckets = [f"balance_m{j}" for j in range(7)]
    counts = [f"count_m{j}" for j in range(7)]
    for days in (30, 60, 90):
        out[f"delinquency_{days}p"] = (
            ob.delinquency_ratio(f[buckets].to_numpy(dtype=np.float64), days) if set(buckets) <= set(f.columns) else np.nan
        )
    out["delinquency_30p_count"] = (
        ob.delinquency_ratio(f[counts].to_numpy(dtype=np.float64), 30) if set(counts) <= set(f.columns) else np.nan
    )
    coll = sched + prepay + _col(f, "fee_interest") + _col(f, "prepayment_fee") + rec
    out["payment_rate"] = ob.monthly_payment_rate(coll, opening)
    out.index.name = "period"
    return out


@dataclass(frozen=True, slots=True)
class SurveillanceFrames:
    """Actual vs expected. ``pool``: per period, ``<metric>_actual``, ``<metric>_expected`` and
    ``<metric>_variance`` (= actual − expected) for every :data:`POOL_METRICS`. ``notes``: per
    period and tranche, ``balance_actual``, ``balance_expected``, ``balance_variance`` (and the
    same for ``principal_paid`` / ``interest_paid`` when reported); empty without note actuals."""

    pool: pd.DataFrame
    notes: pd.DataFrame


def actual_vs_expected(
    expected: DealResult,
    pool_actuals: pd.DataFrame,
    *,
    note_actuals: pd.DataFrame | None = None,
) -> SurveillanceFrames:
    """The pricing projection ``expected`` and the reported history side by side (periods the
    history reports), with the variance of each metric (see :class:`SurveillanceFrames`)."""
    original = float(expected.deal.pool.balance)
    act = pool_metrics(pool_actuals, original_balance=original)
    exp = pool_metrics(expected.pool, original_balance=original)
    beyond = [int(p) for p in act.index if p not in exp.index]
    if beyond:
        raise AbsModelError(f"pool_actuals: period {beyond[0]} is beyond the deal's last period {int(exp.index.max())}")
    exp = exp.loc[act.index]
    cols: dict[str, Any] = {}
    for m in POOL_METRICS:
        cols[f"{m}_actual"] = act[m].to_numpy()
        cols[f"{m}_expected"] = exp[m].to_numpy()
        cols[f"{m}_variance"] = act[m].to_numpy() - exp[m].to_numpy()
    pool = pd.DataFrame(cols, index=act.index)
    return SurveillanceFrames(pool=pool, notes=_notes_vs_expected(expected, note_actuals))


def _notes_vs_expected(expected: DealResult, notes: pd.DataFrame | None) -> pd.DataFrame:
    if notes is None or notes.empty:
        return pd.DataFrame(columns=["period", "tranche", "balance_actual", "balance_expected", "balance_variance"])
    rows = []
    for (period, name), row in notes.set_index(["period", "tranche"]).iterrows():
        if name not in expected.tranches:
            raise AbsModelError(f"note_actuals: tranche {name!r} is not in the deal; its tranches are {list(expected.tranches)}")
        tf = expected.tranches[name]
        if period not in tf.index:
            raise AbsModelError(f"note_actuals: period {period} of tranche {name!r} is beyond the deal's last period {int(tf.index.max())}")
        rec: dict[str, Any] = {"period": int(period), "tranche": name}
        for actual_col, model_col in (("balance", "balance_end"), ("principal_paid", "principal_paid"), ("interest_paid", "interest_paid")):
            if actual_col in row.index and not pd.isna(row[actual_col]):
                a, e = float(row[actual_col]), float(tf.at[period, model_col])
                rec |= {f"{actual_col}_actual": a, f"{actual_col}_expected": e, f"{actual_col}_variance": a - e}
        rows.append(rec)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------- calibration
def calibrate_from_history(
    pool_actuals: pd.DataFrame,
    base: Assumptions,
    *,
    window: int = 6,
    loan_history: pd.DataFrame | None = None,
) -> Assumptions:
    """``base`` with constant speeds measured on the history's last ``window`` months.

    With a loan-month panel ``loan_history`` (the columns :func:`abs_model.calibrate` reads), the
    prepayment speed and — for a roll-rate ``base`` — the roll-rate matrix come from
    :func:`abs_model.calibrate` on it instead (at ``base``'s default threshold); a rate-based
    default assumption is still measured on the pool history as below.

    Prepayment: ``cpr = 1 − (1 − smm̄)^12`` with ``smm̄ = 1 − (Σ survivors after prepayment /
    Σ survivors before prepayment)`` over the window (a balance-weighted average SMM).
    Default: when ``base`` states defaults as a rate on the performing balance (CDR / MDR /
    SDA / cumulative default), ``cdr = 1 − (1 − Σ defaults / Σ opening)^12`` over the window; a
    roll-rate ``base`` keeps its matrix (bucket-level flows need a loan-month panel: use
    :func:`abs_model.calibrate`). Recovery, fees and every other field come from ``base``.
    """
    if isinstance(window, bool) or int(window) != window or window < 1:
        raise AbsModelError(f"window: must be a whole number of months >= 1; got {window!r}")
    h = pool_actuals.sort_values("period").tail(int(window))
    opening, sched = _col(h, "opening_balance"), _col(h, "scheduled_principal")
    defaults, prepay = _col(h, "defaults"), _col(h, "prepayment")
    survivors = float(np.sum(opening - sched - defaults))
    smm = float(np.sum(prepay)) / survivors if survivors > 0 else 0.0
    made = Assumptions.make(cpr=float(smm_to_cpr(min(max(smm, 0.0), 1.0))))
    out = replace(base, cpr=made.cpr)
    if loan_history is not None:
        cal = calibrate(loan_history, default_threshold_days=base.default_threshold_days)
        out = replace(base, cpr=Assumptions.make(cpr=cal.cpr).cpr)
        if base.roll_rates is not None:
            out = replace(out, roll_rates=cal.roll_rates)
    if base.roll_rates is None:
        total = float(np.sum(opening))
        mdr = float(np.sum(defaults)) / total if total > 0 else 0.0
        d = Assumptions.make(cdr=float(mdr_to_cdr(min(max(mdr, 0.0), 1.0))))
        out = replace(out, cdr=d.cdr, cumulative_default=None, default_timing=None)
    return out


# ------------------------------------------------------------------------------- re-projection
@dataclass(frozen=True, slots=True)
class Reprojection:
    """A deal re-projected from its reported period ``period``: the full result (periods 1..k
    as reported, k+1.. projected), the assumptions used, the run-off scale ``s`` and the note
    balances at ``k`` replayed by the waterfall vs reported (``reconciliation``)."""

    period: int
    scale: float
    result: DealResult
    assumptions: Assumptions
    reconciliation: pd.DataFrame


def reproject(
    deal: Deal,
    pool_actuals: pd.DataFrame,
    *,
    assumptions: Assumptions | None = None,
    note_actuals: pd.DataFrame | None = None,
    period: int | None = None,
    loan_history: pd.DataFrame | None = None,
) -> Reprojection:
    """Start ``deal`` at reported period ``period`` (default: the last one reported) and project
    the rest (see the module doc). ``assumptions`` default to :func:`calibrate_from_history` on
    the deal's own assumptions (and on ``loan_history``, a loan-month panel, when given). The
    history must start at period 1 (the waterfall is replayed
    from the closing)."""
    if not isinstance(deal, Deal):
        raise DealError(f"deal: must be an abs_model.Deal; got {type(deal).__name__}")
    hist = _periods_of(pool_actuals, "pool_actuals")
    hist = hist[hist.index > 0]
    if len(hist) == 0 or int(hist.index.min()) != 1:
        raise AbsModelError(f"pool_actuals: must start at period 1 (the waterfall is replayed from closing); got {hist.index.min() if len(hist) else 'no rows'}")
    k = int(hist.index.max()) if period is None else int(period)
    if not 1 <= k <= min(int(hist.index.max()), deal.periods):
        raise AbsModelError(f"period: must be a reported period in 1..{min(int(hist.index.max()), deal.periods)}; got {period!r}")
    base = deal.assumptions or Assumptions.make()
    a = assumptions if assumptions is not None else calibrate_from_history(hist.reset_index(), base, loan_history=loan_history)
    arrays, purchases, sale, scale, liab = _replay(deal, a, hist.loc[1:k], k)
    first = {f: v[0] for f, v in arrays.items()}
    first["purchases"], first["cleanup_sale"] = purchases[0], sale[0]
    pool_cf = PoolCashflows.from_arrays(first, convention=a.convention, initial_balance=deal.pool.balance, initial_count=float(deal.pool.n), assumptions=a)
    result = DealResult.build(deal=deal, assumptions=a, pool_cf=pool_cf, liabilities=liab)
    return Reprojection(period=k, scale=scale, result=result, assumptions=a, reconciliation=_reconcile(result, note_actuals, k))


def _reconcile(result: DealResult, notes: pd.DataFrame | None, k: int) -> pd.DataFrame:
    rows = []
    for name, tf in result.tranches.items():
        rec: dict[str, Any] = {"tranche": name, "balance_replayed": float(tf.at[k, "balance_end"])}
        if notes is not None:
            hit = notes[(notes["period"] == k) & (notes["tranche"] == name)]
            if len(hit):
                rec["balance_reported"] = float(hit["balance"].iloc[0])
                rec["difference"] = rec["balance_reported"] - rec["balance_replayed"]
        rows.append(rec)
    return pd.DataFrame(rows)


def _expected(deal: Deal, a: Assumptions, hist: pd.DataFrame, k: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None, float]:
    """Pool columns (1, T + 1): reported in 1..k, the scaled expected run-off after k."""
    T = deal.periods
    base = project_lines(_runner._deal_lines(deal, a), a, horizon=None)
    arrays = {f: _runner._fit(base.totals[f], T, stock=f in STOCK_FIELDS) for f in FIELDS if f in base.totals}
    profile = None
    if deal.revolving.active:
        unit_lines = loan_lines(replenishment_pool(deal.revolving), a)
        per_unit = np.array([ln.share / ln.average_balance for ln in deal.revolving.replenishment])
        unit = project_lines(replace(unit_lines, count=per_unit), a, horizon=None)
        profile = {f: _runner._fit(unit.totals[f], T, stock=f in STOCK_FIELDS) for f in arrays}
    bought = _col(hist, "purchases")
    for tau, amount in zip(hist.index, bought, strict=True):
        if profile is not None and amount > 0:
            for f, prof in profile.items():
                arrays[f][:, tau:] += amount * prof[:, : T - tau + 1]
    projected_close = arrays["closing_balance"][0, : k + 1].copy()
    actual_close = hist["closing_balance"].to_numpy(dtype=np.float64)
    scale = _ratio(actual_close[-1], projected_close[k], "closing_balance", k)
    for f in arrays:
        arrays[f][:, k + 1 :] *= scale
        for t in range(1, k + 1):
            if f in hist.columns:
                arrays[f][0, t] = float(hist.at[t, f])
            else:
                arrays[f][0, t] *= _ratio(actual_close[t - 1], projected_close[t], f, t)
    return arrays, profile, scale


def _ratio(actual: float, expected: float, field: str, t: int) -> float:
    if expected > 0:
        return actual / expected
    if actual <= 1e-9:
        return 0.0
    raise AbsModelError(f"pool_actuals: period {t} reports a pool balance {actual:.2f} where the projection has none; cannot scale {field!r}")


def _replay(deal: Deal, a: Assumptions, hist: pd.DataFrame, k: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, float, tr.LiabilityResult]:
    """The runner's period loop on the hybrid pool columns (see :func:`abs_model.run`)."""
    T = deal.periods
    arrays, profile, scale = _expected(deal, a, hist, k)
    engine = tr.Engine(deal.structure, n_scenarios=1, period_end_dates=deal.period_end_dates, initial_pool_balance=deal.pool.balance, start_date=deal.cutoff_date)
    state = engine.start()
    purchases, sale, costs_paid = np.zeros((1, T + 1)), np.zeros((1, T + 1)), np.zeros((1, T + 1))
    purchases[0, 1 : k + 1] = _col(hist, "purchases")
    sale[0, 1 : k + 1] = _col(hist, "cleanup_sale")
    strategy = a.collections
    restr = strategy.restructuring if strategy is not None else None
    cost_rank = strategy.cost_rank if strategy is not None else "senior"
    for t in range(1, T + 1):
        interest, principal, recoveries, costs_paid[:, t] = _runner._net_of_costs(
            arrays["fee_interest"][:, t] + arrays["prepayment_fee"][:, t],
            arrays["scheduled_principal"][:, t] + arrays["prepayment"][:, t],
            arrays["recoveries"][:, t],
            arrays["collection_costs"][:, t],
            rank=cost_rank,
        )
        pb_begin, pb_end = arrays["opening_balance"][:, t], arrays["closing_balance"][:, t]
        delinquent = sum(arrays[f"balance_m{j}"][:, t] for j in range(2, 7))
        new_defaults = arrays["defaults"][:, t]
        if restr is not None:
            if restr.delinquent:
                delinquent = delinquent + arrays["balance_restructured"][:, t]
            if restr.counts_as_default:
                new_defaults = new_defaults + arrays["restructured_entries"][:, t]
            if not restr.eligible:
                pb_begin = pb_begin - arrays["balance_restructured"][:, t - 1]
                pb_end = pb_end - arrays["balance_restructured"][:, t]
        inputs = tr.PeriodInputs(
            interest_collected=interest, principal_collected=principal, recoveries=recoveries,
            new_defaults=new_defaults, pool_balance_begin=pb_begin, pool_balance_end=pb_end,
            delinquent_balance=delinquent, purchase_capacity=deal.revolving.capacity if profile is not None else 0.0,
        )
        out = engine.step(state, t, inputs)
        if t <= k:
            continue  # the reported history already holds what was bought and sold
        bought = np.asarray(out.purchased, dtype=np.float64)
        if profile is not None and np.any(bought > 0):
            purchases[:, t] = bought
            for f, prof in profile.items():
                arrays[f][:, t:] += bought[:, None] * prof[:, : T - t + 1]
        called = np.asarray(out.called, dtype=bool)
        if called.any():
            sale[called, t] = arrays["closing_balance"][called, t]
            for f in arrays:
                arrays[f][called, t if f in STOCK_FIELDS else t + 1 :] = 0.0
    arrays["collection_costs_paid"] = costs_paid
    return arrays, purchases, sale, scale, engine.finish(state)

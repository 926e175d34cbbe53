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
The deal runs through the runner's own period loop (``run_arrays(on_period=...)``, so every
rule of the runner applies) with the *reported* collections in periods 1..k, so note balances,
account balances (reserve, PDL) and trigger states at ``k`` are those the deal's own rules give
for what actually happened (the reported note balances are compared with them in
``Reprojection.reconciliation``; they are not forced, so the engine's cash conservation holds).
The pool after ``k`` is the expected run-off of the cut-off pool (and of every receivable bought
in periods 1..k by the waterfall) under the chosen assumptions, every column
scaled by ``s = actual closing balance at k / expected closing balance at k`` — the projection is
linear in balance, so this is the run-off of a pool with the expected composition and the actual
size. Fields the history does not report (counts, bucket balances, ...) are, in periods 1..k,
the expected values scaled by that period's ``actual / expected`` closing balance. A deal whose
actuals are its own projection re-projects to itself from any ``k`` (tested to a cent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from abs_model.assumptions.assumptions import Assumptions
from abs_model.assumptions.calibration import calibrate
from abs_model.collateral.actuals import POOL_REQUIRED
from abs_model.core import observed as ob
from abs_model.core.rates import mdr_to_cdr, smm_to_cpr
from abs_model.deal.model import Deal, replenishment_pool
from abs_model.errors import AbsModelError, DealError
from abs_model.projection.cashflows import STOCK_FIELDS, PoolCashflows
from abs_model.projection.engine import project_lines
from abs_model.projection.replines import profile_lines
from abs_model.runs.result import DealResult
from abs_model.runs.runner import run_arrays

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


def _unit_stock0(deal: Deal, a: Assumptions) -> dict[str, float]:
    """Period-0 stock columns of one unit of the replenishment mix (what a purchase of 1 adds to
    the pool's stocks in the period it is bought), as the runner projects it."""
    if not deal.revolving.active:
        return {}
    unit_lines = profile_lines(replenishment_pool(deal.revolving), a)
    per_unit = np.array([ln.share / ln.average_balance for ln in deal.revolving.replenishment])
    unit = project_lines(replace(unit_lines, count=per_unit), a, horizon=None)
    return {f: float(unit.totals[f][0, 0]) for f in STOCK_FIELDS if f in unit.totals}


class _History:
    """The runner's per-period hook (``run_arrays(on_period=...)``) that makes periods 1..k the
    reported history and scales the run-off after ``k`` (see the module doc).

    Before the waterfall runs period ``t <= k`` it writes the reported row ``t`` (stocks net of
    what the period's reported purchases add, since the runner adds the receivables it buys);
    fields not reported get the expected value × that period's actual / expected balance. Before
    period ``k + 1`` it scales every later row by ``s`` = actual / expected closing balance at k.
    """

    def __init__(self, hist: pd.DataFrame, k: int, unit0: Mapping[str, float]) -> None:
        self.hist = hist
        self.k = k
        self.unit0 = unit0
        self.scale = 1.0
        self._gap = 0.0  # expected − actual closing balance at k, before k's purchases

    def __call__(self, t: int, arrays: dict[str, np.ndarray]) -> None:
        if t <= self.k:
            self._history_row(t, arrays)
        elif t == self.k + 1:
            self._scale_after_k(arrays)

    def _history_row(self, t: int, arrays: dict[str, np.ndarray]) -> None:
        row = self.hist.loc[t]
        bought = float(row.get("purchases", 0.0) or 0.0)
        actual_pre = float(row["closing_balance"]) - bought * self.unit0.get("closing_balance", 0.0)
        expected_pre = float(arrays["closing_balance"][0, t])
        ratio = _ratio(actual_pre, expected_pre, "closing_balance", t)
        if t == self.k:
            self._gap = expected_pre - actual_pre
        for f, col in arrays.items():
            if f in row.index and not pd.isna(row[f]):
                col[:, t] = float(row[f]) - (bought * self.unit0.get(f, 0.0) if f in STOCK_FIELDS else 0.0)
            else:
                col[:, t] *= ratio

    def _scale_after_k(self, arrays: dict[str, np.ndarray]) -> None:
        k, row = self.k, self.hist.loc[self.k]
        # expected closing at k = what the pool now holds at k (the reported balance plus what the
        # waterfall bought) + the gap between expected and reported before the purchases
        expected = float(arrays["closing_balance"][0, k]) + self._gap
        self.scale = _ratio(float(row["closing_balance"]), expected, "closing_balance", k)
        for f, col in arrays.items():
            col[:, k + 1 :] *= self.scale
            if f in STOCK_FIELDS and f in row.index and not pd.isna(row[f]):
                col[:, k] = float(row[f])  # as reported, whatever the waterfall bought


def _ratio(actual: float, expected: float, field: str, t: int) -> float:
    if expected > 0:
        return actual / expected
    if abs(actual) <= 1e-9:
        return 0.0
    raise AbsModelError(f"pool_actuals: period {t} reports a pool balance {actual:.2f} where the projection has none; cannot scale {field!r}")


def _unpack(out: Any) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, Any]:
    """``run_arrays``' result as (pool columns, purchases, clean-up sales, liabilities), whether it
    is a tuple or a record with those attributes."""
    if hasattr(out, "liabilities"):
        return out.pool, out.purchases, out.cleanup_sale, out.liabilities
    pool, purchases, sale, liab = out
    return pool, purchases, sale, liab


def _replay(deal: Deal, a: Assumptions, hist: pd.DataFrame, k: int) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, float, Any]:
    """Run the deal through the runner with the history hook; periods 1..k report as reported."""
    hook = _History(hist, k, _unit_stock0(deal, a))
    arrays, purchases, sale, liab = _unpack(run_arrays(deal, a, on_period=hook))
    for name, dest in (("purchases", purchases), ("cleanup_sale", sale)):
        if name in hist.columns:
            dest[0, 1 : k + 1] = hist[name].to_numpy(dtype=np.float64)
    return arrays, purchases, sale, hook.scale, liab

"""Pool cash flows: :class:`PoolCashflows`, one row per period, with its books-balance checks.

Columns of ``frame`` (money in the pool's currency, float64; period 0 is the cut-off):

- ``opening_balance``: principal outstanding at the start of the period (performing + delinquent).
- ``scheduled_principal``: principal of instalments paid, arrears paid by cures included.
- ``prepayment``: voluntary full prepayments. ``prepayment_fee``: unearned fees charged on them.
- ``fee_interest``: fee (flat-fee products) or interest collected with instalments.
- ``defaults``: principal newly defaulted (charged off at the default threshold).
- ``recoveries``: cash recovered on earlier defaults (recovery rate × defaults, after the lag).
- ``net_loss``: defaults less their eventual recoveries, booked at default.
- ``closing_balance`` = opening − scheduled principal − prepayment − defaults (checked).
- ``balance_m0`` … ``balance_m6``: closing balance by delinquency bucket (sums to closing).
- ``count``: receivables still outstanding. ``prepay_base``: the balance SMM was applied to.
- Restructured plans (:mod:`abs_model.projection.restructuring`): ``balance_restructured`` (all
  plans) and ``balance_spread_arrears`` / ``balance_re_age`` / ``balance_freeze`` by plan type;
  ``restructured_entries`` (balance entering), ``restructured_redefaults`` (plan balance
  defaulting, inside ``defaults``); ``repurchases``: balance bought back by the originator (赎回:
  restructured receivables by the deal rule, ineligible ones found, ``repurchases_ineligible``);
  ``repurchase_proceeds`` = price × repurchases (principal collected); ``repurchase_loss`` = the
  discount below par, a loss to the pool (:mod:`abs_model.assumptions.buyback`).
- Late fees (违约金, :mod:`abs_model.projection.late_fees`): ``late_fees`` collected (cash),
  ``late_fees_accrued``, ``late_fees_waived``, ``late_fees_written_off`` (at default),
  ``late_fees_capitalised`` (into plans; repaid in their ``fee_interest``),
  ``late_fees_outstanding`` (stock); accrued = collected + waived + written off + capitalised +
  change in outstanding.
- P&I advancing (``Assumptions.make(advancing=True)``, :mod:`abs_model.projection.advancing`):
  ``expected_amortization``, ``advanced_principal``, ``expected_interest``, ``interest_lost``,
  ``advanced_interest``, ``amortized_default_balance``, ``foreclosure_balance`` (stock),
  ``principal_loss``; ``recoveries`` and ``net_loss`` (= principal loss) are then booked at
  liquidation. Present only when advancing.
- In a deal: ``purchases`` (revolving purchases at par, joining the pool at the period's end) and
  ``cleanup_sale`` (the balance sold by the clean-up call); the roll-forward becomes
  opening + purchases = scheduled + prepayment + defaults + cleanup_sale + closing.

Derived: ``principal_collections`` = scheduled + prepayment + repurchase proceeds (+ advanced
principal); ``total_collections`` = principal + fee/interest + prepayment fee + recoveries + late
fees (+ advanced interest); ``smm`` = prepayment / prepay_base; ``cpr`` =
1 − (1 − smm)^12; ``mdr`` = defaults / opening; ``cdr`` = 1 − (1 − mdr)^12;
``cumulative_default_rate`` = Σ defaults / initial balance; ``pool_factor`` = closing / initial;
``delinquency_30p`` / ``60p`` / ``90p`` = balance in M2+ / M3+ / M4+ ÷ closing balance;
``payment_rate`` (monthly payment rate) = total collections ÷ opening balance; ``pool_yield`` =
12 × (fee/interest + prepayment fee) ÷ opening balance (annualised, 12 periods a year).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from abs_model.assumptions.servicing import PLAN_TYPES
from abs_model.core import metrics, rates
from abs_model.errors import ConservationError

BUCKET_FIELDS: tuple[str, ...] = tuple(f"balance_m{j}" for j in range(7))
FIELDS: tuple[str, ...] = (
    "opening_balance",
    "scheduled_principal",
    "prepayment",
    "fee_interest",
    "prepayment_fee",
    "defaults",
    "recoveries",
    "net_loss",
    "closing_balance",
    *BUCKET_FIELDS,
    "balance_restructured",
    "count",
    "prepay_base",
    "restructured_entries",
    "collection_costs",
    "defaults_count",
    "late_fees",
    "late_fees_accrued",
    "late_fees_waived",
    "late_fees_written_off",
    "late_fees_capitalised",
    "late_fees_outstanding",
    "repurchases",
    "restructured_redefaults",
    *(f"balance_{p}" for p in PLAN_TYPES),
    "repurchases_ineligible",
    "repurchase_proceeds",
    "repurchase_loss",
)
#: Columns added when P&I are advanced (:mod:`abs_model.projection.advancing`).
ADVANCING_FIELDS: tuple[str, ...] = (
    "expected_amortization",
    "advanced_principal",
    "expected_interest",
    "interest_lost",
    "advanced_interest",
    "amortized_default_balance",
    "foreclosure_balance",
    "principal_loss",
)
#: Columns that are balances or counts at the period end (they carry forward, never sum).
STOCK_FIELDS: tuple[str, ...] = (
    "closing_balance",
    *BUCKET_FIELDS,
    "balance_restructured",
    "count",
    "late_fees_outstanding",
    *(f"balance_{p}" for p in PLAN_TYPES),
    "foreclosure_balance",
)

#: Relative tolerance of the books-balance checks (per unit of initial balance).
CHECK_RTOL = 1e-9


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One invariant that was checked: its name, the largest absolute violation and the limit."""

    name: str
    max_abs_error: float
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.max_abs_error <= self.tolerance


@dataclass(frozen=True)
class PoolCashflows:
    """Projected pool cash flows (see module doc for every column and formula)."""

    frame: pd.DataFrame
    convention: str
    initial_balance: float
    initial_count: float
    assumptions: Any = None
    line_balances: np.ndarray | None = None
    n_lines: int = 0
    checks: tuple[CheckResult, ...] = field(default=())

    @classmethod
    def from_arrays(
        cls,
        arrays: Mapping[str, np.ndarray],
        *,
        convention: str,
        initial_balance: float,
        initial_count: float,
        assumptions: Any = None,
        line_balances: np.ndarray | None = None,
        n_lines: int = 0,
    ) -> PoolCashflows:
        cols = {k: np.asarray(arrays[k], dtype=np.float64) for k in (*FIELDS, "purchases", "cleanup_sale", "recoveries_forgone", "collection_costs_paid", *ADVANCING_FIELDS) if k in arrays}
        cols.update(derived_columns(cols, initial_balance))
        df = float_frame(cols)
        df.index.name = "period"
        return cls(
            frame=df,
            convention=convention,
            initial_balance=initial_balance,
            initial_count=initial_count,
            assumptions=assumptions,
            line_balances=line_balances,
            n_lines=n_lines,
        )

    # ------------------------------------------------------------------ checks
    def check(self) -> tuple[CheckResult, ...]:
        """Run the roll-forward and conservation checks; raise on any violation.

        - roll-forward: opening = scheduled principal + prepayment + defaults + closing;
        - continuity: opening(t) = closing(t − 1);
        - buckets: Σ balance by bucket = closing;
        - no negative balance or flow; recoveries never exceed defaults (cumulatively).
        """
        results = check_frame(self.frame, self.initial_balance)
        object.__setattr__(self, "checks", results)
        return results

    @property
    def summary(self) -> pd.Series:
        """Totals over the projection: collections by kind, defaults, losses, WAL of principal."""
        f = self.frame
        prin = f["principal_collections"].to_numpy()
        periods = f.index.to_numpy().astype(np.int64)
        by_period = np.zeros(max(int(periods.max(initial=0)), 1))
        np.add.at(by_period, periods[periods >= 1] - 1, prin[periods >= 1])
        wal = float(metrics.wal_years(by_period)[0])  # NaN when no principal is collected
        return pd.Series(
            {
                "initial_balance": self.initial_balance,
                "scheduled_principal": f["scheduled_principal"].sum(),
                "prepayment": f["prepayment"].sum(),
                "fee_interest": f["fee_interest"].sum(),
                "prepayment_fee": f["prepayment_fee"].sum(),
                "defaults": f["defaults"].sum(),
                "recoveries": f["recoveries"].sum(),
                "net_loss": f["net_loss"].sum(),
                "cumulative_default_rate": f["defaults"].sum() / self.initial_balance if self.initial_balance else 0.0,
                "total_collections": f["total_collections"].sum(),
                "principal_wal_years": wal,
                "convention": self.convention,
            }
        )

    def _repr_html_(self) -> str:
        cols = [
            "opening_balance",
            "scheduled_principal",
            "prepayment",
            "fee_interest",
            "defaults",
            "recoveries",
            "closing_balance",
            "delinquency_30p",
        ]
        head = f"<p><b>PoolCashflows</b> — {self.convention} convention, {len(self.frame) - 1} periods</p>"
        return head + str(self.frame[cols].head(13).to_html(float_format=lambda v: f"{v:,.2f}"))

    def __repr__(self) -> str:
        return f"PoolCashflows(convention={self.convention!r}, periods={len(self.frame) - 1}, initial_balance={self.initial_balance:,.2f})"


def float_frame(cols: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """A DataFrame of equal-length float64 columns in the given order, built as the one float64
    block pandas consolidates such columns into (without its per-column checks)."""
    values = list(cols.values())
    block = np.empty((len(values), len(values[0]) if values else 0))
    for i, v in enumerate(values):
        block[i] = v
    return pd.DataFrame(block.T, columns=list(cols))


def derived_columns(c: Mapping[str, np.ndarray], initial_balance: float) -> dict[str, np.ndarray]:
    """The derived columns (module doc) from arrays holding :data:`FIELDS`, in numpy."""

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        safe = np.where(den > 0, den, 1.0)
        return np.where(den > 0, num / safe, 0.0)

    out: dict[str, np.ndarray] = {}
    out["principal_collections"] = c["scheduled_principal"] + c["prepayment"]
    if "repurchase_proceeds" in c:
        out["principal_collections"] = out["principal_collections"] + c["repurchase_proceeds"]
    elif "repurchases" in c:
        out["principal_collections"] = out["principal_collections"] + c["repurchases"]
    if "advanced_principal" in c:
        out["principal_collections"] = out["principal_collections"] + c["advanced_principal"]
    out["total_collections"] = out["principal_collections"] + c["fee_interest"] + c["prepayment_fee"] + c["recoveries"]
    if "advanced_interest" in c:
        out["total_collections"] = out["total_collections"] + c["advanced_interest"]
    if "late_fees" in c:
        out["total_collections"] = out["total_collections"] + c["late_fees"]
    close, opening = c["closing_balance"], c["opening_balance"]
    b = [c[f"balance_m{j}"] for j in range(7)]
    out["delinquency_30p"] = ratio(b[2] + b[3] + b[4] + b[5] + b[6], close)
    out["delinquency_60p"] = ratio(b[3] + b[4] + b[5] + b[6], close)
    out["delinquency_90p"] = ratio(b[4] + b[5] + b[6], close)
    smm = ratio(c["prepayment"], c["prepay_base"])
    mdr = ratio(c["defaults"], opening)
    out["smm"] = smm
    out["cpr"] = rates.annual_from_monthly(smm)
    out["mdr"] = mdr
    out["cdr"] = rates.annual_from_monthly(mdr)
    out["payment_rate"] = ratio(out["total_collections"], opening)
    out["pool_yield"] = ratio(12.0 * (c["fee_interest"] + c["prepayment_fee"]), opening)
    base = initial_balance if initial_balance else 1.0
    out["cumulative_default_rate"] = np.cumsum(c["defaults"]) / base
    out["cumulative_net_loss_rate"] = np.cumsum(c["net_loss"]) / base
    out["pool_factor"] = close / base
    return out


def check_frame(f: pd.DataFrame, initial_balance: float) -> tuple[CheckResult, ...]:
    """The invariants of :meth:`PoolCashflows.check` on a frame; raises on violation."""
    tol = CHECK_RTOL * max(1.0, initial_balance)
    col = column_reader(f)
    o = col("opening_balance")[1:]
    c = col("closing_balance")
    extra_in = col("purchases")[1:] if "purchases" in f else 0.0
    extra_out = col("cleanup_sale")[1:] if "cleanup_sale" in f else 0.0
    if "repurchases" in f:
        extra_out = extra_out + col("repurchases")[1:]
    roll = o + extra_in - extra_out - (col("scheduled_principal")[1:] + col("prepayment")[1:] + col("defaults")[1:] + c[1:])
    # continuity only over the projected rows (the recovery tail repeats the closing balance)
    cont = o - c[:-1]
    restructured = col("balance_restructured") if "balance_restructured" in f else 0.0
    buckets = c - sum(col(b) for b in BUCKET_FIELDS) - restructured
    flows = np.concatenate(
        [
            col(k)
            for k in (
                "scheduled_principal",
                "prepayment",
                "fee_interest",
                "prepayment_fee",
                "defaults",
                "recoveries",
                "closing_balance",
            )
        ]
    )
    # np.maximum and np.max carry a NaN through (Python's max(0.0, nan) is 0.0: a NaN would pass)
    negative = float(np.max(np.maximum(-flows, 0.0), initial=0.0))
    over = float(np.max(np.maximum(np.cumsum(col("recoveries")) - np.cumsum(col("defaults")), 0.0), initial=0.0))
    not_finite = float(np.count_nonzero(~np.isfinite(np.concatenate([flows, o, roll]))))
    results = (
        CheckResult("every balance and flow a finite number (values that are not)", not_finite, 0.0),
        CheckResult(
            "roll-forward: opening = scheduled + prepayment + defaults + repurchases + closing",
            float(np.abs(roll).max(initial=0.0)),
            tol,
        ),
        CheckResult("continuity: opening(t) = closing(t−1)", float(np.abs(cont).max(initial=0.0)), tol),
        CheckResult("buckets: Σ balance by bucket + restructured = closing balance", float(np.abs(buckets).max(initial=0.0)), tol),
        CheckResult("no negative balance or flow", negative, tol),
        CheckResult("cumulative recoveries ≤ cumulative defaults", over, tol),
    )
    for r in results:
        if not r.passed:
            raise ConservationError(
                f"pool cash flows: {r.name} violated by {r.max_abs_error:.6g} (tolerance {r.tolerance:.3g})"
            )
    return results


def column_reader(frame: pd.DataFrame) -> Callable[[str], np.ndarray]:
    """``read(name)`` = ``frame[name].to_numpy()``; from one ``to_numpy`` of the frame when it is
    all float64 with distinct names (as :meth:`PoolCashflows.from_arrays` builds it), without
    pandas' cost per column lookup."""
    names = list(frame.columns)
    if len(set(names)) != len(names) or not all(d == np.float64 for d in frame.dtypes):
        return lambda name: np.asarray(frame[name].to_numpy())
    values = frame.to_numpy()
    where = {name: i for i, name in enumerate(names)}
    return lambda name: values[:, where[name]]

"""``DealResult``: everything one deal run produced, each layer as a DataFrame.

- ``pool``: pool cash flows with revolving purchases (see :mod:`abs_model.projection.cashflows`);
- ``tranches[name]``: beginning balance, interest due/paid/shortfall, principal paid,
  writedown, residual paid, ending balance, factor;
- ``fees[name]``, ``accounts`` (collection account, reserve, PDL), ``triggers[name]``
  (value, threshold, breached), ``revolving`` (phase, payment date, purchases), ``ledger``
  (every cash movement: period, source, step, target, amount);
- ``checks``: every invariant that was verified on this run (a failed one raises instead).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import tranches as tr
from abs_model.assumptions.assumptions import Assumptions
from abs_model.collateral.pool import PoolSummary
from abs_model.core.yields import wal
from abs_model.errors import ConservationError
from abs_model.projection.cashflows import CheckResult, PoolCashflows
from abs_model.projection.engine import trust_late_fees


@dataclass(frozen=True)
class DealResult:
    """The result of :func:`abs_model.run` (see module doc)."""

    deal: Any
    assumptions: Assumptions
    pool_cf: PoolCashflows
    liabilities: tr.LiabilityResult
    dates: np.ndarray
    tranches: dict[str, pd.DataFrame]
    fees: dict[str, pd.DataFrame]
    accounts: pd.DataFrame
    triggers: dict[str, pd.DataFrame]
    revolving: pd.DataFrame
    ledger: pd.DataFrame
    tranche_classes: dict[str, str]
    coupons: dict[str, float]
    checks: tuple[CheckResult, ...] = field(default=())

    @classmethod
    def build(cls, *, deal: Any, assumptions: Assumptions, pool_cf: PoolCashflows, liabilities: tr.LiabilityResult) -> DealResult:
        names = [t.name for t in deal.structure.tranches]
        tranches = {n: liabilities.tranche_frame(n) for n in names}
        fees = {f.name: liabilities.fee_frame(f.name) for f in deal.structure.fees}
        triggers = {t.name: liabilities.trigger_frame(t.name) for t in deal.structure.triggers}
        res = cls(
            deal=deal,
            assumptions=assumptions,
            pool_cf=pool_cf,
            liabilities=liabilities,
            dates=np.concatenate([[deal.cutoff_date], deal.period_end_dates]).astype("datetime64[D]"),
            tranches=tranches,
            fees=fees,
            accounts=liabilities.account_frame(),
            triggers=triggers,
            revolving=liabilities.revolving_frame(),
            ledger=liabilities.ledger_frame(),
            tranche_classes={t.name: t.tranche_class for t in deal.structure.tranches},
            coupons={t.name: float(t.coupons[0]) if t.coupons else 0.0 for t in deal.structure.tranches},
        )
        object.__setattr__(res, "checks", res._check())
        return res

    # ------------------------------------------------------------------ views
    @property
    def pool(self) -> pd.DataFrame:
        return self.pool_cf.frame

    @functools.cached_property
    def pool_summary(self) -> PoolSummary:
        """The pool's summary at cut-off, computed once per result (report and workbook share it)."""
        return self.deal.pool.summary()

    def input_hashes(self) -> list[tuple[str, str]]:
        """``(file, sha256)`` of every input file the deal was built from (deal file, tape,
        assumptions file), so a reader can check they hold the inputs of this result."""
        import hashlib
        from pathlib import Path

        out = []
        for f in self.deal.input_files:
            p = Path(f)
            digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "(not found)"
            out.append((str(f), digest))
        return out

    def summary(self) -> pd.DataFrame:
        """One row per tranche: original balance, WAL (years, 12 periods a year, principal paid
        at period ends), first and last principal period, interest, principal, writedown (loss)
        and loss as a share of the original balance."""
        rows = []
        for name, f in self.tranches.items():
            prin = f["principal_paid"].to_numpy()
            paid = np.flatnonzero(prin > 1e-9)
            orig = float(f["balance_begin"].iloc[0])
            rows.append(
                {
                    "tranche": name,
                    "class": self.tranche_classes[name],
                    "original_balance": orig,
                    "coupon": self.coupons[name],
                    "wal_years": float(wal(prin)) if prin.sum() > 0 else float("nan"),
                    "first_principal_period": int(f.index[paid[0]]) if paid.size else 0,
                    "last_principal_period": int(f.index[paid[-1]]) if paid.size else 0,
                    "interest_paid": float(f["interest_paid"].sum()),
                    "principal_paid": float(prin.sum()),
                    "residual_paid": float(f["residual_paid"].sum()),
                    "loss": float(f["writedown"].sum()),
                    "loss_pct": float(f["writedown"].sum() / orig) if orig else 0.0,
                    "ending_balance": float(f["balance_end"].iloc[-1]),
                }
            )
        return pd.DataFrame(rows).set_index("tranche")

    def _check(self) -> tuple[CheckResult, ...]:
        """Cross-checks between the pool and the notes (the engine checks its own conservation
        every period and the pool its roll-forward; both raise on violation)."""
        tol = 1e-6 * max(1.0, self.deal.pool.balance)
        out = list(self.pool_cf.checks)
        worst = 0.0
        for f in self.tranches.values():
            gap = f["balance_begin"] - f["principal_paid"] - f["writedown"] - f["balance_end"]
            worst = max(worst, float(gap.abs().max()))
            if (f["balance_end"] < -tol).any():
                raise ConservationError("tranche balance went negative")
        out.append(CheckResult("notes: beginning − principal − writedown = ending, every tranche", worst, tol))
        pool_cash = (self.pool["principal_collections"] + self.pool["fee_interest"] + self.pool["prepayment_fee"] + self.pool["recoveries"] - self.pool["collection_costs_paid"]).iloc[1:].sum()
        pool_cash += float(trust_late_fees({"late_fees": self.pool["late_fees"].to_numpy()}, self.assumptions)[1:].sum())
        led = self.ledger
        into_deal = float(led.loc[led["source"] == "pool", "amount"].sum())
        out.append(CheckResult("collections into the waterfall = pool collections − collection costs paid", abs(into_deal - float(pool_cash)), tol * 10))
        for c in out:
            if not c.passed:
                raise ConservationError(f"deal {self.deal.name!r}: {c.name} violated by {c.max_abs_error:.6g}")
        return tuple(out)

    def _repr_html_(self) -> str:
        s = self.summary()
        head = f"<p><b>DealResult</b> — {self.deal.name} ({self.assumptions.convention} convention, {len(self.pool) - 1} periods)</p>"
        return head + str(s.to_html(float_format=lambda v: f"{v:,.4f}"))

    def __repr__(self) -> str:
        return f"DealResult(deal={self.deal.name!r}, tranches={list(self.tranches)}, periods={len(self.pool) - 1})"

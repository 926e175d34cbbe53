"""``DealResult``: everything one deal run produced, each layer as a DataFrame.

- ``pool``: pool cash flows with revolving purchases (see :mod:`abs_model.projection.cashflows`);
- ``tranches[name]``: beginning balance, interest due/paid/shortfall, principal paid,
  writedown, residual paid, ending balance, factor;
- ``fees[name]``, ``accounts`` (collection account, reserve, PDL), ``triggers[name]``
  (value, threshold, breached), ``revolving`` (phase, payment date, purchases), ``ledger``
  (every cash movement: period, source, step, target, amount);
- ``checks``: every invariant verified on this run, each a named check with its worst value
  (:mod:`abs_model.runs.checks`); a broken one is a failed check (``failed_checks``), never a pass.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import tranches as tr
from abs_model.assumptions.assumptions import Assumptions
from abs_model.collateral.pool import PoolSummary
from abs_model.core.metrics import principal_windows, wal_years
from abs_model.deal.model import Deal
from abs_model.errors import ConservationError
from abs_model.projection.cashflows import CheckResult, PoolCashflows
from abs_model.runs.checks import deal_checks, money_tolerance


@dataclass(frozen=True)
class DealResult:
    """The result of :func:`abs_model.run` (see module doc)."""

    deal: Deal
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
    def build(cls, *, deal: Deal, assumptions: Assumptions, pool_cf: PoolCashflows, liabilities: tr.LiabilityResult) -> DealResult:
        names = [t.name for t in deal.structure.tranches]
        tranches = {n: liabilities.tranche_frame(n) for n in names}
        fees = {f.name: liabilities.fee_frame(f.name) for f in deal.structure.fees}
        triggers = {t.name: liabilities.trigger_frame(t.name) for t in deal.structure.triggers}
        res = cls(
            deal=deal,
            assumptions=assumptions,
            pool_cf=pool_cf,
            liabilities=liabilities,
            dates=np.concatenate([[deal.cutoff_date], liabilities.period_end_dates]).astype("datetime64[D]"),
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

    @property
    def excess_spread(self) -> pd.DataFrame:
        """Excess spread by period on the trigger's definition (:mod:`abs_model.core.metrics`:
        accrual basis, monthly; annualised on the pool balance at the start of the period)."""
        return self.liabilities.excess_spread_frame(0)

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
        and loss as a share of the original balance, and ``paid_in_full``.

        The run reaches the legal final (:func:`abs_model.runs.runner.horizon`), where principal
        still owed is written down, so ``loss`` counts every unpaid yuan. ``paid_in_full``: no
        writedown, no interest shortfall left and no balance outstanding at the end (each within
        the money tolerance)."""
        rows = []
        tol = money_tolerance(self)
        for name, f in self.tranches.items():
            prin = f["principal_paid"].to_numpy()
            first, last = principal_windows(prin)
            orig = float(f["balance_begin"].iloc[0])
            rows.append(
                {
                    "tranche": name,
                    "class": self.tranche_classes[name],
                    "original_balance": orig,
                    "coupon": self.coupons[name],
                    "wal_years": float(wal_years(prin)[0]),
                    "first_principal_period": int(first[0]),
                    "last_principal_period": int(last[0]),
                    "interest_paid": float(f["interest_paid"].sum()),
                    "principal_paid": float(prin.sum()),
                    "residual_paid": float(f["residual_paid"].sum()),
                    "loss": float(f["writedown"].sum()),
                    "loss_pct": float(f["writedown"].sum() / orig) if orig else 0.0,
                    "ending_balance": float(f["balance_end"].iloc[-1]),
                    "paid_in_full": bool(
                        f["writedown"].sum() <= tol
                        and f["interest_shortfall"].iloc[-1] <= tol
                        and f["balance_end"].iloc[-1] <= tol
                    ),
                }
            )
        return pd.DataFrame(rows).set_index("tranche")

    def _check(self) -> tuple[CheckResult, ...]:
        """The pool's checks and the deal-life checks (:mod:`abs_model.runs.checks`). A failed
        check is returned as failed, not raised: see :attr:`failed_checks`."""
        return (*self.pool_cf.checks, *deal_checks(self))

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        """The checks that failed (empty when every invariant holds)."""
        return tuple(c for c in self.checks if not c.passed)

    def raise_on_failed_checks(self) -> None:
        """Raise :class:`~abs_model.errors.ConservationError` naming every failed check."""
        bad = self.failed_checks
        if bad:
            detail = "; ".join(f"{c.name} (worst {c.max_abs_error:.6g}, tolerance {c.tolerance:.3g})" for c in bad)
            raise ConservationError(f"deal {self.deal.name!r}: {len(bad)} check(s) failed: {detail}")

    def _repr_html_(self) -> str:
        s = self.summary()
        head = f"<p><b>DealResult</b> — {self.deal.name} ({self.assumptions.convention} convention, {len(self.pool) - 1} periods)</p>"
        return head + str(s.to_html(float_format=lambda v: f"{v:,.4f}"))

    def __repr__(self) -> str:
        return f"DealResult(deal={self.deal.name!r}, tranches={list(self.tranches)}, periods={len(self.pool) - 1})"

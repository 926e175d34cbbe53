"""Results of a liability run: arrays of shape (N, T) (scenario, period) and DataFrames on request.

Every array is indexed ``[scenario, period − 1]``. The ``*_frame`` methods take a scenario index
and return one row per period (index ``period`` = 1..T).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from tranches.errors import must
from tranches.fees import Fee
from tranches.ledger import POTS, RESERVE
from tranches.triggers import trigger_definitions

if TYPE_CHECKING:
    from tranches.engine import Engine

FloatArray = npt.NDArray[np.float64]
PHASE_NAMES: tuple[str, ...] = ("revolving", "amortising", "accelerated", "default", "cleanup")


def _is_pot(label: str) -> bool:
    return all(part in POTS for part in label.split("+"))


def _nt(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """(T, N) buffer → (N, T) view."""
    return np.asarray(a).T


@dataclass(frozen=True, slots=True)
class TrancheResult:
    """One tranche's cash flows, each (N, T).

    ``interest_shortfall`` is the unpaid interest carried after the period; ``factor`` is defined
    as ``balance_end / original balance``; ``residual_paid`` is non-zero only for the most junior
    class.
    """

    name: str
    original_balance: float
    balance_begin: FloatArray
    interest_due: FloatArray
    interest_paid: FloatArray
    interest_shortfall: FloatArray
    principal_paid: FloatArray
    writedown: FloatArray
    residual_paid: FloatArray
    balance_end: FloatArray

    @property
    def factor(self) -> FloatArray:
        """Defined as ``balance_end / original_balance`` (0 for a zero original balance)."""
        if self.original_balance <= 0.0:
            return np.zeros_like(self.balance_end)
        return self.balance_end / self.original_balance

    def frame(self, scenario: int = 0) -> pd.DataFrame:
        """One row per period for ``scenario``."""
        s = scenario
        df = pd.DataFrame(
            {
                "balance_begin": self.balance_begin[s],
                "interest_due": self.interest_due[s],
                "interest_paid": self.interest_paid[s],
                "interest_shortfall": self.interest_shortfall[s],
                "principal_paid": self.principal_paid[s],
                "writedown": self.writedown[s],
                "residual_paid": self.residual_paid[s],
                "balance_end": self.balance_end[s],
                "factor": self.factor[s],
            }
        )
        df.index = pd.RangeIndex(1, len(df) + 1, name="period")
        return df


@dataclass(frozen=True, slots=True)
class FeeResult:
    """One fee or tax, each (N, T): accrued in the period, paid, unpaid carried after the period."""

    name: str
    accrued: FloatArray
    paid: FloatArray
    unpaid: FloatArray

    def frame(self, scenario: int = 0) -> pd.DataFrame:
        """One row per period for ``scenario``."""
        s = scenario
        df = pd.DataFrame({"accrued": self.accrued[s], "paid": self.paid[s], "unpaid": self.unpaid[s]})
        df.index = pd.RangeIndex(1, len(df) + 1, name="period")
        return df


@dataclass(frozen=True, slots=True)
class TriggerResult:
    """One trigger, each (N, T): tested value, threshold, breached this period."""

    name: str
    value: FloatArray
    threshold: FloatArray
    breached: npt.NDArray[np.bool_]

    def frame(self, scenario: int = 0) -> pd.DataFrame:
        """One row per period for ``scenario``."""
        s = scenario
        df = pd.DataFrame({"value": self.value[s], "threshold": self.threshold[s], "breached": self.breached[s]})
        df.index = pd.RangeIndex(1, len(df) + 1, name="period")
        return df


class LiabilityResult:
    """Everything a run produced, built on request from the engine's buffers (finishing a run
    costs nothing). Arrays are (N, T); frames are built per scenario.

    Cash movements are stored once, in the ledger; per-tranche and per-fee paid amounts are sums of
    ledger rows by target; beginning balances, unpaid fees and the reserve at the start of a period
    are derived from the stored end-of-period values.
    """

    def __init__(self, engine: Engine, buf: dict[str, Any], t_done: int) -> None:
        self._engine = engine
        self._buf = buf
        self._T = t_done
        self.ledger_rows: list[tuple[str, str, str]] = list(engine.layout.rows)
        self.period_end_dates = engine.dates[1 : t_done + 1]
        #: (T + 1,) ends of the note interest accrual periods, ``[closing, payment date of period 1, …]``
        self.accrual_dates = engine.note_dates[: t_done + 1]
        self.initial_pool_balance = engine.pool0
        self.tranche_names: tuple[str, ...] = tuple(t.name for t in engine.tranches)
        self.fee_names: tuple[str, ...] = tuple(e.name for e in engine.expenses)
        self.trigger_names: tuple[str, ...] = tuple(g.name for g in engine.triggers)

    @classmethod
    def from_buffers(cls, engine: Engine, buf: dict[str, Any], t_done: int) -> LiabilityResult:
        """Wrap the engine's (T, ..., N) buffers; only the first ``t_done`` periods count."""
        return cls(engine, buf, t_done)

    def _nt(self, key: str, i: int | None = None) -> npt.NDArray[Any]:
        a = self._buf[key][: self._T]
        return _nt(a if i is None else a[:, i])

    def flows(self, pick: Callable[[tuple[str, str, str]], bool]) -> FloatArray:
        """(N, T) sum of the ledger rows whose (source, step, target) satisfies ``pick``."""
        n, T = self._engine.n, self._T
        idx = [r for r, key in enumerate(self.ledger_rows) if pick(key)]
        if not idx:
            return np.zeros((n, T))
        ledger = self._buf["ledger"][:T]
        out = ledger[:, idx[0], :].copy()
        for r in idx[1:]:
            out += ledger[:, r, :]
        return np.ascontiguousarray(out.T)

    # ---------------------------------------------------------------- layers
    def tranche(self, name: str) -> TrancheResult:
        """One tranche's (N, T) arrays."""
        if name not in self.tranche_names:
            raise must("name", f"must be a tranche ({list(self.tranche_names)})", name)
        i = self.tranche_names.index(name)
        t = self._engine.tranches[i]
        n = self._engine.n
        end = self._nt("bal_end", i)
        begin = np.concatenate([np.full((n, 1), t.balance), end[:, :-1]], axis=1)
        paid = self.flows(lambda key: key[2] == f"{name}:interest")
        shortfall = self._nt("shortfall", i)
        return TrancheResult(
            name=name,
            original_balance=t.balance,
            balance_begin=begin,
            interest_due=(paid + shortfall) * self._nt("pay"),
            interest_paid=paid,
            interest_shortfall=shortfall,
            principal_paid=self.flows(lambda key: key[2] == f"{name}:principal"),
            writedown=self._nt("writedown", i),
            residual_paid=self.flows(lambda key: key[2] == f"{name}:residual"),
            balance_end=end,
        )

    @property
    def tranches(self) -> dict[str, TrancheResult]:
        """Every tranche, most senior first."""
        return {nm: self.tranche(nm) for nm in self.tranche_names}

    def fee(self, name: str) -> FeeResult:
        """One fee's or tax's (N, T) arrays."""
        if name not in self.fee_names:
            raise must("name", f"must be a fee or tax ({list(self.fee_names)})", name)
        j = self.fee_names.index(name)
        e = self._engine.expenses[j]
        label = f"{'fee' if isinstance(e, Fee) else 'tax'}:{name}"
        accrued = self._nt("fee_accrued", j)
        paid = self.flows(lambda key: key[2] == label)
        return FeeResult(name=name, accrued=accrued, paid=paid, unpaid=np.cumsum(accrued - paid, axis=1))

    @property
    def fees(self) -> dict[str, FeeResult]:
        """Every fee and tax."""
        return {nm: self.fee(nm) for nm in self.fee_names}

    def trigger(self, name: str) -> TriggerResult:
        """One trigger's (N, T) arrays."""
        if name not in self.trigger_names:
            raise must("name", f"must be a trigger ({list(self.trigger_names)})", name)
        j = self.trigger_names.index(name)
        n, T = self._engine.n, self._T
        return TriggerResult(
            name=name,
            value=self._nt("trig_value", j),
            threshold=np.broadcast_to(self._engine.thresholds[j, :T], (n, T)),
            breached=self._nt("trig_breached", j),
        )

    @property
    def triggers(self) -> dict[str, TriggerResult]:
        """Every trigger."""
        return {nm: self.trigger(nm) for nm in self.trigger_names}

    def trigger_definitions_frame(self) -> pd.DataFrame:
        """Every trigger's definition (metric, denominator, window, threshold schedule, effect,
        curable), one row each, for the report and the workbook."""
        return trigger_definitions(self._engine.triggers)

    @property
    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Account, phase and revolving arrays, each (N, T)."""
        n, T, buf = self._engine.n, self._T, self._buf
        zeros = np.zeros((n, T))
        out: dict[str, npt.NDArray[Any]] = {
            key: self._nt(key) for key in ("cash_int", "cash_prin", "pdl_debit", "pdl_end", "phase", "pay")
        }
        carried = out["cash_int"] + out["cash_prin"]
        carried = np.concatenate([np.zeros((n, 1)), carried[:, :-1]], axis=1)
        out["available"] = carried + self.flows(lambda key: _is_pot(key[2]) and not _is_pot(key[0]))
        out["pdl_credit"] = self.flows(lambda key: key[1] == "cover_pdl") + self._nt("pdl_other_credit")
        out["pdl_begin"] = np.concatenate([np.zeros((n, 1)), out["pdl_end"][:, :-1]], axis=1)
        out["res_deposit"] = self.flows(lambda key: key[2] == RESERVE)
        out["res_draw"] = self.flows(lambda key: key[0] == RESERVE)
        out["cleanup_proceeds"] = self.flows(lambda key: key[0] == "cleanup_call")
        out["spent"] = self.flows(lambda key: key[2] == "receivables_purchase")
        res_end = self._nt("res_end") if "res_end" in buf else zeros
        reserve = self._engine.structure.reserve
        res0 = reserve.initial if reserve is not None else 0.0
        out["res_end"] = res_end
        out["res_begin"] = np.concatenate([np.full((n, 1), res0), res_end[:, :-1]], axis=1)
        out["res_target"] = self._nt("res_target") if "res_target" in buf else zeros
        for key in ("purchased", "unreinvested"):
            out[key] = self._nt(key) if key in buf else zeros
        out["called"] = self._nt("called") if "called" in buf else np.zeros((n, T), bool)
        return out

    # ---------------------------------------------------------------- shape
    @property
    def n_scenarios(self) -> int:
        """Number of scenarios N."""
        return int(self.initial_pool_balance.size)

    @property
    def n_periods(self) -> int:
        """Number of periods run T."""
        return self._T

    def _index(self) -> pd.RangeIndex:
        return pd.RangeIndex(1, self.n_periods + 1, name="period")

    def _scenario(self, scenario: int) -> int:
        if not isinstance(scenario, int | np.integer) or not 0 <= scenario < self.n_scenarios:
            raise must("scenario", f"must be an index in [0, {self.n_scenarios})", scenario)
        return int(scenario)

    # ---------------------------------------------------------------- frames
    def tranche_frame(self, name: str, scenario: int = 0) -> pd.DataFrame:
        """One tranche, one scenario: a row per period."""
        return self.tranche(name).frame(self._scenario(scenario))

    def fee_frame(self, name: str, scenario: int = 0) -> pd.DataFrame:
        """One fee or tax, one scenario: a row per period."""
        return self.fee(name).frame(self._scenario(scenario))

    def trigger_frame(self, name: str, scenario: int = 0) -> pd.DataFrame:
        """One trigger, one scenario: value, threshold, breached per period."""
        return self.trigger(name).frame(self._scenario(scenario))

    def account_frame(self, scenario: int = 0) -> pd.DataFrame:
        """Collection account, reserve and PDL for one scenario, a row per period."""
        s = self._scenario(scenario)
        a = self.arrays
        cols = [
            "available",
            "cash_int",
            "cash_prin",
            "res_begin",
            "res_deposit",
            "res_draw",
            "res_end",
            "res_target",
            "pdl_begin",
            "pdl_debit",
            "pdl_credit",
            "pdl_end",
            "cleanup_proceeds",
        ]
        names = [
            "available_funds",
            "interest_account_end",
            "principal_account_end",
            "reserve_begin",
            "reserve_deposit",
            "reserve_draw",
            "reserve_end",
            "reserve_target",
            "pdl_begin",
            "pdl_debit",
            "pdl_credit",
            "pdl_end",
            "cleanup_proceeds",
        ]
        df = pd.DataFrame({nm: a[c][s] for nm, c in zip(names, cols, strict=True)}, index=self._index())
        return df

    def excess_spread_frame(self, scenario: int = 0) -> pd.DataFrame:
        """Excess spread of one scenario, a row per period, as the ``excess_spread`` trigger
        tests it (:func:`tranches.kernels.excess_spread`: accrual basis, monthly): interest
        collected, late fees collected (违约金, a line of their own; income like interest), taxes
        and fees accrued, note interest accrued, ``excess_spread`` (interest + late fees − fees −
        note interest) and the annualised ``excess_spread_rate`` (12 × excess spread ÷ pool
        balance at the start)."""
        s = self._scenario(scenario)
        fees = self._buf["fee_accrued"][: self._T, :, s].sum(axis=1) if self.fee_names else np.zeros(self._T)
        return pd.DataFrame(
            {
                "interest_collected": self.flows(lambda key: key[1] == "collect_interest")[s],
                "late_fees_collected": self.late_fees_collected[s],
                "fees_accrued": fees,
                "note_interest_accrued": self._nt("note_accrued")[s],
                "excess_spread": self._nt("xs")[s],
                "excess_spread_rate": self._nt("xs_rate")[s],
            },
            index=self._index(),
        )

    def revolving_frame(self, scenario: int = 0) -> pd.DataFrame:
        """Phase, payment date (``payment_date``: notes paid this period; ``payment_day``: the date
        they are paid, NaT otherwise), revolving purchases (par, cash spent), cash not reinvested."""
        s = self._scenario(scenario)
        a = self.arrays
        df = pd.DataFrame(
            {
                "period_end": self.period_end_dates,
                "phase": [PHASE_NAMES[p] for p in a["phase"][s]],
                "payment_date": a["pay"][s],
                "payment_day": np.where(a["pay"][s], self._engine.note_dates[1 : self._T + 1], np.datetime64("NaT")),
                "purchased": a["purchased"][s],
                "spent": a["spent"][s],
                "unreinvested": a["unreinvested"][s],
                "called": a["called"][s],
            },
            index=self._index(),
        )
        return df

    def ledger_frame(self, scenario: int = 0) -> pd.DataFrame:
        """Every non-zero cash movement of one scenario: period, source, step, target, amount."""
        s = self._scenario(scenario)
        amounts = self._buf["ledger"][: self._T, :, s]  # (T, rows)
        t_idx, r_idx = np.nonzero(amounts)
        rows = self.ledger_rows
        return pd.DataFrame(
            {
                "period": t_idx + 1,
                "source": [rows[r][0] for r in r_idx],
                "step": [rows[r][1] for r in r_idx],
                "target": [rows[r][2] for r in r_idx],
                "amount": amounts[t_idx, r_idx],
            }
        )

    @property
    def late_fees_collected(self) -> FloatArray:
        """Late fees (违约金) the trust collected, (N, T): their own line of available funds."""
        return self.flows(lambda key: key[1] == "collect_late_fees")

    @property
    def purchased(self) -> FloatArray:
        """Par amount of receivables bought, (N, T)."""
        return self._nt("purchased") if "purchased" in self._buf else np.zeros((self._engine.n, self._T))

    @property
    def called(self) -> npt.NDArray[np.bool_]:
        """Clean-up call exercised in the period, (N, T)."""
        if "called" in self._buf:
            return self._nt("called")
        return np.zeros((self._engine.n, self._T), dtype=bool)

    def frame(self, scenario: int = 0) -> pd.DataFrame:
        """One wide row per period for ``scenario``: phase, payment date, available funds (and the
        late fees in them, ``late_fees_collected``), each
        tranche's interest / principal / writedown / residual / ending balance, each fee paid,
        reserve, PDL and revolving purchases (columns ``<tranche>_<field>``, ``<fee>_paid``)."""
        s = self._scenario(scenario)
        cols: dict[str, Any] = dict(self.revolving_frame(s)[["period_end", "phase", "payment_date"]])
        arrays = self.arrays
        cols["available_funds"] = arrays["available"][s]
        cols["late_fees_collected"] = self.late_fees_collected[s]
        for name in self.tranche_names:
            tr = self.tranche(name)
            for field in ("interest_paid", "principal_paid", "writedown", "residual_paid", "balance_end"):
                cols[f"{name}_{field}"] = getattr(tr, field)[s]
        for name in self.fee_names:
            cols[f"{name}_paid"] = self.fee(name).paid[s]
        for key, label in (
            ("res_end", "reserve_end"),
            ("pdl_end", "pdl_end"),
            ("purchased", "purchased"),
            ("called", "called"),
        ):
            cols[label] = arrays[key][s]
        return pd.DataFrame(cols, index=self._index())

    def summary(self) -> pd.DataFrame:
        """One row per tranche: totals averaged over scenarios and the share of scenarios with a
        loss. Columns: original_balance, interest_paid, principal_paid, writedown, residual_paid,
        final_factor (means), loss_probability."""
        rows = []
        for name, t in self.tranches.items():
            rows.append(
                {
                    "tranche": name,
                    "original_balance": t.original_balance,
                    "interest_paid": float(t.interest_paid.sum(axis=1).mean()),
                    "principal_paid": float(t.principal_paid.sum(axis=1).mean()),
                    "writedown": float(t.writedown.sum(axis=1).mean()),
                    "residual_paid": float(t.residual_paid.sum(axis=1).mean()),
                    "final_factor": float(t.factor[:, -1].mean()) if self.n_periods else 1.0,
                    "loss_probability": float((t.writedown.sum(axis=1) > 0.005).mean()),
                }
            )
        return pd.DataFrame(rows).set_index("tranche")

"""Delinquency management: collection stages, restructuring plans (逾期分期 / 协商还款) and the
charge-off recovery path, with their costs. A :class:`CollectionStrategy` is part of
:class:`~abs_model.assumptions.assumptions.Assumptions` (``collections=``) and works with the roll-rate
convention.

Definitions (period t, monthly; every rate a decimal):

- **Stage** (e.g. reminders at M1, phone/outsourced collection at M2, legal letters at M3+): for
  the receivables in its buckets at the start of the period it may set the cure rate to current
  (the rest of the row keeps its proportions), and it costs
  ``cost_per_account × accounts + cost_rate × balance + contingency_fee × cash collected from
  those buckets`` (an agency keeping 20–35 % of what it collects).
- **Restructuring**: a share ``take_up[j]`` of bucket j's balance enters a new plan each period.
  The plan amount is the outstanding principal (missed fees and late fees waived); a
  ``down_payment`` share is paid at once; the rest pays ``1/periods`` of the plan amount each
  period plus ``fee_rate ×`` the plan amount, while a share ``redefault_rate`` of the outstanding
  plan balance defaults each period (re-default is typically several times the base rate).
  Restructured receivables are a state of their own (``balance_restructured``), never counted as
  current silently: ``delinquent=True`` counts them in the delinquency ratio and trigger,
  ``counts_as_default=True`` counts their entry in the cumulative-default trigger.
- **Charge-off path**: a defaulted balance D is split into a debt sale (``sale_share``, received
  at once at ``sale_price``), legal action (``legal_share``; ``legal_cost_per_case`` per defaulted
  account; recovers ``legal_success_rate × legal_recovery_rate × D`` spread by ``legal_curve`` over
  the months after charge-off) and the rest written off with nothing more. It replaces
  ``recovery_rate`` / ``recovery_lag`` when given.
- **Cost rank**: ``"senior"`` costs are paid out of collections ahead of every fee and note
  (interest collections first, then principal); ``"netted_from_recoveries"`` costs are taken from
  recoveries first, any excess from interest collections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from abs_model.errors import AssumptionError
from tranches.frozen import FrozenMap

CostRank = Literal["senior", "netted_from_recoveries"]


def _rate(path: str, x: float, *, upper: float = 1.0) -> float:
    v = float(x)
    if not np.isfinite(v) or v < 0 or v > upper:
        hint = " — rates are decimals (25 % is 0.25)" if v > 1 else ""
        raise AssumptionError(f"{path}: must be a decimal in [0, {upper:g}]; got {x!r}{hint}")
    return v


def _money(path: str, x: float) -> float:
    v = float(x)
    if not np.isfinite(v) or v < 0:
        raise AssumptionError(f"{path}: must be a finite amount ≥ 0; got {x!r}")
    return v


@dataclass(frozen=True, slots=True)
class CollectionStage:
    """A collection stage over delinquency buckets (1 = M1 … 6 = M6); see module doc."""

    name: str
    buckets: tuple[int, ...]
    cure_to_current: float | None = None
    cost_per_account: float = 0.0
    cost_rate: float = 0.0
    contingency_fee: float = 0.0

    def __post_init__(self) -> None:
        b = tuple(int(x) for x in self.buckets)
        if not b or min(b) < 1 or max(b) > 6:
            raise AssumptionError(f"stage {self.name!r}.buckets: must be delinquency buckets 1…6 (M1–M6); got {self.buckets!r}")
        object.__setattr__(self, "buckets", b)
        if self.cure_to_current is not None:
            _rate(f"stage {self.name!r}.cure_to_current", self.cure_to_current)
        _money(f"stage {self.name!r}.cost_per_account", self.cost_per_account)
        _rate(f"stage {self.name!r}.cost_rate", self.cost_rate)
        _rate(f"stage {self.name!r}.contingency_fee", self.contingency_fee)


@dataclass(frozen=True, slots=True)
class Restructuring:
    """Negotiated repayment plans (逾期分期 / 协商还款); see module doc."""

    take_up: Mapping[int, float]
    periods: int = 6
    fee_rate: float = 0.0
    down_payment: float = 0.0
    redefault_rate: float = 0.05
    delinquent: bool = False
    counts_as_default: bool = False
    eligible: bool = True

    def __post_init__(self) -> None:
        tu = {}
        for k, v in dict(self.take_up).items():
            if int(k) < 1 or int(k) > 6:
                raise AssumptionError(f"restructuring.take_up: keys must be buckets 1…6 (M1–M6); got {k!r}")
            tu[int(k)] = _rate(f"restructuring.take_up[{k}]", v)
        object.__setattr__(self, "take_up", FrozenMap(tu))
        if int(self.periods) != self.periods or not 1 <= self.periods <= 60:
            raise AssumptionError(f"restructuring.periods: must be a whole number of periods in 1…60; got {self.periods!r}")
        _rate("restructuring.fee_rate", self.fee_rate)
        _rate("restructuring.down_payment", self.down_payment)
        _rate("restructuring.redefault_rate", self.redefault_rate)


@dataclass(frozen=True, slots=True)
class ChargeOffPath:
    """What happens to a charged-off balance: debt sale, legal action, write-off (module doc)."""

    sale_share: float = 0.0
    sale_price: float = 0.0
    legal_share: float = 0.0
    legal_cost_per_case: float = 0.0
    legal_success_rate: float = 0.0
    legal_recovery_rate: float = 1.0
    legal_curve: tuple[float, ...] = (1.0,)

    def __post_init__(self) -> None:
        _rate("charge_off.sale_share", self.sale_share)
        _rate("charge_off.sale_price", self.sale_price)
        _rate("charge_off.legal_share", self.legal_share)
        if self.sale_share + self.legal_share > 1 + 1e-12:
            raise AssumptionError(
                f"charge_off: sale_share + legal_share must be ≤ 1; got {self.sale_share + self.legal_share!r}"
            )
        _money("charge_off.legal_cost_per_case", self.legal_cost_per_case)
        _rate("charge_off.legal_success_rate", self.legal_success_rate)
        _rate("charge_off.legal_recovery_rate", self.legal_recovery_rate)
        curve = tuple(float(v) for v in self.legal_curve)
        for i, v in enumerate(curve):
            _rate(f"charge_off.legal_curve[{i}]", v)
        if abs(sum(curve) - 1.0) > 1e-9:
            raise AssumptionError(f"charge_off.legal_curve: must sum to 1; got {sum(curve)!r}")
        object.__setattr__(self, "legal_curve", curve)

    def recovery_vector(self) -> np.ndarray:
        """Money received k periods after charge-off per unit of charged-off balance.

        Defined as ``v[0] = sale_share × sale_price`` plus ``legal_share × legal_success_rate ×
        legal_recovery_rate × legal_curve[k]``.
        """
        curve = np.asarray(self.legal_curve)
        v = self.legal_share * self.legal_success_rate * self.legal_recovery_rate * curve
        v[0] += self.sale_share * self.sale_price
        return v


@dataclass(frozen=True, slots=True)
class CollectionStrategy:
    """A named collection strategy: stages, restructuring and the charge-off path."""

    name: str
    stages: tuple[CollectionStage, ...] = ()
    restructuring: Restructuring | None = None
    charge_off: ChargeOffPath | None = None
    cost_rank: CostRank = "senior"
    labels: Mapping[str, str] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", tuple(self.stages))
        if self.cost_rank not in ("senior", "netted_from_recoveries"):
            raise AssumptionError(f"collections.cost_rank: must be 'senior' or 'netted_from_recoveries'; got {self.cost_rank!r}")
        seen: dict[int, str] = {}
        for st in self.stages:
            for b in st.buckets:
                if b in seen:
                    raise AssumptionError(f"collections.stages: bucket M{b} is in both {seen[b]!r} and {st.name!r}")
                seen[b] = st.name

    def apply_cures(self, matrix: np.ndarray) -> np.ndarray:
        """The roll-rate stack with each stage's cure-to-current rate in its buckets' rows; the
        other entries of a row keep their proportions so it still sums to 1."""
        m = np.array(matrix, dtype=np.float64, copy=True)
        for st in self.stages:
            if st.cure_to_current is None:
                continue
            for j in st.buckets:
                row = m[:, j, :]
                rest = 1.0 - row[:, 0]
                others = row.copy()
                others[:, 0] = 0.0
                scale = np.where(rest > 0, (1.0 - st.cure_to_current) / np.where(rest > 0, rest, 1.0), 0.0)
                new = others * scale[:, None]
                # a row that was all cure keeps its remainder in its own bucket
                new[:, j] += np.where(rest > 0, 0.0, 1.0 - st.cure_to_current)
                new[:, 0] = st.cure_to_current
                m[:, j, :] = new
        return m

    def describe(self) -> str:
        parts = [f"strategy {self.name!r}"]
        for st in self.stages:
            parts.append(
                f"{st.name} (M{'/M'.join(map(str, st.buckets))}"
                + (f", cure {st.cure_to_current:.0%}" if st.cure_to_current is not None else "")
                + (f", {st.contingency_fee:.0%} contingency" if st.contingency_fee else "")
                + ")"
            )
        if self.restructuring is not None:
            r = self.restructuring
            parts.append(
                f"restructuring {dict(r.take_up)} into {r.periods} periods, fee {r.fee_rate:.2%}, re-default {r.redefault_rate:.1%}/month"
            )
        if self.charge_off is not None:
            c = self.charge_off
            parts.append(f"charge-off: sale {c.sale_share:.0%} at {c.sale_price:.0%}, legal {c.legal_share:.0%}")
        parts.append(f"costs {self.cost_rank}")
        return "; ".join(parts)


def strategy_from_mapping(d: Mapping[str, Any]) -> CollectionStrategy:
    """Build a strategy from a plain mapping (a YAML block)."""
    stages = tuple(CollectionStage(**dict(s)) for s in d.get("stages", []) or [])
    r = d.get("restructuring")
    co = d.get("charge_off")
    return CollectionStrategy(
        name=str(d.get("name", "strategy")),
        stages=stages,
        restructuring=Restructuring(**dict(r)) if r else None,
        charge_off=_charge_off(co) if co else None,
        cost_rank=d.get("cost_rank", "senior"),
    )


def _charge_off(co: Mapping[str, Any]) -> ChargeOffPath:
    kw: dict[str, Any] = {k: (tuple(v) if isinstance(v, Sequence) and not isinstance(v, str) else v) for k, v in co.items()}
    return ChargeOffPath(**kw)

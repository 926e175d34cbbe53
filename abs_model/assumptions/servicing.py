"""Delinquency management: collection stages, restructuring plans (逾期分期 / 协商还款 /
停息挂账), late fees (违约金) and the charge-off recovery path, with their costs. A :class:`CollectionStrategy` is part of
:class:`~abs_model.assumptions.assumptions.Assumptions` (``collections=``) and works with the roll-rate
convention.

Definitions (period t, monthly; every rate a decimal):

- **Stage** (e.g. reminders at M1, phone/outsourced collection at M2, legal letters at M3+): for
  the receivables in its buckets at the start of the period it may set the cure rate to current
  (the rest of the row keeps its proportions), and it costs
  ``cost_per_account × accounts + cost_rate × balance + contingency_fee × cash collected from
  those buckets`` (an agency keeping 20–35 % of what it collects).
- **Restructuring** (:class:`Restructuring`, one per plan type; several may run side by side):
  a share ``take_up[j]`` of bucket j enters a plan at the start of each period, with its accrued
  late fees. ``spread_arrears``: the overdue amount (principal + fees, late fees by option) is
  repaid over ``periods`` months on top of the continuing schedule, then the receivable is current
  again; ``re_age``: the balance over ``max(remaining term, periods)`` months with a plan fee;
  ``freeze`` (停息挂账): fees stop, principal over ``periods`` ≤ 60 months. Plans re-default and
  prepay at their own monthly rates (re-default is typically several times the base rate). Full
  formulas: :mod:`abs_model.projection.restructuring`. Restructured receivables are a state of
  their own (``balance_restructured`` and one column per plan type), never counted as current
  silently: ``delinquent=True`` counts them in every delinquency ratio and trigger (the 30+ ratio
  and each serious-delinquency window),
  ``counts_as_default=True`` counts their entry in the cumulative-default trigger,
  ``eligible=False`` takes them out of the collateral balance, ``buy_back=True`` has the
  originator buy them back at par instead of a plan.
- **Late fees** (:class:`LateFees`, an assumption of its own, ``Assumptions.make(late_fees=…)``):
  违约金 / 罚息 accrue daily on the amount due and unpaid (see
  :mod:`abs_model.projection.late_fees`); collected on a cure, written off at default, waived or
  capitalised on restructuring; the trust's revenue only when ``to_trust``.
- **Charge-off path**: a defaulted balance D is split into a debt sale (``sale_share``, received
  at once at ``sale_price``), legal action (``legal_share``; ``legal_cost_per_case`` per defaulted
  account; recovers ``legal_success_rate × legal_recovery_rate × D`` spread by ``legal_curve`` over
  the months after charge-off; only on receivables of at least ``legal_min_balance``, the
  legal share of smaller ones is written off) and the rest written off with nothing more. It
  replaces ``recovery_rate`` / ``recovery_lag`` when given.
- **Cost rank**: ``"senior"`` costs are paid out of collections ahead of every fee and note
  (interest collections first, then principal); ``"netted_from_recoveries"`` costs are taken from
  recoveries first, any excess from interest collections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from abs_model.core.products import PRODUCT_KEYS
from abs_model.errors import AssumptionError
from tranches import FrozenMap

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
    """A collection stage over delinquency buckets (1 = M1 … 6 = M6); see module doc.

    By days past due instead of buckets: ``from_day`` … ``to_day`` (inclusive, default 180) cover
    the buckets ``⌈from_day / 30⌉ … ⌈to_day / 30⌉`` (a lawyer's letter at day 12 is an M1 action;
    outsourcing from day 61 covers M3–M6). ``cure_uplift`` raises the cure-to-current rate of its
    buckets: ``cure' = min(1, cure × (1 + uplift))`` (a credit-line freeze / 征信 report, a
    lawyer's letter), the rest of the row keeping its proportions; stages with uplifts or costs
    only may overlap, a fixed ``cure_to_current`` owns its buckets.
    """

    name: str
    buckets: tuple[int, ...] = ()
    cure_to_current: float | None = None
    cost_per_account: float = 0.0
    cost_rate: float = 0.0
    contingency_fee: float = 0.0
    from_day: int | None = None
    to_day: int | None = None
    cure_uplift: float = 0.0

    def __post_init__(self) -> None:
        if self.from_day is not None:
            if self.buckets:
                raise AssumptionError(f"stage {self.name!r}: give buckets or from_day/to_day, not both; got buckets={self.buckets!r}")
            first, last = self.from_day, 180 if self.to_day is None else self.to_day
            for what, d in (("from_day", first), ("to_day", last)):
                if isinstance(d, bool) or int(d) != d or not 1 <= d <= 180:
                    raise AssumptionError(f"stage {self.name!r}.{what}: must be a whole number of days past due in 1…180; got {d!r}")
            if last < first:
                raise AssumptionError(f"stage {self.name!r}.to_day: must be ≥ from_day ({first}); got {last!r}")
            object.__setattr__(self, "buckets", tuple(range(-(-int(first) // 30), -(-int(last) // 30) + 1)))
        b = tuple(int(x) for x in self.buckets)
        if not b or min(b) < 1 or max(b) > 6:
            raise AssumptionError(f"stage {self.name!r}.buckets: must be delinquency buckets 1…6 (M1–M6); got {self.buckets!r}")
        object.__setattr__(self, "buckets", b)
        if self.cure_to_current is not None:
            _rate(f"stage {self.name!r}.cure_to_current", self.cure_to_current)
        _money(f"stage {self.name!r}.cost_per_account", self.cost_per_account)
        _rate(f"stage {self.name!r}.cost_rate", self.cost_rate)
        _rate(f"stage {self.name!r}.contingency_fee", self.contingency_fee)
        _rate(f"stage {self.name!r}.cure_uplift", self.cure_uplift, upper=100.0)


PlanType = Literal["spread_arrears", "re_age", "freeze"]
PLAN_TYPES: tuple[str, ...] = ("spread_arrears", "re_age", "freeze")


@dataclass(frozen=True, slots=True)
class Restructuring:
    """Negotiated repayment plans (逾期分期 / 协商还款 / 停息挂账) of one type; see module doc.

    ``plan``: ``"spread_arrears"`` (the overdue amount over ``periods`` months on top of the
    continuing schedule), ``"re_age"`` (the whole balance over ``max(remaining term, periods)``
    months, plan fee ``fee_rate`` a month on the plan amount) or ``"freeze"`` (停息挂账: no more
    fees, principal over ``periods`` ≤ 60 months). ``late_fees``: accrued 违约金 are
    ``"capitalise"``-d (repaid over the first ``periods`` months of the plan) or ``"waive"``-d;
    under ``re_age`` and ``freeze`` the same option applies to the overdue instalment fees.
    ``redefault_rate`` / ``prepay_rate``: monthly shares of the plans that default / prepay.
    Deal rules: ``delinquent`` (counted in the delinquency ratio), ``counts_as_default`` (entry
    counts in the cumulative-default trigger), ``eligible`` (stays eligible collateral),
    ``buy_back`` (the originator buys entering receivables back at par).
    """

    take_up: Mapping[int, float]
    periods: int = 6
    fee_rate: float = 0.0
    down_payment: float = 0.0
    redefault_rate: float = 0.05
    delinquent: bool = False
    counts_as_default: bool = False
    eligible: bool = True
    plan: PlanType = "re_age"
    prepay_rate: float = 0.0
    late_fees: Literal["capitalise", "waive"] = "capitalise"
    buy_back: bool = False

    def __post_init__(self) -> None:
        path = f"restructuring[{self.plan!r}]"
        if self.plan not in PLAN_TYPES:
            raise AssumptionError(f"restructuring.plan: must be one of {list(PLAN_TYPES)}; got {self.plan!r}")
        tu = {}
        for k, v in dict(self.take_up).items():
            if int(k) < 1 or int(k) > 6:
                raise AssumptionError(f"{path}.take_up: keys must be buckets 1…6 (M1–M6); got {k!r}")
            tu[int(k)] = _rate(f"{path}.take_up[{k}]", v)
        object.__setattr__(self, "take_up", FrozenMap(tu))
        if isinstance(self.periods, bool) or int(self.periods) != self.periods or not 1 <= self.periods <= 60:
            raise AssumptionError(f"{path}.periods: must be a whole number of periods in 1…60; got {self.periods!r}")
        object.__setattr__(self, "periods", int(self.periods))
        _rate(f"{path}.fee_rate", self.fee_rate)
        _rate(f"{path}.down_payment", self.down_payment)
        _rate(f"{path}.redefault_rate", self.redefault_rate)
        _rate(f"{path}.prepay_rate", self.prepay_rate)
        if self.redefault_rate + self.prepay_rate > 1 + 1e-12:
            raise AssumptionError(f"{path}: redefault_rate + prepay_rate must be ≤ 1; got {self.redefault_rate + self.prepay_rate!r}")
        if self.late_fees not in ("capitalise", "waive"):
            raise AssumptionError(f"{path}.late_fees: must be 'capitalise' or 'waive'; got {self.late_fees!r}")
        if self.plan == "freeze" and self.fee_rate:
            raise AssumptionError(f"{path}.fee_rate: a freeze (停息挂账) stops every fee, so it must be 0; got {self.fee_rate!r}")
        if self.plan == "spread_arrears" and (self.fee_rate or self.down_payment):
            raise AssumptionError(
                f"{path}: fee_rate and down_payment apply to re_age and freeze plans; got fee_rate={self.fee_rate!r}, "
                f"down_payment={self.down_payment!r}"
            )


@dataclass(frozen=True, slots=True)
class LateFees:
    """Late fees / penalty interest (违约金 / 罚息) on overdue amounts (module doc).

    ``daily_rate``: decimal a day on the amount due and unpaid (overdue principal + overdue
    instalment fees), e.g. 0.0005; ``product_rates``: per-product overrides (product key → daily
    rate); ``grace_days``: days of the first delinquent month free of late fees (宽限期);
    ``apr_cap``: the daily rate is capped at ``apr_cap / 360`` (e.g. 0.24); ``waived_share``: share
    of the late fees a curing borrower is excused; ``to_trust``: whether collected late fees are
    the trust's (available funds) or stay with the originator; ``days_per_period``: 30.
    """

    daily_rate: float = 0.0005
    grace_days: int = 0
    apr_cap: float | None = None
    waived_share: float = 0.0
    to_trust: bool = True
    product_rates: Mapping[str, float] = field(default_factory=FrozenMap)
    days_per_period: int = 30

    def __post_init__(self) -> None:
        _rate("late_fees.daily_rate", self.daily_rate, upper=0.01)
        rates = {}
        for k, v in dict(self.product_rates).items():
            if str(k) not in PRODUCT_KEYS:
                raise AssumptionError(f"late_fees.product_rates: keys must be products {list(PRODUCT_KEYS)}; got {k!r}")
            rates[str(k)] = _rate(f"late_fees.product_rates[{k!r}]", v, upper=0.01)
        object.__setattr__(self, "product_rates", FrozenMap(rates))
        for name in ("grace_days", "days_per_period"):
            v = getattr(self, name)
            if isinstance(v, bool) or int(v) != v or not 0 <= v <= 31:
                raise AssumptionError(f"late_fees.{name}: must be a whole number of days in 0…31; got {v!r}")
        if self.grace_days > self.days_per_period:
            raise AssumptionError(f"late_fees.grace_days: must be ≤ days_per_period ({self.days_per_period}); got {self.grace_days!r}")
        if self.apr_cap is not None:
            _rate("late_fees.apr_cap", self.apr_cap, upper=10.0)
        _rate("late_fees.waived_share", self.waived_share)

    def rate_of(self, product: str) -> float:
        """The daily rate of a product: its override or the default, capped at ``apr_cap / 360``."""
        r = float(self.product_rates.get(product, self.daily_rate))
        return min(r, self.apr_cap / 360.0) if self.apr_cap is not None else r

    def days(self, bucket: int) -> int:
        """Days charged in a period spent in bucket ``bucket``: the grace days are free in M1."""
        return self.days_per_period - self.grace_days if bucket == 1 else self.days_per_period


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
    legal_min_balance: float = 0.0
    """Legal action only on receivables whose balance (at cut-off, or at purchase) is at least
    this (small debts are not worth suing); below it the ``legal_share`` is written off with no
    recovery and no legal cost. 0: every receivable. Rep-lines split by it exactly."""

    def __post_init__(self) -> None:
        _rate("charge_off.sale_share", self.sale_share)
        _money("charge_off.legal_min_balance", self.legal_min_balance)
        _rate("charge_off.sale_price", self.sale_price)
        _rate("charge_off.legal_share", self.legal_share)
        if self.legal_min_balance > 0 and self.legal_share == 0:
            raise AssumptionError(
                "charge_off.legal_min_balance: a threshold for legal action, but legal_share is 0 (no receivable "
                f"is sued); give a legal_share or drop the threshold; got legal_min_balance={self.legal_min_balance!r}"
            )
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


def _with_cure(row: np.ndarray, j: int, cure: np.ndarray) -> np.ndarray:
    """Rows (M, 8) of bucket ``j`` with the cure-to-current rate set to ``cure`` (M,), the other
    entries scaled so each row still sums to 1 (a row that was all cure keeps the rest in ``j``)."""
    rest = 1.0 - row[:, 0]
    others = row.copy()
    others[:, 0] = 0.0
    scale = np.where(rest > 0, (1.0 - cure) / np.where(rest > 0, rest, 1.0), 0.0)
    new = others * scale[:, None]
    new[:, j] += np.where(rest > 0, 0.0, 1.0 - cure)
    new[:, 0] = cure
    return new


@dataclass(frozen=True, slots=True)
class CollectionStrategy:
    """A named collection strategy: stages, restructuring and the charge-off path."""

    name: str
    stages: tuple[CollectionStage, ...] = ()
    restructuring: Restructuring | tuple[Restructuring, ...] | None = None
    charge_off: ChargeOffPath | None = None
    cost_rank: CostRank = "senior"
    labels: Mapping[str, str] = field(default_factory=FrozenMap)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stages", tuple(self.stages))
        if self.cost_rank not in ("senior", "netted_from_recoveries"):
            raise AssumptionError(f"collections.cost_rank: must be 'senior' or 'netted_from_recoveries'; got {self.cost_rank!r}")
        seen: dict[int, str] = {}
        for st in self.stages:
            if st.cure_to_current is None:
                continue  # costs and uplifts add up; only a fixed cure rate owns its buckets
            for b in st.buckets:
                if b in seen:
                    raise AssumptionError(f"collections.stages: bucket M{b} is in both {seen[b]!r} and {st.name!r}")
                seen[b] = st.name
        if isinstance(self.restructuring, list | tuple):
            object.__setattr__(self, "restructuring", tuple(self.restructuring) or None)
        plans = self.plans
        for p in plans:
            if not isinstance(p, Restructuring):
                raise AssumptionError(f"collections.restructuring: must be abs_model.Restructuring plans; got {type(p).__name__}")
        total: dict[int, float] = {}
        for p in plans:
            for b, v in p.take_up.items():
                total[b] = total.get(b, 0.0) + v
        over = {b: v for b, v in total.items() if v > 1 + 1e-12}
        if over:
            b, v = next(iter(over.items()))
            raise AssumptionError(f"collections.restructuring: take-up of M{b} over all plans must be ≤ 1; got {v!r}")
        rules = {(p.delinquent, p.counts_as_default, p.eligible) for p in plans}
        if len(rules) > 1:
            raise AssumptionError(
                "collections.restructuring: every plan must state the same deal rules (delinquent, counts_as_default, "
                f"eligible); got {sorted(rules)}"
            )

    @property
    def plans(self) -> tuple[Restructuring, ...]:
        """The restructuring plans, one per plan type given (empty without restructuring)."""
        r = self.restructuring
        if r is None:
            return ()
        return r if isinstance(r, tuple) else (r,)

    @property
    def rules(self) -> Restructuring | None:
        """The plan whose deal rules (delinquent, counts as default, eligible, buy back) apply."""
        return self.plans[0] if self.plans else None

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
        for st in self.stages:
            if st.cure_uplift:
                for j in st.buckets:
                    m[:, j, :] = _with_cure(m[:, j, :], j, np.minimum(1.0, m[:, j, 0] * (1.0 + st.cure_uplift)))
        return m

    def describe(self) -> str:
        parts = [f"strategy {self.name!r}"]
        for st in self.stages:
            parts.append(
                f"{st.name} (M{'/M'.join(map(str, st.buckets))}"
                + (f", cure {st.cure_to_current:.0%}" if st.cure_to_current is not None else "")
                + (f", cure ×{1 + st.cure_uplift:g}" if st.cure_uplift else "")
                + (f", {st.contingency_fee:.0%} contingency" if st.contingency_fee else "")
                + ")"
            )
        for r in self.plans:
            parts.append(
                f"{r.plan} {dict(r.take_up)} over {r.periods} periods, fee {r.fee_rate:.2%}, re-default {r.redefault_rate:.1%}/month"
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
    plans: tuple[Restructuring, ...] | None = None
    if isinstance(r, Mapping):
        plans = (Restructuring(**dict(r)),)
    elif r:
        plans = tuple(p if isinstance(p, Restructuring) else Restructuring(**dict(p)) for p in r)
    return CollectionStrategy(
        name=str(d.get("name", "strategy")),
        stages=stages,
        restructuring=plans,
        charge_off=_charge_off(co) if co else None,
        cost_rank=d.get("cost_rank", "senior"),
    )


def _charge_off(co: Mapping[str, Any]) -> ChargeOffPath:
    kw: dict[str, Any] = {k: (tuple(v) if isinstance(v, Sequence) and not isinstance(v, str) else v) for k, v in co.items()}
    return ChargeOffPath(**kw)


def segment_take_up(path: str, value: Any) -> Mapping[str, Mapping[int, float]] | None:
    """A segment override's restructuring take-up, ``{plan type: {bucket: share}}``, validated
    like a plan's own (plan types of :data:`PLAN_TYPES`, buckets 1…6, shares in [0, 1])."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise AssumptionError(f"{path}: must map plan types to {{bucket: share}}; got {type(value).__name__}")
    out: dict[str, FrozenMap[int, float]] = {}
    for kind, tu in value.items():
        if kind not in PLAN_TYPES:
            raise AssumptionError(f"{path}: keys must be plan types {list(PLAN_TYPES)}; got {kind!r}")
        if not isinstance(tu, Mapping):
            raise AssumptionError(f"{path}[{kind!r}]: must map buckets 1…6 to shares; got {tu!r}")
        shares: dict[int, float] = {}
        for k, v in tu.items():
            if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= int(k) <= 6:
                raise AssumptionError(f"{path}[{kind!r}]: keys must be buckets 1…6 (M1–M6); got {k!r}")
            shares[int(k)] = _rate(f"{path}[{kind!r}][{k}]", v)
        out[str(kind)] = FrozenMap(shares)
    return FrozenMap(out)


def check_segment_take_up(overrides: Sequence[Any], strategy: CollectionStrategy | None, threshold_days: int) -> None:
    """Each override's take-up names plan types of the strategy, restructures live buckets only,
    and with the plans it leaves alone takes at most the whole of a bucket."""
    default_bucket = threshold_days // 30 + 1
    plans = strategy.plans if strategy is not None else ()
    kinds = {p.plan for p in plans}
    for i, o in enumerate(overrides):
        tu = getattr(o, "take_up", None)
        if not tu:
            continue
        path = f"segment_overrides[{i}].take_up"
        missing = sorted(set(tu) - kinds)
        if missing:
            raise AssumptionError(f"{path}: plan type(s) {missing} are not restructuring plans of the collection strategy; plans: {sorted(kinds)}")
        for kind, shares in tu.items():
            late = [b for b, v in shares.items() if b >= default_bucket and v > 0]
            if late:
                raise AssumptionError(f"{path}[{kind!r}]: bucket M{late[0]} is at or past the default bucket M{default_bucket}; got {dict(shares)}")
        for b in range(1, 7):
            total = sum(tu[p.plan].get(b, 0.0) if p.plan in tu else p.take_up.get(b, 0.0) for p in plans)
            if total > 1 + 1e-12:
                raise AssumptionError(f"{path}: take-up of M{b} over all plans must be ≤ 1; got {total!r}")


def take_up_by_plan(plans: Sequence[Restructuring], overrides: Sequence[Mapping[str, Mapping[int, float]]]) -> list[Mapping[int, float]]:
    """Each plan's take-up for receivables matching ``overrides`` (in order; a later one wins per
    plan type): the plan's own ``take_up`` where none names its type."""
    out = []
    for p in plans:
        tu: Mapping[int, float] = p.take_up
        for o in overrides:
            if p.plan in o:
                tu = o[p.plan]
        out.append(tu)
    return out

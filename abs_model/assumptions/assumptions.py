"""Projection assumptions in one normalised form: :class:`Assumptions`.

Every rate is a decimal. Every curve, whatever it was given as (a scalar, a per-period list, a
by-original-term mapping, a standard curve such as PSA/ABS/SDA), becomes a :class:`Curve`: a
read-only array indexed either by *period* (1-based periods since cut-off) or by *age* (1-based
months on book of the receivable at that period). Beyond its last value a curve stays flat.

Conventions (named; each result states which one it used)
---------------------------------------------------------
``"sifma"`` — the SIFMA/BMA Standard Formulas: new defaults are ``MDR × prior performing
balance``; scheduled amortisation runs on the surviving balance; voluntary prepayments are
``SMM × (surviving balance − scheduled principal)``; defaulted balances are liquidated after the
recovery lag at ``recovery_rate`` (severity = 1 − recovery_rate).

``"roll_rate"`` — the consumer-receivable state machine: a roll-rate matrix over M0…M7 moves
balances at most one bucket forward a period, or cures them; a delinquent balance pays nothing;
a cure pays the missed instalments; a balance reaching the default threshold (90+ or 180+ days
past due) is charged off and recovered at ``recovery_rate`` after the lag; SMM applies to the
current (M0) balance after its scheduled instalment.

Chinese cumulative default rate (累计违约率) — ``cumulative_default`` is a share of the initial pool
balance, spread over periods by ``default_timing`` (by year or by period); it runs under the
``"sifma"`` convention with the period's MDR chosen so that the period's defaults equal
``cumulative_default × initial balance × timing[t]`` (capped at the performing balance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from abs_model.assumptions.buyback import BuyBack, buy_back_from
from abs_model.assumptions.conventions import check_convention, check_rounding
from abs_model.assumptions.servicing import (
    CollectionStrategy,
    LateFees,
    check_segment_take_up,
    segment_take_up,
    strategy_from_mapping,
)
from abs_model.core import rates
from abs_model.core.limits import MAX_PERIODS, MAX_RECOVERY_LAG
from abs_model.errors import AssumptionError
from tranches import FrozenMap

Index = Literal["period", "age"]
UnearnedFee = Literal["waived", "one_period", "full"]
N_BUCKETS = 8  # M0 … M7


#: Largest PSA multiple accepted: 20 = 2,000 % PSA (4 % CPR in month 1, 100 % from month 25).
#: Above it the speed is a percent typed as a multiple: 150 for 150 % PSA (which is 1.5).
MAX_PSA = 20.0
#: Largest SDA multiple accepted: 50 = 5,000 % SDA (a 30 % CDR peak in months 30–60); above it a
#: percent typed as a multiple (200 for 200 % SDA, which is 2.0).
MAX_SDA = 50.0


def _no_bool(name: str, x: Any) -> None:
    """A boolean is not a number here: ``cpr=True`` ran as a 100 % CPR, ``recovery_lag=True`` as 1."""
    if isinstance(x, np.ndarray) and x.dtype != object:
        if x.dtype == np.bool_ and x.size:
            raise AssumptionError(f"{name}: must be a number, not a boolean; got {bool(x.ravel()[0])!r}")
        return  # a numeric array holds no boolean
    for v in np.ravel(np.asarray(x, dtype=object)):
        if isinstance(v, bool | np.bool_):
            raise AssumptionError(f"{name}: must be a number, not a boolean; got {bool(v)!r}")


def _finite(name: str, a: np.ndarray) -> None:
    _no_bool(name, a)
    if not np.all(np.isfinite(a)):
        bad = float(a[~np.isfinite(a)].ravel()[0])
        raise AssumptionError(f"{name}: must be finite numbers; got {bad!r}")


def _decimals(name: str, a: np.ndarray, *, upper: float = 1.0) -> None:
    _finite(name, a)
    if a.size and (a.min() < 0 or a.max() > upper):
        bad = float(a[(a < 0) | (a > upper)].ravel()[0])
        hint = " — rates are decimals (6 % is 0.06)" if bad > 1 else ""
        raise AssumptionError(f"{name}: must be a decimal in [0, {upper:g}]; got {bad!r}{hint}")


@dataclass(frozen=True, slots=True)
class Curve:
    """A rate path: ``values[k-1]`` applies at index ``k`` (1-based), flat beyond the end.

    ``index="period"``: ``k`` is the period since cut-off; ``index="age"``: ``k`` is the
    receivable's months on book in that period (age at cut-off + period).
    """

    values: np.ndarray
    index: Index = "period"

    def __post_init__(self) -> None:
        v = np.array(self.values, dtype=np.float64, copy=True).ravel()
        if v.size == 0:
            raise AssumptionError("curve: must have at least one value; got an empty vector")
        v.setflags(write=False)
        object.__setattr__(self, "values", v)
        if self.index not in ("period", "age"):
            raise AssumptionError(f"curve.index: must be 'period' or 'age'; got {self.index!r}")

    def at(self, k: np.ndarray) -> np.ndarray:
        """Values at 1-based indices ``k`` (array), flat extrapolation past the end."""
        i = np.clip(np.asarray(k) - 1, 0, self.values.size - 1)
        return self.values[i]

    def scaled(self, m: float) -> Curve:
        return Curve(self.values * m, self.index)


def as_curve(x: Any, name: str, *, index: Index = "period", upper: float = 1.0) -> Curve:
    """Normalise a scalar, a vector or a :class:`Curve` into a validated :class:`Curve`."""
    if not isinstance(x, Curve):
        _no_bool(name, x)
        try:
            a = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise AssumptionError(f"{name}: must be a number or a vector of numbers by {index}; got {x!r}") from None
        if a.ndim > 1:
            raise AssumptionError(f"{name}: must be a number or a 1-D vector by {index}; got an array of shape {a.shape}")
        if a.size == 0:
            raise AssumptionError(f"{name}: must have at least one value; got an empty vector")
    c = x if isinstance(x, Curve) else Curve(np.atleast_1d(a), index)
    _decimals(name, c.values, upper=upper)
    return c


@dataclass(frozen=True, slots=True)
class RollRates:
    """A roll-rate (Markov) matrix over M0…M7, optionally one per month on book.

    ``matrix`` has shape (8, 8) or (M, 8, 8); row ``i`` gives the share of bucket ``i``'s balance
    that is in bucket ``j`` one period later. Rules: rows sum to 1; entries are in [0, 1]; balances
    move at most one bucket forward (``P[i, j] = 0`` for ``j > i + 1``); M7 is absorbing. With a
    stack, ``matrix[a-1]`` applies in the period in which the receivable is ``a`` months on book
    (flat after the last).
    """

    matrix: np.ndarray

    def __post_init__(self) -> None:
        m = np.array(self.matrix, dtype=np.float64, copy=True)
        if m.ndim == 2:
            m = m[None]
        if m.ndim != 3 or m.shape[1:] != (N_BUCKETS, N_BUCKETS):
            raise AssumptionError(
                f"roll_rates.matrix: must be 8×8 (M0…M7) or a stack of shape (M, 8, 8); got shape {np.shape(self.matrix)}"
            )
        _decimals("roll_rates.matrix", m)
        sums = m.sum(axis=2)
        bad = np.argwhere(np.abs(sums - 1.0) > 1e-9)
        if bad.size:
            a, r = bad[0]
            raise AssumptionError(f"roll_rates.matrix[{a}][{r}] (row M{r}): must sum to 1; got {float(sums[a, r])!r}")
        upper = np.triu(np.ones((N_BUCKETS, N_BUCKETS), dtype=bool), k=2)
        if np.any(m[:, upper] > 0):
            a, r, c = np.argwhere(m * upper > 0)[0]
            raise AssumptionError(
                f"roll_rates.matrix[{a}][{r}][{c}]: balances move at most one bucket a period "
                f"(M{r} → M{c} skips buckets); got {float(m[a, r, c])!r}"
            )
        m.setflags(write=False)
        object.__setattr__(self, "matrix", m)

    @classmethod
    def simple(
        cls,
        *,
        roll: Sequence[float],
        cure: Sequence[float] | None = None,
    ) -> RollRates:
        """Build a matrix from roll-forward rates ``roll[i]`` (Mi → Mi+1, i = 0…6) and cure rates
        ``cure[i]`` (Mi → M0, i = 1…6, given as a list of 6); the rest stays in its bucket.
        """
        r = np.asarray(roll, dtype=np.float64)
        c = np.zeros(6) if cure is None else np.asarray(cure, dtype=np.float64)
        if r.shape != (7,):
            raise AssumptionError(f"roll_rates.roll: must have 7 values (M0→M1 … M6→M7); got {r.size}")
        if c.shape != (6,):
            raise AssumptionError(f"roll_rates.cure: must have 6 values (M1…M6 → M0); got {c.size}")
        _decimals("roll_rates.roll", r)
        _decimals("roll_rates.cure", c)
        over = np.flatnonzero(r[1:] + c > 1.0 + 1e-12)
        if over.size:
            i = int(over[0]) + 1
            raise AssumptionError(
                f"roll_rates: roll[{i}] + cure[{i - 1}] (M{i} → M{i + 1} plus M{i} → M0) must be ≤ 1, the rest stays in M{i}; "
                f"got {float(r[i])!r} + {float(c[i - 1])!r} = {float(r[i] + c[i - 1])!r}"
            )
        P = np.zeros((N_BUCKETS, N_BUCKETS))
        for i in range(7):
            P[i, i + 1] = r[i]
            cure_i = c[i - 1] if i >= 1 else 0.0
            P[i, 0] += cure_i
            P[i, i] += 1.0 - r[i] - cure_i
        P[7, 7] = 1.0
        return cls(P)

    def stressed(self, m: float) -> RollRates:
        """Scale every roll-forward rate (Mi → Mi+1) by ``m`` (capped at 1); the other entries of
        the row shrink in proportion so the row still sums to 1."""
        return RollRates(stress_rolls(self.matrix, np.array([m]))[0])


def stress_rolls(matrix: np.ndarray, mult: np.ndarray) -> np.ndarray:
    """Stressed copies of a (M, 8, 8) stack for each multiplier: shape (S, M, 8, 8).

    Defined as ``P'[i, i+1] = min(1, m·P[i, i+1])`` and ``P'[i, j] = P[i, j]·(1 − P'[i, i+1]) /
    (1 − P[i, i+1])`` for ``j ≠ i+1``; a row with ``P[i, i+1] = 1`` keeps ``1 − P'[i, i+1]`` in
    bucket i (it stays delinquent rather than rolling).
    """
    m = np.asarray(mult, dtype=np.float64).reshape(-1, 1, 1)
    base = np.asarray(matrix)
    out = np.broadcast_to(base, (m.shape[0], *base.shape)).copy()
    # every row i < 7 at once (each element the same arithmetic as row by row)
    i = np.arange(N_BUCKETS - 1)
    roll = base[:, i, i + 1][None]  # (1, M, 7)
    new = np.minimum(1.0, roll * m)  # (S, M, 7)
    rest = 1.0 - roll
    scale = np.where(rest > 0, (1.0 - new) / np.where(rest > 0, rest, 1.0), 0.0)
    out[:, :, : N_BUCKETS - 1, :] = base[None, :, : N_BUCKETS - 1, :] * scale[..., None]
    out[:, :, i, i + 1] = new
    # a row that rolled forward with certainty keeps what no longer rolls in its own bucket
    out[:, :, i, i] += np.where(rest > 0, 0.0, 1.0 - new)
    return out


@dataclass(frozen=True, slots=True)
class SegmentOverride:
    """Assumptions for the receivables whose ``column`` equals ``value`` (e.g. score band "E").

    ``column`` is a segment column or one of ``"product"`` / ``"original_term"``; any field left
    ``None`` falls back to the pool-wide assumption. ``take_up``: restructuring take-up of these
    receivables by plan type and bucket, e.g. ``{"re_age": {2: 0.3}}``, replacing that plan's
    ``take_up`` for them (a later matching override wins per plan type).
    """

    column: str
    value: Any
    cpr: Curve | None = None
    cdr: Curve | None = None
    roll_rates: RollRates | None = None
    recovery_rate: float | None = None
    take_up: Mapping[str, Mapping[int, float]] | None = None


@dataclass(frozen=True, slots=True)
class Assumptions:
    """Normalised projection assumptions. Build with :meth:`Assumptions.make` (keyword options).

    Attributes are already validated and normalised; see the module doc for the conventions.
    """

    cpr: Curve = field(default_factory=lambda: Curve(np.zeros(1)))
    cdr: Curve | None = None
    cumulative_default: float | None = None
    default_timing: Curve | None = None
    roll_rates: RollRates | None = None
    default_threshold_days: int = 90
    recovery_rate: float = 0.0
    recovery_timing: np.ndarray = field(default_factory=lambda: np.ones(1))
    servicing_fee: float = 0.0
    unearned_fee: UnearnedFee = "waived"
    prepay_multiplier: float = 1.0
    default_multiplier: float = 1.0
    segment_overrides: tuple[SegmentOverride, ...] = ()
    horizon: int | None = None
    collections: CollectionStrategy | None = None
    labels: Mapping[str, str] = field(default_factory=FrozenMap)
    late_fees: LateFees | None = None
    named_convention: str | None = None  # convention given by name (assumptions/conventions.py)
    rounding: str = "exact"  # "cents": schedules billed in cents (core/instalments.py)
    advancing: bool = False  # SIFMA P&I advancing (projection/advancing.py)
    buy_back: BuyBack | None = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def make(
        cls,
        *,
        cpr: Any = None,
        smm: Any = None,
        psa: float | None = None,
        abs_speed: float | None = None,
        cpr_by_term: Mapping[int, Any] | None = None,
        cdr: Any = None,
        mdr: Any = None,
        sda: float | None = None,
        cumulative_default: float | None = None,
        default_timing: Sequence[float] | None = None,
        timing_unit: Literal["year", "period"] = "year",
        roll_rates: Any = None,
        default_threshold_days: int = 90,
        recovery_rate: float = 0.0,
        recovery_lag: int = 0,
        recovery_timing: Sequence[float] | None = None,
        servicing_fee: float = 0.0,
        unearned_fee: UnearnedFee = "waived",
        prepay_multiplier: float = 1.0,
        default_multiplier: float = 1.0,
        segment_overrides: Sequence[SegmentOverride] = (),
        horizon: int | None = None,
        collections: CollectionStrategy | Mapping[str, Any] | None = None,
        max_age: int = 480,
        late_fees: LateFees | Mapping[str, Any] | None = None,
        convention: str | None = None,
        rounding: str = "exact",
        advancing: bool = False,
        buy_back: BuyBack | Mapping[str, Any] | None = None,
    ) -> Assumptions:
        """Normalise any supported way of stating assumptions into one :class:`Assumptions`.

        Prepayment: exactly one of ``cpr`` (annual; scalar, per-period vector or Curve), ``smm``
        (monthly), ``psa`` (multiple, 1.5 = 150 % PSA, by age), ``abs_speed`` (decimal, by age);
        ``cpr_by_term`` gives a CPR curve per original term (as segment overrides).
        Default: at most one of ``cdr`` / ``mdr`` / ``sda`` (US constant default rate on the
        performing balance), ``cumulative_default`` + ``default_timing`` (Chinese 累计违约率),
        or ``roll_rates`` (an 8×8 or (M, 8, 8) matrix, or a :class:`RollRates`).
        ``collections`` (a :class:`CollectionStrategy` or its mapping) and ``late_fees`` (a
        :class:`LateFees` or its mapping) need the roll-rate convention. ``convention`` names one
        (``"absbox"``, ``"sifma"``, ``"roll_rate"``) and ``rounding`` (``"exact"`` / ``"cents"``)
        the schedules' billing (see :mod:`abs_model.assumptions.conventions`). ``advancing``: the
        servicer advances the scheduled principal and interest of defaulted loans until they
        liquidate (SIFMA Standard Formulas §C; sifma convention only). ``buy_back`` (a
        :class:`~abs_model.assumptions.buyback.BuyBack` or its mapping): the originator's buy-back
        (赎回) of ineligible receivables and the price of every buy-back.

        Long on purpose: the signature lists every keyword option, one per line, and the body
        hands each to its own checker (the ``_`` helpers below hold the rules), then builds the
        object; splitting it would only scatter that one list.
        """
        ages = _ages(max_age)
        pre = _prepayment(cpr=cpr, smm=smm, psa=psa, abs_speed=abs_speed, ages=ages)
        cdr_curve, timing, rr = _default(
            cdr=cdr,
            mdr=mdr,
            sda=sda,
            cumulative_default=cumulative_default,
            default_timing=default_timing,
            timing_unit=timing_unit,
            roll_rates=roll_rates,
            ages=ages,
        )
        _threshold(default_threshold_days)
        rt = _recovery(recovery_rate, recovery_lag, recovery_timing)
        _check_scalars(servicing_fee, unearned_fee, prepay_multiplier, default_multiplier)
        overrides = _overrides(segment_overrides, cpr_by_term)
        collections = _collections(collections, roll=rr is not None)
        _check_take_up(collections, default_threshold_days)
        check_segment_take_up(overrides, collections, default_threshold_days)
        late = _late_fees(late_fees, roll=rr is not None)
        _horizon(horizon)
        _advancing(advancing, roll=rr is not None, convention=convention)
        return cls(
            cpr=pre,
            cdr=cdr_curve,
            cumulative_default=cumulative_default,
            default_timing=timing,
            roll_rates=rr,
            default_threshold_days=int(default_threshold_days),
            recovery_rate=float(recovery_rate),
            recovery_timing=rt,
            servicing_fee=float(servicing_fee),
            unearned_fee=unearned_fee,
            prepay_multiplier=float(prepay_multiplier),
            default_multiplier=float(default_multiplier),
            segment_overrides=tuple(overrides),
            horizon=horizon,
            collections=collections,
            late_fees=late,
            named_convention=check_convention(convention, roll=rr is not None),
            rounding=check_rounding(rounding),
            advancing=advancing,
            buy_back=_buy_back_used(buy_back_from(buy_back), collections),
        )

    # ------------------------------------------------------------------ derived
    @property
    def convention(self) -> str:
        """The convention named in ``make(convention=…)`` (e.g. ``"absbox"``), else ``"roll_rate"``
        when a roll-rate matrix drives delinquency, else ``"sifma"``."""
        return self.named_convention or ("roll_rate" if self.roll_rates is not None else "sifma")

    @property
    def default_bucket(self) -> int:
        """The bucket whose entry is a default: ``threshold_days / 30 + 1`` (90 → M4, 180 → M7)."""
        return self.default_threshold_days // 30 + 1

    @property
    def recovery_lag(self) -> int:
        return int(np.flatnonzero(self.recovery_timing)[-1]) if self.recovery_timing.any() else 0

    def stressed(
        self,
        *,
        prepay: float = 1.0,
        default: float = 1.0,
        recovery: float = 1.0,
    ) -> Assumptions:
        """A copy with stress multiples: on CPR, on the default rate (CDR, cumulative default or
        roll-forward rates) and on the recovery rate (capped at 1)."""
        return replace(
            self,
            prepay_multiplier=self.prepay_multiplier * prepay,
            default_multiplier=self.default_multiplier * default,
            recovery_rate=min(1.0, self.recovery_rate * recovery),
        )

    def describe(self) -> dict[str, str]:
        """Human-readable statement of every assumption (for reports and workbooks)."""
        d: dict[str, str] = {"convention": self.convention}
        d["prepayment"] = _curve_text("CPR", self.cpr)
        if self.roll_rates is not None:
            d["default"] = (
                f"roll-rate matrix ({self.roll_rates.matrix.shape[0]} month(s) on book), "
                f"default at {self.default_threshold_days}+ dpd"
            )
        elif self.cumulative_default is not None and self.default_timing is not None:
            d["default"] = (
                f"cumulative default {self.cumulative_default:.2%} of the initial balance, "
                f"timing {np.round(self.default_timing.values[:36] * 100, 3).tolist()} % by period"
            )
        elif self.cdr is not None:
            d["default"] = _curve_text("CDR", self.cdr)
        else:
            d["default"] = "none"
        d["recovery"] = f"{self.recovery_rate:.2%} after {self.recovery_lag} month(s)"
        if self.advancing:
            d["advancing"] = "principal and interest of defaulted loans advanced until liquidation"
        d["unearned_fee_on_prepayment"] = self.unearned_fee
        if self.rounding == "cents":
            d["schedule_rounding"] = "billed in cents: principal truncated per instalment, remainder in the last"
        d["servicing_fee"] = _pct(self.servicing_fee) + " a year" if self.servicing_fee else "none"
        d["stress"] = f"prepay ×{self.prepay_multiplier:g}, default ×{self.default_multiplier:g}"
        if self.collections is not None:
            d["collections"] = self.collections.describe()
        if self.late_fees is not None:
            lf = self.late_fees
            d["late_fees"] = (
                f"{lf.daily_rate:.3%} a day on overdue amounts, {lf.grace_days} grace day(s), "
                f"{lf.waived_share:.0%} waived, {'to the trust' if lf.to_trust else 'kept by the originator'}"
            )
        if self.buy_back is not None:
            bb = self.buy_back
            d["buy_back"] = f"{bb.ineligible_rate:.3%} a month found ineligible and bought back, at {bb.price:.2%} of the balance"
        if self.segment_overrides:
            d["segment_overrides"] = ", ".join(f"{o.column}={o.value}" for o in self.segment_overrides)
        return d


def _pct(rate: float) -> str:
    """A rate as a percentage with 2 to 4 decimals (``0.50%``, ``0.125%``), no trailing zeros past 2."""
    text = f"{rate * 100:.4f}".rstrip("0")
    whole, _, dec = text.partition(".")
    return f"{whole}.{dec.ljust(2, '0')}%"


# ---------------------------------------------------------------------- normalisers of make()
def _buy_back_used(bb: BuyBack | None, collections: CollectionStrategy | None) -> BuyBack | None:
    """The buy-back, refused when its price applies to nothing: a price other than par with no
    ineligible receivables found (``ineligible_rate`` 0) and no restructuring plan that buys
    back (a key accepted but never used would silently change nothing)."""
    if bb is None or bb.price == 1.0 or bb.ineligible_rate > 0.0:
        return bb
    plans = collections.restructuring if collections is not None else None
    plans = plans if isinstance(plans, tuple) else (plans,) if plans is not None else ()
    if any(p.buy_back for p in plans):
        return bb
    raise AssumptionError(
        f"buy_back.price: applies to no buy-back (ineligible_rate is 0 and no restructuring plan has buy_back: true); "
        f"give an ineligible_rate or a plan that buys back, or drop the price; got price={bb.price!r}"
    )


def _prepayment(*, cpr: Any, smm: Any, psa: float | None, abs_speed: float | None, ages: np.ndarray) -> Curve:
    """One CPR curve from exactly one of ``cpr`` / ``smm`` / ``psa`` / ``abs_speed`` (0 if none).

    Defined as ``CPR = 1 − (1 − SMM)^12`` for ``smm``; ``psa_to_cpr(psa, age)`` capped at 1; for
    an ABS speed ``SMM = ABS / (1 − ABS × (age − 1))`` clipped to [0, 1]."""
    given = [k for k, v in {"cpr": cpr, "smm": smm, "psa": psa, "abs_speed": abs_speed}.items() if v is not None]
    if len(given) > 1:
        raise AssumptionError(f"prepayment: give one of cpr, smm, psa, abs_speed; got {given}")
    if smm is not None:
        sc = as_curve(smm, "smm")
        return Curve(rates.smm_to_cpr(sc.values), sc.index)
    if psa is not None:
        _speed_multiple("psa", psa, MAX_PSA)
        _curve_ages("psa", ages, 30)
        return Curve(np.minimum(1.0, rates.psa_to_cpr(psa, ages)), "age")
    if abs_speed is not None:
        _decimals("abs_speed", np.asarray([abs_speed]))
        _curve_ages("abs_speed", ages, min(MAX_AGE, int(np.ceil(1.0 + 1.0 / abs_speed))) if abs_speed > 0 else 1)
        # the one ABS → SMM formula (rates.abs_to_smm): SMM 1 once every loan has prepaid under
        # the model (speed × (age − 1) ≥ 1), never the negative value past the formula's pole
        s = np.asarray(rates.abs_to_smm(abs_speed, ages), dtype=np.float64)
        return Curve(rates.smm_to_cpr(s), "age")
    return as_curve(0.0 if cpr is None else cpr, "cpr")


def _default(
    *,
    cdr: Any,
    mdr: Any,
    sda: float | None,
    cumulative_default: float | None,
    default_timing: Sequence[float] | None,
    timing_unit: str,
    roll_rates: Any,
    ages: np.ndarray,
) -> tuple[Curve | None, Curve | None, RollRates | None]:
    """(CDR curve, cumulative-default timing, roll rates) from at most one way of stating
    defaults. Defined as ``CDR = 1 − (1 − MDR)^12`` for ``mdr``; ``sda_to_cdr`` capped at 1."""
    dgiven = [
        k
        for k, v in {
            "cdr": cdr,
            "mdr": mdr,
            "sda": sda,
            "cumulative_default": cumulative_default,
            "roll_rates": roll_rates,
        }.items()
        if v is not None
    ]
    if len(dgiven) > 1:
        raise AssumptionError(f"default: give one of cdr, mdr, sda, cumulative_default, roll_rates; got {dgiven}")
    cdr_curve: Curve | None = None
    if cdr is not None:
        cdr_curve = as_curve(cdr, "cdr")
    elif mdr is not None:
        mc = as_curve(mdr, "mdr")
        cdr_curve = Curve(rates.mdr_to_cdr(mc.values), mc.index)
    elif sda is not None:
        _speed_multiple("sda", sda, MAX_SDA)
        _curve_ages("sda", ages, 120)
        cdr_curve = Curve(np.minimum(1.0, rates.sda_to_cdr(sda, ages)), "age")
    timing: Curve | None = None
    if cumulative_default is not None:
        _decimals("cumulative_default", np.asarray([cumulative_default]))
        if default_timing is None:
            raise AssumptionError(
                "default_timing: required with cumulative_default (e.g. [0.4, 0.3, 0.3] by year); got None"
            )
        timing = _timing(default_timing, timing_unit)
    rr: RollRates | None = None
    if roll_rates is not None:
        rr = roll_rates if isinstance(roll_rates, RollRates) else RollRates(np.asarray(roll_rates))
    return cdr_curve, timing, rr


def _check_scalars(servicing_fee: float, unearned_fee: str, prepay_multiplier: float, default_multiplier: float) -> None:
    _decimals("servicing_fee", np.asarray([servicing_fee]))
    if unearned_fee not in ("waived", "one_period", "full"):
        raise AssumptionError(f"unearned_fee: must be 'waived', 'one_period' or 'full'; got {unearned_fee!r}")
    _nonneg("prepay_multiplier", prepay_multiplier)
    _nonneg("default_multiplier", default_multiplier)


def _threshold(days: int) -> None:
    if days not in (30, 60, 90, 120, 150, 180):
        raise AssumptionError(f"default_threshold_days: must be one of 30, 60, 90, 120, 150, 180; got {days!r}")


def _recovery(rate: float, lag: int, timing: Sequence[float] | None) -> np.ndarray:
    """The recovery timing vector (read-only): ``timing`` as given (summing to 1), or all at
    ``lag`` months after default. Validates the recovery rate too."""
    _decimals("recovery_rate", np.asarray([rate]))
    if timing is not None:
        rt = np.asarray(timing, dtype=np.float64)
        _decimals("recovery_timing", rt)
        if abs(rt.sum() - 1.0) > 1e-9:
            raise AssumptionError(f"recovery_timing: must sum to 1; got {float(rt.sum())!r}")
    else:
        _no_bool("recovery_lag", lag)
        if not np.isfinite(lag) or int(lag) != lag or lag < 0:
            raise AssumptionError(f"recovery_lag: must be a whole number of months ≥ 0; got {lag!r}")
        if lag > MAX_RECOVERY_LAG:
            raise AssumptionError(f"recovery_lag: must be at most {MAX_RECOVERY_LAG} months (50 years); got {lag!r}")
        rt = np.zeros(int(lag) + 1)
        rt[-1] = 1.0
    rt.setflags(write=False)
    return rt


def _overrides(segment_overrides: Sequence[SegmentOverride], cpr_by_term: Mapping[int, Any] | None) -> list[SegmentOverride]:
    """Validated segment overrides, then one CPR override per original term of ``cpr_by_term``."""
    overrides = [_checked_override(i, o) for i, o in enumerate(segment_overrides)]
    for term, curve in (cpr_by_term or {}).items():
        if not isinstance(term, int | float | np.integer | np.floating) or not np.isfinite(term) or int(term) != term or not 1 <= term <= 360:
            raise AssumptionError(f"cpr_by_term: keys must be original terms, whole numbers 1..360; got {term!r}")
        overrides.append(SegmentOverride("original_term", int(term), cpr=as_curve(curve, f"cpr_by_term[{term}]")))
    _check_overrides_once(overrides, len(overrides) - len(cpr_by_term or {}))
    return overrides


def _check_overrides_once(overrides: Sequence[SegmentOverride], n_listed: int) -> None:
    """Each assumption of a segment is given once: two overrides of the same column and value that
    both set ``cpr`` (or ``cdr``, ``roll_rates``, ``recovery_rate``) are refused — the later one
    won without a word, like a YAML key given twice. Overrides of one segment that set different
    assumptions (one its CPR, one its CDR) combine, as before. ``cpr_by_term`` entries count as
    overrides of ``original_term``."""
    seen: dict[tuple[str, str, str], int] = {}
    for i, o in enumerate(overrides):
        value = o.value.strip().lower() if o.column == "product" and isinstance(o.value, str) else o.value
        if o.column == "original_term" and isinstance(value, int | float):
            value = int(value)
        for name in ("cpr", "cdr", "roll_rates", "recovery_rate"):
            if getattr(o, name) is None:
                continue
            key = (o.column, str(value), name)
            if key in seen:
                j = seen[key]
                where = f"segment_overrides[{i}]" if i < n_listed else f"cpr_by_term[{o.value}]"
                first = f"segment_overrides[{j}]"
                raise AssumptionError(
                    f"{where}.{name}: {o.column} = {o.value!r} already has a {name} from {first}; give it once "
                    "(the later one replaced it without a word)"
                )
            seen[key] = i


def _collections(collections: Any, *, roll: bool) -> CollectionStrategy | None:
    """The collection strategy (built from a mapping when given one), refused with the reason
    when it needs the roll-rate convention and the assumptions use ``sifma``."""
    if collections is None:
        return None
    if isinstance(collections, Mapping):
        collections = strategy_from_mapping(collections)
    if not isinstance(collections, CollectionStrategy):
        raise AssumptionError(f"collections: must be an abs_model.CollectionStrategy; got {type(collections).__name__}")
    if (collections.stages or collections.restructuring is not None) and not roll:
        raise AssumptionError(
            "collections: collection stages and restructuring need the roll-rate convention (give roll_rates); got none"
        )
    return collections


def _check_take_up(collections: CollectionStrategy | None, threshold_days: int) -> None:
    """Restructuring takes receivables before they default: its buckets must be live ones."""
    default_bucket = threshold_days // 30 + 1
    for p in collections.plans if collections is not None else ():
        late = [b for b, v in p.take_up.items() if b >= default_bucket and v > 0]
        if late:
            raise AssumptionError(
                f"restructuring[{p.plan!r}].take_up: bucket M{late[0]} is at or past the default bucket "
                f"(M{default_bucket} at {threshold_days} days); restructure live buckets M1…M{default_bucket - 1}; got {dict(p.take_up)}"
            )


def _late_fees(late_fees: Any, *, roll: bool) -> LateFees | None:
    """Late-fee terms (from a mapping when given one); they accrue on overdue amounts, which only
    the roll-rate convention has."""
    if late_fees is None:
        return None
    if isinstance(late_fees, Mapping):
        try:
            late_fees = LateFees(**dict(late_fees))
        except TypeError as exc:
            raise AssumptionError(f"late_fees: {exc}") from None
    if not isinstance(late_fees, LateFees):
        raise AssumptionError(f"late_fees: must be an abs_model.LateFees or a mapping; got {type(late_fees).__name__}")
    if not roll:
        raise AssumptionError(
            "late_fees: late fees accrue on overdue amounts, which need the roll-rate convention (give roll_rates); "
            "the sifma convention has no delinquency"
        )
    return late_fees


def _curve_text(name: str, c: Curve) -> str:
    v = c.values
    if v.size == 1:
        return f"{name} {v[0]:.2%} constant"
    return f"{name} by {c.index}: {np.round(v[:12] * 100, 3).tolist()}{' …' if v.size > 12 else ''} %"


def _checked_override(i: int, o: SegmentOverride) -> SegmentOverride:
    """A segment override with its curves and recovery rate validated like the pool-wide ones."""
    path = f"segment_overrides[{i}]"
    if isinstance(o, Mapping):  # a deal or assumptions file states it as a mapping
        o = _override_from_mapping(path, o)
    if not isinstance(o, SegmentOverride):
        raise AssumptionError(f"{path}: must be an abs_model.SegmentOverride; got {type(o).__name__}")
    cpr = None if o.cpr is None else as_curve(o.cpr, f"{path}.cpr")
    cdr = None if o.cdr is None else as_curve(o.cdr, f"{path}.cdr")
    if o.recovery_rate is not None:
        _decimals(f"{path}.recovery_rate", np.asarray([o.recovery_rate], dtype=np.float64))
    if o.roll_rates is not None and not isinstance(o.roll_rates, RollRates):
        raise AssumptionError(f"{path}.roll_rates: must be an abs_model.RollRates; got {type(o.roll_rates).__name__}")
    return replace(o, cpr=cpr, cdr=cdr, take_up=segment_take_up(f"{path}.take_up", o.take_up))


_OVERRIDE_KEYS = ("column", "value", "cpr", "cdr", "roll_rates", "recovery_rate", "take_up")


def _override_from_mapping(path: str, o: Mapping[str, Any]) -> SegmentOverride:
    """A :class:`SegmentOverride` from its file form, e.g. ``{column: score_band, value: E, cdr:
    0.08, take_up: {re_age: {2: 0.3}}}``; ``roll_rates`` as ``{roll: [...], cure: [...]}``."""
    unknown = sorted(str(k) for k in o if k not in _OVERRIDE_KEYS)
    if unknown:
        raise AssumptionError(f"{path}: unknown key(s) {unknown}; allowed: {list(_OVERRIDE_KEYS)}")
    missing = [k for k in ("column", "value") if k not in o]
    if missing:
        raise AssumptionError(f"{path}: needs {missing} (which receivables it applies to); got keys {sorted(map(str, o))}")
    kw = dict(o)
    rr = kw.get("roll_rates")
    if isinstance(rr, Mapping):
        if "roll" not in rr:
            raise AssumptionError(f"{path}.roll_rates: needs 'roll' (7 values) and optionally 'cure' (6); got {sorted(map(str, rr))}")
        kw["roll_rates"] = RollRates.simple(roll=rr["roll"], cure=rr.get("cure"))
    elif rr is not None:
        kw["roll_rates"] = RollRates(np.asarray(rr, dtype=np.float64))
    return SegmentOverride(**kw)


def _advancing(advancing: object, *, roll: bool, convention: str | None) -> None:
    """``advancing``: a bool, and true only under the sifma convention (no roll rates, no other
    named convention)."""
    if not isinstance(advancing, bool) or (advancing and roll):
        raise AssumptionError(f"advancing: must be true or false, and true only without roll_rates (a sifma-convention option); got {advancing!r}")
    if advancing and convention not in (None, "sifma"):
        raise AssumptionError(f"advancing: a sifma-convention option, not available under convention {convention!r}")


#: Longest loan age a projection reaches: a 360-instalment receivable run over MAX_PERIODS more.
MAX_AGE = 360 + MAX_PERIODS


def _ages(max_age: Any) -> np.ndarray:
    """Ages 1..``max_age`` tabulated for the age-indexed curves (PSA, ABS, SDA). ``max_age`` is a
    whole number in [1, :data:`MAX_AGE`]: 10**9 allocated 8 GB before anything was checked, NaN
    failed as numpy's 'arange: cannot compute length', 0 as 'curve: must have at least one value'."""
    _no_bool("max_age", max_age)
    ok = isinstance(max_age, int | float | np.integer | np.floating) and np.isfinite(max_age) and int(max_age) == max_age
    if not ok or not 1 <= max_age <= MAX_AGE:
        raise AssumptionError(f"max_age: must be a whole number of months in [1, {MAX_AGE}] (the oldest age a projection reaches); got {max_age!r}")
    return np.arange(1, int(max_age) + 1)


def _curve_ages(name: str, ages: np.ndarray, flat_from: int) -> None:
    """An age curve tabulated over ``max_age`` months stays flat beyond them: a standard curve still
    changing there would be cut short (``max_age=3`` with an ABS speed took the month-3 SMM for
    every older loan: 157m of prepayments instead of 217m on the US auto pool, without a word).
    ``flat_from``: the month from which the curve no longer changes (PSA 30, SDA 120, ABS the
    month its SMM reaches 1), looked for up to the default 480 months (a slow ABS speed flattens
    later; the default tabulation is kept for it, as before)."""
    need = min(flat_from, 480)
    if ages.size < need:
        raise AssumptionError(
            f"max_age: {ages.size} months cut the {name} curve short (it changes until month {flat_from}); "
            f"give at least {need} (the default is 480); got {ages.size}"
        )


def _nonneg(name: str, x: float) -> None:
    _no_bool(name, x)
    if not np.isfinite(x) or x < 0:
        raise AssumptionError(f"{name}: must be a finite number ≥ 0; got {x!r}")


def _speed_multiple(name: str, x: float, upper: float) -> None:
    """A PSA or SDA multiple (1.5 = 150 %): finite, ≥ 0 and at most ``upper`` (:data:`MAX_PSA`,
    :data:`MAX_SDA`); ``psa=150`` (meant 150 % PSA) ran as 15,000 % PSA, a CPR capped at 100 %
    from month 4 on."""
    _nonneg(name, x)
    if x > upper:
        raise AssumptionError(
            f"{name}: must be a multiple of the standard curve of at most {upper:g} ({upper:.0%}); got {x!r} — "
            f"{name} is a multiple, not a percent: 150 % {name.upper()} is 1.5"
        )


def _horizon(horizon: int | None) -> None:
    """``horizon``: ``None`` or a whole number of periods in [1, MAX_PERIODS]."""
    if horizon is None:
        return
    _no_bool("horizon", horizon)
    if not np.isfinite(horizon) or int(horizon) != horizon or horizon < 1:
        raise AssumptionError(f"horizon: must be a whole number of periods ≥ 1; got {horizon!r}")
    if horizon > MAX_PERIODS:
        raise AssumptionError(f"horizon: must be at most {MAX_PERIODS} periods (50 years of months); got {horizon!r}")


def _timing(timing: Sequence[float], unit: str) -> Curve:
    """Default-timing vector by period from one by year (each year's share spread evenly over its
    12 months) or by period. Must sum to 1."""
    w = np.asarray(timing, dtype=np.float64)
    _decimals("default_timing", w)
    if abs(w.sum() - 1.0) > 1e-9:
        raise AssumptionError(f"default_timing: must sum to 1; got {float(w.sum())!r}")
    if unit == "year":
        w = np.repeat(w / 12.0, 12)
    elif unit != "period":
        raise AssumptionError(f"timing_unit: must be 'year' or 'period'; got {unit!r}")
    return Curve(np.append(w, 0.0), "period")

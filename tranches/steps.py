"""Declarative waterfall steps. A waterfall is an ordered tuple of these frozen objects.

Every step draws cash from the collection account's pots named by ``source``:
"interest", "principal", "interest_then_principal" or "principal_then_interest". With a combined
collection account the step may also draw from the other pot once its own is empty (interest-type
steps interest first, principal-type steps principal first); with separate pots it draws only from
the pots named. Amounts are vectors over scenarios; nothing here holds numbers of its own besides
the options.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Literal

from tranches.errors import must

Source = Literal["interest", "principal", "interest_then_principal", "principal_then_interest"]
SOURCES: tuple[str, ...] = (
    "interest",
    "principal",
    "interest_then_principal",
    "principal_then_interest",
)
Mode = Literal["sequential", "pro_rata"]


def _check_source(step: str, source: str) -> None:
    if source not in SOURCES:
        raise must(f"{step}.source", f"must be one of {SOURCES}", source)


def _names(step: str, names: Sequence[str] | str) -> tuple[str, ...]:
    out = (names,) if isinstance(names, str) else tuple(names)
    if not out or not all(isinstance(n, str) and n for n in out):
        raise must(f"{step}.tranches", "must name at least one tranche", names)
    if len(set(out)) != len(out):
        raise must(f"{step}.tranches", "must not repeat a name", names)
    return out


@dataclass(frozen=True, slots=True)
class DrawReserve:
    """Move the whole reserve balance into the ``to`` pot (refilled later by :class:`FundReserve`).

    Defined as ``draw = reserve_balance``.
    """

    to: Literal["interest", "principal"] = "interest"

    def __post_init__(self) -> None:
        if self.to not in ("interest", "principal"):
            raise must("DrawReserve.to", "must be 'interest' or 'principal'", self.to)

    @property
    def label(self) -> str:
        return "draw_reserve"


@dataclass(frozen=True, slots=True)
class PayTax:
    """Pay the tax named ``tax``. Defined as ``paid = min(due, cash)``; the rest stays due."""

    tax: str
    _: KW_ONLY
    source: Source = "interest"

    def __post_init__(self) -> None:
        _check_source("PayTax", self.source)

    @property
    def label(self) -> str:
        return f"pay_tax:{self.tax}"


@dataclass(frozen=True, slots=True)
class PayFee:
    """Pay the fee named ``fee``.

    Defined as ``paid = min(due, cash)``, and with ``capped`` (the default) also at most
    ``cap − paid earlier on this payment date``. A later ``PayFee(fee, capped=False)`` pays the
    excess over the cap (e.g. below the notes). Unpaid fees stay due.
    """

    fee: str
    _: KW_ONLY
    capped: bool = True
    source: Source = "interest"

    def __post_init__(self) -> None:
        _check_source("PayFee", self.source)

    @property
    def label(self) -> str:
        return f"pay_fee:{self.fee}" + ("" if self.capped else ":excess")


@dataclass(frozen=True, slots=True)
class PayInterest:
    """Pay interest due (current plus carried shortfall) to the named tranches.

    ``mode="sequential"``: in the order given, ``paid_k = min(due_k, cash left)``.
    ``mode="pro_rata"``: ``paid_k = due_k · min(1, cash / Σ due)``.
    """

    tranches: tuple[str, ...]
    _: KW_ONLY
    mode: Mode = "sequential"
    source: Source = "interest"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tranches", _names("PayInterest", self.tranches))
        if self.mode not in ("sequential", "pro_rata"):
            raise must("PayInterest.mode", "must be 'sequential' or 'pro_rata'", self.mode)
        _check_source("PayInterest", self.source)

    @property
    def label(self) -> str:
        return "pay_interest:" + ",".join(self.tranches)


@dataclass(frozen=True, slots=True)
class PayPrincipal:
    """Pay principal to the named tranches out of the cash in ``source``.

    Amount, defined as ``min(cash, Σ balance_k)``, or with ``advance_rate`` (a target OC: advance
    rate = 1 − OC %) ``min(cash, max(0, Σ balance_k + senior_balance − advance_rate ·
    pool_balance_end))`` where ``senior_balance`` is the balance of all classes listed before the
    first named one in the structure.
    ``mode="sequential"``: in the order given. ``mode="pro_rata"``: ``paid_k = amount · balance_k /
    Σ balance`` — paid sequentially instead in scenarios where a "sequential" trigger is breached.
    """

    tranches: tuple[str, ...]
    _: KW_ONLY
    mode: Mode = "sequential"
    advance_rate: float | None = None
    source: Source = "principal"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tranches", _names("PayPrincipal", self.tranches))
        if self.mode not in ("sequential", "pro_rata"):
            raise must("PayPrincipal.mode", "must be 'sequential' or 'pro_rata'", self.mode)
        if self.advance_rate is not None and (
            not isinstance(self.advance_rate, int | float) or not 0.0 <= self.advance_rate <= 1.0
        ):
            raise must("PayPrincipal.advance_rate", "must be a decimal in [0, 1]", self.advance_rate)
        _check_source("PayPrincipal", self.source)

    @property
    def label(self) -> str:
        return "pay_principal:" + ",".join(self.tranches)


@dataclass(frozen=True, slots=True)
class FundReserve:
    """Top the reserve up to its target. Defined as ``deposit = min(max(target − balance, 0), cash)``."""

    source: Source = "interest"

    def __post_init__(self) -> None:
        _check_source("FundReserve", self.source)

    @property
    def label(self) -> str:
        return "fund_reserve"


@dataclass(frozen=True, slots=True)
class CoverPDL:
    """Cover the principal deficiency ledger out of interest: move cash to the principal pot.

    Defined as ``credit = min(pdl_balance, cash)``; the PDL falls and the principal pot rises by it.
    """

    source: Source = "interest"

    def __post_init__(self) -> None:
        _check_source("CoverPDL", self.source)

    @property
    def label(self) -> str:
        return "cover_pdl"


@dataclass(frozen=True, slots=True)
class BuyReceivables:
    """Revolving purchase of new receivables at ``price`` (par = 1.0).

    Defined as ``spent = min(cash, capacity · price)`` and ``purchased (par) = spent / price``.
    Runs every month of the revolving phase; in a month that is not a payment date it spends only
    the principal pot (interest stays for the next payment date). Use
    ``source="principal_then_interest"`` to also spend excess interest on payment dates.
    """

    price: float = 1.0
    _: KW_ONLY
    source: Source = "principal"

    def __post_init__(self) -> None:
        if not isinstance(self.price, int | float) or not 0.0 < self.price <= 2.0:
            raise must("BuyReceivables.price", "must be in (0, 2] (par = 1.0)", self.price)
        _check_source("BuyReceivables", self.source)

    @property
    def label(self) -> str:
        return "buy_receivables"


@dataclass(frozen=True, slots=True)
class PayResidual:
    """Pay all cash left in ``source`` to the most junior class as residual (excess return)."""

    source: Source = "interest_then_principal"

    def __post_init__(self) -> None:
        _check_source("PayResidual", self.source)

    @property
    def label(self) -> str:
        return "pay_residual"



# --------------------------------------------------------------------------------------------
# Chinese consumer-ABS structures (issue 12): liquidity reserve, period return, credit support.
# Kernels live in tranches/liquidity.py and tranches/support.py.

Pot = Literal["interest", "principal"]


def _check_pot(step: str, field: str, value: str) -> None:
    if value not in ("interest", "principal"):
        raise must(f"{step}.{field}", "must be 'interest' or 'principal'", value)


def _optional_names(step: str, names: Sequence[str] | str) -> tuple[str, ...]:
    """Tranche names, or () for the default set."""
    return _names(step, names) if names else ()


def _check_months(step: str, months: int) -> None:
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 12:
        raise must(f"{step}.months", "must be an integer number of months in [1, 12]", months)


@dataclass(frozen=True, slots=True)
class DrawLiquidityReserve:
    """Draw the liquidity reserve (流动性储备) only for a shortfall of senior needs.

    Defined as ``draw = min(reserve, max(0, need − cash))`` where ``need`` is what is due now for
    taxes and senior-ranked fees plus the interest due to the senior classes, and ``cash`` is the
    cash in the pots that pay them (the ``to`` pot, or both with a combined account). Place it
    before the tax, fee and senior-interest steps. ``tranches``: the classes counted as senior
    (default: those of class "senior"; name 优先B too where it is covered).
    """

    to: Pot = "interest"
    _: KW_ONLY
    tranches: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_pot("DrawLiquidityReserve", "to", self.to)
        object.__setattr__(self, "tranches", _optional_names("DrawLiquidityReserve", self.tranches))

    @property
    def label(self) -> str:
        return "draw_liquidity_reserve"


@dataclass(frozen=True, slots=True)
class FundLiquidityReserve:
    """Top the reserve up to the next payment date's senior needs.

    Target, defined as the next ``months`` months' ``Σ_senior balance_k · coupon_k · accrual`` (the
    balances when the step runs) ``+ Σ_senior fees (amount · accrual, or rate · pool_balance_end ·
    accrual, or rate · note_balance · accrual) + Σ_senior taxes rate · interest_collected_t ·
    months``, over the periods left in the deal (0 in the last period).
    ``deposit = min(max(target − reserve, 0), cash)``. Once the senior classes are repaid the target
    is the fees and taxes alone; :class:`ReleaseReserve` pays the excess out. ``tranches``: the
    classes counted as senior (default: those of class "senior").
    """

    source: Source = "interest"
    _: KW_ONLY
    months: int = 1
    tranches: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_source("FundLiquidityReserve", self.source)
        _check_months("FundLiquidityReserve", self.months)
        object.__setattr__(self, "tranches", _optional_names("FundLiquidityReserve", self.tranches))

    @property
    def label(self) -> str:
        return "fund_liquidity_reserve"


@dataclass(frozen=True, slots=True)
class ReleaseReserve:
    """Release the reserve above its target into the ``to`` pot.

    Defined as ``release = max(reserve − target, 0)``, where the target is the liquidity target
    (as in :class:`FundLiquidityReserve`, with ``months``) when ``liquidity`` is true, else the
    reserve account's own target on this payment date.
    """

    to: Pot = "interest"
    _: KW_ONLY
    liquidity: bool = True
    months: int = 1
    tranches: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_pot("ReleaseReserve", "to", self.to)
        _check_months("ReleaseReserve", self.months)
        object.__setattr__(self, "tranches", _optional_names("ReleaseReserve", self.tranches))

    @property
    def label(self) -> str:
        return "release_reserve"


@dataclass(frozen=True, slots=True)
class PayPeriodReturn:
    """Pay the subordinated class its period return (期间收益), capped; optionally turbo the rest.

    Cap, defined as ``rate · balance_sub · months_since_last_payment_date / 12`` (30/360; the
    balance when the step runs). ``paid = min(cap, cash)`` goes to the class as residual (excess
    return). With ``turbo`` (tranche names, most senior first) the cash left in ``source`` then
    pays those classes' principal sequentially, ``min(balance_k, cash left)``; without it the rest
    stays in the collection account (retained) for later steps or the next payment date.
    """

    tranche: str
    rate: float
    _: KW_ONLY
    turbo: tuple[str, ...] = ()
    source: Source = "interest"

    def __post_init__(self) -> None:
        if not isinstance(self.tranche, str) or not self.tranche:
            raise must("PayPeriodReturn.tranche", "must name a tranche", self.tranche)
        if not isinstance(self.rate, int | float) or isinstance(self.rate, bool) or not 0.0 <= self.rate < 1.0:
            raise must("PayPeriodReturn.rate", "must be a decimal in [0, 1) (0.08, not 8)", self.rate)
        turbo = (self.turbo,) if isinstance(self.turbo, str) else tuple(self.turbo)
        object.__setattr__(self, "turbo", _names("PayPeriodReturn", turbo) if turbo else ())
        _check_source("PayPeriodReturn", self.source)

    @property
    def label(self) -> str:
        return f"pay_period_return:{self.tranche}"


@dataclass(frozen=True, slots=True)
class ShortfallSupport:
    """The originator's shortfall undertaking (差额支付承诺).

    On a payment date it pays into the collection account, defined as
    ``paid = min(max(0, need − cash), limit − paid before)``, where ``need`` is the taxes and
    senior-ranked fees due plus the interest due to ``tranches`` and, from period
    ``principal_from`` on (default: the last period, the legal final) and in a period whose
    clean-up call ends the deal, their whole balance;
    ``cash`` is the cash in the collection account (and the reserve is not counted: draw it
    first). With separate pots the interest part goes to the interest pot and the principal part
    to the principal pot. From period ``provider_default_period`` on the provider has itself
    defaulted and pays nothing (a stress).
    """

    tranches: tuple[str, ...]
    _: KW_ONLY
    limit: float = float("inf")
    principal_from: int | None = None
    provider_default_period: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "tranches", _names("ShortfallSupport", self.tranches))
        if not isinstance(self.limit, int | float) or isinstance(self.limit, bool) or not self.limit >= 0.0:
            raise must("ShortfallSupport.limit", "must be an amount >= 0 (inf: unlimited)", self.limit)
        for field, v in (("principal_from", self.principal_from), ("provider_default_period", self.provider_default_period)):
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
                raise must(f"ShortfallSupport.{field}", "must be a period >= 1 or None", v)

    @property
    def label(self) -> str:
        return "shortfall_support"


@dataclass(frozen=True, slots=True)
class DefaultCover:
    """Cash paid in for defaulted receivables: an external guarantee / credit insurance
    (``provider="guarantor"``) or the originator's buy-back (赎回, ``provider="originator"``).

    Defined as ``paid = min(price · share · Σ new_defaults to date − paid before, limit − paid
    before)``, into the principal pot, on payment dates; the PDL is credited by the same amount
    (the loss is made good). Recoveries on covered receivables are not netted: set the recovery
    assumption accordingly.
    """

    share: float = 1.0
    _: KW_ONLY
    price: float = 1.0
    limit: float = float("inf")
    provider: Literal["guarantor", "originator"] = "guarantor"

    def __post_init__(self) -> None:
        if not isinstance(self.share, int | float) or isinstance(self.share, bool) or not 0.0 <= self.share <= 1.0:
            raise must("DefaultCover.share", "must be a decimal in [0, 1]", self.share)
        if not isinstance(self.price, int | float) or isinstance(self.price, bool) or not 0.0 <= self.price <= 2.0:
            raise must("DefaultCover.price", "must be a fraction of par in [0, 2]", self.price)
        if not isinstance(self.limit, int | float) or isinstance(self.limit, bool) or not self.limit >= 0.0:
            raise must("DefaultCover.limit", "must be an amount >= 0 (inf: unlimited)", self.limit)
        if self.provider not in ("guarantor", "originator"):
            raise must("DefaultCover.provider", "must be 'guarantor' or 'originator'", self.provider)

    @property
    def label(self) -> str:
        return f"default_cover:{self.provider}"


EXTRA_STEP_TYPES: tuple[type, ...] = (
    DrawLiquidityReserve,
    FundLiquidityReserve,
    ReleaseReserve,
    PayPeriodReturn,
    ShortfallSupport,
    DefaultCover,
)
Step = (
    DrawReserve | PayTax | PayFee | PayInterest | PayPrincipal | FundReserve | CoverPDL | BuyReceivables | PayResidual
    | DrawLiquidityReserve | FundLiquidityReserve | ReleaseReserve | PayPeriodReturn | ShortfallSupport | DefaultCover
)
STEP_TYPES: tuple[type, ...] = (
    DrawReserve,
    PayTax,
    PayFee,
    PayInterest,
    PayPrincipal,
    FundReserve,
    CoverPDL,
    BuyReceivables,
    PayResidual,
    *EXTRA_STEP_TYPES,
)

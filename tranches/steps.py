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


Step = (
    DrawReserve | PayTax | PayFee | PayInterest | PayPrincipal | FundReserve | CoverPDL | BuyReceivables | PayResidual
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
)

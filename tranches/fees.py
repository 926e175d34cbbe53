"""Fees and taxes: senior expenses accrued every month and paid on payment dates.

Unpaid amounts are carried forward to the next payment date (without interest).
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Literal

from tranches.errors import must
from tranches.normalise import check_amount, check_rate
from tranches.schedule import DAY_COUNTS, DayCount

FeeBasis = Literal["pool_balance", "note_balance", "fixed"]
Rank = Literal["senior", "junior"]


@dataclass(frozen=True, slots=True)
class Fee:
    """A trustee / custodian / servicer / other fee.

    Accrued in period t, defined as
    ``rate · pool_balance_begin_t · accrual_t`` (basis "pool_balance"),
    ``rate · note_balance_begin_t · accrual_t`` (basis "note_balance", all classes), or
    ``amount · accrual_t`` (basis "fixed": ``amount`` is per year).
    ``cap`` limits what a capped :class:`~tranches.steps.PayFee` pays on one payment date (the rest
    stays due, e.g. for a junior uncapped PayFee further down). ``rank`` is descriptive (senior
    fees are placed above note interest, junior ones below).
    """

    name: str
    _: KW_ONLY
    basis: FeeBasis = "pool_balance"
    rate: float = 0.0
    amount: float = 0.0
    cap: float | None = None
    rank: Rank = "senior"
    day_count: DayCount = "30/360"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise must("fee.name", "must be a non-empty string", self.name)
        path = f"fees[{self.name!r}]"
        if self.basis not in ("pool_balance", "note_balance", "fixed"):
            raise must(f"{path}.basis", "must be 'pool_balance', 'note_balance' or 'fixed'", self.basis)
        check_rate(f"{path}.rate", self.rate)
        check_amount(f"{path}.amount", self.amount)
        if self.cap is not None:
            check_amount(f"{path}.cap", self.cap)
        if self.rank not in ("senior", "junior"):
            raise must(f"{path}.rank", "must be 'senior' or 'junior'", self.rank)
        if self.day_count not in DAY_COUNTS:
            raise must(f"{path}.day_count", f"must be one of {DAY_COUNTS}", self.day_count)


@dataclass(frozen=True, slots=True)
class Tax:
    """A VAT-style tax on interest (and fee) collections, e.g. 3.26 %.

    Accrued in period t, defined as ``rate · (interest_collected_t + late_fees_t)`` (not
    annualised): late fees (违约金) are a line of their own in available funds, but income charged
    with the loan (价外费用) and taxed like interest.
    """

    name: str
    rate: float
    _: KW_ONLY
    cap: float | None = None
    rank: Rank = "senior"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise must("tax.name", "must be a non-empty string", self.name)
        path = f"fees[{self.name!r}]"
        check_rate(f"{path}.rate", self.rate)
        if self.cap is not None:
            check_amount(f"{path}.cap", self.cap)
        if self.rank not in ("senior", "junior"):
            raise must(f"{path}.rank", "must be 'senior' or 'junior'", self.rank)


Expense = Fee | Tax

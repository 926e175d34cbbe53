"""Accounts besides the collection account: the cash reserve.

The collection account itself is configured on the structure (``collection_account``): one
combined pot, or separate interest and principal pots. The principal deficiency ledger (PDL) is
kept by the engine: debited with new defaults every period, credited by :class:`~tranches.steps.CoverPDL`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tranches.errors import must
from tranches.normalise import check_amount, check_rate

ReserveBasis = Literal["fixed", "note_balance", "pool_balance"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReserveAccount:
    """A cash reserve with a target, a floor and an optional step-down.

    Target on a payment date, defined as
    ``min(note_balance, max(floor, amount))`` (basis "fixed") or
    ``min(note_balance, max(floor, rate · basis_balance))`` (basis "note_balance": the notes' balance
    at the start of the period; "pool_balance": the pool balance at the end of the period).
    Without ``step_down`` the target never falls below its previous value (it still falls to the
    note balance once the notes are nearly repaid, so the reserve is released at the end).
    ``initial`` is the pre-funded balance at closing.
    """

    basis: ReserveBasis = "fixed"
    amount: float = 0.0
    rate: float = 0.0
    floor: float = 0.0
    initial: float = 0.0
    step_down: bool = True

    def __post_init__(self) -> None:
        if self.basis not in ("fixed", "note_balance", "pool_balance"):
            raise must("reserve.basis", "must be 'fixed', 'note_balance' or 'pool_balance'", self.basis)
        check_amount("reserve.amount", self.amount)
        check_rate("reserve.rate", self.rate)
        check_amount("reserve.floor", self.floor)
        check_amount("reserve.initial", self.initial)

"""Tranches (classes of notes): balance, coupon (fixed or step-up), day count, class."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Literal

from tranches.errors import must
from tranches.normalise import Schedule, check_amount, check_schedule
from tranches.schedule import DAY_COUNTS, DayCount

TrancheClass = Literal["senior", "mezzanine", "subordinated"]
CLASS_RANK: dict[str, int] = {"senior": 0, "mezzanine": 1, "subordinated": 2}


@dataclass(frozen=True, slots=True)
class Tranche:
    """One class of notes, listed in a structure from most senior to most junior.

    ``coupon`` is an annual decimal rate, a scalar or a schedule by period (step-up: period t uses
    ``coupon[t-1]``, the last value repeats). For the subordinated class it is the optional fixed
    expected return (0.0 for none); the most junior class also takes the residual.

    Interest accrued in period t is defined as ``balance_begin_t · coupon_t · accrual_t`` (accrual
    from the day count and the period dates), plus ``shortfall · coupon_t · accrual_t`` when
    ``interest_on_shortfall``; it is due on the next payment date and unpaid interest is carried.
    """

    name: str
    balance: float
    coupon: Schedule = 0.0
    _: KW_ONLY
    tranche_class: TrancheClass = "senior"
    day_count: DayCount = "30/360"
    interest_on_shortfall: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise must("tranche.name", "must be a non-empty string", self.name)
        path = f"tranches[{self.name!r}]"
        check_amount(f"{path}.balance", self.balance)
        object.__setattr__(self, "coupon", check_schedule(f"{path}.coupon", self.coupon, rate=True))
        if self.tranche_class not in CLASS_RANK:
            raise must(f"{path}.tranche_class", f"must be one of {tuple(CLASS_RANK)}", self.tranche_class)
        if self.day_count not in DAY_COUNTS:
            raise must(f"{path}.day_count", f"must be one of {DAY_COUNTS}", self.day_count)

    @property
    def coupons(self) -> tuple[float, ...]:
        """The coupon schedule as a tuple (one value for a fixed coupon)."""
        c = self.coupon
        return (float(c),) if isinstance(c, int | float) else tuple(c)

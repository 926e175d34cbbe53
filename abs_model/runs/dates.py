"""Note payment dates and the interest accrual schedule of a deal.

Collection periods are calendar months after the cut-off (period t ends on the t-th month-end).
Each collection period maps onto a note payment date in the month after it ends, on the day of
the month of ``dates.first_payment`` (e.g. collections of July 2026 → 26 August 2026), moved to
the next business day (``following``; weekends, plus any ``holidays`` given, e.g. the CN
exchange calendar). Periods that are not payment dates under ``payment_every`` carry their
collections to the next one; their dates still mark where an accrual period would end, so the
interest due on a payment date accrues from the previous payment date (or closing) to it:

``accrual_t = year_fraction(d_{t−1}, d_t, day count of the class)``, ``d_0`` = closing (the
cut-off without one), ``d_t`` = the adjusted payment date of collection period t. Summed over
the periods between two payment dates this is the accrual between them (exactly for ACT/365F,
and for 30/360 between dates on the same day of the month).

Without ``first_payment`` the payment dates are the collection period ends (the engine's
default), accrual still starting at closing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BUSINESS_DAY_RULES: tuple[str, ...] = ("following", "none")


def month_ends(cutoff: np.datetime64, periods: int) -> np.ndarray:
    """The ``periods`` month-ends after the cut-off (datetime64[D]), one per collection period."""
    start = np.asarray(cutoff, dtype="datetime64[D]").astype("datetime64[M]")
    months = start + np.arange(1, periods + 1)
    return (months + 1).astype("datetime64[D]") - 1


def payment_dates(
    cutoff: np.datetime64,
    periods: int,
    *,
    first_payment: np.datetime64 | None = None,
    business_day: str = "following",
    holidays: Sequence[np.datetime64] = (),
) -> np.ndarray:
    """(periods,) payment date of each collection period (datetime64[D]); see module doc.

    The day of the month is ``first_payment``'s, clipped to the month's length, in the month after
    the period ends; ``business_day="following"`` moves a weekend or holiday to the next business
    day. Without ``first_payment``: the period ends themselves (not adjusted).
    """
    ends = month_ends(cutoff, periods)
    if first_payment is None:
        return ends
    if business_day not in BUSINESS_DAY_RULES:
        raise ValueError(f"business_day: must be one of {BUSINESS_DAY_RULES}; got {business_day!r}")
    fp = np.asarray(first_payment, dtype="datetime64[D]")
    day = int((fp - fp.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64))  # 0-based
    months = ends.astype("datetime64[M]") + 1
    month_len = ((months + 1).astype("datetime64[D]") - months.astype("datetime64[D]")).astype(np.int64)
    raw = months.astype("datetime64[D]") + np.minimum(day, month_len - 1)
    if business_day == "none":
        return np.asarray(raw, dtype="datetime64[D]")
    hol = np.asarray(list(holidays), dtype="datetime64[D]")
    return np.asarray(np.busday_offset(raw, 0, roll="forward", holidays=hol), dtype="datetime64[D]")


def accrual_dates(
    cutoff: np.datetime64,
    periods: int,
    *,
    closing: np.datetime64 | None = None,
    first_payment: np.datetime64 | None = None,
    business_day: str = "following",
    holidays: Sequence[np.datetime64] = (),
) -> np.ndarray:
    """(periods + 1,) ``[d_0, d_1, …]``: closing (or the cut-off), then each period's payment
    date — the ends of the note interest accrual periods."""
    pay = payment_dates(cutoff, periods, first_payment=first_payment, business_day=business_day, holidays=holidays)
    start = np.asarray(closing if closing is not None else cutoff, dtype="datetime64[D]")
    return np.concatenate([[start], pay]).astype("datetime64[D]")

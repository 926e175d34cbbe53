"""Payment calendar: year fractions by day count and the accrual fraction of each period.

Collection periods are monthly, numbered t = 1..T; period t runs from the end of period t-1 (the
cut-off date for t = 1) to its end date. The caller gives the period end dates as
``numpy.datetime64[D]``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from tranches.errors import must

DayCount = Literal["30/360", "ACT/365F"]
DAY_COUNTS: tuple[str, ...] = ("30/360", "ACT/365F")

FloatArray = npt.NDArray[np.float64]


def _ymd(d: npt.NDArray[np.datetime64]) -> tuple[npt.NDArray[np.int64], ...]:
    months = d.astype("datetime64[M]")
    y = months.astype(np.int64) // 12 + 1970
    m = months.astype(np.int64) % 12 + 1
    day = (d - months.astype("datetime64[D]")).astype(np.int64) + 1
    return y, m, day


def _is_month_end(d: npt.NDArray[np.datetime64]) -> npt.NDArray[np.bool_]:
    nxt = d + np.timedelta64(1, "D")
    return np.asarray(nxt.astype("datetime64[M]") != d.astype("datetime64[M]"))


def year_fraction_30_360(start: npt.ArrayLike, end: npt.ArrayLike) -> FloatArray:
    """30/360 year fraction with the month-end rule (US 30/360, February end-of-month rule).

    Defined as ``(360·(Y2−Y1) + 30·(M2−M1) + (D2−D1)) / 360`` after the adjustments: D1 = 31 or
    the last day of its month → 30; then D2 = 31 or the last day of its month → 30 when D1 = 30.
    So a month-end schedule accrues exactly 30/360 every month (February included).
    """
    d1 = np.asarray(start, dtype="datetime64[D]")
    d2 = np.asarray(end, dtype="datetime64[D]")
    y1, m1, day1 = _ymd(d1)
    y2, m2, day2 = _ymd(d2)
    day1 = np.where(_is_month_end(d1) | (day1 == 31), 30, day1)
    day2 = np.where((_is_month_end(d2) | (day2 == 31)) & (day1 == 30), 30, day2)
    days = 360 * (y2 - y1) + 30 * (m2 - m1) + (day2 - day1)
    return np.asarray(days / 360.0, dtype=np.float64)


def year_fraction_act_365f(start: npt.ArrayLike, end: npt.ArrayLike) -> FloatArray:
    """ACT/365 Fixed year fraction. Defined as ``(end − start in days) / 365``."""
    d1 = np.asarray(start, dtype="datetime64[D]")
    d2 = np.asarray(end, dtype="datetime64[D]")
    return np.asarray((d2 - d1).astype(np.int64) / 365.0, dtype=np.float64)


def year_fraction(start: npt.ArrayLike, end: npt.ArrayLike, day_count: str) -> FloatArray:
    """Year fraction between ``start`` and ``end`` under ``day_count`` ("30/360" or "ACT/365F")."""
    if day_count == "30/360":
        return year_fraction_30_360(start, end)
    if day_count == "ACT/365F":
        return year_fraction_act_365f(start, end)
    raise must("day_count", f"must be one of {DAY_COUNTS}", day_count)


def default_start_date(first_end: np.datetime64) -> np.datetime64:
    """The cut-off date assumed when none is given: one calendar month before the first period end.

    Defined as the same day of the previous month, clipped to that month's length (a month-end first
    date gives the previous month-end).
    """
    d = np.asarray(first_end, dtype="datetime64[D]").reshape(-1)[0]
    month = d.astype("datetime64[M]")
    day = int((d - month.astype("datetime64[D]")).astype(np.int64)) + 1
    next_day_month = (d + np.timedelta64(1, "D")).astype("datetime64[M]")
    prev = month - np.timedelta64(1, "M")
    prev_len = int((month.astype("datetime64[D]") - prev.astype("datetime64[D]")).astype(np.int64))
    if next_day_month != month:  # first_end is a month end: previous month end
        day = prev_len
    return prev.astype("datetime64[D]") + np.timedelta64(min(day, prev_len) - 1, "D")


def period_dates(
    period_end_dates: npt.ArrayLike, *, start_date: npt.ArrayLike | None = None
) -> npt.NDArray[np.datetime64]:
    """Validated dates ``[cut-off, end_1, ..., end_T]`` (length T + 1), strictly increasing."""
    ends = np.asarray(period_end_dates, dtype="datetime64[D]").reshape(-1)
    if ends.size == 0:
        raise must("period_end_dates", "must hold at least one date", ends)
    start = (
        default_start_date(ends[0])
        if start_date is None
        else np.asarray(start_date, dtype="datetime64[D]").reshape(-1)[0]
    )
    dates = np.concatenate([np.asarray([start], dtype="datetime64[D]"), ends])
    if not np.all(np.diff(dates).astype(np.int64) > 0):
        raise must("period_end_dates", "must be strictly increasing (and after start_date)", dates)
    return dates


def accrual_fractions(
    period_end_dates: npt.ArrayLike, *, day_count: str, start_date: npt.ArrayLike | None = None
) -> FloatArray:
    """Accrual fraction of each monthly period, shape (T,).

    Defined as ``year_fraction(end_{t−1}, end_t, day_count)`` with ``end_0`` the cut-off date.
    """
    dates = period_dates(period_end_dates, start_date=start_date)
    return year_fraction(dates[:-1], dates[1:], day_count)

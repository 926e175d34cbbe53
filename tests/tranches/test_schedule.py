"""Day counts and accrual fractions, checked against day counts done by hand."""

from __future__ import annotations

import numpy as np
import pytest

from tranches import LiabilityError, accrual_fractions, year_fraction
from tranches.schedule import default_start_date

TOL = 1e-12


def d(s: str) -> np.datetime64:
    return np.datetime64(s, "D")


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2025-01-15", "2025-02-15", 30),  # plain month
        ("2025-01-31", "2025-02-28", 30),  # month ends: D1 31 → 30, D2 last of Feb → 30
        ("2024-01-31", "2024-02-29", 30),  # leap February
        ("2025-02-28", "2025-03-31", 30),  # D1 last of Feb → 30; D2 31 with D1 30 → 30
        ("2025-01-15", "2025-01-31", 16),  # D2 = 31 but D1 < 30: stays 31
        ("2025-01-31", "2026-01-31", 360),
    ],
)
def test_30_360(start: str, end: str, days: int) -> None:
    assert year_fraction(d(start), d(end), "30/360") == pytest.approx(days / 360, abs=TOL)


def test_act_365f() -> None:
    # 2024 is a leap year: Jan 31 → Feb 29 is 29 days; a full leap year is 366/365
    assert year_fraction(d("2024-01-31"), d("2024-02-29"), "ACT/365F") == pytest.approx(29 / 365)
    assert year_fraction(d("2024-01-01"), d("2025-01-01"), "ACT/365F") == pytest.approx(366 / 365)


def test_accrual_fractions_month_ends() -> None:
    ends = np.array(["2025-01-31", "2025-02-28", "2025-03-31"], dtype="datetime64[D]")
    # cut-off defaults to one month before: 2024-12-31
    assert default_start_date(ends[0]) == d("2024-12-31")
    assert accrual_fractions(ends, day_count="30/360") == pytest.approx([1 / 12] * 3, abs=TOL)
    assert accrual_fractions(ends, day_count="ACT/365F") == pytest.approx([31 / 365, 28 / 365, 31 / 365], abs=TOL)
    # an explicit cut-off: 2025-01-10 → 2025-01-31 is 21 days
    got = accrual_fractions(ends, day_count="ACT/365F", start_date="2025-01-10")
    assert got[0] == pytest.approx(21 / 365, abs=TOL)


def test_default_start_mid_month_and_clip() -> None:
    assert default_start_date(d("2025-03-15")) == d("2025-02-15")
    assert default_start_date(d("2025-03-30")) == d("2025-02-28")  # clipped to February


def test_bad_dates_and_day_count() -> None:
    with pytest.raises(LiabilityError, match="strictly increasing"):
        accrual_fractions(np.array(["2025-02-28", "2025-01-31"], dtype="datetime64[D]"), day_count="30/360")
    with pytest.raises(LiabilityError, match="day_count"):
        year_fraction(d("2025-01-01"), d("2025-02-01"), "ACT/360")

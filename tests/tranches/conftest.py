"""Shared helpers for the liability tests: month-end dates (30/360 accrues exactly 1/12)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def month_ends(n: int, start: str = "2025-01") -> npt.NDArray[np.datetime64]:
    """``n`` consecutive month-end dates starting with the end of ``start``."""
    months = np.arange(np.datetime64(start, "M"), np.datetime64(start, "M") + n + 1)
    return months[1:].astype("datetime64[D]") - np.timedelta64(1, "D")

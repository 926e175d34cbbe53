"""Names and bands the collateral modules share (the tape reader, the pool, the stratification):
kept in one small module so that none of them has to import another inside a function."""

from __future__ import annotations

import numpy as np

__all__ = [
    "APR_BANDS",
    "BALANCE_BANDS",
    "BUCKET_NAMES",
    "FEE_BANDS",
    "INTEREST_BANDS",
    "MAX_POOL_BUCKET",
    "SEGMENT_COLUMNS",
]

BUCKET_NAMES: tuple[str, ...] = ("M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7")
MAX_POOL_BUCKET = 6

#: Balance bands (RMB) used by the default stratification, upper edges inclusive.
BALANCE_BANDS: tuple[float, ...] = (500.0, 1_000.0, 3_000.0, 5_000.0, 10_000.0, 50_000.0, np.inf)
#: Upper band edges of a fee per period on the original principal (``flat_fee``, ``bullet``),
#: upper edges inclusive; the first band holds exactly 0 (interest-free plans).
FEE_BANDS: tuple[float, ...] = (0.0, 0.003, 0.005, 0.006, 0.007, 0.008, 0.010, 0.012, 0.015, 1.0)
#: Upper band edges of an annual rate (the nominal interest rate of ``level_payment`` and
#: ``equal_principal`` loans, and the APR of every loan); 24 % and 36 % are the thresholds of
#: the Chinese private-lending rules.
INTEREST_BANDS: tuple[float, ...] = (0.0, 0.05, 0.10, 0.15, 0.18, 0.24, 0.36, 1.0)
APR_BANDS: tuple[float, ...] = INTEREST_BANDS
#: Segment columns a tape may carry (text; kept on the pool for overrides and stratification).
SEGMENT_COLUMNS: tuple[str, ...] = ("region", "channel", "score_band")

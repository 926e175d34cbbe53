"""Names and bands the collateral modules share (the tape reader, the pool, the stratification):
kept in one small module so that none of them has to import another inside a function."""

from __future__ import annotations

import numpy as np

__all__ = ["BALANCE_BANDS", "BUCKET_NAMES", "MAX_POOL_BUCKET", "RATE_BANDS", "SEGMENT_COLUMNS"]

BUCKET_NAMES: tuple[str, ...] = ("M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7")
MAX_POOL_BUCKET = 6

#: Balance bands (RMB) used by the default stratification, upper edges inclusive.
BALANCE_BANDS: tuple[float, ...] = (500.0, 1_000.0, 3_000.0, 5_000.0, 10_000.0, 50_000.0, np.inf)
#: Fee/interest-rate bands used by the default stratification.
RATE_BANDS: tuple[float, ...] = (0.0, 0.005, 0.008, 0.010, 0.012, 0.05, 0.10, 0.20, 0.36, 1.0)
#: Segment columns a tape may carry (text; kept on the pool for overrides and stratification).
SEGMENT_COLUMNS: tuple[str, ...] = ("region", "channel", "score_band")

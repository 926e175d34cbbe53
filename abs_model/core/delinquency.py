"""Days past due → delinquency bucket, defined once (the tape reader, the pool, the loan-month
panel and the calibration all call :func:`bucket_of_dpd`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from abs_model.errors import must

__all__ = ["MAX_BUCKET", "bucket_of_dpd"]

#: M7: more than 180 days past due (written off; not a pool asset).
MAX_BUCKET = 7


def bucket_of_dpd(dpd: Any) -> np.ndarray:
    """Delinquency bucket (0 = M0 … 7 = M7) of days past due, per element, as ``int8``.

    Defined as ``0`` for ``dpd = 0`` and ``min(7, ⌈dpd / 30⌉)`` otherwise: M1 = 1–30 days,
    M2 = 31–60, …, M6 = 151–180, M7 = 180+. Computed in integers (``(dpd + 29) // 30``), so no
    float rounding moves a loan across a bucket edge.

    0/NaN rules: ``dpd = 0`` is M0; a negative, fractional, NaN or infinite ``dpd`` is not a
    number of days and raises :class:`~abs_model.errors.AssumptionError` naming the value.
    """
    raw = np.asarray(dpd)
    if raw.dtype.kind == "f":
        bad = ~np.isfinite(raw) | (raw != np.round(raw))
        if bad.any():
            raise must("days_past_due", "must be whole days ≥ 0", raw[bad].flat[0])
    elif raw.dtype.kind not in "iub":
        raise must("days_past_due", "must be whole days ≥ 0 (numbers)", raw.dtype)
    d = raw.astype(np.int64)
    if (d < 0).any():
        raise must("days_past_due", "must be whole days ≥ 0", int(d[d < 0].flat[0]))
    return np.minimum(MAX_BUCKET, (d + 29) // 30).astype(np.int8)

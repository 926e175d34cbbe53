"""Normalise inputs once: scalars, per-period schedules and per-scenario vectors become arrays.

Every helper raises :class:`~tranches.errors.LiabilityError` naming the path, the rule and the value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from tranches.errors import must

FloatArray = npt.NDArray[np.float64]
Schedule = float | Sequence[float]


def check_rate(path: str, value: float) -> float:
    """A decimal rate in [0, 1) (5.1 % is 0.051)."""
    if not isinstance(value, int | float) or not math.isfinite(value) or not 0.0 <= value < 1.0:
        raise must(path, "must be a decimal in [0, 1)", value, "rates are decimals (0.051, not 5.1)")
    return float(value)


def check_amount(path: str, value: float) -> float:
    """A finite, non-negative amount of money."""
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0.0:
        raise must(path, "must be a finite amount >= 0", value)
    return float(value)


def check_schedule(path: str, value: Schedule, *, rate: bool) -> tuple[float, ...]:
    """A scalar or a non-empty per-period sequence, as a tuple of floats (period 1 first)."""
    items: Sequence[float] = [value] if isinstance(value, int | float) else value
    try:
        out = tuple(float(v) for v in items)
    except (TypeError, ValueError):
        raise must(path, "must be a number or a sequence of numbers by period", value) from None
    if not out:
        raise must(path, "must not be empty", value)
    for i, v in enumerate(out):
        if rate:
            check_rate(f"{path}[{i}]", v)
        elif not math.isfinite(v):
            raise must(f"{path}[{i}]", "must be finite", v)
    return out


def schedule_array(values: tuple[float, ...], n_periods: int) -> FloatArray:
    """Per-period array of length ``n_periods``: period t takes ``values[t-1]``, the last repeats."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size >= n_periods:
        return arr[:n_periods].copy()
    return np.concatenate([arr, np.full(n_periods - arr.size, arr[-1])])


def scenario_vector(path: str, value: npt.ArrayLike, n: int, *, allow_inf: bool = False) -> FloatArray:
    """A scalar or an (n,) array as a float (n,) array; negative or NaN values are refused."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    elif arr.shape != (n,):
        raise must(path, f"must be a scalar or shape ({n},)", arr.shape)
    bad = np.isnan(arr) | (arr < 0.0)
    if not allow_inf:
        bad |= np.isinf(arr)
    if bad.any():
        i = int(np.argmax(bad))
        raise must(f"{path}[{i}]", "must be a finite amount >= 0", float(arr[i]))
    return arr

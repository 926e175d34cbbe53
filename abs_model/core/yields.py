"""Bond analytics on a vector of per-period cash flows (SIFMA/BMA Standard Formulas §G).

Conventions (SF-44 §E, SF-48 §G.1):

- ``cashflows[k-1]`` is the cash (principal + interest) paid for period ``k``; periods are
  ``12 / periods_per_year`` months of 30 days (30/360). Period ``k`` ends ``k / periods_per_year``
  years after the start of the first accrual period and is paid ``delay_days`` (actual delay,
  30/360 days) later. Settlement is ``settle_days`` (30/360) after the start of the first accrual
  period, so cash flow ``k`` is received at ``T_k = k / periods_per_year + (delay_days −
  settle_days) / 360`` years after settlement.
- ``price`` is the clean price as a fraction of the current balance (1.0 = par; the SF examples'
  100.0000 is 1.0 here). ``accrued`` is accrued interest as a fraction of the balance (see
  :func:`accrued_interest`); the buyer pays ``(price + accrued) × balance`` (SF-46 §F.1.a).
- Yields are decimals. ``compounding="bond_equivalent"`` (the SF standard, and the default) is
  semiannual: ``PV = Σ CF_k / (1 + y/2) ** (2 T_k)``. ``"monthly"`` gives the Mortgage Yield,
  ``"quarterly"`` and ``"annual"`` the obvious analogues; for the same cash flows they are the
  same discounting, re-expressed (:func:`convert_yield`).
- Durations and convexity are in years (years² for convexity), computed as SF-49 defines them
  with the given compounding (SF uses ``bond_equivalent``).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import numpy_financial as npf

from abs_model.core.metrics import PRINCIPAL_EPS, principal_windows, wal_years
from abs_model.core.solve import root_scalar
from abs_model.errors import SolverError, must

__all__ = [
    "Compounding",
    "accrued_interest",
    "cash_flow_yield",
    "convert_yield",
    "convexity",
    "irr",
    "macaulay_duration",
    "modified_duration",
    "present_value",
    "price_from_yield",
    "principal_window",
    "spread_to_curve",
    "wal",
    "yield_from_times",
]

FloatArray = npt.NDArray[np.float64]
Compounding = Literal["bond_equivalent", "monthly", "quarterly", "annual"]

_FREQUENCY: dict[str, int] = {"bond_equivalent": 2, "monthly": 12, "quarterly": 4, "annual": 1}
_PERIODS_PER_YEAR = (1, 2, 3, 4, 6, 12)

#: The yield bracket searched by the solvers: −99 % to 1000 %.
YIELD_LOW = -0.99
YIELD_HIGH = 10.0


# --------------------------------------------------------------------------------------------
# input normalisation
# --------------------------------------------------------------------------------------------


def _vector(name: str, value: Any) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise must(name, "must be a 1-D array of numbers", value) from None
    if arr.ndim != 1:
        raise must(name, "must be a 1-D array of per-period amounts", f"shape {arr.shape}")
    if arr.size == 0:
        raise must(name, "must have at least one period", "[]")
    if not np.isfinite(arr).all():
        raise must(name, "must be finite", float(arr[~np.isfinite(arr)][0]))
    return arr


def _frequency(compounding: str) -> int:
    if compounding not in _FREQUENCY:
        raise must("compounding", f"must be one of {sorted(_FREQUENCY)}", compounding)
    return _FREQUENCY[compounding]


def _ppy(periods_per_year: Any) -> int:
    if isinstance(periods_per_year, bool) or periods_per_year not in _PERIODS_PER_YEAR:
        raise must(
            "periods_per_year",
            f"must be one of {_PERIODS_PER_YEAR}",
            periods_per_year,
            hint="12 = monthly, 4 = quarterly payments",
        )
    return int(periods_per_year)


def _days(name: str, value: Any) -> float:
    try:
        days = float(value)
    except (TypeError, ValueError):
        raise must(name, "must be a number of 30/360 days", value) from None
    if not np.isfinite(days) or days < 0:
        raise must(name, "must be a finite number of 30/360 days >= 0", value)
    return days


def _positive(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise must(name, "must be a number", value) from None
    if not np.isfinite(x) or x <= 0:
        raise must(name, "must be a finite number > 0", value)
    return x


def _times(n: int, periods_per_year: Any, delay_days: Any, settle_days: Any) -> FloatArray:
    ppy = _ppy(periods_per_year)
    shift = (_days("delay_days", delay_days) - _days("settle_days", settle_days)) / 360.0
    return np.arange(1, n + 1, dtype=np.float64) / ppy + shift


def _discount(y: float, times: FloatArray, m: int) -> FloatArray:
    base = 1.0 + y / m
    if base <= 0:
        raise must("yield_", f"must be > {-m:g} (1 + y/{m} must be positive)", y)
    return np.asarray(base ** (-m * times), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# average life and principal window
# --------------------------------------------------------------------------------------------


def wal(
    principal: Any,
    *,
    periods_per_year: int = 12,
    delay_days: float = 0.0,
    settle_days: float = 0.0,
    negative_principal: Literal["include", "ignore"] = "include",
) -> float:
    """Weighted average life in years (SF-49 §G.1.c, SF-56 §H.1).

    Defined as ``WAL = Σ T_k P_k / Σ P_k`` with ``T_k = k / periods_per_year + (delay_days −
    settle_days) / 360``; with no delay this is ``Σ k P_k / Σ P_k / periods_per_year``.
    Negative principal (accreted interest) is included by default, the GPM/ARM convention;
    ``negative_principal="ignore"`` drops it, the CMO Z-bond convention.
    """
    p = _vector("principal", principal)
    if negative_principal == "ignore":
        p = np.maximum(p, 0.0)
    elif negative_principal != "include":
        raise must("negative_principal", "must be 'include' or 'ignore'", negative_principal)
    total = float(p.sum())
    if total <= 0:
        raise must("principal", "must sum to more than 0 (no principal, no average life)", total)
    ppy = _ppy(periods_per_year)
    shift = (_days("delay_days", delay_days) - _days("settle_days", settle_days)) / 360.0
    # Σ (k/ppy + shift) P_k / Σ P_k = the one WAL (core.metrics.wal_years) + shift
    return float(wal_years(p, periods_per_year=ppy)[0]) + shift


def principal_window(principal: Any) -> tuple[int, int]:
    """First and last 1-based period in which principal is paid (``> PRINCIPAL_EPS``, 1e-9).

    Defined as ``(min{k: P_k > ε}, max{k: P_k > ε})`` by the one implementation,
    :func:`abs_model.core.metrics.principal_windows`. Raises when no period pays principal
    (where that function returns ``(0, 0)``).
    """
    p = _vector("principal", principal)
    first, last = principal_windows(p)
    if int(first[0]) == 0:
        raise must(
            "principal",
            f"no period pays principal > {PRINCIPAL_EPS:g}, so there is no window",
            f"{p.size} periods, max {float(p.max())!r}",
        )
    return int(first[0]), int(last[0])


# --------------------------------------------------------------------------------------------
# yield conventions
# --------------------------------------------------------------------------------------------


def convert_yield(yield_: float, *, from_: Compounding, to: Compounding) -> float:
    """Re-express a yield under another compounding (SF-48 §G.1.b).

    Defined as ``y_to = m_to × ((1 + y_from / m_from) ** (m_from / m_to) − 1)``; e.g. the
    Mortgage Yield ``y_m = 12 × ((1 + BEY/2) ** (1/6) − 1)`` and ``BEY = 2 × ((1 + y_m/12) ** 6 − 1)``.
    """
    m1 = _frequency(from_)
    m2 = _frequency(to)
    base = 1.0 + float(yield_) / m1
    if base <= 0:
        raise must("yield_", f"must be > {-m1:g} under {from_} compounding", yield_)
    return float(m2 * (base ** (m1 / m2) - 1.0))


def accrued_interest(coupon: float, days: float) -> float:
    """Accrued interest as a fraction of the balance, 30/360 (SF-46 §F.1.c).

    Defined as ``coupon × days / 360`` (``days`` from the start of the accrual period to
    settlement, on the 30/360 calendar).
    """
    return float(coupon) * _days("days", days) / 360.0


def present_value(
    yield_: float, cashflows: Any, times: Any, *, compounding: Compounding = "bond_equivalent"
) -> float:
    """Present value of cash flows received at ``times`` (years) at a yield.

    Defined as ``PV = Σ CF_k / (1 + y/m) ** (m T_k)`` with ``m`` the compounding frequency.
    """
    cf = _vector("cashflows", cashflows)
    t = _vector("times", times)
    if t.shape != cf.shape:
        raise must("times", f"must have one time per cash flow (n = {cf.size})", f"n = {t.size}")
    return float(np.dot(cf, _discount(float(yield_), t, _frequency(compounding))))


def yield_from_times(
    price: float, cashflows: Any, times: Any, *, compounding: Compounding = "bond_equivalent"
) -> float:
    """The yield at which cash flows received at ``times`` (years) are worth ``price``.

    ``price`` is in the same units as the cash flows (a dollar price, accrued included). Defined
    as the ``y`` in [−99 %, 1000 %] with ``price = Σ CF_k / (1 + y/m) ** (m T_k)`` (SF-48 §G.1.a
    with ``m = 2``). Raises :class:`SolverError` when no yield in that range reproduces the price.
    """
    cf = _vector("cashflows", cashflows)
    t = _vector("times", times)
    if t.shape != cf.shape:
        raise must("times", f"must have one time per cash flow (n = {cf.size})", f"n = {t.size}")
    m = _frequency(compounding)
    target = float(price)
    lo = max(YIELD_LOW, -m * 0.99)

    def f(y: float) -> float:
        return float(np.dot(cf, _discount(y, t, m))) - target

    root = root_scalar(f, lo, YIELD_HIGH)
    if root is None:
        raise SolverError(
            f"no yield in [{lo:.0%}, {YIELD_HIGH:.0%}] reproduces price {target!r} for these "
            f"cash flows (present value {f(lo) + target:.6g} at {lo:.0%}, "
            f"{f(YIELD_HIGH) + target:.6g} at {YIELD_HIGH:.0%})"
        )
    return float(root)


def cash_flow_yield(
    price: float,
    cashflows: Any,
    *,
    balance: float,
    periods_per_year: int = 12,
    delay_days: float = 0.0,
    settle_days: float = 0.0,
    accrued: float = 0.0,
    compounding: Compounding = "bond_equivalent",
) -> float:
    """Cash-flow yield of per-period cash flows bought at ``price`` (SF-48 §G.1.a-b).

    ``price`` is the clean price as a fraction of ``balance`` (1.0 = par); ``accrued`` the accrued
    interest as a fraction of ``balance``. Defined as the ``y`` with
    ``(price + accrued) × balance = Σ CF_k / (1 + y/m) ** (m T_k)``,
    ``T_k = k / periods_per_year + (delay_days − settle_days) / 360``, ``m`` = 2 for
    ``bond_equivalent`` (the SF standard), 12 for ``monthly`` (the Mortgage Yield).
    Raises :class:`SolverError` when no yield in [−99 %, 1000 %] reproduces the price.
    """
    cf = _vector("cashflows", cashflows)
    b = _positive("balance", balance)
    t = _times(cf.size, periods_per_year, delay_days, settle_days)
    dirty = (float(price) + float(accrued)) * b
    try:
        return yield_from_times(dirty, cf, t, compounding=compounding)
    except SolverError:
        raise SolverError(
            f"no yield in [{YIELD_LOW:.0%}, {YIELD_HIGH:.0%}] reproduces price {float(price)!r} "
            f"(fraction of balance {b:g}) for these cash flows"
        ) from None


def price_from_yield(
    yield_: float,
    cashflows: Any,
    *,
    balance: float,
    periods_per_year: int = 12,
    delay_days: float = 0.0,
    settle_days: float = 0.0,
    accrued: float = 0.0,
    compounding: Compounding = "bond_equivalent",
) -> float:
    """Clean price, as a fraction of ``balance``, of per-period cash flows at a yield.

    Defined as ``Σ CF_k / (1 + y/m) ** (m T_k) / balance − accrued``: the inverse of
    :func:`cash_flow_yield` with the same conventions.
    """
    cf = _vector("cashflows", cashflows)
    b = _positive("balance", balance)
    t = _times(cf.size, periods_per_year, delay_days, settle_days)
    pv = float(np.dot(cf, _discount(float(yield_), t, _frequency(compounding))))
    return pv / b - float(accrued)


# --------------------------------------------------------------------------------------------
# duration and convexity (cash flows held fixed)
# --------------------------------------------------------------------------------------------


def _pv_parts(
    yield_: float,
    cashflows: Any,
    periods_per_year: int,
    delay_days: float,
    settle_days: float,
    compounding: Compounding,
) -> tuple[FloatArray, FloatArray, float, int]:
    cf = _vector("cashflows", cashflows)
    t = _times(cf.size, periods_per_year, delay_days, settle_days)
    m = _frequency(compounding)
    pv_k = cf * _discount(float(yield_), t, m)
    pv = float(pv_k.sum())
    if pv <= 0:
        raise must("cashflows", "must have a positive present value for a duration", pv)
    return t, pv_k, pv, m


def macaulay_duration(
    yield_: float,
    cashflows: Any,
    *,
    periods_per_year: int = 12,
    delay_days: float = 0.0,
    settle_days: float = 0.0,
    compounding: Compounding = "bond_equivalent",
) -> float:
    """Macaulay duration in years: the PV-weighted average time of the cash flows (SF-49 §G.1.d).

    Defined as ``D = Σ T_k CF_k / (1 + y/m) ** (m T_k) / P``, ``P = Σ CF_k / (1 + y/m) ** (m T_k)``.
    """
    t, pv_k, pv, _ = _pv_parts(
        yield_, cashflows, periods_per_year, delay_days, settle_days, compounding
    )
    return float(np.dot(t, pv_k) / pv)


def modified_duration(
    yield_: float,
    cashflows: Any,
    *,
    periods_per_year: int = 12,
    delay_days: float = 0.0,
    settle_days: float = 0.0,
    compounding: Compounding = "bond_equivalent",
) -> float:
    """Modified duration in years (SF-49 §G.1.e): ``−(dP/dy) / P`` with cash flows fixed.

    Defined as ``D_mod = D_mac / (1 + y/m)`` (``m = 2`` for bond-equivalent yields).
    """
    m = _frequency(compounding)
    mac = macaulay_duration(
        yield_,
        cashflows,
        periods_per_year=periods_per_year,
        delay_days=delay_days,
        settle_days=settle_days,
        compounding=compounding,
    )
    return mac / (1.0 + float(yield_) / m)


def convexity(
    yield_: float,
    cashflows: Any,
    *,
    periods_per_year: int = 12,
    delay_days: float = 0.0,
    settle_days: float = 0.0,
    compounding: Compounding = "bond_equivalent",
) -> float:
    """Cash-flow convexity in years² (SF-49 §G.1.f): ``(d²P/dy²) / P`` with cash flows fixed.

    Defined as ``C = Σ T_k (T_k + 1/m) CF_k / (1 + y/m) ** (m T_k) / ((1 + y/m)² P)``; with
    ``m = 2`` this is the SF formula. SF quotes it as is or divided by 100.
    """
    t, pv_k, pv, m = _pv_parts(
        yield_, cashflows, periods_per_year, delay_days, settle_days, compounding
    )
    return float(np.dot(t * (t + 1.0 / m), pv_k) / ((1.0 + float(yield_) / m) ** 2 * pv))


# --------------------------------------------------------------------------------------------
# spread to a zero curve and IRR
# --------------------------------------------------------------------------------------------


def spread_to_curve(
    price: float,
    cashflows: Any,
    curve_times: Any,
    curve_rates: Any,
    *,
    balance: float,
    periods_per_year: int = 12,
    delay_days: float = 0.0,
    settle_days: float = 0.0,
    accrued: float = 0.0,
    compounding: Compounding = "bond_equivalent",
) -> float:
    """Flat spread over a zero curve that prices the cash flows (a zero-volatility spread).

    ``curve_rates`` are zero rates (decimals, with the given ``compounding``) at ``curve_times``
    (years, increasing); rates are interpolated linearly in time and held flat beyond the ends.
    Defined as the ``s`` with ``(price + accrued) × balance = Σ CF_k / (1 + (z(T_k) + s)/m) **
    (m T_k)``. Raises :class:`SolverError` when no spread in [−99 %, 1000 %] does.
    """
    cf = _vector("cashflows", cashflows)
    ct = _vector("curve_times", curve_times)
    cr = _vector("curve_rates", curve_rates)
    if ct.shape != cr.shape:
        raise must(
            "curve_rates", f"must have one rate per curve time (n = {ct.size})", f"n = {cr.size}"
        )
    if (np.diff(ct) <= 0).any():
        raise must("curve_times", "must be strictly increasing", ct.tolist())
    b = _positive("balance", balance)
    t = _times(cf.size, periods_per_year, delay_days, settle_days)
    m = _frequency(compounding)
    z = np.interp(t, ct, cr)
    target = (float(price) + float(accrued)) * b
    lo = max(YIELD_LOW, -m * 0.99 - float(z.min()))

    def f(s: float) -> float:
        base = 1.0 + (z + s) / m
        if (base <= 0).any():
            return float("inf")
        return float(np.dot(cf, base ** (-m * t))) - target

    root = root_scalar(f, lo, YIELD_HIGH)
    if root is None:
        raise SolverError(
            f"no spread in [{lo:.0%}, {YIELD_HIGH:.0%}] over this curve reproduces price "
            f"{float(price)!r} for these cash flows"
        )
    return float(root)


def irr(cashflows: Any) -> float:
    """Internal rate of return per period of ``cashflows`` (``cashflows[0]`` at time 0).

    Defined as the ``r`` with ``Σ_k CF_k / (1 + r) ** k = 0``, computed by
    ``numpy_financial.irr`` (the root of the polynomial nearest 0). Raises
    :class:`SolverError` when there is none (e.g. all cash flows of one sign).
    """
    cf = _vector("cashflows", cashflows)
    rate = float(npf.irr(cf))
    if not np.isfinite(rate):
        raise SolverError(
            f"no internal rate of return for these {cf.size} cash flows (they need at least one "
            "sign change)"
        )
    return rate

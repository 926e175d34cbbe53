"""Rate conversions and standard prepayment / default curves (SIFMA/BMA Standard Formulas).

Every function accepts a scalar or a numpy array (or anything ``np.asarray`` takes) and returns
the same shape: a scalar in gives a ``float`` out, an array in gives an array of the broadcast
shape out. Rates are decimals (0.06, never 6). Annual rates are ``cpr`` / ``cdr``; monthly rates
are ``smm`` / ``mdr``; a year has exactly 12 periods.

Sources: The Bond Market Association, *Uniform Practices / Standard Formulas*, Chapter SF
(02/01/99), sections B.1 (amortised balance), B.2 (SMM, CPR, PSA), B.3 (average prepayment
rates), B.4 (ABS) and C.2-C.5 (MDR, SDA). The published examples are pinned by the tests
(``tests/abs_model/sifma_reference.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from abs_model.errors import must

__all__ = [
    "SDA_MIN_TERM",
    "abs_from_factors",
    "abs_to_smm",
    "annual_from_monthly",
    "annuity_balance_factor",
    "cdr_to_mdr",
    "cpr_to_smm",
    "mdr_to_cdr",
    "monthly_from_annual",
    "psa_to_cpr",
    "psa_to_smm",
    "scheduled_balance",
    "sda_to_cdr",
    "smm_from_factors",
    "smm_to_cpr",
]

FloatArray = npt.NDArray[np.float64]

#: SF-22 §C.5: the SDA was designed for fully amortising mortgages with a term of at least 15 years.
SDA_MIN_TERM = 180

_DECIMAL_HINT = "rates are decimals (6 % is 0.06)"


# --------------------------------------------------------------------------------------------
# input normalisation (one place) and shape-preserving output
# --------------------------------------------------------------------------------------------


def _floats(name: str, value: Any) -> FloatArray:
    """``value`` as float64 numbers: refused when not numbers, when boolean (``True`` is no rate
    or month) and where NaN."""
    if _has_bool(value):
        raise must(name, "must be numbers, not booleans", value)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise must(name, "must be a number or an array of numbers", value) from None
    if np.isnan(arr).any():
        raise must(name, "must not be NaN", _show(arr, np.isnan(arr)))
    return arr


def _has_bool(value: Any) -> bool:
    """A boolean scalar, a boolean array, or a list / tuple holding one (at any depth)."""
    if isinstance(value, bool | np.bool_):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype == np.bool_ or (value.dtype == object and any(isinstance(v, bool | np.bool_) for v in value.flat))
    if isinstance(value, list | tuple):
        return any(_has_bool(v) for v in value)
    return False


def _show(arr: FloatArray, bad: npt.NDArray[np.bool_]) -> Any:
    """The first offending value, as received (a float for a scalar)."""
    if arr.ndim == 0:
        return float(arr)
    return float(arr[bad].flat[0])


def _rate(name: str, value: Any, *, upper_open: bool = False) -> FloatArray:
    arr = _floats(name, value)
    bad = (arr < 0.0) | (arr >= 1.0 if upper_open else arr > 1.0)
    if bad.any():
        interval = "[0, 1)" if upper_open else "[0, 1]"
        hint = _DECIMAL_HINT if (arr > 1.0).any() else ""
        raise must(name, f"must be a decimal in {interval}", _show(arr, bad), hint=hint)
    return arr


def _nonneg(name: str, value: Any, *, hint: str = "") -> FloatArray:
    arr = _floats(name, value)
    bad = ~np.isfinite(arr) | (arr < 0.0)
    if bad.any():
        raise must(name, "must be a finite number >= 0", _show(arr, bad), hint=hint)
    return arr


def _months(name: str, value: Any, *, minimum: int = 1) -> npt.NDArray[np.int64]:
    arr = _floats(name, value)
    bad = ~np.isfinite(arr) | (arr != np.round(arr)) | (arr < minimum)
    if bad.any():
        raise must(
            name,
            f"must be a whole number of months >= {minimum}",
            _show(arr, bad),
            hint="months are 1-based loan ages" if minimum == 1 else "",
        )
    return arr.astype(np.int64)


def _out(arr: FloatArray, scalar: bool) -> Any:
    if scalar:
        return float(arr)
    return arr


def _is_scalar(*values: Any) -> bool:
    return all(np.ndim(v) == 0 for v in values)


def monthly_from_annual(annual: Any) -> FloatArray:
    """The one annual → monthly conversion (CPR → SMM, CDR → MDR), unvalidated, for hot loops.

    Defined as ``1 − (1 − annual) ** (1/12)``, computed as ``−expm1(log1p(−annual) / 12)`` so a
    small rate keeps full precision (``1 − (1 − 1e-10) ** (1/12)`` loses 7 digits).
    0/NaN rules: ``annual = 0`` gives 0, ``annual = 1`` gives 1 (everything goes in a month);
    ``annual > 1`` or NaN gives NaN — callers validate (:func:`cpr_to_smm` raises instead).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(-np.expm1(np.log1p(-np.asarray(annual, dtype=np.float64)) / 12.0), dtype=np.float64)


def annual_from_monthly(monthly: Any) -> FloatArray:
    """The one monthly → annual conversion (SMM → CPR, MDR → CDR), unvalidated.

    Defined as ``1 − (1 − monthly) ** 12``, computed as ``−expm1(12 × log1p(−monthly))``.
    0/NaN rules: 0 gives 0, 1 gives 1; a negative monthly rate (e.g. an observed SMM with more
    balance than scheduled) gives the negative annual rate of the same formula; ``> 1`` or NaN
    gives NaN.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(-np.expm1(np.log1p(-np.asarray(monthly, dtype=np.float64)) * 12.0), dtype=np.float64)


def annuity_balance_factor(monthly_rate: Any, n: Any, k: Any) -> FloatArray:
    """The one annuity (level-payment, 等额本息) balance factor, unvalidated, broadcasting.

    The balance left after ``k`` of ``n`` level instalments, per unit of the balance before the
    first: ``S(k) = ((1 + r)^n − (1 + r)^k) / ((1 + r)^n − 1)`` with ``r`` the monthly rate
    (equivalently ``(1 − (1 + r)^−(n−k)) / (1 − (1 + r)^−n)``, SF-4 §B.1).
    0/NaN rules: ``r = 0`` gives the linear ``1 − k/n``; ``k = 0`` gives 1 and ``k = n`` gives 0;
    ``k`` is not clipped (callers clip to ``[0, n]``); ``n = 0`` gives NaN.
    """
    r = np.asarray(monthly_rate, dtype=np.float64)
    nn = np.asarray(n, dtype=np.float64)
    kk = np.asarray(k, dtype=np.float64)
    g = 1.0 + r
    with np.errstate(divide="ignore", invalid="ignore"):
        gn = g**nn
        return np.asarray(np.where(r != 0.0, (gn - g**kk) / (gn - 1.0), 1.0 - kk / nn), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# SMM / CPR and MDR / CDR
# --------------------------------------------------------------------------------------------


def cpr_to_smm(cpr: Any) -> Any:
    """Monthly prepayment rate from an annual one (SF-6, §B.2.b).

    Defined as ``smm = 1 − (1 − cpr) ** (1/12)``; ``cpr = 1`` gives ``smm = 1``.
    """
    c = _rate("cpr", cpr)
    return _out(monthly_from_annual(c), _is_scalar(cpr))


def smm_to_cpr(smm: Any) -> Any:
    """Annual prepayment rate from a monthly one (SF-6, §B.2.b).

    Defined as ``cpr = 1 − (1 − smm) ** 12``.
    """
    s = _rate("smm", smm)
    return _out(annual_from_monthly(s), _is_scalar(smm))


def cdr_to_mdr(cdr: Any) -> Any:
    """Monthly default rate from a constant annual default rate (SF-21, §C.4.g).

    Defined as ``mdr = 1 − (1 − cdr) ** (1/12)``.
    """
    c = _rate("cdr", cdr)
    return _out(monthly_from_annual(c), _is_scalar(cdr))


def mdr_to_cdr(mdr: Any) -> Any:
    """Annual default rate from a monthly one (inverse of :func:`cdr_to_mdr`).

    Defined as ``cdr = 1 − (1 − mdr) ** 12``.
    """
    m = _rate("mdr", mdr)
    return _out(annual_from_monthly(m), _is_scalar(mdr))


# --------------------------------------------------------------------------------------------
# PSA, ABS and SDA curves
# --------------------------------------------------------------------------------------------


def psa_to_cpr(psa: Any, month: Any) -> Any:
    """Annual prepayment rate of ``psa`` × the PSA Standard Prepayment Model (SF-6, §B.2.c).

    ``psa`` is a multiple (1.5 = 150 % PSA); ``month`` is the 1-based loan age (the accrual month
    in which the age goes from ``month − 1`` to ``month``). Defined as
    ``cpr = min(psa × 0.002 × min(month, 30), 1)``: 0.2 % CPR in month 1 rising 0.2 % a month to
    6 % in month 30 and flat after, scaled by ``psa`` and capped at 100 % CPR.
    """
    p = _nonneg("psa", psa, hint="psa is a multiple: 1.5 = 150 % PSA")
    m = _months("month", month)
    cpr = np.minimum(p * 0.002 * np.minimum(m, 30), 1.0)
    return _out(np.asarray(cpr, dtype=np.float64), _is_scalar(psa, month))


def psa_to_smm(psa: Any, month: Any) -> Any:
    """Monthly prepayment rate of ``psa`` × PSA in loan-age ``month``.

    Defined as ``cpr_to_smm(psa_to_cpr(psa, month))`` (the SF-10 conversion table).
    """
    cpr = np.asarray(psa_to_cpr(psa, month), dtype=np.float64)
    return _out(monthly_from_annual(cpr), _is_scalar(psa, month))


def abs_to_smm(speed: Any, month: Any) -> Any:
    """Monthly prepayment rate of an ABS speed in loan-age ``month`` (SF-13, §B.4).

    ``speed`` is a decimal (0.015 = 1.5 % ABS): the fraction of the *original* number of loans
    prepaying each month. ``month`` is the 1-based age of the loans (not of the pool). Defined as
    ``smm = speed / (1 − speed × (month − 1))``. Once ``speed × (month − 1) >= 1`` every loan has
    prepaid under the model and the SMM is 1 (the formula's pole is not a rate).
    """
    a = _rate("speed", speed, upper_open=True)
    m = _months("month", month)
    left = 1.0 - a * (m - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        smm = np.where(left > 0, np.minimum(a / np.where(left > 0, left, 1.0), 1.0), 1.0)
    return _out(np.asarray(smm, dtype=np.float64), _is_scalar(speed, month))


def sda_to_cdr(
    sda: Any,
    month: Any,
    *,
    term: int | None = None,
    liquidation_lag: int = 0,
    allow_short_term: bool = False,
) -> Any:
    """Annual default rate of ``sda`` × the Standard Default Assumption (SF-20/21, §C.4).

    ``sda`` is a multiple (1.0 = 100 % SDA); ``month`` is the 1-based loan age. 100 % SDA is
    defined as::

        cdr = 0.0002 × month                   for month <= 30   (0.02 % ... 0.60 %)
            = 0.006                            for 30 < month <= 60
            = 0.006 − 0.000095 × (month − 60)  for 60 < month <= 120 (0.5905 % ... 0.03 %)
            = 0.0003                           for month > 120

    scaled by ``sda`` and capped at 1. When ``term`` (the loans' original term in months) is
    given, the rate is 0 in the last ``liquidation_lag`` months of the term (SF-19 §C.3.j,
    SF-21 §C.4.d: a default must liquidate by the scheduled final maturity) and in any month after
    the term. Per SF-22 §C.5 the SDA was designed for fully amortising mortgages with a term of at
    least 15 years; a shorter ``term`` raises unless ``allow_short_term=True``.
    """
    s = _nonneg("sda", sda, hint="sda is a multiple: 1.0 = 100 % SDA")
    m = _months("month", month)
    if (
        isinstance(liquidation_lag, bool)
        or not isinstance(liquidation_lag, (int, np.integer))
        or liquidation_lag < 0
    ):
        raise must("liquidation_lag", "must be a whole number of months >= 0", liquidation_lag)
    base = np.where(
        m <= 30,
        0.0002 * m,
        np.where(m <= 60, 0.006, np.where(m <= 120, 0.006 - 0.000095 * (m - 60), 0.0003)),
    )
    cdr = np.minimum(s * base, 1.0)
    if term is not None:
        if isinstance(term, bool) or not isinstance(term, (int, np.integer)) or term < 1:
            raise must("term", "must be a whole number of months >= 1", term)
        if term < SDA_MIN_TERM and not allow_short_term:
            raise must(
                "term",
                f"SDA is defined for fully amortising loans of at least {SDA_MIN_TERM}"
                " months (SF-22 §C.5)",
                term,
                hint="pass a CDR vector for other assets, or allow_short_term=True",
            )
        cdr = np.where(m > term - liquidation_lag, 0.0, cdr)
    return _out(np.asarray(cdr, dtype=np.float64), _is_scalar(sda, month))


# --------------------------------------------------------------------------------------------
# amortised balance and realised rates from pool factors
# --------------------------------------------------------------------------------------------


def scheduled_balance(wac: Any, original_term: Any, remaining_term: Any) -> Any:
    """Amortised balance of a level-payment loan as a fraction of par (SF-4, §B.1).

    Defined as ``bal = (1 − (1 + wac/12) ** −remaining) / (1 − (1 + wac/12) ** −original)``
    (``remaining / original`` when ``wac = 0``): :func:`annuity_balance_factor` after
    ``original − remaining`` instalments. ``wac`` is the gross coupon as a decimal.
    """
    c = _rate("wac", wac)
    n0 = _months("original_term", original_term)
    n = _months("remaining_term", remaining_term, minimum=0)
    if (n > n0).any():
        raise must(
            "remaining_term", "must not exceed original_term", _show(n.astype(np.float64), n > n0)
        )
    bal = annuity_balance_factor(c / 12.0, n0, n0 - n)
    return _out(np.asarray(bal, dtype=np.float64), _is_scalar(wac, original_term, remaining_term))


def smm_from_factors(
    f_prev: Any,
    f_curr: Any,
    *,
    scheduled_factor: Any = None,
    bal_prev: Any = None,
    bal_curr: Any = None,
    months: Any = 1,
) -> Any:
    """Realised (average) SMM between two pool factors (SF-5 §B.2.a, SF-12 §B.3).

    The factor the pool would have had with no prepayments is
    ``f_sched = f_prev × bal_curr / bal_prev`` (pass it directly as ``scheduled_factor``, or give
    the amortised balances ``bal_prev`` / ``bal_curr``, e.g. from :func:`scheduled_balance`).
    Defined as ``smm = 1 − (f_curr / f_sched) ** (1 / months)``; with ``months = 1`` this is the
    one-month ``(f_sched − f_curr) / f_sched``. For an aggregation of pools pass the summed actual
    and scheduled balances (SF-12). The result may be negative or implausibly large when a factor
    or the amortisation assumption is wrong (SF-7); it is returned as computed, not clipped.
    """
    f1 = _nonneg("f_prev", f_prev)
    f2 = _nonneg("f_curr", f_curr)
    n = _months("months", months)
    if scheduled_factor is not None:
        if bal_prev is not None or bal_curr is not None:
            raise must(
                "scheduled_factor",
                "give either scheduled_factor or bal_prev and bal_curr, not both",
                scheduled_factor,
            )
        fs = _nonneg("scheduled_factor", scheduled_factor)
        scalar = _is_scalar(f_prev, f_curr, scheduled_factor, months)
    else:
        if bal_prev is None or bal_curr is None:
            raise must(
                "scheduled_factor", "give scheduled_factor, or both bal_prev and bal_curr", None
            )
        b1 = _nonneg("bal_prev", bal_prev)
        b2 = _nonneg("bal_curr", bal_curr)
        if (b1 == 0).any():
            raise must("bal_prev", "must be > 0", 0.0)
        fs = f1 * b2 / b1
        scalar = _is_scalar(f_prev, f_curr, bal_prev, bal_curr, months)
    if (fs == 0).any():
        raise must(
            "scheduled_factor", "must be > 0 (a pool with no scheduled balance has no SMM)", 0.0
        )
    smm = 1.0 - (f2 / fs) ** (1.0 / n)
    return _out(np.asarray(smm, dtype=np.float64), scalar)


def abs_from_factors(
    f_prev: Any,
    f_curr: Any,
    *,
    bal_prev: Any,
    bal_curr: Any,
    age_prev: Any,
    age_curr: Any,
) -> Any:
    """Historical ABS speed between two pool factors (SF-14, §B.4).

    With ``f = f_curr / f_prev`` and ``b = bal_curr / bal_prev`` (amortised balances at the loan
    ages ``age_prev`` and ``age_curr``), defined as
    ``abs = (b − f) / (age_curr × b − age_prev × f)``: the speed whose SMMs reproduce the
    cumulative paydown. The pool's original size is not needed.
    """
    f1 = _nonneg("f_prev", f_prev)
    f2 = _nonneg("f_curr", f_curr)
    b1 = _nonneg("bal_prev", bal_prev)
    b2 = _nonneg("bal_curr", bal_curr)
    a1 = _months("age_prev", age_prev, minimum=0)
    a2 = _months("age_curr", age_curr, minimum=0)
    if (a2 <= a1).any():
        raise must(
            "age_curr", "must be greater than age_prev", _show(a2.astype(np.float64), a2 <= a1)
        )
    f = f2 / f1
    b = b2 / b1
    speed = (b - f) / (a2 * b - a1 * f)
    return _out(
        np.asarray(speed, dtype=np.float64),
        _is_scalar(f_prev, f_curr, bal_prev, bal_curr, age_prev, age_curr),
    )

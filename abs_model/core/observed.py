"""Observed (realised) performance metrics from reported pool data, and loan delinquency status.

The projection side of the Standard Formulas lives in :mod:`abs_model.core.rates`; this module
measures the same quantities from what a servicer reports. Every function takes scalars or
arrays (a scalar in gives a ``float`` out) and says which convention it follows. Rates are
decimals; a year has exactly 12 monthly periods.

Sources: The Bond Market Association, *Uniform Practices / Standard Formulas* (02/01/99), §B.2
(one-month SMM from factors), §B.3 (average prepayment rates over a period), §B.4 (ABS); the
MBA and OTS delinquency methods as written in US servicing agreements ("a payment due on July 1
not received by the close of business on August 1 is 30 days delinquent" — OTS; "... by the end
of the day immediately preceding the next due date" — MBA); the FFIEC Uniform Retail Credit
Classification policy (closed-end retail loans charged off at 120 days past due, open-end at
180).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from abs_model.core.rates import annual_from_monthly, cpr_to_smm, psa_to_cpr, smm_to_cpr
from abs_model.errors import SolverError, must

__all__ = [
    "CHARGE_OFF_DAYS_CLOSED_END",
    "CHARGE_OFF_DAYS_OPEN_END",
    "FactorSplit",
    "abs_from_smm",
    "annualised_net_loss_rate",
    "average_cpr",
    "average_psa",
    "average_smm",
    "charged_off",
    "cumulative_net_loss_ratio",
    "days_past_due",
    "delinquency_ratio",
    "delinquency_status",
    "factor_split",
    "monthly_payment_rate",
    "net_loss",
    "observed_mdr",
    "observed_smm",
    "psa_from_cpr",
    "roll_rates",
    "severity",
]

FloatArray = npt.NDArray[np.float64]

#: FFIEC Uniform Retail Credit Classification: closed-end retail loans are charged off at 120
#: days past due, open-end (revolving) credit at 180.
CHARGE_OFF_DAYS_CLOSED_END = 120
CHARGE_OFF_DAYS_OPEN_END = 180

#: Days past due at which each delinquency threshold starts (30+, 60+, 90+ ...), in buckets of
#: the pool (M1 1-30, M2 31-60, ...): ``30+`` is M2 and worse, ``60+`` M3+, ``90+`` M4+.
_THRESHOLD_BUCKET = {30: 2, 60: 3, 90: 4, 120: 5, 150: 6}


def _arr(name: str, value: Any) -> FloatArray:
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise must(name, "must be a number or an array of numbers", value) from None
    bad = ~np.isfinite(a)
    if bad.any():
        raise must(name, "must be finite", float(a[bad].flat[0]) if a.ndim else float(a))
    return a


def _out(a: Any, *inputs: Any) -> Any:
    if all(np.ndim(v) == 0 for v in inputs):
        return float(a)
    return np.asarray(a, dtype=np.float64)


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    """``num / den`` with 0 where the denominator is 0 (no base, no rate)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), 0.0)


# -------------------------------------------------------------------------------- speeds
def observed_smm(prepayment: Any, opening_balance: Any, scheduled_principal: Any, defaults: Any = 0.0) -> Any:
    """Realised single monthly mortality of one period (SF-5/SF-7 §B.2.a on balances).

    Defined as ``smm = prepayment / (opening − scheduled_principal − defaults)``: voluntary
    prepayments over the balance that survived the month's scheduled amortisation and defaults —
    the balance that *could* have prepaid (the performing-survivor basis a servicer report
    supports; with ``defaults = 0`` it is the SF factor method's ``(f_sched − f_curr) / f_sched``).
    0 when nothing was left to prepay.
    """
    p = _arr("prepayment", prepayment)
    base = _arr("opening_balance", opening_balance) - _arr("scheduled_principal", scheduled_principal)
    base = base - _arr("defaults", defaults)
    return _out(_ratio(p, base), prepayment, opening_balance, scheduled_principal, defaults)


def psa_from_cpr(cpr: Any, month: Any) -> Any:
    """The PSA multiple whose month-``month`` CPR is ``cpr`` (SF-7/SF-8 §B.2.c; SF-9).

    Defined as ``psa = cpr / (0.002 × min(month, 30))`` (1.5 = 150 % PSA); ``month`` is the
    1-based loan age. After month 29 this is SF-9's ``PSA = CPR / 6 %``.
    """
    c = _arr("cpr", cpr)
    m = _arr("month", month)
    if ((m < 1) | (m != np.round(m))).any():
        raise must("month", "must be a whole number of months >= 1", float(np.min(m)))
    return _out(c / (0.002 * np.minimum(m, 30.0)), cpr, month)


def abs_from_smm(smm: Any, month: Any) -> Any:
    """The ABS speed whose month-``month`` SMM is ``smm`` (inverse of SF-13 §B.4).

    ``abs_to_smm`` defines ``smm = abs / (1 − abs × (month − 1))``; solved for ``abs``:
    ``abs = smm / (1 + smm × (month − 1))``. ``month`` is the 1-based loan age.
    """
    s = _arr("smm", smm)
    m = _arr("month", month)
    return _out(s / (1.0 + s * (m - 1.0)), smm, month)


@dataclass(frozen=True, slots=True)
class FactorSplit:
    """The factor method's intermediate quantities (SF-7 §B.2.a), each a fraction of par.

    ``scheduled_factor = f_prev × bal_curr / bal_prev``; ``amortization = f_prev −
    scheduled_factor``; ``prepayments = scheduled_factor − f_curr``; ``smm = prepayments /
    scheduled_factor``; ``cpr = 1 − (1 − smm) ** 12``.
    """

    scheduled_factor: Any
    amortization: Any
    prepayments: Any
    smm: Any
    cpr: Any


def factor_split(f_prev: Any, f_curr: Any, *, bal_prev: Any, bal_curr: Any) -> FactorSplit:
    """Split one month's factor change into scheduled amortisation and prepayments (SF-7).

    ``bal_prev`` / ``bal_curr`` are the amortised balances per unit of par at the two dates
    (:func:`abs_model.core.rates.scheduled_balance`). See :class:`FactorSplit` for the formulas.
    """
    f1, f2 = _arr("f_prev", f_prev), _arr("f_curr", f_curr)
    b1, b2 = _arr("bal_prev", bal_prev), _arr("bal_curr", bal_curr)
    if (b1 <= 0).any():
        raise must("bal_prev", "must be > 0", float(np.min(b1)))
    fs = f1 * b2 / b1
    smm = _ratio(fs - f2, fs)
    args = (f_prev, f_curr, bal_prev, bal_curr)
    return FactorSplit(
        scheduled_factor=_out(fs, *args),
        amortization=_out(f1 - fs, *args),
        prepayments=_out(fs - f2, *args),
        smm=_out(smm, *args),
        cpr=_out(annual_from_monthly(smm), *args),
    )


def average_smm(actual_balance: Any, scheduled_balance: Any, months: int) -> float:
    """Average SMM over ``months`` months from actual and scheduled balances (SF-12 §B.3).

    ``actual_balance``: the pools' actual balance at the end of the period (a sum over pools is
    taken); ``scheduled_balance``: the balance the same pools would have had at the end with
    scheduled amortisation only, from their actual balances at the start. Defined as
    ``smm = 1 − (Σ actual / Σ scheduled) ** (1 / months)``.
    """
    if isinstance(months, bool) or int(months) != months or months < 1:
        raise must("months", "must be a whole number of months >= 1", months)
    a = float(np.sum(_arr("actual_balance", actual_balance)))
    s = float(np.sum(_arr("scheduled_balance", scheduled_balance)))
    if s <= 0:
        raise must("scheduled_balance", "must sum to > 0", s)
    return float(1.0 - (a / s) ** (1.0 / months))


def average_cpr(actual_balance: Any, scheduled_balance: Any, months: int) -> float:
    """Average CPR over a period (SF-12 §B.3): ``1 − (1 − average_smm) ** 12``."""
    return float(smm_to_cpr(average_smm(actual_balance, scheduled_balance, months)))


def average_psa(
    actual_balance: Any,
    scheduled_balance: Any,
    first_month: Any,
    months: int,
    *,
    tol: float = 1e-10,
) -> float:
    """The PSA multiple that reproduces the pools' actual balance over a period (SF-12 §B.3).

    Pool ``p`` had scheduled end balance ``scheduled_balance[p]`` and loan age ``first_month[p]``
    in the period's first month (1-based). Defined as the ``psa`` solving
    ``Σ_p scheduled_balance[p] × Π_{j<months} (1 − smm(psa, first_month[p] + j)) = Σ actual``,
    found by bisection ("by iterative trial and error", SF-13). Raises :class:`SolverError`
    when the actual balance is not reachable (above scheduled, or every loan gone).
    """
    if isinstance(months, bool) or int(months) != months or months < 1:
        raise must("months", "must be a whole number of months >= 1", months)
    sched = np.atleast_1d(_arr("scheduled_balance", scheduled_balance))
    start = np.atleast_1d(_arr("first_month", first_month))
    target = float(np.sum(_arr("actual_balance", actual_balance)))
    ages = start[:, None] + np.arange(months)[None, :]

    def balance(psa: float) -> float:
        smm = np.asarray(cpr_to_smm(psa_to_cpr(psa, ages)))
        return float(np.sum(sched * np.prod(1.0 - smm, axis=1)))

    lo, hi = 0.0, 1.0
    if balance(lo) < target:
        raise SolverError(f"average_psa: actual balance {target} is above the scheduled balance {balance(lo)}")
    while balance(hi) > target:
        hi *= 2.0
        if hi > 1e4:
            raise SolverError(f"average_psa: no PSA up to {hi:g} brings the balance down to {target}")
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if balance(mid) > target else (lo, mid)
    return 0.5 * (lo + hi)


# -------------------------------------------------------------------------------- defaults & losses
def observed_mdr(defaults: Any, opening_balance: Any) -> Any:
    """Realised monthly default rate: ``mdr = defaults / opening_balance`` (SF-19 §C.3, on the
    prior month's performing balance). Annualise with ``rates.mdr_to_cdr``."""
    d, b = _arr("defaults", defaults), _arr("opening_balance", opening_balance)
    return _out(_ratio(d, b), defaults, opening_balance)


def net_loss(defaults: Any, recoveries: Any) -> Any:
    """Monthly net loss, cash basis: ``net_loss = defaults − recoveries`` of the same month
    (recoveries of earlier defaults reduce this month's loss; may be negative)."""
    return _out(_arr("defaults", defaults) - _arr("recoveries", recoveries), defaults, recoveries)


def annualised_net_loss_rate(net_loss: Any, opening_balance: Any) -> Any:
    """Annualised net loss rate of a month: ``12 × net_loss / opening_balance`` (the
    monthly net loss over the period's opening pool balance, × 12 periods a year)."""
    n, b = _arr("net_loss", net_loss), _arr("opening_balance", opening_balance)
    return _out(12.0 * _ratio(n, b), net_loss, opening_balance)


def cumulative_net_loss_ratio(net_loss: Any, original_balance: float) -> FloatArray:
    """Cumulative net loss ratio (CNL) after each month: ``Σ_{s<=t} net_loss_s / original_balance``
    (on the pool's balance at cut-off; pass cut-off + purchases for a revolving pool)."""
    if not np.isfinite(original_balance) or original_balance <= 0:
        raise must("original_balance", "must be > 0", original_balance)
    return np.cumsum(np.atleast_1d(_arr("net_loss", net_loss))) / float(original_balance)


def severity(defaulted_balance: Any, recoveries: Any) -> Any:
    """Loss severity of a defaulted cohort: ``1 − recoveries / defaulted_balance`` (both totals of
    the same cohort, so a lagged recovery counts against the default it came from)."""
    d, r = _arr("defaulted_balance", defaulted_balance), _arr("recoveries", recoveries)
    return _out(np.where(d != 0, 1.0 - _ratio(r, d), 0.0), defaulted_balance, recoveries)


# -------------------------------------------------------------------------------- delinquency
def delinquency_ratio(buckets: Any, threshold: int = 30) -> Any:
    """Share of the pool ``threshold``+ days past due, by balance or by count.

    ``buckets``: amounts (balances or counts) by bucket M0..M6 in the last axis (shape (7,) or
    (T, 7)). Defined as ``Σ_{j >= j0} buckets[j] / Σ_j buckets[j]`` with ``j0 = 2, 3, 4, 5, 6``
    for ``threshold = 30, 60, 90, 120, 150`` (M1 is 1-30 days, so 30+ is M2 and worse).
    Pass balances for the ratio by balance and counts for the ratio by count.
    """
    if threshold not in _THRESHOLD_BUCKET:
        raise must("threshold", f"must be one of {sorted(_THRESHOLD_BUCKET)} (days)", threshold)
    b = _arr("buckets", buckets)
    if b.shape[-1:] != (7,):
        raise must("buckets", "must have 7 entries (M0..M6) in the last axis", b.shape)
    j0 = _THRESHOLD_BUCKET[threshold]
    r = _ratio(b[..., j0:].sum(axis=-1), b.sum(axis=-1))
    return float(r) if r.ndim == 0 else r


def roll_rates(buckets: Any) -> FloatArray:
    """Roll rates between consecutive buckets, month over month (the flow model's transitions).

    ``buckets``: balances by bucket, shape (T, K) (rows months, columns M0.. in order). Row ``t``
    of the result (shape (T − 1, K − 1)) holds ``buckets[t, j + 1] / buckets[t − 1, j]``: the
    share of bucket ``j`` that rolled one bucket worse (M0→M1, M1→M2, ...); 0 where the earlier
    bucket was empty. Balances that cure or pay are not separated at pool level.
    """
    b = _arr("buckets", buckets)
    if b.ndim != 2 or b.shape[0] < 2 or b.shape[1] < 2:
        raise must("buckets", "must be a (months >= 2, buckets >= 2) table", b.shape)
    return np.asarray(_ratio(b[1:, 1:], b[:-1, :-1]), dtype=np.float64)


def monthly_payment_rate(collections: Any, opening_balance: Any) -> Any:
    """Monthly payment rate (MPR): ``collections / opening_balance`` — all principal and
    fee/interest collected in the month over the balance at its start (credit-card/revolving
    convention)."""
    c, b = _arr("collections", collections), _arr("opening_balance", opening_balance)
    return _out(_ratio(c, b), collections, opening_balance)


# -------------------------------------------------------------------------------- loan status
def _dates(name: str, value: Any) -> pd.DatetimeIndex:
    try:
        idx = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(np.asarray(value, dtype=object))))
    except (ValueError, TypeError):
        raise must(name, "must be dates (YYYY-MM-DD)", value) from None
    return idx.normalize()


def _date_pair(due: Any, as_of: Any) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """Due dates and as-of dates of equal length (one as-of date applies to every due date)."""
    d = _dates("oldest_unpaid_due", due)
    a = _dates("as_of", as_of)
    if len(a) == 1 and len(d) != 1:
        a = pd.DatetimeIndex(np.repeat(a.to_numpy(), len(d)))
    if len(a) != len(d):
        raise must("as_of", f"must be one date or {len(d)} dates (one per due date)", len(a))
    return d, a


def days_past_due(oldest_unpaid_due: Any, as_of: Any) -> npt.NDArray[np.int64]:
    """Days past due at ``as_of``: ``max(as_of − oldest_unpaid_due, 0)`` in calendar days.

    ``oldest_unpaid_due``: the earliest contractual due date not yet paid in full (NaT = none,
    0 days). The due date itself is day 0: a payment due on 1 May and unpaid on 2 May is 1 day
    past due.
    """
    due, asof = _date_pair(oldest_unpaid_due, as_of)
    days = (asof - due).days.to_numpy(dtype=np.float64, na_value=0.0)
    return np.maximum(days, 0.0).astype(np.int64)


def delinquency_status(
    oldest_unpaid_due: Any,
    as_of: Any,
    *,
    method: Literal["mba", "ots"] = "mba",
) -> npt.NDArray[np.int64]:
    """Contractual delinquency in months (0 current, 1 = 30 days, 2 = 60 days, ...) at ``as_of``.

    Monthly instalments are due on the day of month of ``oldest_unpaid_due``. A missed payment
    counts once the deadline for it has passed:

    - ``mba`` (Mortgage Bankers Association): not received by the end of the day *before* the next
      due date. Due 1 April, unpaid on 30 April: 1 (30 days) at the April month-end.
    - ``ots`` (Office of Thrift Supervision / FFIEC): not received by the close of business on the
      due date in the following month. Due 1 July, unpaid on 1 August: 1; at the July month-end
      it is still current. OTS reports one month later than MBA at a month-end.

    Defined as the number of ``k >= 1`` with ``deadline(k) <= as_of``, where ``deadline(k) =
    oldest_unpaid_due + k months − 1 day`` (MBA) or ``oldest_unpaid_due + k months`` (OTS),
    month arithmetic clipped to the month's end.
    """
    if method not in ("mba", "ots"):
        raise must("method", "must be 'mba' or 'ots'", method)
    due, asof = _date_pair(oldest_unpaid_due, as_of)
    shift = 1 if method == "mba" else 0
    valid = ~(due.isna() | asof.isna())
    d = due[valid]
    a = asof[valid]
    months = np.asarray((a.year - d.year) * 12 + (a.month - d.month), dtype=np.int64)
    # deadline(j) = d + j months (day clipped to the month's end) − shift days. Deadlines before
    # as_of's month have passed; only deadline(months) and deadline(months + 1) can still be
    # ahead (with MBA and a due day of 1, deadline(months + 1) is the last day of as_of's month)
    back = pd.to_timedelta(shift, unit="D")
    k = months + 1
    for j in (months + 1, months):
        k = k - np.asarray(_add_months(d, j) - back > a, dtype=np.int64)
    out = np.zeros(len(due), dtype=np.int64)
    out[np.asarray(valid)] = np.maximum(k, 0)
    return out


def _add_months(dates: pd.DatetimeIndex, months: npt.NDArray[np.int64]) -> pd.DatetimeIndex:
    """``dates + months`` months, the day clipped to the target month's last day (vectorised)."""
    total = dates.year.to_numpy() * 12 + (dates.month.to_numpy() - 1) + months
    first = pd.to_datetime({"year": total // 12, "month": total % 12 + 1, "day": 1})
    last_day = first.dt.days_in_month.to_numpy()
    day = np.minimum(dates.day.to_numpy(), last_day)
    return pd.DatetimeIndex(first + pd.to_timedelta(day - 1, unit="D"))


def charged_off(
    days_past_due: Any,
    *,
    threshold_days: int = CHARGE_OFF_DAYS_CLOSED_END,
) -> npt.NDArray[np.bool_]:
    """Charge-off rule: a receivable is charged off once ``days_past_due >= threshold_days``.

    Defaults to 120 days, the FFIEC rule for closed-end consumer credit (instalment loans); use
    :data:`CHARGE_OFF_DAYS_OPEN_END` (180) for revolving credit, or the deal's own default
    definition (e.g. 90 days, 91+ dpd is M4 in the pool's buckets).
    """
    if isinstance(threshold_days, bool) or int(threshold_days) != threshold_days or threshold_days < 1:
        raise must("threshold_days", "must be a whole number of days >= 1", threshold_days)
    d = _arr("days_past_due", days_past_due)
    return np.atleast_1d(d >= threshold_days)


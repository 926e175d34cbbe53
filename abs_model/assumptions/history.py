"""Synthetic loan-month performance history from known parameters: ``synthetic_history``.

It is the test bed of :mod:`abs_model.assumptions.calibration`: a panel simulated loan by loan (vectorised
over loans, looped over calendar months) from a known roll-rate matrix and CPR, so that the
estimates can be checked against the truth.

The simulation follows the roll-rate convention of :mod:`abs_model.projection.engine`, one receivable
at a time. Each receivable is an equal-principal instalment loan (``term`` instalments of
``original_balance / term``) originated at the end of calendar month ``vintage``; in calendar
month ``m`` it is ``months_on_book = m − vintage`` months old and

1. moves from bucket ``i`` to bucket ``j`` with probability ``P[a−1, i, j]`` (``a`` = months on
   book, flat past the last matrix of a stack);
2. pays ``max(0, i − j + 1)`` instalments (0 when rolling forward, 1 when staying, all arrears
   plus the current one when curing), capped at those still owed;
3. if current (``j = 0``) with balance left, prepays the whole balance with probability
   ``SMM = 1 − (1 − CPR)^(1/12)``.

Days past due: 0 in M0; ``30 (j − 1) + due_day`` in Mj (``due_day`` uniform in 1…30 per loan), so
the bucket is ``min(7, ⌈dpd / 30⌉)``. ``defaulted`` is the balance in the month the receivable
first passes ``default_threshold_days`` (90 → entering M4); the loan stays in the panel after
that (it may still cure or roll on). A loan leaves the panel after the month in which its balance
reaches 0 (paid off or prepaid) or it reaches M7 (written off).

Columns: ``loan_id`` (int), ``vintage`` (origination month index), ``month`` (calendar month
index, 1 = the first month after vintage 0), ``months_on_book``, ``term``, ``original_balance``,
``opening_balance``, ``balance`` (end of month), ``days_past_due``, ``scheduled_paid``,
``prepaid``, ``defaulted``; with ``restructured_column=True`` also ``restructured`` (all
``False``; reserved for restructured receivables, a later issue).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from abs_model.assumptions.assumptions import RollRates
from abs_model.core import rates
from abs_model.errors import AssumptionError

__all__ = ["HISTORY_COLUMNS", "bucket_of_dpd", "synthetic_history"]

HISTORY_COLUMNS: tuple[str, ...] = (
    "loan_id",
    "vintage",
    "month",
    "months_on_book",
    "term",
    "original_balance",
    "opening_balance",
    "balance",
    "days_past_due",
    "scheduled_paid",
    "prepaid",
    "defaulted",
)


def bucket_of_dpd(dpd: Any) -> np.ndarray:
    """Delinquency bucket of days past due: ``0`` for 0 dpd, else ``min(7, ⌈dpd / 30⌉)``
    (M1 1–30, …, M6 151–180, M7 180+)."""
    d = np.asarray(dpd, dtype=np.int64)
    return np.minimum(7, (d + 29) // 30).astype(np.int8)


def synthetic_history(
    n_loans: int,
    *,
    seed: int = 0,
    true_roll_rates: Any,
    true_cpr: Any = 0.2,
    months: int = 36,
    vintages: int = 24,
    term: int = 12,
    mean_balance: float = 2000.0,
    balance_sigma: float = 0.6,
    default_threshold_days: int = 90,
    restructured_column: bool = False,
    true_take_up: Mapping[int, float] | None = None,
    true_redefault: float = 0.0,
    plan_periods: int = 6,
) -> pd.DataFrame:
    """Simulate a loan-month panel of ``n_loans`` receivables (see module doc).

    ``true_roll_rates``: a :class:`~abs_model.assumptions.assumptions.RollRates` or an (8, 8) / (M, 8, 8)
    matrix. ``true_cpr``: annual CPR, a scalar or a vector by months on book (flat beyond the
    end). Loans are spread evenly over ``vintages`` monthly vintages ``0 … vintages − 1``, observed
    in calendar months ``1 … months``. Balances are lognormal with mean ``mean_balance`` and log
    volatility ``balance_sigma``, rounded to the cent. Deterministic for a given ``seed``.

    Restructuring (逾期分期 / 协商还款), when ``true_take_up`` is given ({bucket: monthly
    probability}): a loan in bucket b ≥ 1 at the start of a month enters a plan with probability
    ``true_take_up[b]`` instead of rolling (its row shows ``restructured=True``, 0 dpd, no payment);
    each later month it re-defaults with probability ``true_redefault`` (the whole plan balance)
    or pays ``balance / months left`` of a ``plan_periods``-month plan. The ``restructured`` column
    is then always present.
    """
    for name, v in (("n_loans", n_loans), ("months", months), ("vintages", vintages), ("term", term)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise AssumptionError(f"{name}: must be a whole number ≥ 1; got {v!r}")
    if vintages > months:
        raise AssumptionError(
            f"vintages: must be ≤ months ({months}) so that every vintage is observed at least once; got {vintages!r}"
        )
    if default_threshold_days not in (30, 60, 90, 120, 150, 180):
        raise AssumptionError(
            f"default_threshold_days: must be one of 30, 60, 90, 120, 150, 180; got {default_threshold_days!r}"
        )
    if not (np.isfinite(mean_balance) and mean_balance > 0):
        raise AssumptionError(f"mean_balance: must be a number > 0; got {mean_balance!r}")
    if not (np.isfinite(balance_sigma) and balance_sigma >= 0):
        raise AssumptionError(f"balance_sigma: must be a number ≥ 0; got {balance_sigma!r}")
    rr = true_roll_rates if isinstance(true_roll_rates, RollRates) else RollRates(np.asarray(true_roll_rates))
    P = rr.matrix  # (M, 8, 8)
    cum = np.cumsum(P, axis=2)
    cum[:, :, -1] = 1.0
    cpr = np.atleast_1d(np.asarray(true_cpr, dtype=np.float64))
    if cpr.ndim != 1 or not np.all(np.isfinite(cpr)) or cpr.min() < 0 or cpr.max() >= 1:
        bad = cpr.ravel()[0] if cpr.size else cpr
        raise AssumptionError(
            f"true_cpr: must be decimals in [0, 1) (a scalar or a vector by months on book); got {bad!r}"
        )
    smm = rates.cpr_to_smm(cpr)
    d_bucket = default_threshold_days // 30 + 1

    n = int(n_loans)
    rng = np.random.default_rng(seed)
    vintage = (np.arange(n) * vintages) // n  # even spread, oldest first
    mu = np.log(mean_balance) - 0.5 * balance_sigma**2
    original = np.maximum(1.0, np.round(np.exp(mu + balance_sigma * rng.standard_normal(n)), 2))
    due_day = rng.integers(1, 31, size=n)
    bucket = np.zeros(n, dtype=np.int8)
    paid = np.zeros(n, dtype=np.int64)
    balance = original.copy()
    active = np.ones(n, dtype=bool)
    has_defaulted = np.zeros(n, dtype=bool)
    unit = original / term
    take = np.zeros(8)
    for bk, prob in dict(true_take_up or {}).items():
        if not 1 <= int(bk) <= 6 or not 0.0 <= float(prob) <= 1.0:
            raise AssumptionError(f"true_take_up[{bk!r}]: must map buckets 1…6 to probabilities in [0, 1]; got {prob!r}")
        take[int(bk)] = float(prob)
    if not 0.0 <= float(true_redefault) <= 1.0:
        raise AssumptionError(f"true_redefault: must be a probability in [0, 1]; got {true_redefault!r}")
    if isinstance(plan_periods, bool) or int(plan_periods) != plan_periods or plan_periods < 1:
        raise AssumptionError(f"plan_periods: must be a whole number ≥ 1; got {plan_periods!r}")
    restructuring = true_take_up is not None
    in_plan = np.zeros(n, dtype=bool)
    plan_left = np.zeros(n, dtype=np.int64)

    parts: list[dict[str, np.ndarray]] = []
    for m in range(1, int(months) + 1):
        idx = np.flatnonzero(active & (vintage < m))
        if idx.size == 0:
            continue
        mob = m - vintage[idx]
        b = bucket[idx]
        c = cum[np.minimum(mob, P.shape[0]) - 1, b]  # (k, 8)
        u = rng.random(idx.size)
        new = np.minimum(7, (c <= u[:, None]).sum(axis=1)).astype(np.int8)
        pay = np.minimum(np.maximum(0, b.astype(np.int64) - new + 1), term - paid[idx])
        k_after = paid[idx] + pay
        opening = balance[idx]
        after_sched = np.where(k_after >= term, 0.0, original[idx] - unit[idx] * k_after)
        after_sched = np.minimum(after_sched, opening)
        scheduled = opening - after_sched
        smm_m = smm[np.minimum(mob, smm.size) - 1]
        prepay = (new == 0) & (after_sched > 0) & (rng.random(idx.size) < smm_m)
        prepaid = np.where(prepay, after_sched, 0.0)
        end = after_sched - prepaid
        first_default = (new >= d_bucket) & ~has_defaulted[idx]
        defaulted = np.where(first_default, end, 0.0)
        dpd = np.where(new == 0, 0, 30 * (new.astype(np.int64) - 1) + due_day[idx])
        flag = np.zeros(idx.size, dtype=bool)
        if restructuring:
            plan = in_plan[idx]
            enter = ~plan & (b >= 1) & (rng.random(idx.size) < take[b])
            redefault = plan & (rng.random(idx.size) < true_redefault)
            paying = plan & ~redefault
            left = np.maximum(plan_left[idx], 1)
            plan_pay = np.where(paying, opening / left, 0.0)
            scheduled = np.where(plan, plan_pay, np.where(enter, 0.0, scheduled))
            prepaid = np.where(plan | enter, 0.0, prepaid)
            end = np.where(redefault, 0.0, np.where(paying, opening - plan_pay, np.where(enter, opening, end)))
            defaulted = np.where(redefault, opening, np.where(plan | enter, 0.0, defaulted))
            first_default = np.where(plan | enter, redefault & ~has_defaulted[idx], first_default)
            dpd = np.where(plan | enter, 0, dpd)
            new = np.where(plan | enter, 0, new).astype(np.int8)
            flag = plan | enter
            plan_left[idx] = np.where(enter, int(plan_periods), np.where(paying, plan_left[idx] - 1, plan_left[idx]))
            in_plan[idx] = (enter | paying) & (plan_left[idx] > 0)

        parts.append(
            {
                "loan_id": idx.astype(np.int64),
                "vintage": vintage[idx],
                "month": np.full(idx.size, m, dtype=np.int64),
                "months_on_book": mob,
                "term": np.full(idx.size, term, dtype=np.int64),
                "original_balance": original[idx],
                "opening_balance": opening,
                "balance": end,
                "days_past_due": dpd,
                "scheduled_paid": scheduled,
                "prepaid": prepaid,
                "defaulted": defaulted,
                "restructured": flag,
            }
        )
        bucket[idx] = new
        paid[idx] = k_after
        balance[idx] = end
        has_defaulted[idx] |= first_default
        active[idx] = (end > 0) & ((new < 7) | in_plan[idx])

    if not parts:  # pragma: no cover - months ≥ 1 and vintage 0 is always observed
        return pd.DataFrame({c: [] for c in HISTORY_COLUMNS})
    cols = (*HISTORY_COLUMNS, "restructured") if (restructured_column or restructuring) else HISTORY_COLUMNS
    df = pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in cols})
    df = df.sort_values(["loan_id", "month"], kind="stable").reset_index(drop=True)
    df.attrs["generator"] = {
        "seed": seed,
        "true_cpr": cpr.tolist(),
        "default_threshold_days": default_threshold_days,
        "months": months,
        "vintages": vintages,
        "term": term,
    }
    return df

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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from abs_model.assumptions.assumptions import RollRates
from abs_model.core import rates
from abs_model.core.delinquency import bucket_of_dpd
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
    P, smm, take = _check_generator(
        n_loans=n_loans,
        months=months,
        vintages=vintages,
        term=term,
        default_threshold_days=default_threshold_days,
        mean_balance=mean_balance,
        balance_sigma=balance_sigma,
        true_roll_rates=true_roll_rates,
        true_cpr=true_cpr,
        true_take_up=true_take_up,
        true_redefault=true_redefault,
        plan_periods=plan_periods,
    )
    d_bucket = default_threshold_days // 30 + 1
    n = int(n_loans)
    rng = np.random.default_rng(seed)
    vintage = (np.arange(n) * vintages) // n  # even spread, oldest first
    mu = np.log(mean_balance) - 0.5 * balance_sigma**2
    original = np.maximum(1.0, np.round(np.exp(mu + balance_sigma * rng.standard_normal(n)), 2))
    book = _Book.start(original, due_day=rng.integers(1, 31, size=n), term=term)
    restructuring = true_take_up is not None
    parts: list[dict[str, np.ndarray]] = []
    for m in range(1, int(months) + 1):
        idx = np.flatnonzero(book.active & (vintage < m))
        if idx.size == 0:
            continue
        row = _roll_month(book, idx, m - vintage[idx], P=P, smm=smm, rng=rng, d_bucket=d_bucket)
        if restructuring:
            _plan_month(book, idx, row, take=take, redefault=float(true_redefault), plan_periods=int(plan_periods), rng=rng)
        row.update(loan_id=idx.astype(np.int64), vintage=vintage[idx], month=np.full(idx.size, m, dtype=np.int64))
        row.update(months_on_book=m - vintage[idx], term=np.full(idx.size, term, dtype=np.int64), original_balance=original[idx])
        parts.append(row)
        book.close_month(idx, row)

    cols = (*HISTORY_COLUMNS, "restructured") if (restructured_column or restructuring) else HISTORY_COLUMNS
    cpr = np.atleast_1d(np.asarray(true_cpr, dtype=np.float64)).tolist()
    generator = dict(seed=seed, true_cpr=cpr, default_threshold_days=default_threshold_days, months=months, vintages=vintages, term=term)
    return _panel(parts, cols, generator)


def _panel(parts: list[dict[str, np.ndarray]], cols: tuple[str, ...], generator: dict[str, Any]) -> pd.DataFrame:
    """The loan-month rows sorted by loan and month, with the generator's parameters in ``attrs``."""
    if not parts:  # pragma: no cover - months ≥ 1 and vintage 0 is always observed
        return pd.DataFrame({c: [] for c in HISTORY_COLUMNS})
    df = pd.DataFrame({c: np.concatenate([p[c] for p in parts]) for c in cols})
    df = df.sort_values(["loan_id", "month"], kind="stable").reset_index(drop=True)
    df.attrs["generator"] = generator
    return df


def _check_generator(
    *,
    n_loans: int,
    months: int,
    vintages: int,
    term: int,
    default_threshold_days: int,
    mean_balance: float,
    balance_sigma: float,
    true_roll_rates: Any,
    true_cpr: Any,
    true_take_up: Mapping[int, float] | None,
    true_redefault: float,
    plan_periods: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate the generator's inputs; return the roll stack (M, 8, 8), SMM by months on book
    and the take-up by bucket (8,)."""
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
    cpr = np.atleast_1d(np.asarray(true_cpr, dtype=np.float64))
    if cpr.ndim != 1 or not np.all(np.isfinite(cpr)) or cpr.min() < 0 or cpr.max() >= 1:
        bad = cpr.ravel()[0] if cpr.size else cpr
        raise AssumptionError(
            f"true_cpr: must be decimals in [0, 1) (a scalar or a vector by months on book); got {bad!r}"
        )
    take = np.zeros(8)
    for bk, prob in dict(true_take_up or {}).items():
        if not 1 <= int(bk) <= 6 or not 0.0 <= float(prob) <= 1.0:
            raise AssumptionError(f"true_take_up[{bk!r}]: must map buckets 1…6 to probabilities in [0, 1]; got {prob!r}")
        take[int(bk)] = float(prob)
    if not 0.0 <= float(true_redefault) <= 1.0:
        raise AssumptionError(f"true_redefault: must be a probability in [0, 1]; got {true_redefault!r}")
    if isinstance(plan_periods, bool) or int(plan_periods) != plan_periods or plan_periods < 1:
        raise AssumptionError(f"plan_periods: must be a whole number ≥ 1; got {plan_periods!r}")
    return rr.matrix, rates.cpr_to_smm(cpr), take


@dataclass(frozen=True, slots=True)
class _Book:
    """Per-loan state of the simulation (arrays updated in place)."""

    original: np.ndarray
    due_day: np.ndarray
    unit: np.ndarray  # principal per instalment
    term: int
    bucket: np.ndarray
    paid: np.ndarray
    balance: np.ndarray
    active: np.ndarray
    has_defaulted: np.ndarray
    in_plan: np.ndarray
    plan_left: np.ndarray

    @classmethod
    def start(cls, original: np.ndarray, *, due_day: np.ndarray, term: int) -> _Book:
        n = original.size
        return cls(
            original,
            due_day,
            original / term,
            term,
            np.zeros(n, dtype=np.int8),
            np.zeros(n, dtype=np.int64),
            original.copy(),
            np.ones(n, dtype=bool),
            np.zeros(n, dtype=bool),
            np.zeros(n, dtype=bool),
            np.zeros(n, dtype=np.int64),
        )

    def close_month(self, idx: np.ndarray, row: dict[str, np.ndarray]) -> None:
        """Carry the month's end state of loans ``idx`` (the row's private ``_`` keys) forward."""
        row.pop("_b", None)
        new = row.pop("_bucket")
        self.bucket[idx] = new
        self.paid[idx] = row.pop("_k_after")
        self.balance[idx] = row["balance"]
        self.has_defaulted[idx] |= row.pop("_first_default")
        self.active[idx] = (row["balance"] > 0) & ((new < 7) | self.in_plan[idx])


def _roll_month(
    book: _Book, idx: np.ndarray, mob: np.ndarray, *, P: np.ndarray, smm: np.ndarray, rng: np.random.Generator, d_bucket: int
) -> dict[str, np.ndarray]:
    """One calendar month of loans ``idx`` under the roll-rate convention (module doc, steps 1–3)."""
    cum = np.cumsum(P, axis=2)
    cum[:, :, -1] = 1.0
    b = book.bucket[idx]
    c = cum[np.minimum(mob, P.shape[0]) - 1, b]  # (k, 8)
    u = rng.random(idx.size)
    new = np.minimum(7, (c <= u[:, None]).sum(axis=1)).astype(np.int8)
    pay = np.minimum(np.maximum(0, b.astype(np.int64) - new + 1), book.term - book.paid[idx])
    k_after = book.paid[idx] + pay
    opening = book.balance[idx]
    after_sched = np.where(k_after >= book.term, 0.0, book.original[idx] - book.unit[idx] * k_after)
    after_sched = np.minimum(after_sched, opening)
    scheduled = opening - after_sched
    smm_m = smm[np.minimum(mob, smm.size) - 1]
    prepay = (new == 0) & (after_sched > 0) & (rng.random(idx.size) < smm_m)
    prepaid = np.where(prepay, after_sched, 0.0)
    end = after_sched - prepaid
    first_default = (new >= d_bucket) & ~book.has_defaulted[idx]
    return {
        "opening_balance": opening,
        "balance": end,
        "days_past_due": np.where(new == 0, 0, 30 * (new.astype(np.int64) - 1) + book.due_day[idx]),
        "scheduled_paid": scheduled,
        "prepaid": prepaid,
        "defaulted": np.where(first_default, end, 0.0),
        "restructured": np.zeros(idx.size, dtype=bool),
        "_bucket": new,
        "_k_after": k_after,
        "_first_default": first_default,
        "_b": b,
    }


def _plan_month(
    book: _Book,
    idx: np.ndarray,
    row: dict[str, np.ndarray],
    *,
    take: np.ndarray,
    redefault: float,
    plan_periods: int,
    rng: np.random.Generator,
) -> None:
    """Restructuring in the month (``synthetic_history`` doc): entries instead of rolling, plan
    payments ``balance / months left``, whole-plan re-defaults; updates ``row`` in place."""
    b = row.pop("_b")
    opening = row["opening_balance"]
    plan = book.in_plan[idx]
    enter = ~plan & (b >= 1) & (rng.random(idx.size) < take[b])
    re_def = plan & (rng.random(idx.size) < redefault)
    paying = plan & ~re_def
    left = np.maximum(book.plan_left[idx], 1)
    plan_pay = np.where(paying, opening / left, 0.0)
    row["scheduled_paid"] = np.where(plan, plan_pay, np.where(enter, 0.0, row["scheduled_paid"]))
    row["prepaid"] = np.where(plan | enter, 0.0, row["prepaid"])
    row["balance"] = np.where(re_def, 0.0, np.where(paying, opening - plan_pay, np.where(enter, opening, row["balance"])))
    row["defaulted"] = np.where(re_def, opening, np.where(plan | enter, 0.0, row["defaulted"]))
    row["_first_default"] = np.where(plan | enter, re_def & ~book.has_defaulted[idx], row["_first_default"])
    row["days_past_due"] = np.where(plan | enter, 0, row["days_past_due"])
    row["_bucket"] = np.where(plan | enter, 0, row["_bucket"]).astype(np.int8)
    row["restructured"] = plan | enter
    book.plan_left[idx] = np.where(enter, plan_periods, np.where(paying, book.plan_left[idx] - 1, book.plan_left[idx]))
    book.in_plan[idx] = (enter | paying) & (book.plan_left[idx] > 0)

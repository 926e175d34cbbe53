"""Calibrate projection assumptions from a loan-month performance history: ``calibrate(history)``.

Input: a loan-month panel (one row per receivable and calendar month) with columns ``loan_id``,
``vintage``, ``month`` (an integer month index, e.g. ``12 × year + month``), ``months_on_book``,
``original_balance``, ``balance`` (end of month), ``days_past_due``, ``prepaid``;
:func:`abs_model.assumptions.history.synthetic_history` writes one.

Estimates (``w`` is 1 per row with ``weights="count"`` or the balance at the start of the month
with ``weights="balance"``, the industry's "dollar roll rate"):

- **Roll-rate matrix** ``P̂[i, j] = Σ w·1{i → j} / Σ w·1{from i}``, the bucket at the end of the
  previous month to the bucket at the end of this one (bucket ``min(7, ⌈dpd/30⌉)``; a loan's first
  month starts from M0 at its original balance). With ``by_months_on_book=True`` one matrix per
  months on book ``a`` (the transition *into* month ``a``, ``matrix[a−1]`` in
  :class:`~abs_model.assumptions.assumptions.RollRates`); a row seen fewer than ``min_count`` times at some age
  takes the all-ages row. A row never seen rolls forward (``P[i, i+1] = 1``, conservative); M7 is
  absorbing. Transitions that skip buckets (``j > i + 1``, reporting gaps), rows after a missing
  month and a loan's first row when it is not its first month on book (no known previous state)
  are left out and counted in ``irregular_transitions``.
  Standard error ``√(p̂(1−p̂)/n_eff)``, ``n_eff = (Σw)² / Σw²`` (Kish; ``= n`` for counts).
- **SMM** over the rows current at the end of the month with balance left after their scheduled
  instalment: ``SMM = Σ w·prepaid/(balance + prepaid)`` weighted as above (count weights: the share
  of such rows that prepay in full; balance weights: ``Σ prepaid / Σ (balance + prepaid)``);
  ``CPR = 1 − (1 − SMM)^12``; by months on book too (``smm_by_months_on_book``).
- **Cumulative default by vintage**: a receivable defaults in the first month its days past due
  exceed ``default_threshold_days``, for the balance it then has; ``C[v, a]`` = cumulative defaults
  of vintage ``v`` up to months on book ``a`` / the vintage's originated balance. A vintage is
  observed up to ``a_v = last month − latest origination month in the vintage``; later cells are
  NaN (the triangle).
- **Extrapolation** by :func:`chain_ladder`: volume-weighted development factors
  ``f_a = Σ_v B_v C[v, a+1] / Σ_v B_v C[v, a]`` over the vintages observed at ``a + 1``; a vintage
  with nothing defaulted yet (or an undefined factor) develops additively by the average
  increment ``Δ_a = Σ_v B_v (C[v, a+1] − C[v, a]) / Σ_v B_v``; no development past the oldest
  observed age (tail factor 1). Lifetime rate ``C[v, A]``; timing curve
  ``τ_a = (C̄_a − C̄_{a−1}) / C̄_A`` of the balance-weighted completed curve ``C̄``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from abs_model.assumptions.assumptions import N_BUCKETS, Assumptions, Curve, RollRates
from abs_model.assumptions.servicing import CollectionStrategy, Restructuring
from abs_model.core import rates
from abs_model.core.delinquency import bucket_of_dpd
from abs_model.errors import AssumptionError

__all__ = ["REQUIRED_COLUMNS", "Calibration", "ChainLadder", "calibrate", "chain_ladder"]

REQUIRED_COLUMNS: tuple[str, ...] = (
    "loan_id",
    "vintage",
    "month",
    "months_on_book",
    "original_balance",
    "balance",
    "days_past_due",
    "prepaid",
)
Weights = Literal["count", "balance"]


@dataclass(frozen=True)
class ChainLadder:
    """A completed development triangle (see module doc for the formulas).

    ``triangle`` and ``completed``: vintages × months on book (cumulative rates); ``factors`` and
    ``increments`` indexed by the age ``a`` they develop from (``a → a + 1``); ``lifetime`` per
    vintage; ``curve`` the balance-weighted completed cumulative curve ``C̄``; ``timing`` its
    shares by months on book (sum 1, or all 0 with no defaults); ``lifetime_rate = C̄_A``.
    """

    triangle: pd.DataFrame
    completed: pd.DataFrame
    factors: pd.Series
    increments: pd.Series
    lifetime: pd.Series
    curve: pd.Series
    timing: pd.Series
    lifetime_rate: float


def chain_ladder(triangle: pd.DataFrame, *, weights: pd.Series | None = None) -> ChainLadder:
    """Complete a cumulative triangle (rows vintages, columns ages 1…A, NaN where not yet
    observed; observed cells must form a prefix of each row) by volume-weighted chain-ladder.

    ``weights`` (per vintage, e.g. originated balance) weight the factors, the increments and the
    pooled curve; equal weights by default.
    """
    tri = triangle.astype(np.float64)
    C = tri.to_numpy(copy=True)
    V, A = C.shape
    if V == 0 or A == 0:
        raise AssumptionError(f"triangle: must have at least one vintage and one age; got shape {C.shape}")
    obs = ~np.isnan(C)
    n_obs = obs.sum(axis=1)
    if np.any(obs & (np.arange(A)[None, :] >= n_obs[:, None])):
        v = int(np.argwhere(obs & (np.arange(A)[None, :] >= n_obs[:, None]))[0, 0])
        raise AssumptionError(
            f"triangle: observed cells must be a prefix of each row (ages 1…a_v); got a gap in vintage {tri.index[v]!r}"
        )
    if np.any(n_obs == 0):
        v = int(np.flatnonzero(n_obs == 0)[0])
        raise AssumptionError(f"triangle: every vintage needs at least one observed age; got none for {tri.index[v]!r}")
    w = np.ones(V) if weights is None else np.asarray(pd.Series(weights).reindex(tri.index), dtype=np.float64)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise AssumptionError(f"weights: must be ≥ 0 per vintage, not all 0; got {w.tolist()[:5]}")
    factors = np.full(A - 1, np.nan)
    incr = np.zeros(A - 1)
    for a in range(A - 1):
        both = obs[:, a + 1]
        if not both.any():
            continue
        num = float(np.dot(w[both], C[both, a + 1]))
        den = float(np.dot(w[both], C[both, a]))
        if den > 0:
            factors[a] = num / den
        ws = w[both].sum()
        incr[a] = float(np.dot(w[both], C[both, a + 1] - C[both, a])) / ws if ws > 0 else 0.0
    done = C.copy()
    for v in range(V):
        for a in range(int(n_obs[v]) - 1, A - 1):
            f = factors[a]
            done[v, a + 1] = done[v, a] * f if (np.isfinite(f) and done[v, a] > 0) else done[v, a] + incr[a]
    ages = pd.Index(tri.columns, name=tri.columns.name or "months_on_book")
    completed = pd.DataFrame(done, index=tri.index, columns=ages)
    curve = pd.Series(np.dot(w, done) / w.sum(), index=ages, name="cumulative_default")
    life = float(curve.iloc[-1])
    inc = np.diff(np.concatenate([[0.0], curve.to_numpy()]))
    timing = pd.Series(inc / life if life > 0 else np.zeros(A), index=ages, name="default_timing")
    return ChainLadder(
        triangle=tri,
        completed=completed,
        factors=pd.Series(factors, index=ages[:-1], name="factor"),
        increments=pd.Series(incr, index=ages[:-1], name="increment"),
        lifetime=completed.iloc[:, -1].rename("lifetime_default"),
        curve=curve,
        timing=timing,
        lifetime_rate=life,
    )


@dataclass(frozen=True)
class Calibration:
    """Estimates from a performance history (see module doc for every formula).

    ``roll_rates`` is ready for :class:`~abs_model.assumptions.assumptions.Assumptions`; ``transition_counts``
    (M, 8, 8) holds the number of observed transitions behind each cell (M = 1 unless by months on
    book), ``roll_rate_se`` the standard errors, ``roll_rate_n_eff`` the effective sample size of
    each row. ``vintages`` is the chain-ladder result on the cumulative-default triangle.
    """

    roll_rates: RollRates
    transition_counts: np.ndarray
    roll_rate_se: np.ndarray
    roll_rate_n_eff: np.ndarray
    smm: float
    smm_se: float
    smm_n_eff: float
    smm_by_months_on_book: pd.Series
    vintages: ChainLadder
    default_threshold_days: int
    by_months_on_book: bool
    weights: Weights
    irregular_transitions: int
    n_loans: int
    n_rows: int
    take_up: Mapping[int, float] = field(default_factory=dict)
    take_up_se: Mapping[int, float] = field(default_factory=dict)
    redefault_rate: float | None = None
    redefault_se: float | None = None

    @property
    def cpr(self) -> float:
        """``CPR = 1 − (1 − SMM)^12``."""
        return float(rates.smm_to_cpr(self.smm))

    @property
    def cpr_by_months_on_book(self) -> pd.Series:
        """``1 − (1 − SMM_a)^12`` by months on book ``a``."""
        return pd.Series(
            rates.smm_to_cpr(self.smm_by_months_on_book.to_numpy()), index=self.smm_by_months_on_book.index, name="cpr"
        )

    @property
    def lifetime_default_rate(self) -> float:
        """Balance-weighted lifetime cumulative default rate over all vintages (``C̄_A``)."""
        return self.vintages.lifetime_rate

    @property
    def default_timing(self) -> pd.Series:
        """Share of lifetime defaults by months on book (sums to 1)."""
        return self.vintages.timing

    def assumptions(
        self,
        *,
        default_model: Literal["roll_rate", "cumulative_default"] = "roll_rate",
        recovery_rate: float = 0.0,
        recovery_lag: int = 0,
        plan_periods: int = 6,
        **options: Any,
    ) -> Assumptions:
        """An :class:`Assumptions` from the estimates, ready for :func:`abs_model.project`.

        ``default_model="roll_rate"``: the estimated matrix (or stack), default at
        ``default_threshold_days``; ``"cumulative_default"``: the lifetime rate with the timing
        curve by period (months on book = period for a pool of new receivables). Prepayment: the
        constant CPR, or the CPR by age with ``by_months_on_book``. The history carries no
        recoveries: give ``recovery_rate`` and ``recovery_lag``; ``options`` pass through to
        :meth:`Assumptions.make` (e.g. ``servicing_fee``). When the history has a ``restructured``
        flag, the roll-rate assumptions include the estimated restructuring take-up by bucket and
        re-default rate, with plans of ``plan_periods`` months (the plan length is not estimated).
        """
        cpr: Any = self.cpr
        if self.by_months_on_book:
            cpr = Curve(np.nan_to_num(self.cpr_by_months_on_book.to_numpy(), nan=self.cpr), "age")
        common: dict[str, Any] = dict(cpr=cpr, recovery_rate=recovery_rate, recovery_lag=recovery_lag, **options)
        if default_model == "roll_rate":
            if self.take_up and "collections" not in common:
                # the history carried restructured plans: model them as their own state
                common["collections"] = CollectionStrategy(
                    "calibrated restructuring",
                    restructuring=Restructuring(
                        take_up=dict(self.take_up),
                        periods=int(plan_periods),
                        redefault_rate=float(self.redefault_rate or 0.0),
                    ),
                )
            return Assumptions.make(
                roll_rates=self.roll_rates, default_threshold_days=self.default_threshold_days, **common
            )
        if default_model == "cumulative_default":
            timing = self.default_timing.to_numpy()
            if self.lifetime_default_rate <= 0:
                timing = np.zeros_like(timing)
                timing[0] = 1.0
            return Assumptions.make(
                cumulative_default=float(self.lifetime_default_rate),
                default_timing=timing.tolist(),
                timing_unit="period",
                **common,
            )
        raise AssumptionError(f"default_model: must be 'roll_rate' or 'cumulative_default'; got {default_model!r}")

    def summary(self) -> Mapping[str, float]:
        """Headline estimates."""
        return {
            "cpr": self.cpr,
            "smm": self.smm,
            "smm_se": self.smm_se,
            "lifetime_default_rate": self.lifetime_default_rate,
            "n_loans": float(self.n_loans),
            "n_rows": float(self.n_rows),
            "irregular_transitions": float(self.irregular_transitions),
        }


def calibrate(
    history: pd.DataFrame,
    *,
    by_months_on_book: bool = False,
    default_threshold_days: int = 90,
    weights: Weights = "count",
    min_count: int = 30,
) -> Calibration:
    """Estimate roll rates, SMM/CPR and vintage default curves from a loan-month panel.

    See the module doc for the data required and every estimator.
    """
    _check_calibration_inputs(history, default_threshold_days, weights, min_count)
    h = history.sort_values(["loan_id", "month"], kind="stable")
    loan = h["loan_id"].to_numpy()
    month = _ints(h, "month")
    mob = _ints(h, "months_on_book")
    dpd = _ints(h, "days_past_due")
    bal = _floats(h, "balance")
    orig = _floats(h, "original_balance")
    prepaid = _floats(h, "prepaid")
    _check_panel(mob, dpd, bal, orig, prepaid)
    bucket = bucket_of_dpd(dpd).astype(np.int64)
    n = len(h)

    # previous state of each row: the same loan's previous month, or M0 at origination
    same = np.zeros(n, dtype=bool)
    same[1:] = loan[1:] == loan[:-1]
    prev_b = np.zeros(n, dtype=np.int64)
    prev_bal = orig.copy()
    prev_b[1:] = np.where(same[1:], bucket[:-1], 0)
    prev_bal[1:] = np.where(same[1:], bal[:-1], orig[1:])
    contiguous = np.where(same, np.r_[False, month[1:] - month[:-1] == 1], mob == 1)
    valid = contiguous & (prev_b < 7)
    plans = _plan_estimates(h, same, contiguous, valid, prev_b, prev_bal)
    if plans is not None:
        valid &= ~plans.in_or_entering
    skip = valid & (bucket > prev_b + 1)
    irregular = int(skip.sum()) + int((~contiguous).sum())
    valid &= ~skip
    w = np.ones(n) if weights == "count" else prev_bal
    counts, P, se, neff = _transitions(mob, prev_b, bucket, valid, w, by_months_on_book, int(min_count))
    smm, smm_se, smm_n, smm_by_age = _smm_estimates(bucket, bal, prepaid, mob, weights)
    tri, vol = _default_triangle(h, month, mob, dpd, bal, orig, default_threshold_days)
    return Calibration(
        roll_rates=RollRates(P),
        transition_counts=counts,
        roll_rate_se=se,
        roll_rate_n_eff=neff,
        smm=smm,
        smm_se=smm_se,
        smm_n_eff=smm_n,
        smm_by_months_on_book=smm_by_age,
        vintages=chain_ladder(tri, weights=vol),
        default_threshold_days=int(default_threshold_days),
        by_months_on_book=bool(by_months_on_book),
        weights=weights,
        irregular_transitions=irregular,
        n_loans=int(pd.unique(loan).size),
        n_rows=n,
        take_up={} if plans is None else plans.take_up,
        take_up_se={} if plans is None else plans.take_up_se,
        redefault_rate=None if plans is None else plans.redefault,
        redefault_se=None if plans is None else plans.redefault_se,
    )


def _check_calibration_inputs(history: Any, default_threshold_days: int, weights: str, min_count: int) -> None:
    if not isinstance(history, pd.DataFrame):
        raise AssumptionError(
            f"history: must be a pandas DataFrame (one row per loan and month); got {type(history).__name__}"
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in history.columns]
    if missing:
        raise AssumptionError(f"history: must have the columns {list(REQUIRED_COLUMNS)}; missing {missing}")
    if len(history) == 0:
        raise AssumptionError("history: must have at least one row; got an empty table")
    if default_threshold_days not in (30, 60, 90, 120, 150, 180):
        raise AssumptionError(
            f"default_threshold_days: must be one of 30, 60, 90, 120, 150, 180; got {default_threshold_days!r}"
        )
    if weights not in ("count", "balance"):
        raise AssumptionError(f"weights: must be 'count' or 'balance'; got {weights!r}")
    if int(min_count) != min_count or min_count < 1:
        raise AssumptionError(f"min_count: must be a whole number ≥ 1; got {min_count!r}")


def _check_panel(mob: np.ndarray, dpd: np.ndarray, bal: np.ndarray, orig: np.ndarray, prepaid: np.ndarray) -> None:
    if np.any(mob < 1):
        raise AssumptionError(
            f"months_on_book: must be ≥ 1 (1 = the first month after origination); got {int(mob.min())}"
        )
    if np.any(dpd < 0):
        raise AssumptionError(f"days_past_due: must be ≥ 0; got {int(dpd.min())}")
    for name, arr in (("balance", bal), ("original_balance", orig), ("prepaid", prepaid)):
        if np.any(arr < 0):
            raise AssumptionError(f"{name}: must be ≥ 0; got {float(arr.min())!r}")


@dataclass(frozen=True, slots=True)
class _Plans:
    take_up: dict[int, float]
    take_up_se: dict[int, float]
    redefault: float | None
    redefault_se: float | None
    in_or_entering: np.ndarray  # rows that are not bucket transitions


def _plan_estimates(
    h: pd.DataFrame,
    same: np.ndarray,
    contiguous: np.ndarray,
    valid: np.ndarray,
    prev_b: np.ndarray,
    prev_bal: np.ndarray,
) -> _Plans | None:
    """Restructured receivables (逾期分期 / 协商还款) are a state of their own: months in a plan
    are not bucket transitions. Take-up of bucket b = entries ÷ receivables at risk in b (not in
    a plan the month before); re-default = plan months that default ÷ plan months."""
    if "restructured" not in h.columns:
        return None
    n = len(h)
    take_up: dict[int, float] = {}
    take_up_se: dict[int, float] = {}
    redefault = redefault_se = None
    flag = h["restructured"].to_numpy().astype(bool)
    prev_flag = np.zeros(n, dtype=bool)
    prev_flag[1:] = np.where(same[1:], flag[:-1], False)
    at_risk = valid & ~prev_flag
    entered = at_risk & flag
    for b in range(1, 7):
        den = at_risk & (prev_b == b)
        if den.any():
            p_b, se_b, _ = _ratio(entered[den].astype(np.float64), np.ones(int(den.sum())))
            take_up[b], take_up_se[b] = p_b, se_b
    in_plan = contiguous & prev_flag & (prev_bal > 0)
    if in_plan.any():
        d = _floats(h, "defaulted")[in_plan] > 0
        redefault, redefault_se, _ = _ratio(d.astype(np.float64), np.ones(int(in_plan.sum())))
    return _Plans(take_up, take_up_se, redefault, redefault_se, flag | prev_flag)


def _transitions(
    mob: np.ndarray,
    prev_b: np.ndarray,
    bucket: np.ndarray,
    valid: np.ndarray,
    w: np.ndarray,
    by_months_on_book: bool,
    min_count: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(counts, P, se, n_eff) of the roll-rate matrix from the valid transitions (see _rows)."""
    M = int(mob[valid].max()) if by_months_on_book and valid.any() else 1
    age = np.minimum(mob, M) - 1 if by_months_on_book else np.zeros(len(mob), dtype=np.int64)
    flat = (age[valid] * N_BUCKETS + prev_b[valid]) * N_BUCKETS + bucket[valid]
    size = M * N_BUCKETS * N_BUCKETS
    counts = np.bincount(flat, minlength=size).reshape(M, N_BUCKETS, N_BUCKETS).astype(np.float64)
    wsum = np.bincount(flat, weights=w[valid], minlength=size).reshape(M, N_BUCKETS, N_BUCKETS)
    w2 = np.bincount(flat, weights=w[valid] ** 2, minlength=size).reshape(M, N_BUCKETS, N_BUCKETS)
    P, se, neff = _rows(wsum, w2, counts, min_count=min_count)
    return counts, P, se, neff


def _smm_estimates(
    bucket: np.ndarray, bal: np.ndarray, prepaid: np.ndarray, mob: np.ndarray, weights: str
) -> tuple[float, float, float, pd.Series]:
    """SMM: current at the end of the month, with balance left after the scheduled instalment;
    overall (with its standard error and effective count) and by months on book."""
    base = bal + prepaid
    elig = (bucket == 0) & (base > 0)
    if weights == "count":
        x = (prepaid[elig] > 0).astype(np.float64)
        we = np.ones(int(elig.sum()))
    else:
        x = np.divide(prepaid[elig], base[elig])
        we = base[elig]
    smm, smm_se, smm_n = _ratio(x, we)
    ages_e = mob[elig]
    by_age = {}
    for a in np.unique(ages_e):
        sel = ages_e == a
        by_age[int(a)] = _ratio(x[sel], we[sel])[0]
    smm_by_age = pd.Series(by_age, name="smm", dtype=np.float64)
    smm_by_age.index.name = "months_on_book"
    return smm, smm_se, smm_n, smm_by_age


def _rows(
    wsum: np.ndarray, w2: np.ndarray, counts: np.ndarray, *, min_count: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-normalise weighted transition sums; fall back as the module doc says."""
    tot = wsum.sum(axis=2, keepdims=True)
    n_rows = counts.sum(axis=2)
    pooled_w = wsum.sum(axis=0)
    pooled_t = pooled_w.sum(axis=1, keepdims=True)
    fallback = np.zeros((N_BUCKETS, N_BUCKETS))
    for i in range(N_BUCKETS - 1):
        fallback[i, i + 1] = 1.0
    fallback[7, 7] = 1.0
    pooled = np.where(pooled_t > 0, pooled_w / np.where(pooled_t > 0, pooled_t, 1.0), fallback)
    P = np.where(tot > 0, wsum / np.where(tot > 0, tot, 1.0), pooled[None])
    thin = n_rows < min_count
    if counts.shape[0] > 1:
        P[thin] = np.broadcast_to(pooled, P.shape)[thin]
    else:
        P[0][n_rows[0] == 0] = fallback[n_rows[0] == 0]
    P[:, 7, :] = 0.0
    P[:, 7, 7] = 1.0
    P /= P.sum(axis=2, keepdims=True)
    s2 = w2.sum(axis=2)
    tot2 = tot[..., 0]
    neff = np.where(s2 > 0, tot2**2 / np.where(s2 > 0, s2, 1.0), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(neff[..., None] > 0, np.sqrt(P * (1 - P) / neff[..., None]), np.nan)
    return P, se, neff


def _ratio(x: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """Weighted mean ``p = Σ w x / Σ w``, its binomial standard error ``√(p(1−p)/n_eff)`` and
    ``n_eff = (Σw)² / Σw²``."""
    sw = float(w.sum())
    if sw <= 0:
        return float("nan"), float("nan"), 0.0
    p = float(np.dot(w, x) / sw)
    n_eff = sw**2 / float(np.dot(w, w))
    return p, float(np.sqrt(max(p * (1 - p), 0.0) / n_eff)), n_eff


def _default_triangle(
    h: pd.DataFrame,
    month: np.ndarray,
    mob: np.ndarray,
    dpd: np.ndarray,
    bal: np.ndarray,
    orig: np.ndarray,
    threshold: int,
) -> tuple[pd.DataFrame, pd.Series]:
    """Cumulative default rate triangle (vintages × months on book) and originated balance."""
    loan = h["loan_id"].to_numpy()
    vintage = h["vintage"].to_numpy()
    first = np.ones(len(h), dtype=bool)
    first[1:] = loan[1:] != loan[:-1]
    volume = pd.Series(orig[first]).groupby(vintage[first]).sum()
    origin = month - mob
    last_month = int(month.max())
    horizon = pd.Series(last_month - origin).groupby(vintage).min()  # youngest loan's last observed age
    over = dpd > threshold
    seen = pd.Series(over).groupby(loan).cummax().to_numpy()  # rows are sorted by loan, month
    prev_seen = np.zeros(len(h), dtype=bool)
    prev_seen[1:] = np.where(loan[1:] == loan[:-1], seen[:-1], False)
    first_over = over & ~prev_seen
    A = int(horizon.max())
    amounts = pd.DataFrame({"vintage": vintage[first_over], "age": mob[first_over], "x": bal[first_over]})
    grid = amounts.groupby(["vintage", "age"])["x"].sum().unstack("age", fill_value=0.0)
    grid = grid.reindex(index=volume.index, columns=range(1, A + 1), fill_value=0.0)
    cum = grid.cumsum(axis=1).div(volume, axis=0)
    ages = np.arange(1, A + 1)
    mask = ages[None, :] > horizon.reindex(volume.index).to_numpy()[:, None]
    tri = cum.mask(mask)
    tri.index.name = "vintage"
    tri.columns = pd.Index(ages, name="months_on_book")
    return tri, volume


def _ints(h: pd.DataFrame, col: str) -> np.ndarray:
    a = h[col].to_numpy()
    if a.dtype.kind not in "iu":
        f = np.asarray(a, dtype=np.float64)
        if not np.all(np.isfinite(f)) or np.any(f != np.round(f)):
            raise AssumptionError(f"{col}: must be whole numbers; got {a[~np.isfinite(f) | (f != np.round(f))][0]!r}")
        return f.astype(np.int64)
    return a.astype(np.int64)


def _floats(h: pd.DataFrame, col: str) -> np.ndarray:
    f = np.asarray(h[col].to_numpy(), dtype=np.float64)
    if not np.all(np.isfinite(f)):
        raise AssumptionError(f"{col}: must be finite numbers; got {f[~np.isfinite(f)][0]!r}")
    return f

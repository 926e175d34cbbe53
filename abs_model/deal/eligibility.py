"""Eligibility criteria (合格标准) at the cut-off and at every revolving purchase, concentration
limits on the purchase mix, and the revolving stresses that act through the mix.

At the cut-off, :func:`screen_pool` tests every receivable; ineligible ones are removed and the
removal is stated (count and balance per rule, :attr:`Eligibility.removed`) with
``on_cutoff="filter"``, or the tape is refused with ``on_cutoff="refuse"``.

At each revolving purchase (the end of period t) a replenishment line is eligible when its
product, rate and average balance pass the limits and, with ``term_within_maturity``, its term
``n ≤ M − t`` where ``M`` is the expected maturity period (a receivable bought then must be
fully scheduled by the deal's expected maturity, so 24-period receivables stop being bought 24
periods before it). The mix bought, defined per period by :func:`purchase_weights`, is the
replenishment shares (drifting linearly to ``mix_drift_to`` by the end of revolving, a yield /
term stress), restricted to the eligible lines and renormalised, with concentration caps by term
and by product applied by redistributing the excess to the uncapped lines. A period with nothing
eligible, or whose caps cannot all hold, buys nothing: principal collections stay uninvested
(negative carry, and the ``unable_to_revolve`` trigger counts it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from abs_model.collateral.pool import Pool
from abs_model.core.products import Product, rate_per_period
from abs_model.errors import DealError

OnCutoff = Literal["filter", "refuse"]
_BUCKET_DPD = (0, 30, 60, 90, 120, 150, 180)
"""Upper days past due of buckets M0 … M6 (M0 = 0 days, current)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Eligibility:
    """The deal's eligibility criteria. Every limit is optional (None: no limit).

    ``max_days_past_due``: 0 = current only (M0). ``term_within_maturity`` with
    ``expected_maturity_period`` (default: the deal's last period). ``concentration_by_term`` /
    ``concentration_by_product``: the most a term (months) / product may take of each purchase.
    ``supply``: stress, the par amount of eligible receivables the originator can offer in each
    revolving period (period 1 first, the last value repeats); what it cannot buy stays uninvested.
    ``removed``: the cut-off screen's statement, one row per rule (filled by :func:`screen_pool`).
    """

    max_days_past_due: int = 0
    min_balance: float | None = None
    max_balance: float | None = None
    products: tuple[str, ...] | None = None
    min_rate: float | None = None
    max_rate: float | None = None
    term_within_maturity: bool = True
    expected_maturity_period: int | None = None
    on_cutoff: OnCutoff = "filter"
    concentration_by_term: Mapping[int, float] = field(default_factory=dict)
    concentration_by_product: Mapping[str, float] = field(default_factory=dict)
    mix_drift_to: tuple[float, ...] | None = None
    supply: tuple[float, ...] | None = None
    removed: tuple[tuple[str, int, float], ...] = ()

    def removed_frame(self) -> pd.DataFrame:
        """The cut-off statement: rule, receivables removed, balance removed (a receivable failing
        several rules is counted under the first)."""
        return pd.DataFrame(list(self.removed), columns=["rule", "count_removed", "balance_removed"])


def _rules(e: Eligibility, pool: Pool, maturity: int) -> list[tuple[str, np.ndarray]]:
    """(rule text, failing mask) for each rule in force, in a fixed order."""
    dpd_ok = max((i for i, d in enumerate(_BUCKET_DPD) if d <= e.max_days_past_due), default=0)
    out = [(f"days past due > {e.max_days_past_due}", pool.bucket > dpd_ok)]
    bal = pool.current_principal
    if e.min_balance is not None:
        out.append((f"balance < {e.min_balance:g}", bal < e.min_balance))
    if e.max_balance is not None:
        out.append((f"balance > {e.max_balance:g}", bal > e.max_balance))
    if e.products is not None:
        allowed = [int(Product.from_key(p)) for p in e.products]
        out.append((f"product not in {list(e.products)}", ~np.isin(pool.product, allowed)))
    per_period = rate_per_period(pool.product, pool.rate)  # annual rates of interest-bearing loans / 12
    if e.min_rate is not None:
        out.append((f"rate per period < {e.min_rate:g}", per_period < e.min_rate - 1e-12))
    if e.max_rate is not None:
        out.append((f"rate per period > {e.max_rate:g}", per_period > e.max_rate + 1e-12))
    if e.term_within_maturity:
        out.append((f"remaining term > {maturity} months to expected maturity", pool.remaining_term > maturity))
    return out


def screen_pool(pool: Pool, e: Eligibility, *, maturity: int, source: str) -> tuple[Pool, Eligibility]:
    """The eligible part of ``pool`` and ``e`` with its statement of what was removed.

    Raises :class:`DealError` with ``on_cutoff="refuse"`` when anything fails, or when nothing
    is left."""
    fails = np.zeros(pool.n, dtype=bool)
    rows: list[tuple[str, int, float]] = []
    for rule, bad in _rules(e, pool, maturity):
        new = bad & ~fails
        rows.append((rule, int(new.sum()), float(pool.current_principal[new].sum())))
        fails |= bad
    if fails.any() and e.on_cutoff == "refuse":
        parts = "; ".join(f"{r}: {n} receivables, balance {b:,.2f}" for r, n, b in rows if n)
        raise DealError(f"{source}: eligibility: the cut-off pool holds ineligible receivables ({parts}); got on_cutoff: refuse")
    if fails.all():
        raise DealError(f"{source}: eligibility: no receivable of the cut-off pool is eligible; got {pool.n} receivables")
    kept = pool.subset(~fails) if fails.any() else pool
    return kept, replace(e, removed=tuple(rows))


def _capped(w: np.ndarray, groups: Sequence[tuple[np.ndarray, float]]) -> np.ndarray | None:
    """Normalised weights with every group's share ≤ its cap, the excess moved pro rata to lines
    in no capped group; None when impossible. Defined by repeated capping (at most L rounds)."""
    w = w / w.sum()
    fixed = np.zeros(w.size, dtype=bool)
    for _ in range(w.size + 1):
        over = [(m, c) for m, c in groups if w[m].sum() > c + 1e-12]
        if not over:
            return w
        for m, c in over:
            w[m] *= c / w[m].sum()
            fixed |= m
        free = ~fixed & (w > 0)
        left = 1.0 - w[fixed].sum()
        if not free.any() or left <= 0:
            return None
        w[free] *= left / w[free].sum()
    return None  # pragma: no cover - converges in at most L rounds


def purchase_weights(lines: Sequence[Any], e: Eligibility | None, *, periods: int, revolving: int, maturity: int) -> np.ndarray:
    """(periods + 1, L) share of each replenishment line in a purchase at the end of period t
    (row 0 unused); a zero row means nothing can be bought that period (see the module doc)."""
    base = np.array([ln.share for ln in lines], dtype=np.float64)
    out = np.zeros((periods + 1, base.size))
    terms = np.array([ln.term for ln in lines])
    ok = np.ones(base.size, dtype=bool)
    if e is not None:
        for i, ln in enumerate(lines):
            rate = rate_per_period(ln.product, ln.rate)
            ok[i] = not (
                (e.products is not None and ln.product not in e.products)
                or (e.min_rate is not None and rate < e.min_rate - 1e-12)
                or (e.max_rate is not None and rate > e.max_rate + 1e-12)
                or (e.min_balance is not None and ln.average_balance < e.min_balance)
                or (e.max_balance is not None and ln.average_balance > e.max_balance)
            )
    drift = None if e is None or e.mix_drift_to is None else np.asarray(e.mix_drift_to, dtype=np.float64)
    if drift is not None and drift.size != base.size:
        raise DealError(f"eligibility.mix_drift_to: must give one share per eligible replenishment line ({base.size}); got {drift.size}")
    groups: list[tuple[np.ndarray, float]] = []
    if e is not None:
        groups += [(terms == int(k), float(c)) for k, c in e.concentration_by_term.items()]
        groups += [(np.array([ln.product == p for ln in lines]), float(c)) for p, c in e.concentration_by_product.items()]
    for t in range(1, min(revolving, periods) + 1):
        s = base if drift is None else base + (drift - base) * (t / revolving)
        elig = ok & (terms <= maturity - t) if (e is None or e.term_within_maturity) else ok
        w = np.where(elig, s, 0.0)
        if w.sum() <= 0:
            continue
        capped = _capped(w, groups)
        if capped is not None:
            out[t] = capped
    return out


@dataclass(frozen=True, slots=True)
class PurchasePlan:
    """Per-line unit profiles and per-period weights: one unit bought at the end of period t adds
    ``Σ_l weights[t, l] · profiles[f][l]`` to pool column f (the projection is linear in balance).
    With ``rows`` (S,), a profile of shape (L, U, T + 1) holds the U distinct rows of the run that
    made it (scenarios sharing their state path): scenario ``s`` is row ``rows[s]``
    (:meth:`expand`); the sums are taken on those rows, the same numbers, row by row."""

    weights: np.ndarray
    profiles: dict[str, np.ndarray]  # field -> (L, S, T + 1), or (L, U, T + 1) with rows
    supply: tuple[float, ...] | None = None
    rows: np.ndarray | None = None
    _by_weights: dict[bytes, dict[str, np.ndarray]] = field(default_factory=dict, compare=False, repr=False)
    _stacks: dict[bytes, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def profile(self, t: int) -> dict[str, np.ndarray]:
        """Field → (S, T + 1) profile of one unit bought at the end of period t (read-only; the
        periods whose weights are equal share one, computed once)."""
        w = self.weights[t]
        key = np.ascontiguousarray(w, dtype=np.float64).tobytes()
        out = self._by_weights.get(key)
        if out is None:
            out = {f: self.expand(np.tensordot(w, p, axes=1)) for f, p in self.profiles.items()}
            for v in out.values():
                v.setflags(write=False)
            self._by_weights[key] = out
        return out

    def expand(self, v: np.ndarray) -> np.ndarray:
        """A profile's (U or S, T + 1) sum on the S scenario rows (a copy; ``v`` itself when it
        has them already)."""
        return v if self.rows is None or v.shape[0] == self.rows.size else v[self.rows]

    def profile_stack(self, t: int, fields: Sequence[str]) -> np.ndarray | None:
        """:meth:`profile` as one (F, S, T + 1) array in the order of ``fields`` (read-only; None
        when the plan holds no profiles: no line is ever bought)."""
        if not self.profiles:
            return None
        w = self.weights[t]
        key = np.ascontiguousarray(w, dtype=np.float64).tobytes() + repr(tuple(fields)).encode()
        out = self._stacks.get(key)
        if out is None:
            one = self.profile(t)
            out = np.stack([one[f] for f in fields])
            out.setflags(write=False)
            self._stacks[key] = out
        return out

    def capacity(self, t: int, base: float) -> float:
        """Par amount that can be bought in period t: ``min(base, supply_t)`` when something is
        eligible, else 0."""
        if self.weights[t].sum() <= 0:
            return 0.0
        if self.supply is None:
            return base
        return min(base, self.supply[min(t, len(self.supply)) - 1])


def purchase_plan(
    deal: Any,
    line_profile: Callable[[Any], dict[str, np.ndarray]],
    *,
    periods: int | None = None,
) -> PurchasePlan:
    """The plan for ``deal`` (which has ``deal.eligibility``); ``line_profile(line)`` projects one
    unit of one replenishment line (the runner's projection of a purchase). ``periods``: the
    periods the run covers (the deal's, extended to its legal final; default ``deal.periods``).
    As :func:`purchase_plan_of`, one line at a time."""
    return purchase_plan_of(deal, lambda lines: [line_profile(ln) for ln in lines], periods=periods)


def purchase_plan_of(
    deal: Any,
    line_profiles: Callable[[Sequence[Any]], list[dict[str, np.ndarray]]],
    *,
    periods: int | None = None,
    rows: np.ndarray | None = None,
) -> PurchasePlan:
    """The plan for ``deal``; ``line_profiles(lines)`` projects one unit of each of the given
    replenishment lines in one call (the runner projects them together). Only the lines bought
    in some period (a positive weight) are projected: a line never bought adds ``0 × profile``
    to every purchase, so its profile is all zeros here, and with no line bought there are none.
    ``rows``: the plan's :attr:`PurchasePlan.rows` (profiles on the distinct rows of a run)."""
    e: Eligibility | None = deal.eligibility
    lines = deal.revolving.replenishment
    w = _plan_weights(deal, periods)
    bought = np.flatnonzero((w > 0).any(axis=0))
    made = line_profiles([lines[i] for i in bought]) if bought.size else []
    profiles: dict[str, np.ndarray] = {}
    if made:
        never = np.setdiff1d(np.arange(len(lines)), bought)
        profiles = {f: np.empty((len(lines), *made[0][f].shape)) for f in made[0]}
        for f, arr in profiles.items():
            arr[never] = 0.0  # a line never bought: all zeros
            for i, p in zip(bought, made, strict=True):
                arr[i] = p[f]
    return PurchasePlan(weights=w, profiles=profiles, supply=None if e is None else e.supply, rows=rows)


def bought_lines(deal: Any, *, periods: int | None = None) -> np.ndarray:
    """Indices of the replenishment lines :func:`purchase_plan_of` projects: those with a positive
    weight in some period (the others are never bought)."""
    return np.flatnonzero((_plan_weights(deal, periods) > 0).any(axis=0))


def _plan_weights(deal: Any, periods: int | None) -> np.ndarray:
    """:func:`purchase_weights` of ``deal`` over ``periods`` (default ``deal.periods``)."""
    e: Eligibility | None = deal.eligibility
    maturity = e.expected_maturity_period if e is not None and e.expected_maturity_period else deal.periods
    return purchase_weights(deal.revolving.replenishment, e, periods=periods or deal.periods, revolving=deal.revolving.periods, maturity=maturity)


def eligibility_from_document(doc: Mapping[str, Any], pool: Pool, *, source: str) -> tuple[Pool, Eligibility | None]:
    """Read the deal file's ``eligibility:`` block and screen the cut-off pool (one-line hook of
    the deal builder); (pool, None) when the block is absent."""
    spec = doc.get("eligibility")
    if not spec:
        return pool, None
    kw = dict(spec)
    for key in ("products", "mix_drift_to", "supply"):
        if key in kw:
            kw[key] = tuple(kw[key])
    if "concentration_by_term" in kw:
        kw["concentration_by_term"] = {int(k): float(v) for k, v in kw["concentration_by_term"].items()}
    e = Eligibility(**kw)
    periods = int(doc["dates"]["periods"])
    maturity = e.expected_maturity_period or periods
    if e.mix_drift_to is not None:
        n_lines = len((doc.get("revolving") or {}).get("replenishment") or [])
        if len(e.mix_drift_to) != n_lines or abs(sum(e.mix_drift_to) - 1.0) > 1e-9:
            raise DealError(
                f"{source}: eligibility.mix_drift_to: must give one share per replenishment line ({n_lines}) adding up to 1; got {list(e.mix_drift_to)}"
            )
    return screen_pool(pool, e, maturity=maturity, source=source)

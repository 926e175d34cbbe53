"""Pool statistics and stratification tables (weighted by current principal).

Every weighted average here is ``WA(x) = Σ cpᵢ xᵢ / Σ cpᵢ`` with ``cp`` the current principal,
computed with ``np.bincount`` over integer group codes, so 1,000,000 loans take a fraction of a
second (plus :meth:`Pool.apr`).

The ``rate`` field means two things (see :mod:`abs_model.core.products`): a fee per period on the
original principal for ``flat_fee`` and ``bullet`` (等本等费, 免息分期), an annual nominal interest
rate for ``level_payment`` and ``equal_principal`` (等额本息, 等额本金). The two are never averaged
together: every table has a column for each (each averaged over its own products only) and the
APR by IRR, which is comparable across all products.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from abs_model.collateral.display import summary_lines, summary_rows, table_html
from abs_model.collateral.fields import (
    APR_BANDS,
    BALANCE_BANDS,
    BUCKET_NAMES,
    FEE_BANDS,
    INTEREST_BANDS,
    MAX_POOL_BUCKET,
)
from abs_model.core.codes import search_few, unique_inverse
from abs_model.core.products import Product

if TYPE_CHECKING:
    from abs_model.collateral.pool import Pool

__all__ = ["STRAT_COLUMNS", "balance_band_labels", "fee_charging", "rate_band_labels", "stratify", "summarise"]

#: Columns of every stratification table.
STRAT_COLUMNS: tuple[str, ...] = (
    "count",
    "balance",
    "share",
    "wa_fee_rate",
    "wa_interest_rate",
    "wa_apr",
    "wa_remaining_term",
)
TOTAL = "total"


def fee_charging(product: np.ndarray) -> np.ndarray:
    """True for the products whose ``rate`` is a fee per period on the original principal
    (``flat_fee``, ``bullet``); False for those whose ``rate`` is an annual interest rate."""
    p = np.asarray(product)
    return np.asarray((p == Product.FLAT_FEE) | (p == Product.BULLET), dtype=bool)


def _wa(x: np.ndarray, w: np.ndarray) -> float:
    s = float(w.sum())
    return float(np.dot(w, x) / s) if s > 0 else float("nan")


def balance_band_labels(edges: Sequence[float] = BALANCE_BANDS) -> list[str]:
    """Labels of the balance bands ``(lo, hi]``, e.g. ``"0–500"``, ``"500–1,000"``, ``"50,000+"``."""
    out, lo = [], 0.0
    for hi in edges:
        out.append(f"{lo:,.0f}+" if np.isinf(hi) else f"{lo:,.0f}–{hi:,.0f}")
        lo = hi
    return out


def rate_band_labels(edges: Sequence[float]) -> list[str]:
    """Labels of rate bands: ``"0.00%"`` for exactly 0, then ``"lo–hi"`` in percent (``(lo, hi]``);
    the last band also holds anything above its upper edge."""
    out = []
    lo = None
    for hi in edges:
        out.append(f"{hi:.2%}" if lo is None else f"{lo:.2%}–{hi:.2%}")
        lo = hi
    return out


def _band_codes(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    return np.minimum(search_few(edges, values), len(edges) - 1)


@dataclass(frozen=True, slots=True)
class _Weights:
    """Per-loan weights of one stratification: ``cp`` the current principal; ``fee_cp`` /
    ``int_cp`` the current principal of fee-charging / interest-bearing loans (0 for the others);
    the products ``fee_cp × rate``, ``int_cp × rate``, ``cp × apr`` and ``cp × remaining``."""

    cp: np.ndarray
    fee_cp: np.ndarray
    int_cp: np.ndarray
    fee: np.ndarray
    interest: np.ndarray
    apr: np.ndarray
    rem: np.ndarray
    pool_balance: float

    def take(self, rows: np.ndarray) -> _Weights:
        return _Weights(
            self.cp[rows],
            self.fee_cp[rows],
            self.int_cp[rows],
            self.fee[rows],
            self.interest[rows],
            self.apr[rows],
            self.rem[rows],
            self.pool_balance,
        )

    def row(self) -> list[float]:
        """The ``total`` row over these loans."""
        bal = float(self.cp.sum())
        return [
            float(len(self.cp)),
            bal,
            bal / self.pool_balance if self.pool_balance > 0 else np.nan,
            *(float(n.sum()) / float(d.sum()) if d.sum() > 0 else np.nan for n, d in self._pairs()),
        ]

    def _pairs(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(self.fee, self.fee_cp), (self.interest, self.int_cp), (self.apr, self.cp), (self.rem, self.cp)]


def _table(
    codes: np.ndarray, labels: Sequence[object], w: _Weights, *, keep_empty: bool, name: str, total: list[float] | None = None
) -> pd.DataFrame:
    """One stratification table; ``total`` is ``w.row()`` when the caller has it already (the
    same for every table over the whole pool)."""
    k = len(labels)

    sums: dict[int, np.ndarray] = {}

    def per_group(x: np.ndarray) -> np.ndarray:
        # each weight once: the current principal is the balance and two denominators
        if id(x) not in sums:
            sums[id(x)] = np.bincount(codes, weights=x, minlength=k)[:k]
        return sums[id(x)]

    count = np.bincount(codes, minlength=k)[:k]
    bal = per_group(w.cp)
    with np.errstate(invalid="ignore", divide="ignore"):
        wa = [per_group(n) / per_group(d) for n, d in w._pairs()]
        share = bal / w.pool_balance
    keep = np.ones(k, dtype=bool) if keep_empty else count > 0
    total = w.row() if total is None else total
    # the groups kept, then the total row: built as one frame (appending a row is slow in pandas)
    columns = [np.append(v[keep], t) for v, t in zip([count, bal, share, *wa], total, strict=True)]
    columns[0] = columns[0].astype(np.int64)
    # the dtype pandas infers, as appending the total row to the object index did (str for names)
    index = pd.Index([lab for lab, kept in zip(labels, keep, strict=True) if kept] + [TOTAL], name=name)
    return pd.DataFrame(dict(zip(STRAT_COLUMNS, columns, strict=True)), index=index)


def stratify(pool: Pool, *, apr: np.ndarray | None = None) -> dict[str, pd.DataFrame]:
    """Stratification tables by ``term`` (original), ``product``, ``balance_band`` (current
    principal, bands of :data:`~abs_model.collateral.fields.BALANCE_BANDS`, upper edges inclusive),
    ``fee_band``, ``interest_band``, ``apr_band``, ``bucket`` (M0–M6) and each segment.

    Each table has :data:`STRAT_COLUMNS` and a final ``total`` row:

    - ``share`` = the group's balance / the pool balance;
    - ``wa_fee_rate`` = WA of ``rate`` over the group's ``flat_fee`` and ``bullet`` loans (a fee
      per period on the original principal); NaN where the group has none;
    - ``wa_interest_rate`` = WA of ``rate`` over the group's ``level_payment`` and
      ``equal_principal`` loans (annual nominal); NaN where the group has none;
    - ``wa_apr`` = WA of :meth:`Pool.apr` (12 × the IRR of the borrower's contractual flows), all loans;
    - ``wa_remaining_term`` = WA of the remaining term (months).

    Rate bands never mix the two meanings of ``rate``: ``fee_band`` holds only the fee-charging
    loans, banded by fee per period (:data:`~abs_model.collateral.fields.FEE_BANDS`);
    ``interest_band`` only the interest-bearing loans, banded by annual rate
    (:data:`~abs_model.collateral.fields.INTEREST_BANDS`); ``apr_band`` every loan, banded by APR
    (:data:`~abs_model.collateral.fields.APR_BANDS`). The ``total`` row of ``fee_band`` and
    ``interest_band`` covers their own loans (its ``share`` is their share of the pool); either
    table is left out when the pool has none of its loans. Product and bucket tables list every
    category (zero rows included); the others only non-empty groups.
    """
    cp = np.asarray(pool.current_principal, dtype=np.float64)
    rate = np.asarray(pool.rate, dtype=np.float64)
    a = pool.apr() if apr is None else np.asarray(apr, dtype=np.float64)
    fee = fee_charging(pool.product)
    fee_cp, int_cp = np.where(fee, cp, 0.0), np.where(fee, 0.0, cp)
    rem = np.asarray(pool.remaining_term, dtype=np.float64)
    w = _Weights(cp, fee_cp, int_cp, fee_cp * rate, int_cp * rate, cp * a, cp * rem, float(cp.sum()))
    total = w.row()  # the total row of every table over the whole pool

    out: dict[str, pd.DataFrame] = {}
    term = np.asarray(pool.original_term, dtype=np.int64)
    out["term"] = _table(term, list(range(int(term.max(initial=0)) + 1)), w, keep_empty=False, total=total, name="original_term")
    out["product"] = _table(pool.product.astype(np.int64), [p.key for p in Product], w, keep_empty=True, total=total, name="product")
    bcodes = search_few(BALANCE_BANDS, cp)
    out["balance_band"] = _table(bcodes, balance_band_labels(), w, keep_empty=False, total=total, name="balance_band")
    for key, rows, edges in (("fee_band", fee, FEE_BANDS), ("interest_band", ~fee, INTEREST_BANDS)):
        if rows.any():
            codes = _band_codes(rate[rows], edges)
            out[key] = _table(codes, rate_band_labels(edges), w.take(rows), keep_empty=False, name=key)
    out["apr_band"] = _table(_band_codes(a, APR_BANDS), rate_band_labels(APR_BANDS), w, keep_empty=False, total=total, name="apr_band")
    out["bucket"] = _table(
        pool.bucket.astype(np.int64), list(BUCKET_NAMES[: MAX_POOL_BUCKET + 1]), w, keep_empty=True, name="bucket", total=total
    )
    for seg, values in pool.segments.items():
        uniq, codes = unique_inverse(np.asarray(values))  # = np.unique(..., return_inverse=True), hashed
        out[seg] = _table(codes.ravel(), [str(u) for u in uniq], w, keep_empty=False, total=total, name=seg)
    return out


def summarise(pool: Pool) -> PoolSummary:
    """Pool statistics and stratification tables; weighted averages by current principal.

    ``stats`` (a Series) holds:

    - ``count``; ``original_balance`` = Σ original principal; ``balance`` = Σ current principal;
      ``average_balance`` = balance / count;
    - ``wa_fee_rate``: WA of ``rate`` over ``flat_fee`` and ``bullet`` loans (fee per period);
    - ``wa_interest_rate``: WA of ``rate`` over ``level_payment`` and ``equal_principal`` loans
      (annual nominal); NaN when the pool has none of that kind;
    - ``wa_apr``: WA of :meth:`Pool.apr` (APR by IRR: 12 × the IRR of the borrower's flows, all loans);
    - ``wa_original_term``, ``wa_remaining_term``, ``wa_age`` (months);
    - ``zero_fee_share``: balance share of loans with rate 0;
    - ``delinquent_share``: balance share in M1–M6; ``delinquent_count_share``: the same by count.
    """
    cp = np.asarray(pool.current_principal, dtype=np.float64)
    rate = np.asarray(pool.rate, dtype=np.float64)
    apr = pool.apr()
    fee_like = fee_charging(pool.product)
    n = len(cp)
    bal = float(cp.sum())
    delinquent = pool.bucket > 0
    stats = pd.Series(
        {
            "count": float(n),
            "original_balance": float(np.sum(pool.original_principal)),
            "balance": bal,
            "average_balance": bal / n if n else float("nan"),
            "wa_fee_rate": _wa(rate[fee_like], cp[fee_like]),
            "wa_interest_rate": _wa(rate[~fee_like], cp[~fee_like]),
            "wa_apr": _wa(apr, cp),
            "wa_original_term": _wa(pool.original_term.astype(np.float64), cp),
            "wa_remaining_term": _wa(pool.remaining_term.astype(np.float64), cp),
            "wa_age": _wa(pool.age.astype(np.float64), cp),
            "zero_fee_share": float(cp[rate == 0].sum()) / bal if bal > 0 else float("nan"),
            "delinquent_share": float(cp[delinquent].sum()) / bal if bal > 0 else float("nan"),
            "delinquent_count_share": float(delinquent.sum()) / n if n else float("nan"),
        },
        name="value",
        dtype=np.float64,
    )
    return PoolSummary(stats=stats, strats=stratify(pool, apr=apr))


@dataclass(frozen=True, slots=True)
class PoolSummary:
    """Pool statistics. Weighted averages are by current principal.

    ``stats`` is a one-column table (count, balance, WA fee per period, WA annual interest rate,
    WA APR by IRR, WA original / remaining term, WA age, share delinquent); ``strats`` maps a stratification name (``term``, ``product``,
    ``balance_band``, ``fee_band``, ``interest_band``, ``apr_band``, ``bucket`` and each segment)
    to a table with :data:`STRAT_COLUMNS`: count, balance, share of balance, WA fee per period,
    WA annual interest rate, WA APR by IRR and WA remaining term.
    """

    stats: pd.Series
    strats: Mapping[str, pd.DataFrame]

    @property
    def frame(self) -> pd.DataFrame:
        return self.stats.to_frame("value")

    def __repr__(self) -> str:
        return "\n".join(summary_lines(self))

    def _repr_html_(self) -> str:
        return table_html(summary_rows(self), title="Pool summary")

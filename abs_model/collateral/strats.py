"""Pool statistics and stratification tables (weighted by current principal).

Every weighted average here is ``WA(x) = Σ cpᵢ xᵢ / Σ cpᵢ`` with ``cp`` the current principal,
computed with ``np.bincount`` over integer group codes, so 1,000,000 loans take a fraction of a
second (plus :meth:`Pool.apr`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from abs_model.collateral.display import summary_lines, summary_rows, table_html
from abs_model.collateral.fields import BALANCE_BANDS, BUCKET_NAMES, MAX_POOL_BUCKET, RATE_BANDS
from abs_model.core.codes import unique_inverse
from abs_model.core.products import Product

if TYPE_CHECKING:
    from abs_model.collateral.pool import Pool

__all__ = ["STRAT_COLUMNS", "balance_band_labels", "rate_band_labels", "stratify", "summarise"]

#: Columns of every stratification table.
STRAT_COLUMNS: tuple[str, ...] = (
    "count",
    "balance",
    "share",
    "wa_rate",
    "wa_apr",
    "wa_remaining_term",
)
TOTAL = "total"


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


def rate_band_labels(edges: Sequence[float] = RATE_BANDS) -> list[str]:
    """Labels of the rate bands: ``"0.00%"`` for exactly 0, then ``"(lo, hi]"`` in percent."""
    out = []
    lo = None
    for hi in edges:
        out.append(f"{hi:.2%}" if lo is None else f"{lo:.2%}–{hi:.2%}")
        lo = hi
    return out


def _table(
    codes: np.ndarray,
    labels: Sequence[object],
    w: dict[str, np.ndarray],
    total_row: list[float],
    *,
    keep_empty: bool,
    name: str,
) -> pd.DataFrame:
    k = len(labels)
    count = np.bincount(codes, minlength=k)[:k]
    bal = np.bincount(codes, weights=w["cp"], minlength=k)[:k]
    with np.errstate(invalid="ignore", divide="ignore"):
        wa = {f: np.bincount(codes, weights=w[f], minlength=k)[:k] / bal for f in ("rate", "apr", "rem")}
        share = bal / total_row[1]
    df = pd.DataFrame(
        {
            "count": count.astype(np.int64),
            "balance": bal,
            "share": share,
            "wa_rate": wa["rate"],
            "wa_apr": wa["apr"],
            "wa_remaining_term": wa["rem"],
        },
        index=pd.Index(list(labels), dtype=object, name=name),
    )
    if not keep_empty:
        df = df[df["count"] > 0]
    df.loc[TOTAL] = total_row
    df["count"] = df["count"].astype(np.int64)
    return df


def stratify(pool: Pool, *, apr: np.ndarray | None = None) -> dict[str, pd.DataFrame]:
    """Stratification tables by ``term`` (original), ``product``, ``balance_band`` (current
    principal, bands of :data:`~abs_model.collateral.pool.BALANCE_BANDS`, upper edges inclusive),
    ``rate_band`` (:data:`~abs_model.collateral.pool.RATE_BANDS`), ``bucket`` (M0–M6) and each segment.

    Each table has :data:`STRAT_COLUMNS` and a final ``total`` row. ``share`` is the group's
    balance over the pool balance; ``wa_rate`` is the WA of the ``rate`` field as stored (fee per
    period or annual interest, per product); ``wa_apr`` is the WA of :meth:`Pool.apr`. Product and
    bucket tables list every category (zero rows included); the others only non-empty groups.
    """
    cp = np.asarray(pool.current_principal, dtype=np.float64)
    rate = np.asarray(pool.rate, dtype=np.float64)
    rem = np.asarray(pool.remaining_term, dtype=np.float64)
    a = pool.apr() if apr is None else np.asarray(apr, dtype=np.float64)
    w = {"cp": cp, "rate": cp * rate, "apr": cp * a, "rem": cp * rem}
    total = float(cp.sum())
    total_row = [
        float(len(cp)),
        total,
        1.0 if total > 0 else np.nan,
        _wa(rate, cp),
        _wa(a, cp),
        _wa(rem, cp),
    ]

    def table(codes: np.ndarray, labels: Sequence[object], name: str, keep: bool) -> pd.DataFrame:
        return _table(codes, labels, w, total_row, keep_empty=keep, name=name)

    out: dict[str, pd.DataFrame] = {}
    term = np.asarray(pool.original_term, dtype=np.int64)
    out["term"] = table(term, list(range(int(term.max(initial=0)) + 1)), "original_term", False)
    out["product"] = table(pool.product.astype(np.int64), [p.key for p in Product], "product", True)
    bcodes = np.searchsorted(np.asarray(BALANCE_BANDS), cp, side="left")
    out["balance_band"] = table(bcodes, balance_band_labels(), "balance_band", False)
    rcodes = np.minimum(np.searchsorted(np.asarray(RATE_BANDS), rate, side="left"), len(RATE_BANDS) - 1)
    out["rate_band"] = table(rcodes, rate_band_labels(), "rate_band", False)
    out["bucket"] = table(pool.bucket.astype(np.int64), list(BUCKET_NAMES[: MAX_POOL_BUCKET + 1]), "bucket", True)
    for seg, values in pool.segments.items():
        uniq, codes = unique_inverse(np.asarray(values))  # = np.unique(..., return_inverse=True), hashed
        out[seg] = table(codes.ravel(), [str(u) for u in uniq], seg, False)
    return out


def summarise(pool: Pool) -> PoolSummary:
    """Pool statistics and stratification tables; weighted averages by current principal.

    ``stats`` (a Series) holds:

    - ``count``; ``original_balance`` = Σ original principal; ``balance`` = Σ current principal;
      ``average_balance`` = balance / count;
    - ``wa_fee_rate``: WA of ``rate`` over ``flat_fee`` and ``bullet`` loans (fee per period);
    - ``wa_interest_rate``: WA of ``rate`` over ``level_payment`` and ``equal_principal`` loans
      (annual nominal); NaN when the pool has none of that kind;
    - ``wa_apr``: WA of :meth:`Pool.apr` (true annual rate, all loans);
    - ``wa_original_term``, ``wa_remaining_term``, ``wa_age`` (months);
    - ``zero_fee_share``: balance share of loans with rate 0;
    - ``delinquent_share``: balance share in M1–M6; ``delinquent_count_share``: the same by count.
    """
    cp = np.asarray(pool.current_principal, dtype=np.float64)
    rate = np.asarray(pool.rate, dtype=np.float64)
    apr = pool.apr()
    fee_like = (pool.product == Product.FLAT_FEE) | (pool.product == Product.BULLET)
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

    ``stats`` is a one-column table (count, balance, WA fee rate, WA APR, WA original / remaining
    term, WA age, share delinquent); ``strats`` maps a stratification name (``term``, ``product``,
    ``balance_band``, ``rate_band``, ``bucket`` and each segment) to a table with count, balance,
    share of balance, WA rate and WA remaining term.
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

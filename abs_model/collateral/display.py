"""Short, readable text (and Jupyter HTML) for a pool and its summary: counts and money with
thousands separators, rates as percentages, terms in months to 2 decimals — never whole arrays or
scientific notation. Only numpy reductions: printing a pool of millions stays instant."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

from abs_model.core.products import Product

if TYPE_CHECKING:
    from abs_model.collateral.pool import Pool
    from abs_model.collateral.strats import PoolSummary

__all__ = ["pool_lines", "pool_rows", "pool_title", "stat_text", "summary_lines", "summary_rows", "table_html"]

_STAT_WORDS: dict[str, str] = {
    "count": "Receivables",
    "original_balance": "Original balance",
    "balance": "Balance",
    "average_balance": "Average balance",
    "wa_fee_rate": "WA fee per period (flat-fee products)",
    "wa_interest_rate": "WA annual interest rate (rate-based products)",
    "wa_apr": "WA APR by IRR (all products)",
    "wa_original_term": "WA original term, months",
    "wa_remaining_term": "WA remaining term, months",
    "wa_age": "WA age, months",
    "zero_fee_share": "Zero-fee share",
    "delinquent_share": "Delinquent share (balance)",
    "delinquent_count_share": "Delinquent share (count)",
}


def stat_text(key: str, value: Any) -> str:
    """One statistic as text: counts whole, money to 2 decimals, rates and shares in %, terms to 2."""
    v = float(value)
    if not np.isfinite(v):
        return "—"
    if key == "count" or key.endswith("_count"):
        return f"{round(v):,d}"
    if key.endswith(("_rate", "_share", "_apr")):
        return f"{v:.2%}"
    if key.endswith(("_term", "_age")):
        return f"{v:.2f}"
    return f"{round(v, 2) + 0.0:,.2f}"


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    total = float(weights.sum())
    return float((values * weights).sum() / total) if total > 0 else float("nan")


def pool_rows(pool: Pool) -> list[tuple[str, str]]:
    """The pool in a few ``(what, value)`` pairs: balance, cut-off, rates, term, delinquency, mix."""
    bal = pool.current_principal
    total = float(bal.sum())
    fee = (pool.product == Product.FLAT_FEE) | (pool.product == Product.BULLET)
    mix = [f"{p.key} {float(bal[pool.product == p].sum()) / total:.1%}" for p in Product if total > 0 and (pool.product == p).any()]
    rows = [("Balance", f"{total:,.2f}")]
    if pool.cutoff_date is not None:
        rows.append(("Cut-off date", str(np.datetime_as_string(pool.cutoff_date, unit="D"))))
    if fee.any():
        rows.append(("WA fee per period (flat-fee products)", f"{_weighted(pool.rate[fee], bal[fee]):.2%}"))
    if (~fee).any():
        rows.append(("WA annual interest rate (rate-based products)", f"{_weighted(pool.rate[~fee], bal[~fee]):.2%}"))
    if pool.n:
        rows.append(("WA APR by IRR (all products)", f"{_weighted(pool.apr(), bal):.2%}"))
    rows += [
        ("WA remaining term, months", f"{_weighted(pool.remaining_term, bal):.2f}"),
        ("Delinquent share (balance)", f"{float(bal[pool.bucket > 0].sum()) / total:.2%}" if total > 0 else "—"),
        ("Products", ", ".join(mix) or "none"),
    ]
    if pool.segments:
        rows.append(("Segments", ", ".join(pool.segments)))
    return rows


def pool_title(pool: Pool) -> str:
    return f"Pool of {pool.n:,d} receivables"


def pool_lines(pool: Pool) -> list[str]:
    """``print(pool)``: a title line, then one ``what: value`` line each."""
    return [pool_title(pool)] + [f"  {k}: {v}" for k, v in pool_rows(pool)]


def summary_lines(summary: PoolSummary) -> list[str]:
    """``print(pool.summary())``: one statistic a line, then the stratifications available."""
    stats = summary.stats
    width = max((len(_STAT_WORDS.get(str(k), str(k))) for k in stats.index), default=0)
    out = ["Pool summary"]
    out += [f"  {_STAT_WORDS.get(str(k), str(k)).ljust(width)}  {stat_text(str(k), v)}" for k, v in stats.items()]
    out.append(f"  stratifications (summary.strats[...]): {', '.join(summary.strats)}")
    return out


def table_html(rows: list[tuple[str, str]], *, title: str) -> str:
    """A two-column HTML table for Jupyter (every value escaped)."""
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:right'>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table><caption>{html.escape(title)}</caption>{body}</table>"


def summary_rows(summary: PoolSummary) -> list[tuple[str, str]]:
    return [(_STAT_WORDS.get(str(k), str(k)), stat_text(str(k), v)) for k, v in summary.stats.items()]


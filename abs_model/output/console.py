"""Console output that reads like a finance tool: amounts with thousands separators and 2 decimals
(or in millions, with the unit in the header), rates as percentages, WAL to 2 decimals, factors to
4, headers in words, "never" where a trigger never breaches. Every function returns text; the CLI
prints it."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from abs_model.runs.result import DealResult

__all__ = [
    "amount",
    "deal_summary",
    "factor",
    "millions",
    "percent",
    "strategies_table",
    "sweep_table",
    "text_table",
    "years",
]

#: Shown for a missing value.
MISSING = "—"


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float | np.floating) and math.isnan(float(v)))


def amount(v: Any) -> str:
    """``1234567.891`` → ``1,234,567.89``."""
    return MISSING if _missing(v) else f"{round(float(v), 2) + 0.0:,.2f}"


def millions(v: Any) -> str:
    """``1234567890`` → ``1,234.57`` (the header says "millions")."""
    return MISSING if _missing(v) else f"{round(float(v) / 1e6, 2) + 0.0:,.2f}"


def percent(v: Any) -> str:
    """A decimal rate as a percentage: ``0.051`` → ``5.10%``."""
    return MISSING if _missing(v) else f"{round(float(v), 6) + 0.0:.2%}"


def years(v: Any) -> str:
    """A WAL in years, 2 decimals."""
    return MISSING if _missing(v) else f"{float(v):.2f}"


def factor(v: Any) -> str:
    """A factor, 4 decimals."""
    return MISSING if _missing(v) else f"{float(v):.4f}"


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1) -> str:
    """A plain-text table: the first ``left`` columns left-aligned, the others right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def _window(first: Any, last: Any) -> str:
    """``13–20``; "never" when the class is never paid principal."""
    if _missing(first) or int(first) <= 0:
        return "never"
    return f"{int(first)}–{int(last)}"


def deal_summary(result: DealResult) -> str:
    """The run in a few lines: the classes, the pool's totals, the triggers and the checks."""
    s = result.summary()
    rows = []
    for name, r in s.iterrows():
        f = result.tranches[str(name)]
        orig = float(r["original_balance"])
        rows.append(
            [
                str(name),
                str(r["class"]),
                millions(orig),
                percent(r["coupon"]),
                years(r["wal_years"]),
                _window(r["first_principal_period"], r["last_principal_period"]),
                percent(r["loss_pct"]),
                factor(float(f["balance_end"].iloc[-1]) / orig if orig > 0 else float("nan")),
            ]
        )
    header = ["Class", "Seniority", "Balance, millions", "Coupon", "WAL, years", "Principal window, periods",
              "Loss, % of original", "Final factor"]
    pool = result.pool
    tot = pool.iloc[1:]
    lines = [
        f"{result.deal.name} — {_convention(str(result.assumptions.convention))}, {len(pool) - 1} periods",
        "",
        text_table(header, rows, left=2),
        "",
        f"Pool (millions {result.deal.currency}): collections {millions(tot['total_collections'].sum())}, "
        f"defaults {millions(tot['defaults'].sum())}, recoveries {millions(tot['recoveries'].sum())}, "
        f"revolving purchases {millions(tot['purchases'].sum() if 'purchases' in tot else 0.0)}"
        f"{_bought_back(tot)}; "
        f"cumulative default rate {percent(pool['cumulative_default_rate'].iloc[-1])}, "
        f"cumulative net loss rate {percent(pool['cumulative_net_loss_rate'].iloc[-1])} (both on the initial pool; "
        "a trigger states its own denominator)",
    ]
    lines += [f"Trigger {name!r}: " + _breach(df) for name, df in result.triggers.items()]
    passed = sum(1 for c in result.checks if c.passed)
    lines.append(f"Integrity checks passed: {passed} of {len(result.checks)}")
    return "\n".join(lines)


def _bought_back(tot: pd.DataFrame) -> str:
    """``, bought back 47.14 for 42.43 (discount 4.71)`` when the originator bought receivables
    back (赎回), else nothing: the discount is a loss to the pool the notes feel."""
    rep = float(tot["repurchases"].sum()) if "repurchases" in tot else 0.0
    if rep <= 0.0:
        return ""
    paid = float(tot["repurchase_proceeds"].sum()) if "repurchase_proceeds" in tot else rep
    return f", bought back by the originator {millions(rep)} for {millions(paid)} (discount {millions(rep - paid)})"


def _convention(conv: str) -> str:
    return {"roll_rate": "roll-rate convention", "sifma": "SIFMA/BMA standard convention",
            "absbox": "absbox (Hastructure) convention"}.get(conv, conv)


def _breach(df: pd.DataFrame) -> str:
    br = np.asarray(df["breached"], dtype=bool) if "breached" in df.columns else np.zeros(len(df), dtype=bool)
    if not br.any():
        return "never breached"
    return f"first breached in period {df.index[int(np.argmax(br))]}, breached in {int(br.sum())} periods"


_PARAM_WORDS: Mapping[str, str] = {"prepay_multiple": "Prepayment ×", "default_multiple": "Default ×",
                                   "prepay": "Prepayment ×", "default": "Default ×"}


def sweep_table(sweep: pd.DataFrame, params: Sequence[str], *, metric: str = "loss_pct") -> str:
    """One row per scenario (its parameters), one column per class: ``metric`` as a percentage."""
    piv = sweep.pivot_table(index=list(params), columns="tranche", values=metric, sort=False)
    header = [_PARAM_WORDS.get(p, p) for p in params] + [str(c) for c in piv.columns]
    rows = []
    for idx, rec in zip(piv.index, piv.to_numpy(dtype=np.float64), strict=True):
        keys = idx if isinstance(idx, tuple) else (idx,)
        rows.append([f"{k:g}" if isinstance(k, float) else str(k) for k in keys] + [percent(v) for v in rec])
    return text_table(header, rows, left=len(params))


_STRATEGY_COLUMNS: Sequence[tuple[str, str, Callable[[Any], str]]] = (
    ("npv_collections", "NPV after costs, millions", millions),
    ("collection_costs", "Costs, millions", millions),
    ("cumulative_default_rate", "Cumulative default rate, on initial pool", percent),
    ("net_loss_rate", "Net loss rate, on initial pool", percent),
    ("peak_delinquency_30p", "Peak 30+ delinquency", percent),
)


def strategies_table(strategies: pd.DataFrame) -> str:
    """Collection strategies compared: money in millions, rates as percentages."""
    cols = [c for c in _STRATEGY_COLUMNS if c[0] in strategies.columns]
    header = ["Strategy"] + [h for _, h, _ in cols]
    rows = [[_strategy_name(name)] + [f(r[c]) for c, _, f in cols] for name, r in strategies.iterrows()]
    return text_table(header, rows)


def _strategy_name(name: Any) -> str:
    """The row's name; the baseline says what it is (no collection strategy, not the deal as run)."""
    return "baseline (no collection strategy)" if str(name) == "baseline" else str(name)

"""Console output that reads like a finance tool: amounts with thousands separators and 2 decimals
(or in millions, with the unit in the header), rates as percentages, WAL to 2 decimals, factors to
4, headers in words, "never" where a trigger never breaches. Every function returns text; the CLI
prints it. Words come from the label registry in English or 中文 (``lang``, as ``--lang``); tables
align by display width (a CJK character takes two terminal columns)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from abs_model.output.labels import label
from abs_model.output.phrases import check_name, phrase
from abs_model.runs.result import DealResult

__all__ = [
    "amount",
    "check_lines",
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


def width(text: str) -> int:
    """Terminal columns ``text`` takes: 2 for a wide (CJK) character, 1 otherwise."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1) -> str:
    """A plain-text table: the first ``left`` columns left-aligned, the others right-aligned."""
    widths = [max(width(h), *(width(r[i]) for r in rows)) if rows else width(h) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, (c, w) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (w - width(c))
            out.append(c + pad if i < left else pad + c)
        return "  ".join(out)

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def _window(first: Any, last: Any, lang: str = "en") -> str:
    """``13–20``; "never" when the class is never paid principal."""
    if _missing(first) or int(first) <= 0:
        return phrase("con_never", lang)
    return f"{int(first)}–{int(last)}"


def deal_summary(result: DealResult, *, lang: str = "en") -> str:
    """The run in a few lines: the classes, the pool's totals, the triggers and the checks."""
    s = result.summary()
    rows = []
    for name, r in s.iterrows():
        f = result.tranches[str(name)]
        orig = float(r["original_balance"])
        rows.append(
            [
                str(name),
                str(r["class"]) if lang == "en" else label(str(r["class"]), lang),
                millions(orig),
                percent(r["coupon"]),
                years(r["wal_years"]),
                _window(r["first_principal_period"], r["last_principal_period"], lang),
                percent(r["loss_pct"]),
                factor(float(f["balance_end"].iloc[-1]) / orig if orig > 0 else float("nan")),
            ]
        )
    keys = ("class", "seniority", "balance", "coupon", "wal", "window", "loss", "factor")
    header = [phrase(f"con_{k}", lang) for k in keys]
    pool = result.pool
    tot = pool.iloc[1:]
    title = phrase("con_title", lang, name=result.deal.name, n=len(pool) - 1,
                   convention=_convention(str(result.assumptions.convention), lang))
    lines = [
        title,
        "",
        text_table(header, rows, left=2),
        "",
        phrase(
            "con_pool", lang, currency=result.deal.currency, collections=millions(tot["total_collections"].sum()),
            defaults=millions(tot["defaults"].sum()), recoveries=millions(tot["recoveries"].sum()), forgone=_forgone(tot, lang),
            purchases=millions(tot["purchases"].sum() if "purchases" in tot else 0.0), bought_back=_bought_back(tot, lang),
            cdr=percent(pool["cumulative_default_rate"].iloc[-1]), cnl=percent(pool["cumulative_net_loss_rate"].iloc[-1]),
        ),
    ]
    lines += [phrase("con_trigger", lang, name=repr(name), status=_breach(df, lang)) for name, df in result.triggers.items()]
    passed = sum(1 for c in result.checks if c.passed)
    lines.append(phrase("con_checks", lang, passed=passed, n=len(result.checks)))
    return "\n".join(lines)


def _forgone(tot: pd.DataFrame, lang: str) -> str:
    """The recoveries given up with the pool at a clean-up call, when there are any."""
    x = float(tot["recoveries_forgone"].sum()) if "recoveries_forgone" in tot else 0.0
    return phrase("con_forgone", lang, forgone=millions(x)) if x > 0.0 else ""


def check_lines(result: DealResult, *, lang: str = "en") -> str:
    """One line per integrity check: ok or FAIL, its name, its worst value and tolerance."""
    failed = {c.name for c in result.failed_checks}
    return "\n".join(
        phrase("con_check", lang, status=phrase("con_fail" if c.name in failed else "con_ok", lang),
               name=check_name(c.name, lang), worst=f"{c.max_abs_error:.3g}", tolerance=f"{c.tolerance:.3g}")
        for c in result.checks
    )


def _bought_back(tot: pd.DataFrame, lang: str = "en") -> str:
    """``, bought back 47.14 for 42.43 (discount 4.71)`` when the originator bought receivables
    back (赎回), else nothing: the discount is a loss to the pool the notes feel."""
    rep = float(tot["repurchases"].sum()) if "repurchases" in tot else 0.0
    if rep <= 0.0:
        return ""
    paid = float(tot["repurchase_proceeds"].sum()) if "repurchase_proceeds" in tot else rep
    return phrase("con_bought_back", lang, rep=millions(rep), paid=millions(paid), discount=millions(rep - paid))


def _convention(conv: str, lang: str = "en") -> str:
    return phrase(f"con_{conv}", lang) if conv in ("roll_rate", "sifma", "absbox") else conv


def _breach(df: pd.DataFrame, lang: str = "en") -> str:
    br = np.asarray(df["breached"], dtype=bool) if "breached" in df.columns else np.zeros(len(df), dtype=bool)
    if not br.any():
        return phrase("con_never_breached", lang)
    return phrase("con_breached", lang, period=df.index[int(np.argmax(br))], n=int(br.sum()))


_PARAM_WORDS: Mapping[str, str] = {"prepay_multiple": "con_prepay_x", "default_multiple": "con_default_x",
                                   "prepay": "con_prepay_x", "default": "con_default_x"}


def sweep_table(sweep: pd.DataFrame, params: Sequence[str], *, metric: str = "loss_pct", lang: str = "en") -> str:
    """One row per scenario (its parameters), one column per class: ``metric`` as a percentage."""
    piv = sweep.pivot_table(index=list(params), columns="tranche", values=metric, sort=False)
    header = [phrase(_PARAM_WORDS[p], lang) if p in _PARAM_WORDS else p for p in params] + [str(c) for c in piv.columns]
    rows = []
    for idx, rec in zip(piv.index, piv.to_numpy(dtype=np.float64), strict=True):
        keys = idx if isinstance(idx, tuple) else (idx,)
        rows.append([f"{k:g}" if isinstance(k, float) else str(k) for k in keys] + [percent(v) for v in rec])
    return text_table(header, rows, left=len(params))


_STRATEGY_COLUMNS: Sequence[tuple[str, str, Callable[[Any], str]]] = (
    ("npv_collections", "con_npv", millions),
    ("collection_costs", "con_costs", millions),
    ("cumulative_default_rate", "con_cdr", percent),
    ("net_loss_rate", "con_nlr", percent),
    ("peak_delinquency_30p", "con_peak", percent),
)


def strategies_table(strategies: pd.DataFrame, *, lang: str = "en") -> str:
    """Collection strategies compared: money in millions, rates as percentages."""
    cols = [c for c in _STRATEGY_COLUMNS if c[0] in strategies.columns]
    header = [phrase("con_strategy", lang)] + [phrase(h, lang) for _, h, _ in cols]
    rows = [[_strategy_name(name, lang)] + [f(r[c]) for c, _, f in cols] for name, r in strategies.iterrows()]
    return text_table(header, rows)


def _strategy_name(name: Any, lang: str = "en") -> str:
    """The row's name; the baseline says what it is (no collection strategy, not the deal as run)."""
    return phrase("con_baseline", lang) if str(name) == "baseline" else str(name)

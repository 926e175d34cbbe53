"""Report sections: scenario heat maps, strategies and breakeven; assumptions as a reader says
them (with the roll-rate matrix and its source); data integrity (checks and input hashes)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from abs_model.assumptions.assumptions import Assumptions, Curve
from abs_model.output.charts import bar_chart
from abs_model.output.labels import check_name, display, fmt, label, phrase
from abs_model.output.report_tables import Table, cell, kv_table, table, text_cell
from abs_model.runs.result import DealResult

__all__ = ["assumption_sentences", "assumptions_section", "input_files", "integrity_section", "scenarios_section"]

#: Metrics where a higher value is worse (red scale); every other metric (WAL, yield, …) is
#: shaded on a neutral blue scale, so a long WAL never looks like an alarm.
_BAD_WHEN_HIGH = frozenset({"loss_pct", "loss", "net_loss_rate", "cumulative_default_rate", "writedown"})


def heat_style(v: float, lo: float, hi: float, *, alarming: bool) -> str:
    """Background colour of a heat-map cell: white at ``lo`` → red (``alarming``) or blue at ``hi``."""
    if not np.isfinite(v) or not np.isfinite(lo) or not np.isfinite(hi) or hi <= lo:
        return ""
    t = (v - lo) / (hi - lo)
    if alarming:  # white → amber → red
        r, g, b = 255, round(255 - 135 * t), round(255 - 215 * t)
    else:  # white → light steel blue
        r, g, b = round(255 - 120 * t), round(255 - 85 * t), round(255 - 40 * t)
    return f"background-color: rgb({r}, {g}, {b})"


def _pivot(g: pd.DataFrame, params: list[str], m: str) -> tuple[pd.DataFrame, list[str], str | None]:
    if len(params) == 1:
        return g.set_index(params[0])[[m]], [params[0]], None
    row_key, col_key = params[:-1], params[-1]
    grid = _full_grid(g, row_key, col_key, m) if len(row_key) == 1 else None
    if grid is not None:
        return grid, row_key, col_key
    return g.pivot_table(index=row_key, columns=col_key, values=m, aggfunc="first", sort=False), row_key, col_key


def _full_grid(g: pd.DataFrame, row_key: list[str], col_key: str, m: str) -> pd.DataFrame | None:
    """``g.pivot_table(index=row_key, columns=col_key, values=m, aggfunc="first", sort=False)``
    for a sweep's usual grid — one row parameter, every (row, column) pair exactly once, no NaN
    value or key — without pandas' group-by (a few ms a table): rows and columns in the order
    they first appear, as ``sort=False`` gives them. None for anything else (the caller pivots)."""
    vals = g[m].to_numpy(dtype=np.float64)
    r, rows = pd.factorize(g[row_key[0]], sort=False)
    c, cols = pd.factorize(g[col_key], sort=False)
    if np.isnan(vals).any() or (r < 0).any() or (c < 0).any() or len(rows) * len(cols) != len(vals):
        return None
    at = r * len(cols) + c
    if not (np.bincount(at, minlength=len(vals)) == 1).all():
        return None
    grid = np.empty(len(vals))
    grid[at] = vals
    return pd.DataFrame(
        grid.reshape(len(rows), len(cols)),
        index=pd.Index(rows, name=row_key[0]),
        columns=pd.Index(cols, name=col_key),
    )


def _heat_table(g: pd.DataFrame, params: list[str], m: str, lang: str) -> Table:
    piv, rk, col_key = _pivot(g, params, m)
    vals = piv.to_numpy(dtype=np.float64)
    finite = vals[np.isfinite(vals)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (np.nan, np.nan)
    kind = "amount" if m in ("wal_years", "wal") else fmt(m)
    header = [" / ".join(label(k, lang) for k in rk) + (f" \\ {label(col_key, lang)}" if col_key else "")]
    header += [display(c, col_key or m) if col_key else label(m, lang) for c in piv.columns]
    rows = []
    for idx, rec in zip(piv.index, vals, strict=True):
        key = " / ".join(display(i, k) for i, k in zip(idx if isinstance(idx, tuple) else (idx,), rk, strict=True))
        rows.append(
            [text_cell(key)]
            + [cell(v, kind, style=heat_style(float(v), lo, hi, alarming=m in _BAD_WHEN_HIGH)) for v in rec]
        )
    return {"header": header, "rows": rows, "caption": ""}


def sweep_tables(sweep: pd.DataFrame, lang: str, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Heat-map tables from a tidy sweep: parameter columns, an optional ``tranche`` column, metrics.

    Parameters are the columns before ``tranche`` (or, without one, the non-float columns); each
    numeric metric becomes one table per tranche: rows = the first parameter(s), columns = the
    last parameter.
    """
    cols = list(sweep.columns)
    if "tranche" in cols:
        params = cols[: cols.index("tranche")]
        metrics = [c for c in cols[cols.index("tranche") + 1 :] if pd.api.types.is_numeric_dtype(sweep[c])]
        groups: list[tuple[str, pd.DataFrame]] = [(str(k), g) for k, g in sweep.groupby("tranche", sort=False)]
    else:
        params = [c for c in cols if not pd.api.types.is_float_dtype(sweep[c])]
        metrics = [c for c in cols if c not in params and pd.api.types.is_numeric_dtype(sweep[c])]
        groups = [("", sweep)]
    if not params:
        params = ["scenario"]
        groups = [(k, g.reset_index(names="scenario")) for k, g in groups]
    out = []
    for tranche, g in groups:
        shown = (names or {}).get(tranche, tranche)
        for m in metrics:
            title = f"{shown}: {label(m, lang)}" if tranche else label(m, lang)
            out.append({"title": title, "table": _heat_table(g, params, m, lang)})
    return out


def scenarios_section(
    result: DealResult,
    sweep: pd.DataFrame | None,
    breakeven: pd.DataFrame | None,
    strategies: pd.DataFrame | None,
    lang: str,
) -> dict[str, Any]:
    present = any(df is not None and not df.empty for df in (sweep, breakeven, strategies))
    be = None
    if breakeven is not None and not breakeven.empty:
        df = breakeven.reset_index(drop=isinstance(breakeven.index, pd.RangeIndex))
        be = table(df, list(df.columns), lang, index_name=None)
    st_table = None
    st_chart = ""
    if strategies is not None and not strategies.empty:
        df = strategies.reset_index()
        st_table = table(df, list(df.columns), lang, index_name=None)
        st_chart = bar_chart(
            [str(s) for s in strategies.index],
            {
                label(c, lang): strategies[c].to_numpy()
                for c in ("net_loss_rate", "cumulative_default_rate", "peak_delinquency_30p")
                if c in strategies.columns
            },
            title=phrase("strategies", lang),
            kind="rate",
            lang=lang,
        )
    names = dict(result.deal.tranche_labels_zh) if lang == "zh" else {}
    return {
        "present": present,
        "sweep": sweep_tables(sweep, lang, names) if sweep is not None and not sweep.empty else [],
        "breakeven": be,
        "strategies": st_table,
        "strategies_chart": Markup(st_chart),
        "note": "" if present else phrase("no_scenarios", lang),
    }


def _curve_sentence(c: Curve, const_key: str, curve_key: str, field: str, lang: str) -> str:
    v = c.values
    if v.size == 1:
        return phrase(const_key, lang, **{field: display(float(v[0]), "", kind="rate")})
    shown = ", ".join(display(float(x), "", kind="rate") for x in v[:12]) + (" …" if v.size > 12 else "")
    return phrase(curve_key, lang, index=phrase(f"index_{c.index}", lang), values=shown)


def assumption_sentences(a: Assumptions, lang: str) -> list[str]:
    """The assumptions as a reader would state them, one sentence each."""
    out = [_curve_sentence(a.cpr, "a_prepayment_const", "a_prepayment_curve", "cpr", lang)]
    if a.roll_rates is not None:
        out.append(phrase("a_default_roll", lang, days=a.default_threshold_days))
    elif a.cumulative_default is not None and a.default_timing is not None:
        timing = ", ".join(display(float(x), "", kind="rate") for x in a.default_timing.values[:12])
        out.append(
            phrase("a_default_cumulative", lang, rate=display(a.cumulative_default, "", kind="rate"), timing=timing)
        )
    elif a.cdr is not None:
        out.append(_curve_sentence(a.cdr, "a_default_cdr", "a_default_cdr_curve", "cdr", lang))
    else:
        out.append(phrase("a_default_none", lang))
    out.append(phrase("a_recovery", lang, rate=display(a.recovery_rate, "", kind="rate"), lag=a.recovery_lag))
    how = f"unearned_{a.unearned_fee}"
    out.append(phrase("a_unearned", lang, how=phrase(how, lang) if how in _UNEARNED else a.unearned_fee))
    if a.servicing_fee:
        out.append(phrase("a_servicing", lang, rate=display(a.servicing_fee, "", kind="rate")))
    if a.prepay_multiplier != 1.0 or a.default_multiplier != 1.0:
        out.append(phrase("a_stress", lang, p=f"{a.prepay_multiplier:g}", d=f"{a.default_multiplier:g}"))
    return out + _feature_sentences(a, lang)


def _feature_sentences(a: Assumptions, lang: str) -> list[str]:
    """The options a run can't be read without: collections, late fees, buy-back, advancing,
    schedules billed in cents (each stated when it is on)."""
    out = []
    if a.collections is not None:
        out.append(phrase("a_collections", lang, name=a.collections.name))
    lf = a.late_fees
    if lf is not None:
        dest = phrase("late_fees_to_trust" if lf.to_trust else "late_fees_kept", lang)
        out.append(phrase("a_late_fees", lang, rate=f"{lf.daily_rate:.3%}", grace=lf.grace_days,  # a day: 3 decimals
                          waived=display(lf.waived_share, "", kind="rate"), dest=dest))
    bb = a.buy_back
    if bb is not None and bb.ineligible_rate > 0.0:
        out.append(phrase("a_buy_back", lang, rate=display(bb.ineligible_rate, "", kind="rate"), price=display(bb.price, "", kind="rate")))
    elif bb is not None and bb.price != 1.0:
        out.append(phrase("a_buy_back_price", lang, price=display(bb.price, "", kind="rate")))
    if a.advancing:
        out.append(phrase("a_advancing", lang))
    if a.rounding == "cents":
        out.append(phrase("a_cents", lang))
    return out


_UNEARNED = frozenset({"unearned_waived", "unearned_charged", "unearned_rebated", "unearned_one_period", "unearned_full"})
_BUCKET_NAMES = tuple(f"M{i}" for i in range(8))


def _roll_matrix(result: DealResult, lang: str) -> Table | None:
    rr = result.assumptions.roll_rates
    if rr is None:
        return None
    m = np.asarray(rr.matrix, dtype=np.float64)
    m = m[0] if m.ndim == 3 else m
    header = [phrase("from_bucket", lang), *_BUCKET_NAMES]
    rows = [[text_cell(_BUCKET_NAMES[i])] + [cell(float(v), "rate") for v in m[i]] for i in range(m.shape[0])]
    return {"header": header, "rows": rows, "caption": ""}


def assumptions_section(result: DealResult, lang: str) -> dict[str, Any]:
    a = result.assumptions
    conv = str(a.convention)
    files = input_files(result)
    own = result.deal.assumptions  # identity, not ==: Assumptions hold numpy arrays
    if own is not None and a.roll_rates is not None and a.roll_rates is own.roll_rates and files:
        source = phrase("source_deal_file", lang, file=files[0][0])
    else:
        source = phrase("source_python", lang)
    return {
        "convention": phrase(f"convention_{conv}", lang) if f"convention_{conv}" in _CONVENTIONS else conv,
        "convention_text": phrase(conv, lang) if conv in ("roll_rate", "sifma", "absbox") else conv,
        "sentences": assumption_sentences(a, lang),
        "roll_rates": _roll_matrix(result, lang),
        "roll_rate_source": phrase("roll_rate_source", lang, source=source),
    }


_CONVENTIONS = frozenset({"convention_roll_rate", "convention_sifma", "convention_absbox"})


def input_files(result: DealResult) -> list[tuple[str, str]]:
    """``(name, sha256)`` of every input file, named relative to the deal file's folder (the deal
    file by its own name), so the report holds no absolute path of the machine that made it."""
    files = [Path(f) for f in result.deal.input_files]
    if not files:
        return []
    base = files[0].resolve().parent
    out = []
    for p in files:
        digest = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "(not found)"
        try:
            name = os.path.relpath(p.resolve(), base)
        except ValueError:  # another drive (Windows): the file's own name only
            name = p.name
        out.append((Path(name).as_posix(), digest))
    return out


def integrity_section(result: DealResult, lang: str) -> dict[str, Any]:
    checks = list(result.checks)
    rows = [
        [
            text_cell(check_name(str(c.name), lang)),
            text_cell(f"{float(c.max_abs_error):.3g}", cls="num"),
            text_cell(f"{float(c.tolerance):.3g}", cls="num"),
            text_cell("✓" if c.passed else "✗", cls="pass" if c.passed else "fail"),
        ]
        for c in checks
    ]
    hashes = input_files(result)
    failed = [str(c.name) for c in checks if not c.passed]
    header = [label(k, lang) for k in ("check", "max_abs_error", "tolerance", "passed")]
    return {
        "all_passed": not failed,
        "statement": phrase("all_passed" if not failed else "some_failed", lang),
        "passed": [str(c.name) for c in checks if c.passed],
        "failed": failed,
        "inputs": kv_table(hashes, key_title=phrase("input_file", lang), value_title="SHA-256") if hashes else None,
        "table": {"header": header, "rows": rows, "caption": ""},
    }

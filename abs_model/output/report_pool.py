"""Report sections on the pool: summary and strats, collections, delinquency, losses, excess spread.

Triggers are matched to charts by their metric (``cumulative_default_rate`` beside the loss
curves, ``delinquency_ratio`` beside the delinquency curves), never by words in their names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from abs_model.output.charts import Series, line_chart
from abs_model.output.labels import LABELS, fmt, label, phrase
from abs_model.output.report_tables import (
    cell,
    col,
    periods,
    svg,
    table,
    text_cell,
    trigger_label,
    trigger_metrics,
)
from abs_model.runs.result import DealResult

__all__ = ["collections_section", "delinquency_section", "excess_spread", "excess_spread_section",
           "losses_section", "pool_section", "triggers_by_metric"]

COLLECTION_COLUMNS = (
    "opening_balance",
    "scheduled_principal",
    "prepayment",
    "principal_collections",
    "fee_interest",
    "prepayment_fee",
    "recoveries",
    "total_collections",
    "purchases",
    "cleanup_sale",
    "defaults",
    "closing_balance",
    "count",
)


def triggers_by_metric(result: DealResult, metric: str) -> dict[str, pd.DataFrame]:
    """The trigger frames of the deal's triggers that test ``metric``."""
    metrics = trigger_metrics(result)
    return {n: df for n, df in result.triggers.items() if metrics.get(str(n)) == metric}


def pool_section(result: DealResult, lang: str) -> dict[str, Any]:
    summary = result.pool_summary
    stats: pd.Series = summary.stats
    stats_rows = [[text_cell(label(k, lang)), cell(v, fmt(k), column=str(k))] for k, v in stats.items()]
    strats = []
    for name, df in summary.strats.items():
        tbl = table(df, list(df.columns), lang, index_name=None)
        # the stratification key (band, term, product...) as first column
        tbl["header"].insert(0, label(df.index.name or name, lang))
        for row, idx in zip(tbl["rows"], df.index, strict=True):
            # registered values (products, "total") in words; the pool's own values as they are
            row.insert(0, text_cell(LABELS[idx].text(lang) if isinstance(idx, str) and idx in LABELS else idx))
        strats.append({"name": str(name), "title": f"{phrase('strat', lang)} {label(name, lang)}", "table": tbl})
    pool = result.pool
    series = [Series(label("closing_balance", lang), col(pool, "closing_balance"))]
    if "purchases" in pool.columns and float(np.nansum(col(pool, "purchases"))) > 0:
        series.append(Series(label("purchases", lang), col(pool, "purchases"), step=True))
    chart = line_chart(
        periods(pool), series, title=phrase("pool_balance", lang), xlabel=phrase("period_word", lang), lang=lang
    )
    return {
        "stats": {"header": [phrase("pool_stats", lang), phrase("value_word", lang)], "rows": stats_rows, "caption": ""},
        "strats": strats,
        "chart": svg(chart),
    }


def collections_section(result: DealResult, lang: str) -> dict[str, Any]:
    pool: pd.DataFrame = result.pool.iloc[1:]
    chart = line_chart(
        periods(pool),
        [
            Series(label(c, lang), col(pool, c))
            for c in ("scheduled_principal", "prepayment", "fee_interest", "recoveries", "purchases")
            if c in pool.columns
        ],
        title=phrase("collections", lang),
        xlabel=phrase("period_word", lang),
        lang=lang,
    )
    return {"table": table(pool, collection_columns(pool), lang, dates=np.asarray(result.dates)), "chart": svg(chart)}


def collection_columns(pool: pd.DataFrame) -> tuple[str, ...]:
    """:data:`COLLECTION_COLUMNS`, with the recoveries forgone at a clean-up call after the sale
    when a call gave some up (defaulted receivables go with the pool sold)."""
    if "recoveries_forgone" in pool.columns and bool((pool["recoveries_forgone"] != 0.0).any()):
        i = COLLECTION_COLUMNS.index("cleanup_sale") + 1
        return (*COLLECTION_COLUMNS[:i], "recoveries_forgone", *COLLECTION_COLUMNS[i:])
    return COLLECTION_COLUMNS


def trigger_lines(result: DealResult, triggers: Mapping[str, pd.DataFrame], lang: str) -> list[Series]:
    """Each trigger's tested value (as the trigger measures it, e.g. over the initial pool plus
    purchases) and its threshold: the chart compares like with like."""
    out: list[Series] = []
    for name, df in triggers.items():
        shown = trigger_label(result, name, lang)
        if "value" in df.columns:
            out.append(Series(f"{shown}: {label('value', lang)}", col(df, "value"), step=True, x=periods(df)))
        out.append(Series(f"{shown}: {label('threshold', lang)}", col(df, "threshold"), dashed=True, x=periods(df)))
    return out


def trigger_statement(result: DealResult, triggers: Mapping[str, pd.DataFrame], lang: str) -> list[str]:
    out = []
    for name, df in triggers.items():
        br = np.asarray(df["breached"], dtype=bool) if "breached" in df.columns else np.zeros(len(df), dtype=bool)
        shown = trigger_label(result, name, lang)
        if br.any():
            first = df.index[int(np.argmax(br))]
            out.append(f"{shown}: {phrase('fail', lang)} ({phrase('first_breach', lang)} {first})")
        else:
            out.append(f"{shown}: {phrase('pass', lang)}")
    return out


def delinquency_section(result: DealResult, lang: str) -> dict[str, Any]:
    pool: pd.DataFrame = result.pool
    buckets = [c for c in pool.columns if str(c).startswith("balance_m")]
    cols = [*buckets, "delinquency_30p", "delinquency_60p", "delinquency_90p"]
    trig = triggers_by_metric(result, "delinquency_ratio")
    series = [
        Series(label(c, lang), col(pool, c))
        for c in ("delinquency_30p", "delinquency_60p", "delinquency_90p")
        if c in pool.columns
    ]
    chart = line_chart(
        periods(pool),
        series + trigger_lines(result, trig, lang),
        title=phrase("delinquency", lang),
        kind="rate",
        xlabel=phrase("period_word", lang),
        lang=lang,
    )
    return {
        "table": table(pool, cols, lang, dates=np.asarray(result.dates)),
        "chart": svg(chart),
        "statement": trigger_statement(result, trig, lang),
    }


_LOSS_COLUMNS = ("defaults", "recoveries", "net_loss", "mdr", "cdr", "cumulative_default_rate", "cumulative_net_loss_rate")


def losses_section(result: DealResult, lang: str) -> dict[str, Any]:
    pool: pd.DataFrame = result.pool
    trig = triggers_by_metric(result, "cumulative_default_rate")
    frame = pool[[c for c in _LOSS_COLUMNS if c in pool.columns]].copy()
    extra: list[str] = []
    for name, df in trig.items():
        for c in ("value", "threshold"):
            if c in df.columns:
                key = f"{trigger_label(result, name, lang)}: {label(c, lang)}"
                frame[key] = pd.Series(np.asarray(df[c], dtype=np.float64), index=df.index).reindex(frame.index)
                extra.append(key)
    tbl = table(frame, list(frame.columns), lang, dates=np.asarray(result.dates))
    # the trigger's value and threshold are rates, whatever the deal named the trigger
    n_fixed = len(frame.columns) - len(extra)
    for row, (_, rec) in zip(tbl["rows"], frame[extra].iterrows(), strict=True):
        for j, v in enumerate(rec):
            row[2 + n_fixed + j] = cell(v, "rate")
    for j, key in enumerate(extra):
        tbl["header"][2 + n_fixed + j] = key
    # one definition per line on a chart: with a cumulative-default trigger the chart compares the
    # trigger's own value (its denominator: initial pool + purchases) with its threshold only; the
    # pool's rates on the initial pool stay in the table (issue 10, defect 8)
    series = [
        Series(label(c, lang), col(pool, c))
        for c in ("cumulative_default_rate", "cumulative_net_loss_rate")
        if c in pool.columns and not trig
    ]
    chart = line_chart(
        periods(pool),
        series + trigger_lines(result, trig, lang),
        title=phrase("losses", lang),
        kind="rate",
        xlabel=phrase("period_word", lang),
        lang=lang,
    )
    return {"table": tbl, "chart": svg(chart), "statement": trigger_statement(result, trig, lang)}


def excess_spread(result: DealResult) -> pd.DataFrame:
    """Excess spread by period (1..T), on the one definition the trigger uses
    (:meth:`tranches.LiabilityResult.excess_spread_frame`: accrual basis, monthly). Defined as
    ``interest_collected − fees_accrued − note_interest_accrued``; ``excess_spread_rate = 12 ×
    excess_spread / pool balance at the start of the period``."""
    return result.excess_spread


def excess_spread_section(result: DealResult, lang: str) -> dict[str, Any]:
    es = excess_spread(result)
    tbl = table(es, list(es.columns), lang, dates=np.asarray(result.dates))
    trig = triggers_by_metric(result, "excess_spread")
    chart = line_chart(
        periods(es),
        [Series(label("excess_spread_rate", lang), col(es, "excess_spread_rate")), *trigger_lines(result, trig, lang)],
        title=phrase("excess-spread", lang),
        kind="rate",
        xlabel=phrase("period_word", lang),
        lang=lang,
    )
    return {"table": tbl, "chart": svg(chart), "note": phrase("es_note", lang)}

"""Display tables for the HTML report: header labels and rows of formatted cells.

A table is ``{"header": [str, ...], "rows": [[cell, ...]], "caption": str}``; a cell is
``{"text", "cls", "style"}`` (``cls`` ``num`` right-aligns, ``txt`` left-aligns, ``pass`` / ``fail``
colour a status). Every label and number format comes from :mod:`abs_model.output.labels`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from abs_model.output.labels import Format, display, fmt, label, phrase
from abs_model.runs.result import DealResult

__all__ = [
    "Table",
    "cell",
    "col",
    "empty_table",
    "kv_table",
    "periods",
    "svg",
    "table",
    "text_cell",
    "tranche_label",
    "trigger_label",
    "trigger_metrics",
]

Cell = dict[str, str]
Table = dict[str, Any]


def cell(value: Any, kind: Format, *, column: str = "", cls: str = "", style: str = "") -> Cell:
    """``value`` formatted as ``kind``; numbers right-aligned."""
    text = display(value, column, kind=kind)
    if not cls:
        cls = "txt" if kind == "text" or isinstance(value, str) else "num"
    return {"text": text, "cls": cls, "style": style}


def text_cell(text: object, *, cls: str = "txt", style: str = "") -> Cell:
    return {"text": str(text), "cls": cls, "style": style}


def empty_table() -> Table:
    return {"header": [], "rows": [], "caption": ""}


def table(
    df: pd.DataFrame,
    columns: Sequence[str],
    lang: str,
    *,
    index_name: str | None = "period",
    dates: np.ndarray | None = None,
    caption: str = "",
) -> Table:
    """A display table of ``df[columns]`` (those present), the index first, then its date."""
    cols = [c for c in columns if c in df.columns]
    header: list[str] = []
    if index_name is not None:
        header.append(label(index_name, lang))
    if dates is not None:
        header.append(label("date", lang))
    header += [label(c, lang) for c in cols]
    rows: list[list[Cell]] = []
    for idx, rec in zip(df.index, df[cols].itertuples(index=False, name=None), strict=True):
        row: list[Cell] = []
        if index_name is not None:
            row.append(cell(idx, fmt(index_name) if not isinstance(idx, str) else "text", column=index_name))
        if dates is not None:
            i = int(idx)
            row.append(cell(dates[i] if 0 <= i < len(dates) else None, "date"))
        row += [cell(v, fmt(c), column=c) for c, v in zip(cols, rec, strict=True)]
        rows.append(row)
    return {"header": header, "rows": rows, "caption": caption}


def kv_table(items: Iterable[tuple[str, str]], *, key_title: str, value_title: str) -> Table:
    rows = [[text_cell(k), text_cell(v)] for k, v in items]
    return {"header": [key_title, value_title], "rows": rows, "caption": ""}


def periods(df: pd.DataFrame) -> np.ndarray:
    return np.asarray(df.index, dtype=np.float64)


def col(df: pd.DataFrame, name: str) -> np.ndarray:
    """Column ``name`` as float64, or zeros when the frame has no such column."""
    return np.asarray(df[name], dtype=np.float64) if name in df.columns else np.zeros(len(df))


def svg(fragment: str) -> Markup:
    # Our own SVG (abs_model.output.charts): every input text in it is XML-escaped, no URL, no id.
    return Markup(fragment)


def tranche_label(result: DealResult, name: str, lang: str) -> str:
    """A class's display name: its ``label_zh`` from the deal file in Chinese, else its name."""
    if lang == "zh":
        return str(result.deal.tranche_labels_zh.get(name, name))
    return str(name)


def trigger_label(result: DealResult, name: str, lang: str) -> str:
    """A trigger's display name: in Chinese its metric's name (the deal's own name may be English)."""
    if lang != "zh":
        return str(name)
    metric = trigger_metrics(result).get(name)
    return phrase(f"metric_{metric}", lang) if metric else str(name)


def trigger_metrics(result: DealResult) -> dict[str, str]:
    """Trigger name → its metric (``cumulative_default_rate``, ``delinquency_ratio``, …)."""
    return {str(t.name): str(t.metric) for t in result.deal.structure.triggers}

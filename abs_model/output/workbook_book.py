"""The workbook's building blocks: styles, text made safe for a cell, unique headers, the book
wrapper that writes formatted tables, and native line charts (used by :mod:`abs_model.output.workbook`)."""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from abs_model.output.labels import EXCEL_FORMATS, excel_format, label, phrase
from abs_model.output.safe_text import is_formula_like, printable
from abs_model.output.workbook_styles import StyleCache, put

__all__ = ["POTS", "tranche_label"]

#: Ledger accounts that make up the collection account (cash "inside" the waterfall).
POTS: tuple[str, ...] = ("interest_account", "principal_account", "collection_account")

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # inputs: pale yellow, blue ink (modelling convention)
_INPUT_FONT = Font(color="0000FF")
_CHECK_FILL = PatternFill("solid", fgColor="E2EFDA")  # live check formulas: pale green
_THIN = Side(style="thin", color="BFBFBF")
_INPUT_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TABLE_STYLE = "TableStyleMedium2"


@dataclass(frozen=True, slots=True)
class _Check:
    """A live check column: header key, a row → formula builder (A1 refs) and the model's values."""

    key: str
    formula: Callable[[int], str | None]
    model: np.ndarray


def tranche_label(result: Any, name: str, lang: str) -> str:
    """A tranche's display name: its ``label_zh`` in Chinese workbooks (when the deal gives one),
    else its name."""
    if lang == "zh":
        zh = getattr(result.deal, "tranche_labels_zh", None) or {}
        if name in zh:
            return str(zh[name])
    return str(name)


def _is_pot(name: str) -> bool:
    return all(part in POTS for part in str(name).split("+"))


def _xl(value: Any) -> Any:
    """A cell value openpyxl can store: numpy scalars → Python, NaN/inf/NaT → empty, dates → date."""
    if value is None:
        return None
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return pd.Timestamp(value).date()
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        x = float(value)
        return x if math.isfinite(x) else None
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, _dt.date | int):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return printable(str(value))


def _width(text: str) -> float:
    # CJK characters take about two columns
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in text)


def _unique_headers(keys: Sequence[str], lang: str, override: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for k in keys:
        h = printable((override[k] if k in override else label(k, lang)).strip() or k)
        if h in seen and lang != "zh":  # the key, in English; a Chinese header is numbered instead
            h = f"{h} ({k})"
        n = 2
        base = h
        while h in seen:
            h = f"{base} {n}"
            n += 1
        seen.add(h)
        out.append(h)
    return out


class _Book:
    """The workbook being written; keeps table names unique and tracks column widths."""

    def __init__(self, lang: str) -> None:
        self.wb = Workbook()
        for ws in list(self.wb.worksheets):  # start empty: every sheet is created by name
            self.wb.remove(ws)
        self.lang = lang
        self.table_names: set[str] = set()
        self.formulas: set[tuple[str, int, int]] = set()
        self.styles = StyleCache()

    def formula(self, ws: Worksheet, row: int, col: int, text: str | None) -> Any:
        """Write a formula of ours (the only cells allowed to hold one; see :meth:`defuse`)."""
        cell = ws.cell(row=row, column=col, value=text)
        if text is not None:
            self.formulas.add((ws.title, row, col))
        return cell

    def defuse(self) -> int:
        """Store every formula-like text that is not one of our formulas as text with Excel's quote
        prefix (a name ``=2+3`` shows ``=2+3``, never 5); returns how many cells were changed."""
        n = 0
        for ws in self.wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    v = cell.value
                    if is_formula_like(v) and (ws.title, cell.row, cell.column) not in self.formulas:
                        cell.data_type = "s"
                        cell.quotePrefix = True
                        n += 1
        return n

    def sheet(self, title: str) -> Worksheet:
        return self.wb.create_sheet(title)

    def table_name(self, base: str) -> str:
        name = re.sub(r"\W", "_", base, flags=re.ASCII)
        if not name or not name[0].isalpha():
            name = "t_" + name
        cand, n = name, 2
        while cand.lower() in self.table_names:
            cand = f"{name}_{n}"
            n += 1
        self.table_names.add(cand.lower())
        return cand

    def write_table(
        self,
        ws: Worksheet,
        df: pd.DataFrame,
        *,
        name: str,
        row: int = 1,
        col: int = 1,
        formats: Mapping[str, str] | None = None,
        checks: Sequence[_Check] = (),
        inputs: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, int]:
        """Write ``df`` (its columns, not its index) as an Excel table with header labels from the
        registry at (``row``, ``col``) (``headers``: key → text overrides, e.g. tranche names); append
        live check columns. Returns column key → column number."""
        keys = [str(c) for c in df.columns] + [c.key for c in checks] + [f"{c.key}_model" for c in checks]
        heads = _unique_headers(keys, self.lang, headers or {})
        for i in range(len(checks)):
            heads[len(df.columns) + len(checks) + i] = phrase("model_column", self.lang, head=heads[len(df.columns) + i])
        cols = {k: col + j for j, k in enumerate(keys)}
        widths = [_width(h) + 2 for h in heads]
        for j, h in enumerate(heads):
            self.styles.apply(ws.cell(row=row, column=col + j, value=h), "header", _header_style)
        fmts = [
            (formats or {}).get(k) or ("yyyy-mm-dd" if pd.api.types.is_datetime64_any_dtype(df[k]) else excel_format(k))
            for k in df.columns.astype(str)
        ]
        values = df.to_numpy(dtype=object)
        n = len(df)
        for i in range(n):
            r = row + 1 + i
            for j in range(len(df.columns)):
                v = _xl(values[i, j])
                cell = put(ws, r, col + j, v)
                f = fmts[j]
                if isinstance(v, _dt.date):
                    f = EXCEL_FORMATS["date"]
                if isinstance(v, str):
                    f = "General"
                shown = v is not None and not isinstance(v, bool)
                if shown:
                    widths[j] = max(widths[j], _cell_width(v, f))
                if shown or inputs:
                    self.styles.apply(cell, ("data", f if shown else None, inputs), _data_style(f if shown else None, inputs))
            for k, chk in enumerate(checks):
                fc = self.formula(ws, r, col + len(df.columns) + k, chk.formula(r))
                self.styles.apply(fc, "check", _check_style)
                mc = ws.cell(row=r, column=col + len(df.columns) + len(checks) + k, value=_xl(chk.model[i]))
                self.styles.apply(mc, "model", _model_style)
        for j, w in enumerate(widths):
            letter = get_column_letter(col + j)
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, min(max(w, 8.0), 60.0))
        last = get_column_letter(col + len(keys) - 1)
        ref = f"{get_column_letter(col)}{row}:{last}{row + max(n, 1)}"
        if n == 0:  # an Excel table needs at least one data row
            ws.cell(row=row + 1, column=col, value=None)
        table = Table(displayName=self.table_name(name), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name=_TABLE_STYLE, showRowStripes=True)
        ws.add_table(table)
        return cols


def _header_style(cell: Any) -> None:
    cell.fill = _HEADER_FILL
    cell.font = _HEADER_FONT
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=False)


def _data_style(number_format: str | None, inputs: bool) -> Callable[[Any], None]:
    """A table cell: its number format (None: left as it is), and the input look when ``inputs``."""

    def style(cell: Any) -> None:
        if number_format is not None:
            cell.number_format = number_format
        if inputs:
            cell.fill = _INPUT_FILL
            cell.font = _INPUT_FONT
            cell.border = _INPUT_BORDER

    return style


def _check_style(cell: Any) -> None:
    cell.number_format = EXCEL_FORMATS["amount"]
    cell.fill = _CHECK_FILL


def _model_style(cell: Any) -> None:
    cell.number_format = EXCEL_FORMATS["amount"]


def _cell_width(v: Any, f: str) -> float:
    if isinstance(v, float):
        if f == EXCEL_FORMATS["rate"]:
            return len(f"{v:.2%}") + 2
        if f == EXCEL_FORMATS["factor"]:
            return len(f"{v:.4f}") + 2
        if f == EXCEL_FORMATS["years"]:
            return len(f"{v:.2f}") + 2
        return len(f"{v:,.2f}") + 2
    if isinstance(v, int):
        return len(f"{v:,d}") + 2
    if isinstance(v, _dt.date):
        return 12
    return _width(str(v)) + 2


def _with_period(df: pd.DataFrame, dates: np.ndarray | None) -> pd.DataFrame:
    """``period`` (from the index when it is not a column) and ``date`` first."""
    out = df.copy()
    if "period" not in out.columns:
        out = out.reset_index(names="period") if out.index.name in (None, "period") else out.reset_index()
    if dates is not None and "date" not in out.columns:
        p = out["period"].to_numpy()
        out.insert(
            1,
            "date",
            [pd.Timestamp(dates[int(i)]).date() if 0 <= int(i) < len(dates) else None for i in p],
        )
    return out


def _letter(cols: Mapping[str, int], key: str) -> str:
    return get_column_letter(cols[key])


def _line_chart(
    title: str,
    y_title: str,
    ws: Worksheet,
    *,
    x_col: int,
    series: Sequence[tuple[Worksheet, int]],
    first_row: int,
    last_row: int,
    number_format: str = "#,##0",
    lang: str = "en",
) -> LineChart:
    ch = LineChart()
    ch.title = printable(title)
    ch.y_axis.title = printable(y_title)
    ch.x_axis.title = label("period", lang)
    ch.y_axis.numFmt = number_format
    ch.x_axis.delete = False  # openpyxl 3.1 hides both axes unless told otherwise
    ch.y_axis.delete = False
    ch.y_axis.tickLblPos = "low"
    ch.x_axis.tickLblPos = "low"
    ch.height = 8
    ch.width = 18
    for sheet, c in series:
        ch.add_data(Reference(sheet, min_col=c, min_row=first_row - 1, max_row=last_row), titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=x_col, min_row=first_row, max_row=last_row))
    return ch


# ----------------------------------------------------------------------------- sheets

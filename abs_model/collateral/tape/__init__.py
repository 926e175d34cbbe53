"""Read and validate a loan tape: CSV, Parquet, XLSX, a DataFrame or a SQL query.

:func:`read_tape` renames the lender's headers to the canonical columns below (a built-in Chinese
header map applies automatically), checks every cell with vectorised masks and either returns a
clean DataFrame or raises one :class:`~abs_model.errors.TapeError` listing every bad row — nothing
is half-loaded.

Canonical columns
-----------------
======================  ========  ===========================================================
column                  dtype     rule
======================  ========  ===========================================================
``loan_id``             str       required, non-empty, unique
``original_principal``  float64   required, > 0
``current_principal``   float64   required, > 0 and ≤ original principal + 1 cent
``original_term``       int32     required, whole number of instalments in 1..360
``remaining_term``      int32     required (or ``age``: remaining = original − age), 1..original
``product``             str       required: ``flat_fee``, ``level_payment``, ``equal_principal``,
                                  ``bullet`` (or 等本等费, 等额本息, 等额本金, 免息分期)
``rate``                float64   required decimal in [0, 1): fee per period on original
                                  principal (flat_fee, bullet) or annual nominal rate
``bucket``              int8      required (or ``days_past_due``): 0..6 or "M0".."M6"
``days_past_due``       int32     optional (kept when given): 0..180; bucket = ceil(dpd / 30)
``origination_date``    datetime  optional; not after ``cutoff_date`` when one is given
``region``              str       optional segment
``channel``             str       optional segment
``score_band``          str       optional segment
======================  ========  ===========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from abs_model.collateral.tape import readers
from abs_model.collateral.tape.headers import (
    _INPUT_ONLY,
    COLUMNS,
    MAX_BALANCE,
    MAX_DAYS_PAST_DUE,
    PRODUCT_ALIASES,
    REQUIRED_COLUMNS,
    SEGMENT_COLUMNS,
    ZH_COLUMNS,
    _rename,
)
from abs_model.collateral.tape.readers import MAX_XLSX_UNCOMPRESSED
from abs_model.collateral.tape.rules import _cutoff, _validate
from abs_model.errors import RowProblem

__all__ = [
    "COLUMNS",
    "MAX_BALANCE",
    "MAX_DAYS_PAST_DUE",
    "MAX_XLSX_UNCOMPRESSED",
    "PRODUCT_ALIASES",
    "REQUIRED_COLUMNS",
    "SEGMENT_COLUMNS",
    "ZH_COLUMNS",
    "read_tape",
]


def read_tape(
    source: Any,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    query: str | None = None,
    encoding: str | None = None,
    cutoff_date: Any = None,
) -> pd.DataFrame:
    """Read a loan tape and return it validated, with canonical columns and dtypes.

    ``source`` is a CSV/TSV/Parquet/XLSX path, a DataFrame, or — with ``query=`` — a SQLAlchemy
    URL (``"sqlite:///tape.db"``; a bare path is taken as a SQLite file) or a DBAPI connection.
    ``columns`` maps the lender's headers to canonical names (Chinese headers in
    :data:`ZH_COLUMNS` are mapped automatically); ``sheet`` picks an XLSX sheet (name or 0-based
    index; default the first); ``encoding`` is the CSV text encoding (default UTF-8, with or
    without BOM; GBK tapes need ``encoding="gbk"``).

    Every rule in the module table is checked with vectorised masks; all failures are raised
    together as one :class:`~abs_model.errors.TapeError` (rows are 1-based data rows). On
    success ``df.attrs["source"]`` names the input and ``df.attrs["cutoff_date"]`` holds the
    cut-off as a :class:`datetime.date` (or ``None``). Columns that are not canonical are dropped
    and listed in ``df.attrs["ignored_columns"]``.
    """
    cutoff = _cutoff(cutoff_date)
    raw, name = readers._load(source, sheet, query, encoding, columns)
    problems: list[RowProblem] = []
    renamed = _rename(raw, columns, problems)
    known = set(COLUMNS) | set(_INPUT_ONLY)
    ignored = [str(c) for c in renamed.columns if c not in known]
    clean = _validate(renamed, name, cutoff, problems)
    clean.attrs["source"] = name
    clean.attrs["cutoff_date"] = None if cutoff is None else cutoff.date()
    clean.attrs["ignored_columns"] = ignored
    return clean


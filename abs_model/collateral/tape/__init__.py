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
``loan_id``             str       required, non-empty, unique, no control characters
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
``origination_date``    datetime  optional; 1900..2200, not after ``cutoff_date`` when one is
                                  given; text written year first (2025-01-31, 2025/1/31,
                                  20250131; 01/02/2025 is refused as ambiguous); a number is an
                                  Excel date serial; a time-zoned date keeps its local calendar day
``region``              str       optional segment (no control characters, ≤ 200 characters)
``channel``             str       optional segment (same)
``score_band``          str       optional segment (same)
======================  ========  ===========================================================

The package: :mod:`.headers` (canonical columns, the Chinese header map, renaming), :mod:`.dates`
(text written year first, Excel serials, zoned dates),
:mod:`.readers` (CSV/TSV, Parquet, XLSX, SQL: raw tables, no validation) and :mod:`.rules`
(the vectorised checks above; :mod:`.shortcuts` their exact per-column shortcuts; :mod:`.cells`
bytes and list-valued cells, decoded or refused first),
:mod:`.fastcsv` (pyarrow's CSV reader, used only where it gives pandas' table exactly) and
:mod:`.arrays` (segment arrays for the Pool). Parquet needs the ``parquet`` extra, a database
URL the ``sql`` extra; without pyarrow a CSV is read by pandas alone, with the same result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pandas as pd

from abs_model.collateral.tape import dataset, readers
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
    _target,
    _user_map,
)
from abs_model.collateral.tape.readers import MAX_XLSX_UNCOMPRESSED
from abs_model.collateral.tape.rules import _cutoff, _validate
from abs_model.errors import AbsModelError, RowProblem, TapeError

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
    decimal: str = ".",
) -> pd.DataFrame:
    """Read a loan tape and return it validated, with canonical columns and dtypes.

    ``source`` is a CSV/TSV/Parquet/XLSX path, a partitioned tape (a folder of Parquet files or a
    glob pattern; every partition validated, all problems reported together with rows counted per
    file: :mod:`abs_model.collateral.tape.dataset`), a DataFrame, or — with ``query=`` — a SQLAlchemy
    URL (``"sqlite:///tape.db"``; a bare path is taken as a SQLite file) or a DBAPI connection.
    ``columns`` maps the lender's headers to canonical names (Chinese headers in
    :data:`ZH_COLUMNS` are mapped automatically; a header it names that the tape lacks is a
    problem; :func:`~abs_model.collateral.tape.mapping.column_mapping` builds it from the CLI's
    ``--columns FIELD=COLUMN,...`` or a YAML file); ``sheet`` picks an XLSX sheet (name or 0-based
    index; default the first); ``encoding`` is the CSV text encoding (default UTF-8, with or
    without BOM, or UTF-16 with its byte-order mark; GBK tapes need ``encoding="gbk"``).
    ``decimal`` is the decimal mark of numbers written as text: ``"."`` (default; ``1,234.5``
    is read with its thousands separator) or ``","`` (``1.234,5``); a number that could be read
    either way (``1200,50`` with ``"."``) is refused, never guessed.

    Every rule in the module table is checked with vectorised masks; all failures are raised
    together as one :class:`~abs_model.errors.TapeError` (rows are 1-based data rows; for a file
each problem also gives the file line, or sheet row, and the loan_id). On
    success ``df.attrs["source"]`` names the input and ``df.attrs["cutoff_date"]`` holds the
    cut-off as a :class:`datetime.date` (or ``None``). Columns that are not canonical are dropped
    and listed in ``df.attrs["ignored_columns"]``.
    """
    if decimal not in (".", ","):
        raise AbsModelError(f"decimal: must be '.' or ','; got {decimal!r}")
    if query is None and dataset.is_dataset(source):  # a folder or glob: each partition read as a tape
        opts = {"columns": columns, "sheet": sheet, "encoding": encoding, "cutoff_date": cutoff_date, "decimal": decimal}
        return dataset.read_dataset(source, lambda f: read_tape(f, **opts))
    cutoff = _cutoff(cutoff_date)
    distinct: dict[str, Any] = {}
    raw, name = readers._load(source, sheet, query, encoding, columns, decimal, distinct)
    problems: list[RowProblem] = []
    renamed = _rename(raw, columns, problems)
    known = set(COLUMNS) | set(_INPUT_ONLY)
    ignored = [str(c) for c in renamed.columns if c not in known]
    try:
        clean = _validate(renamed, name, cutoff, problems, decimal=decimal, distinct=_by_target(distinct, raw, columns))
    except TapeError as exc:
        raise TapeError(exc.source, _located(exc.problems, renamed, raw.attrs.get("lines"))) from None
    clean.attrs["source"] = name
    clean.attrs["cutoff_date"] = None if cutoff is None else cutoff.date()
    clean.attrs["ignored_columns"] = ignored
    return clean


def _by_target(distinct: Mapping[str, Any], raw: pd.DataFrame, columns: Mapping[str, str] | None) -> dict[str, Any]:
    """The readers' factorizations keyed by canonical column: each canonical column is the first
    raw column renamed to it (as :func:`_rename` keeps it)."""
    if not distinct:
        return {}
    user = _user_map(columns)
    out: dict[str, Any] = {}
    seen: set[str] = set()
    for c in raw.columns:
        target = _target(str(c), user)
        if target not in seen and c in distinct:
            out[target] = distinct[c]
        seen.add(target)
    return out


def _located(problems: tuple[RowProblem, ...], df: pd.DataFrame, lines: Any) -> list[RowProblem]:
    """Each row problem with the file line of its row and its loan_id (when the tape has them)."""
    rows = [p.row for p in problems if p.row is not None]
    if not rows:
        return list(problems)
    line_of: list[int] | None = lines.lines() if hasattr(lines, "lines") else lines
    ids = df["loan_id"] if "loan_id" in df.columns and df.columns.tolist().count("loan_id") == 1 else None
    out = []
    for p in problems:
        if p.row is None or not 1 <= p.row <= len(df):
            out.append(p)
            continue
        line = line_of[p.row - 1] if line_of is not None and p.row <= len(line_of) else None
        loan = None
        if ids is not None and p.column != "loan_id":
            v = ids.iloc[p.row - 1]
            loan = None if pd.isna(v) or not str(v).strip() else str(v).strip()[:60]
        out.append(dataclasses.replace(p, line=line, loan_id=loan))
    return out


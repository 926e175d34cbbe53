"""A CSV tape read with pyarrow's multithreaded CSV reader, giving the table pandas' reader gives.

:func:`read_csv_arrow` returns the raw table that ``pandas.read_csv`` returns with the options of
:func:`abs_model.collateral.tape.readers._read_csv` (text columns as ``str``, numbers as int64 or
float64, empty cells as NaN, initial spaces skipped), or ``None`` whenever it cannot promise the
same cells, dtypes and values; the caller then reads the file with pandas, so every message and
every number stays what the pandas reader gives. ``None`` when:

- pyarrow is missing, pandas' ``str`` dtype is not Arrow-backed (pandas 2), the encoding is not
  UTF-8 (with or without BOM), or the header has a repeated name or differs from pandas' header;
- pyarrow cannot parse the file (a row with too many or too few fields, invalid UTF-8, a line of
  spaces, ...) or it has no data row;
- any cell starts with a space (pandas skips initial spaces, quotes after them included);
- a numeric column holds an empty cell or anything but ``-``, ``.`` and digits (``1,200``,
  ``1e5``, ``+5``, ``0x10``, `` 12``: pandas reads some of them differently), is longer than 16
  characters (float) or 18 (integer), or pyarrow's conversion refuses it (``1..2``, ``5-``).

Numbers are exact: pandas and pyarrow both round a decimal to the nearest double; for at most
15 significant digits (16 characters) even pandas 2's parser does (the digits form an exact
double, then one division by an exact power of ten), so the two readers agree bit for bit.
A column with a ``.`` is float64, one without is int64, as pandas infers them.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CODED", "NUMBER", "TEXT", "read_csv_arrow"]

#: Byte range of the characters a number may hold here: ``-`` (0x2d), ``.``, ``/``, ``0``–``9``
#: (a ``/`` is refused by pyarrow's conversion).
_LOW, _HIGH, _DOT = 0x2D, 0x39, 0x2E
#: Longest float (15 digits, a point and a sign) and integer (int64 without overflow) read here.
_MAX_FLOAT_CHARS, _MAX_INT_CHARS = 16, 18


#: How :func:`read_csv_arrow` reads a column: numbers, text, or text with few distinct values
#: (read as a dictionary; its factorization is handed to validation).
NUMBER, TEXT, CODED = "number", "text", "coded"


def read_csv_arrow(
    path: Path, encoding: str, sep: str, header: Sequence[str], kinds: Sequence[str], distinct: dict[str, Any] | None = None
) -> pd.DataFrame | None:
    """The table of ``path`` as pandas reads it (see the module doc), or ``None``.

    ``header`` is the header row as pandas reads it; ``kinds[i]`` says how column ``i`` is read:
    :data:`NUMBER` (pandas infers int64 or float64), :data:`TEXT` or :data:`CODED` (``str``).
    ``distinct`` (when given) receives, per CODED column, its codes (-1 where missing) and
    distinct values as a ``str`` Series, as :func:`abs_model.collateral.tape.readers._read_parquet` gives them.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    text_dtype = pd.Series([""], dtype=str).dtype
    if getattr(text_dtype, "storage", None) != "pyarrow" or not _utf8(encoding):
        return None
    names = [str(h) for h in header]
    if len(set(names)) != len(names):
        return None
    data = path.read_bytes()
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=b'"' in data),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    n: pa.dictionary(pa.int32(), pa.string()) if k == CODED else pa.string()
                    for n, k in zip(names, kinds, strict=True)
                },
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError):
        return None
    if table.column_names != names or table.num_rows == 0:
        return None
    return _frame(table, names, kinds, text_dtype, distinct)


def _frame(table: Any, names: list[str], kinds: Sequence[str], text_dtype: Any, distinct: dict[str, Any] | None) -> pd.DataFrame | None:
    """The pandas table of the pyarrow one (None when a cell forbids it, see the module doc):
    numbers converted on all cores, dictionaries decoded back to ``str``."""
    import pyarrow as pa

    table = table.unify_dictionaries()
    numbers = [n for n, k in zip(names, kinds, strict=True) if k == NUMBER]
    with ThreadPoolExecutor(max_workers=max(1, min(len(numbers), os.cpu_count() or 1))) as pool:
        converted = dict(zip(numbers, pool.map(lambda n: _numbers(table.column(n)), numbers), strict=True))
    if any(v is None for v in converted.values()):
        return None
    factorized: dict[str, tuple[Any, Any]] = {}
    for i, (name, kind) in enumerate(zip(names, kinds, strict=True)):
        col = table.column(name)
        if kind == CODED:
            dictionary = col.chunk(0).dictionary if col.num_chunks else pa.array([], pa.string())
            if _starts_with_space(dictionary):
                return None
            indices = pa.chunked_array([c.indices for c in col.chunks], pa.int32()).combine_chunks()
            factorized[name] = (indices, dictionary)
            table = table.set_column(i, name, col.cast(pa.string()))
        elif kind == TEXT and _starts_with_space(col):
            return None
    text = [n for n, k in zip(names, kinds, strict=True) if k != NUMBER]
    frame = table.select(text).to_pandas() if text else pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    columns: dict[str, Any] = dict(converted)
    for name in text:
        if frame[name].dtype != text_dtype:
            return None
        columns[name] = frame[name]
    if distinct is not None:
        for name, (indices, dictionary) in factorized.items():
            codes = np.asarray(indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.intp)
            distinct[name] = (codes, pd.Series(dictionary, dtype=text_dtype))
    return pd.DataFrame({n: columns[n] for n in names}, copy=False)


def _utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    except LookupError:
        return False


def _starts_with_space(col: Any) -> bool:
    import pyarrow.compute as pc

    return bool(pc.any(pc.starts_with(col, " ")).as_py())


def _numbers(col: Any) -> np.ndarray | None:
    """int64 or float64 values of a string column, or None (see the module doc)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if col.null_count:
        return None
    dot = False
    for chunk in col.chunks:
        if not len(chunk):
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset : chunk.offset + len(chunk) + 1]
        b = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        if not len(b) or b.min() < _LOW or b.max() > _HIGH:
            return None
        dot = dot or bool((b == _DOT).any())
    longest = pc.max(pc.binary_length(col)).as_py() or 0
    if longest > (_MAX_FLOAT_CHARS if dot else _MAX_INT_CHARS):
        return None
    try:
        values = pc.cast(col, pa.float64() if dot else pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return np.asarray(values.to_numpy())

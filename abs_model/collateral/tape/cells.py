"""Cells that are not one plain value: bytes (a Parquet ``binary`` column, a SQLite BLOB, a
DataFrame built from raw bytes) and containers (a list, tuple, dict, set or array in a cell).

Run before the column rules of :mod:`.rules`: UTF-8 bytes become their text; other bytes and
containers are problems naming the cell (bytes once crashed the reader with a bare
``'utf-8' codec can't decode byte 0xff``; a list once became the text ``"['East']"`` in every
strat). Only ``object`` columns can hold such cells; a column of one plain type is passed over
after one C-level look at its inferred type.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from abs_model.errors import RowProblem

#: Inferred types (``pd.api.types.infer_dtype``) of object columns that may hold bytes or containers.
_SUSPECT = frozenset({"bytes", "mixed", "mixed-integer", "unknown-array"})
_CONTAINERS = (list, tuple, dict, set, frozenset, np.ndarray, pd.Series)


def plain_cells(df: pd.DataFrame) -> tuple[pd.DataFrame, list[RowProblem]]:
    """``df`` with each UTF-8 ``bytes`` cell decoded and each bad cell made missing, and one
    :class:`RowProblem` per bad cell (undecodable bytes, a container). Rows are 1-based."""
    problems: list[RowProblem] = []
    fixed: dict[Any, pd.Series] = {}
    for j, c in enumerate(df.columns):
        s = df.iloc[:, j]
        if s.dtype != object or pd.api.types.infer_dtype(s, skipna=True) not in _SUSPECT:
            continue
        values = s.to_numpy(dtype=object).copy()
        changed = False
        for i, v in enumerate(values):
            if isinstance(v, bytes | bytearray):
                try:
                    values[i] = bytes(v).decode("utf-8")
                except UnicodeDecodeError:
                    problems.append(RowProblem(i + 1, str(c), bytes(v[:40]), "must be UTF-8 text (bytes that are not UTF-8)"))
                    values[i] = None
                changed = True
            elif isinstance(v, _CONTAINERS):
                shown = v.tolist() if isinstance(v, np.ndarray | pd.Series) else v
                problems.append(RowProblem(i + 1, str(c), shown, "must be one value, not a list or other container"))
                values[i] = None
                changed = True
        if changed:
            fixed[j] = pd.Series(values, index=s.index, dtype=object)
    if not fixed:
        return df, problems
    out = df.copy()
    for j, s in fixed.items():
        out.isetitem(j, s)
    return out, problems

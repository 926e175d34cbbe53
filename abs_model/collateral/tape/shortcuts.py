"""Exact shortcuts of the tape rules' per-cell steps: each gives what the step it replaces
gives, without a Python step per cell (each is checked against that step in
``tests/abs_model/collateral/test_tape_fast_readers.py``).

- :class:`_Distinct`: a text column factorized once, so a rule that looks at one cell at a time
  runs once per distinct value (product spellings, segments);
- :func:`_iso_dates`: ``YYYY-MM-DD`` text read from its digits, as ``pd.to_datetime`` reads it;
- :func:`_repeated`: ``duplicated(keep=False)``, free when the ids increase.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


class _Distinct:
    """A text column as its distinct values: ``t = s.astype(str)`` factorized once (``codes``,
    -1 where missing; ``uniques`` as a Series of ``t``'s dtype), so that a rule that looks at one
    cell at a time is computed once per distinct value and spread back with :meth:`spread`."""

    def __init__(self, s: pd.Series, known: tuple[np.ndarray, pd.Series] | None = None) -> None:
        self.s = s
        self.text = s.astype(str)
        if known is not None and _arrow_text(s):  # the reader's factorization of s (= s.astype(str))
            self.codes, self.uniques = known
        elif _arrow_text(self.text):  # pyarrow's hash encoding (pd.factorize's, without its extra passes)
            import pyarrow.compute as pc

            enc = pc.dictionary_encode(self.text.array.__arrow_array__().combine_chunks())
            self.codes = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.intp)
            self.uniques = pd.Series(enc.dictionary, dtype=self.text.dtype)
        else:
            codes, uniques = pd.factorize(self.text, use_na_sentinel=True)
            self.codes = np.asarray(codes, dtype=np.intp)
            self.uniques = pd.Series(uniques)
        self.missing = self.codes < 0

    def spread(self, per_unique: np.ndarray, missing: Any) -> np.ndarray:
        """``per_unique[code]`` for each cell, ``missing`` where the cell is missing."""
        return np.append(np.asarray(per_unique), np.asarray([missing], dtype=np.asarray(per_unique).dtype))[self.codes]

    def blank(self, stripped: pd.Series) -> np.ndarray:
        """``rules._is_blank`` of the column, from the distinct values stripped (``stripped``)."""
        blank = self.s.isna().to_numpy(copy=True)
        if self.s.dtype == object or pd.api.types.is_string_dtype(self.s.dtype):
            blank |= self.spread((stripped == "").to_numpy(dtype=bool), False)
        return np.asarray(blank, dtype=bool)


def _arrow_text(s: pd.Series) -> bool:
    """Whether ``s`` has pandas' Arrow-backed ``str`` dtype (every cell a ``str`` or missing) and
    pyarrow can be imported here (the fast paths that use it are skipped otherwise)."""
    if not (isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow"):
        return False
    try:
        import pyarrow.compute  # noqa: F401
    except ImportError:
        return False
    return True


def _iso_dates(s: pd.Series) -> np.ndarray | None:
    """datetime64[us] dates (NaT where missing) when every present cell of the ``str`` column
    ``s`` is exactly ``YYYY-MM-DD`` (ten ASCII characters) naming a real calendar day; else None.
    Each distinct text is read once."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = s.array.__arrow_array__()
    enc = pc.dictionary_encode(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    texts = enc.dictionary  # the distinct texts, no missing one
    if not len(texts) or pc.min_max(pc.binary_length(texts)).as_py() != {"min": 10, "max": 10}:
        return None
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64 if pa.types.is_large_string(texts.type) else np.int32)
    start = int(offsets[texts.offset])
    raw = np.frombuffer(texts.buffers()[2], dtype=np.uint8)[start : start + 10 * len(texts)].reshape(-1, 10)
    digits = raw[:, [0, 1, 2, 3, 5, 6, 8, 9]].astype(np.int64) - 0x30
    if (raw[:, 4] != 0x2D).any() or (raw[:, 7] != 0x2D).any() or (digits < 0).any() or (digits > 9).any():
        return None
    year = digits[:, 0] * 1000 + digits[:, 1] * 100 + digits[:, 2] * 10 + digits[:, 3]
    month = digits[:, 4] * 10 + digits[:, 5]
    day = digits[:, 6] * 10 + digits[:, 7]
    if (month < 1).any() or (month > 12).any() or (day < 1).any():
        return None
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    if (day > _MONTH_DAYS[month - 1] + (leap & (month == 2))).any():
        return None
    dates = (_days_from_civil(year, month, day) * 86_400_000_000).view("datetime64[us]")
    codes = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.intp)
    return np.append(dates, np.datetime64("NaT", "us"))[codes]  # code -1 (missing) picks NaT


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's ``days_from_civil``):
    years counted from March, so the leap day ends the year. Defined as
    ``era·146097 + 365·yoe + ⌊yoe/4⌋ − ⌊yoe/100⌋ + doy − 719468`` with ``y = year − (month ≤ 2)``,
    ``era = ⌊y / 400⌋``, ``yoe = y − 400·era`` and ``doy = ⌊(153·((month + 9) mod 12) + 2) / 5⌋ + day − 1``."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    return era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468


def _repeated(ids: pd.Series) -> np.ndarray:
    """``ids.duplicated(keep=False)``: every cell whose value (missing counted as one value)
    occurs more than once. Ids in increasing order have none; otherwise one hash count."""
    if _increasing(ids):
        return np.zeros(len(ids), dtype=bool)
    if _arrow_text(ids):
        import pyarrow.compute as pc

        enc = pc.dictionary_encode(ids.array.__arrow_array__().combine_chunks())
        none = len(enc.dictionary)  # the code of a missing id
        codes = np.asarray(pc.fill_null(enc.indices, none).to_numpy(zero_copy_only=False), dtype=np.intp)
        return np.asarray(np.bincount(codes, minlength=none + 1)[codes] > 1)
    if ids.nunique(dropna=False) == len(ids):  # one hash count: nothing to find
        return np.zeros(len(ids), dtype=bool)
    return np.asarray(ids.duplicated(keep=False).to_numpy(), dtype=bool)


def _increasing(text: pd.Series) -> bool:
    """True when the ``str`` column ``text`` has no missing cell and each value sorts strictly
    after the one before (byte order): then no two are equal. False says nothing."""
    if len(text) < 2 or not _arrow_text(text) or text.hasnans:
        return False
    import pyarrow.compute as pc

    arr = text.array.__arrow_array__()
    return bool(pc.all(pc.less(arr.slice(0, len(arr) - 1), arr.slice(1))).as_py())


def _spread_text(d: _Distinct, values: pd.Series, blank: np.ndarray) -> pd.Series:
    """The column whose cell ``i`` is ``values[code i]``, or ``""`` where ``blank``: the same
    Series as ``d.text.str.strip().where(~blank, "")``."""
    full = pd.concat([values, pd.Series([""], dtype=values.dtype)], ignore_index=True)
    taken = full.array.take(np.where(d.missing, len(values), d.codes))
    text = pd.Series(taken, index=d.s.index)
    extra = blank & ~d.missing
    if extra.any() and (values.iloc[d.codes[extra]] != "").any():  # a blank cell whose text is not "" (a non-text dtype)
        text = text.where(~extra, "")
    return text

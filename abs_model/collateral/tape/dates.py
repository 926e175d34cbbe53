"""Tape dates: text, Excel serials, datetime and time-zoned columns as naive day timestamps
within [EARLIEST_DATE, LATEST_DATE]; anything else (text not written year first included) is NaT,
which :mod:`.rules` flags naming the cell."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from abs_model.collateral.tape.shortcuts import _arrow_text, _iso_dates
from abs_model.core import limits

#: Origination dates accepted: from 1900 (no consumer receivable is older) to 2200 (datetime64[ns]
#: ends in 2262; a later year would wrap around, as year 1500 once became 2084).
EARLIEST_DATE = pd.Timestamp(limits.EARLIEST_DATE)
LATEST_DATE = pd.Timestamp(limits.LATEST_DATE)
#: Day 0 of Excel's date serial numbers (1900 date system, with its 1900-02-29 quirk).
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _to_datetime(s: pd.Series) -> pd.Series:
    """Dates as naive timestamps. A time-zoned column keeps its local calendar day (2026-06-30
    00:00+08:00 is 2026-06-30, not 2026-06-29 in UTC); a number is an Excel date serial
    (45839 is 2025-07-01), the way a spreadsheet stores a date cell; text is parsed as a date.
    Dates outside [EARLIEST_DATE, LATEST_DATE] come back as NaT (flagged by the caller)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s.astype("datetime64[us]")
    elif _arrow_text(s):
        out = _text_dates(s)
    else:
        is_number = s.map(lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool)).to_numpy(dtype=bool)
        days = pd.to_numeric(s.where(is_number, None), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        ok = np.isfinite(days) & (days >= 1) & (days <= 2_958_465)  # 9999-12-31
        serial = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
        serial[ok] = (_EXCEL_EPOCH + pd.to_timedelta(np.floor(days[ok]), unit="D")).to_numpy()
        texts = s.where(~is_number, None)
        parsed = _parse_dates(texts.map(_naive_text))
        out = parsed.astype("datetime64[us]").where(~is_number, serial)
    inside = (out >= EARLIEST_DATE) & (out <= LATEST_DATE)
    return out.where(inside)


def _text_dates(s: pd.Series) -> pd.Series:
    """:func:`_to_datetime` of a ``str`` column, without a Python step per cell: no cell is a
    number (a missing one is NaT) and :func:`_naive_text` leaves text as it is, so the dates are
    ``pd.to_datetime(s, format="mixed")``; when every cell is a valid ``YYYY-MM-DD`` they are
    computed from the digits (:func:`_iso_dates`), which is what that parse gives."""
    iso = _iso_dates(s)
    if iso is not None:
        return pd.Series(iso, index=s.index)
    parsed = _parse_dates(s)
    return parsed.astype("datetime64[us]").where(~s.isna().to_numpy(), pd.NaT)


#: A text date is read only when written year first: ``2025-01-31``, ``2025/1/31``, ``2025.01.31``,
#: ``20250131`` or ``2025年1月31日`` (:data:`CHINESE_DATE`), optionally with a time (``10:30``, ``T10:30:00.5``) and a zone (``Z``, ``+08:00``).
#: ``01/02/2025`` may be 1 February or 2 January (the parser took it as 2 January while it read
#: ``13/02/2025`` as 13 February, in one column), ``25-01-31`` became 2031-01-25, ``2025`` was
#: completed to 1 January and ``today`` was the clock's date: such text is refused, never guessed.
YEAR_FIRST_DATE = (
    r"\s*\d{4}(?:-\d{1,2}-\d{1,2}|/\d{1,2}/\d{1,2}|\.\d{1,2}\.\d{1,2}|\d{4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?\s*"
)

_YEAR_FIRST_RE = re.compile(YEAR_FIRST_DATE)
#: A date written the Chinese way, year first too: ``2025年1月31日`` (the 日 may be left out).
CHINESE_DATE = r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*$"
_CHINESE_RE = re.compile(CHINESE_DATE)


def _chinese_dates(texts: pd.Series) -> pd.Series:
    """``texts`` with every ``2025年1月31日`` cell written ``2025-1-31`` (the same day, year first:
    read like any other); other cells as they are."""
    if pd.api.types.is_string_dtype(texts.dtype) and texts.dtype != object:
        if not texts.str.contains("年", regex=False).fillna(False).any():
            return texts
        return texts.str.replace(CHINESE_DATE, r"\1-\2-\3", regex=True)
    if texts.dtype != object:
        return texts
    if not any(isinstance(v, str) and "年" in v for v in texts):
        return texts
    return texts.map(lambda v: _CHINESE_RE.sub(r"\1-\2-\3", v) if isinstance(v, str) else v)


def _year_first(texts: pd.Series) -> pd.Series:
    """``texts`` with every text cell not written year first (:data:`YEAR_FIRST_DATE`) made
    missing, so that it is refused as not a date; other cells (dates from XLSX, blanks) as they are."""
    if isinstance(texts.dtype, pd.CategoricalDtype):  # e.g. a Parquet column written from a categorical
        texts = texts.astype(object)
    if texts.dtype == object:  # may hold datetime objects (XLSX): one step per cell, as its caller
        refused = np.fromiter(
            (isinstance(v, str) and _YEAR_FIRST_RE.fullmatch(v) is None for v in texts), dtype=bool, count=len(texts)
        )
    elif pd.api.types.is_string_dtype(texts.dtype):
        matched = texts.str.fullmatch(YEAR_FIRST_DATE)
        refused = matched.notna().to_numpy(dtype=bool) & ~matched.fillna(True).to_numpy(dtype=bool)
    else:  # no text at all: every XLSX cell a date (pandas infers datetime64), or every cell missing
        return texts
    return texts.where(~refused, None) if refused.any() else texts


def _parse_dates(texts: pd.Series) -> pd.Series:
    """Text dates as naive timestamps, each keeping its own local calendar day; unparseable or not
    written year first (:data:`YEAR_FIRST_DATE`) → NaT. ``pd.to_datetime`` refuses a column mixing
    time zones (or zoned and plain dates) with a bare ``ValueError``; such a column is parsed once
    per distinct text instead, each zone dropped."""
    texts = _year_first(_chinese_dates(texts))
    try:
        parsed = pd.to_datetime(texts, errors="coerce", format="mixed")
    except (ValueError, TypeError):
        distinct = pd.unique(texts.dropna())
        by_text = {v: _one_date(v) for v in distinct}
        return pd.Series([by_text.get(v, pd.NaT) if v is not None and v == v else pd.NaT for v in texts],
                         index=texts.index, dtype="datetime64[us]")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed


def _one_date(v: Any) -> Any:
    """One cell of :func:`_parse_dates`' slow path: its timestamp without zone, or NaT."""
    try:
        ts = pd.Timestamp(v)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    if ts is pd.NaT:
        return pd.NaT
    return ts.tz_localize(None) if ts.tzinfo is not None else ts


def _naive_text(v: Any) -> Any:
    """A date cell as text for parsing (``datetime``/``date`` objects from XLSX pass through)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    return v.replace(tzinfo=None) if hasattr(v, "tzinfo") and getattr(v, "tzinfo", None) is not None else v

"""Tape validation rules: every cell checked with vectorised masks; all problems collected.

One function per group of columns (ids, money, terms, product, rate, delinquency, dates,
segments); :func:`_validate` runs them all and raises one :class:`TapeError` or returns the clean
table with canonical dtypes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from abs_model.collateral.fields import BUCKET_NAMES, MAX_POOL_BUCKET
from abs_model.collateral.tape.cells import plain_cells
from abs_model.collateral.tape.dates import EARLIEST_DATE, LATEST_DATE, _to_datetime
from abs_model.collateral.tape.headers import (
    _ALTERNATIVES,
    _BUCKET_VALUES,
    _INPUT_ONLY,
    _MONEY,
    CENT,
    COLUMNS,
    MAX_BALANCE,
    MAX_DAYS_PAST_DUE,
    PRODUCT_ALIASES,
    REQUIRED_COLUMNS,
    SEGMENT_COLUMNS,
)
from abs_model.collateral.tape.shortcuts import _Distinct, _repeated, _spread_text
from abs_model.core.delinquency import bucket_of_dpd
from abs_model.core.limits import MAX_NAME_LENGTH
from abs_model.core.pricing import MAX_TERM
from abs_model.core.products import PRODUCT_KEYS, PRODUCT_LABELS_ZH
from abs_model.errors import AbsModelError, RowProblem, TapeError


class _Checker:
    """Collects :class:`RowProblem` from boolean masks (one Python step per *bad* row only)."""

    def __init__(self, n: int, problems: list[RowProblem], *, decimal: str = ".") -> None:
        self.n = n
        self.problems = problems
        self.decimal = decimal
        self.bad = np.zeros(n, dtype=bool)

    def flag(self, mask: np.ndarray, column: str, values: Any, rule: str) -> None:
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        self.bad[idx] = True
        if values is None:
            vals: list[Any] = [None] * len(idx)
        elif isinstance(values, pd.Series):
            vals = values.iloc[idx].tolist()
        else:
            vals = np.asarray(values)[idx].tolist()
        self.problems.extend(RowProblem(int(i) + 1, column, _plain(v), rule) for i, v in zip(idx, vals, strict=True))


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def _is_blank(s: pd.Series) -> np.ndarray:
    blank = s.isna().to_numpy(copy=True)
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        blank |= (s.astype(str).str.strip() == "").to_numpy()
    return np.asarray(blank, dtype=bool)


def _numeric(s: pd.Series, name: str, ck: _Checker) -> tuple[np.ndarray, np.ndarray]:
    """Float values and a mask of usable cells; flags blanks and text."""
    raw = s
    if pd.api.types.is_bool_dtype(s.dtype):
        ck.flag(np.ones(len(s), dtype=bool), name, raw, "must be a number, not a boolean")
        return np.full(len(s), np.nan), np.zeros(len(s), dtype=bool)
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = _float64(s)
        blank = np.isnan(vals)
        text = np.zeros(len(s), dtype=bool)
    else:
        blank = _is_blank(s)
        cleaned, ambiguous = _separators(s, ck.decimal)
        vals = pd.to_numeric(cleaned.where(~blank, None), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        vals = np.where(ambiguous, np.nan, vals)
        other = "." if ck.decimal == "," else ","
        ck.flag(
            ambiguous & ~blank,
            name,
            raw,
            f"ambiguous number: {other!r} is not a thousands separator here and decimals are written with "
            f"{ck.decimal!r}; if the tape writes decimals with {other!r} pass decimal={other!r} (CLI: --decimal {other})",
        )
        text = np.isnan(vals) & ~blank & ~ambiguous
        if text.any():
            pct = text & cleaned.str.endswith("%").to_numpy(dtype=bool)
            ck.flag(pct, name, raw, "must be a number, not a percent string; write 12 % as 0.12 (rates are decimals)")
            text &= ~pct
    ck.flag(blank, name, raw, "missing value")
    ck.flag(text, name, raw, "must be a number, not text")
    inf = np.isinf(vals)
    ck.flag(inf, name, raw, "must be finite")
    return vals, ~(blank | text | inf | np.isnan(vals))


def _float64(s: pd.Series) -> np.ndarray:
    """A numeric column as float64. A narrower float (a Parquet ``float`` column is float32) is
    read value by value as the shortest decimal that reads back as that float (numpy's repr):
    0.006 stored in float32 is 0.006000000052154064 when widened, and that failed an eligibility
    limit ``max_rate: 0.006`` (to 1e-12); read as written, it is 0.006."""
    narrow = getattr(s.dtype, "numpy_dtype", s.dtype)
    if isinstance(narrow, np.dtype) and narrow.kind == "f" and narrow.itemsize < 8:
        return np.asarray(s.to_numpy(dtype=narrow, na_value=np.nan).astype(str), dtype=np.float64)
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


#: Numbers written with thousands separators, by decimal mark: 1,234,567.89 or 1.234.567,89.
_GROUPED = {".": r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$", ",": r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?$"}


def _separators(s: pd.Series, decimal: str) -> tuple[pd.Series, np.ndarray]:
    """Text numbers with the thousands separators removed and ``decimal`` turned into ``.``, and
    a mask of ambiguous cells: ``1200,50`` (decimal ``.``) or ``1.5`` (decimal ``,``) could mean
    two different numbers, so they are refused rather than guessed. Cells that already hold a
    number (from XLSX or a DataFrame) are taken as they are."""
    is_number = s.map(lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool)).to_numpy(dtype=bool)
    text = s.astype(str).str.strip()
    other = "," if decimal == "." else "."
    grouped = text.str.match(_GROUPED[decimal]).to_numpy(dtype=bool)
    cleaned = text.where(~grouped, text.str.replace(other, "", regex=False))
    if decimal == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    ambiguous = text.str.contains(other, regex=False).to_numpy(dtype=bool) & ~grouped & ~is_number
    cleaned = cleaned.where(~is_number, s.astype(object))
    return cleaned, ambiguous


def _integer(s: pd.Series, name: str, ck: _Checker) -> tuple[np.ndarray, np.ndarray]:
    vals, ok = _numeric(s, name, ck)
    frac = ok & (vals != np.round(vals))
    ck.flag(frac, name, s, "must be a whole number")
    return vals, ok & ~frac


def _validate(
    df: pd.DataFrame,
    source: str,
    cutoff: pd.Timestamp | None,
    problems: list[RowProblem],
    *,
    decimal: str = ".",
    distinct: Mapping[str, tuple[np.ndarray, pd.Series]] | None = None,
) -> pd.DataFrame:
    """Check every rule of the module table; raise one :class:`TapeError` or return the clean table.
    ``distinct``: a reader's factorization of text columns (codes, distinct values) by column."""
    n = len(df)
    ck = _Checker(n, problems, decimal=decimal)
    df, odd = plain_cells(df)
    cols = set(df.columns)
    if len(cols) and not cols & {*COLUMNS, *_INPUT_ONLY}:
        # not a loan tape (e.g. a path pointing at some other file): say so without echoing its content
        problems.append(
            RowProblem(
                None,
                "(header)",
                f"{len(df.columns)} column(s)",
                f"none of the columns is a loan-tape column ({', '.join(REQUIRED_COLUMNS)}); is this a loan tape? "
                "(the file's content is not shown)",
            )
        )
        raise TapeError(source, problems)
    for c in REQUIRED_COLUMNS:
        alt = _ALTERNATIVES.get(c)
        if c not in cols and (alt is None or alt not in cols):
            rule = "required column is missing" + (f" (or give {alt!r})" if alt else "")
            problems.append(RowProblem(None, c, sorted(map(str, df.columns)), rule))
    if n == 0:
        problems.append(RowProblem(None, "(rows)", 0, "the tape has a header but no loans"))
    out: dict[str, Any] = {}

    _ids(df, cols, ck, out)
    _money(df, cols, ck, out)
    _terms(df, cols, ck, out)
    _product(df, cols, ck, out, distinct or {})
    _rate(df, cols, ck, out)
    _delinquency(df, cols, ck, out)
    _origination(df, cols, ck, out, cutoff)
    _segments(df, cols, ck, out, distinct or {})
    if odd:  # a bad cell is named for what it is, not also as missing
        seen = {(p.row, p.column) for p in odd}
        problems[:] = [p for p in problems if (p.row, p.column) not in seen] + odd
    if problems:
        raise TapeError(source, sorted(problems, key=_order))
    return _clean_frame(out)


def _ids(df: pd.DataFrame, cols: set[str], ck: _Checker, out: dict[str, Any]) -> None:
    """loan_id: non-empty and unique (every duplicate row named with its twins)."""
    if "loan_id" in cols:
        s = df["loan_id"]
        ids = _float_ids(s, ck) if s.dtype.kind == "f" else s.astype(str).str.strip()
        blank = s.isna().to_numpy(copy=True)  # _is_blank(s), stripping once
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            blank |= (ids == "").to_numpy()
        blank = np.asarray(blank, dtype=bool)
        ck.flag(blank, "loan_id", s, "missing value")
        _flag_names(ids, "loan_id", ck)
        dup = _repeated(ids) & ~blank
        if dup.any():
            pos = np.flatnonzero(dup)
            dup_ids = ids.to_numpy(dtype=object)[pos]
            rows_of: dict[Any, str] = {}
            for key, rows in pd.Series(pos + 1).groupby(dup_ids).agg(list).items():
                shown = ", ".join(map(str, rows[:5])) + (", …" if len(rows) > 5 else "")
                rows_of[key] = f"duplicate loan_id (rows {shown}); each loan must appear once"
            ck.problems.extend(
                RowProblem(int(i) + 1, "loan_id", k, rows_of[k]) for i, k in zip(pos, dup_ids, strict=True)
            )
            ck.bad[pos] = True
        out["loan_id"] = ids.reset_index(drop=True)



#: Largest whole number a float64 holds exactly with every smaller one: 2**53.
EXACT_FLOAT_ID = 2**53


def _float_ids(s: pd.Series, ck: _Checker) -> pd.Series:
    """A loan id column stored as floating-point numbers (a Parquet or DataFrame column of ids that
    went through a float, e.g. beside a missing id): whole numbers up to 2**53 become their integer
    text (12345, not '12345.0'); any other id is refused, naming the cell — a 19-digit 借据号 such
    as 1234567890123456789 is stored as 1.2345678901234568e+18, so two loans became one
    'duplicate' id and others a different loan's id, and 1.5 or 1e+20 were taken as ids."""
    v = s.to_numpy(dtype=np.float64)
    known = ~np.isnan(v)
    exact = known & (np.abs(v) <= EXACT_FLOAT_ID) & (np.floor(v) == v)
    ck.flag(
        known & ~exact,
        "loan_id",
        s,
        f"a loan id stored as a floating-point number is exact only for whole numbers up to 2**53 ({EXACT_FLOAT_ID:,}); "
        "store the ids as text (or integers)",
    )
    text = s.astype(str).to_numpy(dtype=object)
    text[exact] = v[exact].astype(np.int64).astype(str)
    return pd.Series(text, index=s.index, dtype=object)


def _money(df: pd.DataFrame, cols: set[str], ck: _Checker, out: dict[str, Any]) -> None:
    """Balances: numbers in (0, MAX_BALANCE]; current ≤ original + 1 cent."""
    money: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for c in _MONEY:
        if c in cols:
            v, ok = _numeric(df[c], c, ck)
            ck.flag(ok & (v <= 0), c, df[c], "must be > 0 (a pool asset has a balance)")
            ck.flag(
                ok & (v > MAX_BALANCE),
                c,
                df[c],
                f"must be at most {MAX_BALANCE:.0e} for one receivable; a bigger figure is a unit or parsing error",
            )
            money[c] = (v, ok & (v > 0) & (v <= MAX_BALANCE))
            out[c] = v
    if len(money) == 2:
        (o, ook), (cu, cok) = money["original_principal"], money["current_principal"]
        ck.flag(
            ook & cok & (cu > o + CENT),
            "current_principal",
            cu,
            "must not exceed original_principal (+1 cent); original is the amount lent",
        )



def _terms(df: pd.DataFrame, cols: set[str], ck: _Checker, out: dict[str, Any]) -> None:
    """Terms: whole numbers of instalments in 1..MAX_TERM; remaining ≤ original (or from age)."""
    n = len(df)
    term_ok = np.zeros(n, dtype=bool)
    orig_t = np.zeros(n)
    if "original_term" in cols:
        orig_t, term_ok = _integer(df["original_term"], "original_term", ck)
        rng = term_ok & ((orig_t < 1) | (orig_t > MAX_TERM))
        ck.flag(
            rng,
            "original_term",
            df["original_term"],
            f"must be 1..{MAX_TERM} instalments",
        )
        term_ok &= ~rng
        out["original_term"] = orig_t
    rem: np.ndarray | None = None
    rem_ok = np.zeros(n, dtype=bool)
    if "remaining_term" in cols:
        rem, rem_ok = _integer(df["remaining_term"], "remaining_term", ck)
        raw = df["remaining_term"]
        rng = rem_ok & ((rem < 1) | (rem > MAX_TERM))
        ck.flag(rng, "remaining_term", raw, f"must be 1..{MAX_TERM} instalments")
        rem_ok &= ~rng
        ck.flag(
            rem_ok & term_ok & (rem > orig_t),
            "remaining_term",
            raw,
            "must not exceed original_term",
        )
    if "age" in cols:
        age, age_ok = _integer(df["age"], "age", ck)
        raw = df["age"]
        neg = age_ok & (age < 0)
        ck.flag(neg, "age", raw, "must be ≥ 0 months on book")
        age_ok &= ~neg
        if rem is None:
            ck.flag(
                age_ok & term_ok & (age >= orig_t),
                "age",
                raw,
                "must be < original_term (remaining_term = original_term − age ≥ 1)",
            )
            rem = orig_t - age
        else:
            ck.flag(
                age_ok & rem_ok & term_ok & (age != orig_t - rem),
                "age",
                raw,
                "must equal original_term − remaining_term",
            )
    if rem is not None:
        out["remaining_term"] = rem



def _product(df: pd.DataFrame, cols: set[str], ck: _Checker, out: dict[str, Any], distinct: Mapping[str, Any]) -> None:
    """product: one of the product keys or their Chinese names."""
    if "product" in cols:
        s = df["product"]
        d = _Distinct(s, distinct.get("product"))  # strip, lower and look up each distinct spelling once
        stripped = d.uniques.str.strip()
        mapped = np.array([PRODUCT_ALIASES.get(str(u).replace("-", "_"), "") for u in stripped.str.lower()], dtype=object)
        keys = d.spread(mapped, "")  # a missing cell (code -1) is ""
        blank = d.blank(stripped)
        allowed = ", ".join(PRODUCT_KEYS) + " (or " + ", ".join(PRODUCT_LABELS_ZH.values()) + ")"
        ck.flag(blank, "product", s, "missing value")
        ck.flag(
            (keys == "") & ~blank,
            "product",
            s,
            f"unknown product; must be one of {allowed}",
        )
        out["product"] = keys



def _rate(df: pd.DataFrame, cols: set[str], ck: _Checker, out: dict[str, Any]) -> None:
    """rate: a decimal in [0, 1)."""
    if "rate" in cols:
        v, ok = _numeric(df["rate"], "rate", ck)
        raw = df["rate"]
        ck.flag(ok & (v < 0), "rate", raw, "must not be negative")
        ck.flag(
            ok & (v >= 1),
            "rate",
            raw,
            "must be a decimal < 1; looks like a percent: give 0.06 for 6 %",
        )
        out["rate"] = v



def _delinquency(df: pd.DataFrame, cols: set[str], ck: _Checker, out: dict[str, Any]) -> None:
    """Delinquency: days_past_due in 0..180 and/or bucket M0..M6, agreeing when both are given."""
    bucket: np.ndarray | None = None
    if "days_past_due" in cols:
        d, ok = _integer(df["days_past_due"], "days_past_due", ck)
        raw = df["days_past_due"]
        ck.flag(ok & (d < 0), "days_past_due", raw, "must be ≥ 0")
        ck.flag(
            ok & (d > MAX_DAYS_PAST_DUE),
            "days_past_due",
            raw,
            f"more than {MAX_DAYS_PAST_DUE} days past due is M7: written off; not a pool asset",
        )
        ok &= (d >= 0) & (d <= MAX_DAYS_PAST_DUE)
        dd = np.where(ok, d, 0)
        out["days_past_due"] = dd
        bucket = bucket_of_dpd(dd)
    if "bucket" in cols:
        s = df["bucket"]
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            x = s.to_numpy(dtype=np.float64, na_value=np.nan)
            good = np.isfinite(x) & (x == np.round(x)) & (x >= 0) & (x <= len(BUCKET_NAMES) - 1)
            b = np.where(good, np.nan_to_num(x), -1).astype(np.int64)
        else:
            txt = s.astype(str).str.strip().str.lower()
            codes, uniq = pd.factorize(txt, use_na_sentinel=True)
            lut = np.array([_BUCKET_VALUES.get(str(u), -1) for u in uniq] + [-1], dtype=np.int64)
            b = lut[codes]
        raw = s
        ck.flag(b < 0, "bucket", raw, "must be M0..M6 or 0..6")
        ck.flag(b > MAX_POOL_BUCKET, "bucket", raw, "M7 is written off; not a pool asset")
        if bucket is not None:
            ck.flag(
                (b >= 0) & (b <= MAX_POOL_BUCKET) & (bucket != b),
                "bucket",
                raw,
                "must agree with days_past_due (bucket = ⌈dpd / 30⌉, abs_model.core.delinquency.bucket_of_dpd)",
            )
        bucket = b
    if bucket is not None:
        out["bucket"] = bucket



def _origination(df: pd.DataFrame, cols: set[str], ck: _Checker, out: dict[str, Any], cutoff: pd.Timestamp | None) -> None:
    """origination_date: a date, not after the cut-off."""
    if "origination_date" in cols:
        s = df["origination_date"]
        blank = _is_blank(s)
        dates = _to_datetime(s.where(~pd.Series(blank, index=s.index), None))
        bad = dates.isna().to_numpy() & ~blank
        ck.flag(
            bad,
            "origination_date",
            s,
            f"must be a date (YYYY-MM-DD) between {EARLIEST_DATE.date()} and {LATEST_DATE.date()}, written year first "
            "(01/02/2025 could be 1 February or 2 January)",
        )
        if cutoff is not None:
            late = (dates > cutoff).to_numpy(dtype=bool, na_value=False)
            ck.flag(
                late,
                "origination_date",
                s,
                f"must not be after the cut-off date {cutoff.date().isoformat()}",
            )
        out["origination_date"] = dates.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))


#: Characters no name may hold: control characters (ESC, \x01, line breaks, U+2028/U+2029), bidirectional
#: overrides and every other invisible format character (Unicode category Cf: zero-width space, soft hyphen,
#: BOM, word joiner, tags), as :func:`abs_model.core.limits.name_problem`: "A1" and "A1" + U+200B are one loan
#: to the eye. The Cf ranges are Unicode 14's (tests check them against :mod:`unicodedata`).
_INVISIBLE = (
    (0x00, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70F, 0x70F),
    (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064),
    (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0xFFFE, 0xFFFF), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)
_CONTROL_RE2 = "[" + "".join(f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in _INVISIBLE) + "]"  # RE2 spelling
_CONTROL_RE = re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _INVISIBLE) + "]")
#: UTF-8 lead bytes of the invisible characters above 0x7f (besides C2, E2, EF, F0, checked with the byte
#: after them): any of them sends a column to the exact regex.
_RARE_LEADS = (0xD8, 0xDB, 0xDC, 0xE0, 0xE1, 0xF3)


def _segments(df: pd.DataFrame, cols: set[str], ck: _Checker, out: dict[str, Any], distinct: Mapping[str, Any]) -> None:
    """Segments: text, stripped; blanks become ""; no control characters (they end up in the
    report and the workbook), at most MAX_NAME_LENGTH characters."""
    for c in SEGMENT_COLUMNS:
        if c in cols:
            d = _Distinct(df[c], distinct.get(c))  # strip and check each distinct value once
            stripped = d.uniques.str.strip()
            blank = d.blank(stripped)
            # no blank and nothing to strip (the usual tape): the column is its own text
            same = not blank.any() and bool((stripped == d.uniques).all())
            text = d.text if same else _spread_text(d, stripped, blank)
            _flag_names(text, c, ck, distinct=(d, stripped, blank))
            out[c] = text


def _flag_names(
    text: pd.Series, column: str, ck: _Checker, *, distinct: tuple[_Distinct, pd.Series, np.ndarray] | None = None
) -> None:
    """Flag cells holding control characters or longer than MAX_NAME_LENGTH (vectorised with
    pyarrow's regex engine when it is installed, else one scan of the distinct values).
    ``distinct``: the column's factorization, the text of each distinct value and the blank
    cells (whose text is "", never flagged), so the masks are computed once per distinct value."""
    if distinct is None:
        bad, long = _control_and_length(text)
    else:
        d, per_unique, blank = distinct
        bad_u, long_u = _control_and_length(per_unique)
        bad = None if bad_u is None else d.spread(bad_u, False) & ~blank
        long = None if long_u is None else d.spread(long_u, False) & ~blank
        bad = None if bad is None or not bad.any() else bad
        long = None if long is None or not long.any() else long
    if bad is not None:
        ck.flag(bad, column, text, "must not contain control or invisible characters (e.g. ESC, \\x01, a line break)")
    if long is not None:
        ck.flag(long, column, text.str.slice(0, 40) + "…", f"must be at most {MAX_NAME_LENGTH} characters")


def _control_and_length(text: pd.Series) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Masks of cells with a control character and of cells that are too long (None: no such cell)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        uniq = [str(v) for v in pd.unique(text.to_numpy(dtype=object, na_value=""))]
        bad = None
        if _CONTROL_RE.search("".join(uniq)):
            bad = np.fromiter((_CONTROL_RE.search(str(v)) is not None for v in text), dtype=bool, count=len(text))
        too_long = max(map(len, uniq), default=0) > MAX_NAME_LENGTH
        return bad, (text.str.len() > MAX_NAME_LENGTH).to_numpy(dtype=bool, na_value=False) if too_long else None
    arr = pa.array(text.astype(str), type=pa.large_string(), from_pandas=True)
    bad = None
    if _may_hold_control(arr):  # else no cell can match: skip the regex over every cell
        hits = pc.fill_null(pc.match_substring_regex(arr, _CONTROL_RE2), False)
        bad = hits.to_numpy(zero_copy_only=False) if pc.any(hits).as_py() else None
    lengths = pc.fill_null(pc.utf8_length(arr), 0)
    long = pc.greater(lengths, MAX_NAME_LENGTH)
    return bad, (long.to_numpy(zero_copy_only=False) if pc.any(long).as_py() else None)


def _may_hold_control(arr: Any) -> bool:
    """False only when no string of the Arrow array ``arr`` can hold a character of
    :data:`_CONTROL_RE`: one pass over its UTF-8 bytes, looking for a byte below 0x20 or 0x7f, a
    C1 control or soft hyphen (C2 80–9F, C2 AD), a lead E2 80/E2 81 (U+2000–U+207F: zero-width,
    line-break and bidirectional controls), EF BB / EF BF (U+FEFF, U+FFC0–U+FFFF), F0 91/93/9B/9D
    (the format characters of plane 1; not F0 9F, emoji) or a lead of :data:`_RARE_LEADS`
    (Arabic, Syriac, U+0800–U+1FFF, tags). Conservative: True sends the caller to the exact regex."""
    chunks = arr.chunks if hasattr(arr, "chunks") else [arr]
    for chunk in chunks:
        data = chunk.buffers()[2]
        if data is None:
            continue
        b = np.frombuffer(data, dtype=np.uint8)
        if not len(b) or (b.min() >= 0x20 and b.max() < 0x7F):  # printable ASCII only (e.g. loan ids): no control
            continue
        seen = np.bincount(b, minlength=256)
        if seen[:0x20].any() or seen[0x7F]:
            return True
        if seen[list(_RARE_LEADS)].any():
            return True
        if not (seen[0xC2] or seen[0xE2] or seen[0xEF] or seen[0xF0]):  # no lead byte of a control above 0x7f
            continue
        lead, nxt = b[:-1], b[1:]
        c1 = (lead == 0xC2) & (((nxt >= 0x80) & (nxt <= 0x9F)) | (nxt == 0xAD))
        e2 = (lead == 0xE2) & ((nxt == 0x80) | (nxt == 0x81))
        ef = (lead == 0xEF) & ((nxt == 0xBB) | (nxt == 0xBF))
        f0 = (lead == 0xF0) & ((nxt == 0x91) | (nxt == 0x93) | (nxt == 0x9B) | (nxt == 0x9D))
        if (c1 | e2 | ef | f0).any():
            return True
    return False


def _clean_frame(out: dict[str, Any]) -> pd.DataFrame:
    """The validated columns with their canonical dtypes, in :data:`COLUMNS` order."""
    clean = pd.DataFrame(
        {
            "loan_id": out["loan_id"],
            "original_principal": out["original_principal"].astype(np.float64),
            "current_principal": out["current_principal"].astype(np.float64),
            "original_term": out["original_term"].astype(np.int32),
            "remaining_term": out["remaining_term"].astype(np.int32),
            "product": pd.Series(out["product"], dtype=object),
            "rate": out["rate"].astype(np.float64),
            "bucket": out["bucket"].astype(np.int8),
        }
    )
    if "days_past_due" in out:
        clean["days_past_due"] = out["days_past_due"].astype(np.int32)
    if "origination_date" in out:
        clean["origination_date"] = out["origination_date"]
    for c in SEGMENT_COLUMNS:
        if c in out:
            clean[c] = out[c].reset_index(drop=True)
    return clean


def _order(p: RowProblem) -> tuple[int, int]:
    return (-1 if p.row is None else p.row, COLUMNS.index(p.column) if p.column in COLUMNS else 99)


def _cutoff(cutoff_date: Any) -> pd.Timestamp | None:
    if cutoff_date is None:
        return None
    try:
        ts = pd.Timestamp(cutoff_date)
    except (ValueError, TypeError):
        raise AbsModelError(f"cutoff_date: must be a date (YYYY-MM-DD); got {cutoff_date!r}") from None
    if pd.isna(ts):
        raise AbsModelError(f"cutoff_date: must be a date (YYYY-MM-DD); got {cutoff_date!r}")
    return ts.normalize()



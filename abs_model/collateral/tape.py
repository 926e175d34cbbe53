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

import os
import re
import sqlite3
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abs_model.collateral.pool import BUCKET_NAMES, MAX_POOL_BUCKET
from abs_model.core.pricing import MAX_TERM
from abs_model.core.products import PRODUCT_KEYS, PRODUCT_LABELS_ZH
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

SEGMENT_COLUMNS: tuple[str, ...] = ("region", "channel", "score_band")
#: Columns a tape must provide (``remaining_term`` may come as ``age``, ``bucket`` as
#: ``days_past_due``).
REQUIRED_COLUMNS: tuple[str, ...] = (
    "loan_id",
    "original_principal",
    "current_principal",
    "original_term",
    "remaining_term",
    "product",
    "rate",
    "bucket",
)
#: Every canonical column, in output order (``age`` is an input alternative only).
COLUMNS: tuple[str, ...] = (
    *REQUIRED_COLUMNS,
    "days_past_due",
    "origination_date",
    *SEGMENT_COLUMNS,
)
_INPUT_ONLY = ("age",)
_ALTERNATIVES = {"remaining_term": "age", "bucket": "days_past_due"}

#: Days past due above this are M7 (written off), not a pool asset.
MAX_DAYS_PAST_DUE = 180
#: Refuse an XLSX whose members declare more than this many uncompressed bytes in total.
MAX_XLSX_UNCOMPRESSED = 1 << 30
#: ... or a member larger than 10 MB that claims to compress better than this ratio (real sheet
#: XML compresses about 10:1; a zip bomb compresses hundreds to thousands to one).
MAX_XLSX_RATIO = 100
#: Largest balance accepted for one receivable (1e12 in the tape's currency): a bigger figure is a
#: unit or parsing error (cents read as units, an id read as a number), not a loan.
MAX_BALANCE = 1e12
#: Field separators recognised in a tape whose header did not split on the expected one.
_OTHER_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
CENT = 0.01

#: Built-in Chinese header map (applies automatically to headers found in it).
ZH_COLUMNS: Mapping[str, str] = {
    "借据号": "loan_id",
    "借据编号": "loan_id",
    "贷款编号": "loan_id",
    "资产编号": "loan_id",
    "合同金额": "original_principal",
    "放款金额": "original_principal",
    "借款金额": "original_principal",
    "剩余本金": "current_principal",
    "未偿本金": "current_principal",
    "本金余额": "current_principal",
    "期数": "original_term",
    "总期数": "original_term",
    "分期期数": "original_term",
    "剩余期数": "remaining_term",
    "账龄": "age",
    "产品类型": "product",
    "还款方式": "product",
    "费率": "rate",
    "利率": "rate",
    "分期费率": "rate",
    "放款日期": "origination_date",
    "逾期天数": "days_past_due",
    "逾期状态": "bucket",
    "地区": "region",
    "区域": "region",
    "渠道": "channel",
    "评分等级": "score_band",
    "信用等级": "score_band",
}

#: Product spellings accepted in the ``product`` column (after strip + lower-case).
PRODUCT_ALIASES: Mapping[str, str] = {
    **{k: k for k in PRODUCT_KEYS},
    **{v: k for k, v in PRODUCT_LABELS_ZH.items()},
    "免息": "bullet",
    "先息后本": "bullet",
    "flat fee": "flat_fee",
    "level payment": "level_payment",
    "equal principal": "equal_principal",
}

_MONEY = ("original_principal", "current_principal")
#: Columns read as text from CSV (ids keep leading zeros).
_TEXT_COLUMNS = ("loan_id", "product", "bucket", "origination_date", *SEGMENT_COLUMNS)
_BUCKET_VALUES = {**{f"m{i}": i for i in range(8)}, **{str(i): i for i in range(8)}}


# ---------------------------------------------------------------------------------------- loading
def _file_problem(source: str, what: str, value: Any, rule: str) -> TapeError:
    return TapeError(source, [RowProblem(None, what, value, rule)])


def _read_csv(path: Path, encoding: str | None, sep: str, columns: Mapping[str, str] | None) -> pd.DataFrame:
    """Read a CSV letting pandas parse numbers natively (fast); ids stay text (leading zeros).

    Only empty cells are missing values; any other text in a numeric column keeps that column as
    text, and validation then names each offending cell.
    """
    enc = encoding or "utf-8-sig"
    opts: dict[str, Any] = {"sep": sep, "encoding": enc, "skipinitialspace": True}
    try:
        try:
            header = pd.read_csv(path, nrows=0, **opts).columns
        except pd.errors.EmptyDataError:
            raise _file_problem(str(path), "(file)", path.stat().st_size, "the file is empty: no header row and no loans") from None
        if len(header) == 1:
            _check_separator(path, str(header[0]), sep)
        user = _user_map(columns)
        text_cols = {h: str for h in header if _target(str(h), user) in _TEXT_COLUMNS}
        return pd.read_csv(path, dtype=text_cols, keep_default_na=False, na_values=[""], low_memory=False, **opts)
    except UnicodeDecodeError as exc:
        hint = (
            'Chinese tapes are often GBK-encoded: pass encoding="gbk"'
            if encoding is None
            else f"check the declared encoding {encoding!r}"
        )
        raise _file_problem(
            str(path),
            "(encoding)",
            enc,
            f"cannot decode the file as {enc} (byte {exc.start}); {hint}",
        ) from None


def _check_separator(path: Path, header: str, sep: str) -> None:
    """A header that did not split but holds another separator: say which one, refuse the file."""
    expected = _OTHER_SEPARATORS[sep]
    for other, name in _OTHER_SEPARATORS.items():
        if other != sep and other in header:
            if other == "\t":
                fix = "rename it .tsv, or save it comma-separated (Excel: Save As → CSV UTF-8)"
            elif other == ",":
                fix = "rename it .csv"
            else:
                fix = "save it comma-separated (Excel: Save As → CSV UTF-8)"
            raise _file_problem(
                str(path),
                "(separator)",
                header[:80],
                f"the header is separated by {name}s ({other!r}), not {expected}s; {fix}",
            )


_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _check_xlsx_archive(path: Path) -> None:
    """Refuse zip bombs (by the members' declared sizes) and XML with a DTD (entity attacks).

    Checked before openpyxl opens the file. openpyxl also parses through defusedxml when it is
    installed; the DTD check here holds whatever the environment says.
    """
    src = str(path)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _file_problem(src, "(file)", path.suffix, "not a valid XLSX (zip) file") from None
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_XLSX_UNCOMPRESSED:
            raise _file_problem(
                src,
                "(file)",
                total,
                f"declares more than {MAX_XLSX_UNCOMPRESSED} uncompressed bytes; refused as a "
                "possible zip bomb (split the tape or use CSV/Parquet)",
            )
        for i in infos:
            if i.file_size > 10_000_000 and i.file_size > MAX_XLSX_RATIO * max(i.compress_size, 1):
                raise _file_problem(
                    src,
                    i.filename,
                    f"{i.compress_size} -> {i.file_size} bytes",
                    f"compression ratio above {MAX_XLSX_RATIO}; refused as a possible zip bomb",
                )
        for i in infos:
            if not i.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            with zf.open(i) as fh:
                head = b""
                while True:
                    chunk = fh.read(65536)
                    if not chunk:
                        break
                    head += chunk
                    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                        text = head.decode("utf-16", errors="ignore").encode("utf-8")
                    else:
                        text = head
                    m = _ROOT_START.search(text)
                    if m or len(head) > 1 << 20:
                        prolog = text[: m.start()] if m else text
                        if _DTD.search(prolog):
                            raise _file_problem(
                                src,
                                i.filename,
                                "<!DOCTYPE",
                                "XML declares a DTD/entities; refused (XLSX never needs one)",
                            )
                        break


def _read_xlsx(path: Path, sheet: str | int | None) -> pd.DataFrame:
    import openpyxl

    _check_xlsx_archive(path)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(wb.worksheets):
                raise _file_problem(str(path), "(sheet)", sheet, f"sheet index must be 0..{len(wb.worksheets) - 1}")
            ws = wb.worksheets[sheet]
        else:
            if sheet not in wb.sheetnames:
                raise _file_problem(str(path), "(sheet)", sheet, f"no such sheet; the file has {wb.sheetnames}")
            ws = wb[sheet]
        rows = ws.iter_rows(values_only=True)
        header: tuple[Any, ...] | None = None
        for r in rows:
            if any(v is not None and str(v).strip() for v in r):
                header = r
                break
        if header is None:
            return pd.DataFrame()
        width = len(header)
        while width and (header[width - 1] is None or not str(header[width - 1]).strip()):
            width -= 1
        data = [r[:width] for r in rows if any(v is not None for v in r[:width])]
        index = wb.worksheets.index(ws)
    finally:
        wb.close()
    if any(v is None for r in data for v in r):
        _check_formulas(path, index, width)
    names = ["" if h is None else str(h) for h in header[:width]]
    return pd.DataFrame(data, columns=names, dtype=object)


def _check_formulas(path: Path, index: int, width: int) -> None:
    """Empty cells may be formulas whose value was never saved (a file written by a program that
    does not calculate, e.g. a script): openpyxl can only read the values Excel last saved.
    Second pass, only when the first one found empty cells."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = wb.worksheets[index]
        found: list[str] = []
        count = 0
        for r in ws.iter_rows(max_col=width):
            for c in r:
                if isinstance(c.value, str) and c.value.startswith("="):
                    count += 1
                    if len(found) < 5:
                        found.append(f"{getattr(c, 'coordinate', '?')} {c.value!r}")
    finally:
        wb.close()
    if count:
        raise _file_problem(
            str(path),
            "(formulas)",
            ", ".join(found) + (", …" if count > len(found) else ""),
            f"{count} cell(s) hold formulas with no saved value; open the file in Excel or WPS and "
            "save it (or paste the cells as values) so the tape carries numbers",
        )


def _read_sql(source: Any, query: str) -> tuple[pd.DataFrame, str]:
    import sqlalchemy

    if isinstance(source, str | os.PathLike):
        url = str(source) if "://" in str(source) else f"sqlite:///{source}"
        engine = sqlalchemy.create_engine(url)
        name = engine.url.render_as_string(hide_password=True)
        try:
            with engine.connect() as conn:
                df = pd.read_sql_query(sqlalchemy.text(query), conn)
        finally:
            engine.dispose()
        return df, f"{name} [{query}]"
    if isinstance(source, sqlalchemy.Engine | sqlalchemy.Connection):
        return pd.read_sql_query(sqlalchemy.text(query), source), f"<sqlalchemy> [{query}]"
    if isinstance(source, sqlite3.Connection) or hasattr(source, "cursor"):
        return pd.read_sql_query(query, source), f"<sql connection> [{query}]"
    raise AbsModelError(
        f"source: with query= give a SQLAlchemy URL (e.g. 'sqlite:///tape.db'), engine or "
        f"connection, or a DBAPI connection; got {type(source).__name__}"
    )


def _load(
    source: Any, sheet: str | int | None, query: str | None, encoding: str | None, columns: Mapping[str, str] | None
) -> tuple[pd.DataFrame, str]:
    if query is not None:
        return _read_sql(source, query)
    if isinstance(source, pd.DataFrame):
        return source.copy(), "<DataFrame>"
    if not isinstance(source, str | os.PathLike):
        raise AbsModelError(
            "source: must be a CSV/Parquet/XLSX path, a DataFrame, or a SQL URL/connection with "
            f"query=; got {type(source).__name__}"
        )
    path = Path(source)
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileNotFoundError(f"{path}: loan tape not found")
    if suffix in (".csv", ".txt"):
        return _read_csv(path, encoding, ",", columns), str(path)
    if suffix == ".tsv":
        return _read_csv(path, encoding, "\t", columns), str(path)
    if suffix in (".parquet", ".pq"):
        try:
            return pd.read_parquet(path), str(path)
        except (ValueError, OSError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise _file_problem(
                str(path),
                "(file)",
                f"{path.stat().st_size} bytes",
                f"not a readable Parquet file (truncated or corrupt: {reason}); write it again",
            ) from None
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet), str(path)
    raise _file_problem(
        str(path),
        "(file)",
        suffix,
        "unsupported tape format; use .csv, .tsv, .parquet, .xlsx, or query= for SQL",
    )


# --------------------------------------------------------------------------------------- renaming
def _canonical_name(header: str) -> str:
    h = header.strip().lstrip("\ufeff")
    low = re.sub(r"[\s\-]+", "_", h.lower())
    return low if low in COLUMNS or low in _INPUT_ONLY else h


def _user_map(columns: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k).strip(): v for k, v in (columns or {}).items()}


def _target(header: str, user: Mapping[str, str]) -> str:
    """Canonical name of a tape header: ``columns=`` first, then the Chinese map, then itself."""
    h = header.strip().lstrip("\ufeff")
    if h in user:
        return user[h]
    if h in ZH_COLUMNS:
        return ZH_COLUMNS[h]
    return _canonical_name(h)


def _rename(df: pd.DataFrame, columns: Mapping[str, str] | None, problems: list[RowProblem]) -> pd.DataFrame:
    user = _user_map(columns)
    allowed = set(COLUMNS) | set(_INPUT_ONLY)
    for k, v in user.items():
        if v not in allowed:
            problems.append(RowProblem(None, k, v, f"columns= maps to an unknown column; use one of {COLUMNS}"))
    new = [_target(str(col), user) for col in df.columns]
    seen: dict[str, str] = {}
    for orig, name in zip(df.columns, new, strict=True):
        if name in allowed and name in seen:
            problems.append(
                RowProblem(
                    None,
                    name,
                    [seen[name], str(orig)],
                    "two tape columns map to the same canonical column; drop one or pass columns=",
                )
            )
        seen.setdefault(name, str(orig))
    out = df.copy(deep=False)
    out.columns = pd.Index(new)
    return out.loc[:, ~out.columns.duplicated()]


# ------------------------------------------------------------------------------------- validation
class _Checker:
    """Collects :class:`RowProblem` from boolean masks (one Python step per *bad* row only)."""

    def __init__(self, n: int, problems: list[RowProblem]) -> None:
        self.n = n
        self.problems = problems
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
        vals = s.to_numpy(dtype=np.float64, na_value=np.nan)
        blank = np.isnan(vals)
        text = np.zeros(len(s), dtype=bool)
    else:
        blank = _is_blank(s)
        cleaned = s.astype(str).str.strip().str.replace(",", "", regex=False)
        vals = pd.to_numeric(cleaned.where(~blank, None), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        text = np.isnan(vals) & ~blank
        if text.any():
            pct = text & cleaned.str.endswith("%").to_numpy(dtype=bool)
            ck.flag(pct, name, raw, "must be a number, not a percent string; write 12 % as 0.12 (rates are decimals)")
            text &= ~pct
    ck.flag(blank, name, raw, "missing value")
    ck.flag(text, name, raw, "must be a number, not text")
    inf = np.isinf(vals)
    ck.flag(inf, name, raw, "must be finite")
    return vals, ~(blank | text | inf | np.isnan(vals))


def _integer(s: pd.Series, name: str, ck: _Checker) -> tuple[np.ndarray, np.ndarray]:
    vals, ok = _numeric(s, name, ck)
    frac = ok & (vals != np.round(vals))
    ck.flag(frac, name, s, "must be a whole number")
    return vals, ok & ~frac


def _to_datetime(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s
    return pd.to_datetime(s, errors="coerce", format="mixed")


def _validate(df: pd.DataFrame, source: str, cutoff: pd.Timestamp | None, problems: list[RowProblem]) -> pd.DataFrame:
    n = len(df)
    ck = _Checker(n, problems)
    cols = set(df.columns)
    for c in REQUIRED_COLUMNS:
        alt = _ALTERNATIVES.get(c)
        if c not in cols and (alt is None or alt not in cols):
            rule = "required column is missing" + (f" (or give {alt!r})" if alt else "")
            problems.append(RowProblem(None, c, sorted(map(str, df.columns)), rule))
    if n == 0:
        problems.append(RowProblem(None, "(rows)", 0, "the tape has a header but no loans"))
    out: dict[str, Any] = {}

    # loan_id -----------------------------------------------------------------------------
    if "loan_id" in cols:
        s = df["loan_id"]
        blank = _is_blank(s)
        ck.flag(blank, "loan_id", s, "missing value")
        ids = s.astype(str).str.strip()
        dup = ids.duplicated(keep=False).to_numpy() & ~blank
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

    # money -------------------------------------------------------------------------------
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

    # terms -------------------------------------------------------------------------------
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

    # product -----------------------------------------------------------------------------
    if "product" in cols:
        s = df["product"]
        codes, uniq = pd.factorize(s.astype(str).str.strip().str.lower(), use_na_sentinel=True)
        mapped = np.array([PRODUCT_ALIASES.get(str(u).replace("-", "_"), "") for u in uniq] + [""], dtype=object)
        keys = mapped[codes]  # code -1 (NaN) picks the trailing ""
        blank = _is_blank(s)
        allowed = ", ".join(PRODUCT_KEYS) + " (or " + ", ".join(PRODUCT_LABELS_ZH.values()) + ")"
        ck.flag(blank, "product", s, "missing value")
        ck.flag(
            (keys == "") & ~blank,
            "product",
            s,
            f"unknown product; must be one of {allowed}",
        )
        out["product"] = keys

    # rate --------------------------------------------------------------------------------
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

    # delinquency -------------------------------------------------------------------------
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
        bucket = np.ceil(dd / 30.0)
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
                "must agree with days_past_due (bucket = ceil(dpd / 30))",
            )
        bucket = b
    if bucket is not None:
        out["bucket"] = bucket

    # origination date --------------------------------------------------------------------
    if "origination_date" in cols:
        s = df["origination_date"]
        blank = _is_blank(s)
        dates = _to_datetime(s.where(~pd.Series(blank, index=s.index), None))
        bad = dates.isna().to_numpy() & ~blank
        ck.flag(bad, "origination_date", s, "must be a date (YYYY-MM-DD)")
        if cutoff is not None:
            late = (dates > cutoff).to_numpy(dtype=bool, na_value=False)
            ck.flag(
                late,
                "origination_date",
                s,
                f"must not be after the cut-off date {cutoff.date().isoformat()}",
            )
        out["origination_date"] = dates.to_numpy().astype("datetime64[ns]")

    for c in SEGMENT_COLUMNS:
        if c in cols:
            s = df[c]
            out[c] = s.astype(str).str.strip().where(~pd.Series(_is_blank(s), index=s.index), "")

    if problems:
        raise TapeError(source, sorted(problems, key=_order))

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


# ------------------------------------------------------------------------------------------ entry
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
    raw, name = _load(source, sheet, query, encoding, columns)
    problems: list[RowProblem] = []
    renamed = _rename(raw, columns, problems)
    known = set(COLUMNS) | set(_INPUT_ONLY)
    ignored = [str(c) for c in renamed.columns if c not in known]
    clean = _validate(renamed, name, cutoff, problems)
    clean.attrs["source"] = name
    clean.attrs["cutoff_date"] = None if cutoff is None else cutoff.date()
    clean.attrs["ignored_columns"] = ignored
    return clean

"""Tape readers: CSV/TSV, Parquet, XLSX (zip-bomb and DTD checks), SQL; each returns the raw
table and a name for the source. Nothing here validates cells (see :mod:`.rules`)."""

from __future__ import annotations

import contextlib
import csv
import os
import re
import sqlite3
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from abs_model.collateral.fields import SEGMENT_COLUMNS
from abs_model.collateral.tape import fastcsv
from abs_model.collateral.tape.headers import _INPUT_ONLY, _OTHER_SEPARATORS, _TEXT_COLUMNS, COLUMNS, _target, _user_map
from abs_model.core.optional import require
from abs_model.errors import AbsModelError, RowProblem, TapeError

#: Refuse an XLSX whose members declare more than this many uncompressed bytes in total.
MAX_XLSX_UNCOMPRESSED = 1 << 30
#: ... or a member larger than 10 MB that claims to compress better than this ratio (real sheet
#: XML compresses about 10:1; a zip bomb compresses hundreds to thousands to one).
MAX_XLSX_RATIO = 100
#: Read CSV/TSV tapes with pyarrow's reader when it gives pandas' table exactly (:mod:`.fastcsv`);
#: False reads every CSV with pandas (the tests compare both).
FAST_CSV = True
#: Canonical text columns with few distinct values, read as dictionaries from Parquet and by the
#: fast CSV reader (their factorization then serves validation); () turns that off.
_CODED: tuple[str, ...] = ("product", "bucket", *SEGMENT_COLUMNS)

def _file_problem(source: str, what: str, value: Any, rule: str) -> TapeError:
    return TapeError(source, [RowProblem(None, what, value, rule)])


def _read_csv(
    path: Path,
    encoding: str | None,
    sep: str,
    columns: Mapping[str, str] | None,
    decimal: str = ".",
    distinct: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Read a CSV letting pandas parse numbers natively (fast); ids stay text (leading zeros).

    Only empty cells are missing values; any other text in a numeric column keeps that column as
    text, and validation then names each offending cell. With ``decimal=","`` every column is
    read as text and numbers are parsed by the validation rules. A UTF-16 file (with a byte-order
    mark) is recognised; duplicated headers are kept as they are (validation refuses them).
    pyarrow's reader is used when it gives this table exactly (:data:`FAST_CSV`, :mod:`.fastcsv`;
    ``distinct`` then receives the factorization of product, bucket and segment columns).
    """
    enc = encoding or _sniff_encoding(path)
    opts: dict[str, Any] = {"sep": sep, "encoding": enc, "skipinitialspace": True}
    try:
        try:
            raw_header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False, **opts).iloc[0].tolist()
        except pd.errors.EmptyDataError:
            raise _file_problem(str(path), "(file)", path.stat().st_size, "the file is empty: no header row and no loans") from None
        if len(raw_header) == 1:
            _check_separator(path, str(raw_header[0]), sep)
        user = _user_map(columns)
        header = pd.read_csv(path, nrows=0, **opts).columns
        text_cols: Any = str if decimal != "." else {h: str for h in header if _target(str(h), user) in _TEXT_COLUMNS}
        df = _read_csv_fast(path, enc, sep, raw_header, user, distinct) if FAST_CSV and decimal == "." else None
        if df is None:
            df = pd.read_csv(path, dtype=text_cols, keep_default_na=False, na_values=[""], low_memory=False, **opts)
    except UnicodeError as exc:
        hint = (
            'Chinese tapes are often GBK-encoded: pass encoding="gbk" (CLI: --encoding gbk)'
            if encoding is None
            else f"check the declared encoding {encoding!r}"
        )
        where = f" (byte {exc.start})" if isinstance(exc, UnicodeDecodeError) else ""
        raise _file_problem(str(path), "(encoding)", enc, f"cannot decode the file as {enc}{where}; {hint}") from None
    except LookupError:
        raise _file_problem(str(path), "(encoding)", enc, "unknown text encoding; use e.g. utf-8, gbk, gb18030, utf-16") from None
    except pd.errors.ParserError as exc:
        raise _file_problem(
            str(path), "(file)", _first_line(exc), "cannot be parsed as CSV (a field with an unquoted separator or quote?)"
        ) from None
    if len(raw_header) > 1:  # a one-column "header" is no table: the header rule names the file, unechoed
        _check_no_extra_fields(str(path), df, len(raw_header))
    if len(raw_header) == len(df.columns):
        df.columns = pd.Index([str(h) for h in raw_header])  # pandas renames a duplicate "rate" to "rate.1"
    df.attrs["lines"] = _LineCounter(path, enc, sep)
    return df


def _check_no_extra_fields(source: str, df: pd.DataFrame, n_header: int) -> None:
    """Data rows with more fields than the header (every line ending in a separator, as some
    exports write them): pandas then takes the first column(s) as the index and shifts every
    value one column left, so the tape was refused cell by cell under the wrong names (the loan
    id read as original_principal, 'flat_fee' as remaining_term). One problem naming the cause."""
    idx = df.index
    if isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1:
        return
    extra = idx.nlevels
    raise _file_problem(
        source,
        "(file)",
        f"{n_header + extra} fields in a data row, {n_header} in the header",
        f"the data rows have {extra} more field(s) than the header, so every value would be read one column "
        "to the left (a separator at the end of each line?); remove the trailing separator or name the extra column",
    )


def _read_csv_fast(
    path: Path, enc: str, sep: str, raw_header: list[Any], user: Mapping[str, str], distinct: dict[str, Any] | None = None
) -> pd.DataFrame | None:
    """pyarrow's reading of the file when it gives pandas' table exactly (:mod:`.fastcsv`), else None.
    Columns mapped to a canonical number column are numbers; the others are text (unknown
    columns are dropped by validation, only their names are used), product, bucket and segment
    columns read as dictionaries whose factorization goes to ``distinct``."""
    numbers = set(COLUMNS) - set(_TEXT_COLUMNS) | set(_INPUT_ONLY)
    targets = [_target(str(h), user) for h in raw_header]
    kinds = [fastcsv.NUMBER if t in numbers else fastcsv.CODED if t in _CODED else fastcsv.TEXT for t in targets]
    return fastcsv.read_csv_arrow(path, enc, sep, [str(h) for h in raw_header], kinds, distinct)


class _LineCounter:
    """File line on which each data record starts (blank lines and quoted line breaks counted);
    computed only when a problem has to be reported."""

    def __init__(self, path: Path, encoding: str, sep: str) -> None:
        self.path, self.encoding, self.sep = path, encoding, sep

    def lines(self) -> list[int] | None:
        try:
            return self._count()
        except (csv.Error, OSError, UnicodeError):  # e.g. a field beyond the csv module's limit: no lines then
            return None

    def _count(self) -> list[int]:
        out: list[int] = []
        with open(self.path, encoding=self.encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=self.sep)
            end = 0
            header_seen = False
            for record in reader:
                start, end = end + 1, reader.line_num
                if not record or (len(record) == 1 and not record[0].strip()):
                    # the lines pandas skips: empty or blank; a row of empty fields (',,,,') is a
                    # record to it (every later line was named one too far down)
                    continue
                if header_seen:
                    out.append(start)
                header_seen = True
        return out


def _sniff_encoding(path: Path) -> str:
    """UTF-16 when the file starts with its byte-order mark; otherwise UTF-8 (with or without BOM)."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    with open(path, "rb") as fh:
        sample = fh.read(4096)
    if len(sample) >= 8 and sample.count(0) * 3 > len(sample):  # every other byte is zero: UTF-16 text
        order = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        raise _file_problem(
            str(path),
            "(encoding)",
            "UTF-16 without a byte-order mark",
            f"the file looks like {order.upper()} text without a byte-order mark; pass encoding={order!r} (CLI: --encoding {order})",
        )
    return "utf-8-sig"


def _check_separator(path: Path, header: str, sep: str) -> None:
    """A header that did not split but holds another separator: say which one, refuse the file."""
    expected = _OTHER_SEPARATORS[sep]
    for other, name in _OTHER_SEPARATORS.items():
        if other != sep and other in header and _looks_like_tape_header(header.split(other)):
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


def _looks_like_tape_header(names: list[str]) -> bool:
    """At least one header names a tape column (so a file that is not a tape is never echoed)."""
    known = {*COLUMNS, "age"}
    return any(_target(str(n), {}) in known for n in names)


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
        rows = enumerate(ws.iter_rows(values_only=True), start=1)
        header: tuple[Any, ...] | None = None
        for _, r in rows:
            if any(v is not None and str(v).strip() for v in r):
                header = r
                break
        if header is None:
            return pd.DataFrame()
        width = len(header)
        while width and (header[width - 1] is None or not str(header[width - 1]).strip()):
            width -= 1
        kept = [(k, r[:width]) for k, r in rows if any(v is not None for v in r[:width])]
        data = [r for _, r in kept]
        index = wb.worksheets.index(ws)
    finally:
        wb.close()
    if any(v is None for r in data for v in r):
        _check_formulas(path, index, width)
    names = ["" if h is None else str(h) for h in header[:width]]
    df = pd.DataFrame(data, columns=names, dtype=object)
    df.attrs["lines"] = [k for k, _ in kept]  # sheet row numbers, as Excel shows them
    return df


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
    """Run ``query`` against ``source``. A bare path is an existing SQLite file, opened read-only
    with the standard library (a typo never creates an empty database); a URL needs SQLAlchemy
    (the ``sql`` extra). A failing query is a :class:`TapeError` naming the source."""
    if isinstance(source, str | os.PathLike) and "://" not in str(source):
        path = Path(source)
        if not path.is_file():
            raise _file_problem(str(path), "(file)", str(path), "no such SQLite database file (nothing was created)")
        name = f"{path} [{query}]"
        try:
            with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
                return pd.read_sql_query(query, conn), name
        except (sqlite3.Error, pd.errors.DatabaseError) as exc:
            raise _file_problem(str(path), "(query)", query, f"the query failed: {_first_line(exc)}") from None
    if isinstance(source, sqlite3.Connection):
        return _run_query(lambda: pd.read_sql_query(query, source), f"<sql connection> [{query}]", query)
    if isinstance(source, str | os.PathLike):
        sqlalchemy = require("sqlalchemy", feature="read_tape from a database URL")
        engine = _engine(sqlalchemy, str(source))
        name = engine.url.render_as_string(hide_password=True)
        try:
            with engine.connect() as conn:
                return _run_query(lambda: pd.read_sql_query(sqlalchemy.text(query), conn), f"{name} [{query}]", query)
        finally:
            engine.dispose()
    if type(source).__module__.startswith("sqlalchemy"):
        sqlalchemy = require("sqlalchemy", feature="read_tape from a SQLAlchemy engine")
        return _run_query(lambda: pd.read_sql_query(sqlalchemy.text(query), source), f"<sqlalchemy> [{query}]", query)
    if hasattr(source, "cursor"):
        return _run_query(lambda: pd.read_sql_query(query, source), f"<sql connection> [{query}]", query)
    raise AbsModelError(
        f"source: with query= give a SQLAlchemy URL (e.g. 'sqlite:///tape.db'), engine or "
        f"connection, or a DBAPI connection; got {type(source).__name__}"
    )


def _engine(sqlalchemy: Any, url: str) -> Any:
    """An engine for ``url``; a ``sqlite:///`` URL must name an existing file (no empty database)."""
    try:
        parsed = sqlalchemy.engine.make_url(url)
    except sqlalchemy.exc.ArgumentError as exc:
        raise _file_problem(url, "(url)", url, f"not a database URL: {_first_line(exc)}") from None
    db = parsed.database
    if parsed.get_backend_name() == "sqlite" and db not in (None, "", ":memory:") and not Path(db).is_file():
        raise _file_problem(url, "(file)", parsed.database, "no such SQLite database file (nothing was created)")
    return sqlalchemy.create_engine(parsed)


def _run_query(read: Callable[[], pd.DataFrame], name: str, query: str) -> tuple[pd.DataFrame, str]:
    try:
        return read(), name
    except Exception as exc:  # each driver raises its own class; all mean "the query failed"
        if isinstance(exc, AbsModelError):
            raise
        raise _file_problem(name, "(query)", query, f"the query failed: {_first_line(exc)}") from None


def _check_parquet_columns(path: Path) -> None:
    """A Parquet file may hold two columns of the same name (pandas cannot read it): name them."""
    import pyarrow.parquet as pq

    try:
        names = list(pq.read_schema(path).names)
    except Exception:  # unreadable: the read below reports it as truncated or corrupt
        return
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        raise _file_problem(
            str(path),
            "(columns)",
            dups,
            "the Parquet file holds duplicate column names; each column must appear once (rename or drop one and write the file again)",
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _read_parquet(path: Path, columns: Mapping[str, str] | None, distinct: dict[str, Any] | None) -> pd.DataFrame:
    """``pd.read_parquet(path)``, the same table, read faster: the string columns of
    :data:`_CODED` are read as dictionaries (Parquet stores them so: no string is decoded twice)
    and turned back into ``str`` columns by one take from their distinct values. ``distinct``
    (when given) receives, per such column, its factorization: codes (-1 where missing) and the
    distinct values as a ``str`` Series, which validation then uses instead of hashing the
    column again. Only where pandas' ``str`` dtype is Arrow-backed (pandas 3); else plain."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    user = _user_map(columns)
    text_dtype = pd.Series([""], dtype=str).dtype
    coded = [
        f.name
        for f in pq.read_schema(path)
        if (pa.types.is_string(f.type) or pa.types.is_large_string(f.type)) and _target(f.name, user) in _CODED
    ]
    if not coded or getattr(text_dtype, "storage", None) != "pyarrow":
        return pd.read_parquet(path)
    df = pd.read_parquet(path, read_dictionary=coded)
    if not all(c in df.columns and isinstance(df[c].dtype, pd.CategoricalDtype) for c in coded):
        return pd.read_parquet(path)
    decoded: dict[str, tuple[np.ndarray, pd.Series]] = {}
    for c in coded:
        cat = df[c].array
        uniques = cat.categories.array
        if uniques.dtype != text_dtype:
            return pd.read_parquet(path)
        codes = np.asarray(cat.codes, dtype=np.intp)
        decoded[c] = (codes, pd.Series(uniques))
    for c, (codes, uniques) in decoded.items():
        df[c] = pd.Series(uniques.array.take(codes, allow_fill=True), index=df.index)
    if distinct is not None:
        distinct.update(decoded)
    return df


_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_XLSX_SUFFIXES = (".xlsx", ".xlsm")


def _options_apply(source: Any, sheet: str | int | None, encoding: str | None, query: str | None) -> None:
    """``sheet`` is for an XLSX tape and ``encoding`` for a CSV/TSV one: given for any other
    source they would be ignored without a word (a GBK Parquet question, a sheet of a CSV), so
    they are refused, naming the source and the option."""
    is_path = query is None and isinstance(source, str | os.PathLike)
    suffix = Path(source).suffix.lower() if is_path else ""
    name = str(source) if is_path else ("<SQL query>" if query is not None else "<DataFrame>")
    if sheet is not None and suffix not in _XLSX_SUFFIXES:
        raise AbsModelError(f"{name}: sheet: applies to an XLSX tape only (.xlsx, .xlsm), leave it out for this source; got {sheet!r}")
    if encoding is not None and suffix not in _TEXT_SUFFIXES:
        raise AbsModelError(f"{name}: encoding: applies to a CSV/TSV tape only (.csv, .txt, .tsv), leave it out for this source; got {encoding!r}")


def _load(
    source: Any,
    sheet: str | int | None,
    query: str | None,
    encoding: str | None,
    columns: Mapping[str, str] | None,
    decimal: str = ".",
    distinct: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, str]:
    """The raw table of ``source`` and a name for it. ``distinct``, when given, receives the
    factorization of the raw columns a reader already has (see :func:`_read_parquet`)."""
    _options_apply(source, sheet, encoding, query)
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
    if path.is_dir():
        raise _file_problem(str(path), "(file)", str(path), "is a folder, not a loan tape file")
    if not path.is_file():
        raise _file_problem(str(path), "(file)", str(path), "is not a regular file (a device or a pipe); give a tape file")
    if suffix in (".csv", ".txt"):
        return _read_csv(path, encoding, ",", columns, decimal, distinct), str(path)
    if suffix == ".tsv":
        return _read_csv(path, encoding, "\t", columns, decimal, distinct), str(path)
    if suffix in (".parquet", ".pq"):
        require("pyarrow", feature="reading a Parquet tape")
        _check_parquet_columns(path)
        try:
            return _read_parquet(path, columns, distinct), str(path)
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



"""The fast tape readers give what the plain pandas readers give: same raw table, same validated
tape, same Pool (every column, dtype and value), same error message.

- CSV: pyarrow's reader (:mod:`abs_model.collateral.tape.fastcsv`) against ``pandas.read_csv``
  (``readers.FAST_CSV = False``) on tapes with a BOM, quoted text holding commas and line breaks,
  Chinese headers and text, empty cells, leading and trailing spaces, CRLF and blank lines,
  numbers written ``.5``/``1.``/``007``/``-0``/``"1,200.50"``, long decimals, a TSV, GBK and
  UTF-16 files, and bad rows; plus 20,000 random decimals read bit for bit alike.
- Parquet: product/segment columns read as dictionaries against ``pd.read_parquet``.
- Validation's shortcuts against the per-cell formulas they replace (written out here): ISO
  dates, text columns checked once per distinct value, ids in increasing order.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.collateral.pool import Pool
from abs_model.collateral.synthetic import synthetic_tape
from abs_model.collateral.tape import dates as tape_dates
from abs_model.collateral.tape import fastcsv, readers, rules, shortcuts
from abs_model.collateral.tape.arrays import text_array
from abs_model.core.delinquency import bucket_of_dpd
from abs_model.errors import TapeError

pa = pytest.importorskip("pyarrow")

HEADER = "loan_id,original_principal,current_principal,original_term,remaining_term,product,rate,bucket"
ROW = "A{i},1200,1000,12,10,flat_fee,0.006,M0"


def rows(n: int = 3) -> str:
    return "".join(ROW.format(i=i) + "\n" for i in range(1, n + 1))


def _read(source: Any, fast: bool, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> pd.DataFrame | str:
    """read_tape's frame (or its error message) with the fast readers on or off."""
    monkeypatch.setattr(readers, "FAST_CSV", fast)
    monkeypatch.setattr(readers, "_CODED", readers._CODED if fast else ())
    try:
        return am.read_tape(source, **kw)
    except TapeError as exc:
        return str(exc)


def assert_same_pool(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pa_, pb = Pool.from_tape(a), Pool.from_tape(b)
    for name in (
        "loan_id",
        "original_principal",
        "current_principal",
        "original_term",
        "remaining_term",
        "product",
        "rate",
        "bucket",
        "origination_date",
    ):
        x, y = getattr(pa_, name), getattr(pb, name)
        assert x.dtype == y.dtype, name
        assert np.array_equal(x, y, equal_nan=x.dtype.kind in "fmM"), name
        if x.dtype.kind == "f":
            assert np.array_equal(np.signbit(x), np.signbit(y)), name
    assert list(pa_.segments) == list(pb.segments)
    for k in pa_.segments:
        assert pa_.segments[k].dtype == pb.segments[k].dtype and np.array_equal(pa_.segments[k], pb.segments[k]), k
    assert pa_.cutoff_date == pb.cutoff_date


def assert_same_reading(path: Path, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> pd.DataFrame | str:
    fast = _read(path, True, monkeypatch, **kw)
    plain = _read(path, False, monkeypatch, **kw)
    if isinstance(plain, str) or isinstance(fast, str):
        assert fast == plain
        return fast
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)
    assert fast.attrs == plain.attrs
    assert_same_pool(fast, plain)
    return fast


def raw_tables(path: Path, monkeypatch: pytest.MonkeyPatch, sep: str = ",") -> tuple[pd.DataFrame, pd.DataFrame]:
    monkeypatch.setattr(readers, "FAST_CSV", True)
    fast = readers._read_csv(path, None, sep, None)
    monkeypatch.setattr(readers, "FAST_CSV", False)
    plain = readers._read_csv(path, None, sep, None)
    return fast, plain


def took_fast_path(path: Path, sep: str = ",", encoding: str = "utf-8-sig") -> bool:
    """Whether pyarrow's reading of ``path`` is used (rather than pandas')."""
    header = pd.read_csv(
        path, header=None, nrows=1, dtype=str, keep_default_na=False, sep=sep, encoding=encoding, skipinitialspace=True
    )
    return readers._read_csv_fast(path, encoding, sep, header.iloc[0].tolist(), {}) is not None


# ------------------------------------------------------------------------------------ CSV
CASES: dict[str, tuple[str, str, bool]] = {
    # name: (text, encoding, whether pyarrow's reading is used)
    "plain": (f"{HEADER}\n{rows()}", "utf-8", True),
    "bom": (f"{HEADER}\n{rows()}", "utf-8-sig", True),
    "quoted text with commas and Chinese": (
        f"{HEADER},region,channel\n" + "".join(ROW.format(i=i) + ',"华东, 上海",app\n' for i in range(1, 4)),
        "utf-8",
        True,
    ),
    "chinese headers": (
        "借据号,合同金额,剩余本金,期数,剩余期数,产品类型,费率,逾期状态,地区\nZ1,1200,1000,12,10,等本等费,0.006,M0,华北\nZ2,600,600,6,6,等额本息,0.12,M1,华南\n",
        "utf-8",
        True,
    ),
    "empty segment cells": (
        f"{HEADER},region,score_band\nA1,1200,1000,12,10,flat_fee,0.006,M0,,B\nA2,600,600,6,6,bullet,0.01,M0,华东,\n",
        "utf-8",
        True,
    ),
    "quoted empty and whitespace-only segment cells": (
        f'{HEADER},region\nA1,1200,1000,12,10,flat_fee,0.006,M0,""\nA2,600,600,6,6,bullet,0.01,M0,"  "\n',
        "utf-8",
        False,
    ),
    "trailing spaces in text": (f"{HEADER},region\nA1  ,1200,1000,12,10,flat_fee ,0.006,M0 ,华东 \n", "utf-8", True),
    "leading spaces": (f"{HEADER},region\nA1, 1200,1000,12,10, flat_fee,0.006,M0, 华东\n", "utf-8", False),
    "space before a quote": (f'{HEADER},notes,region\nA1,1200,1000,12,10,flat_fee,0.006,M0, "x,y"\n', "utf-8", False),
    "cr line endings": (f"{HEADER}\r" + rows().replace("\n", "\r"), "utf-8", True),
    "tab-led text": (f"{HEADER},region\n\tA1,1200,1000,12,10,\tflat_fee,0.006,M0,\t华东\n", "utf-8", True),
    "tab-led number": (f"{HEADER}\nA1,\t1200,1000,12,10,flat_fee,0.006,M0\n", "utf-8", False),
    "crlf and blank lines": (f"{HEADER}\r\n\r\n" + rows().replace("\n", "\r\n") + "\r\n", "utf-8", True),
    "numbers .5 1. 007 -0": (
        f"{HEADER},days_past_due\nA1,1200.,1000.,012,10,flat_fee,.006,M0,-0\nA2,600,600,6,006,bullet,0.01,M1,30\n",
        "utf-8",
        True,
    ),
    "quoted numbers": (f'{HEADER}\nA1,"1200","1000",12,"10",flat_fee,"0.006",M0\n', "utf-8", True),
    "thousands separators": (f'{HEADER}\nA1,"1,200.50","1,000",12,10,flat_fee,0.006,M0\n', "utf-8", False),
    "long decimals": (
        f"{HEADER}\nA1,1200.0000000000001,1000.123456789012345,12,10,flat_fee,0.0058333333333333333,M0\n",
        "utf-8",
        False,
    ),
    "fifteen digits": (
        f"{HEADER}\nA1,1200.12345678901,1000.12345678901,12,10,flat_fee,0.00583333333333,M0\n",
        "utf-8",
        True,
    ),
    "exponent and plus sign": (f"{HEADER}\nA1,1.2e3,+1000,12,10,flat_fee,6e-3,M0\n", "utf-8", False),
    "nan and inf text": (f"{HEADER}\nA1,nan,inf,12,10,flat_fee,0.006,M0\n", "utf-8", False),
    "extra unknown column": (
        f"{HEADER},notes\nA1,1200,1000,12,10,flat_fee,0.006,M0,call back\nA2,600,600,6,6,bullet,0.01,M0,\n",
        "utf-8",
        True,
    ),
    "iso and other dates": (
        f"{HEADER},origination_date\nA1,1200,1000,12,10,flat_fee,0.006,M0,2026-01-31\nA2,600,600,6,6,bullet,0.01,M0,2026/2/1\nA3,300,300,3,3,bullet,0.01,M0,\n",
        "utf-8",
        True,
    ),
    "gbk": (f"{HEADER},region\n" + "".join(ROW.format(i=i) + ",华东\n" for i in range(1, 4)), "gbk", False),
    "utf-16": (f"{HEADER}\n{rows()}", "utf-16", False),
    # bad tapes: the same message, row numbers and file lines
    "bad rows": (
        f"{HEADER}\n\nA1,1200,1000,12,10,flat_fee,6,M0\nA1,600,600,6,6,bullet,0.01,M7\nA3,-1,1,1,1,nope,0.01,M0\n",
        "utf-8",
        True,
    ),
    "text in a number column": (
        f"{HEADER}\nA1,1200,1000,12,10,flat_fee,6%,M0\nA2,600,,6,6,bullet,0.01,M0\n",
        "utf-8",
        False,
    ),
    "line break in a quoted region": (
        f'{HEADER},region\nA1,1200,1000,12,10,flat_fee,0.006,M0,"East\nWest"\n',
        "utf-8",
        True,
    ),
    "short row": (f"{HEADER}\nA1,1200,1000,12,10,flat_fee,0.006\n", "utf-8", False),
    "long row": (f"{HEADER}\nA1,1200,1000,12,10,flat_fee,0.006,M0,extra\n", "utf-8", False),
    "header only": (f"{HEADER}\n", "utf-8", False),
    "duplicated header": (f"{HEADER},rate\nA1,1200,1000,12,10,flat_fee,0.006,M0,0.06\n", "utf-8", False),
    "invalid utf-8": (f"{HEADER}\n{rows()}", "latin-1-bad", False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_csv_tapes_read_alike_by_both_readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    text, encoding, fast = CASES[case]
    path = tmp_path / "tape.csv"
    if encoding == "latin-1-bad":
        path.write_bytes(text.encode() + b"A9,1200,1000,12,10,flat_fee,0.006,M\xe9\n")
    else:
        path.write_text(text, encoding=encoding, newline="")
    got = assert_same_reading(path, monkeypatch, **({"encoding": "gbk"} if encoding == "gbk" else {}))
    assert got is not None
    if encoding in ("utf-8", "utf-8-sig"):
        assert took_fast_path(path) is fast, "the case no longer exercises the reader it was written for"
    if fast and "notes" not in text.splitlines()[0]:  # an unknown column is kept as text (only its name is used)
        pd.testing.assert_frame_equal(*raw_tables(path, monkeypatch), check_exact=True)


def test_the_edge_cases_give_the_values_a_reader_of_the_file_expects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worked by hand: what the tapes above hold once read (whichever reader read them)."""
    path = tmp_path / "t.csv"
    path.write_text(CASES["numbers .5 1. 007 -0"][0])
    df = am.read_tape(path)
    assert df["original_principal"].tolist() == [1200.0, 600.0] and df["rate"].tolist() == [0.006, 0.01]
    assert df["original_term"].tolist() == [12, 6] and df["remaining_term"].tolist() == [10, 6]
    assert df["days_past_due"].tolist() == [0, 30] and df["bucket"].tolist() == [0, 1]
    path.write_text(CASES["quoted text with commas and Chinese"][0])
    assert am.read_tape(path)["region"].tolist() == ["华东, 上海"] * 3
    path.write_text(CASES["empty segment cells"][0])
    df = am.read_tape(path)
    assert df["region"].tolist() == ["", "华东"] and df["score_band"].tolist() == ["B", ""]
    path.write_text(CASES["trailing spaces in text"][0])
    df = am.read_tape(path)
    assert (df["loan_id"].iloc[0], df["product"].iloc[0], df["region"].iloc[0]) == ("A1", "flat_fee", "华东")
    path.write_text(CASES["iso and other dates"][0])
    dates = am.read_tape(path)["origination_date"]
    assert dates.dt.strftime("%Y-%m-%d").tolist()[:2] == ["2026-01-31", "2026-02-01"] and pd.isna(dates.iloc[2])


def test_a_tsv_reads_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tape.tsv"
    path.write_text(f"{HEADER}\n{rows()}".replace(",", "\t"))
    assert_same_reading(path, monkeypatch)
    assert took_fast_path(path, sep="\t")


def test_a_synthetic_tape_reads_alike_and_takes_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tape.csv"
    synthetic_tape(3_000, seed=5).to_csv(path, index=False)
    assert took_fast_path(path)
    fast_raw, plain_raw = raw_tables(path, monkeypatch)
    pd.testing.assert_frame_equal(fast_raw, plain_raw, check_exact=True)
    assert_same_reading(path, monkeypatch, cutoff_date="2026-06-30")
    monkeypatch.undo()  # the dictionary reading back on
    distinct: dict[str, Any] = {}
    header = list(pd.read_csv(path, nrows=0).columns)
    got = readers._read_csv_fast(path, "utf-8-sig", ",", header, {}, distinct)
    assert got is not None and set(distinct) == {"product", "region", "channel", "score_band"}
    for c, (codes, uniques) in distinct.items():  # the factorization handed to validation is the column's
        assert uniques.dtype == got[c].dtype
        assert list(np.append(uniques.to_numpy(dtype=object), [None])[codes]) == [None if pd.isna(v) else v for v in got[c]]


def test_random_decimals_are_read_bit_for_bit_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Up to 15 significant digits (16 characters): both readers round to the nearest double."""
    rng = np.random.default_rng(17)
    n = 20_000
    digits = rng.integers(1, 16, n)
    mantissa = np.array([rng.integers(1, 10 ** int(d)) for d in digits], dtype=np.int64)
    point = np.minimum(rng.integers(0, 16, n), digits)
    cells = [f"{m:0{p + 1}d}" for m, p in zip(mantissa, point, strict=True)]
    cells = [c[: len(c) - p] + "." + c[len(c) - p :] if p else c for c, p in zip(cells, point, strict=True)]
    cells = [c if len(c) <= 16 else c[:16] for c in cells]
    path = tmp_path / "numbers.csv"
    path.write_text("loan_id,rate\n" + "".join(f"L{i},{c}\n" for i, c in enumerate(cells)))
    fast, plain = raw_tables(path, monkeypatch)
    assert fast is not None and fast["rate"].dtype == np.float64
    assert np.array_equal(fast["rate"].to_numpy().view(np.int64), plain["rate"].to_numpy().view(np.int64))
    assert np.array_equal(
        fast["rate"].to_numpy(), np.array([float(c) for c in cells])
    )  # Python's correctly rounded float()
    assert took_fast_path(path)


def test_without_pyarrow_a_csv_tape_reads_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tape.csv"
    synthetic_tape(500, seed=6).to_csv(path, index=False)
    with_arrow = am.read_tape(path)
    monkeypatch.setitem(sys.modules, "pyarrow.csv", None)  # import pyarrow.csv now raises ImportError
    assert (
        fastcsv.read_csv_arrow(path, "utf-8-sig", ",", list(with_arrow.columns), [fastcsv.TEXT] * len(with_arrow.columns))
        is None
    )
    pd.testing.assert_frame_equal(am.read_tape(path), with_arrow, check_exact=True)


# -------------------------------------------------------------------------------- Parquet
def test_parquet_dictionary_reading_gives_pandas_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tape = synthetic_tape(2_000, seed=8)
    tape.loc[3, "region"] = None
    tape.loc[4, "region"] = "  "
    tape.loc[5, "channel"] = " app "
    tape.loc[6, "score_band"] = ""
    tape.loc[7, "product"] = " Flat_Fee "
    tape["bucket"] = [f"M{b}" for b in bucket_of_dpd(tape["days_past_due"].to_numpy())]
    tape.to_parquet(tmp_path / "t.parquet", index=False)
    distinct: dict[str, Any] = {}
    got = readers._read_parquet(tmp_path / "t.parquet", None, distinct)
    pd.testing.assert_frame_equal(got, pd.read_parquet(tmp_path / "t.parquet"), check_exact=True)
    assert set(distinct) == {"product", "bucket", "region", "channel", "score_band"}
    for c, (codes, uniques) in distinct.items():
        spread = np.append(uniques.to_numpy(dtype=object), [None])[codes]
        assert [None if pd.isna(v) else v for v in got[c]] == list(spread)
    assert_same_reading(tmp_path / "t.parquet", monkeypatch)
    tape["region"] = tape["region"].astype("category")  # stored as a dictionary: read as pandas reads it
    tape.to_parquet(tmp_path / "c.parquet", index=False)
    pd.testing.assert_frame_equal(
        readers._read_parquet(tmp_path / "c.parquet", None, None), pd.read_parquet(tmp_path / "c.parquet")
    )


def test_a_bad_parquet_tape_gives_the_same_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tape = synthetic_tape(300, seed=9)
    tape.loc[5, "region"] = "East\x1b[2J"
    tape.loc[6, "product"] = "mortgage"
    tape.loc[7, "channel"] = "x" * 300
    tape.loc[8, "product"] = "  "
    tape.to_parquet(tmp_path / "bad.parquet", index=False)
    message = assert_same_reading(tmp_path / "bad.parquet", monkeypatch)
    assert isinstance(message, str)
    for text in (
        "row 6, column 'region'",
        "row 7, column 'product': unknown product",
        "row 8, column 'channel'",
        "row 9, column 'product': missing value",
    ):
        assert text in message


# ----------------------------------------------------------------- validation shortcuts
def _dates_per_cell(s: pd.Series) -> pd.Series:
    """The date rule as it was written cell by cell (a number is an Excel serial, text written year
    first is parsed — ``2025年1月5日`` as ``2025-1-5`` — other text is no date)."""

    def chinese(v: object) -> object:
        m = re.fullmatch(r"\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?\s*", v) if isinstance(v, str) else None
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}" if m else v

    s = s.map(chinese)
    is_number = s.map(lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool)).to_numpy(dtype=bool)
    days = pd.to_numeric(s.where(is_number, None), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    ok = np.isfinite(days) & (days >= 1) & (days <= 2_958_465)
    serial = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    serial[ok] = (pd.Timestamp("1899-12-30") + pd.to_timedelta(np.floor(days[ok]), unit="D")).to_numpy()
    year_first = s.map(lambda v: not isinstance(v, str) or re.fullmatch(tape_dates.YEAR_FIRST_DATE, v) is not None)
    texts = s.where(~is_number & year_first.to_numpy(dtype=bool), None)
    parsed = pd.to_datetime(texts.map(tape_dates._naive_text), errors="coerce", format="mixed")
    out = parsed.astype("datetime64[us]").where(~is_number, serial)
    return out.where((out >= tape_dates.EARLIEST_DATE) & (out <= tape_dates.LATEST_DATE))


DATES = [
    "2025-01-05",
    None,
    "2024-02-29",
    "2023-02-29",
    "2025-13-01",
    "2025-00-10",
    "2025-04-31",
    "1500-01-01",
    "0000-01-01",
    "9999-12-31",
    "2200-12-31",
    "2201-01-01",
    "1900-01-01",
    "1899-12-31",
    "2025/01/05",
    "2025-1-5",
    "2025年1月5日",
    "2025年13月5日",
    "1月5日2025年",
    "45839",
    "garbage",
    " 2025-01-05",
    "2025-01-05 ",
    "2025-01-05 10:30",
    "20250105",
    "２０２５-01-05",
    "",
    "01/02/2025",
    "13/02/2025",
    "25-01-31",
    "today",
    "2025-01",
    "2025.1.5",
]


@pytest.mark.parametrize("cell", DATES)
def test_text_dates_match_the_per_cell_rule(cell: str | None) -> None:
    for cells in ([cell], [cell, "2025-01-05", None], ["2026-06-30", cell] * 3):
        s = pd.Series(cells, dtype=str)
        pd.testing.assert_series_equal(tape_dates._to_datetime(s), _dates_per_cell(s))


def test_every_calendar_day_from_1900_to_2200_is_read_from_its_digits() -> None:
    days = pd.date_range("1900-01-01", "2200-12-31", freq="D")
    s = pd.Series(days.strftime("%Y-%m-%d"), dtype=str)
    got = shortcuts._iso_dates(s)
    assert got is not None and np.array_equal(got, days.to_numpy().astype("datetime64[us]"))


def _segment_per_cell(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().where(~pd.Series(rules._is_blank(s), index=s.index), "")


TEXT_COLUMNS = {
    "str": pd.Series(["华东", " 华南 ", None, "", "  ", "East\x1b", "x" * 300, "华东"], dtype=str),
    "object": pd.Series(["a", None, " b", np.nan, "", "a"], dtype=object),
    "numbers": pd.Series([1.0, np.nan, 3.0]),
    "categorical": pd.Series(pd.Categorical(["a", " a", None, ""])),
    "clean": pd.Series(["x", "y", "x"] * 5, dtype=str),
}


@pytest.mark.parametrize("kind", list(TEXT_COLUMNS))
def test_segments_and_products_once_per_distinct_value_match_the_per_cell_rule(kind: str) -> None:
    s = TEXT_COLUMNS[kind]
    df = pd.DataFrame({"region": s, "product": s})
    problems: list[Any] = []
    ck = rules._Checker(len(s), problems)
    out: dict[str, Any] = {}
    rules._segments(df, {"region"}, ck, out, {})
    pd.testing.assert_series_equal(out["region"], _segment_per_cell(s), check_names=False)
    expected_bad = [
        i + 1
        for i, v in enumerate(_segment_per_cell(s))
        if rules._CONTROL_RE.search(v) or len(v) > rules.MAX_NAME_LENGTH
    ]
    assert sorted(p.row for p in problems) == expected_bad
    problems.clear()
    rules._product(df, {"product"}, rules._Checker(len(s), problems), out, {})
    keys = [
        rules.PRODUCT_ALIASES.get(str(v).strip().lower().replace("-", "_"), "") if not pd.isna(v) else ""
        for v in s.astype(str)
    ]
    assert list(out["product"]) == keys
    blank = rules._is_blank(s)
    assert sorted((p.row, p.rule == "missing value") for p in problems) == sorted(
        [(i + 1, True) for i in np.flatnonzero(blank)]
        + [(i + 1, False) for i, k in enumerate(keys) if k == "" and not blank[i]]
    )


@pytest.mark.parametrize(
    ("ids", "increasing"),
    [
        (["A1", "A2", "B0"], True),
        (["A2", "A1"], False),
        (["A1", "A1"], False),
        (["A1", None, "A3"], False),
        (["A1"], False),
    ],
)
def test_ids_in_increasing_order_are_distinct(ids: list[str | None], increasing: bool) -> None:
    s = pd.Series(ids, dtype=str)
    assert shortcuts._increasing(s) is increasing
    if increasing:
        assert s.nunique(dropna=False) == len(s)


@pytest.mark.parametrize(
    "ids",
    [["A1", "A2", "A1", None, None, "B", " A1"], ["A3", "A2", "A1"], ["A1", None, "A2"], ["x"] * 4, [None, "a", None], ["A1", "A1"]],
)
@pytest.mark.parametrize("dtype", [str, object])
def test_repeated_ids_are_pandas_duplicated(ids: list[str | None], dtype: Any) -> None:
    s = pd.Series(ids, dtype=dtype)
    assert shortcuts._repeated(s).tolist() == s.duplicated(keep=False).tolist()


@pytest.mark.parametrize(
    "cells",
    [["华东", "华南", "华东", "West Coast", ""], ["", ""], ["a", None, "bb"], ["x" * 300, "y"], []],
)
@pytest.mark.parametrize("dtype", [str, object])
def test_segment_arrays_for_the_pool_are_converted_once_per_distinct_value(cells: list[str | None], dtype: Any) -> None:
    s = pd.Series(cells, dtype=dtype)
    got, expected = text_array(s), np.asarray(s.to_numpy()).astype(str)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)

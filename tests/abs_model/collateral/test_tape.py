"""read_tape: every source kind, Chinese headers, and one report listing every bad row."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import sqlalchemy

from abs_model.collateral.pool import Pool
from abs_model.collateral.synthetic import synthetic_tape
from abs_model.collateral.tape import COLUMNS, REQUIRED_COLUMNS, SEGMENT_COLUMNS, ZH_COLUMNS, read_tape
from abs_model.collateral.tape import readers as tape_readers
from abs_model.core.products import Product
from abs_model.errors import TapeError

CENT = 0.005


def three_loans() -> pd.DataFrame:
    """A clean three-loan tape, as a lender would export it."""
    return pd.DataFrame(
        {
            "loan_id": ["A1", "A2", "A3"],
            "original_principal": [1200.0, 600.0, 300.0],
            "current_principal": [1000.0, 600.0, 300.0],
            "original_term": [12, 6, 1],
            "remaining_term": [10, 6, 1],
            "product": ["flat_fee", "level_payment", "bullet"],
            "rate": [0.006, 0.12, 0.0],
            "origination_date": ["2026-04-15", "2026-06-01", "2026-06-20"],
            "days_past_due": [0, 45, 0],
            "region": ["华东", "华南", "西部"],
        }
    )


def problems_of(exc: pytest.ExceptionInfo[TapeError]) -> set[tuple[int | None, str]]:
    return {(p.row, p.column) for p in exc.value.problems}


# ------------------------------------------------------------------------------ clean tapes
def test_a_clean_tape_comes_back_canonical() -> None:
    df = read_tape(three_loans(), cutoff_date="2026-06-30")
    assert list(df.columns) == [
        "loan_id",
        "original_principal",
        "current_principal",
        "original_term",
        "remaining_term",
        "product",
        "rate",
        "bucket",
        "days_past_due",
        "origination_date",
        "region",
    ]
    assert set(df.columns) <= set(COLUMNS)
    assert df["original_principal"].dtype == np.float64
    assert df["original_term"].dtype == np.int32 and df["remaining_term"].dtype == np.int32
    assert df["product"].tolist() == ["flat_fee", "level_payment", "bullet"]
    assert df["bucket"].tolist() == [0, 2, 0]  # 45 days past due is M2
    assert df.attrs["source"] == "<DataFrame>"
    assert str(df.attrs["cutoff_date"]) == "2026-06-30"


def test_pool_from_tape_round_trip() -> None:
    df = read_tape(three_loans(), cutoff_date="2026-06-30")
    pool = Pool.from_tape(df)
    assert pool.n == 3
    assert pool.balance == pytest.approx(1900, abs=CENT)
    assert pool.product.tolist() == [Product.FLAT_FEE, Product.LEVEL_PAYMENT, Product.BULLET]
    assert pool.bucket.tolist() == [0, 2, 0]
    assert pool.age.tolist() == [2, 0, 0]
    assert pool.segments["region"].tolist() == ["华东", "华南", "西部"]
    assert pool.cutoff_date == np.datetime64("2026-06-30")
    assert str(pool.origination_date[0]) == "2026-04-15"


def test_csv_parquet_and_xlsx_read_to_the_same_tape(tmp_path: Path) -> None:
    src = three_loans()
    src.to_csv(tmp_path / "t.csv", index=False)
    src.to_parquet(tmp_path / "t.parquet")
    src.to_excel(tmp_path / "t.xlsx", index=False, sheet_name="loans")
    want = read_tape(src)
    for name in ("t.csv", "t.parquet", "t.xlsx"):
        got = read_tape(tmp_path / name)
        pd.testing.assert_frame_equal(got, want, check_dtype=False)
        assert got.attrs["source"] == str(tmp_path / name)
    assert read_tape(tmp_path / "t.xlsx", sheet="loans").shape == (3, 11)


def test_sql_from_a_url_and_from_a_connection(tmp_path: Path) -> None:
    db = tmp_path / "tape.db"
    with sqlite3.connect(db) as conn:
        three_loans().to_sql("loans", conn, index=False)
    q = "SELECT * FROM loans WHERE current_principal > 500"
    by_url = read_tape(f"sqlite:///{db}", query=q)
    assert by_url["loan_id"].tolist() == ["A1", "A2"]
    assert "loans" in by_url.attrs["source"]
    conn = sqlite3.connect(db)
    try:
        by_conn = read_tape(conn, query=q)
    finally:
        conn.close()
    pd.testing.assert_frame_equal(by_conn, by_url)
    engine = sqlalchemy.create_engine(f"sqlite:///{db}")
    with engine.connect() as sa_conn:
        assert len(read_tape(sa_conn, query="SELECT * FROM loans")) == 3
    engine.dispose()


# --------------------------------------------------------------------------- headers, encodings
def chinese_loans() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "借据号": ["Z1", "Z2"],
            "合同金额": [1200, 900],
            "剩余本金": [1000, 900],
            "期数": [12, 3],
            "剩余期数": [10, 3],
            "产品类型": ["等本等费", "免息"],
            "费率": [0.006, 0.0],
            "放款日期": ["2026-04-10", "2026-06-10"],
            "逾期天数": [0, 0],
            "地区": ["华北", "华东"],
            "渠道": ["app", "web"],
            "评分等级": ["A", "C"],
        }
    )


def test_chinese_headers_and_product_names_map_automatically(tmp_path: Path) -> None:
    df = read_tape(chinese_loans())
    assert df["loan_id"].tolist() == ["Z1", "Z2"]
    assert df["product"].tolist() == ["flat_fee", "bullet"]
    assert set(SEGMENT_COLUMNS) <= set(df.columns)
    assert ZH_COLUMNS["借据号"] == "loan_id" and ZH_COLUMNS["放款金额"] == "original_principal"


def test_gbk_csv_reads_when_declared(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    chinese_loans().to_csv(path, index=False, encoding="gbk")
    df = read_tape(path, encoding="gbk")
    assert df["region"].tolist() == ["华北", "华东"]


def test_gbk_csv_undeclared_fails_naming_the_file_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    chinese_loans().to_csv(path, index=False, encoding="gbk")
    with pytest.raises(TapeError, match='encoding="gbk"') as exc:
        read_tape(path)
    assert str(path) in str(exc.value)


def test_utf8_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    chinese_loans().to_csv(path, index=False, encoding="utf-8-sig")
    assert read_tape(path)["loan_id"].tolist() == ["Z1", "Z2"]


def test_lender_headers_map_through_columns() -> None:
    src = three_loans().rename(columns={"loan_id": "Contract No", "rate": "Fee/Month"})
    df = read_tape(src, columns={"Contract No": "loan_id", "Fee/Month": "rate"})
    assert df["loan_id"].tolist() == ["A1", "A2", "A3"]


def test_age_instead_of_remaining_term_and_bucket_labels() -> None:
    src = three_loans().drop(columns=["remaining_term", "days_past_due"])
    src["age"] = [2, 0, 0]
    src["bucket"] = ["M0", "m2", "M0"]
    df = read_tape(src)
    assert df["remaining_term"].tolist() == [10, 6, 1]  # original − age
    assert df["bucket"].tolist() == [0, 2, 0]


# ----------------------------------------------------------------------------------- bad tapes
def bad_tape() -> pd.DataFrame:
    """Ten loans; row k (1-based) breaks rule k, row 1 is fine."""
    n = 10
    df = pd.DataFrame(
        {
            "loan_id": [f"B{i}" for i in range(1, n + 1)],
            "original_principal": ["1000"] * n,
            "current_principal": ["800"] * n,
            "original_term": ["12"] * n,
            "remaining_term": ["10"] * n,
            "product": ["flat_fee"] * n,
            "rate": ["0.006"] * n,
            "origination_date": ["2026-03-01"] * n,
            "days_past_due": ["0"] * n,
        }
    )
    df.loc[1, "loan_id"] = "B1"  # row 2: duplicate of row 1
    df.loc[2, "current_principal"] = "abc"  # row 3: text
    df.loc[3, "original_principal"] = ""  # row 4: empty
    df.loc[4, "current_principal"] = "1000.02"  # row 5: above original by 2 cents
    df.loc[5, "remaining_term"] = "13"  # row 6: remaining > original
    df.loc[6, "original_term"] = "600"  # row 7: term out of range
    df.loc[7, "rate"] = "6"  # row 8: percent
    df.loc[8, "product"] = "balloon"  # row 9: unknown product
    df.loc[9, "days_past_due"] = "200"  # row 10: written off
    return df


def test_every_bad_row_is_reported_at_once() -> None:
    with pytest.raises(TapeError) as exc:
        read_tape(bad_tape())
    assert problems_of(exc) == {
        (1, "loan_id"),
        (2, "loan_id"),
        (3, "current_principal"),
        (4, "original_principal"),
        (5, "current_principal"),
        (6, "remaining_term"),
        (7, "original_term"),
        (8, "rate"),
        (9, "product"),
        (10, "days_past_due"),
    }
    msg = str(exc.value)
    assert msg.startswith("<DataFrame>: 10 problem(s) in the loan tape; nothing was loaded")
    assert "row 2, column 'loan_id': duplicate loan_id (rows 1, 2)" in msg
    assert "row 3, column 'current_principal': must be a number, not text; got 'abc'" in msg
    assert "row 4, column 'original_principal': missing value" in msg
    assert "must not exceed original_principal" in msg
    assert "row 7, column 'original_term': must be 1..360 instalments; got '600'" in msg
    assert "looks like a percent: give 0.06 for 6 %; got '6'" in msg
    assert "must be one of flat_fee, level_payment, equal_principal, bullet" in msg
    assert "written off; not a pool asset; got '200'" in msg


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("original_term", "0", "must be 1..360"),
        ("remaining_term", "0", "must be 1..360"),
        ("original_term", "6.5", "whole number"),
        ("rate", "-0.001", "must not be negative"),
        ("current_principal", "0", "must be > 0"),
        ("original_principal", "-5", "must be > 0"),
        ("origination_date", "not a date", "must be a date"),
        ("days_past_due", "-1", "must be ≥ 0"),
    ],
)
def test_single_rules(column: str, value: str, rule: str) -> None:
    src = bad_tape().iloc[:1].copy()
    src[column] = value
    with pytest.raises(TapeError, match=rule) as exc:
        read_tape(src)
    assert problems_of(exc) == {(1, column)}


def test_current_may_exceed_original_by_less_than_a_cent() -> None:
    src = bad_tape().iloc[:1].copy()
    src["current_principal"] = "1000.004"
    assert read_tape(src)["current_principal"].iloc[0] == pytest.approx(1000.004)


def test_origination_after_the_cutoff_is_refused() -> None:
    src = three_loans()
    with pytest.raises(TapeError, match="after the cut-off date 2026-06-15") as exc:
        read_tape(src, cutoff_date="2026-06-15")
    assert problems_of(exc) == {(3, "origination_date")}  # 2026-06-20
    assert len(read_tape(src)) == 3  # no cut-off, no check


def test_missing_required_columns_are_listed_as_header_problems() -> None:
    src = three_loans().drop(columns=["rate", "remaining_term", "days_past_due"])
    with pytest.raises(TapeError) as exc:
        read_tape(src)
    assert problems_of(exc) == {(None, "rate"), (None, "remaining_term"), (None, "bucket")}
    assert "required column is missing (or give 'age')" in str(exc.value)
    assert set(REQUIRED_COLUMNS) >= {"rate", "remaining_term", "bucket"}


def test_m7_bucket_is_not_a_pool_asset() -> None:
    src = three_loans().drop(columns=["days_past_due"])
    src["bucket"] = ["M0", "M7", 3]
    with pytest.raises(TapeError, match="M7 is written off") as exc:
        read_tape(src)
    assert problems_of(exc) == {(2, "bucket")}


def test_message_is_capped_but_problems_keep_everything() -> None:
    src = bad_tape().iloc[:1].copy()
    src = pd.concat([src] * 120, ignore_index=True)
    src["loan_id"] = [f"X{i}" for i in range(120)]
    src["rate"] = "6"
    with pytest.raises(TapeError) as exc:
        read_tape(src)
    assert len(exc.value.problems) == 120
    assert "... and 70 more problems" in str(exc.value)


def test_a_million_rows_with_three_bad_ones_are_all_found() -> None:
    """(Speed is measured by benchmarks/bench_tape.py: no wall-clock assertion in a test.)"""
    big = synthetic_tape(1_000_000, seed=4)
    big.loc[10, "rate"] = 6.0
    big.loc[500_000, "loan_id"] = big.loc[499_999, "loan_id"]
    big.loc[999_999, "original_term"] = 600
    with pytest.raises(TapeError) as exc:
        read_tape(big)
    assert problems_of(exc) == {
        (11, "rate"),
        (500_000, "loan_id"),
        (500_001, "loan_id"),
        (1_000_000, "original_term"),
    }


# ------------------------------------------------------------------------------ hostile files
def test_unsupported_file_type(tmp_path: Path) -> None:
    path = tmp_path / "tape.json"
    path.write_text("{}")
    with pytest.raises(TapeError, match="unsupported tape format"):
        read_tape(path)


def _rewrite_member(src: Path, dst: Path, member: str, data: bytes) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, data if item.filename == member else zin.read(item.filename))


def test_xlsx_with_an_entity_declaration_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    three_loans().to_excel(good, index=False)
    with zipfile.ZipFile(good) as z:
        wb_xml = z.read("xl/workbook.xml")
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
    )
    body = wb_xml.split(b"?>", 1)[1] if wb_xml.startswith(b"<?xml") else wb_xml
    evil = tmp_path / "evil.xlsx"
    _rewrite_member(good, evil, "xl/workbook.xml", laughs + body)
    with pytest.raises(TapeError, match="DTD") as exc:
        read_tape(evil)
    assert str(evil) in str(exc.value)


def test_xlsx_declaring_too_many_uncompressed_bytes_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.xlsx"
    three_loans().to_excel(path, index=False)
    monkeypatch.setattr(tape_readers, "MAX_XLSX_UNCOMPRESSED", 1_000)  # a tiny ceiling for the test
    with pytest.raises(TapeError, match="zip bomb"):
        read_tape(path)


def test_xlsx_member_with_an_absurd_compression_ratio_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    three_loans().to_excel(good, index=False)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        # 12 MB of one byte compresses ~1000:1; bzip2 goes far beyond
        zout.writestr(zipfile.ZipInfo("xl/media/pad.bin"), b"\0" * 12_000_000, zipfile.ZIP_BZIP2)
    with pytest.raises(TapeError, match="compression ratio"):
        read_tape(bomb)
    assert openpyxl.load_workbook(good).active is not None  # the untouched file still opens


def test_bad_rows_in_a_csv_are_reported_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    bad_tape().to_csv(path, index=False)
    with pytest.raises(TapeError) as from_csv:
        read_tape(path)
    with pytest.raises(TapeError) as from_frame:
        read_tape(bad_tape())
    assert problems_of(from_csv) == problems_of(from_frame)
    assert str(from_csv.value).startswith(f"{path}: 10 problem(s)")


def test_csv_ids_keep_their_leading_zeros(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    src = three_loans()
    src["loan_id"] = ["007", "010", "100"]
    src.to_csv(path, index=False)
    assert read_tape(path)["loan_id"].tolist() == ["007", "010", "100"]


def test_dates_mixing_time_zones_keep_each_local_day(tmp_path: Path) -> None:
    """A CSV whose date column mixes zones (+08:00, Z) and plain dates — pandas refuses such a
    column outright — reads each cell's own calendar day; a cell that is no date in that same
    column is still reported by row, not as a bare pandas error."""
    src = three_loans()
    src["origination_date"] = ["2026-04-15T00:30:00+08:00", "2026-06-01", "2026-06-20T23:00:00Z"]
    path = tmp_path / "zones.csv"
    src.to_csv(path, index=False)
    tape = read_tape(path)
    assert [str(d)[:10] for d in tape["origination_date"]] == ["2026-04-15", "2026-06-01", "2026-06-20"]
    assert [str(d)[:10] for d in read_tape(src)["origination_date"]] == ["2026-04-15", "2026-06-01", "2026-06-20"]
    src["origination_date"] = ["2026-04-15T00:30:00+08:00", "someday", "2026-06-20"]
    src.to_csv(path, index=False)
    with pytest.raises(TapeError, match="must be a date") as exc:
        read_tape(path)
    assert problems_of(exc) == {(2, "origination_date")}

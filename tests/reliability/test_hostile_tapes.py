"""Hostile loan tapes, round two (issue 17): numbers that could be read two ways, duplicated
headers, dates that would wrap or shift, control characters, encodings, and messages that point
at the file line and the loan."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import abs_model as am
from abs_model.cli import main
from abs_model.errors import MissingExtraError, TapeError

HEADER = "loan_id,original_principal,current_principal,original_term,remaining_term,product,rate,bucket"
GOOD = f"{HEADER}\nA1,1200,1000,12,10,flat_fee,0.006,M0\nA2,600,600,6,6,level_payment,0.12,M0\n"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def csv(tmp_path: Path, text: str, name: str = "tape.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def refused(source: object, **kw: object) -> TapeError:
    with pytest.raises(TapeError) as exc:
        am.read_tape(source, **kw)
    return exc.value


# --------------------------------------------------------------------------- 6. decimal commas
@pytest.mark.parametrize("cell", ['"1200,50"', '"1.500,00"', '"1,5"'])
def test_a_decimal_comma_is_refused_as_ambiguous(tmp_path: Path, cell: str) -> None:
    """`1200,50` once became 120050 and `1.500,00` became 1.5; both are refused, never guessed."""
    err = refused(csv(tmp_path, f"{HEADER}\nA1,{cell},1000,12,10,flat_fee,0.006,M0\n"))
    (p,) = err.problems
    assert (p.row, p.column) == (1, "original_principal")
    assert "ambiguous number" in p.rule and "decimal=','" in p.rule and "--decimal ," in p.rule


def test_thousands_separators_in_the_english_style_are_still_read(tmp_path: Path) -> None:
    df = am.read_tape(csv(tmp_path, f'{HEADER}\nA1,"1,200.50","1,000",12,10,flat_fee,0.006,M0\n'))
    assert df["original_principal"].tolist() == [1200.5]
    assert df["current_principal"].tolist() == [1000.0]


def test_decimal_commas_are_read_when_declared(tmp_path: Path) -> None:
    text = f'{HEADER}\nA1,"1.200,50","1000,25",12,10,flat_fee,"0,006",M0\n'
    df = am.read_tape(csv(tmp_path, text), decimal=",")
    assert df["original_principal"].tolist() == [1200.5]
    assert df["current_principal"].tolist() == [1000.25]
    assert df["rate"].tolist() == [0.006]


def test_with_decimal_commas_a_point_is_ambiguous(tmp_path: Path) -> None:
    err = refused(csv(tmp_path, f"{HEADER}\nA1,1200,1000,12,10,flat_fee,0.006,M0\n"), decimal=",")
    assert {(p.row, p.column) for p in err.problems} == {(1, "rate")}


def test_the_cli_takes_decimal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tape = pd.read_csv(EXAMPLES / "baitiao_tape.csv", dtype=str)
    for c in ("original_principal", "current_principal", "rate"):
        tape[c] = tape[c].str.replace(".", ",", regex=False)
    tape.to_csv(tmp_path / "comma.csv", index=False)
    deal = str(EXAMPLES / "baitiao_revolving.yaml")
    assert main(["validate", deal, "--tape", str(tmp_path / "comma.csv")]) == 2
    assert "ambiguous number" in capsys.readouterr().err
    assert main(["validate", deal, "--tape", str(tmp_path / "comma.csv"), "--decimal", ","]) == 0


# ----------------------------------------------------------------- 6. duplicated CSV headers
def test_a_duplicated_csv_header_is_refused_as_in_xlsx(tmp_path: Path) -> None:
    text = f"{HEADER},rate\nA1,1200,1000,12,10,flat_fee,0.006,M0,0.06\n"
    err = refused(csv(tmp_path, text))
    (p,) = err.problems
    assert p.column == "rate" and p.value == ["rate", "rate"]
    assert "two tape columns map to the same canonical column" in p.rule


# ---------------------------------------------------------------------------------- 7. dates
def _with_dates(tmp_path: Path, *dates: object, xlsx: bool = False) -> Path:
    rows = [["A1", 1200, 1000, 12, 10, "flat_fee", 0.006, "M0", d] for d in dates]
    for i, r in enumerate(rows):
        r[0] = f"A{i + 1}"
    if xlsx:
        wb = openpyxl.Workbook()
        ws = wb.active
        assert ws is not None
        ws.append([*HEADER.split(","), "origination_date"])
        for r in rows:
            ws.append(r)
        wb.save(tmp_path / "t.xlsx")
        return tmp_path / "t.xlsx"
    return csv(tmp_path, f"{HEADER},origination_date\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))


def test_year_1500_is_refused_not_stored_as_2084(tmp_path: Path) -> None:
    err = refused(_with_dates(tmp_path, "1500-01-01"))
    (p,) = err.problems
    assert p.column == "origination_date" and p.value == "1500-01-01"
    assert "between 1900-01-01 and 2200-12-31" in p.rule


def test_xlsx_date_serials_are_read_as_excel_dates(tmp_path: Path) -> None:
    """45839 is 2025-07-01 in Excel's 1900 date system (it was once read as 1970-01-01)."""
    df = am.read_tape(_with_dates(tmp_path, 45839, 45839.75, xlsx=True))
    assert df["origination_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-07-01", "2025-07-01"]


def test_time_zoned_parquet_dates_keep_their_calendar_day(tmp_path: Path) -> None:
    src = am.read_tape(csv(tmp_path, GOOD))
    src["origination_date"] = pd.to_datetime(["2026-06-30", "2026-01-01"]).tz_localize("Asia/Shanghai")
    src.to_parquet(tmp_path / "tz.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once 200 warnings, and a day lost by conversion to UTC
        df = am.read_tape(tmp_path / "tz.parquet", cutoff_date="2026-06-30")
    assert df["origination_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-06-30", "2026-01-01"]


# ------------------------------------------------------------- 10. control characters in segments
@pytest.mark.parametrize("value", ["North\x1b[2J", "East\x01", "We\u202est"])
def test_a_segment_with_a_control_character_is_refused_naming_the_column(tmp_path: Path, value: str) -> None:
    df = am.read_tape(csv(tmp_path, GOOD))
    df["region"] = ["ok", value]
    err = refused(df)
    (p,) = err.problems
    assert (p.row, p.column, p.value) == (2, "region", value)
    assert "must not contain control or invisible characters" in p.rule


# ------------------------------------------------------------------------------ 12. messages
def test_a_csv_parse_error_names_the_file(tmp_path: Path) -> None:
    path = csv(tmp_path, f"{HEADER}\nA1,1200,1000,12,10,flat_fee,0.006,M0\nA2,1,2,3,4,5,6,7,8,9,10\n")
    err = refused(path)
    assert str(err).startswith(f"{path}: 1 problem(s)")
    assert "cannot be parsed as CSV" in str(err)


def test_row_problems_give_the_file_line_counting_blank_lines_and_the_loan_id(tmp_path: Path) -> None:
    text = f"{HEADER}\n\nA1,1200,1000,12,10,flat_fee,0.006,M0\n\n\nA2,600,600,6,6,level_payment,6,M0\n"
    err = refused(csv(tmp_path, text))
    (p,) = err.problems
    assert (p.row, p.line, p.loan_id) == (2, 6, "A2")
    assert "row 2, column 'rate': must be a decimal < 1; looks like a percent: give 0.06 for 6 %; got 6" in str(err)
    assert "(line 6, loan_id 'A2')" in str(err)


def test_xlsx_row_problems_give_the_sheet_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER.split(","))
    ws.append(["A1", 1200, 1000, 12, 10, "flat_fee", 0.006, "M0"])
    ws.append([None] * 8)
    ws.append(["A2", 600, 600, 6, 6, "level_payment", 6, "M0"])
    wb.save(tmp_path / "t.xlsx")
    (p,) = refused(tmp_path / "t.xlsx").problems
    assert (p.row, p.line, p.loan_id) == (2, 4, "A2")


def test_a_utf16_tape_is_recognised(tmp_path: Path) -> None:
    df = am.read_tape(csv(tmp_path, GOOD, encoding="utf-16"))
    assert df["loan_id"].tolist() == ["A1", "A2"]


def test_the_cli_reads_a_gbk_tape_and_an_xlsx_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tape = pd.read_csv(EXAMPLES / "baitiao_tape.csv", dtype=str)
    tape["region"] = "华东"
    tape.to_csv(tmp_path / "gbk.csv", index=False, encoding="gbk")
    deal = str(EXAMPLES / "baitiao_revolving.yaml")
    assert main(["validate", deal, "--tape", str(tmp_path / "gbk.csv")]) == 2
    assert "--encoding gbk" in capsys.readouterr().err
    assert main(["validate", deal, "--tape", str(tmp_path / "gbk.csv"), "--encoding", "gbk"]) == 0
    with pd.ExcelWriter(tmp_path / "two.xlsx") as xl:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(xl, sheet_name="Cover", index=False)
        tape.to_excel(xl, sheet_name="Loans", index=False)
    assert main(["validate", deal, "--tape", str(tmp_path / "two.xlsx")]) == 2
    capsys.readouterr()
    assert main(["validate", deal, "--tape", str(tmp_path / "two.xlsx"), "--sheet", "Loans"]) == 0
    assert main(["validate", deal, "--tape", str(tmp_path / "two.xlsx"), "--sheet", "1"]) == 0


def test_a_parquet_file_with_duplicate_columns_says_so(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table([pa.array(["A1"]), pa.array([0.006]), pa.array([0.06])], names=["loan_id", "rate", "rate"])
    pq.write_table(table, tmp_path / "dup.parquet")
    (p,) = refused(tmp_path / "dup.parquet").problems
    assert p.value == ["rate"] and "duplicate column names" in p.rule


@pytest.mark.parametrize("target", ["typo.db", "sqlite:///{tmp}/typo.db"])
def test_a_query_against_a_missing_database_creates_no_file(tmp_path: Path, target: str) -> None:
    source = target.format(tmp=tmp_path) if "{tmp}" in target else str(tmp_path / target)
    err = refused(source, query="select * from loans")
    assert "no such SQLite database file (nothing was created)" in str(err)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_query_names_the_source(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "t.db"
    sqlite3.connect(db).close()
    err = refused(db, query="select * from no_such_table")
    assert "the query failed" in str(err) and "no such table: no_such_table" in str(err)


# ------------------------------------------------------------------------- optional extras
def test_reading_parquet_without_pyarrow_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    with pytest.raises(MissingExtraError) as exc:
        am.read_tape(tmp_path / "t.parquet")
    assert "pip install 'abs-model[parquet]'" in str(exc.value)


def test_a_database_url_without_sqlalchemy_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    with pytest.raises(MissingExtraError) as exc:
        am.read_tape("postgresql://host/db", query="select 1")
    assert "pip install 'abs-model[sql]'" in str(exc.value)

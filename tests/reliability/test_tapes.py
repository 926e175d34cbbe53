"""Loan tapes: each bad file is refused with one :class:`TapeError` that names the file, the row,
the column, the rule and the value received — or, for a hostile file, refused before it is parsed.

Every test writes a tiny tape by hand (two or three loans a reader can check) into ``tmp_path``.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import abs_model as am
from abs_model.collateral.tape import MAX_BALANCE, MAX_XLSX_UNCOMPRESSED
from abs_model.errors import TapeError

HEADER = "loan_id,original_principal,current_principal,original_term,remaining_term,product,rate,bucket"
#: Two clean loans: a 12-instalment Baitiao plan at 0.6 % a period, a 6-month level-payment loan at 12 %.
GOOD = f"{HEADER}\nA1,1200,1000,12,10,flat_fee,0.006,M0\nA2,600,600,6,6,level_payment,0.12,M0\n"


def csv(tmp_path: Path, text: str, name: str = "tape.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def refused(source: object, **kw: object) -> TapeError:
    with pytest.raises(TapeError) as exc:
        am.read_tape(source, **kw)
    return exc.value


def frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype={"loan_id": str})


def test_the_clean_two_loan_tape_is_accepted(tmp_path: Path) -> None:
    df = am.read_tape(csv(tmp_path, GOOD))
    assert df["loan_id"].tolist() == ["A1", "A2"]
    assert df["current_principal"].sum() == 1600.0


# ------------------------------------------------------------------------------ file shape
def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = csv(tmp_path, "")
    err = refused(path)
    assert str(path) in str(err)
    assert "the file is empty: no header row and no loans" in str(err)


def test_a_header_without_loans_is_refused(tmp_path: Path) -> None:
    err = refused(csv(tmp_path, HEADER + "\n"))
    assert "the tape has a header but no loans" in str(err)


def test_an_empty_dataframe_is_refused_the_same_way() -> None:
    assert "the tape has a header but no loans" in str(refused(frame(GOOD).iloc[:0]))


def test_a_semicolon_separated_csv_is_detected_and_named(tmp_path: Path) -> None:
    """European Excel saves "CSV" with semicolons; the header then arrives as one column."""
    err = refused(csv(tmp_path, GOOD.replace(",", ";")))
    assert len(err.problems) == 1  # one clear problem, not eight "missing column" lines
    assert "the header is separated by semicolons (';'), not commas" in str(err)
    assert "save it comma-separated (Excel: Save As → CSV UTF-8)" in str(err)


def test_a_tab_separated_file_named_csv_is_detected(tmp_path: Path) -> None:
    err = refused(csv(tmp_path, GOOD.replace(",", "\t")))
    assert "the header is separated by tabs ('\\t'), not commas; rename it .tsv" in str(err)


def test_a_comma_separated_file_named_tsv_is_detected(tmp_path: Path) -> None:
    err = refused(csv(tmp_path, GOOD, name="tape.tsv"))
    assert "the header is separated by commas (','), not tabs; rename it .csv" in str(err)


# ------------------------------------------------------------------------------ encoding
ZH_HEADER = "借据号,放款金额,剩余本金,期数,剩余期数,产品类型,费率,逾期天数,地区"
ZH_GOOD = f"{ZH_HEADER}\nZ1,1200,1000,12,10,等本等费,0.006,0,华东\nZ2,600,600,6,6,免息分期,0,0,华北\n"


def test_a_gbk_tape_with_chinese_headers_reads_when_gbk_is_declared(tmp_path: Path) -> None:
    df = am.read_tape(csv(tmp_path, ZH_GOOD, encoding="gbk"), encoding="gbk")
    assert df["loan_id"].tolist() == ["Z1", "Z2"]
    assert df["product"].tolist() == ["flat_fee", "bullet"]
    assert df["region"].tolist() == ["华东", "华北"]


def test_a_gbk_tape_read_as_utf8_fails_naming_the_fix(tmp_path: Path) -> None:
    path = csv(tmp_path, ZH_GOOD, encoding="gbk")
    err = refused(path)
    assert str(path) in str(err)
    assert "cannot decode the file as utf-8-sig" in str(err)
    assert 'Chinese tapes are often GBK-encoded: pass encoding="gbk"' in str(err)


# ------------------------------------------------------------------------------ cells
def test_duplicated_loan_ids_name_both_rows() -> None:
    err = refused(frame(GOOD.replace("A2,", "A1,")))
    assert [(p.row, p.column) for p in err.problems] == [(1, "loan_id"), (2, "loan_id")]
    assert "row 2, column 'loan_id': duplicate loan_id (rows 1, 2); each loan must appear once; got 'A1'" in str(err)


def test_text_in_a_numeric_column_names_the_cell(tmp_path: Path) -> None:
    err = refused(csv(tmp_path, GOOD.replace("600,600", "six hundred,600")))
    assert "row 2, column 'original_principal': must be a number, not text; got 'six hundred'" in str(err)


def test_a_rate_in_percent_is_refused_with_the_decimal_spelled_out() -> None:
    err = refused(frame(GOOD.replace("0.12", "12")))
    assert "row 2, column 'rate': must be a decimal < 1; looks like a percent: give 0.06 for 6 %; got 12.0" in str(err)


def test_a_rate_written_with_a_percent_sign_is_refused(tmp_path: Path) -> None:
    err = refused(csv(tmp_path, GOOD.replace("0.12", "12%")))
    assert "row 2, column 'rate': must be a number, not a percent string; write 12 % as 0.12" in str(err)


@pytest.mark.parametrize(
    ("balance", "fragment"),
    [
        ("-5", "must be > 0 (a pool asset has a balance); got -5"),
        ("0", "must be > 0 (a pool asset has a balance); got 0"),
        ("2e12", f"must be at most {MAX_BALANCE:.0e} for one receivable; a bigger figure is a unit or parsing error; got 2000000000000.0"),
    ],
)
def test_negative_zero_and_huge_balances_are_refused(balance: str, fragment: str) -> None:
    err = refused(frame(GOOD.replace("1200,1000", f"3e12,{balance}")))
    assert f"row 1, column 'current_principal': {fragment}" in str(err)


def test_a_balance_at_the_cap_is_accepted() -> None:
    assert am.read_tape(frame(GOOD.replace("1200,1000", "1e12,1e12")))["current_principal"][0] == 1e12


@pytest.mark.parametrize("term", [0, 600])
def test_terms_of_0_and_600_are_refused(term: int) -> None:
    err = refused(frame(GOOD.replace(",12,10,", f",{term},{term},")))
    assert f"row 1, column 'original_term': must be 1..360 instalments; got {term}" in str(err)


def test_origination_after_the_cutoff_is_refused() -> None:
    tape = frame(GOOD).assign(origination_date=["2026-07-15", "2026-01-10"])
    err = refused(tape, cutoff_date="2026-06-30")
    assert "row 1, column 'origination_date': must not be after the cut-off date 2026-06-30; got '2026-07-15'" in str(err)


def test_a_deal_reading_a_tape_checks_origination_against_its_cutoff(tmp_path: Path) -> None:
    """The deal file's cut-off applies to its tape (load_deal passes it to read_tape)."""
    import yaml

    tape = frame(GOOD).assign(origination_date=["2026-07-15", "2026-01-10"])
    tape.to_csv(tmp_path / "tape.csv", index=False)
    doc = {
        "name": "Two loans",
        "dates": {"cutoff": "2026-06-30", "periods": 12},
        "pool": {"tape": "tape.csv"},
        "tranches": [{"name": "A", "share": 1.0, "coupon": 0.03}],
        "waterfalls": {"amortising": [{"pay_interest": ["A"]}, {"pay_principal": ["A"]}]},
    }
    (tmp_path / "deal.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(TapeError, match="must not be after the cut-off date 2026-06-30"):
        am.load_deal(tmp_path / "deal.yaml")


# ------------------------------------------------------------------------------ scale
def _million_row_csv(path: Path) -> tuple[int, int]:
    """1,000,000 loans; rows 101, 10101, … carry 40 percent rates and 40 text balances."""
    lines = [f"{HEADER},origination_date,region\n"]
    lines += [f"L{i:07d},1200,{1000 + i % 200},12,{1 + i % 12},flat_fee,0.006,M0,2026-0{1 + i % 6}-15,华东\n" for i in range(1_000_000)]
    for k in range(40):
        lines[101 + k * 10_000] = lines[101 + k * 10_000].replace(",0.006,", ",6,")
    for k in range(40, 80):
        lines[101 + k * 10_000] = lines[101 + k * 10_000].replace(",1200,", ",n/a,")
    path.write_text("".join(lines), encoding="utf-8")
    return 40, 40


@pytest.mark.slow
def test_a_million_row_csv_with_80_bad_rows_reports_all_of_them(tmp_path: Path) -> None:
    """Speed is measured by benchmarks/bench_tape.py (no wall-clock assertion in a test)."""
    path = tmp_path / "big.csv"
    n_rate, n_text = _million_row_csv(path)
    err = refused(path, cutoff_date="2026-06-30")
    assert len(err.problems) == n_rate + n_text  # every bad row is kept on the exception …
    assert {p.row for p in err.problems} == {101 + k * 10_000 for k in range(80)}  # 1-based data rows
    msg = str(err)
    assert "80 problem(s) in the loan tape; nothing was loaded" in msg
    assert msg.count("\n  - ") == TapeError.MAX_LISTED  # … and the message is capped at 50 lines
    assert "... and 30 more problems" in msg


# ------------------------------------------------------------------------------ other formats
def test_a_truncated_parquet_file_is_refused(tmp_path: Path) -> None:
    whole = tmp_path / "whole.parquet"
    am.read_tape(frame(GOOD)).to_parquet(whole)
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    err = refused(cut)
    assert str(cut) in str(err)
    assert "not a readable Parquet file (truncated or corrupt" in str(err)
    assert "write it again" in str(err)


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER.split(","))
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_an_xlsx_with_formulas_that_were_never_calculated_is_refused(tmp_path: Path) -> None:
    """A script wrote ``=B2*0.5`` into the sheet; no spreadsheet ever saved its value."""
    path = _xlsx(
        tmp_path / "formulas.xlsx",
        [["A1", 1200, "=B2*0.5", 12, 10, "flat_fee", 0.006, 0], ["A2", 600, 600, 6, 6, "level_payment", "=0.06*2", 0]],
    )
    err = refused(path)
    assert "2 cell(s) hold formulas with no saved value" in str(err)
    assert "C2 '=B2*0.5', G3 '=0.06*2'" in str(err)
    assert "open the file in Excel or WPS and save it (or paste the cells as values)" in str(err)


def test_an_xlsx_with_blank_optional_cells_but_no_formulas_still_reads(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([*HEADER.split(","), "region"])
    ws.append(["A1", 1200, 1000, 12, 10, "flat_fee", 0.006, 0, None])
    wb.save(tmp_path / "t.xlsx")
    assert am.read_tape(tmp_path / "t.xlsx")["region"].tolist() == [""]


def _bounded(fn: object) -> tuple[TapeError, float, float]:
    """Run ``fn`` expecting a TapeError; return it with the seconds and peak MB it took."""
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(TapeError) as exc:
            fn()  # type: ignore[operator]
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()
    return exc.value, seconds, peak


@pytest.mark.slow
def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path) -> None:
    """A 5 MB file whose sheet inflates to 1.1 GB: refused from the zip directory alone."""
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b" " * (1 << 24)
            for _ in range(70):  # 70 × 16 MiB = 1.1 GiB, streamed: the test itself stays small
                fh.write(block)
    assert bomb.stat().st_size < 20_000_000
    err, seconds, peak_mb = _bounded(lambda: am.read_tape(bomb))
    assert f"declares more than {MAX_XLSX_UNCOMPRESSED} uncompressed bytes; refused as a possible zip bomb" in str(err)
    assert seconds < 10.0 and peak_mb < 50.0  # refused in milliseconds; inflating would take far longer (and the memory bound catches it)


def test_an_xlsx_member_compressing_far_better_than_any_sheet_is_refused(tmp_path: Path) -> None:
    """Under the size ceiling, but 20 MB of one byte: ratio ≈ 1000:1 where real sheets give ≈ 10:1."""
    good = _xlsx(tmp_path / "good.xlsx", [["A1", 1200, 1000, 12, 10, "flat_fee", 0.006, 0]])
    bomb = tmp_path / "ratio.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b" " * 20_000_000 + b"</worksheet>")
            zout.writestr(item, data)
    err, seconds, peak_mb = _bounded(lambda: am.read_tape(bomb))
    assert "compression ratio above 100; refused as a possible zip bomb" in str(err)
    assert "xl/worksheets/sheet1.xml" in str(err)
    assert seconds < 10.0 and peak_mb < 50.0  # refused in milliseconds; inflating would take far longer (and the memory bound catches it)


def test_an_xlsx_carrying_an_external_entity_is_refused_unread(tmp_path: Path) -> None:
    """XXE: a shared string that would pull /etc/passwd into the tape. Refused on sight of the DTD."""
    good = tmp_path / "good.xlsx"
    frame(GOOD).to_excel(good, index=False)  # pandas writes text cells as shared strings
    evil = tmp_path / "xxe.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(evil, "w", zipfile.ZIP_DEFLATED) as zout:
        names = zin.namelist()
        member = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else "xl/worksheets/sheet1.xml"
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = (
                    b'<?xml version="1.0" encoding="UTF-8"?>\n'
                    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n' + body.replace(b"A1", b"&xxe;", 1)
                )
            zout.writestr(item, data)
    err, seconds, peak_mb = _bounded(lambda: am.read_tape(evil))
    assert f"column '{member}': XML declares a DTD/entities; refused (XLSX never needs one)" in str(err)
    assert "root:" not in str(err)  # nothing of /etc/passwd leaked into the message
    assert seconds < 10.0 and peak_mb < 50.0  # refused in milliseconds; inflating would take far longer (and the memory bound catches it)

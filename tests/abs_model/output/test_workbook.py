"""Excel workbook: read back with openpyxl (sheets, formats, freeze panes, tables, formulas,
charts); recalculated by LibreOffice, every check formula equals the model's value within a cent
(skipped where LibreOffice is not installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from abs_model.output.labels import excel_format, label
from abs_model.output.workbook import write_workbook

from .conftest import result as deal_result
from .conftest import small_breakeven, small_sweep

CENT = 0.005

LIVE_SHEETS = ("Inputs", "Model", "Outputs")
REQUIRED = ("Summary", "Assumptions", "Pool_CF", "Waterfall", "Tranches", "Fees", "Accounts", "Triggers", "Revolving")


@pytest.fixture(scope="module", params=[1.0, 3.0])
def result(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The shipped example deal (on a smaller pool) as run and with defaults × 3 (a trigger breaches)."""
    return deal_result(str(tmp_path_factory.mktemp("deal")), stress=request.param)


@pytest.fixture(scope="module")
def book_path(tmp_path_factory: pytest.TempPathFactory, result: Any) -> Path:
    out = tmp_path_factory.mktemp("wb") / "deal.xlsx"
    assert write_workbook(result, out, sweep=small_sweep(), breakeven=small_breakeven()) == out
    return out


def _headers(ws: Worksheet, row: int = 1) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[row] if c.value is not None}


def test_sheets(book_path: Path) -> None:
    wb = openpyxl.load_workbook(book_path)
    for name in (*REQUIRED, "Sensitivity", "Breakeven", "Strats"):
        assert name in wb.sheetnames, name


def test_optional_sheets_absent_without_scenarios(tmp_path: Path, result: Any) -> None:
    wb = openpyxl.load_workbook(write_workbook(result, tmp_path / "x.xlsx"))
    assert "Sensitivity" not in wb.sheetnames and "Breakeven" not in wb.sheetnames


def test_tables_unique_and_headers_match(book_path: Path) -> None:
    wb = openpyxl.load_workbook(book_path)
    names: list[str] = []
    for ws in wb.worksheets:
        for tname, ref in ws.tables.items():
            names.append(tname.lower())
            tbl = ws.tables[tname]
            first_row = ws[ref.split(":")[0]].row
            min_col = ws[ref.split(":")[0]].column
            max_col = ws[ref.split(":")[1]].column
            header = [ws.cell(row=first_row, column=c).value for c in range(min_col, max_col + 1)]
            assert all(isinstance(h, str) and h for h in header), (ws.title, header)
            assert len(set(header)) == len(header), (ws.title, header)
            if tbl.tableColumns:  # openpyxl fills these on save from the header cells
                assert [c.name for c in tbl.tableColumns] == header
    assert len(names) == len(set(names)), "table names must be unique in the workbook"


def test_freeze_panes_and_formats(book_path: Path, result: Any) -> None:
    wb = openpyxl.load_workbook(book_path)
    ws = wb["Pool_CF"]
    assert ws.freeze_panes == "B2"
    h = _headers(ws)
    assert h[label("period")] == 1
    assert ws.cell(row=1, column=2).value == label("date")
    for col in ("opening_balance", "cpr", "pool_factor", "count", "delinquency_30p"):
        c = h[label(col)]
        assert ws.cell(row=3, column=c).number_format == excel_format(col), col
    assert excel_format("opening_balance") == "#,##0.00"
    assert excel_format("cpr") == "0.00%"
    assert excel_format("pool_factor") == "0.0000"  # factors to 4 decimals, WAL to 2
    assert excel_format("wal_years") == "0.00"
    assert ws.cell(row=2, column=2).number_format == "yyyy-mm-dd"
    # values, not formulas, for model output
    c = h[label("closing_balance")]
    assert ws.cell(row=5, column=c).value == pytest.approx(float(result.pool["closing_balance"].iloc[3]))
    assert ws.column_dimensions["C"].width and ws.column_dimensions["C"].width > 8
    t = wb["Tranches"]
    assert t.freeze_panes == "C2"
    th = _headers(t)
    assert t.cell(row=2, column=th[label("factor")]).number_format == "0.0000"
    s = wb["Summary"]
    wal = next(c for r in s.iter_rows() for c in r if c.value == label("wal_years"))
    assert s.cell(row=wal.row + 1, column=wal.column).number_format == "0.00"


def test_input_cells_styled_apart(book_path: Path) -> None:
    ws = openpyxl.load_workbook(book_path)["Assumptions"]
    inp = ws.cell(row=2, column=2)
    head = ws.cell(row=2, column=1)
    assert inp.fill.fgColor.rgb != head.fill.fgColor.rgb
    assert inp.font.color is not None and inp.font.color.rgb.endswith("0000FF")


def test_check_formulas_present(book_path: Path, result: Any) -> None:
    wb = openpyxl.load_workbook(book_path)
    ws = wb["Pool_CF"]
    h = _headers(ws)
    col = h[label("check_roll_forward")]
    f = ws.cell(row=3, column=col).value
    assert isinstance(f, str) and f.startswith("=") and "-" in f
    model = ws.cell(row=3, column=h[label("check_roll_forward") + " (model)"]).value
    assert abs(model) < CENT
    t = wb["Tranches"]
    th = _headers(t)
    assert str(t.cell(row=2, column=th[label("check_note_balance")]).value).startswith("=")
    w = wb["Waterfall"]
    formulas = [
        c.value for row in w.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=SUMIFS(")
    ]
    assert len(formulas) == 2 * (len(result.pool) - 1)
    a = wb["Accounts"]
    ah = _headers(a)
    assert str(a.cell(row=3, column=ah[label("reserve_check")]).value).startswith("=")
    assert str(a.cell(row=3, column=ah[label("pdl_check")]).value).startswith("=")


def test_native_charts(book_path: Path, result: Any) -> None:
    wb = openpyxl.load_workbook(book_path)
    # openpyxl does not read charts back; check the package parts instead
    import zipfile

    with zipfile.ZipFile(book_path) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 4, charts  # pool balance, delinquency, loss vs trigger, note balances (+ reserve)
    assert wb["Pool_CF"].max_row == len(result.pool) + 1


def test_chinese_headers(tmp_path: Path, result: Any) -> None:
    wb = openpyxl.load_workbook(write_workbook(result, tmp_path / "zh.xlsx", lang="zh"))
    h = _headers(wb["Pool_CF"])
    for term in ("收款期间", "期初余额", "早偿本金", "违约金额", "违约回收", "期末余额", "循环购买金额"):
        assert term in h, term


def test_failed_write_keeps_previous_workbook(tmp_path: Path, result: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "deal.xlsx"
    out.write_bytes(b"good")

    def boom(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("openpyxl.workbook.workbook.Workbook.save", boom)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(result, out)
    assert out.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["deal.xlsx"]


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed here (CI installs it): cannot recalculate the formulas",
)
def test_libreoffice_recalculation_matches_model(book_path: Path, tmp_path: Path) -> None:
    outdir = tmp_path / "recalc"
    outdir.mkdir()
    src = tmp_path / "in.xlsx"
    shutil.copy(book_path, src)
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    formulas = openpyxl.load_workbook(book_path)
    values = openpyxl.load_workbook(outdir / "in.xlsx", data_only=True)
    n_checked = 0
    for ws in formulas.worksheets:
        if ws.title in LIVE_SHEETS:  # the live model is checked against the engine in test_workbook_model
            continue
        hdr = {c.column: str(c.value) for c in ws[1] if c.value is not None}
        for row in ws.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                    continue
                got = values[ws.title].cell(row=cell.row, column=cell.column).value
                assert isinstance(got, int | float), (ws.title, cell.coordinate, cell.value, got)
                # the model's value for the same expression sits in the "(model)" column
                name = _header_of(ws, cell)
                model_col = next(c for c, h in _row_headers(ws, cell).items() if h == f"{name} (model)")
                model = ws.cell(row=cell.row, column=model_col).value
                assert got == pytest.approx(model, abs=CENT), (ws.title, cell.coordinate, cell.value, got, model)
                n_checked += 1
        del hdr
    assert n_checked > 0


def _row_headers(ws: Worksheet, cell: Any) -> dict[int, str]:
    """Headers of the table that holds ``cell`` (the first row of its table ref)."""
    for _name, ref in ws.tables.items():
        a, b = ref.split(":")
        top, left, right, bottom = ws[a].row, ws[a].column, ws[b].column, ws[b].row
        if top < cell.row <= bottom and left <= cell.column <= right:
            return {c: str(ws.cell(row=top, column=c).value) for c in range(left, right + 1)}
    raise AssertionError(f"{ws.title}!{cell.coordinate} is outside every table")


def _header_of(ws: Worksheet, cell: Any) -> str:
    return _row_headers(ws, cell)[cell.column]


def _evaluate(ws: Worksheet, formula: str) -> float:
    """Value of a formula made only of cell references and ``0`` joined by + and −."""
    import re

    total = 0.0
    for sign, term in re.findall(r"([+-]?)([A-Z]+\d+|0)", formula[1:]):
        x = 0.0 if term == "0" else float(ws[term].value or 0.0)
        total += -x if sign == "-" else x
    return total


def test_recalculation_by_hand(book_path: Path) -> None:
    """Without LibreOffice: evaluate the simple +/− check formulas in Python and compare with the
    model column — the same comparison the LibreOffice test makes, for the formulas we can parse."""
    import re

    wb = openpyxl.load_workbook(book_path)
    n = 0
    for ws in wb.worksheets:
        if ws.title in LIVE_SHEETS:
            continue
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if not (
                    isinstance(v, str) and re.fullmatch(r"=[A-Z]+\d+(?:[+-](?:[A-Z]+\d+|0))*|=0(?:[+-][A-Z]+\d+)*", v)
                ):
                    continue
                got = _evaluate(ws, v)
                name = _header_of(ws, cell)
                model_col = next(c for c, h in _row_headers(ws, cell).items() if h == f"{name} (model)")
                assert got == pytest.approx(ws.cell(row=cell.row, column=model_col).value, abs=CENT), (
                    ws.title,
                    cell.coordinate,
                )
                assert abs(got) < CENT, (ws.title, cell.coordinate, v, got)
                n += 1
    assert n > 0
    assert np.isfinite(n)


def test_strats_sheet_has_a_column_per_rate_basis(book_path: Path, result: Any) -> None:
    """The Strats sheet: fee per period, annual interest rate and APR by IRR in their own columns
    (as % cells), and rate bands per kind of product; the pool's fee-band total equals the stats."""
    ws = openpyxl.load_workbook(book_path)["Strats"]
    titles = [str(c.value) for c in ws["A"] if c.value is not None]
    assert label("fee_band", "en") in titles and label("apr_band", "en") in titles
    assert label("rate_band", "en") not in titles
    for key in ("wa_fee_rate", "wa_interest_rate", "wa_apr"):
        hits = [c for row in ws.iter_rows() for c in row if c.value == label(key, "en")]
        assert hits, key
        below = [ws.cell(row=h.row + 1, column=h.column) for h in hits]
        filled = [c for c in below if isinstance(c.value, float)]  # an empty cell: no loan of that kind
        assert filled and all("%" in c.number_format for c in filled), key

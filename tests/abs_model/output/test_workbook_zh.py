"""The values workbook written with ``lang="zh"`` is Chinese throughout: every text cell of the
shipped example's workbook (run as written and with defaults × 3, so the deal accelerates) holds
no English word except the names the deal file gives (deal, tranches, fees, taxes, triggers,
collection strategy), day-count codes, currency codes and units.

The live formula model (``Inputs`` / ``Model`` / ``Outputs``) is left out (``live_model=False``):
its key column holds formula names, identifiers by design."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from abs_model.output.labels import phrase
from abs_model.output.workbook import write_workbook

from .conftest import deal_file, small_breakeven, small_sweep
from .conftest import result as deal_result

CENT = 0.005
#: Codes and units a Chinese trustee report writes in Latin letters too.
CODES = ("ACT/365F", "ACT/360", "30/360", "CNY", "USD", "dpd", "bps")
#: A run of 3+ ASCII letters: an English word (or an untranslated code such as ``amortising``).
WORD = re.compile(r"[A-Za-z]{3,}")


def _deal_names(doc: Any) -> set[str]:
    """Every ``name`` / ``label_zh`` value in the deal file, at any depth (the user's own text)."""
    out: set[str] = set()
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k in ("name", "label_zh") and isinstance(v, str):
                out.add(v)
            out |= _deal_names(v)
    elif isinstance(doc, list):
        for v in doc:
            out |= _deal_names(v)
    return out


def _english_cells(path: Path, allowed: set[str]) -> list[str]:
    """``sheet!cell: text`` for each text cell with an English word left once the allowed names
    and codes are taken out (longest first, so "Senior A" goes before "Senior"). Formulas are code."""
    strip = sorted(allowed | set(CODES), key=len, reverse=True)
    out = []
    for ws in openpyxl.load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if not isinstance(v, str) or c.data_type == "f":
                    continue
                rest = v
                for name in strip:
                    rest = rest.replace(name, " ")
                if WORD.search(rest):
                    out.append(f"{ws.title}!{c.coordinate}: {v!r}")
    return out


@pytest.mark.parametrize("stress", [1.0, 3.0])
def test_zh_workbook_has_no_english_left(tmp_path: Path, stress: float) -> None:
    folder = str(tmp_path)
    res = deal_result(folder, stress=stress)
    allowed = _deal_names(yaml.safe_load(deal_file(folder).read_text(encoding="utf-8")))
    assert {"Senior A", "Trustee"} <= allowed  # the names were found (else the test would pass for nothing)
    path = write_workbook(
        res, tmp_path / "zh.xlsx", lang="zh", sweep=small_sweep(), breakeven=small_breakeven(), live_model=False
    )
    offenders = _english_cells(path, allowed)
    assert offenders == [], "English left in the zh workbook:\n" + "\n".join(offenders)


def test_english_cells_finds_an_untranslated_word(tmp_path: Path) -> None:
    """The scan itself: a code left in English is found, a deal name and a currency code are not."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["A2"], ws["A3"], ws["A4"] = "amortising", "费用: Trustee", "CNY", "=SUM(B1:B2)"
    wb.save(tmp_path / "x.xlsx")
    assert _english_cells(tmp_path / "x.xlsx", {"Trustee"}) == ["Sheet!A1: 'amortising'"]


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed here: cannot recalculate the formulas",
)
def test_zh_check_formulas_recalculate_to_the_model(tmp_path: Path) -> None:
    """The check formulas of the Chinese workbook (the ledger's SUMIFS select the directions by their
    Chinese words) recalculated by LibreOffice equal the model's column next to them within a cent."""
    res = deal_result(str(tmp_path), stress=3.0)
    path = write_workbook(res, tmp_path / "in.xlsx", lang="zh", live_model=False)
    outdir = tmp_path / "recalc"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
         "--convert-to", "xlsx", "--outdir", str(outdir), str(path)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(outdir / "in.xlsx", data_only=True)
    n = 0
    for ws in formulas.worksheets:
        heads = {str(c.value): c.column for c in ws[1] if c.value is not None}
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type != "f":
                    continue
                head = str(ws.cell(row=1, column=cell.column).value)
                model = ws.cell(row=cell.row, column=heads[phrase("model_column", "zh", head=head)]).value
                got = values[ws.title].cell(row=cell.row, column=cell.column).value
                assert got == pytest.approx(model, abs=CENT), (ws.title, cell.coordinate, cell.value, got, model)
                n += 1
    assert n > 0


def test_zh_assumptions_show_the_roll_rate_matrix_they_name(tmp_path: Path) -> None:
    """The Chinese roll-rate sentence reads "按下表" (per the table below): the matrix is there, each
    row the deal's input row (from-bucket → to-bucket shares, summing to 1)."""
    import numpy as np

    res = deal_result(str(tmp_path))
    ws = openpyxl.load_workbook(write_workbook(res, tmp_path / "zh.xlsx", lang="zh", live_model=False))["Assumptions"]
    assert "Roll_Rates" in ws.tables
    top = ws[ws.tables["Roll_Rates"].ref.split(":")[0]].row
    m = np.asarray(res.assumptions.roll_rates.matrix, dtype=np.float64)
    m = m[0] if m.ndim == 3 else m
    for i in range(m.shape[0]):
        row = [ws.cell(row=top + 1 + i, column=1 + j).value for j in range(m.shape[1] + 1)]
        assert row[0] == f"M{i}"
        assert row[1:] == pytest.approx(list(m[i]))
        assert sum(row[1:]) == pytest.approx(1.0)


def test_zh_summary_fits_a_long_chinese_deal_name_in_its_column(tmp_path: Path) -> None:
    """The deal name on the Summary sheet stays in column B: a 20-character Chinese name takes about
    40 columns of width (two a character), so column B is made at least that wide instead of the
    name running over the cells to its right."""
    import dataclasses

    res = deal_result(str(tmp_path))
    name = "京东白条应收账款第十二期资产支持专项计划"  # 20 CJK characters
    renamed = dataclasses.replace(res, deal=dataclasses.replace(res.deal, name=name))
    ws = openpyxl.load_workbook(write_workbook(renamed, tmp_path / "zh.xlsx", lang="zh", live_model=False))["Summary"]
    assert ws["B1"].value == name
    assert ws.column_dimensions["B"].width >= 2 * len(name)

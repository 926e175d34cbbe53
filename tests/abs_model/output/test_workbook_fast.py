"""The workbook's fast paths equal the plain ones: a live-model formula rendered from its parsed
template is the string the token-by-token substitution gives, a cell styled from the style cache
has the style ids that assigning each attribute gives, and the short-cut save writes the bytes
openpyxl's own save writes."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from abs_model.output.workbook_grid import Grid, Row
from abs_model.output.workbook_save import save
from abs_model.output.workbook_styles import StyleCache

from .conftest import HOSTILE, result, small_sweep

_TOKEN = re.compile(r"\{([^{}]+)\}")


def plain_render(m: Grid, template: str, t: int, sheet: str) -> str:
    """The reference: every token looked up again for every period."""

    def cell(key: str, p: int, absolute: bool = False) -> str:
        title, row = m.where[key]
        ref = f"${m.col(p)}${row}" if absolute else f"{m.col(p)}{row}"
        return ref if title == sheet else f"{title}!{ref}"

    def one(mt: re.Match[str]) -> str:
        tok = mt.group(1)
        if "@+" in tok:
            key, ahead = tok.split("@+")
            if key.startswith("$") and key[1:] in m.names:
                return m.names[key[1:]]
            return cell(key.lstrip("$"), t + int(ahead))
        if tok.startswith("$"):
            return m.names[tok[1:]] if tok[1:] in m.names else cell(tok[1:], t)
        if "#" in tok and ":" not in tok:
            key, at = tok.split("#")
            return cell(key, int(at), True)
        if "#" in tok:
            key, span = tok.split("#")
            a, b = (int(x) for x in span.split(":"))
            return f"{cell(key, a, True)}:{cell(key, b, True).split('!')[-1]}"
        if tok.endswith("@p"):
            return cell(tok[:-2], t - 1)
        return cell(tok, t)

    return "=" + _TOKEN.sub(one, template)


def test_parsed_templates_render_as_the_plain_substitution() -> None:
    m = Grid(30)
    m.add("Inputs", Row("cpr", "CPR", const=0.1))
    m.names["cpr"] = "in_cpr"
    m.add("Inputs", Row("sched", "Schedule", values=tuple(range(31))))
    m.add("Model", Row("bal", "Balance"))
    m.add("Model", Row("pay", "Payment"))
    m.add("Outputs", Row("out", "Out"))
    templates = [
        "{bal@p}-{pay}",
        "MAX(0,{bal@p}*(1-{$cpr}))+{$sched}",
        "SUM({pay#1:30})/{bal#0}",
        "{pay@+1}+{$sched@+2}+{$cpr@+3}",
        "IF({out}>0,1,0)",
        "{bal}",
    ]
    for sheet in ("Model", "Outputs", "Inputs"):
        for tpl in templates:
            for t in (1, 2, 15, 30):
                assert m.render(tpl, t, sheet) == plain_render(m, tpl, t, sheet), (tpl, t, sheet)
    # by hand: a sheet's rows start at row 3 (below the period and date rows); period t is in
    # column D + t, so period 3 is G and the previous period F; another sheet's cell is prefixed
    assert m.render("{bal@p}-{pay}", 3, "Outputs") == "=Model!F3-Model!G4"
    assert m.render("{bal@p}-{pay}", 3, "Model") == "=F3-G4"


def test_style_cache_gives_the_ids_of_assigning_each_attribute() -> None:
    fill, font = PatternFill("solid", fgColor="FFF2CC"), Font(color="0000FF")

    def style(c: object) -> None:
        c.number_format = "0.0000%"  # type: ignore[attr-defined]
        c.fill, c.font = fill, font  # type: ignore[attr-defined]

    wb = Workbook()
    ws = wb.active
    cache = StyleCache()
    cached = [ws.cell(row=1, column=j, value=j) for j in range(1, 6)]
    for c in cached:
        cache.apply(c, "input-rate", style)
    plain = ws.cell(row=2, column=1, value=0.5)
    style(plain)
    assert {c.style_id for c in cached} == {plain.style_id}
    assert cached[3].number_format == "0.0000%" and cached[3].fill == fill and cached[3].font == font
    cached[3].font = Font(bold=True)  # a copy, not a shared array: changing one cell leaves the others
    assert cached[2].font == font


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:  # the timestamps of docProps/core.xml differ by the clock only
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_short_cut_save_writes_the_bytes_openpyxl_writes(tmp_path: Path) -> None:
    """Every kind of cell, saved by openpyxl alone and by ``workbook_save.save``: the same parts,
    byte for byte (numbers and formulas by the short-cut, the rest by openpyxl)."""
    import datetime as dt

    from openpyxl.worksheet.formula import ArrayFormula

    wb = Workbook()
    ws = wb.active
    values: list[object] = [0, 1, -7, 2**53 + 1, 0.1, -1234.5678901234567, 1e-300, 1e300, float("nan"), float("inf"),
                            True, False, None, "", " padded ", "plain", HOSTILE, "=1+1", "=", "=A1&\"<b>\"&B1>0",
                            "=IF(A1<>0,\"x & y\",Sheet!$A$1)", dt.date(2026, 7, 15), dt.datetime(2026, 7, 15, 12, 30),
                            "   ", "\tlead", "trail\n", "a\nb", "优先A级 (加速清偿)", "'quoted' \"double\"", "x > y < z && w",
                            " 中文 ", "\u00a0nbsp", "@sum"]
    for i, v in enumerate(values, start=1):
        ws.cell(row=i, column=1, value=v)
        styled = ws.cell(row=i, column=2, value=v)
        styled.number_format, styled.font = "#,##0.00", Font(bold=True)
    ws["C1"] = ArrayFormula("C1:C2", "=A1:A2*2")
    ws["D1"] = 5
    ws["D1"].hyperlink = "#Sheet!A1"
    ws.cell(row=40, column=5).fill = PatternFill("solid", fgColor="FFF2CC")  # styled, empty
    fonts = [Font(bold=True), Font(italic=True), Font(color="0000FF")]
    for i in range(60):  # styles first seen in an order of their own, then seen again: the ids openpyxl gives
        c = ws.cell(row=50 + i, column=1 + i % 4, value=[1.5, "text", "=A1", " t "][i % 4])
        c.font = fonts[(i * 7) % 3]
        c.number_format = ["0.00", "0%", "General"][(i * 5) % 3]
    plain, fast = tmp_path / "plain.xlsx", tmp_path / "fast.xlsx"
    wb.save(plain)
    with fast.open("wb") as fh:
        save(wb, fh)
    assert _parts(fast) == _parts(plain)


def test_the_demo_workbook_saved_both_ways_is_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from abs_model.output import workbook

    res = result(str(tmp_path), sub_name=HOSTILE)
    fast = workbook.write_workbook(res, tmp_path / "fast.xlsx", lang="zh", sweep=small_sweep())
    monkeypatch.setattr(workbook, "save", lambda wb, fh: wb.save(fh))
    plain = workbook.write_workbook(res, tmp_path / "plain.xlsx", lang="zh", sweep=small_sweep())
    assert _parts(fast) == _parts(plain)


def test_put_makes_the_cell_ws_cell_makes(tmp_path: Path) -> None:
    """``put`` against ``ws.cell`` on two workbooks written alike (new cells, a cell written
    again, None values, cells below and right of others): the same cells, values, current row and
    saved bytes; out of bounds it raises as ``ws.cell`` does."""
    from openpyxl.cell.cell import Cell

    from abs_model.output.workbook_styles import put

    writes: list[tuple[int, int, object]] = [(3, 2, 1.5), (1, 1, "a"), (3, 2, None), (3, 2, "=A1*2"), (7, 5, None), (2, 9, 0), (5, 1, " s ")]
    books = []
    for how in ("cell", "put"):
        wb = Workbook()
        ws = wb.active
        for r, c, v in writes:
            got = ws.cell(row=r, column=c, value=v) if how == "cell" else put(ws, r, c, v)
            assert isinstance(got, Cell) and (got.row, got.column) == (r, c) and ws._cells[(r, c)] is got
        books.append(wb)
    a, b = (wb.active for wb in books)
    assert sorted(a._cells) == sorted(b._cells) and a._current_row == b._current_row == 7
    assert [(k, c.value, c.data_type) for k, c in sorted(a._cells.items())] == [(k, c.value, c.data_type) for k, c in sorted(b._cells.items())]
    paths = [tmp_path / "cell.xlsx", tmp_path / "put.xlsx"]
    for wb, p in zip(books, paths, strict=True):
        wb.save(p)
    assert _parts(paths[0]) == _parts(paths[1])
    for r, c in ((0, 1), (1, 0), (1_048_577, 1)):
        with pytest.raises(ValueError):
            put(books[1].active, r, c, 1.0)


def test_the_demo_workbook_made_with_ws_cell_is_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live model and the tables written through ``put`` or through ``ws.cell``: the same bytes."""
    from abs_model.output import workbook, workbook_book, workbook_grid

    res = result(str(tmp_path), sub_name=HOSTILE)
    fast = workbook.write_workbook(res, tmp_path / "fast.xlsx", lang="en", sweep=small_sweep())

    def plain(ws: object, row: int, column: int, value: object = None) -> object:
        return ws.cell(row=row, column=column, value=value)  # type: ignore[attr-defined]

    monkeypatch.setattr(workbook_grid, "put", plain)
    monkeypatch.setattr(workbook_book, "put", plain)
    slow = workbook.write_workbook(res, tmp_path / "slow.xlsx", lang="en", sweep=small_sweep())
    assert _parts(fast) == _parts(slow)

"""Saving the workbook with openpyxl, its per-cell XML writer short-cut for numbers, formulas and text.

openpyxl writes each cell by building an XML element and serialising it through ``et_xmlfile``
(about 10 µs a cell); the live model has some 25,000 cells, nearly all numbers and formulas. While
:func:`save` runs, openpyxl's cell writer is replaced by a short-cut (:func:`_fast_writer`) that writes those
three kinds as the very text openpyxl writes for them::

    <c r="D5" s="3" t="n"><v>1234.5</v></c>        a number (``%.16g``, openpyxl's safe_string)
    <c r="E7" s="4"><f>D7*(1-in_cpr)</f><v /></c>   a formula (its text XML-escaped: & < >)
    <c r="B2" s="5" t="inlineStr"><is><t>Pool</t></is></c>   text (escaped; ``xml:space="preserve"``
                                                    where spaces lead or trail other characters)

and hands every other cell (dates, booleans, empty or non-finite values, rich text, array
formulas, hyperlinks, anything unusual) to openpyxl's own writer. A cell's style id is looked up
by its style array's bytes once per distinct array (openpyxl hashes the array three times a
cell). The saved file is byte for byte what openpyxl alone writes (``tests/abs_model/output/test_workbook_fast.py`` saves workbooks both ways
and compares every part). Where openpyxl writes through lxml, or its internals are not the ones
this was written against, :func:`save` is openpyxl's save unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import IO, Any

__all__ = ["save"]

_LOCK = threading.Lock()


def _escape(text: str) -> str:
    """XML character data as the standard library's serialiser escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _fast_writer(original: Callable[..., None]) -> Callable[..., None]:
    from openpyxl.compat import safe_string

    # a cell's style id by the bytes of its style array: openpyxl's ``cell.style_id`` hashes the
    # array three times (a tuple each) to look it up in the workbook's list of styles; an array
    # seen for the first time is registered there by ``cell.style_id`` itself, so every id is the
    # one openpyxl gives (equal arrays, equal bytes, one id); one writer per save, one workbook
    ids: dict[bytes, int] = {}

    def style_id(cell: Any) -> int:
        style = cell._style
        if style is None:
            return int(cell.style_id)
        key = style.tobytes()
        got = ids.get(key)
        if got is None:
            got = ids[key] = int(cell.style_id)
        return got

    def write_cell(xf: Any, worksheet: Any, cell: Any, styled: Any = None) -> None:
        value = cell._value
        kind = cell.data_type
        plain = cell.hyperlink is None and (
            (kind == "n" and type(value) in (int, float))
            or (kind == "f" and type(value) is str and len(value) > 1)
            or (kind == "s" and type(value) is str and value != "")
        )
        write = getattr(xf, "_file", None)
        if not plain or write is None:
            original(xf, worksheet, cell, styled)
            return
        head = f'<c r="{cell.coordinate}" s="{style_id(cell)}"' if styled else f'<c r="{cell.coordinate}"'
        if kind == "n":
            text = safe_string(value)
            if not text:  # NaN or inf: openpyxl writes an empty <v />
                original(xf, worksheet, cell, styled)
                return
            write(f'{head} t="n"><v>{text}</v></c>')
        elif kind == "s":  # an inline string; space kept where the text has some around it
            stripped = value.strip()
            space = ' xml:space="preserve"' if stripped and value != stripped else ""
            write(f'{head} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>')
        else:
            write(f"{head}><f>{_escape(value[1:])}</f><v /></c>")

    return write_cell


def save(workbook: Any, fh: IO[bytes]) -> None:
    """``workbook.save(fh)``, numbers and formulas written by the short-cut writer (see the module docstring)."""
    try:
        from openpyxl.cell import _writer as cell_writer
        from openpyxl.worksheet import _writer as sheet_writer
    except ImportError:  # pragma: no cover - another openpyxl layout: its own writer
        workbook.save(fh)
        return
    original = getattr(sheet_writer, "write_cell", None)
    if original is None or original is not getattr(cell_writer, "etree_write_cell", None):
        workbook.save(fh)  # lxml (or an unknown writer): nothing to short-cut
        return
    fast = _fast_writer(original)  # type: ignore[arg-type]  # not None: checked above
    with _LOCK:
        sheet_writer.write_cell = fast
        try:
            workbook.save(fh)
        finally:
            sheet_writer.write_cell = original

"""Saving the workbook with openpyxl, its per-cell XML writer short-cut for numbers and formulas.

openpyxl writes each cell by building an XML element and serialising it through ``et_xmlfile``
(about 10 µs a cell); the live model has some 25,000 cells, nearly all numbers and formulas. While
:func:`save` runs, openpyxl's cell writer is replaced by a short-cut (:func:`_fast_writer`) that writes those
two kinds as the very text openpyxl writes for them::

    <c r="D5" s="3" t="n"><v>1234.5</v></c>        a number (``%.16g``, openpyxl's safe_string)
    <c r="E7" s="4"><f>D7*(1-in_cpr)</f><v /></c>   a formula (its text XML-escaped: & < >)

and hands every other cell (text, dates, booleans, empty or non-finite values, array formulas,
hyperlinks, anything unusual) to openpyxl's own writer. The saved file is byte for byte what
openpyxl alone writes (``tests/abs_model/output/test_workbook_fast.py`` saves workbooks both ways
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

    def write_cell(xf: Any, worksheet: Any, cell: Any, styled: Any = None) -> None:
        value = cell._value
        kind = cell.data_type
        plain = cell.hyperlink is None and (
            (kind == "n" and type(value) in (int, float)) or (kind == "f" and type(value) is str and len(value) > 1)
        )
        write = getattr(xf, "_file", None)
        if not plain or write is None:
            original(xf, worksheet, cell, styled)
            return
        head = f'<c r="{cell.coordinate}" s="{cell.style_id}"' if styled else f'<c r="{cell.coordinate}"'
        if kind == "n":
            text = safe_string(value)
            if not text:  # NaN or inf: openpyxl writes an empty <v />
                original(xf, worksheet, cell, styled)
                return
            write(f'{head} t="n"><v>{text}</v></c>')
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

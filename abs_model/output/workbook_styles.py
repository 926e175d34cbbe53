"""Styling many workbook cells alike, fast; and making them (:func:`put`).

openpyxl registers a cell's number format, font, fill, border and alignment in the workbook's
style lists on every assignment (a hash and a lookup each). The workbook styles tens of thousands
of cells with a handful of combinations, so :class:`StyleCache` styles the first cell of each
combination attribute by attribute and gives the others a copy of its style array: the very
style ids openpyxl would have given them (the saved workbook is byte for byte the same).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from copy import copy
from typing import Any

from openpyxl.cell.cell import Cell as _Cell

__all__ = ["StyleCache", "put"]

_MAX_ROW = 1_048_576  # Excel's last row


def put(ws: Any, row: int, column: int, value: Any = None) -> Any:
    """``ws.cell(row=row, column=column, value=value)`` for the writers' tens of thousands of new
    cells: the same cell in the same place (``ws._cells``, the worksheet's current row kept as
    ``_add_cell`` keeps it), without the method's two bounds checks and lookups (about half its
    time). Out of bounds, or on a worksheet without openpyxl's ``_cells``, it is ``ws.cell``."""
    cells = getattr(ws, "_cells", None)
    if cells is None or not (0 < row <= _MAX_ROW and column > 0):
        return ws.cell(row=row, column=column, value=value)
    cell = cells.get((row, column))
    if cell is None:
        cell = cells[(row, column)] = _Cell(ws, row=row, column=column, value=value)
        if row > ws._current_row:
            ws._current_row = row
    elif value is not None:
        cell.value = value
    return cell


class StyleCache:
    """Style arrays of one workbook by a key that determines the whole style. Use it only on
    cells that have no style yet (new cells), and one cache per workbook."""

    __slots__ = ("_done",)

    def __init__(self) -> None:
        self._done: dict[Hashable, Any] = {}

    def apply(self, cell: Any, key: Hashable, style: Callable[[Any], None]) -> None:
        """Style ``cell`` as ``style(cell)`` would, for every cell of the same ``key``."""
        done = self._done.get(key)
        if done is not None:
            cell._style = done.__copy__()  # = copy(done), without copy's type dispatch
            return
        style(cell)
        self._done[key] = copy(cell._style)

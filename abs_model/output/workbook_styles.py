"""Styling many workbook cells alike, fast.

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

__all__ = ["StyleCache"]


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
            cell._style = copy(done)
            return
        style(cell)
        self._done[key] = copy(cell._style)

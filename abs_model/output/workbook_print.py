"""Print set-up of every workbook sheet: landscape A4, fit to a few pages wide, header rows (and
the label columns of the time-across model sheets) repeated on every page, charts on pages of
their own so that none is cut.

Defined as: pages wide = ⌈width of the printed columns (characters) / :data:`CHARS_PER_PAGE`⌉,
so a page shows about that many characters at a readable scale (about 55 %); pages tall are
left free (``fitToHeight = 0``), so long tables run down the pages with their header repeated.
"""

from __future__ import annotations

import math
import re

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.pagebreak import Break, ColBreak
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["CHARS_PER_PAGE", "LIVE_SHEETS", "print_setup"]

#: Characters of column width printed per landscape A4 page (about 125 at 100 % scale; 230 is about 55 %).
CHARS_PER_PAGE = 230.0
#: Sheets laid out with time across (labels in columns A–C, periods from column D).
LIVE_SHEETS = ("Inputs", "Model", "Outputs")
_DEFAULT_WIDTH = 8.43


def _width(ws: Worksheet, first: int, last: int) -> float:
    total = 0.0
    for c in range(first, last + 1):
        dim = ws.column_dimensions.get(get_column_letter(c))
        total += dim.width if dim is not None and dim.width else _DEFAULT_WIDTH
    return total


def _chart_column(ws: Worksheet) -> int | None:
    cols = []
    for ch in getattr(ws, "_charts", []):
        anchor = ch.anchor
        if isinstance(anchor, str):
            m = re.match(r"([A-Z]+)", anchor)
            if m:
                cols.append(column_index_from_string(m.group(1)))
        else:  # an anchor object
            cols.append(anchor._from.col + 1)
    return min(cols) if cols else None


def print_setup(ws: Worksheet, *, header_row: int = 1) -> int:
    """Set ``ws`` up for printing (see module doc); returns the pages wide chosen."""
    ps = ws.page_setup
    ps.orientation = "landscape"
    ps.paperSize = ws.PAPERSIZE_A4
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    last_col = max(ws.max_column, 1)
    chart_col = _chart_column(ws)
    if ws.title in LIVE_SHEETS:
        ws.print_title_rows = "1:2"
        ws.print_title_cols = "B:C"
        titles = _width(ws, 2, 3)
        body = _width(ws, 4, last_col)
        per_page = max(CHARS_PER_PAGE - titles, 20.0)
        pages = max(1, math.ceil(body / per_page))
        ws.print_area = f"B1:{get_column_letter(last_col)}{ws.max_row}"
    else:
        if ws.max_row > header_row:
            ws.print_title_rows = f"{header_row}:{header_row}"
        table_last = last_col if chart_col is None else max(1, min(last_col, chart_col - 1))
        pages = max(1, math.ceil(_width(ws, 1, table_last) / CHARS_PER_PAGE))
        if chart_col is not None:  # charts start a page of their own, so none is cut
            ws.col_breaks.append(Break(id=max(chart_col - 2, 1)))  # the gap column before the chart
            pages += 1
    if not isinstance(ws.col_breaks, ColBreak):  # pragma: no cover - openpyxl always sets one
        ws.col_breaks = ColBreak()
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ps.fitToWidth = pages
    ps.fitToHeight = 0
    return pages

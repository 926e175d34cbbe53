"""The grid of the live workbook model: rows of three sheets sharing one timeline, formula
templates rendered into A1 references, labels in English or Chinese, and the writer.

Rows are placed first and rendered last, so a formula may name any row (a previous period's
value of a row placed further down, as state carried from one period to the next).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook

import tranches as tr
from abs_model.output.labels import LABELS
from abs_model.output.safe_text import printable
from abs_model.output.workbook_styles import StyleCache, put

__all__ = ["Grid", "Row", "say", "sum_of", "write_grid"]

_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_INPUT_FONT = Font(color="0000FF")
_VALUE_FILL = PatternFill("solid", fgColor="DDEBF7")  # values from the projection
_SECTION_FONT = Font(bold=True, size=12)
_KEY_FONT = Font(color="808080", size=8)
AMOUNT, RATE, FLAG = "#,##0.00", "0.0000%", "0"
BIG = 1e300  # an unlimited purchase capacity, as the engine's kernels.BIG
PHASE_CODES = {p: i for i, p in enumerate(tr.PHASES)}
FIRST_COL = 4  # column D: period 0
POT_I, POT_P = "I", "P"
SHEETS = ("Inputs", "Model", "Outputs")
_TOKEN = re.compile(r"\{([^{}]+)\}")

Template = str | Callable[[int], str]


@dataclass(slots=True)
class Row:
    key: str
    label: str
    fmt: str = AMOUNT
    formula: Template | None = None  # periods 1..T
    values: tuple[float, ...] | None = None  # periods 0..T
    init: str | float | None = None  # period 0 (a template or a value)
    const: float | None = None  # column C: a scalar input


@dataclass(slots=True)
class Grid:
    """Rows of the three sheets; formulas are templates rendered once every row is placed.

    Template tokens: ``{key}`` this period's cell of row ``key``, ``{key@p}`` the previous
    period's, ``{key@+j}`` the cell j periods later (empty beyond the last period, so 0),
    ``{key#a:b}`` periods a..b of the row (absolute), ``{key#a}`` period a's cell (absolute),
    ``{$name}`` an input (its defined name, or its schedule row's cell in this period;
    ``{$name@+j}`` j periods later).
    """

    T: int
    where: dict[str, tuple[str, int]] = field(default_factory=dict)
    sheets: dict[str, list[Row | str]] = field(default_factory=lambda: {s: [] for s in SHEETS})
    names: dict[str, str] = field(default_factory=dict)
    lang: str = "en"
    display: dict[str, str] = field(default_factory=dict)
    _compiled: dict[tuple[str, str], list[str | Callable[[int], str]]] = field(default_factory=dict, repr=False)

    def say(self, text: str) -> str:
        return printable(say(text, self.lang, self.display))

    def add(self, sheet: str, row: Row) -> str:
        if row.key in self.where:  # pragma: no cover - keys are built unique
            raise KeyError(f"live model: duplicate row {row.key!r}")
        rows = self.sheets[sheet]
        rows.append(row)
        self.where[row.key] = (sheet, len(rows) + 2)
        return row.key

    def col(self, t: int) -> str:
        return get_column_letter(FIRST_COL + t)

    def _cell(self, key: str, t: int, sheet: str, absolute: bool = False) -> str:
        title, row = self.where[key]
        ref = f"${self.col(t)}${row}" if absolute else f"{self.col(t)}{row}"
        return ref if title == sheet else f"{title}!{ref}"

    def render(self, template: str, t: int, sheet: str) -> str:
        """``template`` as the formula of period ``t`` on ``sheet`` (see the class docstring).

        Each (template, sheet) is parsed once into literal text and token readers (a row's sheet
        prefix, row number and period offset fixed; only the column letter depends on ``t``):
        the model renders the same few hundred templates for every period."""
        parts = self._compiled.get((template, sheet))
        if parts is None:
            parts = self._compiled[(template, sheet)] = self._compile(template, sheet)
        return "=" + "".join(p if isinstance(p, str) else p(t) for p in parts)

    def _compile(self, template: str, sheet: str) -> list[str | Callable[[int], str]]:
        parts: list[str | Callable[[int], str]] = []
        pos = 0
        for m in _TOKEN.finditer(template):
            parts.append(template[pos:m.start()])
            parts.append(self._token(m.group(1), sheet))
            pos = m.end()
        parts.append(template[pos:])
        return [p for p in parts if p != ""]

    def _token(self, tok: str, sheet: str) -> str | Callable[[int], str]:
        """One token as a constant (a defined name; a fixed period's cell) or a reader of ``t``."""
        if "@+" in tok:  # a later period's cell (empty, so 0, beyond the last period)
            key, ahead = tok.split("@+")
            if key.startswith("$") and key[1:] in self.names:
                return self.names[key[1:]]
            return self._reader(key.lstrip("$"), sheet, int(ahead))
        if tok.startswith("$"):
            name = tok[1:]
            return self.names[name] if name in self.names else self._reader(name, sheet, 0)
        if "#" in tok and ":" not in tok:  # one cell, absolute
            key, at = tok.split("#")
            return self._cell(key, int(at), sheet, True)
        if "#" in tok:
            key, span = tok.split("#")
            a, b = (int(x) for x in span.split(":"))
            right = self._cell(key, b, sheet, True).split("!")[-1]
            return f"{self._cell(key, a, sheet, True)}:{right}"
        if tok.endswith("@p"):
            return self._reader(tok[:-2], sheet, -1)
        return self._reader(tok, sheet, 0)

    def _reader(self, key: str, sheet: str, offset: int) -> Callable[[int], str]:
        """The cell of row ``key`` in period ``t + offset``, as :meth:`_cell` writes it."""
        title, row = self.where[key]
        prefix = "" if title == sheet else f"{title}!"
        col = self.col
        return lambda t: f"{prefix}{col(t + offset)}{row}"


def sum_of(keys: list[str]) -> str:
    return "+".join(f"{{{k}}}" for k in keys) if keys else "0"



POT_NAMES = {POT_I: "interest", POT_P: "principal"}


_STEP_TEXT = re.compile(r"^(revolving|amortising|accelerated|default|cleanup) (\d+) ([a-z_]+)(?::(\S.*?))?(?: \((.+)\))?$")


def say(text: str, lang: str, names: dict[str, str]) -> str:
    """A row label in ``lang``: phrases from the label registry (keys ``model:<English>``),
    ``subject: phrase`` translated part by part, tranche names by their display name (``label_zh``),
    step texts (``<phase> <n> <step>:<classes>``) word by word; anything else as given."""
    hit = LABELS.get("model:" + text) or LABELS.get(text)  # a phrase, or a column name (fee_interest)
    if hit is not None:
        return hit.text(lang)
    if text in names:
        return names[text]
    if ": " in text:
        subject, phrase = text.rsplit(": ", 1)
        return say(subject, lang, names) + ("：" if lang == "zh" else ": ") + say(phrase, lang, names)
    m = _STEP_TEXT.match(text)
    if m is None or lang != "zh":
        return text
    phase, n, kind, who, note = m.groups()
    out = f"{say(phase, lang, names)} {LABELS['model:step'].zh.format(n)} {say(kind, lang, names)}"
    if who:
        out += "：" + "、".join(names.get(w) or say(w, lang, names) for w in who.split(","))
    return out + (f"（{say(note, lang, names)}）" if note else "")



def _styler(fmt: str, kind: str) -> Callable[[Any], None]:
    """The number format ``fmt`` and the fill/font of ``kind`` (``input``, ``value`` or plain)."""

    def style(cell: Any) -> None:
        cell.number_format = fmt
        if kind == "input":
            cell.fill, cell.font = _INPUT_FILL, _INPUT_FONT
        elif kind == "value":
            cell.fill = _VALUE_FILL

    return style


def write_grid(wb: Workbook, m: Grid, dates: np.ndarray) -> set[tuple[str, int, int]]:
    formulas: set[tuple[str, int, int]] = set()
    styles = StyleCache()
    heads = {"Inputs": "Input", "Model": "Line item", "Outputs": "Output"}
    for title in SHEETS:
        ws = wb.create_sheet(title)
        ws.cell(row=1, column=1, value=m.say("key")).font = _KEY_FONT
        ws.cell(row=1, column=2, value=m.say(heads[title])).font = Font(bold=True)
        ws.cell(row=1, column=3, value=m.say("Value") if title == "Inputs" else None)
        ws.cell(row=2, column=2, value=m.say("Period end")).font = Font(bold=True)
        for t in range(m.T + 1):
            c = ws.cell(row=1, column=FIRST_COL + t, value=t)
            c.font = Font(bold=True)
            d = ws.cell(row=2, column=FIRST_COL + t, value=dates[t].astype(object))
            d.number_format = "yyyy-mm-dd"
        for i, row in enumerate(m.sheets[title]):
            r = i + 3
            if isinstance(row, str):
                ws.cell(row=r, column=2, value=m.say(row)).font = _SECTION_FONT
                continue
            ws.cell(row=r, column=1, value=printable(row.key)).font = _KEY_FONT
            ws.cell(row=r, column=2, value=m.say(row.label))
            cells = []
            if row.const is not None:
                cells.append(put(ws, r, 3, row.const))
                wb.defined_names[m.names[row.key]] = DefinedName(m.names[row.key], attr_text=f"{title}!$C${r}")
            if row.values is not None:
                for t, v in enumerate(row.values):
                    if np.isfinite(v):
                        cells.append(put(ws, r, FIRST_COL + t, v))
            if row.init is not None:
                init = m.render(row.init, 0, title) if isinstance(row.init, str) else row.init
                cells.append(put(ws, r, FIRST_COL, init))
                if isinstance(row.init, str):
                    formulas.add((title, r, FIRST_COL))
            if row.formula is not None:
                for t in range(1, m.T + 1):
                    tpl = row.formula(t) if callable(row.formula) else row.formula
                    cells.append(put(ws, r, FIRST_COL + t, m.render(tpl, t, title)))
                    formulas.add((title, r, FIRST_COL + t))
            kind = "input" if title == "Inputs" else "value" if row.values is not None else ""
            style = _styler(row.fmt, kind)
            for c in cells:
                styles.apply(c, (row.fmt, kind), style)
        ws.column_dimensions["A"].width = 12
        ws.column_dimensions["B"].width = 58
        ws.column_dimensions["C"].width = 16
        for t in range(m.T + 1):
            ws.column_dimensions[get_column_letter(FIRST_COL + t)].width = 16
        ws.freeze_panes = "D3"
    return formulas

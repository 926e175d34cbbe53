"""Excel workbook of one deal run (openpyxl), laid out Inputs → Calculations → Outputs.

Sheets: ``Summary`` (deal facts, one row per tranche), ``Assumptions`` (inputs, styled apart),
``Pool_CF`` (pool cash flows), ``Waterfall`` (the ledger and a sources = uses check),
``Tranches`` (one long table), ``Note_Balances`` (tranche balances side by side, with chart),
``Fees``, ``Accounts``, ``Triggers``, ``Revolving``, and ``Strats`` / ``Sensitivity`` /
``Breakeven`` when there is something to show.

Conventions: every data block is an Excel table (``openpyxl.worksheet.table.Table``) with a unique
name and column names exactly equal to its header cells; header row and period column frozen;
number formats and header labels from :mod:`abs_model.output.labels`; dates ISO (``yyyy-mm-dd``); column
widths fitted to the content. Values are written as values. Only the check columns are live
formulas (openpyxl stores formulas without results, so they are the only cells that need a
recalculation, and the tests verify that recalculation with LibreOffice); each sits next to the
value the model produced for the same expression:

- ``Pool_CF``: opening − scheduled − prepayment − defaults + purchases − closing (= 0);
- ``Tranches``: balance_begin − principal_paid − writedown − balance_end (= 0);
- ``Accounts``: reserve_begin + deposit − draw − reserve_end, and previous PDL + debit − credit −
  PDL (= 0);
- ``Waterfall``: per period, cash into the collection pots − cash out of them − change in pot
  balances (sources = uses, = 0).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from abs_model.output.atomic import atomic_write
from abs_model.output.labels import EXCEL_FORMATS, excel_format, label
from abs_model.output.safe_text import is_formula_like, printable
from abs_model.output.workbook_print import print_setup

__all__ = ["POTS", "write_workbook"]

#: Ledger accounts that make up the collection account (cash "inside" the waterfall).
POTS: tuple[str, ...] = ("interest_account", "principal_account", "collection_account")

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")  # inputs: pale yellow, blue ink (modelling convention)
_INPUT_FONT = Font(color="0000FF")
_CHECK_FILL = PatternFill("solid", fgColor="E2EFDA")  # live check formulas: pale green
_THIN = Side(style="thin", color="BFBFBF")
_INPUT_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TABLE_STYLE = "TableStyleMedium2"


@dataclass(frozen=True, slots=True)
class _Check:
    """A live check column: header key, a row → formula builder (A1 refs) and the model's values."""

    key: str
    formula: Callable[[int], str | None]
    model: np.ndarray


def tranche_label(result: Any, name: str, lang: str) -> str:
    """A tranche's display name: its ``label_zh`` in Chinese workbooks (when the deal gives one),
    else its name."""
    if lang == "zh":
        zh = getattr(result.deal, "tranche_labels_zh", None) or {}
        if name in zh:
            return str(zh[name])
    return str(name)


def _is_pot(name: str) -> bool:
    return all(part in POTS for part in str(name).split("+"))


def _xl(value: Any) -> Any:
    """A cell value openpyxl can store: numpy scalars → Python, NaN/inf/NaT → empty, dates → date."""
    if value is None:
        return None
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return None
        return pd.Timestamp(value).date()
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        x = float(value)
        return x if math.isfinite(x) else None
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, _dt.date | int):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return printable(str(value))


def _width(text: str) -> float:
    # CJK characters take about two columns
    return sum(2.0 if ord(ch) > 0x2E80 else 1.0 for ch in text)


def _unique_headers(keys: Sequence[str], lang: str, override: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for k in keys:
        h = printable((override[k] if k in override else label(k, lang)).strip() or k)
        if h in seen:
            h = f"{h} ({k})"
        n = 2
        base = h
        while h in seen:
            h = f"{base} {n}"
            n += 1
        seen.add(h)
        out.append(h)
    return out


class _Book:
    """The workbook being written; keeps table names unique and tracks column widths."""

    def __init__(self, lang: str) -> None:
        self.wb = Workbook()
        for ws in list(self.wb.worksheets):  # start empty: every sheet is created by name
            self.wb.remove(ws)
        self.lang = lang
        self.table_names: set[str] = set()
        self.formulas: set[tuple[str, int, int]] = set()

    def formula(self, ws: Worksheet, row: int, col: int, text: str | None) -> Any:
        """Write a formula of ours (the only cells allowed to hold one; see :meth:`defuse`)."""
        cell = ws.cell(row=row, column=col, value=text)
        if text is not None:
            self.formulas.add((ws.title, row, col))
        return cell

    def defuse(self) -> int:
        """Store every formula-like text that is not one of our formulas as text with Excel's quote
        prefix (a name ``=2+3`` shows ``=2+3``, never 5); returns how many cells were changed."""
        n = 0
        for ws in self.wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    v = cell.value
                    if is_formula_like(v) and (ws.title, cell.row, cell.column) not in self.formulas:
                        cell.data_type = "s"
                        cell.quotePrefix = True
                        n += 1
        return n

    def sheet(self, title: str) -> Worksheet:
        return self.wb.create_sheet(title)

    def table_name(self, base: str) -> str:
        name = re.sub(r"\W", "_", base, flags=re.ASCII)
        if not name or not name[0].isalpha():
            name = "t_" + name
        cand, n = name, 2
        while cand.lower() in self.table_names:
            cand = f"{name}_{n}"
            n += 1
        self.table_names.add(cand.lower())
        return cand

    def write_table(
        self,
        ws: Worksheet,
        df: pd.DataFrame,
        *,
        name: str,
        row: int = 1,
        col: int = 1,
        formats: Mapping[str, str] | None = None,
        checks: Sequence[_Check] = (),
        inputs: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, int]:
        """Write ``df`` (its columns, not its index) as an Excel table with header labels from the
        registry at (``row``, ``col``) (``headers``: key → text overrides, e.g. tranche names); append
        live check columns. Returns column key → column number."""
        keys = [str(c) for c in df.columns] + [c.key for c in checks] + [f"{c.key}_model" for c in checks]
        heads = _unique_headers(keys, self.lang, headers or {})
        for i in range(len(checks)):
            heads[len(df.columns) + len(checks) + i] = f"{heads[len(df.columns) + i]} (model)"
        cols = {k: col + j for j, k in enumerate(keys)}
        widths = [_width(h) + 2 for h in heads]
        for j, h in enumerate(heads):
            cell = ws.cell(row=row, column=col + j, value=h)
            cell.fill = _HEADER_FILL
            cell.font = _HEADER_FONT
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=False)
        fmts = [
            (formats or {}).get(k) or ("yyyy-mm-dd" if pd.api.types.is_datetime64_any_dtype(df[k]) else excel_format(k))
            for k in df.columns.astype(str)
        ]
        values = df.to_numpy(dtype=object)
        n = len(df)
        for i in range(n):
            r = row + 1 + i
            for j in range(len(df.columns)):
                v = _xl(values[i, j])
                cell = ws.cell(row=r, column=col + j, value=v)
                f = fmts[j]
                if isinstance(v, _dt.date):
                    f = EXCEL_FORMATS["date"]
                if isinstance(v, str):
                    f = "General"
                if v is not None and not isinstance(v, bool):
                    cell.number_format = f
                    widths[j] = max(widths[j], _cell_width(v, f))
                if inputs:
                    cell.fill = _INPUT_FILL
                    cell.font = _INPUT_FONT
                    cell.border = _INPUT_BORDER
            for k, chk in enumerate(checks):
                fc = self.formula(ws, r, col + len(df.columns) + k, chk.formula(r))
                fc.number_format = EXCEL_FORMATS["amount"]
                fc.fill = _CHECK_FILL
                mc = ws.cell(row=r, column=col + len(df.columns) + len(checks) + k, value=_xl(chk.model[i]))
                mc.number_format = EXCEL_FORMATS["amount"]
        for j, w in enumerate(widths):
            letter = get_column_letter(col + j)
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, min(max(w, 8.0), 60.0))
        last = get_column_letter(col + len(keys) - 1)
        ref = f"{get_column_letter(col)}{row}:{last}{row + max(n, 1)}"
        if n == 0:  # an Excel table needs at least one data row
            ws.cell(row=row + 1, column=col, value=None)
        table = Table(displayName=self.table_name(name), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name=_TABLE_STYLE, showRowStripes=True)
        ws.add_table(table)
        return cols


def _cell_width(v: Any, f: str) -> float:
    if isinstance(v, float):
        if f == EXCEL_FORMATS["rate"]:
            return len(f"{v:.2%}") + 2
        if f == EXCEL_FORMATS["factor"]:
            return len(f"{v:.7f}") + 2
        return len(f"{v:,.2f}") + 2
    if isinstance(v, int):
        return len(f"{v:,d}") + 2
    if isinstance(v, _dt.date):
        return 12
    return _width(str(v)) + 2


def _with_period(df: pd.DataFrame, dates: np.ndarray | None) -> pd.DataFrame:
    """``period`` (from the index when it is not a column) and ``date`` first."""
    out = df.copy()
    if "period" not in out.columns:
        out = out.reset_index(names="period") if out.index.name in (None, "period") else out.reset_index()
    if dates is not None and "date" not in out.columns:
        p = out["period"].to_numpy()
        out.insert(
            1,
            "date",
            [pd.Timestamp(dates[int(i)]).date() if 0 <= int(i) < len(dates) else None for i in p],
        )
    return out


def _letter(cols: Mapping[str, int], key: str) -> str:
    return get_column_letter(cols[key])


def _line_chart(
    title: str,
    y_title: str,
    ws: Worksheet,
    *,
    x_col: int,
    series: Sequence[tuple[Worksheet, int]],
    first_row: int,
    last_row: int,
    number_format: str = "#,##0",
) -> LineChart:
    ch = LineChart()
    ch.title = printable(title)
    ch.y_axis.title = printable(y_title)
    ch.x_axis.title = label("period", "en")
    ch.y_axis.numFmt = number_format
    ch.x_axis.delete = False  # openpyxl 3.1 hides both axes unless told otherwise
    ch.y_axis.delete = False
    ch.y_axis.tickLblPos = "low"
    ch.x_axis.tickLblPos = "low"
    ch.height = 8
    ch.width = 18
    for sheet, c in series:
        ch.add_data(Reference(sheet, min_col=c, min_row=first_row - 1, max_row=last_row), titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=x_col, min_row=first_row, max_row=last_row))
    return ch


# ----------------------------------------------------------------------------- sheets


def _summary(book: _Book, result: Any) -> None:
    ws = book.sheet("Summary")
    lang = book.lang
    facts = [
        ("Deal" if lang == "en" else "交易名称", printable(str(result.deal.name))),
        (label("currency", lang) if lang == "zh" else "Currency", printable(str(result.deal.currency))),
        (label("cutoff_date", lang), pd.Timestamp(np.datetime64(result.deal.cutoff_date, "D")).date()),
        ("Collection periods" if lang == "en" else "收款期间数", len(result.pool) - 1),
        (label("convention", lang), str(result.assumptions.convention)),
    ]
    for i, (k, v) in enumerate(facts, start=1):
        ws.cell(row=i, column=1, value=k).font = Font(bold=True)
        c = ws.cell(row=i, column=2, value=v)
        if isinstance(v, _dt.date):
            c.number_format = EXCEL_FORMATS["date"]
    ws.column_dimensions["A"].width = 24
    s = result.summary()
    if "tranche" not in s.columns:
        s = s.reset_index(names="tranche") if s.index.name in (None, "tranche") else s.reset_index()
    if "class" in s.columns:
        s["class"] = [label(c, lang) for c in s["class"]]
    s["tranche"] = [tranche_label(result, n, lang) for n in s["tranche"]]
    top = len(facts) + 3
    book.write_table(ws, s, name="Summary", row=top)
    ws.freeze_panes = ws.cell(row=top + 1, column=2)


def _assumptions(book: _Book, result: Any) -> None:
    ws = book.sheet("Assumptions")
    desc = result.assumptions.describe()
    df = pd.DataFrame({"assumption": [label(k, book.lang) for k in desc], "value": [str(v) for v in desc.values()]})
    cols = book.write_table(ws, df, name="Assumptions", formats={"value": "@"})
    for r in range(2, len(df) + 2):  # the input column, styled apart from outputs
        c = ws.cell(row=r, column=cols["value"])
        c.fill = _INPUT_FILL
        c.font = _INPUT_FONT
        c.border = _INPUT_BORDER
    ws.freeze_panes = "B2"


def _pool_cf(book: _Book, result: Any) -> None:
    ws = book.sheet("Pool_CF")
    df = _with_period(result.pool, np.asarray(result.dates))
    have = set(df.columns)
    parts = [
        k for k in ("opening_balance", "scheduled_principal", "prepayment", "defaults", "closing_balance") if k in have
    ]
    checks: list[_Check] = []
    if len(parts) == 5:
        pos = {k: get_column_letter(1 + i) for i, k in enumerate(df.columns)}
        # closing = opening − scheduled − prepayment − defaults + purchases − clean-up sale
        terms = [("+", "opening_balance"), ("-", "scheduled_principal"), ("-", "prepayment"), ("-", "defaults")]
        terms += [(sg, k) for sg, k in (("+", "purchases"), ("-", "cleanup_sale")) if k in have]
        terms.append(("-", "closing_balance"))
        period = df["period"].to_numpy()

        def roll(r: int) -> str | None:
            if period[r - 2] < 1:  # the cut-off row has no flows
                return None
            return "=" + "".join(f"{sg}{pos[k]}{r}" for sg, k in terms).lstrip("+")

        model = np.zeros(len(df))
        for sg, k in terms:
            model += (1.0 if sg == "+" else -1.0) * df[k].to_numpy(dtype=np.float64)
        model[period < 1] = np.nan
        checks.append(_Check("check_roll_forward", roll, model))
    cols = book.write_table(ws, df, name="Pool_CF", checks=checks)
    ws.freeze_panes = "B2"
    n = len(df)
    anchor = get_column_letter(max(cols.values()) + 2)
    if "closing_balance" in cols:
        ch = _line_chart(
            label("closing_balance", book.lang),
            str(result.deal.currency),
            ws,
            x_col=cols["period"],
            series=[(ws, cols["closing_balance"])],
            first_row=2,
            last_row=n + 1,
        )
        ws.add_chart(ch, f"{anchor}2")
    dq = [cols[k] for k in ("delinquency_30p", "delinquency_60p", "delinquency_90p") if k in cols]
    if dq:
        ch = _line_chart(
            "Delinquency" if book.lang == "en" else "逾期率",
            "%",
            ws,
            x_col=cols["period"],
            series=[(ws, c) for c in dq],
            first_row=2,
            last_row=n + 1,
            number_format="0.0%",
        )
        ws.add_chart(ch, f"{anchor}20")


def _waterfall(book: _Book, result: Any) -> None:
    ws = book.sheet("Waterfall")
    led = result.ledger.copy()
    if "period" not in led.columns:
        led = led.reset_index()
    led["direction"] = [
        "in" if (_is_pot(t) and not _is_pot(s)) else "out" if (_is_pot(s) and not _is_pot(t)) else "internal"
        for s, t in zip(led["source"], led["target"], strict=True)
    ]
    cols = book.write_table(ws, led, name="Ledger")
    ws.freeze_panes = "B2"
    n = len(led)
    # sources = uses, one row per period
    periods = sorted(int(p) for p in pd.unique(result.pool.index) if int(p) >= 1)
    amt = led["amount"].to_numpy(dtype=np.float64)
    per = led["period"].to_numpy()
    d = led["direction"].to_numpy()
    inflow = np.array([amt[(per == p) & (d == "in")].sum() for p in periods])
    outflow = np.array([amt[(per == p) & (d == "out")].sum() for p in periods])
    pots = np.zeros(len(periods))
    acc = result.accounts
    pot_cols = [
        c
        for c in ("interest_account_end", "principal_account_end", "collection_account_end")
        if c in getattr(acc, "columns", [])
    ]
    if pot_cols and len(acc):
        bal = acc[pot_cols].sum(axis=1).reindex(periods, fill_value=0.0).to_numpy(dtype=np.float64)
        pots = bal - np.r_[0.0, bal[:-1]]
    su = pd.DataFrame({"period": periods, "inflow": inflow, "outflow": outflow, "pot_change": pots})
    start = max(cols.values()) + 2
    Lp, La, Ld = _letter(cols, "period"), _letter(cols, "amount"), _letter(cols, "direction")
    last = n + 1
    c0 = {k: get_column_letter(start + j) for j, k in enumerate(su.columns)}

    def in_f(r: int) -> str:
        return f'=SUMIFS(${La}$2:${La}${last},${Lp}$2:${Lp}${last},{c0["period"]}{r},${Ld}$2:${Ld}${last},"in")'

    def out_f(r: int) -> str:
        return f'=SUMIFS(${La}$2:${La}${last},${Lp}$2:${Lp}${last},{c0["period"]}{r},${Ld}$2:${Ld}${last},"out")'

    def bal_f(r: int) -> str:
        return f"={c0['inflow']}{r}-{c0['outflow']}{r}-{c0['pot_change']}{r}"

    checks = [
        _Check("ledger_inflow", in_f, inflow),
        _Check("ledger_outflow", out_f, outflow),
        _Check("check_sources_uses", bal_f, inflow - outflow - pots),
    ]
    book.write_table(ws, su, name="Sources_Uses", col=start, checks=checks)


def _tranches(book: _Book, result: Any) -> None:
    ws = book.sheet("Tranches")
    frames = []
    for name, f in result.tranches.items():
        g = _with_period(f, np.asarray(result.dates))
        g.insert(0, "tranche", tranche_label(result, name, book.lang))
        frames.append(g)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["tranche", "period"])
    checks: list[_Check] = []
    need = ("balance_begin", "principal_paid", "writedown", "balance_end")
    if frames and all(k in df.columns for k in need):
        L = {k: get_column_letter(1 + list(df.columns).index(k)) for k in need}
        checks.append(
            _Check(
                "check_note_balance",
                lambda r: (
                    f"={L['balance_begin']}{r}-{L['principal_paid']}{r}-{L['writedown']}{r}-{L['balance_end']}{r}"
                ),
                (df["balance_begin"] - df["principal_paid"] - df["writedown"] - df["balance_end"]).to_numpy(
                    dtype=np.float64
                ),
            )
        )
    book.write_table(ws, df, name="Tranches", checks=checks)
    ws.freeze_panes = "C2"
    # side by side balances + native chart
    # keyed by position, not by name: a tranche called "period" or "date" must not collide
    keys = {f"note_balance_{i}": str(n) for i, n in enumerate(result.tranches)}
    wide = pd.DataFrame({k: result.tranches[n]["balance_end"] for k, n in keys.items()})
    if wide.empty:
        return
    ws2 = book.sheet("Note_Balances")
    wide = _with_period(wide.rename_axis("period"), np.asarray(result.dates))
    cols = book.write_table(
        ws2,
        wide,
        name="Note_Balances",
        formats={k: EXCEL_FORMATS["amount"] for k in keys},
        headers={k: tranche_label(result, n, book.lang) for k, n in keys.items()},
    )
    ws2.freeze_panes = "B2"
    ch = _line_chart(
        "Note balances" if book.lang == "en" else "证券余额",
        str(result.deal.currency),
        ws2,
        x_col=cols["period"],
        series=[(ws2, cols[k]) for k in keys],
        first_row=2,
        last_row=len(wide) + 1,
    )
    ws2.add_chart(ch, f"{get_column_letter(max(cols.values()) + 2)}2")


def _long(
    book: _Book, title: str, frames: Mapping[str, pd.DataFrame], key: str, dates: np.ndarray
) -> tuple[Worksheet, pd.DataFrame, dict[str, int]]:
    ws = book.sheet(title)
    parts = []
    for name, f in frames.items():
        g = _with_period(f, dates)
        g.insert(0, key, str(name))
        parts.append(g)
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[key, "period"])
    cols = book.write_table(ws, df, name=title)
    ws.freeze_panes = "C2"
    return ws, df, cols


def _accounts(book: _Book, result: Any) -> None:
    ws = book.sheet("Accounts")
    acc = result.accounts
    if acc is None or len(acc) == 0:
        book.write_table(ws, pd.DataFrame(columns=["period"]), name="Accounts")
        return
    df = _with_period(acc, np.asarray(result.dates))
    pos = {k: get_column_letter(1 + i) for i, k in enumerate(df.columns)}
    checks: list[_Check] = []
    if all(k in pos for k in ("reserve_begin", "reserve_deposit", "reserve_draw", "reserve_end")):
        checks.append(
            _Check(
                "reserve_check",
                lambda r: (
                    f"={pos['reserve_begin']}{r}+{pos['reserve_deposit']}{r}-{pos['reserve_draw']}{r}-{pos['reserve_end']}{r}"
                ),
                (df["reserve_begin"] + df["reserve_deposit"] - df["reserve_draw"] - df["reserve_end"]).to_numpy(
                    dtype=np.float64
                ),
            )
        )
    if all(k in pos for k in ("pdl_debit", "pdl_credit", "pdl_end")):
        prev = np.r_[0.0, df["pdl_end"].to_numpy(dtype=np.float64)[:-1]]

        def pdl(r: int) -> str:
            before = f"{pos['pdl_end']}{r - 1}" if r > 2 else "0"
            return f"={before}+{pos['pdl_debit']}{r}-{pos['pdl_credit']}{r}-{pos['pdl_end']}{r}"

        checks.append(
            _Check(
                "pdl_check",
                pdl,
                prev
                + df["pdl_debit"].to_numpy(dtype=np.float64)
                - df["pdl_credit"].to_numpy(dtype=np.float64)
                - df["pdl_end"].to_numpy(dtype=np.float64),
            )
        )
    cols = book.write_table(ws, df, name="Accounts", checks=checks)
    ws.freeze_panes = "B2"
    show = [k for k in ("reserve_end", "reserve_target", "pdl_end") if k in cols]
    if show:
        ch = _line_chart(
            "Reserve and PDL" if book.lang == "en" else "储备账户及本金亏损账",
            str(result.deal.currency),
            ws,
            x_col=cols["period"],
            series=[(ws, cols[k]) for k in show],
            first_row=2,
            last_row=len(df) + 1,
        )
        ws.add_chart(ch, f"{get_column_letter(max(cols.values()) + 2)}2")


_LOSS_WORDS = ("loss", "cumulative", "cnl", "cdr", "累计", "损失")


def _triggers(book: _Book, result: Any) -> None:
    ws, _df, cols = _long(book, "Triggers", result.triggers, "trigger", np.asarray(result.dates))
    row = 2
    anchor = get_column_letter(max(cols.values()) + 2)
    k = 0
    for name, f in result.triggers.items():
        n = len(f)
        if n and any(w in str(name).lower() for w in _LOSS_WORDS) and "value" in cols and "threshold" in cols:
            ch = _line_chart(
                f"{name}: {label('value', book.lang)} / {label('threshold', book.lang)}",
                "%",
                ws,
                x_col=cols["period"],
                series=[],
                first_row=row,
                last_row=row + n - 1,
                number_format="0.0%",
            )
            for c in ("value", "threshold"):
                ch.add_data(Reference(ws, min_col=cols[c], min_row=row, max_row=row + n - 1), titles_from_data=False)
            for s, c in zip(ch.series, ("value", "threshold"), strict=True):
                s.tx = SeriesLabel(v=label(c, book.lang))
            ws.add_chart(ch, f"{anchor}{2 + 18 * k}")
            k += 1
        row += n


def _frame_sheet(book: _Book, title: str, df: pd.DataFrame | None, dates: np.ndarray | None) -> None:
    ws = book.sheet(title)
    if df is None or len(df) == 0:
        book.write_table(ws, pd.DataFrame(columns=["period"]), name=title)
        return
    out = _with_period(df, dates) if dates is not None else df.reset_index(drop=isinstance(df.index, pd.RangeIndex))
    book.write_table(ws, out, name=title)
    ws.freeze_panes = "B2"


def _strats(book: _Book, result: Any) -> None:
    strats = getattr(result.pool_summary, "strats", {}) or {}
    if not strats:
        return
    ws = book.sheet("Strats")
    row = 1
    for name, df in strats.items():
        ws.cell(row=row, column=1, value=label(name, book.lang)).font = Font(bold=True, size=12)
        key = str(df.index.name or name)
        t = df.copy()
        t.index = t.index.astype(str)
        t = t.reset_index(names=key)
        book.write_table(ws, t, name=f"Strat_{name}", row=row + 1, formats={key: "@"})
        row += len(t) + 4


def _live_model(book: _Book, result: Any) -> None:
    """The live formula model, or the reason it is not there (on the Summary sheet)."""
    from abs_model.output.workbook_model import LiveModelError, build_live_model

    ws = book.wb["Summary"]
    try:
        book.formulas |= build_live_model(book.wb, result, lang=book.lang)
    except LiveModelError as exc:
        ws.cell(row=1, column=4, value=_LIVE_NOTE[book.lang][1]).font = Font(bold=True)
        ws.cell(row=1, column=5, value=str(exc))
        return
    ws.cell(row=1, column=4, value=_LIVE_NOTE[book.lang][0]).font = Font(bold=True)


_HEADER_ROWS = {"Summary": 8}  # the tranche table's header (below the deal facts)

_LIVE_NOTE = {
    "en": ("Live model: sheets Inputs → Model → Outputs (edit the yellow inputs)", "Live model not built:"),
    "zh": ("动态模型：输入 → 计算 → 输出（修改黄色输入单元格）", "未生成动态模型："),
}


def write_workbook(
    result: Any,
    path: str | os.PathLike[str],
    *,
    lang: str = "en",
    sweep: pd.DataFrame | None = None,
    breakeven: pd.DataFrame | None = None,
    strategies: pd.DataFrame | None = None,
    live_model: bool = True,
) -> Path:
    """Write the deal run as an ``.xlsx`` workbook at ``path`` (atomically) and return the path.

    ``lang`` (``"en"``/``"zh"``) picks the header labels; sheet and table names stay English so
    formulas and scripts can rely on them. ``sweep`` and ``breakeven`` add the ``Sensitivity`` and
    ``Breakeven`` sheets. ``live_model`` adds the ``Inputs`` / ``Model`` / ``Outputs`` sheets:
    the waterfall as live formulas (:mod:`abs_model.output.workbook_model`); a structure the
    formulas can't express gets the values-only workbook and the reason on the Summary sheet.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang: must be 'en' or 'zh'; got {lang!r}")
    book = _Book(lang)
    dates = np.asarray(result.dates)
    _summary(book, result)
    _assumptions(book, result)
    _pool_cf(book, result)
    _waterfall(book, result)
    _tranches(book, result)
    _long(book, "Fees", result.fees, "fee", dates)
    _accounts(book, result)
    _triggers(book, result)
    _frame_sheet(book, "Revolving", result.revolving, dates)
    _strats(book, result)
    if sweep is not None and len(sweep):
        _frame_sheet(book, "Sensitivity", sweep, None)
    if breakeven is not None and len(breakeven):
        _frame_sheet(book, "Breakeven", breakeven, None)
    if strategies is not None and len(strategies):
        _frame_sheet(book, "Strategies", strategies.reset_index(), None)
    if live_model:
        _live_model(book, result)
    for ws in book.wb.worksheets:
        print_setup(ws, header_row=_HEADER_ROWS.get(ws.title, 1))
    book.defuse()
    out = Path(path)
    with atomic_write(out, "wb") as fh:
        book.wb.save(fh)
    return out

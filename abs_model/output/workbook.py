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
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.chart import Reference
from openpyxl.chart.series import SeriesLabel
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from abs_model.output.atomic import atomic_write
from abs_model.output.labels import EXCEL_FORMATS, LABELS, PHRASES, label, phrase, trigger_format
from abs_model.output.report_notes import _ledger_name
from abs_model.output.report_scenarios import assumption_sentences
from abs_model.output.safe_text import printable
from abs_model.output.workbook_book import (
    _INPUT_BORDER,
    _INPUT_FILL,
    _INPUT_FONT,
    POTS,
    _Book,
    _Check,
    _is_pot,
    _letter,
    _line_chart,
    _width,
    _with_period,
    tranche_label,
)
from abs_model.output.workbook_print import print_setup
from abs_model.output.workbook_save import save

__all__ = ["POTS", "write_workbook"]


def _summary(book: _Book, result: Any) -> None:
    ws = book.sheet("Summary")
    lang = book.lang
    facts = [
        ("Deal" if lang == "en" else "交易名称", printable(str(result.deal.name))),
        (phrase("currency", lang), printable(str(result.deal.currency))),
        (label("cutoff_date", lang), pd.Timestamp(np.datetime64(result.deal.cutoff_date, "D")).date()),
        ("Collection periods" if lang == "en" else "收款期间数", len(result.pool) - 1),
        (label("convention", lang), _convention(result, lang)),
    ]
    for i, (k, v) in enumerate(facts, start=1):
        ws.cell(row=i, column=1, value=k).font = Font(bold=True)
        c = ws.cell(row=i, column=2, value=v)
        if isinstance(v, _dt.date):
            c.number_format = EXCEL_FORMATS["date"]
        elif isinstance(v, int):
            c.number_format = EXCEL_FORMATS["int"]
    ws.column_dimensions["A"].width = 24
    s = result.summary()
    if "tranche" not in s.columns:
        s = s.reset_index(names="tranche") if s.index.name in (None, "tranche") else s.reset_index()
    if "class" in s.columns:
        s["class"] = [label(c, lang) for c in s["class"]]
    s["tranche"] = [tranche_label(result, n, lang) for n in s["tranche"]]
    top = len(facts) + 3
    book.write_table(ws, s, name="Summary", row=top)
    # the facts' values (the deal name, in 中文 two columns a character) fit column B, not the next
    fit = max(_width(str(v)) for _, v in facts) + 2
    col_b = ws.column_dimensions["B"]
    col_b.width = min(max(col_b.width or 0.0, fit), _FACT_WIDTH_MAX)
    ws.freeze_panes = ws.cell(row=top + 1, column=2)


_FACT_WIDTH_MAX = 60.0
"""Widest column B is made for the deal facts (a longer name wraps past it, as text does)."""


def _convention(result: Any, lang: str) -> str:
    """The projection convention: its code in English workbooks, its name in Chinese ones."""
    code = str(result.assumptions.convention)
    if lang == "zh" and f"convention_{code}" in PHRASES:
        return phrase(f"convention_{code}", lang)
    return code


def _assumption_frame(result: Any, lang: str) -> pd.DataFrame:
    """The assumptions, one row each: ``Assumptions.describe()`` in English workbooks; in Chinese
    ones the sentences of the HTML report (:func:`assumption_sentences`), numbered, after the
    projection convention, and the segment overrides (column = value, as the deal file gives them)."""
    a = result.assumptions
    if lang != "zh":
        desc = a.describe()
        return pd.DataFrame({"assumption": [label(k, lang) for k in desc], "value": [str(v) for v in desc.values()]})
    keys = [label("convention", lang)]
    values = [_convention(result, lang)]
    for i, sentence in enumerate(assumption_sentences(a, lang), start=1):
        keys.append(phrase("assumption_item", lang, n=i))
        values.append(sentence)
    if a.segment_overrides:
        keys.append(label("segment_overrides", lang))
        values.append(", ".join(f"{o.column}={o.value}" for o in a.segment_overrides))
    return pd.DataFrame({"assumption": keys, "value": values})


def _assumptions(book: _Book, result: Any) -> None:
    ws = book.sheet("Assumptions")
    df = _assumption_frame(result, book.lang)
    cols = book.write_table(ws, df, name="Assumptions", formats={"value": "@"})
    for r in range(2, len(df) + 2):  # the input column, styled apart from outputs
        c = ws.cell(row=r, column=cols["value"])
        c.fill = _INPUT_FILL
        c.font = _INPUT_FONT
        c.border = _INPUT_BORDER
    ws.freeze_panes = "B2"
    rr = result.assumptions.roll_rates
    if book.lang == "zh" and rr is not None:  # the matrix the sentence names ("按下表"), below it
        m = np.asarray(rr.matrix, dtype=np.float64)
        m = m[0] if m.ndim == 3 else m
        names = [f"M{i}" for i in range(m.shape[1])]
        mat = pd.DataFrame(m, columns=names).astype(np.float64)
        mat.insert(0, "from_bucket", [f"M{i}" for i in range(m.shape[0])])
        book.write_table(
            ws, mat, name="Roll_Rates", row=len(df) + 4,
            formats=dict.fromkeys(names, EXCEL_FORMATS["rate"]) | {"from_bucket": "@"},
            headers={"from_bucket": phrase("from_bucket", book.lang)},
        )  # fmt: skip


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
        # closing = opening − scheduled − prepayment − defaults − bought back + purchases − clean-up sale
        terms = [("+", "opening_balance"), ("-", "scheduled_principal"), ("-", "prepayment"), ("-", "defaults")]
        terms += [(sg, k) for sg, k in (("-", "repurchases"), ("+", "purchases"), ("-", "cleanup_sale")) if k in have]
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
            lang=book.lang,
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
            lang=book.lang,
        )
        ws.add_chart(ch, f"{anchor}20")


def _waterfall(book: _Book, result: Any) -> None:
    ws = book.sheet("Waterfall")
    led = result.ledger.copy()
    if "period" not in led.columns:
        led = led.reset_index()
    way = {d: phrase(f"direction_{d}", book.lang) for d in ("in", "out", "internal")}
    led["direction"] = [
        way["in"] if (_is_pot(t) and not _is_pot(s)) else way["out"] if (_is_pot(s) and not _is_pot(t)) else way["internal"]
        for s, t in zip(led["source"], led["target"], strict=True)
    ]
    if book.lang == "zh":  # step ids and accounts in words (names from the deal file stay as given)
        for c in ("source", "step", "target"):
            if c in led.columns:
                led[c] = [_ledger_name(result, str(v), book.lang) for v in led[c]]
    cols = book.write_table(ws, led, name="Ledger")
    ws.freeze_panes = "B2"
    n = len(led)
    # sources = uses, one row per period
    periods = sorted(int(p) for p in pd.unique(result.pool.index) if int(p) >= 1)
    amt = led["amount"].to_numpy(dtype=np.float64)
    per = led["period"].to_numpy()
    d = led["direction"].to_numpy()
    inflow = np.array([amt[(per == p) & (d == way["in"])].sum() for p in periods])
    outflow = np.array([amt[(per == p) & (d == way["out"])].sum() for p in periods])
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
    w_in, w_out = way["in"], way["out"]

    def in_f(r: int) -> str:
        return f'=SUMIFS(${La}$2:${La}${last},${Lp}$2:${Lp}${last},{c0["period"]}{r},${Ld}$2:${Ld}${last},"{w_in}")'

    def out_f(r: int) -> str:
        return f'=SUMIFS(${La}$2:${La}${last},${Lp}$2:${Lp}${last},{c0["period"]}{r},${Ld}$2:${Ld}${last},"{w_out}")'

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
        lang=book.lang,
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
            lang=book.lang,
        )
        ws.add_chart(ch, f"{get_column_letter(max(cols.values()) + 2)}2")


_LOSS_WORDS = ("loss", "cumulative", "cnl", "cdr", "累计", "损失")


def _triggers(book: _Book, result: Any) -> None:
    ws, _df, cols = _long(book, "Triggers", result.triggers, "trigger", np.asarray(result.dates))
    row = 2
    anchor = get_column_letter(max(cols.values()) + 2)
    k = 0
    metrics = {str(t.name): str(t.metric) for t in result.deal.structure.triggers}
    for name, f in result.triggers.items():
        n = len(f)
        kind = trigger_format(metrics.get(str(name), ""))
        if kind != "rate":  # money or a count/flag, not a % (the column's default format)
            for c in ("value", "threshold"):
                for r in range(row, row + n) if c in cols else ():
                    ws.cell(row=r, column=cols[c]).number_format = EXCEL_FORMATS[kind]
        if n and kind == "rate" and any(w in str(name).lower() for w in _LOSS_WORDS) and "value" in cols and "threshold" in cols:
            ch = _line_chart(
                f"{name}: {label('value', book.lang)} / {label('threshold', book.lang)}",
                "%",
                ws,
                x_col=cols["period"],
                series=[],
                first_row=row,
                last_row=row + n - 1,
                number_format="0.0%",
                lang=book.lang,
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


_PHASES = frozenset(f"phase_{p}" for p in ("revolving", "amortising", "accelerated", "default", "cleanup"))


def _phases_in_words(df: pd.DataFrame | None, lang: str) -> pd.DataFrame | None:
    """``df`` with its ``phase`` column (``revolving``, ``amortising``, …) in ``lang``'s words
    (English workbooks keep the codes)."""
    if df is None or lang != "zh" or "phase" not in df.columns:
        return df
    out = df.copy()
    out["phase"] = [phrase(f"phase_{v}", lang) if f"phase_{v}" in _PHASES else v for v in out["phase"]]
    return out


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
        if book.lang == "zh":  # products, channels, "total": registered values in words; the rest as given
            t.index = [label(v, book.lang) if v in LABELS else v for v in t.index]
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
    _frame_sheet(book, "Revolving", _phases_in_words(result.revolving, lang), dates)
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
        save(book.wb, fh)  # openpyxl's save; numbers and formulas written faster, the same bytes
    return out

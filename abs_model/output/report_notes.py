"""Report sections on the notes: class summary and balances, distribution statements per payment
date (per class, the waterfall as paid, account movements), reserve / PDL, trigger definitions
and status."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from abs_model.output.charts import Series, area_chart, line_chart
from abs_model.output.labels import display, label, phrase, trigger_format
from abs_model.output.report_tables import (
    Cell,
    Table,
    cell,
    col,
    empty_table,
    periods,
    svg,
    table,
    text_cell,
    tranche_label,
    trigger_label,
)
from abs_model.runs.result import DealResult

__all__ = ["accounts_section", "distribution_section", "tranches_section", "triggers_section"]

TRANCHE_COLUMNS = (
    "balance_begin",
    "interest_due",
    "interest_paid",
    "interest_shortfall",
    "principal_paid",
    "writedown",
    "residual_paid",
    "balance_end",
    "factor",
)
_SUMMARY_COLUMNS = (
    "tranche",
    "class",
    "coupon",
    "original_balance",
    "interest_due",
    "interest_paid",
    "interest_shortfall",
    "principal_paid",
    "writedown",
    "balance_end",
    "factor",
    "wal_years",
    "first_principal_period",
    "last_principal_period",
)


def _class_row(result: DealResult, name: str, df: pd.DataFrame, extra: pd.Series, lang: str) -> list[Cell]:
    cls = str(result.tranche_classes.get(name, ""))
    orig = float(df["balance_begin"].iloc[0]) if len(df) else 0.0
    end = float(df["balance_end"].iloc[-1]) if len(df) else 0.0
    return [
        text_cell(tranche_label(result, name, lang)),
        text_cell(label(cls, lang) if cls else "—"),
        cell(result.coupons.get(name), "rate"),
        cell(orig, "amount"),
        cell(float(df["interest_due"].sum()), "amount"),
        cell(float(df["interest_paid"].sum()), "amount"),
        cell(float(df["interest_shortfall"].sum()), "amount"),
        cell(float(df["principal_paid"].sum()), "amount"),
        cell(float(df["writedown"].sum()), "amount"),
        cell(end, "amount"),
        cell(end / orig if orig > 0 else None, "factor"),
        cell(extra.get("wal_years"), "amount"),
        cell(extra.get("first_principal_period") or None, "int"),
        cell(extra.get("last_principal_period") or None, "int"),
    ]


def tranches_section(result: DealResult, lang: str) -> dict[str, Any]:
    summary = result.summary()
    rows = []
    per_class = []
    stacks: dict[str, np.ndarray] = {}
    x: np.ndarray = np.zeros(0)
    for name, df in result.tranches.items():
        rows.append(_class_row(result, name, df, summary.loc[name], lang))
        cls = str(result.tranche_classes.get(name, ""))
        per_class.append(
            {
                "name": tranche_label(result, name, lang),
                "cls": label(cls, lang) if cls else "",
                "table": table(df, list(TRANCHE_COLUMNS), lang, dates=np.asarray(result.dates)),
            }
        )
        orig = float(df["balance_begin"].iloc[0]) if len(df) else 0.0
        stacks[tranche_label(result, name, lang)] = np.concatenate([[orig], col(df, "balance_end")])
        x = np.concatenate([[float(df.index[0]) - 1.0], periods(df)]) if len(df) else x
    chart = (
        area_chart(x, stacks, title=phrase("note_balances", lang), xlabel=phrase("period_word", lang), lang=lang)
        if stacks
        else ""
    )
    header = [label(c, lang) for c in _SUMMARY_COLUMNS]
    return {"summary": {"header": header, "rows": rows, "caption": ""}, "periods": per_class, "chart": svg(chart)}


#: Phases with a phrase of their own (``phase_<name>``).
_PHASES = frozenset(f"phase_{p}" for p in ("revolving", "amortising", "accelerated", "default", "cleanup"))


def _payment_periods(result: DealResult) -> list[tuple[int, str]]:
    """``(period, phase)`` of every period whose end is a note payment date."""
    rev = result.revolving
    if rev is None or rev.empty or "payment_date" not in rev.columns:
        return [(int(p), "") for p in next(iter(result.tranches.values())).index] if result.tranches else []
    phase = rev["phase"] if "phase" in rev.columns else pd.Series("", index=rev.index)
    return [(int(p), str(phase.loc[p])) for p in rev.index[np.asarray(rev["payment_date"], dtype=bool)]]


def _statement(result: DealResult, period: int, lang: str) -> Table:
    """Per class on one payment date: interest, principal, both per 100 of original balance,
    closing balance and factor."""
    header = [
        label("tranche", lang),
        label("interest_paid", lang),
        label("principal_paid", lang),
        label("interest_per_100", lang),
        label("principal_per_100", lang),
        label("balance_end", lang),
        label("factor", lang),
    ]
    rows = []
    for name, df in result.tranches.items():
        if period not in df.index:
            continue
        r = df.loc[period]
        orig = float(df["balance_begin"].iloc[0])
        per100 = 100.0 / orig if orig > 0 else float("nan")
        rows.append(
            [
                text_cell(tranche_label(result, name, lang)),
                cell(float(r["interest_paid"]), "amount"),
                cell(float(r["principal_paid"]), "amount"),
                cell(float(r["interest_paid"]) * per100, "factor"),
                cell(float(r["principal_paid"]) * per100, "factor"),
                cell(float(r["balance_end"]), "amount"),
                cell(float(r["factor"]), "factor"),
            ]
        )
    return {"header": header, "rows": rows, "caption": ""}


def _ledger_name(result: DealResult, text: str, lang: str) -> str:
    """A ledger step or target (``pay_fee:Trustee``, ``Senior A:interest``) in words."""
    if "+" in str(text):  # "interest_account+principal_account"
        return " + ".join(_ledger_name(result, part, lang) for part in str(text).split("+"))
    head, sep, tail = str(text).partition(":")
    names = set(result.tranches)
    if head in names:  # "<class>:interest" / "<class>:principal"
        return f"{tranche_label(result, head, lang)}: {label(tail, lang)}"
    if not sep:
        return label(head, lang) if head not in names else tranche_label(result, head, lang)
    parts = [tranche_label(result, p, lang) if p in names else p for p in tail.split(",")]
    if head in ("tax", "fee"):
        return ", ".join(parts)
    return f"{label(head, lang)}: {', '.join(parts)}"


def _waterfall(result: DealResult, period: int, lang: str) -> Table:
    led = result.ledger
    rows = []
    part = led[led["period"] == period] if "period" in led.columns else led.iloc[0:0]
    for i, r in enumerate(part.itertuples(index=False), start=1):
        rows.append(
            [
                cell(i, "int"),
                text_cell(_ledger_name(result, str(r.source), lang)),
                text_cell(_ledger_name(result, str(r.step), lang)),
                text_cell(_ledger_name(result, str(r.target), lang)),
                cell(float(r.amount), "amount"),
            ]
        )
    header = [phrase("order", lang), label("source", lang), label("step", lang), label("target", lang), label("amount", lang)]
    return {"header": header, "rows": rows, "caption": ""}


def _movements(result: DealResult, period: int, lang: str) -> Table:
    acc = result.accounts
    if acc is None or acc.empty or period not in acc.index:
        return empty_table()
    r = acc.loc[period]
    rows = [
        [text_cell(label(c, lang)), cell(float(r[c]), "amount")]
        for c in acc.columns
        if c != "period" and pd.api.types.is_numeric_dtype(acc[c])
    ]
    return {"header": [phrase("account_movements", lang), label("amount", lang)], "rows": rows, "caption": ""}


def distribution_section(result: DealResult, lang: str) -> dict[str, Any]:
    """One block per payment date: the distribution statement, the waterfall as paid and the
    account movements of that period."""
    dates = np.asarray(result.dates)
    blocks = []
    for period, phase in _payment_periods(result):
        date = display(dates[period] if period < len(dates) else None, "date")
        shown_phase = phrase(f"phase_{phase}", lang) if phase and f"phase_{phase}" in _PHASES else phase
        blocks.append(
            {
                "id": f"payment-{period}",
                "title": phrase("payment_date_n", lang, date=date, period=period, phase=shown_phase),
                "statement": _statement(result, period, lang),
                "waterfall": _waterfall(result, period, lang),
                "movements": _movements(result, period, lang),
            }
        )
    return {"blocks": blocks, "note": "" if blocks else phrase("no_payment_dates", lang)}



def accounts_section(result: DealResult, lang: str) -> dict[str, Any]:
    acc: pd.DataFrame | None = result.accounts
    if acc is None or acc.empty:
        return {"present": False, "table": empty_table(), "chart": svg(""), "note": phrase("no_accounts", lang)}
    numeric = [c for c in acc.columns if pd.api.types.is_numeric_dtype(acc[c]) and c != "period"]
    show = [c for c in ("reserve_end", "reserve_target", "pdl_end", "reserve", "pdl") if c in numeric] or numeric
    chart = line_chart(
        periods(acc),
        [Series(label(c, lang), col(acc, c)) for c in show],
        title=phrase("accounts", lang),
        xlabel=phrase("period_word", lang),
        lang=lang,
    )
    acc = acc.copy()
    if all(c in acc.columns for c in ("reserve_begin", "reserve_deposit", "reserve_draw", "reserve_end")):
        # reconciliation: reserve_begin + deposit − draw − reserve_end (0 when the account reconciles)
        acc["reserve_check"] = acc["reserve_begin"] + acc["reserve_deposit"] - acc["reserve_draw"] - acc["reserve_end"]
    if all(c in acc.columns for c in ("pdl_debit", "pdl_credit", "pdl_end")):
        # PDL(t−1) + debit − credit − PDL(t)
        acc["pdl_check"] = (
            acc["pdl_end"].shift(1, fill_value=0.0) + acc["pdl_debit"] - acc["pdl_credit"] - acc["pdl_end"]
        )
    return {
        "present": True,
        "table": table(acc, [c for c in acc.columns if c != "period"], lang, dates=np.asarray(result.dates)),
        "chart": svg(chart),
        "note": "",
    }




def _schedule_text(values: tuple[float, ...], kind: Any, lang: str) -> str:
    """A threshold schedule in words: ``2.00% from period 1; 3.50% from period 13``."""
    parts = []
    prev: float | None = None
    for i, v in enumerate(values, start=1):
        if prev is None or v != prev:
            parts.append(phrase("from_period", lang, value=display(v, "", kind=kind), period=i))
        prev = v
    return "; ".join(parts)


def _definitions(result: DealResult, lang: str) -> Table:
    rows = []
    for t in result.deal.structure.triggers:
        kind = trigger_format(t.metric)
        rows.append(
            [
                text_cell(trigger_label(result, t.name, lang)),
                text_cell(phrase(f"metric_{t.metric}", lang)),
                text_cell(phrase(f"den_{t.metric}", lang)),
                text_cell(f"{phrase(f'breach_{t.breach_when}', lang)}: {_schedule_text(t.thresholds, kind, lang)}"),
                text_cell(phrase(f"effect_{t.effect}", lang)),
                text_cell(phrase("yes" if t.curable else "no", lang)),
            ]
        )
    header = [
        label("trigger", lang),
        phrase("metric_word", lang),
        phrase("denominator", lang),
        phrase("threshold_schedule", lang),
        phrase("effect", lang),
        phrase("curable", lang),
    ]
    return {"header": header, "rows": rows, "caption": ""}


def _status_cell(breached: bool, lang: str) -> Cell:
    return text_cell(phrase("fail" if breached else "pass", lang), cls="fail" if breached else "pass")


def triggers_section(result: DealResult, lang: str) -> dict[str, Any]:
    trig = result.triggers
    if not trig:
        return {"present": False, "definitions": empty_table(), "summary": empty_table(), "table": empty_table(),
                "note": phrase("no_triggers", lang)}
    metrics = {str(t.name): str(t.metric) for t in result.deal.structure.triggers}
    srows = []
    for name, df in trig.items():
        br = np.asarray(df["breached"], dtype=bool)
        kind: Any = trigger_format(metrics.get(name, ""))
        srows.append(
            [
                text_cell(trigger_label(result, name, lang)),
                text_cell(df.index[int(np.argmax(br))] if br.any() else phrase("never", lang)),
                cell(int(br.sum()), "int"),
                cell(df["value"].iloc[-1] if len(df) else None, kind),
                cell(df["threshold"].iloc[-1] if len(df) else None, kind),
                _status_cell(bool(br.any()), lang),
            ]
        )
    header = [label("trigger", lang)] + [
        phrase(k, lang) for k in ("first_breach", "periods_breached", "final_value", "final_threshold", "status_word")
    ]
    return {
        "present": True,
        "definitions": _definitions(result, lang),
        "summary": {"header": header, "rows": srows, "caption": ""},
        "table": _trigger_periods(result, metrics, lang),
        "note": "",
    }


def _trigger_periods(result: DealResult, metrics: dict[str, str], lang: str) -> Table:
    trig = result.triggers
    index = sorted(set().union(*(set(df.index) for df in trig.values())))
    dates = np.asarray(result.dates)
    header = [label("period", lang), label("date", lang)]
    for name in trig:
        shown = trigger_label(result, name, lang)
        header += [f"{shown}: {phrase(k, lang)}" for k in ("value_word", "threshold_word", "status_word")]
    rows = []
    for p in index:
        row = [cell(p, "int"), cell(dates[int(p)] if 0 <= int(p) < len(dates) else None, "date")]
        for name, df in trig.items():
            kind: Any = trigger_format(metrics.get(name, ""))
            if p in df.index:
                r = df.loc[p]
                row += [cell(r["value"], kind), cell(r["threshold"], kind), _status_cell(bool(r["breached"]), lang)]
            else:
                row += [text_cell("—"), text_cell("—"), text_cell("—")]
        rows.append(row)
    return {"header": header, "rows": rows, "caption": ""}

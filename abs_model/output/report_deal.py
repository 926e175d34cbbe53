"""Report sections on the deal itself: the one-page overview (KPIs, note balances, the charts that
matter) and the deal's dates and terms."""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any

import numpy as np

from abs_model.output.labels import display, label, phrase
from abs_model.output.report_tables import Table, cell, text_cell, tranche_label
from abs_model.runs.result import DealResult

__all__ = ["deal_section", "overview_section", "report_date"]


def report_date() -> np.datetime64:
    """Today's date, or the date of ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return np.datetime64(_dt.datetime.fromtimestamp(int(epoch), tz=_dt.UTC).date(), "D")
    return np.datetime64(_dt.date.today(), "D")


def _note_balances(result: DealResult, lang: str) -> Table:
    summary = result.summary()
    rows = []
    for name, df in result.tranches.items():
        orig = float(df["balance_begin"].iloc[0]) if len(df) else 0.0
        end = float(df["balance_end"].iloc[-1]) if len(df) else 0.0
        rows.append(
            [
                text_cell(tranche_label(result, name, lang)),
                text_cell(_rating(result, name, lang)),
                cell(result.coupons.get(name), "rate"),
                cell(orig, "amount"),
                cell(end, "amount"),
                cell(end / orig if orig > 0 else None, "factor"),
                cell(summary.loc[name, "wal_years"], "amount"),
                cell(summary.loc[name, "loss_pct"], "rate"),
            ]
        )
    header = [label(k, lang) for k in ("tranche", "rating", "coupon", "original_balance", "balance_end", "factor", "wal_years",
                                       "loss_pct")]
    return {"header": header, "rows": rows, "caption": ""}


def _rating(result: DealResult, name: str, lang: str) -> str:
    return str(result.deal.disclosure.ratings.get(name) or phrase("not_rated", lang))


def overview_section(result: DealResult, lang: str, *, charts: list[Any]) -> dict[str, Any]:
    """KPIs, the note balances and ``charts`` (already rendered by their sections): one page."""
    pool = result.pool
    checks = list(result.checks)
    n_ok = sum(1 for c in checks if bool(c.passed))
    last = pool.iloc[-1]
    notes0 = sum(float(df["balance_begin"].iloc[0]) for df in result.tranches.values() if len(df))
    kpis = [
        ("kpi_pool", display(float(pool["closing_balance"].iloc[0]), "balance")),
        ("kpi_notes", display(notes0, "balance")),
        ("kpi_factor", display(last.get("pool_factor"), "pool_factor")),
        ("kpi_cdr", display(last.get("cumulative_default_rate"), "cumulative_default_rate")),
        ("kpi_cnl", display(last.get("cumulative_net_loss_rate"), "cumulative_net_loss_rate")),
        ("kpi_checks", f"{n_ok} / {len(checks)}"),
    ]
    return {
        "name": str(result.deal.name),
        "kpis": [{"label": phrase(k, lang), "value": v} for k, v in kpis],
        "notes": _note_balances(result, lang),
        "charts": charts,
        "all_passed": n_ok == len(checks),
    }


def _payment_frequency(result: DealResult, lang: str) -> str:
    every = dict(result.deal.structure.payment_every or {})
    parts = []
    for phase_name, n in every.items():
        phase_text = phrase(f"phase_{phase_name}", lang) if f"phase_{phase_name}" in _PHASE_KEYS else phase_name
        key = "monthly_while" if int(n) == 1 else "every_n_months"
        parts.append(phrase(key, lang, n=int(n), phase=phase_text))
    return "; ".join(parts) if parts else phrase("monthly_while", lang, phase=phrase("phase_amortising", lang))


_PHASE_KEYS = frozenset(f"phase_{p}" for p in ("revolving", "amortising", "accelerated", "default", "cleanup"))


def _date(value: Any, lang: str) -> str:
    return display(np.datetime64(value, "D"), "date") if value is not None else phrase("not_stated", lang)


def deal_section(result: DealResult, lang: str, *, today: np.datetime64) -> dict[str, Any]:
    """The deal's dates and terms, as the first lines of a trustee report state them."""
    deal = result.deal
    dates = np.asarray(result.dates)
    first_pay = deal.disclosure.first_payment
    facts = [
        ("report_date", display(today, "date")),
        ("currency", label(str(deal.currency), lang)),
        ("cutoff", _date(deal.cutoff_date, lang)),
        ("closing", _date(deal.closing_date, lang)),
        ("first_payment", _date(first_pay, lang)),
        ("legal_final", _date(deal.legal_final, lang)),
        ("payment_frequency", _payment_frequency(result, lang)),
        ("revolving_periods", phrase("months", lang, n=int(deal.revolving.periods))),
        ("periods", str(len(result.pool.index) - 1)),
        ("last_date", display(dates[-1] if len(dates) else None, "date")),
        ("convention", phrase(f"convention_{result.assumptions.convention}", lang)),
    ]
    parties = deal.disclosure.parties
    return {
        "facts": [{"label": phrase(k, lang), "value": v} for k, v in facts],
        "parties": {
            "header": [phrase("role", lang), phrase("party", lang)],
            "rows": [[text_cell(label(role, lang)), text_cell(name)] for role, name in parties.items()],
            "caption": "",
        },
        "no_parties": "" if parties else phrase("not_stated", lang),
    }


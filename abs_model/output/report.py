"""HTML investor report (trustee / servicer report, 受托管理报告) for one deal run.

:func:`build_context` turns a :class:`~abs_model.runs.result.DealResult` into a plain dict of
display-ready strings, tables and inline SVG charts; the jinja2 templates under ``templates/``
only lay that dict out (they hold no logic beyond loops and ``include``). :func:`render_report`
renders it into one self-contained HTML file: CSS inline, charts inline as SVG (see
:mod:`abs_model.output.charts`), no scripts, no URLs, print CSS so "Print → Save as PDF" gives a
clean document whose first page is the overview.

Sections, in the order investors look for them (each an element with a fixed ``id``, listed in
:data:`SECTION_IDS`): overview (KPIs, note balances, key charts — one printed page); the deal's
dates and terms; pool summary and strats; collections; delinquency; cumulative default and net
loss vs trigger; excess spread; notes; distribution statements per payment date (per class, the
waterfall as paid, account movements); reserve and PDL; trigger definitions and status;
scenarios; assumptions (in sentences, with the roll-rate matrix); data integrity. The sections
are built in :mod:`~abs_model.output.report_deal`, :mod:`~abs_model.output.report_pool`,
:mod:`~abs_model.output.report_notes` and :mod:`~abs_model.output.report_scenarios`; every word
comes from the label registry :mod:`abs_model.output.labels`.
"""

from __future__ import annotations

import importlib.metadata
import os
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from abs_model.output.atomic import atomic_write
from abs_model.output.labels import phrase, phrases
from abs_model.output.report_deal import deal_section, overview_section, report_date
from abs_model.output.report_notes import accounts_section, distribution_section, tranches_section, triggers_section
from abs_model.output.report_pool import (
    collections_section,
    delinquency_section,
    excess_spread,
    excess_spread_section,
    losses_section,
    pool_section,
)
from abs_model.output.report_scenarios import assumptions_section, integrity_section, scenarios_section
from abs_model.output.template_cache import environment
from abs_model.runs.result import DealResult

__all__ = ["LANGS", "SECTION_IDS", "build_context", "excess_spread", "render_report"]

#: Report languages.
LANGS: tuple[str, ...] = ("en", "zh")

#: ``id`` of every section of the report, in page order.
SECTION_IDS: tuple[str, ...] = (
    "overview",
    "deal",
    "pool",
    "collections",
    "delinquency",
    "losses",
    "excess-spread",
    "tranches",
    "distribution",
    "accounts",
    "triggers",
    "scenarios",
    "assumptions",
    "integrity",
)


def build_context(
    result: DealResult,
    *,
    lang: str = "en",
    sweep: pd.DataFrame | None = None,
    breakeven: pd.DataFrame | None = None,
    strategies: pd.DataFrame | None = None,
    today: np.datetime64 | None = None,
) -> dict[str, Any]:
    """Everything the report template shows, as display-ready strings, tables and SVG.

    Keys: ``lang``, ``ui`` (fixed phrases), ``title``, ``sections`` (``id`` and title, in page
    order — exactly :data:`SECTION_IDS`), one key per section id (``excess-spread`` is stored as
    ``excess_spread``) and ``footer``. A table is ``{"header": [...], "rows": [[cell, ...]],
    "caption": str}`` with cells ``{"text", "cls", "style"}``. ``today`` is the report date
    (default: :func:`~abs_model.output.report_deal.report_date`).
    """
    if lang not in LANGS:
        raise ValueError(f"lang: must be one of {list(LANGS)}; got {lang!r}")
    losses = losses_section(result, lang)
    tranches = tranches_section(result, lang)
    pool = pool_section(result, lang)
    ctx: dict[str, Any] = {
        "lang": lang,
        "ui": phrases(lang),
        "title": f"{result.deal.name} — {phrase('report', lang)}",
        "sections": [{"id": s, "title": phrase(s, lang)} for s in SECTION_IDS],
        "overview": overview_section(result, lang, charts=[tranches["chart"], losses["chart"]]),
        "deal": deal_section(result, lang, today=report_date() if today is None else today),
        "pool": pool,
        "collections": collections_section(result, lang),
        "delinquency": delinquency_section(result, lang),
        "losses": losses,
        "excess_spread": excess_spread_section(result, lang),
        "tranches": tranches,
        "distribution": distribution_section(result, lang),
        "accounts": accounts_section(result, lang),
        "triggers": triggers_section(result, lang),
        "scenarios": scenarios_section(result, sweep, breakeven, strategies, lang),
        "assumptions": assumptions_section(result, lang),
        "integrity": integrity_section(result, lang),
        "footer": {
            "version": importlib.metadata.version("abs-model"),
            "generated": phrase("generated", lang),
            "disclaimer": phrase("disclaimer", lang),
        },
    }
    return ctx


def _environment() -> jinja2.Environment:
    # templates/ ships as the package abs_model.templates (see pyproject), editable or wheel;
    # their compiled code is kept between runs (abs_model.output.template_cache)
    return environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_report(
    result: DealResult,
    path: str | os.PathLike[str] | None = None,
    *,
    lang: str = "en",
    sweep: pd.DataFrame | None = None,
    breakeven: pd.DataFrame | None = None,
    strategies: pd.DataFrame | None = None,
    today: np.datetime64 | None = None,
) -> str:
    """Render the investor report as one self-contained HTML page and return it.

    When ``path`` is given the page is also written there atomically (UTF-8): a failed render
    never leaves a half-written file. ``lang`` is ``"en"`` or ``"zh"``; ``sweep`` (tidy: scenario
    parameters, ``tranche``, metrics), ``breakeven`` and ``strategies`` add the scenario section.
    """
    ctx = build_context(result, lang=lang, sweep=sweep, breakeven=breakeven, strategies=strategies, today=today)
    html = _environment().get_template("report.html.j2").render(**ctx)
    if path is not None:
        with atomic_write(path, "w") as fh:
            fh.write(html)
    return html

"""Build the issue-12 waterfall steps and trigger options from a deal file's mappings (called by
one line each from :func:`abs_model.deal.model.deal_from_document`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tranches as tr
from abs_model.deal.structure_schema import EXTRA_STEP_SCHEMAS

EXTRA_STEP_KINDS: frozenset[str] = frozenset(EXTRA_STEP_SCHEMAS)


def build_extra_step(kind: str, body: Mapping[str, Any] | None) -> Any:
    """The step for ``kind`` (a key of :data:`EXTRA_STEP_SCHEMAS`); lists become tuples."""
    s = tr.steps
    kw: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in (body or {}).items()}
    if kind == "shortfall_support":
        return s.ShortfallSupport(kw.pop("tranches"), **kw)
    if kind == "pay_period_return":
        return s.PayPeriodReturn(kw.pop("tranche"), kw.pop("rate"), **kw)
    cls = {
        "draw_liquidity_reserve": s.DrawLiquidityReserve,
        "fund_liquidity_reserve": s.FundLiquidityReserve,
        "release_reserve": s.ReleaseReserve,
        "default_cover": s.DefaultCover,
    }[kind]
    return cls(**kw)


def trigger_options(t: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword options of :class:`tranches.Trigger` added by issue 12, when given."""
    out: dict[str, Any] = {}
    if "buckets" in t:
        out["buckets"] = tuple(t["buckets"])
    for key in ("average_periods", "event_period", "commingling_loss"):
        if key in t:
            out[key] = t[key]
    return out

"""Real deal results for the report tests: the shipped Baitiao example on a smaller synthetic pool,
as run, stressed until its cumulative-default trigger breaches, and with hostile names."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pandas as pd

import abs_model as am

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "baitiao_revolving.yaml"
#: A tranche name with markup and matplotlib mathtext in it.
HOSTILE = "<script>alert('x')</script> & $A$ Co"


def example_text(n: int = 20_000) -> str:
    """The example deal file with a pool of ``n`` receivables (same structure, faster to run)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    return text.replace("synthetic: {n: 500000, seed: 2026}", f"synthetic: {{n: {n}, seed: 2026}}")


@functools.cache
def deal_file(folder: str, *, sub_name: str = "Subordinated", trigger_name: str = "") -> Path:
    """The example written into ``folder`` (so its input files are named relative to it)."""
    text = example_text().replace("Subordinated", sub_name)
    if trigger_name:
        text = text.replace("Cumulative default (加速清偿)", trigger_name)
    path = Path(folder) / "deal.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@functools.cache
def result(folder: str, *, stress: float = 1.0, sub_name: str = "Subordinated", trigger_name: str = "") -> am.DealResult:
    """The example run as written (``stress`` 1) or with defaults × ``stress``."""
    deal = am.load_deal(deal_file(folder, sub_name=sub_name, trigger_name=trigger_name))
    assert deal.assumptions is not None
    a = dataclasses.replace(deal.assumptions, default_multiplier=stress) if stress != 1.0 else None
    return am.run(deal, a)


def small_sweep() -> pd.DataFrame:
    """A tidy sweep as :func:`abs_model.analytics.sweep.sweep` returns it (parameters, tranche,
    metrics): 3 default × 2 prepayment multiples for the two rated classes."""
    rows = []
    for d in (1.0, 2.0, 3.0):
        for p in (0.5, 1.0):
            for tr in ("Senior A", "Senior B"):
                rows.append(
                    {
                        "prepay_multiple": p,
                        "default_multiple": d,
                        "tranche": tr,
                        "loss_pct": 0.01 * d * (tr == "Senior B"),
                        "wal_years": 0.5 / p + d,
                    }
                )
    return pd.DataFrame(rows)


def small_breakeven() -> pd.DataFrame:
    return pd.DataFrame({"tranche": ["Senior A", "Senior B"], "breakeven": [0.35, 0.12], "multiple": [8.1, 2.9]})

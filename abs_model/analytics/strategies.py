"""Compare collection strategies on the same deal (issue: delinquency management).

``compare_strategies(deal, {"name": CollectionStrategy, ...})`` runs the deal once per strategy
(and once with none, as ``"baseline"`` unless ``baseline=False``) and returns one row per
strategy with:

- ``npv_collections``: net present value of what the pool pays the deal after collection costs,
  ``Σ_t (principal + fee/interest + prepayment fee + recoveries − costs paid)_t / (1 + r/12)^t``
  at the annual ``discount_rate`` (monthly compounding, period-end cash);
- ``collection_costs``, ``recoveries``, ``defaults``, ``cumulative_default_rate`` (of the initial
  pool), ``net_loss_rate``, ``avg_delinquency_30p`` and ``peak_delinquency_30p`` (30+ dpd balance
  over the pool balance; restructured plans are reported apart), ``restructured_entries``;
- ``first_breach_<trigger>``: the first period each trigger is breached (0 if never);
- per class ``loss_pct_<tranche>`` and ``wal_<tranche>`` (years).

``default_strategies()`` gives three illustrative strategies from public practice: restructure
at M2, outsource at M3, debt sale at charge-off — every number is a parameter, not a fact.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from abs_model.assumptions.assumptions import Assumptions
from abs_model.assumptions.servicing import ChargeOffPath, CollectionStage, CollectionStrategy, Restructuring
from abs_model.deal.model import Deal
from abs_model.runs.runner import run


def default_strategies() -> dict[str, CollectionStrategy]:
    """Three strategies to compare (illustrative parameters; change them for a real book)."""
    reminders = CollectionStage("reminders (app/SMS)", (1,), cost_per_account=0.5)
    phone = CollectionStage("phone collection", (2,), cost_per_account=8.0)
    return {
        "restructure at M2": CollectionStrategy(
            "restructure at M2",
            stages=(reminders, phone),
            restructuring=Restructuring(take_up={2: 0.30, 3: 0.15}, periods=6, fee_rate=0.005, redefault_rate=0.06),
        ),
        "outsource at M3": CollectionStrategy(
            "outsource at M3",
            stages=(reminders, phone, CollectionStage("outsourced agency", (3,), cure_to_current=0.18, contingency_fee=0.30)),
        ),
        "debt sale at charge-off": CollectionStrategy(
            "debt sale at charge-off",
            stages=(reminders, phone),
            charge_off=ChargeOffPath(sale_share=0.8, sale_price=0.08),
        ),
    }


def compare_strategies(
    deal: Deal,
    strategies: Mapping[str, CollectionStrategy] | None = None,
    *,
    assumptions: Assumptions | None = None,
    discount_rate: float = 0.10,
    baseline: bool = True,
) -> pd.DataFrame:
    """One row per strategy (see module doc for every column)."""
    base = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    runs: dict[str, Assumptions] = {}
    if baseline:
        runs["baseline"] = dataclasses.replace(base, collections=None)
    for name, s in (strategies if strategies is not None else default_strategies()).items():
        runs[name] = dataclasses.replace(base, collections=s)
    rows = []
    for name, a in runs.items():
        r = run(deal, a)
        f = r.pool
        t = f.index.to_numpy()
        cash = (f["principal_collections"] + f["fee_interest"] + f["prepayment_fee"] + f["recoveries"] - f["collection_costs_paid"]).to_numpy()
        disc = (1.0 + discount_rate / 12.0) ** (-t.astype(np.float64))
        initial = deal.pool.balance
        balance = f["closing_balance"].to_numpy()[1:]
        d30 = f["delinquency_30p"].to_numpy()[1:]
        live = balance > 0
        row: dict[str, object] = {
            "strategy": name,
            "npv_collections": float((cash * disc).sum()),
            "collection_costs": float(f["collection_costs"].sum()),
            "recoveries": float(f["recoveries"].sum()),
            "defaults": float(f["defaults"].sum()),
            "cumulative_default_rate": float(f["defaults"].sum() / initial),
            "net_loss_rate": float(f["net_loss"].sum() / initial),
            "avg_delinquency_30p": float(d30[live].mean()) if live.any() else 0.0,
            "peak_delinquency_30p": float(d30.max(initial=0.0)),
            "restructured_entries": float(f["restructured_entries"].sum()),
        }
        for trig, tf in r.triggers.items():
            hit = np.flatnonzero(tf["breached"].to_numpy())
            row[f"first_breach_{trig}"] = int(tf.index[hit[0]]) if hit.size else 0
        s = r.summary()
        for tranche in s.index:
            row[f"loss_pct_{tranche}"] = float(s.loc[tranche, "loss_pct"])
            row[f"wal_{tranche}"] = float(s.loc[tranche, "wal_years"])
        rows.append(row)
    return pd.DataFrame(rows).set_index("strategy")

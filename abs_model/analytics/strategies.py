"""Compare collection strategies on the same deal (issue: delinquency management).

``compare_strategies(deal, {"name": CollectionStrategy, ...})`` runs the deal once per strategy
(and once with no collection strategy at all, as ``"baseline"``, unless ``baseline=False``; with
``as_run=True`` also once as the deal itself runs, under its own ``collections:`` strategy, as
``"as run (<its name>)"``, first) and returns one row per strategy with:

- ``npv_collections``: net present value of what the pool pays the deal after collection costs,
  ``Σ_t (principal + fee/interest + prepayment fee + recoveries + late fees to the trust − costs
  paid)_t / (1 + r/12)^t`` at the annual ``discount_rate`` (monthly compounding, period-end cash);
- ``collection_costs``, ``recoveries``, ``defaults``; ``cumulative_default_rate`` = Σ defaults over
  the whole projection / the initial pool balance and ``net_loss_rate`` = Σ net loss / the initial
  pool balance: the pool's own definitions (:func:`abs_model.core.metrics.cdr_initial_pool`, the
  last value of the pool frame's columns of the same names, "on initial pool"), so the row of the
  deal as run equals the pool's figures. The ``baseline`` differs from them only because it drops
  the deal's own collection strategy (a deal whose strategy restructures arrears defaults less);
  ``avg_delinquency_30p`` and ``peak_delinquency_30p`` (30+ dpd balance
  over the pool balance; restructured plans are reported apart), ``restructured_entries``,
  ``restructured_redefaults``, ``late_fees`` (collected);
- ``first_breach_<trigger>``: the first period each trigger is breached (0 if never);
- per class ``loss_pct_<tranche>`` and ``wal_<tranche>`` (years).

``default_strategies()`` gives three illustrative strategies from public practice: restructure
at M2, outsource at M3, debt sale at charge-off — every number is a parameter, not a fact.

A strategy with collection stages or restructuring needs the roll-rate convention (they act on
delinquency buckets); on a ``sifma`` deal it is refused with that reason rather than run as a
no-op. ``abs-model compare-strategies DEAL [--strategies FILE]`` prints the table (and writes it
as CSV with ``--out``); the file holds a list of strategies as in the deal file's
``collections:`` block (or a mapping with a ``strategies:`` list).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from abs_model.assumptions.assumptions import Assumptions
from abs_model.assumptions.servicing import (
    ChargeOffPath,
    CollectionStage,
    CollectionStrategy,
    Restructuring,
    strategy_from_mapping,
)
from abs_model.core.metrics import cdr_initial_pool
from abs_model.deal.model import Deal
from abs_model.errors import AssumptionError
from abs_model.projection.engine import trust_late_fees
from abs_model.runs.result import DealResult
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
    as_run: bool = False,
    as_run_result: DealResult | None = None,
) -> pd.DataFrame:
    """One row per strategy (see module doc for every column); ``as_run=True`` adds the deal as
    it runs (its own collection strategy) first, when it has one. ``as_run_result``: that run,
    when the caller has it already (``run(deal)``, as the demo does); used only when it is the run
    of this very deal and these very assumptions, else the deal is run again."""
    rate = discount_rate
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not -1.0 < rate < 1.0:  # NaN fails too
        raise AssumptionError(
            f"discount_rate: must be an annual decimal rate in (-1, 1); got {rate!r} — rates are decimals (0.10 = 10 % a year)"
        )
    base = assumptions if assumptions is not None else (deal.assumptions or Assumptions.make())
    runs: dict[str, Assumptions] = {}
    if as_run and base.collections is not None:
        runs[f"as run ({base.collections.name})"] = base
    if baseline:
        runs["baseline"] = dataclasses.replace(base, collections=None)
    for name, s in (strategies if strategies is not None else default_strategies()).items():
        check_applies(name, s, base)
        if name in runs:  # it replaced the row of that name: the deal's own baseline shown with this strategy's numbers
            raise AssumptionError(f"strategies[{name!r}]: the table already has a row {name!r} ({sorted(runs)}); rename the strategy")
        runs[name] = dataclasses.replace(base, collections=s)
    rows = []
    for name, a in runs.items():
        reuse = as_run_result is not None and as_run_result.deal is deal and as_run_result.assumptions is a
        r = as_run_result if reuse and as_run_result is not None else run(deal, a)
        f = r.pool
        t = f.index.to_numpy()
        cash = (f["principal_collections"] + f["fee_interest"] + f["prepayment_fee"] + f["recoveries"] - f["collection_costs_paid"]).to_numpy()
        cash = cash + trust_late_fees({"late_fees": f["late_fees"].to_numpy()}, a)
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
            "cumulative_default_rate": float(cdr_initial_pool(f["defaults"].to_numpy(), initial)[-1]),
            "net_loss_rate": float(cdr_initial_pool(f["net_loss"].to_numpy(), initial)[-1]),
            "avg_delinquency_30p": float(d30[live].mean()) if live.any() else 0.0,
            "peak_delinquency_30p": float(d30.max(initial=0.0)),
            "restructured_entries": float(f["restructured_entries"].sum()),
            "restructured_redefaults": float(f["restructured_redefaults"].sum()),
            "late_fees": float(f["late_fees"].sum()),
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


def check_applies(name: str, strategy: CollectionStrategy, assumptions: Assumptions) -> None:
    """Refuse a strategy that cannot act under the assumptions' convention, with the reason."""
    if not isinstance(strategy, CollectionStrategy):
        raise AssumptionError(f"strategies[{name!r}]: must be an abs_model.CollectionStrategy; got {type(strategy).__name__}")
    if assumptions.convention != "roll_rate" and (strategy.stages or strategy.plans):
        parts = [w for w, on in (("collection stages", strategy.stages), ("restructuring", strategy.plans)) if on]
        raise AssumptionError(
            f"strategies[{name!r}]: {' and '.join(parts)} act on delinquency buckets, which only the roll-rate "
            f"convention has; this deal's assumptions use the {assumptions.convention!r} convention (give roll_rates, "
            "or compare charge-off paths only)"
        )


def strategies_from_document(doc: Any, *, source: str = "<strategies>") -> dict[str, CollectionStrategy]:
    """Strategies from a YAML document: a list of strategy mappings (as the deal file's
    ``collections:`` block), or a mapping with a ``strategies:`` list."""
    items = doc.get("strategies") if isinstance(doc, Mapping) else doc
    if not isinstance(items, list) or not items:
        raise AssumptionError(f"{source}: must be a non-empty list of strategies (or a mapping with 'strategies:'); got {type(items).__name__}")
    out: dict[str, CollectionStrategy] = {}
    first: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise AssumptionError(f"{source}: strategies[{i}]: must be a mapping (name, stages, restructuring, charge_off); got {item!r}")
        try:
            s = strategy_from_mapping(item)
        except TypeError as exc:
            raise AssumptionError(f"{source}: strategies[{i}]: {exc}") from None
        except ValueError as exc:
            raise AssumptionError(f"{source}: strategies[{i}]: {exc}") from None
        key = s.name.strip().casefold()  # 'S1 ' beside 's1': two rows no reader tells apart
        if key in first:
            raise AssumptionError(
                f"{source}: strategies[{i}].name: {s.name!r} is given twice (also strategies[{first[key]}], "
                "names compared ignoring case and surrounding spaces); give each strategy its own name"
            )
        first[key] = i
        out[s.name] = s
    return out

"""abs-model — asset-securitisation cash-flow modelling, offline and in one process.

The public names below are imported when first used (PEP 562 ``__getattr__``), not when the
package is: ``abs-model demo`` then loads only the modules it runs (no Monte Carlo, surveillance,
calibration or tape readers it does not need), and ``import abs_model`` stays quick. ``from
abs_model import X``, ``abs_model.X`` and ``from abs_model import *`` work as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from abs_model.errors import (
    AbsModelError,
    ActualsError,
    AssumptionError,
    ConservationError,
    DealError,
    SolverError,
    TapeError,
)

if TYPE_CHECKING:  # the names as the type checker sees them; imported on first use below
    from abs_model.analytics.breakeven import BreakevenResult, breakeven, size_tranches
    from abs_model.analytics.executors import ChunkRun, IncompleteRunError
    from abs_model.analytics.montecarlo import MonteCarloResult, monte_carlo
    from abs_model.analytics.risk import effective_duration, horizon_return
    from abs_model.analytics.scenarios import RATING_MULTIPLES, Scenario, scenario_set
    from abs_model.analytics.strategies import compare_strategies
    from abs_model.analytics.surveillance import actual_vs_expected, reproject
    from abs_model.analytics.sweep import evaluate_chunk, sweep
    from abs_model.analytics.tables import decrement_table, price_yield_table
    from abs_model.assumptions.assumptions import Assumptions, Curve, RollRates, SegmentOverride
    from abs_model.assumptions.buyback import BuyBack
    from abs_model.assumptions.calibration import Calibration, calibrate
    from abs_model.assumptions.history import synthetic_history
    from abs_model.assumptions.servicing import (
        ChargeOffPath,
        CollectionStage,
        CollectionStrategy,
        LateFees,
        Restructuring,
    )
    from abs_model.collateral.actuals import read_note_actuals, read_pool_actuals
    from abs_model.collateral.pool import Pool
    from abs_model.collateral.synthetic import synthetic_pool
    from abs_model.collateral.tape import read_tape
    from abs_model.core import rates
    from abs_model.core.products import Product
    from abs_model.deal.loader import load_assumptions, load_deal
    from abs_model.deal.model import Deal
    from abs_model.projection.cashflows import PoolCashflows
    from abs_model.projection.engine import project
    from abs_model.runs.result import DealResult
    from abs_model.runs.runner import run

#: Public name → the module that defines it.
_LAZY: dict[str, str] = {
    "BreakevenResult": "abs_model.analytics.breakeven",
    "breakeven": "abs_model.analytics.breakeven",
    "size_tranches": "abs_model.analytics.breakeven",
    "ChunkRun": "abs_model.analytics.executors",
    "IncompleteRunError": "abs_model.analytics.executors",
    "MonteCarloResult": "abs_model.analytics.montecarlo",
    "monte_carlo": "abs_model.analytics.montecarlo",
    "effective_duration": "abs_model.analytics.risk",
    "horizon_return": "abs_model.analytics.risk",
    "RATING_MULTIPLES": "abs_model.analytics.scenarios",
    "Scenario": "abs_model.analytics.scenarios",
    "scenario_set": "abs_model.analytics.scenarios",
    "compare_strategies": "abs_model.analytics.strategies",
    "actual_vs_expected": "abs_model.analytics.surveillance",
    "reproject": "abs_model.analytics.surveillance",
    "evaluate_chunk": "abs_model.analytics.sweep",
    "sweep": "abs_model.analytics.sweep",
    "decrement_table": "abs_model.analytics.tables",
    "price_yield_table": "abs_model.analytics.tables",
    "Assumptions": "abs_model.assumptions.assumptions",
    "Curve": "abs_model.assumptions.assumptions",
    "RollRates": "abs_model.assumptions.assumptions",
    "SegmentOverride": "abs_model.assumptions.assumptions",
    "BuyBack": "abs_model.assumptions.buyback",
    "Calibration": "abs_model.assumptions.calibration",
    "calibrate": "abs_model.assumptions.calibration",
    "synthetic_history": "abs_model.assumptions.history",
    "ChargeOffPath": "abs_model.assumptions.servicing",
    "CollectionStage": "abs_model.assumptions.servicing",
    "CollectionStrategy": "abs_model.assumptions.servicing",
    "LateFees": "abs_model.assumptions.servicing",
    "Restructuring": "abs_model.assumptions.servicing",
    "read_note_actuals": "abs_model.collateral.actuals",
    "read_pool_actuals": "abs_model.collateral.actuals",
    "Pool": "abs_model.collateral.pool",
    "synthetic_pool": "abs_model.collateral.synthetic",
    "read_tape": "abs_model.collateral.tape",
    "Product": "abs_model.core.products",
    "load_assumptions": "abs_model.deal.loader",
    "load_deal": "abs_model.deal.loader",
    "Deal": "abs_model.deal.model",
    "PoolCashflows": "abs_model.projection.cashflows",
    "project": "abs_model.projection.engine",
    "DealResult": "abs_model.runs.result",
    "run": "abs_model.runs.runner",
}


def __getattr__(name: str) -> Any:
    """A public name, imported on first use and then kept in the module's namespace."""
    if name == "__version__":
        from importlib.metadata import version

        value: Any = version("abs-model")
    elif name == "rates":
        value = importlib.import_module("abs_model.core.rates")
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'abs_model' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

__all__ = [
    "RATING_MULTIPLES",
    "AbsModelError",
    "ActualsError",
    "AssumptionError",
    "Assumptions",
    "BreakevenResult",
    "BuyBack",
    "Calibration",
    "ChargeOffPath",
    "ChunkRun",
    "CollectionStage",
    "CollectionStrategy",
    "ConservationError",
    "Curve",
    "Deal",
    "DealError",
    "DealResult",
    "IncompleteRunError",
    "LateFees",
    "MonteCarloResult",
    "Pool",
    "PoolCashflows",
    "Product",
    "Restructuring",
    "RollRates",
    "Scenario",
    "SegmentOverride",
    "SolverError",
    "TapeError",
    "__version__",
    "actual_vs_expected",
    "breakeven",
    "calibrate",
    "compare_strategies",
    "decrement_table",
    "effective_duration",
    "evaluate_chunk",
    "horizon_return",
    "load_assumptions",
    "load_deal",
    "monte_carlo",
    "price_yield_table",
    "project",
    "rates",
    "read_note_actuals",
    "read_pool_actuals",
    "read_tape",
    "reproject",
    "run",
    "scenario_set",
    "size_tranches",
    "sweep",
    "synthetic_history",
    "synthetic_pool",
]

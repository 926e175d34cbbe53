"""abs-model — asset-securitisation cash-flow modelling, offline and in one process."""

from __future__ import annotations

from importlib.metadata import version as _metadata_version

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
from abs_model.assumptions.servicing import ChargeOffPath, CollectionStage, CollectionStrategy, LateFees, Restructuring
from abs_model.collateral.actuals import read_note_actuals, read_pool_actuals
from abs_model.collateral.pool import Pool
from abs_model.collateral.synthetic import synthetic_pool
from abs_model.collateral.tape import read_tape
from abs_model.core import rates
from abs_model.core.products import Product
from abs_model.deal.loader import load_assumptions, load_deal
from abs_model.deal.model import Deal
from abs_model.errors import (
    AbsModelError,
    ActualsError,
    AssumptionError,
    ConservationError,
    DealError,
    SolverError,
    TapeError,
)
from abs_model.projection.cashflows import PoolCashflows
from abs_model.projection.engine import project
from abs_model.runs.result import DealResult
from abs_model.runs.runner import run

__version__ = _metadata_version("abs-model")

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

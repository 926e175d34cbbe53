"""abs-model — asset-securitisation cash-flow modelling, offline and in one process."""

from __future__ import annotations

from abs_model import rates
from abs_model.assumptions import Assumptions, Curve, RollRates, SegmentOverride
from abs_model.breakeven import BreakevenResult, breakeven, size_tranches
from abs_model.calibration import Calibration, calibrate
from abs_model.cashflows import PoolCashflows
from abs_model.deal import Deal, load_assumptions, load_deal
from abs_model.errors import (
    AbsModelError,
    AssumptionError,
    ConservationError,
    DealError,
    SolverError,
    TapeError,
)
from abs_model.executors import ChunkRun, IncompleteRunError
from abs_model.history import synthetic_history
from abs_model.montecarlo import MonteCarloResult, monte_carlo
from abs_model.pool import Pool
from abs_model.products import Product
from abs_model.projection import project
from abs_model.result import DealResult
from abs_model.runner import run
from abs_model.scenarios import RATING_MULTIPLES, Scenario, scenario_set
from abs_model.servicing import ChargeOffPath, CollectionStage, CollectionStrategy, Restructuring
from abs_model.strategies import compare_strategies
from abs_model.sweep import evaluate_chunk, sweep
from abs_model.synthetic import synthetic_pool
from abs_model.tables import decrement_table, price_yield_table
from abs_model.tape import read_tape

__version__ = "0.1.0"

__all__ = [
    "RATING_MULTIPLES",
    "AbsModelError",
    "AssumptionError",
    "Assumptions",
    "BreakevenResult",
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
    "breakeven",
    "calibrate",
    "compare_strategies",
    "decrement_table",
    "evaluate_chunk",
    "load_assumptions",
    "load_deal",
    "monte_carlo",
    "price_yield_table",
    "project",
    "rates",
    "read_tape",
    "run",
    "scenario_set",
    "size_tranches",
    "sweep",
    "synthetic_history",
    "synthetic_pool",
]

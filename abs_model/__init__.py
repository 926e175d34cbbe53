"""abs-model — asset-securitisation cash-flow modelling, offline and in one process."""

from __future__ import annotations

from abs_model import rates
from abs_model.assumptions import Assumptions, Curve, RollRates, SegmentOverride
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
from abs_model.pool import Pool
from abs_model.products import Product
from abs_model.projection import project
from abs_model.result import DealResult
from abs_model.runner import run
from abs_model.synthetic import synthetic_pool
from abs_model.tape import read_tape

__version__ = "0.1.0"

__all__ = [
    "AbsModelError",
    "AssumptionError",
    "Assumptions",
    "ConservationError",
    "Curve",
    "Deal",
    "DealError",
    "DealResult",
    "Pool",
    "PoolCashflows",
    "Product",
    "RollRates",
    "SegmentOverride",
    "SolverError",
    "TapeError",
    "__version__",
    "load_assumptions",
    "load_deal",
    "project",
    "rates",
    "read_tape",
    "run",
    "synthetic_pool",
]

"""abs-model — asset-securitisation cash-flow modelling, offline and in one process."""

from __future__ import annotations

from abs_model import rates
from abs_model.errors import (
    AbsModelError,
    AssumptionError,
    ConservationError,
    DealError,
    SolverError,
    TapeError,
)
from abs_model.products import Product

__version__ = "0.1.0"

__all__ = [
    "AbsModelError",
    "AssumptionError",
    "ConservationError",
    "DealError",
    "Product",
    "SolverError",
    "TapeError",
    "__version__",
    "rates",
]

"""tranches — the liability side of abs-model: tranches, fees, accounts, triggers, waterfall steps
and the period-by-period distribution of available funds, vectorised across scenarios.

It knows nothing about loans and never imports :mod:`abs_model`.
"""

from tranches.errors import ConservationError, LiabilityError

__all__ = ["ConservationError", "LiabilityError"]

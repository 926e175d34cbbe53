"""tranches — the liability side of abs-model: tranches, fees, accounts, triggers, waterfall steps
and the period-by-period distribution of available funds, vectorised across scenarios.

It knows nothing about loans and never imports :mod:`abs_model`.

Usage::

    from tranches import Engine, PeriodInputs, Structure, Tranche, Waterfall, steps
    structure = Structure(tranches=(Tranche("A", 80.0, 0.05), Tranche("Sub", 20.0,
                          tranche_class="subordinated")),
                          waterfalls={"amortising": Waterfall([steps.PayInterest(("A",)), ...])})
    engine = Engine(structure, n_scenarios=N, period_end_dates=dates, initial_pool_balance=100.0)
    state = engine.start()
    for t in range(1, T + 1):
        out = engine.step(state, t, PeriodInputs(...))   # out.purchased, out.called
    result = engine.finish(state)
"""

from tranches import steps
from tranches.accounts import ReserveAccount
from tranches.engine import Engine, EngineState, PeriodInputs, StepOutput, run_liabilities
from tranches.errors import ConservationError, LiabilityError
from tranches.fees import Fee, Tax
from tranches.results import FeeResult, LiabilityResult, TrancheResult, TriggerResult
from tranches.schedule import accrual_fractions, year_fraction
from tranches.structure import PHASES, Structure
from tranches.tranche import Tranche
from tranches.triggers import CleanupCall, Trigger
from tranches.waterfall import Waterfall

__all__ = [
    "PHASES",
    "CleanupCall",
    "ConservationError",
    "Engine",
    "EngineState",
    "Fee",
    "FeeResult",
    "LiabilityError",
    "LiabilityResult",
    "PeriodInputs",
    "ReserveAccount",
    "StepOutput",
    "Structure",
    "Tax",
    "Tranche",
    "TrancheResult",
    "Trigger",
    "TriggerResult",
    "Waterfall",
    "accrual_fractions",
    "run_liabilities",
    "steps",
    "year_fraction",
]

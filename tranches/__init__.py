"""tranches — the liability side of abs-model: tranches, fees, accounts, triggers, waterfall steps
and the period-by-period distribution of available funds, vectorised across scenarios.

It knows nothing about loans and never imports :mod:`abs_model`.

Usage (the deal runner feeds one monthly period at a time; every input is (N,) or a scalar)::

    import numpy as np
    from tranches import Engine, Fee, PeriodInputs, Structure, Tranche, Waterfall, steps

    structure = Structure(
        tranches=(Tranche("A", 900.0, 0.05),
                  Tranche("Sub", 100.0, tranche_class="subordinated")),
        fees=(Fee("servicer", basis="pool_balance", rate=0.01),),
        waterfalls={"amortising": Waterfall([
            steps.PayFee("servicer"), steps.PayInterest(("A",)),
            steps.PayPrincipal(("A", "Sub")), steps.PayResidual()])},
    )
    dates = np.array(["2025-01-31", "2025-02-28", "2025-03-31"], dtype="datetime64[D]")
    engine = Engine(structure, n_scenarios=2, period_end_dates=dates,
                    initial_pool_balance=1000.0)
    state = engine.start()
    for t in (1, 2, 3):
        out = engine.step(state, t, PeriodInputs(
            interest_collected=np.array([8.0, 6.0]), principal_collected=100.0,
            pool_balance_begin=1100.0 - 100.0 * t, pool_balance_end=1000.0 - 100.0 * t))
        # out.purchased: par bought (add to the pool); out.called: clean-up call exercised
    result = engine.finish(state)
    result.tranche_frame("A", scenario=1)     # one row per period
    result.ledger_frame(0)                    # every cash movement of scenario 0

For hand-written (N, T) collection vectors use :func:`run_liabilities`.
"""

from tranches import steps
from tranches.accounts import ReserveAccount
from tranches.engine import Engine, EngineState
from tranches.errors import ConservationError, LiabilityError
from tranches.fees import Fee, Tax
from tranches.frozen import FrozenMap
from tranches.period import PeriodInputs, StepOutput
from tranches.results import FeeResult, LiabilityResult, TrancheResult, TriggerResult
from tranches.runner import run_liabilities
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
    "FrozenMap",
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

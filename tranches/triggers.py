"""Triggers (performance tests with an effect) and the clean-up call.

Each trigger is tested every period; its value, threshold and pass/fail are recorded.
Metric triggers (cumulative default rate, delinquency ratio, excess spread) are tested on the
period's collections at the start of the period and act on that period's payment date. Event
triggers (missed senior interest, unable to revolve) are tested after the period's waterfall and
act from the next period. A curable trigger acts only while breached; a non-curable one, once
breached, stays breached. Revolving, once ended (by a trigger or an accelerate/default effect),
never restarts, even when the trigger is cured.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Literal

from tranches.errors import must
from tranches.normalise import Schedule, check_amount, check_schedule

Metric = Literal[
    "cumulative_default_rate",
    "delinquency_ratio",
    "excess_spread",
    "missed_senior_interest",
    "unable_to_revolve",
]
Effect = Literal["end_revolving", "accelerate", "default", "sequential"]
BreachWhen = Literal["above", "below", "at_least"]

METRICS: tuple[str, ...] = (
    "cumulative_default_rate",
    "delinquency_ratio",
    "excess_spread",
    "missed_senior_interest",
    "unable_to_revolve",
)
EVENT_METRICS: tuple[str, ...] = ("missed_senior_interest", "unable_to_revolve")
EFFECTS: tuple[str, ...] = ("end_revolving", "accelerate", "default", "sequential")
DEFAULT_BREACH: dict[str, str] = {
    "cumulative_default_rate": "above",
    "delinquency_ratio": "above",
    "excess_spread": "below",
    "missed_senior_interest": "above",
    "unable_to_revolve": "at_least",
}


@dataclass(frozen=True, slots=True)
class Trigger:
    """A test of one metric against a threshold schedule, with an effect when breached.

    Metrics, each defined per scenario and period t:

    - ``cumulative_default_rate``: ``Σ_{s≤t} new_defaults_s / (initial_pool + Σ_{s<t} purchased_s)``
    - ``delinquency_ratio``: ``delinquent_balance_t / pool_balance_end_t``
    - ``excess_spread`` (annualised): ``12 · (interest_collected_t − taxes and fees accrued_t −
      note interest accrued_t) / pool_balance_begin_t``
    - ``missed_senior_interest``: senior interest unpaid on the payment date of period t
      (threshold usually 0)
    - ``unable_to_revolve``: consecutive revolving periods ending with more than ``tolerance``
      principal cash not reinvested (threshold: the number of periods N)

    ``threshold`` is a scalar or a schedule by period (the last value repeats). ``breach_when``:
    "above" (value > threshold), "below" (value < threshold) or "at_least" (value ≥ threshold);
    by default "below" for excess spread, "at_least" for unable_to_revolve, else "above".
    Effects: "end_revolving", "accelerate" (accelerated waterfall, ends revolving), "default"
    (event-of-default waterfall, ends revolving), "sequential" (pro-rata principal steps pay
    sequentially).
    """

    name: str
    metric: Metric
    threshold: Schedule
    effect: Effect
    _: KW_ONLY
    curable: bool = False
    breach_when: BreachWhen | None = None
    tolerance: float = 1e-6

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise must("trigger.name", "must be a non-empty string", self.name)
        path = f"triggers[{self.name!r}]"
        if self.metric not in METRICS:
            raise must(f"{path}.metric", f"must be one of {METRICS}", self.metric)
        if self.effect not in EFFECTS:
            raise must(f"{path}.effect", f"must be one of {EFFECTS}", self.effect)
        thr = check_schedule(f"{path}.threshold", self.threshold, rate=False)
        object.__setattr__(self, "threshold", thr)
        if self.breach_when is None:
            object.__setattr__(self, "breach_when", DEFAULT_BREACH[self.metric])
        elif self.breach_when not in ("above", "below", "at_least"):
            raise must(f"{path}.breach_when", "must be 'above', 'below' or 'at_least'", self.breach_when)
        check_amount(f"{path}.tolerance", self.tolerance)

    @property
    def thresholds(self) -> tuple[float, ...]:
        """The threshold schedule as a tuple (period 1 first)."""
        th = self.threshold
        return (float(th),) if isinstance(th, int | float) else tuple(th)

    @property
    def is_event(self) -> bool:
        """True for triggers tested after the waterfall (acting from the next period)."""
        return self.metric in EVENT_METRICS


@dataclass(frozen=True, slots=True)
class CleanupCall:
    """Clean-up call (清仓回购): exercised in the first period whose pool factor is at or below
    ``threshold``, i.e. ``0 < pool_balance_end_t ≤ threshold · initial_pool``.

    The proceeds, defined as ``price · pool_balance_end_t``, are added to the principal pot and the
    clean-up waterfall (or, without one, the current phase's waterfall) pays them out at once.
    Note balances still outstanding after that payment are written down and the deal ends.
    """

    threshold: float
    price: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.threshold, int | float) or not 0.0 <= self.threshold < 1.0:
            raise must("cleanup.threshold", "must be a pool factor in [0, 1)", self.threshold)
        if not isinstance(self.price, int | float) or not 0.0 <= self.price <= 2.0:
            raise must("cleanup.price", "must be a fraction of the pool balance in [0, 2]", self.price)

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

import pandas as pd

from tranches.errors import must
from tranches.normalise import Schedule, check_amount, check_schedule

Metric = Literal[
    "cumulative_default_rate",
    "cumulative_net_loss_rate",
    "delinquency_ratio",
    "excess_spread",
    "missed_senior_interest",
    "unable_to_revolve",
    "serious_delinquency",
    "servicer_event",
]
Effect = Literal["end_revolving", "accelerate", "default", "sequential"]
BreachWhen = Literal["above", "below", "at_least"]

METRICS: tuple[str, ...] = (
    "cumulative_default_rate",
    "cumulative_net_loss_rate",
    "delinquency_ratio",
    "excess_spread",
    "missed_senior_interest",
    "unable_to_revolve",
    "serious_delinquency",
    "servicer_event",
)
EVENT_METRICS: tuple[str, ...] = ("missed_senior_interest", "unable_to_revolve")
EFFECTS: tuple[str, ...] = ("end_revolving", "accelerate", "default", "sequential")
DEFAULT_BREACH: dict[str, str] = {
    "cumulative_default_rate": "above",
    "cumulative_net_loss_rate": "above",
    "delinquency_ratio": "above",
    "excess_spread": "below",
    "missed_senior_interest": "above",
    "unable_to_revolve": "at_least",
    "serious_delinquency": "above",
    "servicer_event": "at_least",
}


@dataclass(frozen=True, slots=True)
class Trigger:
    """A test of one metric against a threshold schedule, with an effect when breached.

    Metrics, each defined per scenario and period t:

    - ``cumulative_default_rate``: ``Σ_{s≤t} new_defaults_s / (initial_pool + Σ_{s<t} purchased_s)``
    - ``cumulative_net_loss_rate`` (CNL, the US auto trigger): ``Σ_{s≤t} (new_defaults_s −
      recoveries_s) / (initial_pool + Σ_{s<t} purchased_s)``, recoveries as the trust receives them
    - ``delinquency_ratio``: ``delinquent_balance_t / pool_balance_end_t``
    - ``excess_spread`` (annualised): ``12 · (interest_collected_t − taxes and fees accrued_t −
      note interest accrued_t) / pool_balance_begin_t``
    - ``missed_senior_interest``: senior interest unpaid on the payment date of period t
      (threshold usually 0)
    - ``unable_to_revolve``: consecutive revolving periods ending with more than ``tolerance``
      principal cash not reinvested (threshold: the number of periods N)
    - ``serious_delinquency`` (严重拖欠率): ``mean over the last min(average_periods, t) periods s
      of (Σ_{b in buckets} balance_b,s + restructured_delinquent_s) / pool_balance_end_s``, with
      ``buckets`` the first and last delinquency bucket counted (default M2–M3: 31–90 days past
      due) and restructured plans the deal counts as delinquent in every window; needs the bucket
      balances in :class:`~tranches.period.PeriodInputs` ``delinquent_by_bucket``
    - ``servicer_event``: 1 from period ``event_period`` on (servicer termination, originator
      downgrade or insolvency → 权利完善事件: borrowers notified, collections swept to the trust
      directly), else 0; threshold 1. A stress, set per scenario. In the event period a share
      ``commingling_loss`` of that period's collections (interest, principal and recoveries) is
      lost with the servicer (commingling); from then on collections reach the trust directly.

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
    buckets: tuple[int, int] = (2, 3)
    average_periods: int = 1
    event_period: int | None = None
    commingling_loss: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise must("trigger.name", "must be a non-empty string", self.name)
        path = f"triggers[{self.name!r}]"
        if self.metric not in METRICS:
            raise must(f"{path}.metric", f"must be one of {METRICS}", self.metric)
        if self.effect not in EFFECTS:
            raise must(f"{path}.effect", f"must be one of {EFFECTS}", self.effect)
        thr = check_schedule(f"{path}.threshold", self.threshold, rate=False)
        check_ratio_threshold(path, self.metric, thr)
        object.__setattr__(self, "threshold", thr)
        if self.breach_when is None:
            object.__setattr__(self, "breach_when", DEFAULT_BREACH[self.metric])
        elif self.breach_when not in ("above", "below", "at_least"):
            raise must(f"{path}.breach_when", "must be 'above', 'below' or 'at_least'", self.breach_when)
        check_amount(f"{path}.tolerance", self.tolerance)
        check_window(path, self.buckets, self.average_periods)
        check_event(path, self.event_period, self.commingling_loss)
        object.__setattr__(self, "buckets", tuple(int(b) for b in self.buckets))

    @property
    def thresholds(self) -> tuple[float, ...]:
        """The threshold schedule as a tuple (period 1 first)."""
        th = self.threshold
        return (float(th),) if isinstance(th, int | float) else tuple(th)

    @property
    def is_event(self) -> bool:
        """True for triggers tested after the waterfall (acting from the next period)."""
        return self.metric in EVENT_METRICS


Redeems = Literal["rated", "all", "any"]
CALL_RTOL = 1e-12
"""Relative float tolerance of the clean-up call's cover test (sums of float64 flows)."""


@dataclass(frozen=True, slots=True)
class CleanupCall:
    """Clean-up call (清仓回购): exercised on the first payment date after revolving has ended
    whose pool factor is at or below ``threshold``, i.e. ``0 < pool_balance_end_t ≤ threshold ·
    initial_pool``, and whose proceeds redeem the notes ``redeems`` names.

    The proceeds, defined as ``price · pool_balance_end_t``, are added to the principal pot and the
    clean-up waterfall (or, without one, the current phase's waterfall) pays them out at once.
    Note balances still outstanding after that payment are written down and the deal ends.

    ``redeems`` (as offering documents condition the call: the price with the cash in the trust
    must repay the notes, 足以支付优先级证券的全部未偿本金和应付利息):

    - ``"rated"`` (default): exercised only where ``proceeds + cash in the collection account +
      reserve ≥ expenses due + Σ (interest due + balance)`` over every class that is not
      ``subordinated`` (up to :data:`CALL_RTOL` of that sum); otherwise the deal runs on and the
      call is tested again on the next payment date;
    - ``"all"``: the same over every class;
    - ``"any"``: whatever it leaves unpaid (the classes still owed are written down).
    """

    threshold: float
    price: float = 1.0
    _: KW_ONLY
    redeems: Redeems = "rated"

    def __post_init__(self) -> None:
        if not isinstance(self.threshold, int | float) or not 0.0 <= self.threshold < 1.0:
            raise must("cleanup.threshold", "must be a pool factor in [0, 1)", self.threshold)
        if not isinstance(self.price, int | float) or not 0.0 <= self.price <= 2.0:
            raise must("cleanup.price", "must be a fraction of the pool balance in [0, 2]", self.price)
        if self.redeems not in ("rated", "all", "any"):
            raise must("cleanup.redeems", "must be one of 'rated', 'all', 'any'", self.redeems)

    def must_redeem(self, tranche_class: str) -> bool:
        """Whether the call's condition covers a class of ``tranche_class`` (``rated``: every class
        but the subordinated; ``all``: every class; ``any``: none, there is no condition)."""
        return self.redeems == "all" or (self.redeems == "rated" and tranche_class != "subordinated")


# --------------------------------------------------------------------------------------------
# issue 12: serious delinquency window and the trigger definitions table

N_BUCKETS = 7
"""Delinquency buckets M0 … M6 (M0 current; M2–M3 = 31–90 days past due)."""
_DPD = ("current", "1–30", "31–60", "61–90", "91–120", "121–150", "151–180")


RATIO_METRICS: tuple[str, ...] = ("cumulative_default_rate", "cumulative_net_loss_rate", "delinquency_ratio", "serious_delinquency")
"""Metrics that are shares of a pool balance, so always in [0, 1]."""


def check_ratio_threshold(path: str, metric: str, thresholds: tuple[float, ...]) -> None:
    """A threshold of a ratio metric (:data:`RATIO_METRICS`) is a decimal in [0, 1]: the ratio never
    leaves [0, 1], so a threshold above 1 (a percent typed as a number: 2.5 for 2.5 %) could never
    be breached and one below 0 is breached from period 1, by the calendar, not by performance.
    An ``excess_spread`` threshold is an annual decimal below 1 in size: 2 (meant 2 %) tests a
    spread of 200 % a year, breached (``below``) from period 1 — an acceleration by the calendar."""
    if metric == "excess_spread":
        for i, v in enumerate(thresholds):
            if not -1.0 < v < 1.0:
                rule = "must be an annual decimal in (−1, 1) (excess spread a year over the pool balance)"
                raise must(f"{path}.threshold[{i}]", rule, v, "thresholds are decimals (0.02 = 2 % a year)")
    if metric not in RATIO_METRICS:
        return
    for i, v in enumerate(thresholds):
        if not 0.0 <= v <= 1.0:
            rule = f"must be a decimal in [0, 1] ({metric} is a share of the pool balance)"
            raise must(f"{path}.threshold[{i}]", rule, v, "thresholds are decimals (0.025 = 2.5 %)")


def check_window(path: str, buckets: object, average_periods: object) -> None:
    """``buckets``: (first, last) bucket indices in 1..6 with first ≤ last; ``average_periods`` ≥ 1."""
    ok = (
        isinstance(buckets, tuple | list)
        and len(buckets) == 2
        and all(isinstance(b, int) and not isinstance(b, bool) and 1 <= b < N_BUCKETS for b in buckets)
        and buckets[0] <= buckets[1]
    )
    if not ok:
        raise must(f"{path}.buckets", "must be [first, last] delinquency buckets within 1..6 (M2–M3 = [2, 3])", buckets)
    if not isinstance(average_periods, int) or isinstance(average_periods, bool) or not 1 <= average_periods <= 12:
        raise must(f"{path}.average_periods", "must be an integer number of periods in [1, 12]", average_periods)


def check_event(path: str, event_period: object, commingling_loss: object) -> None:
    """``event_period``: None or a period ≥ 1; ``commingling_loss``: a decimal in [0, 1]."""
    if event_period is not None and (not isinstance(event_period, int) or isinstance(event_period, bool) or event_period < 1):
        raise must(f"{path}.event_period", "must be a period >= 1 or None (no event)", event_period)
    ok = isinstance(commingling_loss, int | float) and not isinstance(commingling_loss, bool)
    if not ok or not 0.0 <= float(commingling_loss) <= 1.0:  # type: ignore[arg-type]
        raise must(f"{path}.commingling_loss", "must be a decimal share in [0, 1]", commingling_loss)


DENOMINATORS: dict[str, str] = {
    "cumulative_default_rate": "initial pool + receivables purchased before the period",
    "cumulative_net_loss_rate": "initial pool + receivables purchased before the period",
    "delinquency_ratio": "pool balance at the end of the period",
    "excess_spread": "pool balance at the start of the period (annualised × 12)",
    "missed_senior_interest": "none (amount unpaid on a payment date)",
    "unable_to_revolve": "none (consecutive revolving periods)",
    "serious_delinquency": "pool balance at the end of each period averaged",
    "servicer_event": "none (1 from the event period on)",
}
EFFECT_TEXT: dict[str, str] = {
    "end_revolving": "ends revolving purchases",
    "accelerate": "acceleration event (加速清偿): stops payments to the subordinated class, ends revolving, turbo-pays seniors",
    "default": "event of default (违约事件): strictly sequential interest then principal by class, ends revolving",
    "sequential": "pro-rata principal steps pay sequentially",
}


def trigger_window(g: Trigger) -> str:
    """What a trigger's metric counts, in words (for the definitions table)."""
    if g.metric == "servicer_event":
        when = f"from period {g.event_period}" if g.event_period is not None else "never (no event in this scenario)"
        loss = f", commingling loss {g.commingling_loss:.2%} of that period's collections" if g.commingling_loss else ""
        return f"{when}{loss}"
    if g.metric == "serious_delinquency":
        lo, hi = g.buckets
        days = f"{_DPD[lo].split('–')[0]}–{_DPD[hi].split('–')[-1]} days past due"
        avg = f", average of the last {g.average_periods} periods" if g.average_periods > 1 else ""
        return f"M{lo}–M{hi} ({days}){avg}"
    return {
        "cumulative_default_rate": "defaults since the cut-off",
        "cumulative_net_loss_rate": "defaults less recoveries received since the cut-off",
        "delinquency_ratio": "delinquent balance as fed by the caller (the deal runner: 31+ days past due)",
        "excess_spread": "the period",
        "missed_senior_interest": "each payment date",
        "unable_to_revolve": "consecutive revolving periods",
    }[g.metric]


def trigger_definitions(triggers: tuple[Trigger, ...]) -> pd.DataFrame:
    """One row per trigger: name, metric, denominator, window, threshold schedule, breach_when,
    effect (code and words), curable, tested (before or after the waterfall)."""
    rows = [
        {
            "trigger": g.name,
            "metric": g.metric,
            "denominator": DENOMINATORS[g.metric],
            "window": trigger_window(g),
            "threshold": ", ".join(f"{v:g}" for v in g.thresholds),
            "breach_when": g.breach_when,
            "effect": g.effect,
            "effect_text": EFFECT_TEXT[g.effect],
            "curable": g.curable,
            "tested": "after the waterfall, acts next period" if g.is_event else "before the waterfall, acts this period",
        }
        for g in triggers
    ]
    cols = ["trigger", "metric", "denominator", "window", "threshold", "breach_when", "effect", "effect_text", "curable", "tested"]
    return pd.DataFrame(rows, columns=cols)

"""What the engine and its caller exchange each period."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

INPUT_NAMES = (
    "interest_collected",
    "principal_collected",
    "recoveries",
    "new_defaults",
    "pool_balance_begin",
    "pool_balance_end",
    "delinquent_balance",
    "purchase_capacity",
    "late_fees",
    "principal_losses",
    "recoveries_pending",
    "principal_advanced",
    "defaults_counted_only",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PeriodInputs:
    """What the collateral side hands the engine for one monthly period; each (N,) or a scalar.

    ``principal_collected`` is scheduled plus prepaid principal. ``purchase_capacity`` is the par
    amount of eligible receivables available to buy this period (may be ``inf``). ``late_fees``:
    the late fees (违约金 / 罚息) the trust collects, a line of available funds of its own that
    joins the interest pot beside ``interest_collected`` (never inside it); like interest income
    it is the base of taxes (VAT on 价外费用) and counts in excess spread. ``principal_losses``:
    pool principal lost other than by default (e.g. the discount when the originator buys
    receivables back below par): it debits the PDL like a default, so excess interest covers it
    before any residual, but it is not a default (cumulative-default triggers do not count it).
    ``recoveries_pending``: money still to come, after this period, on receivables defaulted so far,
    less the loss already booked on them (the recoverable part of the defaulted balance, net loss
    being booked at default; under P&I advancing, the balance still advanced on until it liquidates):
    collateral beside the pool balance in the ``writedown="period"`` test, so a class is not
    written down for a loss its recoveries will repay (and those recoveries then go to the
    residual). 0 when the caller does not know them; never counted in the last period.
    ``principal_advanced``: the part of ``principal_collected`` a servicer advanced on defaulted
    receivables (P&I advancing): like the recoveries, cash on the defaulted balance, so it credits
    the PDL (with ``recoveries_pending``, net of it, the PDL then holds the loss booked at liquidation).
    ``defaults_counted_only``: receivables the deal counts as defaulted that are not lost (those
    entering a restructuring plan where the deal's rules count them as defaults): they count in
    the cumulative defaults (cumulative-default triggers, a default cover) but debit no PDL, as
    they keep paying into the principal collections.
    """

    interest_collected: npt.ArrayLike
    principal_collected: npt.ArrayLike
    pool_balance_begin: npt.ArrayLike
    pool_balance_end: npt.ArrayLike
    recoveries: npt.ArrayLike = 0.0
    new_defaults: npt.ArrayLike = 0.0
    delinquent_balance: npt.ArrayLike = 0.0
    purchase_capacity: npt.ArrayLike = np.inf
    delinquent_by_bucket: npt.ArrayLike | None = None
    """(B, N) or (B,) balances by delinquency bucket M0 … M(B−1), for bucket-window triggers."""
    ineligible_balance: npt.ArrayLike = 0.0
    """(N,) or a scalar: receivables still in the pool that the deal does not count as collateral
    (restructured plans ruled ineligible), outside ``pool_balance_end``: a clean-up call sells them
    with the pool, so its proceeds are ``price × (pool_balance_end + ineligible_balance)``."""
    restructured_delinquent: npt.ArrayLike = 0.0
    """(N,) or a scalar: the balance of restructured plans the deal counts as delinquent (they are
    in no bucket once in a plan). Counted in every bucket-window (serious-delinquency) ratio, as
    ``delinquent_balance`` counts them in the delinquency ratio."""
    late_fees: npt.ArrayLike = 0.0
    principal_losses: npt.ArrayLike = 0.0
    recoveries_pending: npt.ArrayLike = 0.0
    principal_advanced: npt.ArrayLike = 0.0
    defaults_counted_only: npt.ArrayLike = 0.0


@dataclass(frozen=True, slots=True)
class StepOutput:
    """What one period returns to the caller.

    ``purchased``: par amount of receivables bought (add them to the pool); ``called``: the
    clean-up call was exercised this period (stop feeding collections); ``payment_date``: notes
    were paid this period; ``phase``: phase code per scenario (index into ``PHASES``).
    """

    purchased: FloatArray
    called: BoolArray
    payment_date: BoolArray
    phase: npt.NDArray[np.int8]

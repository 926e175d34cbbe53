"""The frozen :class:`Deal` (pool, liability structure, dates, revolving period).

The deal package, one job per module:

- :mod:`abs_model.deal.model` (this one): the value objects :class:`Deal`, :class:`Revolving`,
  :class:`ReplenishmentLine` and :func:`replenishment_pool`;
- :mod:`abs_model.deal.loader`: YAML text → plain document (safe loader, no aliases, no
  duplicate keys, bounded nesting), :func:`load_deal` and :func:`load_assumptions`;
- :mod:`abs_model.deal.checks`: schema validation with readable messages and the reference
  checks (unknown tranches/fees, unreachable waterfalls, falling trigger schedules);
- :mod:`abs_model.deal.build`: :func:`deal_from_document`, a validated document → :class:`Deal`.

``load_deal``, ``load_assumptions``, ``deal_from_document``, ``assumptions_from_document`` and
``validate_document`` stay importable from here (resolved lazily to avoid an import cycle).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tranches as tr
from abs_model.assumptions.assumptions import Assumptions
from abs_model.collateral.pool import Pool
from abs_model.core.limits import RESERVED_TRANCHE_NAMES, name_problem
from abs_model.core.products import Product
from abs_model.deal.compressed import CompressedPool
from abs_model.deal.disclosure import Disclosure
from abs_model.errors import DealError

#: Relative tolerance when tranche sizes are compared with the pool balance.
SIZE_RTOL = 1e-6


@dataclass(frozen=True, slots=True)
class ReplenishmentLine:
    """One kind of receivable bought while revolving: product, term, rate, share of purchases."""

    product: str
    term: int
    rate: float
    share: float
    average_balance: float = 1_500.0


@dataclass(frozen=True, slots=True)
class Revolving:
    """Revolving period (循环购买): length, purchase price, what is bought and what is eligible."""

    periods: int = 0
    price: float = 1.0
    replenishment: tuple[ReplenishmentLine, ...] = ()
    capacity: float = float("inf")

    @property
    def active(self) -> bool:
        return self.periods > 0 and bool(self.replenishment)


@dataclass(frozen=True, slots=True)
class Deal:
    """A deal: the pool, the liability structure and the deal's own assumption defaults."""

    name: str
    pool: Pool
    structure: tr.Structure
    cutoff_date: np.datetime64
    periods: int
    currency: str = "CNY"
    closing_date: np.datetime64 | None = None
    first_payment: np.datetime64 | None = None
    legal_final: np.datetime64 | None = None
    revolving: Revolving = field(default_factory=Revolving)
    assumptions: Assumptions | None = None
    source: str = "<python>"
    tranche_labels_zh: Mapping[str, str] = field(default_factory=dict)
    input_files: tuple[str, ...] = ()
    #: The pool compressed into rep-lines for the deal's own assumptions (built by
    #: :func:`deal_from_document`); :func:`abs_model.run` uses them only for this very pool and
    #: assumptions that compress the same way (see :mod:`abs_model.deal.compressed`).
    pool_lines: CompressedPool | None = field(default=None, compare=False, repr=False)
    #: Factor every balance of the pool was multiplied by to reach the deal file's ``scale_to``
    #: (1.0 when not scaled); a pool passed in (a tape) is scaled only with ``scale_pool=True``.
    pool_scale: float = 1.0
    #: Eligibility criteria (合格标准) and the cut-off screen's statement (:mod:`abs_model.deal.eligibility`).
    eligibility: Any = None
    #: Parties and ratings as the offering documents state them (:mod:`abs_model.deal.disclosure`).
    disclosure: Disclosure = field(default_factory=Disclosure)

    def __post_init__(self) -> None:
        """Names end up in every output (report, workbook, CSV): a deal built in Python is held
        to the same rules as a deal file (no control characters, not blank, a tranche not named
        like an output column, tranche, fee and trigger names distinct ignoring case and spaces)."""
        named = [("name", self.name), ("currency", self.currency)]
        named += [(f"tranches[{i}].name", t.name) for i, t in enumerate(self.structure.tranches)]
        named += [(f"fees[{i}].name", f.name) for i, f in enumerate(self.structure.fees)]
        named += [(f"triggers[{i}].name", t.name) for i, t in enumerate(self.structure.triggers)]
        named += [(f"tranche_labels_zh[{k!r}]", v) for k, v in self.tranche_labels_zh.items()]
        for path, value in named:
            why = name_problem(value)
            if why is not None:
                raise DealError(f"{self.source}: {path}: {why}")
        seen: dict[str, str] = {}
        for t in self.structure.tranches:
            folded = t.name.strip().casefold()
            if folded in RESERVED_TRANCHE_NAMES:
                raise DealError(f"{self.source}: tranche {t.name!r}: reserved for an output column ({', '.join(RESERVED_TRANCHE_NAMES)}); choose another name")
            if folded in seen:
                raise DealError(f"{self.source}: tranche {t.name!r}: must differ from {seen[folded]!r} by more than case or spaces")
            seen[folded] = t.name
        for kind, items in (("fee", self.structure.fees), ("trigger", self.structure.triggers)):
            names: dict[str, str] = {}
            for x in items:  # shown alike in every output ('Trustee' and 'Trustee ')
                folded = x.name.strip().casefold()
                if folded in names:
                    raise DealError(f"{self.source}: {kind} {x.name!r}: must differ from {names[folded]!r} by more than case or spaces")
                names[folded] = x.name
        why = _date_problem(self)
        if why is not None:
            raise DealError(f"{self.source}: {why}")

    @property
    def period_end_dates(self) -> np.ndarray:
        """Month-ends after the cut-off, one per collection period (datetime64[D])."""
        start = self.cutoff_date.astype("datetime64[M]")
        months = start + np.arange(1, self.periods + 1)
        return (months + 1).astype("datetime64[D]") - 1

    @property
    def tranche_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.structure.tranches)



def _day(value: Any, unit: str = "D") -> Any:
    """``value`` as a numpy date scalar in ``unit`` (days, or ``"M"`` for months)."""
    return np.asarray(value, dtype=f"datetime64[{unit}]")[()]


def _payment_date(deal: Deal, t: int) -> Any:
    """Payment date of collection period ``t`` as :func:`abs_model.runs.dates.payment_dates` sets
    it (the runner's rule: business day following, no holidays): in the month after the period
    ends, on ``first_payment``'s day of the month (clipped to the month's length), moved forward
    to a weekday; without ``first_payment``, the period's last day."""
    month = _day(deal.cutoff_date, "M") + t
    if deal.first_payment is None:
        return _day((month + 1).astype("datetime64[D]") - 1)
    fp = _day(deal.first_payment)
    day = int((fp - _day(fp, "M").astype("datetime64[D]")).astype(np.int64))
    start = (month + 1).astype("datetime64[D]")
    length = int(((month + 2).astype("datetime64[D]") - start).astype(np.int64))
    return _day(np.busday_offset(start + min(day, length - 1), 0, roll="forward"))


def _date_problem(deal: Deal) -> str | None:
    """Why the deal's dates are not dates of its own payment schedule (:func:`_payment_date`), or
    None. Defined as: the notes are first paid on period ``p = payment_every[first phase]``
    (revolving when the deal revolves, else amortising; at most ``periods``), so
    ``first_payment`` must fall in the month after collection period ``p`` ends (only its day of
    the month sets the other payment dates: a date in another month would be shown in the report
    and never used); ``closing`` must come before period 1's payment date, when the first interest
    period ends; ``legal_final`` must come after the first note payment."""
    phase = "revolving" if deal.revolving.active else "amortising"
    p = max(1, min(int(deal.structure.payment_every.get(phase, 1)), int(deal.periods)))
    if deal.first_payment is not None:
        month = _day(deal.cutoff_date, "M") + p + 1
        if _day(deal.first_payment, "M") != month:
            end = month.astype("datetime64[D]") - 1
            return (
                f"dates.first_payment: must be the payment date of period {p}, the first on which the notes are paid "
                f"({phase} payments every {p} month(s)): a date in {month} (collection period {p} ends {end}; "
                f"its payment date falls in the month after, on first_payment's day of the month); "
                f"got {_day(deal.first_payment)}"
            )
    pay1 = _payment_date(deal, 1)
    if deal.closing_date is not None and _day(deal.closing_date) >= pay1:
        return (
            f"dates.closing: must be before the first payment date of the collections, {pay1}, "
            f"when the notes' first interest period ends; got {_day(deal.closing_date)}"
        )
    first = _payment_date(deal, p)
    if deal.legal_final is not None and _day(deal.legal_final) <= first:
        return f"dates.legal_final: must be after the first payment date {first}; got {_day(deal.legal_final)}"
    return None


def replenishment_pool(revolving: Revolving) -> Pool:
    """A pool of one unit of new receivables (total balance 1.0, age 0, current) in the
    replenishment mix; its projection per unit is the cash-flow profile of a purchase."""
    rv = revolving.replenishment
    share = np.array([ln.share for ln in rv])
    return Pool.from_arrays(
        loan_id=[f"new-{i}" for i in range(len(rv))],
        original_principal=share,
        current_principal=share,
        original_term=[ln.term for ln in rv],
        remaining_term=[ln.term for ln in rv],
        product=[int(Product.from_key(ln.product)) for ln in rv],
        rate=[ln.rate for ln in rv],
        bucket=np.zeros(len(rv), dtype=np.int8),
    )


#: Names that lived in this module before the split, and the module that holds each now.
_MOVED = {
    "load_deal": "abs_model.deal.loader",
    "load_assumptions": "abs_model.deal.loader",
    "deal_from_document": "abs_model.deal.build",
    "assumptions_from_document": "abs_model.deal.build",
    "validate_document": "abs_model.deal.checks",
}


def __getattr__(name: str) -> Any:
    """``from abs_model.deal.model import load_deal`` keeps working (lazily: the loader and the
    builder import this module, so importing them here at the top would be a cycle)."""
    if name in _MOVED:
        return getattr(importlib.import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

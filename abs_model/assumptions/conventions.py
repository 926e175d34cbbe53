"""The names a user may give for the projection convention and the schedule rounding, checked
once in :meth:`~abs_model.assumptions.assumptions.Assumptions.make`.

``convention`` (optional; by default ``"roll_rate"`` when a roll-rate matrix is given, else
``"sifma"``):

- ``"roll_rate"``: the consumer-receivable state machine (needs ``roll_rates``);
- ``"sifma"``: the SIFMA/BMA Standard Formulas (defaults on the prior performing balance, SMM
  after scheduled amortisation);
- ``"absbox"``: the Hastructure order for instalment pools (defaults first on the performing
  balance, prepayment on the survivors, scheduled fee and principal scaled by the survival
  factor; :mod:`abs_model.projection.absbox`).

``rounding``: ``"exact"`` (closed-form schedules) or ``"cents"`` (each receivable billed in
cents: principal truncated to the cent per instalment, the remainder in the last one;
:mod:`abs_model.core.instalments`).
"""

from __future__ import annotations

from typing import Any

from abs_model.errors import must

CONVENTION_NAMES: tuple[str, ...] = ("roll_rate", "sifma", "absbox")
ROUNDINGS: tuple[str, ...] = ("exact", "cents")


def check_convention(name: Any, *, roll: bool) -> str | None:
    """The convention named by the user (None when not given), consistent with the inputs: the
    roll-rate convention needs a roll-rate matrix, and the rate conventions refuse one."""
    if name is None:
        return None
    if not isinstance(name, str) or name.strip().lower() not in CONVENTION_NAMES:
        raise must("convention", f"must be one of {list(CONVENTION_NAMES)}", name)
    key = name.strip().lower()
    if key == "roll_rate" and not roll:
        raise must("convention", "'roll_rate' needs roll_rates (a roll-rate matrix)", name)
    if key != "roll_rate" and roll:
        raise must("convention", "roll_rates drive the 'roll_rate' convention only; drop roll_rates or the convention", name,
                   hint="absbox and sifma take a default rate (cdr / mdr / sda / cumulative_default)")
    return key


def check_rounding(value: Any) -> str:
    """``"exact"`` or ``"cents"`` (see module doc)."""
    if not isinstance(value, str) or value.strip().lower() not in ROUNDINGS:
        raise must("rounding", f"must be one of {list(ROUNDINGS)}", value)
    return value.strip().lower()

"""Every error the liability engine raises.

All validation errors subclass :class:`ValueError`; messages name the field or path, the rule and
the value received, e.g. ``tranches[2].coupon: must be a decimal in [0, 1); got 5.1 — rates are
decimals``.
"""

from __future__ import annotations

from typing import Any


class LiabilityError(ValueError):
    """Base class for invalid liability-side inputs (tranches, fees, accounts, triggers, steps)."""


class ConservationError(ArithmeticError):
    """A books-balance invariant failed (cash in != cash out, a negative balance, ...).

    Raised, never printed and ignored: a result that does not balance is not returned.
    """


def describe(value: Any) -> str:
    """Echo a received value the way messages quote it."""
    return repr(value)


def must(path: str, rule: str, got: Any, hint: str = "") -> LiabilityError:
    """Build a :class:`LiabilityError` naming ``path``, the ``rule`` and the value received."""
    tail = f" — {hint}" if hint else ""
    return LiabilityError(f"{path}: {rule}; got {describe(got)}{tail}")

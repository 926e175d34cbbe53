"""Every error abs-model raises (one module; the liability side's errors are re-exported).

Validation errors subclass :class:`ValueError` and their messages name the file/row/path, the rule
and the value received. Example::

    rate: must be a decimal in [0, 1); got 6.0 — rates are decimals (6 % is 0.06)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tranches.errors import ConservationError, LiabilityError

__all__ = [
    "AbsModelError",
    "ActualsError",
    "AssumptionError",
    "ColumnMappingError",
    "ConservationError",
    "DealError",
    "LiabilityError",
    "MissingExtraError",
    "OutputError",
    "RowProblem",
    "SolverError",
    "TapeError",
    "must",
]


class AbsModelError(ValueError):
    """Base class for invalid inputs to abs-model."""


class AssumptionError(AbsModelError):
    """An assumption is out of range, the wrong shape or inconsistent (e.g. a matrix row != 1)."""


class DealError(AbsModelError):
    """A deal definition (YAML or Python objects) is invalid; the message names the path."""


class ColumnMappingError(AbsModelError):
    """A tape column mapping (``--columns``, the deal file's ``pool.columns``) names an unknown
    field or is malformed; the message names the option and the value received."""


class SolverError(AbsModelError):
    """A solver could not bracket or converge; says so instead of returning a bound."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One bad cell of a tape: 1-based data row (the n-th loan), column, value, rule; for a file,
    also the ``line`` where that loan starts (CSV: counting every line, blank ones and the header
    included; XLSX: the sheet row number) and the row's ``loan_id``."""

    row: int | None
    column: str
    value: Any
    rule: str
    line: int | None = None
    loan_id: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "header"
        extra = [f"line {self.line}"] if self.line is not None else []
        extra += [f"loan_id {self.loan_id!r}"] if self.loan_id else []
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{where}, column {self.column!r}: {self.rule}; got {self.value!r}{tail}"


class TapeError(AbsModelError):
    """A loan tape failed validation. Lists every problem at once (capped in the message).

    ``problems`` holds all of them; ``source`` names the file (or ``<DataFrame>``).
    """

    MAX_LISTED = 50

    def __init__(self, source: str, problems: Sequence[RowProblem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[: self.MAX_LISTED])
        more = len(self.problems) - self.MAX_LISTED
        extra = f"\n  ... and {more} more problems" if more > 0 else ""
        super().__init__(
            f"{source}: {len(self.problems)} problem(s) in the loan tape; nothing was loaded:\n{shown}{extra}"
        )


class ActualsError(AbsModelError):
    """A performance history (pool or note actuals) failed validation; lists every problem.

    ``problems`` holds all of them (:class:`RowProblem`); ``source`` names the file.
    """

    MAX_LISTED = 50

    def __init__(self, source: str, problems: Sequence[RowProblem], *, what: str = "performance history") -> None:
        self.source = source
        self.problems = tuple(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[: self.MAX_LISTED])
        more = len(self.problems) - self.MAX_LISTED
        extra = f"\n  ... and {more} more problems" if more > 0 else ""
        super().__init__(f"{source}: {len(self.problems)} problem(s) in the {what}; nothing was loaded:\n{shown}{extra}")


def must(path: str, rule: str, got: Any, *, hint: str = "", error: type = AssumptionError) -> Exception:
    """Build an error naming ``path``, the ``rule`` and the value received (see module doc)."""
    tail = f" — {hint}" if hint else ""
    return error(f"{path}: {rule}; got {got!r}{tail}")


class MissingExtraError(AbsModelError, ImportError):
    """A feature needs an optional package that is not installed; the message names the extra
    to install (``pip install 'abs-model[parquet]'``)."""


class OutputError(AbsModelError):
    """An output location that cannot be used (empty path, a file where a folder is needed)."""

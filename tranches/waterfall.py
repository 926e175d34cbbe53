"""A waterfall: the ordered steps of one phase."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tranches.errors import must
from tranches.steps import STEP_TYPES, Step


@dataclass(frozen=True, slots=True)
class Waterfall:
    """An ordered tuple of steps, run on every payment date of its phase (BuyReceivables: monthly)."""

    steps: tuple[Step, ...]

    def __init__(self, steps: Iterable[Step]) -> None:
        items = tuple(steps)
        for i, s in enumerate(items):
            if not isinstance(s, STEP_TYPES):
                raise must(f"waterfall.steps[{i}]", "must be a step from tranches.steps", s)
        object.__setattr__(self, "steps", items)

    def __len__(self) -> int:
        return len(self.steps)

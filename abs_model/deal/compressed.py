"""The deal's pool compressed into rep-lines, cached with the key it depends on.

Rep-lines depend on the pool's loans and on two things in the assumptions: the segment
overrides (which loans share a line) and whether the roll-rate convention is used (missed
instalments of delinquent loans are owed only there). :class:`CompressedPool` keeps the pool it
compressed and that key; its lines are reused only for that very pool (a ``Pool`` is frozen and
its arrays are read-only, so the same object holds the same loans) under assumptions with the
same key. A deal whose pool was replaced (``dataclasses.replace(deal, pool=other)``) never
reuses them, whatever the other pool's count and balance.
"""

from __future__ import annotations

from dataclasses import dataclass

from abs_model.assumptions.assumptions import Assumptions
from abs_model.collateral.pool import Pool
from abs_model.projection.replines import Lines, legal_min_balance, rep_lines


def compression_key(assumptions: Assumptions) -> tuple[object, ...]:
    """What rep-line compression reads from the assumptions: the segment overrides' (column,
    value) pairs in order, whether the roll-rate convention is used and the charge-off path's
    legal threshold."""
    overrides = tuple((o.column, repr(o.value)) for o in assumptions.segment_overrides)
    return (overrides, assumptions.roll_rates is None, assumptions.rounding, legal_min_balance(assumptions))  # lines split by the legal threshold


@dataclass(frozen=True, slots=True)
class CompressedPool:
    """``lines = rep_lines(pool, assumptions)`` with the pool and the compression key they came from."""

    pool: Pool
    key: tuple[object, ...]
    lines: Lines

    @classmethod
    def of(cls, pool: Pool, assumptions: Assumptions) -> CompressedPool:
        """Compress ``pool`` for ``assumptions``."""
        return cls(pool=pool, key=compression_key(assumptions), lines=rep_lines(pool, assumptions))

    def lines_for(self, pool: Pool, assumptions: Assumptions) -> Lines | None:
        """The cached lines when ``pool`` is the pool compressed and ``assumptions`` compress it
        the same way; None otherwise (the caller compresses afresh)."""
        if pool is not self.pool or compression_key(assumptions) != self.key:
            return None
        return self.lines

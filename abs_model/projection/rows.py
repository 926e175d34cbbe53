"""The scenario rows one run of the period engine (:mod:`abs_model.projection.engine`) steps
through, and how its results map back to the scenarios asked for. Two exact economies:

- **Scenarios sharing their state path run once.** Only the prepayment and default multiples
  move the state (SMM, the roll-rate matrix or MDR, the plans); the recovery multiple acts on
  recoveries alone (:func:`abs_model.projection.recoveries.recoverable`,
  :func:`~abs_model.projection.recoveries.with_recoveries` and the advancing principal loss). So
  the loop runs each distinct (prepay, default) pair once, and every scenario's totals are its
  pair's row, its recoveries computed from that row's defaults with its own recovery multiple
  (the same elementwise arithmetic, on a copy of the same numbers).
- **Parts of the lines side by side.** With ``K`` parts (e.g. the replenishment lines of a
  revolving deal, each wanted on its own) the loop's rows are ``K`` blocks of the scenarios, block
  ``k`` carrying part ``k`` alone: the state groups of the other parts start at fraction 0 (and
  their balance already past the default bucket at 0), and a zero state stays zero (every step is
  linear in the state), so every sum over state groups in block ``k`` is part ``k``'s sum plus
  exact zeros — the totals of part ``k`` projected on its own. Under the roll-rate convention
  the engine does not step the blocks: it keeps one block (the ``U`` distinct rows) and sums each
  part over its own groups (:class:`~abs_model.projection.groups.PartSums`), the same terms
  without the zeros, into these rows.

Row ``r`` of the loop is block ``r // U``, distinct pair ``r % U``; final row ``k·S + s`` is
scenario ``s`` of part ``k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Multiples = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, slots=True)
class ScenarioRows:
    """The loop's rows (``loop``: prepay, default and recovery multiples, each (K·U,)) and the
    final rows (``final``, each (K·S,)); ``take[i]`` is the loop row of final row ``i`` (None:
    the loop runs the final rows themselves); ``parts`` = K, ``distinct`` = U."""

    loop: Multiples
    final: Multiples
    take: np.ndarray | None
    parts: int
    distinct: int

    def expand(self, v: np.ndarray) -> np.ndarray:
        """Loop rows → final rows, along the first axis (a copy; ``v`` itself when the same)."""
        return v if self.take is None else v[self.take]

    def block_mask(self, part_of_group: np.ndarray) -> np.ndarray:
        """(K·U, G): 1.0 where the row's block is the group's part, else 0.0."""
        block = np.arange(self.parts * self.distinct) // self.distinct
        return (block[:, None] == np.asarray(part_of_group)[None, :]).astype(np.float64)


def scenario_rows(multiples: Multiples, *, parts: int = 1, share: bool = True) -> ScenarioRows:
    """The rows for scenario multiples of shape (S,) and ``parts`` blocks; ``share=False`` runs
    every scenario in the loop (no sharing of state paths)."""
    pm, dm, rm = (np.ascontiguousarray(m, dtype=np.float64) for m in multiples)
    S = pm.size
    take = None
    loop_pm, loop_dm, loop_rm = pm, dm, rm
    if share and S > 1:
        pairs, first, inv = np.unique(np.stack([pm, dm], axis=1), axis=0, return_index=True, return_inverse=True)
        if pairs.shape[0] < S:
            take = inv.reshape(-1).astype(np.int64)
            loop_pm, loop_dm, loop_rm = pm[first], dm[first], rm[first]
    U = loop_pm.size
    if parts > 1:
        base = np.arange(S, dtype=np.int64) if take is None else take
        take = (np.arange(parts, dtype=np.int64)[:, None] * U + base[None, :]).reshape(-1)
    return ScenarioRows(
        loop=(np.tile(loop_pm, parts), np.tile(loop_dm, parts), np.tile(loop_rm, parts)),
        final=(np.tile(pm, parts), np.tile(dm, parts), np.tile(rm, parts)),
        take=take,
        parts=parts,
        distinct=U,
    )

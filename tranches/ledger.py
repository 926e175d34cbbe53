"""The ledger layout: one row per distinct cash movement (source, step, target).

Rows are fixed when the engine is built; each period every step adds the amounts it moved (a
vector over scenarios) to its row, so the ledger is a preallocated (T, rows, scenarios) array and
a DataFrame is built only on request, for one scenario. The sign of each row for the collection
account (+1 into it, −1 out of it, 0 between its pots) and for the reserve lets the engine check
conservation every period with one matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

POTS = ("interest_account", "principal_account", "collection_account")
RESERVE = "reserve_account"


@dataclass(slots=True)
class LedgerLayout:
    """Row labels and signs; built once per engine (rows are shared by phases)."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)
    index: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def row(self, source: str, step: str, target: str) -> int:
        """The row for a movement from ``source`` to ``target`` by ``step`` (created if new)."""
        key = (source, step, target)
        if key not in self.index:
            self.index[key] = len(self.rows)
            self.rows.append(key)
        return self.index[key]

    def signs(self) -> npt.NDArray[np.float64]:
        """(2, rows) signs: row 0 for the collection account's cash, row 1 for the reserve.

        Defined as +1 for a movement into the account, −1 out of it, 0 otherwise (pot to pot).
        """
        out = np.zeros((2, len(self.rows)))

        def is_pot(label: str) -> bool:
            return all(part in POTS for part in label.split("+"))

        for r, (src, _, dst) in enumerate(self.rows):
            out[0, r] = float(is_pot(dst)) - float(is_pot(src))
            out[1, r] = float(dst == RESERVE) - float(src == RESERVE)
        return out

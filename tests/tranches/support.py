"""Shared helpers for the liability tests (a plain module, imported by the tests; not a test module)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from tranches import Fee, Structure, Tranche, Waterfall, steps


def month_ends(n: int, start: str = "2025-01") -> npt.NDArray[np.datetime64]:
    """``n`` consecutive month-end dates starting with the end of ``start``."""
    months = np.arange(np.datetime64(start, "M"), np.datetime64(start, "M") + n + 1)
    return months[1:].astype("datetime64[D]") - np.timedelta64(1, "D")


def worked_example_structure() -> Structure:
    """The worked example's two classes (A 900,000 at 6 %, B 100,000) and a 1.2 % servicer fee."""
    return Structure(
        tranches=(Tranche("A", 900_000.0, 0.06), Tranche("B", 100_000.0, 0.0, tranche_class="subordinated")),
        fees=(Fee("servicer", basis="pool_balance", rate=0.012),),
        waterfalls={
            "amortising": Waterfall(
                [
                    steps.PayFee("servicer"),
                    steps.PayInterest(("A",)),
                    steps.PayPrincipal(("A", "B")),
                    steps.PayResidual(),
                ]
            )
        },
    )

"""Helper of the breakeven tests (not a test module): two breakeven frames of one deal, solved two
ways, agree to the solver's tolerance.

Both brackets hold the first-loss point — they overlap — where the class's loss curve rises with
the default multiple. Where it does not (the subordinated class of the Baitiao example under
back-loaded defaults: a loss from 2.1807 ×, none again near 2.1844 ×, because more defaults trip
the trigger earlier and the excess spread it traps repays the class), each solver may bracket a
sign change of its own: then both must be genuine — no loss at the lower end, a loss at the upper,
re-run here — and the curve must be shown to fall between them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import abs_model as am
import abs_model.analytics.breakeven as breakeven_mod


def assert_brackets_agree(deal: am.Deal, g: pd.DataFrame, w: pd.DataFrame, tol: float, *, most_apart: int = 2) -> np.ndarray:
    """Assert the module doc's rule for the frames ``g`` and ``w`` (the default stress scenarios);
    returns the positions of the rows whose brackets overlap (at most ``most_apart`` do not)."""
    assert np.all(g["upper_mult"] - g["breakeven_mult"] <= tol * g["upper_mult"])
    overlap = (np.maximum(g["breakeven_mult"], w["breakeven_mult"]) < np.minimum(g["upper_mult"], w["upper_mult"])).to_numpy()
    apart = np.flatnonzero(~overlap)
    assert apart.size <= most_apart, g.iloc[apart]
    scen = list(am.scenario_set("stress"))
    assert deal.assumptions is not None
    for i in apart:
        s_idx = np.full(4, [x.name for x in scen].index(g["scenario"].iloc[i]))
        points = np.array([g["breakeven_mult"].iloc[i], g["upper_mult"].iloc[i], w["breakeven_mult"].iloc[i], w["upper_mult"].iloc[i]])
        j = list(deal.tranche_names).index(g["tranche"].iloc[i])
        which = breakeven_mod.VARIANTS.index(g["variant"].iloc[i])  # first-dollar or principal loss
        loss = breakeven_mod._losses(deal, deal.assumptions, scen, s_idx, points)[which][:, j]
        assert loss[0] <= 0 < loss[1] and loss[2] <= 0 < loss[3], (g.iloc[i], loss)
        assert min(points[1], points[3]) < max(points[0], points[2])  # a loss below a point with none
    keep = np.flatnonzero(overlap)
    np.testing.assert_allclose(g["breakeven_mult"].iloc[keep], w["breakeven_mult"].iloc[keep], rtol=tol, atol=0.0)
    return keep

"""A clean-up call sells the whole pool: restructured plans the deal rules out of the collateral
balance (``eligible: false``) are still the trust's receivables, so they go with the pool at the
call price. Before, the runner took them out of the pool with the sale while the proceeds paid only
for the eligible balance: the trust gave them away (the named check 'proceeds = call price × pool
balance sold' failed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import abs_model as am
from abs_model.deal.build import deal_from_document

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CENT = 0.005


def _run(*, eligible: bool) -> am.DealResult:
    # the Baitiao example on a small pool; half of M2 and of M3 enter a spread-arrears plan every
    # month; called at 10 % of the initial pool at par
    doc = yaml.safe_load((EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
    doc["pool"]["synthetic"]["n"] = 20_000
    doc["assumptions"]["collections"]["restructuring"][0].update({"take_up": {2: 0.5, 3: 0.5}, "eligible": eligible})
    return am.run(deal_from_document(doc, base_dir=EXAMPLES, source="test"))


def test_the_call_sells_ineligible_restructured_plans_with_the_pool() -> None:
    res = _run(eligible=False)
    called = np.flatnonzero(res.revolving["called"].to_numpy())
    assert called.size == 1
    t = int(called[0]) + 1
    p = res.pool.iloc[t]
    # the balance sold, by the roll-forward of the call period (nothing is left after it): the
    # collateral balance and the plans outside it, all at the price of 1.0
    sold = (
        p["opening_balance"]
        + p["purchases"]
        - p["scheduled_principal"]
        - p["prepayment"]
        - p["defaults"]
        - p["repurchases"]
    )
    assert float(p["closing_balance"]) == 0.0 and float(p["cleanup_sale"]) == pytest.approx(sold, abs=CENT)
    assert float(res.pool["balance_restructured"].iloc[t - 1]) > 0.03 * sold  # the plans are worth selling
    assert float(res.accounts["cleanup_proceeds"].loc[t]) == pytest.approx(1.0 * sold, abs=CENT)
    check = next(c for c in res.checks if c.name.startswith("clean-up: proceeds"))
    assert check.passed, check


"""Issue 17, item 5: a clean-up call during the revolving period used to destroy cash.

When the pool paid down within one period (``cpr`` near 1, or a sweep's ``prepay=5``), the call
fired while revolving, the ledger credited a fraction of the pool sold, and every class was written
down 100 % in period 1 while every check passed. Now the call is tested only on payment dates after
revolving, the price is the pool balance sold, and a cash leak is a failed, named check.
"""

from __future__ import annotations

import numpy as np
import pytest

import abs_model as am
from abs_model.analytics.sweep import sweep
from tests.reliability._deals import small_deal_file

CENT = 0.005


@pytest.fixture(scope="module")
def deal(tmp_path_factory: pytest.TempPathFactory) -> am.Deal:
    return am.load_deal(small_deal_file(tmp_path_factory.mktemp("cleanup")), scale_pool=True)


def test_prepayment_just_under_and_at_the_pool_paydown_give_the_same_senior_result(deal: am.Deal) -> None:
    """The issue's sweep: ``prepay=4.99,5`` took Senior A from 0 % to 100 % loss."""
    df = sweep(deal, {"prepay": [4.99, 5.0]}, progress=False)
    senior = df[df["tranche"] == "Senior A"].sort_values("prepay")
    assert senior["loss_pct"].to_numpy() == pytest.approx([0.0, 0.0], abs=1e-12)
    assert senior["paid_in_full"].all()


def test_a_pool_that_pays_down_at_once_is_not_called_while_revolving(deal: am.Deal) -> None:
    a = deal.assumptions
    assert a is not None
    r = am.run(deal, a, prepay_mult=np.array([5.0]))
    rev = r.revolving
    called = rev.index[rev["called"]]
    assert all(rev.loc[t, "phase"] != "revolving" for t in called)
    for t in called:  # the price is the pool balance sold, into the waterfall
        assert r.accounts.loc[t, "cleanup_proceeds"] == pytest.approx(float(r.pool.loc[t, "cleanup_sale"]), abs=CENT)
    assert not r.failed_checks, [c.name for c in r.failed_checks]
    s = r.summary()
    assert s.loc["Senior A", "loss_pct"] == pytest.approx(0.0, abs=1e-12)

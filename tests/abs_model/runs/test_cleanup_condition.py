"""The clean-up call (清仓回购) on the example deals under default stress: exercised only where it
repays every class but the subordinated (``redeems: rated``, the examples' setting), so a rated
class is never written down by the call; with ``redeems: any`` the same stress calls and does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import abs_model as am

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def run(fname: str, mult: float, redeems: str) -> am.DealResult:
    deal = am.load_deal(EXAMPLES / fname)
    assert deal.structure.cleanup is not None
    call = dataclasses.replace(deal.structure.cleanup, redeems=redeems)
    deal = dataclasses.replace(deal, structure=dataclasses.replace(deal.structure, cleanup=call))
    return am.run(deal, dataclasses.replace(deal.assumptions, default_multiplier=mult))


@pytest.mark.parametrize("fname", ["baitiao_revolving.yaml", "huabei_style_static.yaml"])
@pytest.mark.parametrize("mult", [1.0, 4.0, 8.0])
def test_a_call_never_writes_a_rated_class_down(fname: str, mult: float) -> None:
    res = run(fname, mult, "rated")
    lia = res.liabilities
    called = np.flatnonzero(lia.called[0])
    assert not res.failed_checks
    rated = [t.name for t in res.deal.structure.tranches if t.tranche_class != "subordinated"]
    for t in called:  # the call's period: every rated class repaid in full, nothing written down
        for name in rated:
            assert lia.tranche(name).writedown[0, t] == 0.0
            assert lia.tranche(name).balance_end[0, t] == pytest.approx(0.0, abs=0.005)


def test_at_defaults_x8_the_unconditional_call_writes_senior_b_down_and_the_condition_refuses_it() -> None:
    anyway = run("baitiao_revolving.yaml", 8.0, "any")
    t = int(np.flatnonzero(anyway.liabilities.called[0])[0])
    assert anyway.liabilities.tranche("Senior B").writedown[0, t] > 1e6  # written down by the call
    kept = run("baitiao_revolving.yaml", 8.0, "rated")
    assert not kept.liabilities.called[0].any()  # never enough to repay the rated classes
    # the deal then runs to its legal final: the classes' losses are what the pool leaves unpaid
    lia = kept.liabilities
    for name in kept.deal.tranche_names:
        tr = lia.tranche(name)
        assert tr.principal_paid[0].sum() + tr.writedown[0].sum() == pytest.approx(tr.original_balance, abs=0.01)


def test_the_redeems_check_fails_where_a_call_left_a_rated_class_unpaid() -> None:
    """The deal check tests what the waterfall paid, not the condition: on the unconditional
    call's result it fails (Senior B written down in the call period), on the conditioned one it passes."""
    from abs_model.runs.checks import _call_redeemed, money_tolerance

    anyway = run("baitiao_revolving.yaml", 8.0, "any")
    assert anyway.deal.structure.cleanup is not None
    rated = dataclasses.replace(anyway.deal.structure.cleanup, redeems="rated")
    failed = _call_redeemed(anyway, rated, money_tolerance(anyway))
    assert not failed.passed and failed.max_abs_error > 1e6
    kept = run("baitiao_revolving.yaml", 4.0, "rated")
    assert kept.liabilities.called[0].any()
    assert next(c for c in kept.checks if c.name.startswith("clean-up: the call repaid")).passed

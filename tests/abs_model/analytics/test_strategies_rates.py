"""compare_strategies' default and loss rates are the pool's own (on the initial pool, over the
whole projection): the deal as run shows the pool's figure; the baseline differs only because it
drops the deal's collection strategy. Worked on the shipped example with a 20,000-loan pool."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import abs_model as am
from abs_model.analytics.strategies import compare_strategies
from abs_model.output.console import strategies_table

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "baitiao_revolving.yaml"
TIGHT = 1e-12


@pytest.fixture(scope="module")
def deal(tmp_path_factory: pytest.TempPathFactory) -> am.Deal:
    text = EXAMPLE.read_text(encoding="utf-8").replace("synthetic: {n: 500000, seed: 2026}", "synthetic: {n: 20000, seed: 2026}")
    path = tmp_path_factory.mktemp("deal") / "deal.yaml"
    path.write_text(text, encoding="utf-8")
    return am.load_deal(path)


def test_the_deal_as_run_shows_the_pools_rate_and_the_baseline_says_what_it_is(deal: am.Deal) -> None:
    assert deal.assumptions is not None and deal.assumptions.collections is not None
    table = compare_strategies(deal, {}, as_run=True)
    own = f"as run ({deal.assumptions.collections.name})"
    assert list(table.index) == [own, "baseline"]

    pool = am.run(deal).pool
    assert table.loc[own, "cumulative_default_rate"] == pytest.approx(pool["cumulative_default_rate"].iloc[-1], rel=TIGHT)
    assert table.loc[own, "net_loss_rate"] == pytest.approx(pool["cumulative_net_loss_rate"].iloc[-1], rel=TIGHT)

    # the baseline by hand: every period's defaults with no collection strategy, over the initial pool
    bare = am.run(deal, dataclasses.replace(deal.assumptions, collections=None)).pool
    total = 0.0
    for t in range(1, len(bare)):
        total += float(bare.loc[t, "defaults"])
    assert table.loc["baseline", "cumulative_default_rate"] == pytest.approx(total / deal.pool.balance, rel=TIGHT)
    # the deal's strategy restructures arrears: fewer defaults than with none
    assert table.loc[own, "cumulative_default_rate"] < table.loc["baseline", "cumulative_default_rate"]

    text = strategies_table(table)
    assert "baseline (no collection strategy)" in text and "Cumulative default rate, on initial pool" in text


def test_without_as_run_the_rows_are_the_baseline_and_the_strategies(deal: am.Deal) -> None:
    sale = am.CollectionStrategy("sale", charge_off=am.ChargeOffPath(sale_share=1.0, sale_price=0.1))
    assert list(compare_strategies(deal, {"sale": sale}).index) == ["baseline", "sale"]


def test_the_as_run_row_from_a_result_the_caller_has_is_the_row_run_again(deal: am.Deal) -> None:
    """``as_run_result`` (the demo passes its own ``run(deal)``) gives the very table of running
    the deal again; a result of other assumptions is not taken for it."""
    import pandas as pd

    again = compare_strategies(deal, {}, as_run=True)
    done = am.run(deal)
    pd.testing.assert_frame_equal(compare_strategies(deal, {}, as_run=True, as_run_result=done), again, check_exact=True)
    assert deal.assumptions is not None
    other = am.run(deal, dataclasses.replace(deal.assumptions, collections=None))  # the baseline's run
    pd.testing.assert_frame_equal(compare_strategies(deal, {}, as_run=True, as_run_result=other), again, check_exact=True)

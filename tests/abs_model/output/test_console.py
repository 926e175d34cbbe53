"""Console formatting: amounts, rates, WAL, factors and the demo's tables read like a finance tool."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import abs_model as am
from abs_model.output.console import (
    amount,
    deal_summary,
    factor,
    millions,
    percent,
    strategies_table,
    sweep_table,
    years,
)

from .conftest import result


def test_number_formats() -> None:
    assert amount(1234567.891) == "1,234,567.89"
    assert amount(-0.001) == "0.00", "a float residue never shows as -0.00"
    assert millions(1_234_567_890.0) == "1,234.57"
    assert percent(0.051) == "5.10%"
    assert years(1.26563) == "1.27"
    assert factor(0.123456) == "0.1235"
    assert amount(None) == amount(float("nan")) == "—"


@pytest.fixture(scope="module")
def stressed(tmp_path_factory: pytest.TempPathFactory) -> am.DealResult:
    return result(str(tmp_path_factory.mktemp("deal")), stress=3.0)


def test_deal_summary_reads_like_a_finance_tool(stressed: am.DealResult) -> None:
    text = deal_summary(stressed)
    assert "e+" not in text and "e-0" not in text, "no scientific notation"
    header = next(line for line in text.splitlines() if line.startswith("Class"))
    for words in ("Balance, millions", "Coupon", "WAL, years", "Principal window, periods", "Loss, % of original"):
        assert words in header
    s = stressed.summary()
    row = next(line for line in text.splitlines() if line.startswith("Senior A"))
    assert f"{s.loc['Senior A', 'original_balance'] / 1e6:,.2f}" in row
    coupon = next(t.coupon for t in stressed.deal.structure.tranches if t.name == "Senior A")
    assert f"{coupon[0]:.2%}" in row and f"{s.loc['Senior A', 'wal_years']:.2f}" in row
    cdr = stressed.triggers["Cumulative default (加速清偿)"]
    first = int(cdr.index[np.argmax(cdr["breached"].to_numpy())])
    assert f"'Cumulative default (加速清偿)': first breached in period {first}" in text
    assert "'Missed senior interest (违约事件)': never breached" in text
    n = len(stressed.checks)
    assert n >= 14 and not stressed.failed_checks
    assert f"Integrity checks passed: {n} of {n}" in text


def test_sweep_and_strategy_tables() -> None:
    sweep = pd.DataFrame(
        {"prepay_multiple": [0.5, 0.5], "default_multiple": [1.0, 2.0], "tranche": ["A", "A"], "loss_pct": [0.0, 0.2988]}
    )
    text = sweep_table(sweep, ["prepay_multiple", "default_multiple"])
    assert text.splitlines()[0].split() == ["Prepayment", "×", "Default", "×", "A"]
    assert text.splitlines()[-1].split() == ["0.5", "2", "29.88%"]
    strategies = pd.DataFrame(
        {"npv_collections": [4.0379e9], "collection_costs": [827_891.0], "net_loss_rate": [0.0414]},
        index=pd.Index(["restructure at M2"], name="strategy"),
    )
    last = strategies_table(strategies).splitlines()[-1]
    assert last.split()[-3:] == ["4,037.90", "0.83", "4.14%"]

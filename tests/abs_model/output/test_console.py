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


def test_deal_summary_in_chinese_says_the_same_numbers(stressed: am.DealResult) -> None:
    """``--lang zh``: the same rows and numbers, every word from the registry's 中文, the checks by
    their Chinese names; the table's columns line up on a terminal (a CJK character is two
    columns wide)."""
    from abs_model.output.console import check_lines, width
    from abs_model.output.phrases import check_name

    en, zh = deal_summary(stressed), deal_summary(stressed, lang="zh")
    zh_lines = zh.splitlines()
    header = next(line for line in zh_lines if line.startswith("证券档次"))
    for words in ("优先级", "本金（百万）", "票面利率", "加权平均期限（年）", "本金偿付期间", "损失（占初始本金）", "期末因子"):
        assert words in header
    for en_row in (line for line in en.splitlines() if line.startswith("Senior A")):
        numbers = [w for w in en_row.split() if any(ch.isdigit() for ch in w)]
        zh_row = next(line for line in zh_lines if line.startswith("Senior A"))
        assert [w for w in zh_row.split() if any(ch.isdigit() for ch in w)] == numbers
    table = zh_lines[2:2 + 2 + len(stressed.summary())]
    assert len({width(line) for line in table}) == 1, "every row of the table as wide as the header"
    n = len(stressed.checks)
    assert f"数据校验通过：{n}/{n}项" in zh and "从未触发" in zh and "首次触发" in zh
    for english in ("Class", "Seniority", "never breached", "Integrity checks", "Pool (millions"):
        assert english not in zh
    checks = check_lines(stressed, lang="zh")
    assert all(check_name(c.name, "zh") in checks for c in stressed.checks)
    assert "[通过]" in checks and "worst" not in checks


def test_wide_characters_are_padded_by_display_width() -> None:
    from abs_model.output.console import text_table, width

    assert width("证券") == 4 and width("A×—") == 3
    lines = text_table(["档次", "金额"], [["优先A", "1.00"], ["Sub", "20.00"]]).splitlines()
    assert {width(line) for line in lines} == {width(lines[0])}
    assert lines[2] == "优先A   1.00" and lines[3] == "Sub    20.00"

"""``abs-model compare-strategies``: the strategies file read strictly, the CSV text kept text."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from abs_model.cli import main

DEAL = "examples/baitiao_revolving.yaml"


def test_a_strategies_file_with_a_key_twice_is_refused_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the later charge_off would have replaced the first without a word (plain yaml.safe_load)
    path = tmp_path / "s.yaml"
    path.write_text(
        "strategies:\n"
        "  - name: sale\n"
        "    charge_off: {sale_share: 0.8, sale_price: 0.08}\n"
        "    charge_off: {sale_share: 0.1, sale_price: 0.5}\n",
        encoding="utf-8",
    )
    assert main(["compare-strategies", DEAL, "--strategies", str(path)]) != 0
    err = capsys.readouterr().err
    assert str(path) in err and "charge_off" in err and "Traceback" not in err


def test_strategy_names_starting_with_a_tab_or_carriage_return_stay_text_in_the_csv(tmp_path: Path) -> None:
    # the OWASP set: = + - @ and also tab and CR (the command's own rule missed the last two)
    path = tmp_path / "s.yaml"
    path.write_text(
        'strategies:\n  - name: "\\t=sale"\n    charge_off: {sale_share: 0.8, sale_price: 0.08}\n',
        encoding="utf-8",
    )
    out = tmp_path / "t.csv"
    assert main(["compare-strategies", DEAL, "--strategies", str(path), "--out", str(out)]) == 0
    with out.open(encoding="utf-8", newline="") as fh:
        names = [row[0] for row in csv.reader(fh)][1:]
    assert "'\t=sale" in names and "\t=sale" not in names

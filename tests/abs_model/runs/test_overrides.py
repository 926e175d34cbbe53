"""``--assumptions FILE`` merges over the deal's assumptions (issue 10, defect 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import abs_model as am
from abs_model.cli import main
from abs_model.deal.model import assumptions_from_document
from abs_model.runs.overrides import merge_documents, merged_assumptions

ROOT = Path(__file__).resolve().parents[3]
BAITIAO = ROOT / "examples" / "baitiao_revolving.yaml"


@pytest.fixture(scope="module")
def deal() -> am.Deal:
    return am.load_deal(BAITIAO, pool=am.synthetic_pool(300, seed=5), scale_pool=True)


def test_a_file_naming_only_cpr_keeps_the_deals_other_assumptions(deal: am.Deal, tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("cpr: 0.10\n", encoding="utf-8")
    m = merged_assumptions(deal, f)
    # the old behaviour: Assumptions.make(cpr=0.10) alone — SIFMA, no defaults, no recoveries
    assert m.assumptions.convention == "roll_rate"
    assert m.assumptions.recovery_rate == deal.assumptions.recovery_rate == 0.10  # type: ignore[union-attr]
    np.testing.assert_array_equal(m.assumptions.roll_rates.matrix, deal.assumptions.roll_rates.matrix)  # type: ignore[union-attr]
    # the deal file's own assumptions block with cpr replaced, and nothing else changed
    block = dict(yaml.safe_load(BAITIAO.read_text(encoding="utf-8"))["assumptions"])
    assert block["cpr"] != 0.10
    expected = assumptions_from_document({**block, "cpr": 0.10})
    pd.testing.assert_frame_equal(am.project(deal.pool, m.assumptions).frame, am.project(deal.pool, expected).frame)
    assert any("overrides cpr" in n and "roll_rates" in n for n in m.notes)
    assert not any("convention changes" in n for n in m.notes)


def test_nested_assumptions_mapping_is_accepted(deal: am.Deal, tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("assumptions:\n  cpr: 0.10\n", encoding="utf-8")
    flat = tmp_path / "b.yaml"
    flat.write_text("cpr: 0.10\n", encoding="utf-8")
    a, b = merged_assumptions(deal, f).assumptions, merged_assumptions(deal, flat).assumptions
    pd.testing.assert_frame_equal(am.project(deal.pool, a).frame, am.project(deal.pool, b).frame)


def test_a_change_of_convention_is_stated(deal: am.Deal, tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("cdr: 0.02\n", encoding="utf-8")
    m = merged_assumptions(deal, f)
    assert m.assumptions.convention == "sifma"
    assert any("changes from roll_rate (deal) to sifma" in n and "cdr" in n for n in m.notes)


def test_alternative_keys_replace_each_other_as_a_group() -> None:
    base = {"cpr": 0.2, "roll_rates": {"roll": [0.1] * 7}, "recovery_rate": 0.1}
    assert merge_documents(base, {"psa": 1.5}) == {"psa": 1.5, "roll_rates": {"roll": [0.1] * 7}, "recovery_rate": 0.1}
    assert merge_documents(base, {"cdr": 0.02}) == {"cpr": 0.2, "cdr": 0.02, "recovery_rate": 0.1}


def test_duplicate_keys_are_refused_naming_both_lines(deal: am.Deal, tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text("cpr: 0.2\nrecovery_rate: 0.1\ncpr: 0.99\n", encoding="utf-8")
    with pytest.raises(am.errors.DealError, match=r"line 3: duplicate key 'cpr' \(first given on line 1\)"):
        merged_assumptions(deal, f)


def test_cli_states_the_merge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = BAITIAO.read_text(encoding="utf-8").replace("n: 500000", "n: 1000")
    d = tmp_path / "deal.yaml"
    d.write_text(text, encoding="utf-8")
    f = tmp_path / "a.yaml"
    f.write_text("cpr: 0.10\n", encoding="utf-8")
    assert main(["run", str(d), "--assumptions", str(f), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "overrides cpr; keeps the deal's" in out
    assert "roll-rate convention" in out

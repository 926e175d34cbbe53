"""``convention`` in a deal file's ``assumptions:`` block and in a CLI ``--assumptions`` file."""

from __future__ import annotations

from pathlib import Path

import pytest

from abs_model.cli import main
from abs_model.deal.model import assumptions_from_document
from abs_model.errors import DealError

DEAL = Path(__file__).resolve().parents[3] / "examples" / "huabei_style_static.yaml"


def test_deal_file_assumptions_name_the_absbox_convention() -> None:
    a = assumptions_from_document({"cpr": 0.15, "cdr": 0.03, "convention": "absbox"}, source="deal.yaml")
    assert a.convention == "absbox"
    with pytest.raises(DealError, match=r"deal.yaml: convention: must be one of \['roll_rate', 'sifma', 'absbox'\]; got 'hastructure'"):
        assumptions_from_document({"cdr": 0.03, "convention": "hastructure"}, source="deal.yaml")


def test_cli_assumptions_file_switches_to_absbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    over = tmp_path / "absbox.yaml"
    over.write_text("cdr: 0.03\nconvention: absbox\n", encoding="utf-8")
    assert main(["validate", str(DEAL), "--assumptions", str(over)]) == 0
    out = capsys.readouterr()
    assert "the default convention changes from roll_rate (deal) to absbox" in out.out + out.err


def test_deal_file_assumptions_bill_in_cents() -> None:
    a = assumptions_from_document({"cdr": 0.03, "rounding": "cents"}, source="deal.yaml")
    assert a.rounding == "cents" and a.describe()["schedule_rounding"].startswith("billed in cents")
    assert assumptions_from_document({"cdr": 0.03}, source="deal.yaml").rounding == "exact"

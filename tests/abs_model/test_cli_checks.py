"""The CLI exits non-zero when an integrity check fails, unless ``--allow-failed-checks``."""

from __future__ import annotations

from pathlib import Path

import pytest

from abs_model.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _deal_without_residual(tmp_path: Path) -> Path:
    """The Baitiao example on a small pool with every ``pay_residual`` removed: the excess
    spread stays in the interest account after the last period."""
    text = (EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8")
    text = text.replace("synthetic: {n: 500000, seed: 2026}", "synthetic: {n: 2000, seed: 2026}")
    text = "\n".join(line for line in text.splitlines() if "pay_residual" not in line) + "\n"
    path = tmp_path / "no_residual.yaml"
    path.write_text(text.replace("../abs_model", str(EXAMPLES.parent / "abs_model")), encoding="utf-8")
    return path


def test_failed_check_exits_4_and_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deal = _deal_without_residual(tmp_path)
    assert main(["run", str(deal), "--out", str(tmp_path / "out")]) == 4
    captured = capsys.readouterr()
    assert "[FAIL] accounts: no cash left in any account at the end" in captured.out
    assert "check(s) failed" in captured.err and "accounts: no cash left" in captured.err
    assert (tmp_path / "out" / "report.html").is_file()  # written, for inspection


def test_allow_failed_checks_exits_0_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deal = _deal_without_residual(tmp_path)
    assert main(["run", str(deal), "--out", str(tmp_path / "out"), "--allow-failed-checks"]) == 0
    assert "warning" in capsys.readouterr().err


def test_passing_checks_are_listed_with_their_worst_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (EXAMPLES / "baitiao_revolving.yaml").read_text(encoding="utf-8").replace("n: 500000", "n: 2000")
    deal = tmp_path / "small.yaml"
    deal.write_text(text, encoding="utf-8")
    assert main(["run", str(deal), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "[ok] ledger: cash in = cash out + change in account balances, every period: worst" in out
    assert "[FAIL]" not in out

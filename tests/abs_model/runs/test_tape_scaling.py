"""A tape passed with a deal keeps its own balance unless scaling is asked for (issue 10, defect 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import abs_model as am
from abs_model.cli import main

ROOT = Path(__file__).resolve().parents[3]
BAITIAO = ROOT / "examples" / "baitiao_revolving.yaml"
TAPE = ROOT / "examples" / "baitiao_tape.csv"


@pytest.fixture(scope="module")
def tape_pool() -> am.Pool:
    return am.Pool.from_tape(am.read_tape(TAPE))


def test_a_tape_keeps_its_balance_unless_scaled(tape_pool: am.Pool) -> None:
    plain = am.load_deal(BAITIAO, pool=tape_pool)
    # the example's eligibility screen keeps the current receivables; each keeps its own balance
    kept = np.isin(tape_pool.loan_id, plain.pool.loan_id)
    assert plain.pool.balance == pytest.approx(float(tape_pool.current_principal[kept].sum()), rel=1e-12)
    assert plain.pool_scale == 1.0
    scaled = am.load_deal(BAITIAO, pool=tape_pool, scale_pool=True)
    assert scaled.pool.balance == pytest.approx(1_200_000_000.0, rel=1e-12)  # the file's scale_to
    assert scaled.pool_scale == pytest.approx(1_200_000_000.0 / plain.pool.balance, rel=1e-12)
    r = am.run(scaled)
    assert r.deal.pool_scale == scaled.pool_scale  # recorded in the result


def test_the_files_own_pool_is_scaled_and_recorded(tmp_path: Path) -> None:
    text = BAITIAO.read_text(encoding="utf-8").replace("n: 500000", "n: 1000")
    f = tmp_path / "deal.yaml"
    f.write_text(text, encoding="utf-8")
    d = am.load_deal(f)
    assert d.pool.balance == pytest.approx(1_200_000_000.0, rel=1e-12)
    syn = am.synthetic_pool(1000, seed=2026)
    kept = np.isin(syn.loan_id, d.pool.loan_id)  # the receivables the eligibility screen kept
    assert d.pool_scale == pytest.approx(1_200_000_000.0 / float(syn.current_principal[kept].sum()), rel=1e-12)


def test_cli_states_the_choice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BAITIAO), "--tape", str(TAPE)]) == 0
    assert "used at its own balance" in capsys.readouterr().out
    assert main(["validate", str(BAITIAO), "--tape", str(TAPE), "--scale-tape"]) == 0
    out = capsys.readouterr().out
    assert "scaled ×" in out and "1,200,000,000.00" in out

"""docs/coming_from_absbox.md shows what ``examples/conventions_side_by_side.py`` prints, and the
period-1 numbers it quotes follow from the conventions' formulas worked by hand."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "coming_from_absbox.md"
SCRIPT = ROOT / "examples" / "conventions_side_by_side.py"


def test_the_page_shows_the_scripts_table() -> None:
    out = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    table = out.strip()
    assert table.startswith("| quantity | `roll_rate` | `sifma` | `absbox` |")
    assert table in PAGE.read_text(encoding="utf-8")
    assert "python examples/conventions_side_by_side.py" in PAGE.read_text(encoding="utf-8")


def test_period_one_by_hand() -> None:
    # the pool: 3,000 + 6,000 + 12,000 + 24,000 = 45,000, contractual principal of instalment 1
    # = 1,000 + 1,000 + 1,000 + 1,000 = 4,000; CPR 20 %, CDR 8 %
    g = runpy.run_path(str(SCRIPT))
    smm = 1 - 0.8 ** (1 / 12)
    mdr = 1 - 0.92 ** (1 / 12)
    d = mdr * 45_000.0
    frames = {k: g["am"].project(g["POOL"], a).frame for k, a in g["ASSUMPTIONS"].items()}
    # absbox: prepayment on the survivors before the instalment; the instalment scaled by φ
    ab = frames["absbox"]
    p = smm * (45_000.0 - d)
    phi = (45_000.0 - d - p) / 45_000.0
    assert ab.loc[1, "defaults"] == pytest.approx(d, abs=1e-9)
    assert ab.loc[1, "prepayment"] == pytest.approx(p, abs=1e-9)
    assert ab.loc[1, "scheduled_principal"] == pytest.approx(phi * 4_000.0, abs=1e-9)
    assert ab.loc[1, "fee_interest"] == pytest.approx(phi * (0 + 42.0 + 72.0 + 120.0), abs=1e-9)
    # sifma: prepayment after the instalment, SMM × PB × S(1)/S(0) = SMM × 41,000
    sf = frames["sifma"]
    assert sf.loc[1, "prepayment"] == pytest.approx(smm * 41_000.0, abs=1e-9)
    assert sf.loc[1, "scheduled_principal"] == pytest.approx((45_000.0 - d) / 45_000.0 * 4_000.0, abs=1e-9)
    # roll_rate: 1 % of the current balance rolls to M1 and pays nothing; no default before period 4
    rr = frames["roll_rate"]
    assert rr.loc[1, "scheduled_principal"] == pytest.approx(0.99 * 4_000.0, abs=1e-9)
    assert rr.loc[1:3, "defaults"].tolist() == [0.0, 0.0, 0.0] and rr.loc[4, "defaults"] > 0
    # the numbers the page quotes in words
    text = " ".join(PAGE.read_text(encoding="utf-8").split())  # prose wraps lines
    assert f"{d:,.2f}" == "311.60" and f"{p:,.2f}" == "823.32" and f"{smm * 41_000.0:,.2f}" == "755.36"
    assert "311.60" in text and "823.32 against 755.36" in text

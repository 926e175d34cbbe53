"""Implausible but legal values are named with their path, value and limit."""

from __future__ import annotations

from pathlib import Path

import abs_model as am
from abs_model.deal.plausibility import implausible

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "baitiao_revolving.yaml"


def _deal(tmp_path: Path, old: str, new: str) -> am.Deal:
    text = EXAMPLE.read_text(encoding="utf-8").replace("synthetic: {n: 500000", "synthetic: {n: 2000")
    assert old in text
    p = tmp_path / "deal.yaml"
    p.write_text(text.replace(old, new), encoding="utf-8")
    return am.load_deal(p)


def test_the_example_is_plausible(tmp_path: Path) -> None:
    assert implausible(_deal(tmp_path, "coupon: 0.023", "coupon: 0.023")) == []


def test_a_coupon_of_51_percent_is_named(tmp_path: Path) -> None:
    (msg,) = implausible(_deal(tmp_path, "coupon: 0.023", "coupon: 0.51"))
    assert msg.startswith("tranches['Senior A'].coupon: 51.00% a year is implausible") and "20.00%" in msg


def test_a_fee_of_half_a_year_is_named(tmp_path: Path) -> None:
    (msg,) = implausible(_deal(tmp_path, "basis: pool_balance, rate: 0.005", "basis: pool_balance, rate: 0.5"))
    assert msg.startswith("fees['Servicer'].rate: 50.00% of the pool balance a year is implausible")
    assert "got 0.5" in msg


def test_more_instalments_past_than_months_since_origination_is_named(tmp_path: Path) -> None:
    # US auto tape, cut-off 2026-06-30: AUTO00000 is 48 months with 45 left (3 past), originated
    # 2026-04-01 (2 months before: within the 1 month of slack). Made 30 past (18 left), it cannot
    # have been originated in April 2026: the terms or the date are wrong.
    examples = EXAMPLE.parent
    lines = (examples / "us_auto_tape.csv").read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("AUTO00000,57867.76,54573.12,48,45,level_payment,0.049,2026-04-01,")
    lines[1] = lines[1].replace(",48,45,", ",48,18,", 1)
    (tmp_path / "tape.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    deal = (examples / "us_auto_static.yaml").read_text(encoding="utf-8")
    (tmp_path / "deal.yaml").write_text(deal.replace("tape: us_auto_tape.csv", "tape: tape.csv"), encoding="utf-8")
    assert implausible(am.load_deal(examples / "us_auto_static.yaml")) == []
    (msg,) = implausible(am.load_deal(tmp_path / "deal.yaml"))
    assert msg.startswith("pool: 1 receivable(s) have more instalments past (original − remaining term) than months since their origination date")
    assert "loan_id 'AUTO00000': 30 past, originated 2026-04-01, 2 month(s) before the cut-off" in msg

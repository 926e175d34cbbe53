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

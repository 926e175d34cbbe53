"""Segment overrides stated in a deal file's ``assumptions:`` block (a list of mappings): the same
assumptions as the Python :class:`~abs_model.SegmentOverride` objects, the same projection, and
every mistake refused with its path, the rule and the value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import abs_model as am
from abs_model.deal.model import assumptions_from_document
from abs_model.errors import AbsModelError, DealError

ROOT = Path(__file__).resolve().parents[3]
DEAL = ROOT / "examples" / "huabei_style_static.yaml"
ROLLS = {"roll": [0.008, 0.40, 0.55, 0.70, 0.85, 0.90, 1.0], "cure": [0.40, 0.25, 0.10, 0.05, 0.03, 0.0]}
WORSE = {"roll": [0.03, 0.50, 0.60, 0.75, 0.90, 0.95, 1.0], "cure": [0.30, 0.20, 0.10, 0.05, 0.03, 0.0]}
PLAN = {"plan": "re_age", "take_up": {2: 0.10}, "periods": 12}


def _block(**extra: object) -> dict:
    return {"cpr": 0.15, "roll_rates": ROLLS, "recovery_rate": 0.1, "recovery_lag": 6,
            "collections": {"restructuring": [PLAN]}, **extra}  # fmt: skip


def test_file_overrides_equal_python_overrides() -> None:
    block = _block(segment_overrides=[
        {"column": "score_band", "value": "E", "cpr": 0.05, "roll_rates": WORSE, "recovery_rate": 0.05,
         "take_up": {"re_age": {2: 0.4}}},
        {"column": "channel", "value": "app", "cpr": 0.25},
    ])  # fmt: skip
    from_file = assumptions_from_document(block, source="deal.yaml")
    by_hand = am.Assumptions.make(
        cpr=0.15, roll_rates=am.RollRates.simple(**ROLLS), recovery_rate=0.1, recovery_lag=6,
        collections=assumptions_from_document(_block(), source="x").collections,
        segment_overrides=[
            am.SegmentOverride(column="score_band", value="E", cpr=0.05, roll_rates=am.RollRates.simple(**WORSE),
                               recovery_rate=0.05, take_up={"re_age": {2: 0.4}}),
            am.SegmentOverride(column="channel", value="app", cpr=0.25),
        ],
    )  # fmt: skip
    pool = am.load_deal(DEAL).pool
    a, b = am.project(pool, from_file).frame, am.project(pool, by_hand).frame
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    # and the override does something: band E prepays slower and rolls worse than the pool
    plain = am.project(pool, assumptions_from_document(_block(), source="x")).frame
    assert a["defaults"].sum() > plain["defaults"].sum() and a["prepayment"].sum() != plain["prepayment"].sum()


def test_a_deal_file_states_them(tmp_path: Path) -> None:
    doc = yaml.safe_load(DEAL.read_text(encoding="utf-8"))
    assert "tape" not in doc["pool"]  # a synthetic pool: nothing to resolve relative to the deal file
    doc["assumptions"]["segment_overrides"] = [{"column": "score_band", "value": "E", "cpr": 0.05}]
    path = tmp_path / "deal.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    a = am.load_deal(path).assumptions
    assert a is not None and a.segment_overrides[0].column == "score_band" and a.segment_overrides[0].value == "E"
    assert float(a.segment_overrides[0].cpr.values[0]) == 0.05  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"column": "score_band", "value": "E", "cpr": 1.5}, r"segment_overrides\[0\]\.cpr: must be ≤ 1; got 1\.5"),
        ({"column": "score_band", "value": "E", "speed": 0.1}, r"segment_overrides\[0\]: .*speed"),
        ({"value": "E", "cpr": 0.1}, r"segment_overrides\[0\]: .*column"),
        ({"column": "score_band", "value": "E", "take_up": {"refinance": {2: 0.1}}}, r"segment_overrides\[0\]\.take_up"),
    ],
)
def test_mistakes_are_refused_with_their_path(override: dict, message: str) -> None:
    with pytest.raises((DealError, AbsModelError), match=message):
        assumptions_from_document(_block(segment_overrides=[override]), source="deal.yaml")


def test_python_api_takes_the_mapping_too() -> None:
    a = am.Assumptions.make(cpr=0.1, cdr=0.02, segment_overrides=[{"column": "region", "value": "east", "cdr": 0.05}])
    assert a.segment_overrides[0] == am.SegmentOverride(column="region", value="east", cdr=a.segment_overrides[0].cdr)
    with pytest.raises(AbsModelError, match=r"segment_overrides\[0\]: unknown key\(s\) \['speed'\]"):
        am.Assumptions.make(cpr=0.1, segment_overrides=[{"column": "region", "value": "east", "speed": 1}])

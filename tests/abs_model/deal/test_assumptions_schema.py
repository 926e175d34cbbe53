"""The JSON-Schema fragment of the ``assumptions:`` block (issue 11 §4): its keys are exactly
the options of ``Assumptions.make``; the examples' blocks pass; every problem names its path,
the rule and the value received, in a deal file and in an assumptions file alike."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
import yaml

import abs_model as am
from abs_model.deal.assumptions_schema import ASSUMPTIONS_SCHEMA, STRATEGIES_SCHEMA, assumptions_problems
from abs_model.deal.schema import SCHEMA
from abs_model.errors import DealError

ROOT = Path(__file__).resolve().parents[3]


def test_the_fragment_covers_every_option_of_assumptions_make() -> None:
    params = {p for p in inspect.signature(am.Assumptions.make).parameters if p not in ("cls", "self")}
    assert set(ASSUMPTIONS_SCHEMA["properties"]) == params
    assert SCHEMA["properties"]["assumptions"] is ASSUMPTIONS_SCHEMA
    published = json.loads((ROOT / "abs_model" / "data" / "deal.schema.json").read_text(encoding="utf-8"))
    assert published["properties"]["assumptions"] == json.loads(json.dumps(ASSUMPTIONS_SCHEMA))
    for key in ("late_fees", "collections", "buy_back"):
        assert ASSUMPTIONS_SCHEMA["properties"][key]["additionalProperties"] is False


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.stem)
def test_the_examples_assumption_blocks_pass(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert assumptions_problems(doc.get("assumptions") or {}) == []


def test_problems_name_the_path_the_rule_and_the_value() -> None:
    bad = {
        "cpr": 2,
        "late_fees": {"daily_rate": 0.05, "grace": 3},
        "collections": {
            "stages": [{"name": "letters", "from_day": 200}],
            "restructuring": [{"take_up": {2: 1.5}, "plan": "holiday"}],
            "charge_off": {"legal_min_balance": -1},
        },
        "buy_back": {"price": 3},
        "unearned_fee": "some",
    }
    got = assumptions_problems(bad)
    for want in (
        "cpr: must be ≤ 1; got 2 — rates are decimals",
        "late_fees.daily_rate: must be ≤ 0.01; got 0.05",
        "late_fees: unknown key(s) ['grace']",
        "collections.stages[0].from_day: must be ≤ 180; got 200",
        "collections.restructuring[0].plan: must be one of ['spread_arrears', 're_age', 'freeze']; got 'holiday'",
        "collections.restructuring[0].take_up[2]: must be ≤ 1; got 1.5",
        "collections.charge_off.legal_min_balance: must be ≥ 0; got -1",
        "buy_back.price: must be ≤ 2; got 3",
        "unearned_fee: must be one of ['waived', 'one_period', 'full']; got 'some'",
    ):
        assert any(line.startswith(want) for line in got), (want, got)
    # one plan as a mapping (not a list) is checked the same way
    assert assumptions_problems({"collections": {"restructuring": {"take_up": {2: 0.1}, "periods": 0}}}) == [
        "collections.restructuring.periods: must be ≥ 1; got 0"
    ]


def test_a_deal_file_and_an_assumptions_file_report_the_path(tmp_path: Path) -> None:
    doc = yaml.safe_load((ROOT / "examples" / "baitiao_revolving.yaml").read_text(encoding="utf-8"))
    doc["pool"] = {"tape": str(ROOT / "examples" / "baitiao_tape.csv")}
    doc["assumptions"]["late_fees"]["daily_rate"] = 0.05
    deal = tmp_path / "d.yaml"
    deal.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DealError, match=r"assumptions\.late_fees\.daily_rate: must be ≤ 0\.01; got 0\.05"):
        am.load_deal(deal)
    a = tmp_path / "a.yaml"
    a.write_text("cpr: 0.2\nbuy_back: {ineligible_rate: 1.5}\n", encoding="utf-8")
    with pytest.raises(DealError, match=r"a\.yaml: buy_back\.ineligible_rate: must be ≤ 1; got 1\.5"):
        am.load_assumptions(a)
    a.write_text("cpr: 0.2\nbuy_back: {ineligible_rate: 0.002, price: 0.98}\n", encoding="utf-8")
    assert am.load_assumptions(a).buy_back == am.BuyBack(ineligible_rate=0.002, price=0.98)


def test_the_strategies_file_fragment() -> None:
    from jsonschema import Draft202012Validator

    v = Draft202012Validator(STRATEGIES_SCHEMA)
    assert not list(v.iter_errors([{"name": "a", "stages": [{"name": "sms", "buckets": [1]}]}]))
    assert not list(v.iter_errors({"strategies": [{"name": "a"}]}))
    errs = list(v.iter_errors({"strategies": [{"name": "a", "cost_rank": "junior"}]}))
    assert [list(e.absolute_path) for e in errs] == [["strategies", 0, "cost_rank"]]

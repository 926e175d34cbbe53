"""An assumptions file merged over a deal that names its convention (``convention: absbox``)."""

from __future__ import annotations

from abs_model.deal.model import assumptions_from_document
from abs_model.runs.overrides import merge_documents

ROLL = {"roll": [0.01, 0.4, 0.55, 0.7, 0.85, 0.9, 1.0]}


def test_a_rate_override_keeps_the_deals_absbox_convention() -> None:
    merged = merge_documents({"cpr": 0.2, "cdr": 0.05, "convention": "absbox"}, {"cdr": 0.08})
    assert merged == {"cpr": 0.2, "cdr": 0.08, "convention": "absbox"}
    assert assumptions_from_document(merged, source="over.yaml").convention == "absbox"


def test_roll_rates_in_the_override_drop_a_rate_convention() -> None:
    merged = merge_documents({"cdr": 0.05, "convention": "absbox"}, {"roll_rates": ROLL})
    assert "convention" not in merged
    assert assumptions_from_document(merged, source="over.yaml").convention == "roll_rate"


def test_a_rate_override_drops_a_named_roll_rate_convention() -> None:
    merged = merge_documents({"roll_rates": ROLL, "convention": "roll_rate"}, {"cdr": 0.05})
    assert assumptions_from_document(merged, source="over.yaml").convention == "sifma"
    named = merge_documents({"roll_rates": ROLL}, {"cdr": 0.05, "convention": "absbox"})
    assert assumptions_from_document(named, source="over.yaml").convention == "absbox"
